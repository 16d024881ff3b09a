#include "tests/tools/blaster_session.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace bgpdemo::blaster {

std::optional<std::uint32_t> ParseV4(const std::string& text) {
  in_addr a{};
  if (::inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string V4String(std::uint32_t host) {
  in_addr a{};
  a.s_addr = htonl(host);
  char buf[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

bool SourceAddresses(const std::vector<std::string>& list, const std::string& base,
                     const std::string& monitor, std::size_t& sessions,
                     std::vector<std::uint32_t>& out, std::uint32_t& monitor_out,
                     std::string& err) {
  out.clear();
  if (!list.empty()) {
    for (const auto& s : list) {
      auto a = ParseV4(s);
      if (!a) {
        err = fmt::format("--sources: \"{}\" is not an IPv4 address", s);
        return false;
      }
      out.push_back(*a);
    }
    if (sessions == 0) sessions = out.size();
    if (out.size() != sessions) {
      err = fmt::format("--sources lists {} addresses but --sessions is {}", out.size(), sessions);
      return false;
    }
  } else if (!base.empty()) {
    auto a = ParseV4(base);
    if (!a) {
      err = fmt::format("--source-base: \"{}\" is not an IPv4 address", base);
      return false;
    }
    if (sessions == 0) {
      err = "--source-base needs --sessions N";
      return false;
    }
    for (std::size_t i = 0; i < sessions; ++i) out.push_back(*a + static_cast<std::uint32_t>(i));
  } else if (sessions > 0) {
    err = "give the sessions' source addresses: --sources A,B,... or --source-base A";
    return false;
  }
  if (!monitor.empty()) {
    auto a = ParseV4(monitor);
    if (!a) {
      err = fmt::format("--monitor-source: \"{}\" is not an IPv4 address", monitor);
      return false;
    }
    monitor_out = *a;
  } else if (!base.empty()) {
    monitor_out = *ParseV4(base) + static_cast<std::uint32_t>(sessions);
  } else {
    err = "--monitor-source is required with --sources";
    return false;
  }
  return true;
}

const char* StateName(State s) {
  switch (s) {
    case State::kIdle:
      return "idle";
    case State::kConnecting:
      return "connecting";
    case State::kOpenSent:
      return "open_sent";
    case State::kOpenConfirm:
      return "open_confirm";
    case State::kEstablished:
      return "established";
  }
  return "?";
}

Session::Session(SessionOwner& owner, const Target& target, std::string name_, std::uint32_t src_,
                 std::uint32_t asn_, bool monitor_, std::size_t read_buffer)
    : name(std::move(name_)),
      monitor(monitor_),
      src(src_),
      asn(asn_),
      owner_(owner),
      target_(target) {
  in_.resize(read_buffer);
  ctx.extended_message = false;
  ctx.peer_type = wire::PeerType::kExternal;
  ctx.route_refresh = false;
}

void Session::Load(std::vector<std::uint8_t> bytes, std::uint64_t messages) {
  upd_ = std::move(bytes);
  upd_off_ = next_msg_ = 0;
  update_msgs_total += messages;
}

void Session::Close() {
  if (fd >= 0) ::close(fd);
  fd = -1;
  state = State::kIdle;
  muted = false;
  // A new connection starts a new session: what was loaded is sent again only once the owner
  // loads it and releases it after Established (a half-written UPDATE must not follow an OPEN).
  sending = false;
  upd_off_ = next_msg_ = 0;
  in_start_ = in_end_ = 0;
  ctl_.clear();
  ctl_off_ = 0;
}

void Session::Fail(const std::string& why, Clock::time_point now) {
  last_error = why;
  const bool was_up = state == State::kEstablished;
  Close();
  owner_.OnFailure(*this, why, was_up, now);
}

void Session::Connect(Clock::time_point now) {
  ++attempts;
  connect_at = now;
  fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    owner_.OnFatal(fmt::format("socket: {}", std::strerror(errno)));
    return;
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(src);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    // Not retried: the address is missing on this host, which waiting will not fix.
    owner_.OnFatal(fmt::format("{}: bind to {}: {} (is the address configured here?)", name,
                               V4String(src), std::strerror(errno)));
    return;
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(target_.port);
  remote.sin_addr.s_addr = htonl(target_.address);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 &&
      errno != EINPROGRESS) {
    Fail(fmt::format("connect to {}:{}: {}", V4String(target_.address), target_.port,
                     std::strerror(errno)),
         now);
    return;
  }
  state = State::kConnecting;
}

void Session::QueueControl(const wire::Message& m) {
  auto bytes = wire::EncodeMessage(m, ctx);
  if (!bytes) {
    owner_.OnFatal(fmt::format("{}: encoding a {} message: {}", name,
                               static_cast<int>(wire::TypeOf(m)), bytes.error()));
    return;
  }
  if (ctl_off_ == ctl_.size()) {
    ctl_.clear();
    ctl_off_ = 0;
  }
  ctl_.insert(ctl_.end(), bytes->begin(), bytes->end());
  ++msgs_sent;
}

bool Session::WantsWrite() const {
  if (fd < 0) return false;
  if (state == State::kConnecting) return true;
  if (ctl_off_ < ctl_.size()) return true;
  return Releasing();
}

short Session::Events() const {
  if (fd < 0 || muted) return 0;
  short ev = state == State::kConnecting ? 0 : POLLIN;
  if (WantsWrite()) ev |= POLLOUT;
  return ev;
}

void Session::MaybeKeepalive(Clock::time_point now) {
  if (state != State::kEstablished || keepalive_s_ == 0 || muted) return;
  if (ctl_off_ < ctl_.size()) return;  // one is already waiting
  if (now - last_write_ < std::chrono::seconds(keepalive_s_)) return;
  QueueControl(wire::Keepalive{});
}

void Session::OnWritable(Clock::time_point now) {
  if (state == State::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      Fail(fmt::format("connect to {}:{}: {}", V4String(target_.address), target_.port,
                       std::strerror(err)),
           now);
      return;
    }
    wire::Open open;
    open.my_as = asn > 65535 ? wire::kAsTrans : static_cast<std::uint16_t>(asn);
    open.hold_time = static_cast<std::uint16_t>(target_.hold_time);
    open.bgp_id = src;
    open.capabilities = {wire::MultiprotocolCap{wire::kIpv4Unicast}, wire::FourOctetAsCap{asn}};
    QueueControl(open);
    state = State::kOpenSent;
  }
  // Control bytes go first, but only between two whole UPDATEs.
  for (int round = 0; round < 64; ++round) {
    const bool between = upd_off_ == next_msg_;
    std::span<const std::uint8_t> chunk;
    bool is_upd = false;
    if (ctl_off_ < ctl_.size() && (between || !Releasing())) {
      chunk = std::span<const std::uint8_t>(ctl_).subspan(ctl_off_);
    } else if (Releasing()) {
      // With a control message waiting, write only up to the end of the current UPDATE.
      const std::size_t limit = ctl_off_ < ctl_.size() ? next_msg_ - upd_off_ : target_.write_chunk;
      chunk = std::span<const std::uint8_t>(upd_).subspan(upd_off_,
                                                          std::min(upd_.size() - upd_off_, limit));
      is_upd = true;
    } else {
      return;
    }
    const Clock::time_point before = is_upd ? Clock::now() : now;
    const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      Fail(fmt::format("write: {}", std::strerror(errno)), now);
      return;
    }
    bytes_sent += static_cast<std::uint64_t>(n);
    last_write_ = now;
    if (!is_upd) {
      ctl_off_ += static_cast<std::size_t>(n);
    } else {
      owner_.OnUpdateWritten(*this, before);  // the caller's `now` is from before poll()
      upd_off_ += static_cast<std::size_t>(n);
      // Walk the message starts past what was written (whole frames in our own buffer).
      while (next_msg_ < upd_off_) {
        const std::size_t len = std::size_t{upd_[next_msg_ + 16]} << 8 | upd_[next_msg_ + 17];
        next_msg_ += len;
        ++msgs_sent;
      }
      if (upd_off_ == upd_.size()) send_done = Clock::now();
    }
    if (static_cast<std::size_t>(n) < chunk.size()) return;  // the socket buffer is full
  }
}

void Session::OnReadable(Clock::time_point now) {
  for (int round = 0; round < 16 && fd >= 0; ++round) {
    if (in_start_ == in_end_) {
      in_start_ = in_end_ = 0;
    } else if (in_.size() - in_end_ < 8192) {
      std::memmove(in_.data(), in_.data() + in_start_, in_end_ - in_start_);
      in_end_ -= in_start_;
      in_start_ = 0;
    }
    const ssize_t n = ::recv(fd, in_.data() + in_end_, in_.size() - in_end_, 0);
    if (n == 0) {
      Fail(fmt::format("the target closed the connection in state {}", StateName(state)), now);
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      Fail(fmt::format("read: {}", std::strerror(errno)), now);
      return;
    }
    in_end_ += static_cast<std::size_t>(n);
    bytes_recv += static_cast<std::uint64_t>(n);
    last_read = now;
    for (;;) {
      const auto avail = std::span<const std::uint8_t>(in_).subspan(in_start_, in_end_ - in_start_);
      if (avail.size() < wire::kHeaderSize) break;
      auto len = wire::FrameLength(avail, ctx);
      if (!len) {
        Fail(fmt::format("bad message header: {}", wire::Describe(len.error())), now);
        return;
      }
      if (*len == 0) break;
      const auto frame = avail.first(*len);
      in_start_ += *len;
      ++msgs_recv;
      if (!HandleFrame(frame, now)) return;
    }
    if (static_cast<std::size_t>(n) < 8192) return;  // probably drained
  }
}

bool Session::HandleFrame(std::span<const std::uint8_t> frame, Clock::time_point now) {
  const auto type = static_cast<wire::MessageType>(frame[18]);
  if (type == wire::MessageType::kUpdate) {
    ++updates_recv;
    if (state != State::kEstablished) {
      Fail("UPDATE before Established", now);
      return false;
    }
    return owner_.OnUpdate(*this, frame.subspan(wire::kHeaderSize), now);
  }
  auto m = wire::DecodeMessage(frame, ctx);
  if (!m) {
    Fail(fmt::format("bad message: {}", wire::Describe(m.error())), now);
    return false;
  }
  if (const auto* n = std::get_if<wire::Notification>(&*m)) {
    std::string text;
    if (n->HasShutdownCommunication()) {
      if (auto t = n->ShutdownText()) text = fmt::format(" \"{}\"", *t);
    }
    Fail(fmt::format("NOTIFICATION {}{}", wire::CodeText(n->code, n->subcode), text), now);
    return false;
  }
  if (const auto* open = std::get_if<wire::Open>(&*m)) {
    if (state != State::kOpenSent) {
      Fail(fmt::format("OPEN in state {}", StateName(state)), now);
      return false;
    }
    if (target_.expected_as != 0 && open->Asn() != target_.expected_as) {
      owner_.OnFatal(fmt::format("{}: the target's OPEN says AS {}, expected {}", name, open->Asn(),
                                 target_.expected_as));
      return false;
    }
    if (!open->Find<wire::FourOctetAsCap>()) {
      owner_.OnFatal(
          fmt::format("{}: the target does not support 4-octet AS numbers (RFC 6793), "
                      "which the blaster's encoding assumes",
                      name));
      return false;
    }
    const unsigned hold = std::min<unsigned>(open->hold_time, target_.hold_time);
    keepalive_s_ = hold / 3;
    QueueControl(wire::Keepalive{});
    state = State::kOpenConfirm;
    return true;
  }
  if (std::holds_alternative<wire::Keepalive>(*m)) {
    if (state == State::kOpenConfirm) {
      state = State::kEstablished;
      established_at = now;
    }
    return true;
  }
  return true;  // ROUTE-REFRESH: never negotiated, ignored
}

nlohmann::json Session::ToJson(Clock::time_point start) const {
  nlohmann::json p = {{"name", name},
                      {"source", V4String(src)},
                      {"asn", asn},
                      {"state", StateName(state)},
                      {"messages_sent", msgs_sent},
                      {"bytes_sent", bytes_sent},
                      {"messages_received", msgs_recv},
                      {"bytes_received", bytes_recv},
                      {"updates_received", updates_recv},
                      {"connect_attempts", attempts}};
  if (!monitor) p["update_messages_prepared"] = update_msgs_total;
  if (established_at != Clock::time_point{}) {
    p["established_s"] = std::chrono::duration<double>(established_at - start).count();
  }
  if (!last_error.empty()) p["last_error"] = last_error;
  return p;
}

void Session::Goodbye() {
  if (fd >= 0 && state == State::kEstablished && upd_off_ == next_msg_) {
    auto bye = wire::EncodeMessage(
        wire::Notification::Shutdown(wire::CeaseSubcode::kAdministrativeShutdown,
                                     "bgpdemo_blaster done"),
        ctx);
    if (bye) (void)!::send(fd, bye->data(), bye->size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  Close();
}

void Session::Reset() {
  if (fd >= 0) {
    const linger hard{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  }
  Close();
}

int Session::Abandon() {
  const int kept = fd;
  fd = -1;
  Close();
  return kept;
}

bool Poller::Once(const std::vector<std::unique_ptr<Session>>& conns, int timeout_ms,
                  SessionOwner& owner) {
  pfds_.clear();
  owners_.clear();
  for (const auto& c : conns) {
    if (c->fd < 0) continue;
    pfds_.push_back({c->fd, c->Events(), 0});
    owners_.push_back(c.get());
  }
  if (::poll(pfds_.data(), pfds_.size(), timeout_ms) < 0) {
    if (errno == EINTR) return true;
    owner.OnFatal(fmt::format("poll: {}", std::strerror(errno)));
    return false;
  }
  const auto now = Clock::now();
  for (std::size_t i = 0; i < pfds_.size(); ++i) {
    Session& c = *owners_[i];
    const short re = pfds_[i].revents;
    if (re == 0 || c.fd != pfds_[i].fd) continue;
    if (re & (POLLIN | POLLHUP | POLLERR)) {
      if (c.state == State::kConnecting) {
        c.OnWritable(now);  // SO_ERROR says why
      } else {
        c.OnReadable(now);
      }
    }
    if (c.fd >= 0 && (re & POLLOUT)) c.OnWritable(now);
  }
  return true;
}

}  // namespace bgpdemo::blaster
