#include "bgp/session/session.h"

#include <fmt/format.h>

#include "bgp/session/ttl_security.h"

namespace bgpdemo::bgp::session {

using namespace std::chrono_literals;

namespace {

std::string NotificationText(const wire::Notification& n) {
  std::string text = wire::CodeText(n.code, n.subcode);
  if (n.HasShutdownCommunication()) {
    auto shutdown = n.ShutdownText();
    text += shutdown ? fmt::format(": \"{}\"", *shutdown) : ": (" + shutdown.error() + ")";
  }
  return text;
}

}  // namespace

Session::Session(asio::io_context& io, SessionConfig config, SessionObserver& observer, Logger& log)
    : own_clock_(std::make_unique<AsioClock>(io)),
      own_dialer_(std::make_unique<AsioDialer>(io)),
      clock_(*own_clock_),
      dialer_(*own_dialer_),
      config_(std::move(config)),
      observer_(observer),
      log_(log),
      fsm_(config_.fsm) {
  Init();
}

Session::Session(Clock& clock, Dialer& dialer, SessionConfig config, SessionObserver& observer,
                 Logger& log)
    : clock_(clock),
      dialer_(dialer),
      config_(std::move(config)),
      observer_(observer),
      log_(log),
      fsm_(config_.fsm) {
  Init();
}

void Session::Init() {
  for (std::size_t i = 0; i < kTimerCount; ++i) {
    // A timer dies with the session, so `this` is valid when one fires; the lock keeps the
    // session alive through what the expiry sets off (the server may drop it).
    timers_[i] = clock_.MakeTimer([this, t = static_cast<TimerId>(i)] {
      if (auto self = weak_from_this().lock()) OnTimer(t);
    });
  }
}

Session::~Session() {
  *alive_ = false;
  for (auto& t : timers_) t->Cancel();
  if (conn_) conn_->Detach();
  connecting_.reset();
  if (pending_) pending_->Close();
}

wire::IpAddress Session::local_address() const {
  return conn_ ? conn_->local_address() : config_.local_address.value_or(wire::IpAddress{});
}

void Session::Start() {
  Feed(config_.passive ? Event::kManualStartWithPassiveTcpEstablishment : Event::kManualStart);
}

void Session::Stop(std::string_view shutdown_text) {
  Stop(wire::Notification::Shutdown(wire::CeaseSubcode::kAdministrativeShutdown, shutdown_text));
}

void Session::Stop(const wire::Notification& cease) {
  if (pending_) pending_->Close();
  pending_.reset();
  Feed(Event::kManualStop, cease);
}

void Session::Reset(const wire::Notification& notification) {
  // Posted: the server calls this from inside an observer callback, in the middle of
  // performing another event's actions.
  clock_.Post([self = weak_from_this(), notification] {
    if (auto s = self.lock()) {
      s->SetError("sent " + NotificationText(notification));
      s->Feed(Event::kAutomaticStop, notification);
    }
  });
}

void Session::Send(Chunk bytes) {
  if (fsm_.state() != State::kEstablished || !conn_ || !bytes || bytes->empty()) return;
  // A chunk holds whole encoded messages, often many UPDATEs (a batch, a full table): each
  // is counted, by the length in its header.
  const auto& b = *bytes;
  for (std::size_t at = 0; at + wire::kHeaderSize <= b.size();) {
    const std::size_t length = (std::size_t{b[at + 16]} << 8) | b[at + 17];
    ++messages_out_;
    if (b[at + 18] == static_cast<std::uint8_t>(wire::MessageType::kUpdate)) ++updates_out_;
    if (length < wire::kHeaderSize) break;  // not ours to send; counted once
    at += length;
  }
  conn_->Send(std::move(bytes));
}

void Session::SetReading(bool on) {
  reading_ = on;
  if (conn_) conn_->SetReading(on);
}

void Session::Feed(Event e) { Transition(e, fsm_.Handle(e)); }

void Session::Feed(Event e, wire::Notification n) { Transition(e, fsm_.Handle(e, std::move(n))); }

void Session::Transition(Event e, const std::vector<Action>& actions) {
  // Handle has already moved the FSM: the state before is what the log line compares.
  if (fsm_.state() != logged_state_) {
    log_.Info("session_state", {{"peer", config_.peer_address.ToString()},
                                {"name", config_.name},
                                {"from", std::string(ToString(logged_state_))},
                                {"state", std::string(ToString(fsm_.state()))},
                                {"event", std::string(ToString(e))}});
    logged_state_ = fsm_.state();
  }
  Perform(actions, e);
}

void Session::Perform(const std::vector<Action>& actions, Event cause) {
  auto alive = alive_;
  for (const auto& a : actions) {
    if (!*alive) return;
    switch (a.kind) {
      case Action::Kind::kStartConnectRetryTimer:
        StartTimer(kConnectRetry, a.seconds);
        break;
      case Action::Kind::kStopConnectRetryTimer: StopTimer(kConnectRetry); break;
      case Action::Kind::kStartHoldTimer:
        StartTimer(kHold, a.seconds);
        break;
      case Action::Kind::kStopHoldTimer: StopTimer(kHold); break;
      case Action::Kind::kStartKeepaliveTimer:
        StartTimer(kKeepalive, a.seconds);
        break;
      case Action::Kind::kStopKeepaliveTimer: StopTimer(kKeepalive); break;
      case Action::Kind::kStartIdleHoldTimer:
        StartTimer(kIdleHold, a.seconds);
        break;
      case Action::Kind::kStopIdleHoldTimer: StopTimer(kIdleHold); break;
      case Action::Kind::kInitiateConnection: Connect(); break;
      case Action::Kind::kDropConnection: DropConnection(); break;
      case Action::Kind::kSendOpen: SendMessage(wire::Message{BuildOpen(config_.local)}); break;
      case Action::Kind::kSendKeepalive: SendMessage(wire::Message{wire::Keepalive{}}); break;
      case Action::Kind::kSendNotification:
        if (conn_ && a.notification) {
          auto bytes = wire::EncodeMessage(wire::Message{*a.notification}, wire::Context{});
          if (bytes) conn_->SendAndClose(*bytes);
          log_.Warn("notification_sent", {{"peer", config_.peer_address.ToString()},
                                          {"notification", NotificationText(*a.notification)}});
          if (last_error_.empty() || cause != Event::kAutomaticStop) {
            SetError("sent " + NotificationText(*a.notification));
          }
        }
        break;
      case Action::Kind::kProcessUpdate:
        if (a.update) observer_.OnUpdate(*this, *a.update);
        break;
      case Action::Kind::kProcessRouteRefresh:
        if (a.family) observer_.OnRouteRefresh(*this, *a.family);
        break;
      case Action::Kind::kSessionEstablished:
        established_at_ = clock_.Now();
        received_notification_ = false;
        StartSendHoldTimer();
        observer_.OnEstablished(*this);
        break;
      case Action::Kind::kSessionDown: {
        established_at_.reset();
        // RFC 4724 §4.2: when the TCP session ends without a NOTIFICATION, keep the routes
        // of the families the restarting peer said it preserves.
        bool keep = false;
        std::uint16_t restart_time = 0;
        if (negotiated_ && negotiated_->peer_graceful_restart && !received_notification_ &&
            (cause == Event::kTcpConnectionFails || cause == Event::kHoldTimerExpires)) {
          keep = !negotiated_->peer_graceful_restart->families.empty();
          restart_time = negotiated_->peer_graceful_restart->restart_time;
        }
        observer_.OnDown(*this, keep, restart_time);
        break;
      }
    }
  }
}

void Session::StartTimer(TimerId t, std::uint32_t seconds) {
  timer_seconds_[t] = seconds;
  timers_[t]->Start(std::chrono::seconds(seconds));
}

void Session::OnTimer(TimerId t) {
  switch (t) {
    case kConnectRetry:
      Feed(Event::kConnectRetryTimerExpires);
      return;
    case kHold:
      // Silence we caused by not reading is not the peer's: wait another hold time.
      if (!reading_) return StartTimer(kHold, timer_seconds_[kHold]);
      SetError("hold timer expired");
      Feed(Event::kHoldTimerExpires);
      return;
    case kKeepalive:
      Feed(Event::kKeepaliveTimerExpires);
      return;
    case kIdleHold:
      Feed(Event::kIdleHoldTimerExpires);
      return;
    case kSendHold:
      OnSendHoldTimer();
      return;
    case kTimerCount:
      return;
  }
}

void Session::StartSendHoldTimer() {
  // RFC 9687: twice the hold time (8 minutes with no hold time), so that a peer that
  // stopped reading holds up the server's reading (backpressure) for that long at most.
  const std::uint16_t hold = negotiated_ ? negotiated_->hold_time : 0;
  const std::uint32_t seconds = hold == 0 ? 480u : 2u * hold;
  send_hold_mark_ = conn_ ? conn_->bytes_written() : 0;
  StartTimer(kSendHold, seconds);
}

void Session::OnSendHoldTimer() {
  if (!conn_ || fsm_.state() != State::kEstablished) return;
  if (conn_->bytes_queued() == 0 || conn_->bytes_written() != send_hold_mark_) {
    StartSendHoldTimer();
    return;
  }
  // RFC 9687 §3 asks for a NOTIFICATION first, but the peer is not reading: it would only
  // wait behind the queue. The connection closes now, as a failed one.
  SetError(fmt::format("send hold timer expired: {} bytes queued, none written",
                       conn_->bytes_queued()));
  log_.Warn("send_hold_timer_expired", {{"peer", config_.peer_address.ToString()},
                                        {"queued", std::to_string(conn_->bytes_queued())}});
  conn_->Close();
  conn_.reset();
  Feed(Event::kTcpConnectionFails);
}

void Session::StopTimer(TimerId t) {
  timers_[t]->Cancel();
}

void Session::Connect() {
  const DialRequest request{config_.peer_address, config_.peer_port, config_.local_address,
                            config_.password, config_.ttl_security};
  connecting_ = dialer_.Dial(
      request, [self = weak_from_this()](Result<std::shared_ptr<Transport>, std::string> r) {
        auto s = self.lock();
        if (!s) return;
        s->connecting_.reset();
        if (!r) {
          s->SetError(r.error());
          s->Feed(Event::kTcpConnectionFails);
          return;
        }
        s->Adopt(std::move(r).value(), true);
        s->Feed(Event::kTcpCrAcked);
      });
}

void Session::Accept(asio::ip::tcp::socket socket) {
  if (config_.ttl_security) {
    // Before the first read: the peer's OPEN must already pass the minimum TTL.
    if (auto r = SetTtlSecurity(socket.native_handle(), config_.peer_address); !r) {
      log_.Warn("connection_refused", {{"peer", config_.peer_address.ToString()},
                                       {"reason", "ttl security: " + r.error()}});
      return;  // the socket closes here
    }
  }
  Accept(std::make_shared<Connection>(std::move(socket)));
}

void Session::Reject(std::shared_ptr<Transport> c) {
  const wire::Notification n{
      wire::NotifyCode::kCease,
      static_cast<std::uint8_t>(wire::CeaseSubcode::kConnectionCollisionResolution),
      {}};
  c->Start({[](auto) { return true; }, [](auto, auto&) {}, nullptr}, wire::Context{});
  if (auto bytes = wire::EncodeMessage(wire::Message{n}, wire::Context{})) c->SendAndClose(*bytes);
}

void Session::Accept(std::shared_ptr<Transport> transport) {
  const State st = fsm_.state();
  if (st == State::kEstablished ||
      ((st == State::kOpenSent || st == State::kOpenConfirm) && pending_)) {
    // §6.8: a connection colliding with an Established one is closed.
    Reject(std::move(transport));
    log_.Info("connection_rejected", {{"peer", config_.peer_address.ToString()},
                                      {"reason", "collision with an existing session"}});
    return;
  }
  if (st == State::kOpenSent || st == State::kOpenConfirm) {
    pending_ = std::move(transport);
    if (st == State::kOpenConfirm) ResolveCollision();
    return;
  }
  // Idle (waiting out a backoff), Connect or Active: take the peer's connection. A peer
  // that restarts dials in at once; refusing it would cost it a whole connect-retry time.
  if (st == State::kIdle) {
    StopTimer(kIdleHold);
    Feed(Event::kManualStartWithPassiveTcpEstablishment);
  }
  connecting_.reset();
  Adopt(std::move(transport), false);
  Feed(Event::kTcpConnectionConfirmed);
}

void Session::ResolveCollision() {
  if (!pending_ || !peer_open_) return;
  // RFC 4271 §6.8: the connection initiated by the speaker with the higher BGP Identifier
  // survives.
  const bool local_higher = config_.local.router_id > peer_open_->bgp_id;
  const bool keep_existing = conn_outgoing_ ? local_higher : !local_higher;
  auto incoming = std::move(pending_);
  pending_.reset();
  log_.Info("collision", {{"peer", config_.peer_address.ToString()},
                          {"kept", keep_existing ? "existing" : "new"}});
  if (keep_existing) {
    Reject(std::move(incoming));
    return;
  }
  Feed(Event::kOpenCollisionDump);
  StopTimer(kIdleHold);
  Feed(Event::kManualStartWithPassiveTcpEstablishment);
  Adopt(std::move(incoming), false);
  Feed(Event::kTcpConnectionConfirmed);
}

void Session::Adopt(std::shared_ptr<Transport> c, bool outgoing) {
  if (conn_) conn_->Detach();
  conn_ = std::move(c);
  conn_outgoing_ = outgoing;
  negotiated_.reset();
  peer_open_.reset();
  // The counters are the session's (snapshot.h, the metrics): a new connection starts at 0.
  messages_in_ = messages_out_ = updates_in_ = updates_out_ = 0;
  Transport* raw = conn_.get();
  conn_->Start(
      {[self = weak_from_this(), raw](std::span<const std::uint8_t> bytes) {
         auto s = self.lock();
         if (!s || s->conn_.get() != raw) return false;
         return s->OnMessage(bytes) && s->conn_.get() == raw;
       },
       [self = weak_from_this(), raw](const wire::Error* error, const std::string& reason) {
         auto s = self.lock();
         if (!s || s->conn_.get() != raw) return;
         s->OnClosed(error, reason);
       },
       [self = weak_from_this(), raw](bool congested) {
         auto s = self.lock();
         if (!s || s->conn_.get() != raw || s->fsm_.state() != State::kEstablished) return;
         s->observer_.OnCongestion(*s, congested);
       },
       [self = weak_from_this(), raw] {
         auto s = self.lock();
         if (!s || s->conn_.get() != raw || s->fsm_.state() != State::kEstablished) return;
         s->observer_.OnReadDone(*s);
       }},
      wire::Context{});
  log_.Debug("connection", {{"peer", config_.peer_address.ToString()},
                            {"direction", outgoing ? "outgoing" : "incoming"},
                            {"local", conn_->local_address().ToString()}});
}

void Session::DropConnection() {
  StopTimer(kSendHold);
  reading_ = true;  // the server pauses Established sessions only
  if (conn_) {
    conn_->Detach();
    conn_.reset();
  }
  connecting_.reset();
  // A collision candidate waiting for this connection's fate gets its chance now.
  if (pending_ && fsm_.state() == State::kIdle) {
    auto incoming = std::move(pending_);
    pending_.reset();
    clock_.Post([self = weak_from_this(), incoming] {
      if (auto s = self.lock()) s->Accept(incoming);
    });
  }
}

void Session::SendMessage(const wire::Message& m) {
  if (!conn_) return;
  const wire::Context ctx = negotiated_ ? negotiated_->context : wire::Context{};
  auto bytes = wire::EncodeMessage(m, ctx);
  if (!bytes) {
    log_.Error("encode_failed", {{"peer", config_.peer_address.ToString()}, {"reason", bytes.error()}});
    return;
  }
  conn_->Send(*bytes);
  ++messages_out_;
  if (std::holds_alternative<wire::Update>(m)) ++updates_out_;
}

bool Session::OnMessage(std::span<const std::uint8_t> bytes) {
  ++messages_in_;
  static const wire::Context kBeforeOpen;
  const wire::Context& ctx = negotiated_ ? negotiated_->context : kBeforeOpen;
  if (auto res = wire::DecodeMessage(bytes, ctx, in_); !res) {
    OnDecodeError(res.error());
    return conn_ != nullptr;
  }
  switch (*in_.type) {
    case wire::MessageType::kOpen:
      OnOpen(std::get<wire::Open>(in_.other));
      break;
    case wire::MessageType::kUpdate:
      OnUpdate(in_.update);
      break;
    case wire::MessageType::kNotification:
      OnNotification(std::get<wire::Notification>(in_.other));
      break;
    case wire::MessageType::kKeepalive:
      Feed(Event::kKeepAliveMsg);
      break;
    case wire::MessageType::kRouteRefresh:
      Transition(
          Event::kRouteRefreshMsg,
          fsm_.Handle(Event::kRouteRefreshMsg, std::get<wire::RouteRefresh>(in_.other).family));
      break;
  }
  return conn_ != nullptr;
}

void Session::OnDecodeError(const wire::Error& error) {
  const auto notification = wire::Notification::FromError(error);
  if (!in_.type) {
    SetError("received a bad message header: " + error.message);
    Feed(Event::kBgpHeaderErr, notification);
    return;
  }
  switch (*in_.type) {
    case wire::MessageType::kOpen:
      SetError("received a bad OPEN: " + error.message);
      Feed(Event::kBgpOpenMsgErr, notification);
      return;
    case wire::MessageType::kUpdate:
      SetError("received a bad UPDATE: " + wire::Describe(error));
      log_.Warn("update_error",
                {{"peer", config_.peer_address.ToString()}, {"error", wire::Describe(error)}});
      Feed(Event::kUpdateMsgErr, notification);
      return;
    case wire::MessageType::kNotification:
      // Nothing answers a NOTIFICATION, even a malformed one: the session just ends.
      Feed(Event::kNotifMsg);
      return;
    case wire::MessageType::kKeepalive:
    case wire::MessageType::kRouteRefresh:
      // RFC 7313 §5: a malformed ROUTE-REFRESH resets the session with 7/1.
      Feed(Event::kUpdateMsgErr, notification);
      return;
  }
}

void Session::OnUpdate(const wire::Update& u) {
  if (u.action == wire::Action::kAfiSafiDisable) {
    // We reset the session rather than run it with a family switched off: the RFC 7606
    // §5.3 alternative, and what the peer's operator will notice.
    for (const auto& p : u.problems) {
      if (p.action != wire::Action::kAfiSafiDisable) continue;
      SetError("received a bad UPDATE: " + wire::Describe(p));
      Feed(Event::kUpdateMsgErr, wire::Notification::FromError(p));
      return;
    }
    return;
  }
  for (const auto& p : u.problems) {
    log_.Warn("update_problem", {{"peer", config_.peer_address.ToString()},
                                 {"action", std::string(wire::ToString(p.action))},
                                 {"error", wire::Describe(p)}});
  }
  ++updates_in_;
  Transition(Event::kUpdateMsg, fsm_.Handle(Event::kUpdateMsg, u));
}

void Session::OnNotification(const wire::Notification& n) {
  received_notification_ = true;
  SetError("received " + NotificationText(n));
  log_.Warn("notification_received",
            {{"peer", config_.peer_address.ToString()}, {"notification", NotificationText(n)}});
  const bool version = n.code == wire::NotifyCode::kOpenMessageError && n.subcode == 1;
  Feed(version ? Event::kNotifMsgVerErr : Event::kNotifMsg);
}

void Session::OnOpen(const wire::Open& open) {
  if (fsm_.state() != State::kOpenSent) {
    Feed(Event::kBgpOpen);  // the FSM answers an OPEN out of place with an FSM error
    return;
  }
  auto n = Negotiate(config_.local, open, config_.peer_as);
  if (!n) {
    SetError("refused the peer's OPEN: " + n.error().message);
    Feed(Event::kBgpOpenMsgErr, wire::Notification::FromError(n.error()));
    return;
  }
  negotiated_ = std::move(n).value();
  // Two speakers on one host talk over loopback, and their next hops are loopback too.
  negotiated_->context.loopback_next_hops =
      config_.peer_address.afi == wire::Afi::kIpv4 && (config_.peer_address.v4() >> 24) == 127;
  peer_open_ = open;
  fsm_.SetNegotiatedHoldTime(negotiated_->hold_time);
  conn_->SetContext(negotiated_->context);
  Feed(Event::kBgpOpen);
  if (pending_ && fsm_.state() == State::kOpenConfirm) ResolveCollision();
}

void Session::OnClosed(const wire::Error* error, const std::string& reason) {
  if (error) {
    SetError("received a bad message header: " + error->message);
    Feed(Event::kBgpHeaderErr, wire::Notification::FromError(*error));
    return;
  }
  if (!received_notification_) SetError(reason);
  conn_.reset();
  Feed(Event::kTcpConnectionFails);
}

void Session::SetError(std::string text) { last_error_ = std::move(text); }

}  // namespace bgpdemo::bgp::session
