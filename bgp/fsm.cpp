#include "bgp/fsm.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "base/check.h"

namespace bgpdemo::bgp {

namespace {

using Kind = Action::Kind;

wire::Notification Make(wire::NotifyCode code, std::uint8_t subcode) {
  return wire::Notification{code, subcode, {}};
}

wire::Notification Cease(wire::CeaseSubcode subcode) {
  return Make(wire::NotifyCode::kCease, static_cast<std::uint8_t>(subcode));
}

// RFC 6608 §3: Receive Unexpected Message in OpenSent (1), OpenConfirm (2), Established (3).
wire::Notification FsmError(std::uint8_t subcode) {
  return Make(wire::NotifyCode::kFsmError, subcode);
}

// The caller's NOTIFICATION where it chose one, else the FSM's default.
wire::Notification Chosen(std::optional<wire::Notification>& to_send, wire::Notification fallback) {
  return to_send ? std::move(*to_send) : std::move(fallback);
}

// The NOTIFICATION for a codec error event, when the caller gave none.
wire::Notification CodecDefault(Event e) {
  switch (e) {
    case Event::kBgpHeaderErr: return Make(wire::NotifyCode::kMessageHeaderError, 0);
    case Event::kBgpOpenMsgErr: return Make(wire::NotifyCode::kOpenMessageError, 0);
    default: return Make(wire::NotifyCode::kUpdateMessageError, 0);
  }
}

bool IsStart(Event e) {
  return e == Event::kManualStart || e == Event::kAutomaticStart ||
         e == Event::kManualStartWithPassiveTcpEstablishment ||
         e == Event::kAutomaticStartWithPassiveTcpEstablishment;
}

// Events 14-17 in OpenSent, OpenConfirm and Established: a second connection, tracked
// by the session for collision detection (§6.8); event 15 is refused by the session.
bool IsSecondConnection(Event e) {
  return e == Event::kTcpConnectionValid || e == Event::kTcpCrInvalid || e == Event::kTcpCrAcked ||
         e == Event::kTcpConnectionConfirmed;
}

}  // namespace

std::string_view ToString(State s) {
  switch (s) {
    case State::kIdle: return "idle";
    case State::kConnect: return "connect";
    case State::kActive: return "active";
    case State::kOpenSent: return "open_sent";
    case State::kOpenConfirm: return "open_confirm";
    case State::kEstablished: return "established";
  }
  return "unknown";
}

std::string_view ToString(Event e) {
  switch (e) {
    case Event::kManualStart: return "ManualStart";
    case Event::kManualStop: return "ManualStop";
    case Event::kAutomaticStart: return "AutomaticStart";
    case Event::kManualStartWithPassiveTcpEstablishment:
      return "ManualStart_with_PassiveTcpEstablishment";
    case Event::kAutomaticStartWithPassiveTcpEstablishment:
      return "AutomaticStart_with_PassiveTcpEstablishment";
    case Event::kAutomaticStop: return "AutomaticStop";
    case Event::kConnectRetryTimerExpires: return "ConnectRetryTimer_Expires";
    case Event::kHoldTimerExpires: return "HoldTimer_Expires";
    case Event::kKeepaliveTimerExpires: return "KeepaliveTimer_Expires";
    case Event::kIdleHoldTimerExpires: return "IdleHoldTimer_Expires";
    case Event::kTcpConnectionValid: return "TcpConnection_Valid";
    case Event::kTcpCrInvalid: return "Tcp_CR_Invalid";
    case Event::kTcpCrAcked: return "Tcp_CR_Acked";
    case Event::kTcpConnectionConfirmed: return "TcpConnectionConfirmed";
    case Event::kTcpConnectionFails: return "TcpConnectionFails";
    case Event::kBgpOpen: return "BGPOpen";
    case Event::kBgpHeaderErr: return "BGPHeaderErr";
    case Event::kBgpOpenMsgErr: return "BGPOpenMsgErr";
    case Event::kOpenCollisionDump: return "OpenCollisionDump";
    case Event::kNotifMsgVerErr: return "NotifMsgVerErr";
    case Event::kNotifMsg: return "NotifMsg";
    case Event::kKeepAliveMsg: return "KeepAliveMsg";
    case Event::kUpdateMsg: return "UpdateMsg";
    case Event::kUpdateMsgErr: return "UpdateMsgErr";
    case Event::kRouteRefreshMsg: return "RouteRefreshMsg";
  }
  return "unknown";
}

std::string_view ToString(Action::Kind k) {
  switch (k) {
    case Kind::kStartConnectRetryTimer: return "start_connect_retry_timer";
    case Kind::kStopConnectRetryTimer: return "stop_connect_retry_timer";
    case Kind::kStartHoldTimer: return "start_hold_timer";
    case Kind::kStopHoldTimer: return "stop_hold_timer";
    case Kind::kStartKeepaliveTimer: return "start_keepalive_timer";
    case Kind::kStopKeepaliveTimer: return "stop_keepalive_timer";
    case Kind::kStartIdleHoldTimer: return "start_idle_hold_timer";
    case Kind::kStopIdleHoldTimer: return "stop_idle_hold_timer";
    case Kind::kInitiateConnection: return "initiate_connection";
    case Kind::kDropConnection: return "drop_connection";
    case Kind::kSendOpen: return "send_open";
    case Kind::kSendKeepalive: return "send_keepalive";
    case Kind::kSendNotification: return "send_notification";
    case Kind::kProcessUpdate: return "process_update";
    case Kind::kProcessRouteRefresh: return "process_route_refresh";
    case Kind::kSessionEstablished: return "session_established";
    case Kind::kSessionDown: return "session_down";
  }
  return "unknown";
}

std::string ToString(const Action& a) {
  switch (a.kind) {
    case Kind::kStartConnectRetryTimer:
    case Kind::kStartHoldTimer:
    case Kind::kStartKeepaliveTimer:
    case Kind::kStartIdleHoldTimer: return fmt::format("{} {}s", ToString(a.kind), a.seconds);
    case Kind::kSendNotification:
      if (a.notification) {
        return fmt::format("{} {}/{}", ToString(a.kind),
                           static_cast<unsigned>(a.notification->code),
                           static_cast<unsigned>(a.notification->subcode));
      }
      break;
    default: break;
  }
  return std::string(ToString(a.kind));
}

Fsm::Fsm(FsmConfig config)
    : config_(config),
      negotiated_hold_time_(config.hold_time),
      idle_hold_time_(config.idle_hold_time) {}

std::vector<Action> Fsm::Handle(Event e) {
  return Dispatch(e, {});
}

std::vector<Action> Fsm::Handle(Event e, wire::Notification to_send) {
  return Dispatch(e, {.to_send = std::move(to_send)});
}

std::vector<Action> Fsm::Handle(Event e, const wire::Update& update) {
  BGPDEMO_CHECK(e == Event::kUpdateMsg);
  return Dispatch(e, {.update = &update});
}

std::vector<Action> Fsm::Handle(Event e, wire::Family family) {
  BGPDEMO_CHECK(e == Event::kRouteRefreshMsg);
  return Dispatch(e, {.family = family});
}

std::vector<Action> Fsm::Handle(Event e, std::string_view shutdown_text) {
  BGPDEMO_CHECK(e == Event::kManualStop);
  return Dispatch(e, {.to_send = wire::Notification::Shutdown(
                          wire::CeaseSubcode::kAdministrativeShutdown, shutdown_text)});
}

void Fsm::SetNegotiatedHoldTime(std::uint16_t hold) {
  negotiated_hold_time_ = hold;
}

std::uint16_t Fsm::keepalive_time() const {
  if (negotiated_hold_time_ == 0) return 0;
  std::uint16_t k = negotiated_hold_time_ / 3;
  if (config_.keepalive_time != 0 && config_.keepalive_time < k) k = config_.keepalive_time;
  return std::max<std::uint16_t>(k, 1);
}

std::vector<Action> Fsm::Dispatch(Event e, Input in) {
  // A timer that fired is no longer running, whatever the state makes of its event.
  switch (e) {
    case Event::kConnectRetryTimerExpires: Expired(kConnectRetryTimer); break;
    case Event::kHoldTimerExpires: Expired(kHoldTimer); break;
    case Event::kKeepaliveTimerExpires: Expired(kKeepaliveTimer); break;
    case Event::kIdleHoldTimerExpires: Expired(kIdleHoldTimer); break;
    default: break;
  }
  // One allocation per event: a teardown returns up to seven actions, an UPDATE two.
  Actions out;
  out.reserve(8);
  switch (state_) {
    case State::kIdle: OnIdle(e, out); break;
    case State::kConnect: OnConnect(e, out); break;
    case State::kActive: OnActive(e, out); break;
    case State::kOpenSent:
      OnOpenSent(e, in.to_send, out);
      break;
    case State::kOpenConfirm:
      OnOpenConfirm(e, in.to_send, out);
      break;
    case State::kEstablished:
      OnEstablished(e, in, out);
      break;
  }
  return out;
}

// §8.2.2 Idle. ManualStop and AutomaticStop are ignored, and so is any other event but
// the starts (1, 3: Connect; 4, 5: Active) and, with damping, IdleHoldTimer_Expires.
void Fsm::OnIdle(Event e, Actions& out) {
  switch (e) {
    case Event::kManualStart:
    case Event::kAutomaticStart: Start(false, Counter::kZero, out); return;
    case Event::kManualStartWithPassiveTcpEstablishment:
    case Event::kAutomaticStartWithPassiveTcpEstablishment:
      Start(true, Counter::kZero, out);
      return;
    case Event::kManualStop:
      // Ours: the operator's stop also cancels a pending automatic restart.
      restart_ = false;
      idle_hold_time_ = config_.idle_hold_time;
      StopTimer(kIdleHoldTimer, Kind::kStopIdleHoldTimer, out);
      return;
    case Event::kIdleHoldTimerExpires:
      // §8.2.2 leaves peer oscillation damping to the implementation: restart in the
      // configured mode, keeping the counter (like events 6 and 7).
      if (restart_) Start(config_.passive, Counter::kKeep, out);
      return;
    default: return;
  }
}

// §8.2.2 Connect (DelayOpen FALSE).
void Fsm::OnConnect(Event e, Actions& out) {
  if (IsStart(e)) return;
  switch (e) {
    case Event::kManualStop: TearDown(std::nullopt, Counter::kZero, false, out); return;
    case Event::kConnectRetryTimerExpires:
      // Drop the attempt, restart the timer, try again; stay in Connect.
      out.push_back({Kind::kDropConnection});
      StartTimer(kConnectRetryTimer, Kind::kStartConnectRetryTimer, config_.connect_retry_time,
                 out);
      out.push_back({Kind::kInitiateConnection});
      return;
    case Event::kTcpConnectionValid:  // processed, stays in Connect
    case Event::kTcpCrInvalid:        // rejected by the session, stays in Connect
      return;
    case Event::kTcpCrAcked:
    case Event::kTcpConnectionConfirmed: SendOpen(out); return;
    case Event::kTcpConnectionFails:
      // DelayOpenTimer not running: Idle, the counter untouched.
      TearDown(std::nullopt, Counter::kKeep, true, out);
      return;
    default:
      // 21, 22 (no NOTIFICATION: SendNOTIFICATIONwithoutOPEN FALSE), 24, and any other
      // event (8, 10-11, 13, 19, 23, 25-28): counter + 1, Idle.
      TearDown(std::nullopt, Counter::kIncrement, true, out);
      return;
  }
}

// §8.2.2 Active (DelayOpen FALSE).
void Fsm::OnActive(Event e, Actions& out) {
  if (IsStart(e)) return;
  switch (e) {
    case Event::kManualStop: TearDown(std::nullopt, Counter::kZero, false, out); return;
    case Event::kConnectRetryTimerExpires:
      // Passive (ours): never connects, and runs no ConnectRetryTimer to expire.
      if (config_.passive) return;
      StartTimer(kConnectRetryTimer, Kind::kStartConnectRetryTimer, config_.connect_retry_time,
                 out);
      out.push_back({Kind::kInitiateConnection});
      state_ = State::kConnect;
      return;
    case Event::kTcpConnectionValid:
    case Event::kTcpCrInvalid: return;
    case Event::kTcpCrAcked:
    case Event::kTcpConnectionConfirmed: SendOpen(out); return;
    default:
      // 18 (the RFC restarts the ConnectRetryTimer on the way to Idle; we stop it, Idle
      // ignores event 9 and the idle hold restarts the FSM), 21, 22, 24 and any other
      // event (8, 10-11, 13, 19, 23, 25-28): counter + 1, Idle.
      TearDown(std::nullopt, Counter::kIncrement, true, out);
      return;
  }
}

// §8.2.2 OpenSent (DelayOpen FALSE).
void Fsm::OnOpenSent(Event e, std::optional<wire::Notification>& to_send, Actions& out) {
  if (IsStart(e) || IsSecondConnection(e)) return;
  switch (e) {
    case Event::kManualStop:
      TearDown(Chosen(to_send, Cease(wire::CeaseSubcode::kAdministrativeShutdown)), Counter::kZero,
               false, out);
      return;
    case Event::kAutomaticStop:
      TearDown(Chosen(to_send, Cease(wire::CeaseSubcode::kUnspecific)), Counter::kIncrement, true,
               out);
      return;
    case Event::kHoldTimerExpires:
      TearDown(Make(wire::NotifyCode::kHoldTimerExpired, 0), Counter::kIncrement, true, out);
      return;
    case Event::kTcpConnectionFails:
      // Close, restart the ConnectRetryTimer, keep listening: Active (not Idle).
      StopTimer(kHoldTimer, Kind::kStopHoldTimer, out);
      out.push_back({Kind::kDropConnection});
      if (!config_.passive) {
        StartTimer(kConnectRetryTimer, Kind::kStartConnectRetryTimer, config_.connect_retry_time,
                   out);
      }
      state_ = State::kActive;
      return;
    case Event::kBgpOpen:
      // Collision detection (§6.8) is the session's, before it feeds this event.
      out.push_back({Kind::kSendKeepalive});
      if (negotiated_hold_time_ != 0) {
        StartTimer(kKeepaliveTimer, Kind::kStartKeepaliveTimer, keepalive_time(), out);
        StartTimer(kHoldTimer, Kind::kStartHoldTimer, negotiated_hold_time_, out);
      } else {
        StopTimer(kHoldTimer, Kind::kStopHoldTimer, out);  // the large one
      }
      state_ = State::kOpenConfirm;
      return;
    case Event::kBgpHeaderErr:
    case Event::kBgpOpenMsgErr:
      TearDown(Chosen(to_send, CodecDefault(e)), Counter::kIncrement, true, out);
      return;
    case Event::kOpenCollisionDump:
      TearDown(Cease(wire::CeaseSubcode::kConnectionCollisionResolution), Counter::kIncrement, true,
               out);
      return;
    case Event::kNotifMsgVerErr: TearDown(std::nullopt, Counter::kKeep, true, out); return;
    case Event::kNotifMsg:
      // The RFC sends an FSM error here; nothing answers a NOTIFICATION (project rule).
      TearDown(std::nullopt, Counter::kIncrement, true, out);
      return;
    default:
      // Any other event (9, 11, 13, 26-28, and ROUTE-REFRESH): RFC 6608 5/1.
      TearDown(FsmError(1), Counter::kIncrement, true, out);
      return;
  }
}

// §8.2.2 OpenConfirm.
void Fsm::OnOpenConfirm(Event e, std::optional<wire::Notification>& to_send, Actions& out) {
  if (IsStart(e) || IsSecondConnection(e)) return;
  switch (e) {
    case Event::kManualStop:
      TearDown(Chosen(to_send, Cease(wire::CeaseSubcode::kAdministrativeShutdown)), Counter::kZero,
               false, out);
      return;
    case Event::kAutomaticStop:
      TearDown(Chosen(to_send, Cease(wire::CeaseSubcode::kUnspecific)), Counter::kIncrement, true,
               out);
      return;
    case Event::kHoldTimerExpires:
      TearDown(Make(wire::NotifyCode::kHoldTimerExpired, 0), Counter::kIncrement, true, out);
      return;
    case Event::kKeepaliveTimerExpires:
      out.push_back({Kind::kSendKeepalive});
      if (negotiated_hold_time_ != 0) {
        StartTimer(kKeepaliveTimer, Kind::kStartKeepaliveTimer, keepalive_time(), out);
      }
      return;
    case Event::kTcpConnectionFails:
    case Event::kNotifMsg: TearDown(std::nullopt, Counter::kIncrement, true, out); return;
    case Event::kNotifMsgVerErr: TearDown(std::nullopt, Counter::kKeep, true, out); return;
    case Event::kBgpHeaderErr:
    case Event::kBgpOpenMsgErr:
      TearDown(Chosen(to_send, CodecDefault(e)), Counter::kIncrement, true, out);
      return;
    case Event::kOpenCollisionDump:
      TearDown(Cease(wire::CeaseSubcode::kConnectionCollisionResolution), Counter::kIncrement, true,
               out);
      return;
    case Event::kKeepAliveMsg:
      RestartHoldTimer(out);
      idle_hold_time_ = config_.idle_hold_time;  // the backoff resets (FRR)
      out.push_back({Kind::kSessionEstablished});
      state_ = State::kEstablished;
      return;
    default:
      // Any other event (9, 13, 27, 28, ROUTE-REFRESH), and BGPOpen: the session resolved
      // collisions (§6.8) before, so this is a second OPEN on this connection. 5/2.
      TearDown(FsmError(2), Counter::kIncrement, true, out);
      return;
  }
}

// §8.2.2 Established (CollisionDetectEstablishedState FALSE).
void Fsm::OnEstablished(Event e, Input& in, Actions& out) {
  if (IsStart(e) || IsSecondConnection(e)) return;
  auto& to_send = in.to_send;
  switch (e) {
    case Event::kManualStop:
      TearDown(Chosen(to_send, Cease(wire::CeaseSubcode::kAdministrativeShutdown)), Counter::kZero,
               false, out);
      return;
    case Event::kAutomaticStop:
      TearDown(Chosen(to_send, Cease(wire::CeaseSubcode::kUnspecific)), Counter::kIncrement, true,
               out);
      return;
    case Event::kHoldTimerExpires:
      TearDown(Make(wire::NotifyCode::kHoldTimerExpired, 0), Counter::kIncrement, true, out);
      return;
    case Event::kKeepaliveTimerExpires:
      out.push_back({Kind::kSendKeepalive});
      if (negotiated_hold_time_ != 0) {
        StartTimer(kKeepaliveTimer, Kind::kStartKeepaliveTimer, keepalive_time(), out);
      }
      return;
    case Event::kTcpConnectionFails:
    case Event::kNotifMsgVerErr:
    case Event::kNotifMsg: TearDown(std::nullopt, Counter::kIncrement, true, out); return;
    case Event::kBgpHeaderErr:  // §6.1: a Message Header Error, not 5/3
    case Event::kUpdateMsgErr:
      TearDown(Chosen(to_send, CodecDefault(e)), Counter::kIncrement, true, out);
      return;
    case Event::kOpenCollisionDump:
      TearDown(Cease(wire::CeaseSubcode::kConnectionCollisionResolution), Counter::kIncrement, true,
               out);
      return;
    case Event::kKeepAliveMsg: RestartHoldTimer(out); return;
    case Event::kUpdateMsg:
      out.push_back({.kind = Kind::kProcessUpdate, .update = in.update});
      RestartHoldTimer(out);
      return;
    case Event::kRouteRefreshMsg:
      // Ours: every message from the peer shows it alive (§4.4), ROUTE-REFRESH included.
      out.push_back({.kind = Kind::kProcessRouteRefresh, .family = in.family});
      RestartHoldTimer(out);
      return;
    default:
      // Any other event (9, 13, 22) and BGPOpen (RFC 6608: an OPEN in Established). 5/3.
      TearDown(FsmError(3), Counter::kIncrement, true, out);
      return;
  }
}

void Fsm::Start(bool passive, Counter counter, Actions& out) {
  StopTimer(kIdleHoldTimer, Kind::kStopIdleHoldTimer, out);
  if (counter == Counter::kZero) connect_retry_counter_ = 0;
  restart_ = true;
  if (passive || config_.passive) {
    // §8.2.2 Idle, events 4 and 5: start the ConnectRetryTimer, listen, Active. A passive
    // FSM (ours) runs no ConnectRetryTimer: it would connect when it expires.
    if (!config_.passive) {
      StartTimer(kConnectRetryTimer, Kind::kStartConnectRetryTimer, config_.connect_retry_time,
                 out);
    }
    state_ = State::kActive;
    return;
  }
  StartTimer(kConnectRetryTimer, Kind::kStartConnectRetryTimer, config_.connect_retry_time, out);
  out.push_back({Kind::kInitiateConnection});
  state_ = State::kConnect;
}

void Fsm::SendOpen(Actions& out) {
  // Events 16, 17 with DelayOpen FALSE: stop the ConnectRetryTimer, send OPEN, and set
  // the HoldTimer to a large value.
  StopTimer(kConnectRetryTimer, Kind::kStopConnectRetryTimer, out);
  out.push_back({Kind::kSendOpen});
  StartTimer(kHoldTimer, Kind::kStartHoldTimer, config_.large_hold_time, out);
  state_ = State::kOpenSent;
}

void Fsm::TearDown(std::optional<wire::Notification> notification, Counter counter, bool damp,
                   Actions& out) {
  if (notification) out.push_back({Kind::kSendNotification, 0, std::move(notification)});
  StopTimer(kConnectRetryTimer, Kind::kStopConnectRetryTimer, out);
  StopTimer(kHoldTimer, Kind::kStopHoldTimer, out);
  StopTimer(kKeepaliveTimer, Kind::kStopKeepaliveTimer, out);
  out.push_back({Kind::kDropConnection});
  // "deletes all routes associated with this connection"
  if (state_ == State::kEstablished) out.push_back({Kind::kSessionDown});
  switch (counter) {
    case Counter::kKeep: break;
    case Counter::kIncrement: ++connect_retry_counter_; break;
    case Counter::kZero: connect_retry_counter_ = 0; break;
  }
  if (damp) {
    StartTimer(kIdleHoldTimer, Kind::kStartIdleHoldTimer, idle_hold_time_, out);
    const std::uint64_t cap = std::max(config_.max_idle_hold_time, config_.idle_hold_time);
    idle_hold_time_ = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(std::uint64_t{idle_hold_time_} * 2, cap));
  } else {
    // ManualStop: no automatic restart, and a later ManualStart starts afresh.
    restart_ = false;
    idle_hold_time_ = config_.idle_hold_time;
  }
  state_ = State::kIdle;
}

void Fsm::RestartHoldTimer(Actions& out) {
  if (negotiated_hold_time_ == 0) return;
  StartTimer(kHoldTimer, Kind::kStartHoldTimer, negotiated_hold_time_, out);
}

void Fsm::StartTimer(Timer t, Action::Kind kind, std::uint32_t seconds, Actions& out) {
  running_ |= t;
  out.push_back({kind, seconds});
}

void Fsm::StopTimer(Timer t, Action::Kind kind, Actions& out) {
  if ((running_ & t) == 0) return;
  Expired(t);
  out.push_back({kind});
}

void Fsm::Expired(Timer t) {
  running_ &= static_cast<std::uint8_t>(~t);
}

}  // namespace bgpdemo::bgp
