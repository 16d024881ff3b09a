// One BGP session with one peer: the RFC 4271 FSM (bgp/fsm.h) driven by a transport and
// five timers.
//
//   bytes -> Transport (framing) -> wire::DecodeMessage -> Fsm::Handle(event) -> actions
//   actions -> timers, Dial, OPEN/KEEPALIVE/NOTIFICATION, observer callbacks
//
// Every frame goes through wire::DecodeMessage into one wire::Incoming per session, so
// every UPDATE of the session decodes into the same wire::Update (its vectors keep their
// capacity); the FSM's kProcessUpdate action carries it to the observer.
//
// Time and the network come through two seams (bgp/session/clock.h, transport.h): on an
// io_context they are Asio timers and TCP Connections; a test passes a fake clock and fake
// transports and runs a session without sockets or real time.
//
// The session validates the peer's OPEN and negotiates (bgp/session/negotiate.h), turns
// every decode error into the codec's NOTIFICATION, resolves connection collisions
// (RFC 4271 §6.8) when a second connection from the same peer arrives, sets TCP MD5 keys
// (RFC 2385) before connect(), and logs each state change once. Routes are not its
// business: decoded UPDATEs go to the observer (the server), which owns the RIB.
//
// Threading: everything runs on the io_context's one thread. Lifetime: the server owns
// sessions through shared_ptr; Stop() ends I/O, and no observer callback follows the
// destruction of the session.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bgp/fsm.h"
#include "bgp/log.h"
#include "bgp/session/clock.h"
#include "bgp/session/connection.h"
#include "bgp/session/negotiate.h"
#include "bgp/session/transport.h"
#include "bgp/wire/message.h"

namespace bgpdemo::bgp::session {

struct SessionConfig {
  std::string name;  // for logs: the neighbor's name
  wire::IpAddress peer_address;
  std::uint16_t peer_port = 179;
  std::optional<wire::IpAddress> local_address;  // bind before connect()
  std::uint32_t peer_as = 0;  // kAnyExternalAs: any AS but ours (bgp/session/negotiate.h)
  bool passive = false;
  std::string password;  // TCP MD5
  bool ttl_security = false;  // GTSM (RFC 5082): bgp/session/ttl_security.h
  LocalSpeaker local;
  FsmConfig fsm;
};

class Session;

// The server's side of a session. Called on the io_context thread.
class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  virtual void OnEstablished(Session& s) = 0;
  // A decoded UPDATE (its action is at most treat-as-withdraw; worse reset the session).
  virtual void OnUpdate(Session& s, const wire::Update& update) = 0;
  virtual void OnRouteRefresh(Session& s, wire::Family family) = 0;
  // The session left Established. keep_stale: the peer may be restarting gracefully
  // (RFC 4724 §4.2), so keep its routes as stale for `restart_time` seconds.
  virtual void OnDown(Session& s, bool keep_stale, std::uint16_t restart_time) = 0;
  // The session's send queue crossed the high-water mark (true) or drained under the
  // low-water mark (false): see Connection. Only while Established.
  virtual void OnCongestion(Session& s, bool congested) = 0;
  // The messages of one read have all been handled (OnUpdate may have been called for
  // several): a batch boundary. Not called when the session stopped reading mid-batch.
  virtual void OnReadDone(Session& /*s*/) {}
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // On an io_context: Asio timers, TCP connections.
  Session(asio::io_context& io, SessionConfig config, SessionObserver& observer, Logger& log);
  // On the caller's clock and dialer (tests), which outlive the session.
  Session(Clock& clock, Dialer& dialer, SessionConfig config, SessionObserver& observer,
          Logger& log);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // ManualStart (passive when configured so).
  void Start();
  // ManualStop: Cease / Administrative Shutdown with an RFC 8203 text; no restart.
  void Stop(std::string_view shutdown_text);
  // ManualStop with another Cease (e.g. 6/3 Peer De-configured).
  void Stop(const wire::Notification& cease);
  // Whether the next OPEN says we are restarting (R and F bits, bgp/session/negotiate.h).
  void SetRestarting(bool restarting) { config_.local.restarting = restarting; }
  // Ends the session with this NOTIFICATION (e.g. Cease 6/1 for max-prefix) and lets it
  // restart after the idle hold time.
  void Reset(const wire::Notification& notification);
  // An incoming connection from this peer's address (collision rules apply), not started.
  void Accept(std::shared_ptr<Transport> transport);
  void Accept(asio::ip::tcp::socket socket);
  // UPDATE bytes for the peer, shared with other sessions; dropped unless Established.
  void Send(Chunk bytes);
  // Pauses (false) or resumes (true) reading from the peer: the server's backpressure.
  // While paused, the hold timer does not expire: the peer's KEEPALIVEs may be waiting
  // unread. A peer that stops reading instead meets the send hold timer (RFC 9687): the
  // session drops when nothing queued for it has been written for twice the hold time.
  void SetReading(bool on);

  const SessionConfig& config() const { return config_; }
  State state() const { return fsm_.state(); }
  // Valid in OpenConfirm and Established.
  const std::optional<Negotiated>& negotiated() const { return negotiated_; }
  std::optional<std::chrono::steady_clock::time_point> established_at() const {
    return established_at_;
  }
  const std::string& last_error() const { return last_error_; }
  wire::IpAddress local_address() const;
  std::uint64_t messages_received() const { return messages_in_; }
  std::uint64_t messages_sent() const { return messages_out_; }
  std::uint64_t updates_received() const { return updates_in_; }
  std::uint64_t updates_sent() const { return updates_out_; }
  std::size_t bytes_queued() const { return conn_ ? conn_->bytes_queued() : 0; }

 private:
  enum TimerId : std::uint8_t {
    kConnectRetry,
    kHold,
    kKeepalive,
    kIdleHold,
    kSendHold,
    kTimerCount
  };

  void Init();
  void Feed(Event e);
  void Feed(Event e, wire::Notification n);
  // Logs a state change once, then performs the actions.
  void Transition(Event e, const std::vector<Action>& actions);
  void Perform(const std::vector<Action>& actions, Event cause);
  void StartTimer(TimerId t, std::uint32_t seconds);
  void StopTimer(TimerId t);
  void OnTimer(TimerId t);
  void StartSendHoldTimer();
  void OnSendHoldTimer();
  void Connect();
  void Adopt(std::shared_ptr<Transport> c, bool outgoing);
  // Sends Cease 6/7 on a connection that lost a collision (§6.8), and closes it.
  void Reject(std::shared_ptr<Transport> c);
  bool OnMessage(std::span<const std::uint8_t> bytes);
  void OnDecodeError(const wire::Error& error);
  void OnOpen(const wire::Open& open);
  void OnUpdate(const wire::Update& update);
  void OnNotification(const wire::Notification& n);
  void OnClosed(const wire::Error* error, const std::string& reason);
  void DropConnection();
  void SendMessage(const wire::Message& m);
  void ResolveCollision();
  void SetError(std::string text);

  std::unique_ptr<Clock> own_clock_;  // when made on an io_context
  std::unique_ptr<Dialer> own_dialer_;
  Clock& clock_;
  Dialer& dialer_;
  SessionConfig config_;
  SessionObserver& observer_;
  Logger& log_;
  Fsm fsm_;
  State logged_state_ = State::kIdle;
  std::shared_ptr<Transport> conn_;
  bool conn_outgoing_ = false;
  std::unique_ptr<Dialing> connecting_;
  // A second connection from the peer, held until the collision is resolved (§6.8).
  std::shared_ptr<Transport> pending_;
  std::array<std::unique_ptr<Timer>, kTimerCount> timers_;
  std::array<std::uint32_t, kTimerCount> timer_seconds_{};
  std::optional<Negotiated> negotiated_;
  std::optional<wire::Open> peer_open_;
  wire::Incoming in_;  // the last message decoded, its Update reused for every UPDATE
  std::optional<std::chrono::steady_clock::time_point> established_at_;
  std::string last_error_;
  bool received_notification_ = false;  // the session ended by the peer's NOTIFICATION
  bool reading_ = true;                  // SetReading
  std::uint64_t send_hold_mark_ = 0;     // bytes written when the send hold timer started
  std::uint64_t messages_in_ = 0, messages_out_ = 0, updates_in_ = 0, updates_out_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace bgpdemo::bgp::session
