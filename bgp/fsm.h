// The BGP finite state machine of RFC 4271 §8 as pure logic: (state, event) -> (state,
// actions). No sockets, no clock, no Asio.
//
// Data flow: a session (bgp/session) owns the TCP connection and the timers. It turns what
// happens to them (a connect completes, a message is decoded, a timer fires) into an Event,
// calls Fsm::Handle, and performs the returned Actions in order (start a timer, send an
// OPEN, drop the connection, install or release routes). The FSM never blocks and never
// calls out.
//
// Implements RFC 4271 §8.1 (events and session attributes) and §8.2.2 (the state
// machine, state by state), with RFC 6608 subcodes for FSM errors, RFC 4486 Cease
// subcodes and RFC 8203/9003 shutdown communications. Optional session attributes, fixed:
//   - DelayOpen FALSE: events 12 (DelayOpenTimer_Expires) and 20 (BGPOpen with
//     DelayOpenTimer running) are out of scope and do not exist here.
//   - SendNOTIFICATIONwithoutOPEN FALSE: in Connect and Active no NOTIFICATION is sent.
//   - CollisionDetectEstablishedState FALSE; the session resolves collisions (§6.8) and
//     feeds OpenCollisionDump to the FSM of the connection that loses.
//   - DampPeerOscillations TRUE, as an idle-hold backoff (FRR style): every end of a
//     session but ManualStop leaves Idle with kStartIdleHoldTimer(idle_hold_time()); the
//     next value doubles up to max_idle_hold_time and falls back to idle_hold_time once
//     the session reaches Established (or on ManualStop). Events 6 and 7 (AutomaticStart
//     with DampPeerOscillations) are not used: when IdleHoldTimer_Expires arrives in Idle
//     the FSM restarts itself, keeping the ConnectRetryCounter: as AutomaticStart, or as
//     AutomaticStart_with_PassiveTcpEstablishment when config().passive (the configured
//     mode, not the last start event: a passive start only accepts one incoming
//     connection). The session never has to send AutomaticStart again.
//   - FsmConfig::passive: the FSM never initiates a connection. It waits in Active with no
//     ConnectRetryTimer (a stronger form of §8.1.1 PassiveTcpEstablishment, which still
//     connects when the ConnectRetryTimer expires in Active).
//
// Timers are tracked: a stop action is emitted only for a timer this FSM started and that
// has neither expired nor been stopped since. Teardown actions come in one fixed order:
// kSendNotification, the timer stops (connect retry, hold, keepalive), kDropConnection,
// kSessionDown (when leaving Established), kStartIdleHoldTimer (unless ManualStop).
//
// Threading: none of its own; the owning session calls it from one thread (its strand).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/constants.h"
#include "bgp/wire/notification.h"

namespace bgpdemo::bgp {

namespace wire {
struct Update;
}

// RFC 4271 §8.2.2 states.
enum class State : std::uint8_t {
  kIdle,
  kConnect,
  kActive,
  kOpenSent,
  kOpenConfirm,
  kEstablished,
};
// "idle", "connect", "active", "open_sent", "open_confirm", "established".
std::string_view ToString(State s);

// RFC 4271 §8.1 events, valued by their RFC numbers. 6, 7 (damped starts), 12 and 20
// (DelayOpen) are out of scope; RouteRefreshMsg (RFC 2918) is ours.
enum class Event : std::uint8_t {
  kManualStart = 1,
  kManualStop = 2,
  kAutomaticStart = 3,
  kManualStartWithPassiveTcpEstablishment = 4,
  kAutomaticStartWithPassiveTcpEstablishment = 5,
  kAutomaticStop = 8,
  kConnectRetryTimerExpires = 9,
  kHoldTimerExpires = 10,
  kKeepaliveTimerExpires = 11,
  kIdleHoldTimerExpires = 13,
  kTcpConnectionValid = 14,      // an incoming connection for this peer was accepted
  kTcpCrInvalid = 15,            // an incoming connection was refused (by the session)
  kTcpCrAcked = 16,              // our connect() completed
  kTcpConnectionConfirmed = 17,  // the peer's connection is established
  kTcpConnectionFails = 18,
  kBgpOpen = 19,  // a valid OPEN; call SetNegotiatedHoldTime first
  kBgpHeaderErr = 21,
  kBgpOpenMsgErr = 22,
  kOpenCollisionDump = 23,
  kNotifMsgVerErr = 24,
  kNotifMsg = 25,
  kKeepAliveMsg = 26,
  kUpdateMsg = 27,
  kUpdateMsgErr = 28,
  kRouteRefreshMsg = 100,  // not an RFC 4271 event
};
// The RFC name: "ManualStart", "Tcp_CR_Acked", "BGPOpen", ..., "RouteRefreshMsg".
std::string_view ToString(Event e);

// One thing the session must do, in the order returned.
struct Action {
  enum class Kind : std::uint8_t {
    kStartConnectRetryTimer,  // (re)start with `seconds`
    kStopConnectRetryTimer,
    kStartHoldTimer,  // (re)start with `seconds`
    kStopHoldTimer,
    kStartKeepaliveTimer,  // (re)start with `seconds`
    kStopKeepaliveTimer,
    kStartIdleHoldTimer,  // start with `seconds` (0: expire at once)
    kStopIdleHoldTimer,   // a pending automatic restart is cancelled
    kInitiateConnection,  // connect() to the peer; keep listening
    kDropConnection,      // close the connection and any connect in progress, if any
    kSendOpen,
    kSendKeepalive,
    kSendNotification,     // send `notification`; a kDropConnection follows (flush first)
    kProcessUpdate,        // hand `update` to the RIB
    kProcessRouteRefresh,  // resend the routes of `family`
    kSessionEstablished,
    kSessionDown,  // release the peer's routes (leaving Established)
  };
  Kind kind;
  std::uint32_t seconds = 0;                       // for timer starts
  std::optional<wire::Notification> notification;  // for kSendNotification
  // For kProcessUpdate: the decoded UPDATE the caller passed to Handle, by pointer (the
  // session decodes every UPDATE into one, valid until it decodes the next message).
  const wire::Update* update = nullptr;
  std::optional<wire::Family> family;  // for kProcessRouteRefresh

  friend bool operator==(const Action&, const Action&) = default;
};
// "start_connect_retry_timer", "send_notification", "session_down", ...
std::string_view ToString(Action::Kind k);
// For logs: "start_hold_timer 240s", "send_notification 6/2", "drop_connection".
std::string ToString(const Action& a);

// Times in seconds. Defaults: RFC 4271 §10 and robustness.md §4 (Cilium's 5 s idle hold).
struct FsmConfig {
  bool passive = false;  // never initiate a connection; wait in Active
  std::uint16_t hold_time = 90;
  std::uint16_t keepalive_time = 30;  // an upper bound on negotiated hold / 3
  std::uint16_t connect_retry_time = 120;
  std::uint32_t idle_hold_time = 5;        // first backoff after an error
  std::uint32_t max_idle_hold_time = 120;  // cap of the doubling
  std::uint16_t large_hold_time = 240;     // OpenSent, §8.2.2 "4 minutes"
};

// One peer's FSM. Value type; the session owns it.
class Fsm {
 public:
  explicit Fsm(FsmConfig config);

  State state() const { return state_; }
  const FsmConfig& config() const { return config_; }

  // Feeds one event; returns what to do, in order. Events that §8.2.2 ignores in the
  // current state return nothing.
  std::vector<Action> Handle(Event e);
  // As Handle(e), with the NOTIFICATION the caller chose for the one this transition
  // sends where the RFC leaves it to the caller: the codec's error for BGPHeaderErr
  // (OpenSent, OpenConfirm, Established), BGPOpenMsgErr (OpenSent, OpenConfirm) and
  // UpdateMsgErr (Established), or a Cease of the caller's subcode for ManualStop and
  // AutomaticStop (e.g. 6/4 with text, 6/1 max prefixes with data). Ignored where the FSM
  // decides (FSM errors 5/x, 4/0, 6/7) or sends nothing (Idle, Connect, Active). Without
  // it the FSM sends subcode 0 for the codec errors, 6/2 for ManualStop, 6/0 for
  // AutomaticStop.
  std::vector<Action> Handle(Event e, wire::Notification to_send);
  // ManualStop whose Cease 6/2 carries an RFC 8203/9003 shutdown communication (cut to
  // 255 bytes on a character boundary). REQUIRES: e == Event::kManualStop.
  std::vector<Action> Handle(Event e, std::string_view shutdown_text);
  // UpdateMsg with the decoded UPDATE, which kProcessUpdate carries. REQUIRES: e ==
  // Event::kUpdateMsg; `update` outlives the returned actions.
  std::vector<Action> Handle(Event e, const wire::Update& update);
  // RouteRefreshMsg with the family the peer asked for, which kProcessRouteRefresh
  // carries. REQUIRES: e == Event::kRouteRefreshMsg.
  std::vector<Action> Handle(Event e, wire::Family family);

  // The hold time for the session being opened: min(ours, theirs), validated by the
  // session (0, or at least 3). Call in OpenSent before Handle(kBgpOpen). Until called, it
  // is config().hold_time. 0 means no hold timer and no keepalives.
  void SetNegotiatedHoldTime(std::uint16_t hold);
  std::uint16_t negotiated_hold_time() const { return negotiated_hold_time_; }
  // The KeepaliveTimer: negotiated hold / 3, or config().keepalive_time when smaller (and
  // not 0); at least 1; 0 when the negotiated hold time is 0.
  std::uint16_t keepalive_time() const;

  // RFC 4271 §8.1 ConnectRetryCounter: set to 0 by Manual/AutomaticStart and ManualStop,
  // incremented where §8.2.2 says so.
  std::uint32_t connect_retry_counter() const { return connect_retry_counter_; }
  // The current backoff: the seconds of the next kStartIdleHoldTimer.
  std::uint32_t idle_hold_time() const { return idle_hold_time_; }

 private:
  // The timers this FSM believes are running, one bit each.
  enum Timer : std::uint8_t {
    kConnectRetryTimer = 1,
    kHoldTimer = 2,
    kKeepaliveTimer = 4,
    kIdleHoldTimer = 8,
  };
  enum class Counter : std::uint8_t { kKeep, kIncrement, kZero };
  using Actions = std::vector<Action>;

  // What came with the event: a NOTIFICATION to send, or the message to process.
  struct Input {
    std::optional<wire::Notification> to_send;
    const wire::Update* update = nullptr;
    std::optional<wire::Family> family;
  };

  Actions Dispatch(Event e, Input in);
  void OnIdle(Event e, Actions& out);
  void OnConnect(Event e, Actions& out);
  void OnActive(Event e, Actions& out);
  void OnOpenSent(Event e, std::optional<wire::Notification>& to_send, Actions& out);
  void OnOpenConfirm(Event e, std::optional<wire::Notification>& to_send, Actions& out);
  void OnEstablished(Event e, Input& in, Actions& out);

  // Idle -> Connect (or Active when passive).
  void Start(bool passive, Counter counter, Actions& out);
  // Connect/Active -> OpenSent.
  void SendOpen(Actions& out);
  // Any state -> Idle. damp: start the idle-hold timer (everything but ManualStop).
  void TearDown(std::optional<wire::Notification> notification, Counter counter, bool damp,
                Actions& out);
  // Restarts the hold timer with the negotiated value, unless it is 0.
  void RestartHoldTimer(Actions& out);

  void StartTimer(Timer t, Action::Kind kind, std::uint32_t seconds, Actions& out);
  void StopTimer(Timer t, Action::Kind kind, Actions& out);
  void Expired(Timer t);  // no longer running (fired or stopped)

  FsmConfig config_;
  State state_ = State::kIdle;
  std::uint16_t negotiated_hold_time_;
  std::uint32_t connect_retry_counter_ = 0;
  std::uint32_t idle_hold_time_;
  std::uint8_t running_ = 0;  // Timer bits
  bool restart_ = false;      // IdleHoldTimer_Expires in Idle restarts the FSM
};

}  // namespace bgpdemo::bgp
