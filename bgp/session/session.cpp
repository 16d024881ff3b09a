#include "bgp/session/session.h"

#include <fmt/format.h>

#include "bgp/session/tcp_md5.h"

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

Session::Session(asio::io_context& io, SessionConfig config, SessionObserver& observer,
                 Logger& log)
    : io_(io), config_(std::move(config)), observer_(observer), log_(log), fsm_(config_.fsm) {
  for (auto& t : timers_) t = std::make_unique<asio::steady_timer>(io_);
}

Session::~Session() {
  *alive_ = false;
  for (auto& t : timers_) t->cancel();
  if (conn_) conn_->Detach();
  boost::system::error_code ec;
  if (connecting_) connecting_->close(ec);
  if (pending_) pending_->close(ec);
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
  boost::system::error_code ec;
  if (pending_) pending_->close(ec);
  pending_.reset();
  Feed(Event::kManualStop, cease);
}

void Session::Reset(const wire::Notification& notification) {
  // Posted: the server calls this from inside an observer callback, in the middle of
  // performing another event's actions.
  asio::post(io_, [self = weak_from_this(), notification] {
    if (auto s = self.lock()) {
      s->SetError("sent " + NotificationText(notification));
      s->Feed(Event::kAutomaticStop, notification);
    }
  });
}

void Session::Send(Chunk bytes) {
  if (fsm_.state() != State::kEstablished || !conn_ || !bytes || bytes->empty()) return;
  conn_->Send(std::move(bytes));
  ++messages_out_;
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
        StartTimer(kConnectRetry, a.seconds, Event::kConnectRetryTimerExpires);
        break;
      case Action::Kind::kStopConnectRetryTimer: StopTimer(kConnectRetry); break;
      case Action::Kind::kStartHoldTimer:
        StartTimer(kHold, a.seconds, Event::kHoldTimerExpires);
        break;
      case Action::Kind::kStopHoldTimer: StopTimer(kHold); break;
      case Action::Kind::kStartKeepaliveTimer:
        StartTimer(kKeepalive, a.seconds, Event::kKeepaliveTimerExpires);
        break;
      case Action::Kind::kStopKeepaliveTimer: StopTimer(kKeepalive); break;
      case Action::Kind::kStartIdleHoldTimer:
        StartTimer(kIdleHold, a.seconds, Event::kIdleHoldTimerExpires);
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
        if (pending_update_) observer_.OnUpdate(*this, *pending_update_);
        break;
      case Action::Kind::kProcessRouteRefresh:
        if (pending_refresh_) observer_.OnRouteRefresh(*this, *pending_refresh_);
        break;
      case Action::Kind::kSessionEstablished:
        established_at_ = std::chrono::steady_clock::now();
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

void Session::StartTimer(TimerId t, std::uint32_t seconds, Event on_expiry) {
  const std::uint64_t gen = ++timer_generation_[t];
  timers_[t]->expires_after(std::chrono::seconds(seconds));
  timers_[t]->async_wait(
      [self = weak_from_this(), t, gen, seconds, on_expiry](const boost::system::error_code& ec) {
        auto s = self.lock();
        if (!s || ec || s->timer_generation_[t] != gen) return;
        if (on_expiry == Event::kHoldTimerExpires) {
          // Silence we caused by not reading is not the peer's: wait another hold time.
          if (!s->reading_) return s->StartTimer(t, seconds, on_expiry);
          s->SetError("hold timer expired");
        }
        s->Feed(on_expiry);
      });
}

void Session::StartSendHoldTimer() {
  // RFC 9687: twice the hold time (8 minutes with no hold time), so that a peer that
  // stopped reading holds up the server's reading (backpressure) for that long at most.
  const std::uint16_t hold = negotiated_ ? negotiated_->hold_time : 0;
  const std::uint32_t seconds = hold == 0 ? 480u : 2u * hold;
  const std::uint64_t gen = ++timer_generation_[kSendHold];
  send_hold_mark_ = conn_ ? conn_->bytes_written() : 0;
  timers_[kSendHold]->expires_after(std::chrono::seconds(seconds));
  timers_[kSendHold]->async_wait([self = weak_from_this(), gen](const boost::system::error_code& ec) {
    auto s = self.lock();
    if (!s || ec || s->timer_generation_[kSendHold] != gen) return;
    s->OnSendHoldTimer();
  });
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
  ++timer_generation_[t];
  timers_[t]->cancel();
}

void Session::Connect() {
  auto sock = std::make_shared<asio::ip::tcp::socket>(io_);
  const asio::ip::tcp::endpoint remote(ToAsio(config_.peer_address), config_.peer_port);
  auto fail = [this](std::string why) {
    SetError(std::move(why));
    asio::post(io_, [self = weak_from_this()] {
      if (auto s = self.lock()) s->Feed(Event::kTcpConnectionFails);
    });
  };
  boost::system::error_code ec;
  sock->open(remote.protocol(), ec);
  if (ec) return fail("socket: " + ec.message());
  if (config_.local_address) {
    sock->bind(asio::ip::tcp::endpoint(ToAsio(*config_.local_address), 0), ec);
    if (ec) return fail(fmt::format("bind {}: {}", config_.local_address->ToString(), ec.message()));
  }
  if (!config_.password.empty()) {
    if (auto r = SetTcpMd5(sock->native_handle(), config_.peer_address, config_.password); !r) {
      return fail(r.error());
    }
  }
  connecting_ = sock;
  sock->async_connect(remote, [self = weak_from_this(), sock](const boost::system::error_code& e) {
    auto s = self.lock();
    if (!s || s->connecting_ != sock) return;
    s->connecting_.reset();
    if (e) {
      s->SetError("connect: " + e.message());
      s->Feed(Event::kTcpConnectionFails);
      return;
    }
    s->Adopt(std::make_shared<Connection>(std::move(*sock)), true);
    s->Feed(Event::kTcpCrAcked);
  });
}

void Session::Accept(asio::ip::tcp::socket socket) {
  const State st = fsm_.state();
  if (st == State::kEstablished ||
      ((st == State::kOpenSent || st == State::kOpenConfirm) && pending_)) {
    // §6.8: a connection colliding with an Established one is closed.
    auto c = std::make_shared<Connection>(std::move(socket));
    wire::Notification n{wire::NotifyCode::kCease,
                         static_cast<std::uint8_t>(wire::CeaseSubcode::kConnectionCollisionResolution),
                         {}};
    auto bytes = wire::EncodeMessage(wire::Message{n}, wire::Context{});
    c->Start({[](auto) { return true; }, [](auto, auto&) {}}, wire::Context{});
    if (bytes) c->SendAndClose(*bytes);
    log_.Info("connection_rejected", {{"peer", config_.peer_address.ToString()},
                                      {"reason", "collision with an existing session"}});
    return;
  }
  if (st == State::kOpenSent || st == State::kOpenConfirm) {
    pending_ = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
    if (st == State::kOpenConfirm) ResolveCollision();
    return;
  }
  // Idle (waiting out a backoff), Connect or Active: take the peer's connection. A peer
  // that restarts dials in at once; refusing it would cost it a whole connect-retry time.
  if (st == State::kIdle) {
    StopTimer(kIdleHold);
    Feed(Event::kManualStartWithPassiveTcpEstablishment);
  }
  if (connecting_) {
    boost::system::error_code ec;
    connecting_->close(ec);
    connecting_.reset();
  }
  Adopt(std::make_shared<Connection>(std::move(socket)), false);
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
    asio::ip::tcp::socket s(std::move(*incoming));
    auto c = std::make_shared<Connection>(std::move(s));
    wire::Notification n{wire::NotifyCode::kCease,
                         static_cast<std::uint8_t>(wire::CeaseSubcode::kConnectionCollisionResolution),
                         {}};
    c->Start({[](auto) { return true; }, [](auto, auto&) {}}, wire::Context{});
    if (auto bytes = wire::EncodeMessage(wire::Message{n}, wire::Context{})) c->SendAndClose(*bytes);
    return;
  }
  Feed(Event::kOpenCollisionDump);
  StopTimer(kIdleHold);
  Feed(Event::kManualStartWithPassiveTcpEstablishment);
  Adopt(std::make_shared<Connection>(std::move(*incoming)), false);
  Feed(Event::kTcpConnectionConfirmed);
}

void Session::Adopt(std::shared_ptr<Connection> c, bool outgoing) {
  if (conn_) conn_->Detach();
  conn_ = std::move(c);
  conn_outgoing_ = outgoing;
  negotiated_.reset();
  peer_open_.reset();
  Connection* raw = conn_.get();
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
  if (connecting_) {
    boost::system::error_code ec;
    connecting_->close(ec);
    connecting_.reset();
  }
  // A collision candidate waiting for this connection's fate gets its chance now.
  if (pending_ && fsm_.state() == State::kIdle) {
    auto incoming = std::move(pending_);
    pending_.reset();
    asio::post(io_, [self = weak_from_this(), incoming] {
      if (auto s = self.lock()) s->Accept(std::move(*incoming));
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
}

bool Session::OnMessage(std::span<const std::uint8_t> bytes) {
  ++messages_in_;
  const wire::Context ctx = negotiated_ ? negotiated_->context : wire::Context{};
  const auto type = static_cast<wire::MessageType>(bytes[18]);
  const auto body = bytes.subspan(wire::kHeaderSize);
  switch (type) {
    case wire::MessageType::kOpen: {
      auto open = wire::DecodeOpen(body);
      if (!open) {
        SetError("received a bad OPEN: " + open.error().message);
        Feed(Event::kBgpOpenMsgErr, wire::Notification::FromError(open.error()));
      } else {
        OnOpen(*open);
      }
      break;
    }
    case wire::MessageType::kUpdate: {
      wire::Update u;
      auto res = wire::DecodeUpdate(body, ctx, u);
      if (res && u.action == wire::Action::kAfiSafiDisable) {
        // We reset the session rather than run it with a family switched off: the
        // RFC 7606 §5.3 alternative, and what the peer's operator will notice.
        for (const auto& p : u.problems) {
          if (p.action != wire::Action::kAfiSafiDisable) continue;
          SetError("received a bad UPDATE: " + wire::Describe(p));
          Feed(Event::kUpdateMsgErr, wire::Notification::FromError(p));
          break;
        }
        break;
      }
      if (!res) {
        SetError("received a bad UPDATE: " + wire::Describe(res.error()));
        log_.Warn("update_error", {{"peer", config_.peer_address.ToString()},
                                   {"error", wire::Describe(res.error())}});
        Feed(Event::kUpdateMsgErr, wire::Notification::FromError(res.error()));
        break;
      }
      for (const auto& p : u.problems) {
        log_.Warn("update_problem", {{"peer", config_.peer_address.ToString()},
                                     {"action", std::string(wire::ToString(p.action))},
                                     {"error", wire::Describe(p)}});
      }
      ++updates_in_;
      pending_update_ = std::move(u);
      Feed(Event::kUpdateMsg);
      pending_update_.reset();
      break;
    }
    case wire::MessageType::kNotification: {
      auto n = wire::DecodeNotification(body);
      if (n) {
        received_notification_ = true;
        SetError("received " + NotificationText(*n));
        log_.Warn("notification_received", {{"peer", config_.peer_address.ToString()},
                                            {"notification", NotificationText(*n)}});
        const bool version = n->code == wire::NotifyCode::kOpenMessageError && n->subcode == 1;
        Feed(version ? Event::kNotifMsgVerErr : Event::kNotifMsg);
      } else {
        Feed(Event::kNotifMsg);
      }
      break;
    }
    case wire::MessageType::kKeepalive:
      Feed(Event::kKeepAliveMsg);
      break;
    case wire::MessageType::kRouteRefresh: {
      auto m = wire::DecodeMessage(bytes, ctx);
      if (!m) {
        Feed(Event::kUpdateMsgErr, wire::Notification::FromError(m.error()));
      } else {
        pending_refresh_ = std::get<wire::RouteRefresh>(*m).family;
        Feed(Event::kRouteRefreshMsg);
        pending_refresh_.reset();
      }
      break;
    }
  }
  return conn_ != nullptr;
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
