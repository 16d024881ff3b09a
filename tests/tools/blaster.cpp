// bgpdemo_blaster: a bgperf-style load generator for a BGP route server.
//
// It opens N announcing sessions to one target, each from its own source address (bound
// before connect) and with its own AS (as_base + i * as_step), plus one "monitor" session
// that announces nothing and counts what it receives. Once every session is Established,
// each announcing session writes M unique IPv4 /24 prefixes (session i owns the /24s
// prefix_base + i*M .. + M-1), packed by UpdatePacker into full 4096-byte UPDATEs with a few
// attribute sets, then End-of-RIB. The clock starts at the first UPDATE byte written and
// stops when the monitor holds all N x M prefixes.
//
//   bgpdemo_blaster --target 10.0.0.1 --source-base 10.0.0.10 --sessions 10
//                   --prefixes 100000 --monitor-source 10.0.0.9 --timeout 180
//
// It prints one JSON object on stdout (also on failure, with "ok": false and "error"): the
// time until every session was Established, the convergence time, what the monitor
// counted (prefixes held, NLRI, withdrawals, duplicates, unexpected, End-of-RIB) and the
// messages and bytes each session sent and received. Exit status: 0 when the monitor
// converged, 1 on a timeout or a session error, 2 on bad options. Progress (-v) and errors
// go to stderr. With --linger S it keeps the sessions up for S seconds after the report
// (until SIGTERM), so that a test can inspect the target while it holds the routes.
//
// The monitor decodes every UPDATE (FrameLength + DecodeUpdate into one reused Update) and
// keeps one bit per expected /24, so duplicates and withdrawals are counted exactly. The
// announcing sessions read everything the target sends them (the others' routes) but only
// frame it and count messages and bytes. The blaster answers with KEEPALIVEs at a third of
// the negotiated hold time but does not enforce the target's hold timer. The OPEN offers
// 4-octet AS and IPv4 unicast only; all UPDATEs are encoded before the first connect.
//
// One thread, non-blocking sockets and poll(2): every read and write copes with partial
// transfers; a KEEPALIVE is only ever slipped in between two whole UPDATEs.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bgp/wire/message.h"
#include "bgp/wire/update_packer.h"

namespace {

namespace wire = bgpdemo::bgp::wire;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

volatile std::sig_atomic_t g_signal = 0;
void OnSignal(int sig) { g_signal = sig; }

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

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

struct Options {
  std::string target;
  std::uint16_t port = 179;
  std::string source_base;
  std::vector<std::string> sources;
  std::size_t sessions = 0;
  std::size_t prefixes = 1000;
  std::string monitor_source;
  std::uint32_t as_base = 65001;
  std::uint32_t as_step = 1;
  std::uint32_t monitor_as = 64999;
  std::uint32_t target_as = 0;  // 0: accept any
  std::string prefix_base = "16.0.0.0";
  unsigned attr_sets = 4;
  unsigned hold_time = 180;
  double timeout = 300;
  double establish_timeout = 60;
  std::size_t write_chunk = 1 << 20;
  bool progress = false;
  double linger = 0;
  bool compact = false;
};

enum class State { kIdle, kConnecting, kOpenSent, kOpenConfirm, kEstablished };

const char* StateName(State s) {
  switch (s) {
    case State::kIdle: return "idle";
    case State::kConnecting: return "connecting";
    case State::kOpenSent: return "open_sent";
    case State::kOpenConfirm: return "open_confirm";
    case State::kEstablished: return "established";
  }
  return "?";
}

struct Conn {
  std::string name;
  bool monitor = false;
  std::uint32_t src = 0;  // host order
  std::uint32_t asn = 0;
  int fd = -1;
  State state = State::kIdle;
  Clock::time_point retry_at{};
  int attempts = 0;
  std::string last_error;

  wire::Context ctx;
  unsigned keepalive_s = 60;  // from the negotiated hold time; 0: none
  Clock::time_point last_write{};

  // Bytes read but not yet framed: [in_start, in_end).
  std::vector<std::uint8_t> in;
  std::size_t in_start = 0, in_end = 0;
  // Control messages (OPEN, KEEPALIVE, NOTIFICATION) waiting to be written.
  std::vector<std::uint8_t> ctl;
  std::size_t ctl_off = 0;
  // The pre-encoded announcements and End-of-RIB; next_msg is the first message start at
  // or after upd_off, so upd_off == next_msg means we sit between two messages.
  std::vector<std::uint8_t> upd;
  std::size_t upd_off = 0, next_msg = 0;
  bool sending = false;

  std::uint64_t msgs_sent = 0, bytes_sent = 0, msgs_recv = 0, bytes_recv = 0;
  std::uint64_t updates_recv = 0;
  std::uint64_t update_msgs_total = 0;  // UPDATE messages in upd
  Clock::time_point established_at{};
  Clock::time_point send_done{};
};

// What the monitor holds: one bit per expected /24.
struct MonitorView {
  std::uint32_t base24 = 0;  // first expected /24, as (address >> 8)
  std::uint64_t expected = 0;
  std::vector<std::uint64_t> bits;
  std::uint64_t held = 0;
  std::uint64_t nlri = 0, withdrawn = 0, duplicates = 0, unexpected = 0, eor = 0;
  std::uint64_t treat_as_withdraw = 0;
  wire::Update update;  // reused by every decode

  void Announce(const wire::Prefix& p) {
    ++nlri;
    std::uint64_t idx;
    if (!Index(p, idx)) {
      ++unexpected;
      return;
    }
    std::uint64_t& w = bits[idx >> 6];
    const std::uint64_t m = std::uint64_t{1} << (idx & 63);
    if (w & m) {
      ++duplicates;
    } else {
      w |= m;
      ++held;
    }
  }
  void Withdraw(const wire::Prefix& p) {
    ++withdrawn;
    std::uint64_t idx;
    if (!Index(p, idx)) return;
    std::uint64_t& w = bits[idx >> 6];
    const std::uint64_t m = std::uint64_t{1} << (idx & 63);
    if (w & m) {
      w &= ~m;
      --held;
    }
  }
  bool Index(const wire::Prefix& p, std::uint64_t& idx) const {
    if (p.afi != wire::Afi::kIpv4 || p.length != 24) return false;
    const std::uint32_t a = std::uint32_t{p.addr[0]} << 16 | std::uint32_t{p.addr[1]} << 8 |
                            std::uint32_t{p.addr[2]};
    if (a < base24 || a - base24 >= expected) return false;
    idx = a - base24;
    return true;
  }
};

class Blaster {
 public:
  explicit Blaster(const Options& o) : o_(o) {}

  int Run();

 private:
  bool Setup(std::string& err);
  bool Encode(Conn& c, std::size_t index, std::string& err);
  void StartConnect(Conn& c, Clock::time_point now);
  void Fail(Conn& c, const std::string& why, Clock::time_point now);
  void Close(Conn& c);
  void OnWritable(Conn& c, Clock::time_point now);
  void OnReadable(Conn& c, Clock::time_point now);
  bool HandleFrame(Conn& c, std::span<const std::uint8_t> frame, Clock::time_point now);
  void QueueControl(Conn& c, const wire::Message& m);
  void MaybeKeepalive(Conn& c, Clock::time_point now);
  bool WantsWrite(const Conn& c) const;
  void Fatal(const std::string& why) {
    if (error_.empty()) error_ = why;
  }
  json Report(Clock::time_point now) const;
  void Linger();
  void Goodbye();

  Options o_;
  std::vector<Conn> conns_;  // announcing sessions first, the monitor last
  MonitorView mon_;
  std::string error_;
  Clock::time_point start_{}, all_established_{}, first_update_{}, converged_{}, all_sent_{};
  bool established_ = false, started_ = false, converged_flag_ = false, sent_flag_ = false;
  std::uint64_t prefixes_encoded_ = 0;
};

bool Blaster::Setup(std::string& err) {
  std::vector<std::uint32_t> srcs;
  if (!o_.sources.empty()) {
    for (const auto& s : o_.sources) {
      auto a = ParseV4(s);
      if (!a) {
        err = fmt::format("--sources: \"{}\" is not an IPv4 address", s);
        return false;
      }
      srcs.push_back(*a);
    }
    if (o_.sessions == 0) o_.sessions = srcs.size();
    if (srcs.size() != o_.sessions) {
      err = fmt::format("--sources lists {} addresses but --sessions is {}", srcs.size(),
                        o_.sessions);
      return false;
    }
  } else if (!o_.source_base.empty()) {
    auto a = ParseV4(o_.source_base);
    if (!a) {
      err = fmt::format("--source-base: \"{}\" is not an IPv4 address", o_.source_base);
      return false;
    }
    if (o_.sessions == 0) {
      err = "--source-base needs --sessions N";
      return false;
    }
    for (std::size_t i = 0; i < o_.sessions; ++i) srcs.push_back(*a + static_cast<std::uint32_t>(i));
  } else if (o_.sessions > 0) {
    err = "give the sessions' source addresses: --sources A,B,... or --source-base A";
    return false;
  }
  std::uint32_t mon_src = 0;
  if (!o_.monitor_source.empty()) {
    auto a = ParseV4(o_.monitor_source);
    if (!a) {
      err = fmt::format("--monitor-source: \"{}\" is not an IPv4 address", o_.monitor_source);
      return false;
    }
    mon_src = *a;
  } else if (!o_.source_base.empty()) {
    mon_src = *ParseV4(o_.source_base) + static_cast<std::uint32_t>(o_.sessions);
  } else {
    err = "--monitor-source is required with --sources";
    return false;
  }
  if (std::find(srcs.begin(), srcs.end(), mon_src) != srcs.end()) {
    err = fmt::format("the monitor's source {} is also a session's", V4String(mon_src));
    return false;
  }
  auto pb = ParseV4(o_.prefix_base);
  if (!pb) {
    err = fmt::format("--prefix-base: \"{}\" is not an IPv4 address", o_.prefix_base);
    return false;
  }
  const std::uint64_t total = std::uint64_t{o_.sessions} * o_.prefixes;
  const std::uint64_t base24 = *pb >> 8;
  if (base24 + total > (0xe0000000u >> 8)) {
    err = fmt::format("{} sessions x {} /24s from {} run past 224.0.0.0; lower --prefix-base",
                      o_.sessions, o_.prefixes, o_.prefix_base);
    return false;
  }
  if (o_.attr_sets == 0) o_.attr_sets = 1;
  mon_.base24 = static_cast<std::uint32_t>(base24);
  mon_.expected = total;
  mon_.bits.assign((total + 63) / 64, 0);

  conns_.resize(o_.sessions + 1);
  for (std::size_t i = 0; i <= o_.sessions; ++i) {
    Conn& c = conns_[i];
    c.monitor = i == o_.sessions;
    c.src = c.monitor ? mon_src : srcs[i];
    c.asn = c.monitor ? o_.monitor_as : o_.as_base + static_cast<std::uint32_t>(i) * o_.as_step;
    c.name = c.monitor ? "monitor" : fmt::format("peer{}", i);
    c.in.resize(256 * 1024);
    c.ctx.extended_message = false;
    c.ctx.peer_type = wire::PeerType::kExternal;
    c.ctx.route_refresh = false;
    if (!c.monitor && !Encode(c, i, err)) return false;
  }
  return true;
}

// Every announcement of session `index`, with End-of-RIB, in one buffer. The 4-octet AS
// encoding is assumed (every target here supports it); HandleFrame checks the OPEN for it.
bool Blaster::Encode(Conn& c, std::size_t index, std::string& err) {
  const wire::UpdatePacker packer(c.ctx);
  std::vector<wire::Prefix> batch;
  const std::uint32_t first24 =
      mon_.base24 + static_cast<std::uint32_t>(index * o_.prefixes);
  for (unsigned set = 0; set < o_.attr_sets; ++set) {
    const std::size_t lo = o_.prefixes * set / o_.attr_sets;
    const std::size_t hi = o_.prefixes * (set + 1) / o_.attr_sets;
    if (lo == hi) continue;
    wire::PathAttributes a;
    a.origin = wire::Origin::kIgp;
    a.as_path = wire::AsPath::Sequence({c.asn});
    a.next_hop = wire::IpAddress::V4(c.src);
    a.med = set * 10;
    a.communities = {(std::min<std::uint32_t>(c.asn, 65535) << 16) | (100 + set)};
    batch.clear();
    for (std::size_t k = lo; k < hi; ++k) {
      batch.push_back(wire::Prefix::V4((first24 + static_cast<std::uint32_t>(k)) << 8, 24));
    }
    auto n = packer.Announce(a, batch, c.upd);
    if (!n) {
      err = fmt::format("{}: packing UPDATEs: {}", c.name, n.error());
      return false;
    }
    c.update_msgs_total += *n;
    prefixes_encoded_ += batch.size();
  }
  packer.EndOfRib(wire::kIpv4Unicast, c.upd);
  c.update_msgs_total += 1;
  return true;
}

void Blaster::Close(Conn& c) {
  if (c.fd >= 0) ::close(c.fd);
  c.fd = -1;
  c.state = State::kIdle;
  c.in_start = c.in_end = 0;
  c.ctl.clear();
  c.ctl_off = 0;
}

// Before Established a failure is retried (the target may still be starting, or refuse a
// first connection); after it, the run is over.
void Blaster::Fail(Conn& c, const std::string& why, Clock::time_point now) {
  c.last_error = why;
  const bool was_up = c.state == State::kEstablished;
  Close(c);
  if (was_up || started_) {
    Fatal(fmt::format("{} (from {}, AS {}): {}", c.name, V4String(c.src), c.asn, why));
    return;
  }
  if (o_.progress) fmt::print(stderr, "blaster: {}: {}; retrying in 1 s\n", c.name, why);
  c.retry_at = now + std::chrono::seconds(1);
}

void Blaster::StartConnect(Conn& c, Clock::time_point now) {
  ++c.attempts;
  c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    Fatal(fmt::format("socket: {}", std::strerror(errno)));
    return;
  }
  int one = 1;
  ::setsockopt(c.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(c.src);
  if (::bind(c.fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    // Not retried: the address is missing on this host, which waiting will not fix.
    Fatal(fmt::format("{}: bind to {}: {} (is the address configured here?)", c.name,
                      V4String(c.src), std::strerror(errno)));
    return;
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(o_.port);
  remote.sin_addr.s_addr = htonl(*ParseV4(o_.target));
  if (::connect(c.fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 &&
      errno != EINPROGRESS) {
    Fail(c, fmt::format("connect to {}:{}: {}", o_.target, o_.port, std::strerror(errno)), now);
    return;
  }
  c.state = State::kConnecting;
}

void Blaster::QueueControl(Conn& c, const wire::Message& m) {
  auto bytes = wire::EncodeMessage(m, c.ctx);
  if (!bytes) {
    Fatal(fmt::format("{}: encoding a {} message: {}", c.name,
                      static_cast<int>(wire::TypeOf(m)), bytes.error()));
    return;
  }
  if (c.ctl_off == c.ctl.size()) {
    c.ctl.clear();
    c.ctl_off = 0;
  }
  c.ctl.insert(c.ctl.end(), bytes->begin(), bytes->end());
  ++c.msgs_sent;
}

bool Blaster::WantsWrite(const Conn& c) const {
  if (c.fd < 0) return false;
  if (c.state == State::kConnecting) return true;
  if (c.ctl_off < c.ctl.size()) return true;
  return c.sending && c.upd_off < c.upd.size();
}

void Blaster::MaybeKeepalive(Conn& c, Clock::time_point now) {
  if (c.state != State::kEstablished || c.keepalive_s == 0) return;
  if (c.ctl_off < c.ctl.size()) return;  // one is already waiting
  if (now - c.last_write < std::chrono::seconds(c.keepalive_s)) return;
  QueueControl(c, wire::Keepalive{});
}

void Blaster::OnWritable(Conn& c, Clock::time_point now) {
  if (c.state == State::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      Fail(c, fmt::format("connect to {}:{}: {}", o_.target, o_.port, std::strerror(err)), now);
      return;
    }
    wire::Open open;
    open.my_as = c.asn > 65535 ? wire::kAsTrans : static_cast<std::uint16_t>(c.asn);
    open.hold_time = static_cast<std::uint16_t>(o_.hold_time);
    open.bgp_id = c.src;
    open.capabilities = {wire::MultiprotocolCap{wire::kIpv4Unicast},
                         wire::FourOctetAsCap{c.asn}};
    QueueControl(c, open);
    c.state = State::kOpenSent;
  }
  // Control bytes go first, but only between two whole UPDATEs.
  for (int round = 0; round < 64; ++round) {
    const bool between = c.upd_off == c.next_msg;
    std::span<const std::uint8_t> chunk;
    bool is_upd = false;
    if (c.ctl_off < c.ctl.size() && (between || !c.sending)) {
      chunk = std::span<const std::uint8_t>(c.ctl).subspan(c.ctl_off);
    } else if (c.sending && c.upd_off < c.upd.size()) {
      // With a control message waiting, write only up to the end of the current UPDATE.
      const std::size_t limit = c.ctl_off < c.ctl.size() ? c.next_msg - c.upd_off : o_.write_chunk;
      chunk = std::span<const std::uint8_t>(c.upd).subspan(
          c.upd_off, std::min(c.upd.size() - c.upd_off, limit));
      is_upd = true;
    } else {
      return;
    }
    const Clock::time_point before = is_upd && !started_ ? Clock::now() : now;
    const ssize_t n = ::send(c.fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      Fail(c, fmt::format("write: {}", std::strerror(errno)), now);
      return;
    }
    c.bytes_sent += static_cast<std::uint64_t>(n);
    c.last_write = now;
    if (!is_upd) {
      c.ctl_off += static_cast<std::size_t>(n);
    } else {
      if (!started_) {
        started_ = true;
        first_update_ = before;  // the loop's `now` is from before poll()
      }
      c.upd_off += static_cast<std::size_t>(n);
      // Walk the message starts past what was written (whole frames in our own buffer).
      while (c.next_msg < c.upd_off) {
        const std::size_t len = std::size_t{c.upd[c.next_msg + 16]} << 8 | c.upd[c.next_msg + 17];
        c.next_msg += len;
        ++c.msgs_sent;
      }
      if (c.upd_off == c.upd.size()) c.send_done = Clock::now();
    }
    if (static_cast<std::size_t>(n) < chunk.size()) return;  // the socket buffer is full
  }
}

void Blaster::OnReadable(Conn& c, Clock::time_point now) {
  for (int round = 0; round < 16 && c.fd >= 0; ++round) {
    if (c.in_start == c.in_end) {
      c.in_start = c.in_end = 0;
    } else if (c.in.size() - c.in_end < 8192) {
      std::memmove(c.in.data(), c.in.data() + c.in_start, c.in_end - c.in_start);
      c.in_end -= c.in_start;
      c.in_start = 0;
    }
    const ssize_t n = ::recv(c.fd, c.in.data() + c.in_end, c.in.size() - c.in_end, 0);
    if (n == 0) {
      Fail(c, fmt::format("the target closed the connection in state {}", StateName(c.state)),
           now);
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      Fail(c, fmt::format("read: {}", std::strerror(errno)), now);
      return;
    }
    c.in_end += static_cast<std::size_t>(n);
    c.bytes_recv += static_cast<std::uint64_t>(n);
    for (;;) {
      const auto avail = std::span<const std::uint8_t>(c.in).subspan(c.in_start, c.in_end - c.in_start);
      if (avail.size() < wire::kHeaderSize) break;
      auto len = wire::FrameLength(avail, c.ctx);
      if (!len) {
        Fail(c, fmt::format("bad message header: {}", wire::Describe(len.error())), now);
        return;
      }
      if (*len == 0) break;
      const auto frame = avail.first(*len);
      c.in_start += *len;
      ++c.msgs_recv;
      if (!HandleFrame(c, frame, now)) return;
    }
    if (static_cast<std::size_t>(n) < 8192) return;  // probably drained
  }
}

bool Blaster::HandleFrame(Conn& c, std::span<const std::uint8_t> frame, Clock::time_point now) {
  const auto type = static_cast<wire::MessageType>(frame[18]);
  if (type == wire::MessageType::kUpdate) {
    ++c.updates_recv;
    if (c.state != State::kEstablished) {
      Fail(c, "UPDATE before Established", now);
      return false;
    }
    if (!c.monitor) return true;  // the others' routes: only counted as bytes and messages
    auto r = wire::DecodeUpdate(frame.subspan(wire::kHeaderSize), c.ctx, mon_.update);
    if (!r) {
      Fail(c, fmt::format("bad UPDATE: {}", wire::Describe(r.error())), now);
      return false;
    }
    const wire::Update& u = mon_.update;
    if (u.EndOfRib()) {
      ++mon_.eor;
      return true;
    }
    for (const auto& p : u.withdrawn) mon_.Withdraw(p);
    if (u.attrs.mp_unreach) {
      for (const auto& p : u.attrs.mp_unreach->withdrawn) mon_.Withdraw(p);
    }
    const bool as_withdraw = u.action == wire::Action::kTreatAsWithdraw ||
                             u.action == wire::Action::kAfiSafiDisable;
    if (as_withdraw) ++mon_.treat_as_withdraw;
    for (const auto& p : u.nlri) as_withdraw ? mon_.Withdraw(p) : mon_.Announce(p);
    if (u.attrs.mp_reach) {
      for (const auto& p : u.attrs.mp_reach->nlri) as_withdraw ? mon_.Withdraw(p) : mon_.Announce(p);
    }
    return true;
  }
  auto m = wire::DecodeMessage(frame, c.ctx);
  if (!m) {
    Fail(c, fmt::format("bad message: {}", wire::Describe(m.error())), now);
    return false;
  }
  if (const auto* n = std::get_if<wire::Notification>(&*m)) {
    std::string text;
    if (n->HasShutdownCommunication()) {
      if (auto t = n->ShutdownText()) text = fmt::format(" \"{}\"", *t);
    }
    Fail(c, fmt::format("NOTIFICATION {}{}", wire::CodeText(n->code, n->subcode), text), now);
    return false;
  }
  if (const auto* open = std::get_if<wire::Open>(&*m)) {
    if (c.state != State::kOpenSent) {
      Fail(c, fmt::format("OPEN in state {}", StateName(c.state)), now);
      return false;
    }
    if (o_.target_as != 0 && open->Asn() != o_.target_as) {
      Fatal(fmt::format("{}: the target's OPEN says AS {}, expected {}", c.name, open->Asn(),
                        o_.target_as));
      return false;
    }
    if (!open->Find<wire::FourOctetAsCap>()) {
      Fatal(fmt::format("{}: the target does not support 4-octet AS numbers (RFC 6793), which "
                        "the blaster's encoding assumes",
                        c.name));
      return false;
    }
    const unsigned hold = std::min<unsigned>(open->hold_time, o_.hold_time);
    c.keepalive_s = hold / 3;
    QueueControl(c, wire::Keepalive{});
    c.state = State::kOpenConfirm;
    return true;
  }
  if (std::holds_alternative<wire::Keepalive>(*m)) {
    if (c.state == State::kOpenConfirm) {
      c.state = State::kEstablished;
      c.established_at = now;
      if (o_.progress) fmt::print(stderr, "blaster: {} established\n", c.name);
    }
    return true;
  }
  return true;  // ROUTE-REFRESH: never negotiated, ignored
}

json Blaster::Report(Clock::time_point now) const {
  std::uint64_t ms = 0, bs = 0, mr = 0, br = 0, est = 0;
  for (const auto& c : conns_) {
    ms += c.msgs_sent;
    bs += c.bytes_sent;
    mr += c.msgs_recv;
    br += c.bytes_recv;
    est += c.state == State::kEstablished ? 1 : 0;
  }
  json j;
  j["ok"] = error_.empty() && converged_flag_;
  if (!error_.empty()) j["error"] = error_;
  j["target"] = fmt::format("{}:{}", o_.target, o_.port);
  j["sessions"] = o_.sessions;
  j["prefixes_per_session"] = o_.prefixes;
  j["expected_prefixes"] = mon_.expected;
  j["prefixes_prepared"] = prefixes_encoded_;
  j["established_sessions"] = est;
  j["established_s"] = established_ ? json(Seconds(all_established_ - start_)) : json(nullptr);
  j["send_s"] = sent_flag_ ? json(Seconds(all_sent_ - first_update_)) : json(nullptr);
  j["convergence_s"] = converged_flag_ ? json(Seconds(converged_ - first_update_)) : json(nullptr);
  j["elapsed_since_first_update_s"] = started_ ? json(Seconds(now - first_update_)) : json(nullptr);
  j["monitor"] = {{"prefixes_held", mon_.held},       {"nlri_received", mon_.nlri},
                  {"withdrawn_received", mon_.withdrawn}, {"duplicates", mon_.duplicates},
                  {"unexpected", mon_.unexpected},     {"treat_as_withdraw", mon_.treat_as_withdraw},
                  {"end_of_rib", mon_.eor},           {"updates_received", conns_.back().updates_recv}};
  j["messages_sent"] = ms;
  j["bytes_sent"] = bs;
  j["messages_received"] = mr;
  j["bytes_received"] = br;
  json per = json::array();
  for (const auto& c : conns_) {
    json p = {{"name", c.name},          {"source", V4String(c.src)},   {"asn", c.asn},
              {"state", StateName(c.state)}, {"messages_sent", c.msgs_sent}, {"bytes_sent", c.bytes_sent},
              {"messages_received", c.msgs_recv}, {"bytes_received", c.bytes_recv},
              {"updates_received", c.updates_recv}, {"connect_attempts", c.attempts}};
    if (!c.monitor) p["update_messages_prepared"] = c.update_msgs_total;
    if (c.established_at != Clock::time_point{}) p["established_s"] = Seconds(c.established_at - start_);
    if (!c.last_error.empty()) p["last_error"] = c.last_error;
    per.push_back(p);
  }
  j["per_session"] = per;
  return j;
}

int Blaster::Run() {
  std::string err;
  if (!Setup(err)) {
    fmt::print(stderr, "bgpdemo_blaster: {}\n", err);
    return 2;
  }
  start_ = Clock::now();
  for (auto& c : conns_) c.retry_at = start_;
  Clock::time_point last_progress = start_;
  std::vector<pollfd> pfds;
  std::vector<Conn*> owners;
  while (error_.empty() && !converged_flag_) {
    if (g_signal) {
      Fatal(fmt::format("interrupted by signal {}", static_cast<int>(g_signal)));
      break;
    }
    auto now = Clock::now();
    // Deadlines.
    if (!established_ && now - start_ > std::chrono::duration<double>(o_.establish_timeout)) {
      std::string down;
      for (const auto& c : conns_) {
        if (c.state != State::kEstablished) {
          down += fmt::format("{}{} ({}{}{})", down.empty() ? "" : ", ", c.name, StateName(c.state),
                              c.last_error.empty() ? "" : ": ", c.last_error);
          if (down.size() > 600) {
            down += ", ...";
            break;
          }
        }
      }
      Fatal(fmt::format("timeout: not every session was Established after {} s: {}",
                        o_.establish_timeout, down));
      break;
    }
    if (started_ && now - first_update_ > std::chrono::duration<double>(o_.timeout)) {
      Fatal(fmt::format("timeout: the monitor holds {} of {} prefixes {} s after the first UPDATE",
                        mon_.held, mon_.expected, o_.timeout));
      break;
    }
    // Connect, and start announcing once every session is up.
    std::size_t up = 0;
    for (auto& c : conns_) {
      if (c.state == State::kIdle && now >= c.retry_at && !established_) StartConnect(c, now);
      if (c.state == State::kEstablished) ++up;
    }
    if (!error_.empty()) break;
    if (!established_ && up == conns_.size()) {
      established_ = true;
      all_established_ = now;
      for (auto& c : conns_) c.sending = !c.monitor;
      if (o_.progress) {
        fmt::print(stderr, "blaster: all {} sessions established in {:.2f} s; announcing\n",
                   conns_.size(), Seconds(now - start_));
      }
    }
    if (established_ && !sent_flag_) {
      bool all = true;
      Clock::time_point last{};
      for (const auto& c : conns_) {
        if (c.monitor) continue;
        if (c.upd_off < c.upd.size()) all = false;
        last = std::max(last, c.send_done);
      }
      if (all) {
        sent_flag_ = true;
        all_sent_ = conns_.size() > 1 ? last : now;
      }
    }
    if (o_.progress && now - last_progress >= std::chrono::seconds(1)) {
      last_progress = now;
      std::uint64_t sent = 0, total = 0;
      for (const auto& c : conns_) {
        sent += c.upd_off;
        total += c.upd.size();
      }
      fmt::print(stderr, "blaster: {:.1f} s: sent {}/{} bytes; monitor holds {}/{}\n",
                 Seconds(now - start_), sent, total, mon_.held, mon_.expected);
    }
    for (auto& c : conns_) MaybeKeepalive(c, now);

    pfds.clear();
    owners.clear();
    for (auto& c : conns_) {
      if (c.fd < 0) continue;
      short ev = c.state == State::kConnecting ? 0 : POLLIN;
      if (WantsWrite(c)) ev |= POLLOUT;
      pfds.push_back({c.fd, ev, 0});
      owners.push_back(&c);
    }
    const int rc = ::poll(pfds.data(), pfds.size(), 100);
    if (rc < 0) {
      if (errno == EINTR) continue;
      Fatal(fmt::format("poll: {}", std::strerror(errno)));
      break;
    }
    now = Clock::now();
    for (std::size_t i = 0; i < pfds.size(); ++i) {
      Conn& c = *owners[i];
      const short re = pfds[i].revents;
      if (re == 0 || c.fd != pfds[i].fd) continue;
      if (re & (POLLIN | POLLHUP | POLLERR)) {
        if (c.state == State::kConnecting) {
          OnWritable(c, now);  // SO_ERROR says why
        } else {
          OnReadable(c, now);
        }
      }
      if (c.fd >= 0 && (re & POLLOUT)) OnWritable(c, now);
    }
    if (started_ && !converged_flag_ && mon_.held == mon_.expected) {
      converged_flag_ = true;
      converged_ = now;
    }
    if (!started_ && established_ && mon_.expected == 0) {
      converged_flag_ = true;  // nothing to announce
    }
  }
  const auto now = Clock::now();
  if (converged_flag_ && !sent_flag_) {
    // The monitor can hold everything before the last End-of-RIB left; say so in the report.
    Clock::time_point last{};
    for (const auto& c : conns_) last = std::max(last, c.send_done);
    all_sent_ = last;
    sent_flag_ = last != Clock::time_point{};
  }
  const json report = Report(now);
  fmt::print("{}\n", report.dump(o_.compact ? -1 : 2));
  std::fflush(stdout);
  if (!error_.empty()) {
    Goodbye();
    fmt::print(stderr, "bgpdemo_blaster: {}\n", error_);
    return 1;
  }
  if (o_.progress) {
    fmt::print(stderr, "blaster: converged: {} prefixes in {:.3f} s after the first UPDATE\n",
               mon_.expected, Seconds(converged_ - first_update_));
  }
  if (o_.linger > 0) Linger();
  Goodbye();
  return 0;
}

// Keeps every session up (reading, answering with KEEPALIVEs) after the report, so that a
// test can look at the target while it still holds the routes; ends on SIGTERM/SIGINT, when
// --linger runs out, or when a session goes down.
void Blaster::Linger() {
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(o_.linger));
  std::vector<pollfd> pfds;
  std::vector<Conn*> owners;
  while (!g_signal && error_.empty() && Clock::now() < until) {
    auto now = Clock::now();
    for (auto& c : conns_) MaybeKeepalive(c, now);
    pfds.clear();
    owners.clear();
    for (auto& c : conns_) {
      if (c.fd < 0) continue;
      pfds.push_back({c.fd, static_cast<short>(POLLIN | (WantsWrite(c) ? POLLOUT : 0)), 0});
      owners.push_back(&c);
    }
    if (::poll(pfds.data(), pfds.size(), 200) < 0 && errno != EINTR) break;
    now = Clock::now();
    for (std::size_t i = 0; i < pfds.size(); ++i) {
      Conn& c = *owners[i];
      if (c.fd != pfds[i].fd) continue;
      if (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) OnReadable(c, now);
      if (c.fd >= 0 && (pfds[i].revents & POLLOUT)) OnWritable(c, now);
    }
  }
  if (!error_.empty()) fmt::print(stderr, "bgpdemo_blaster: while lingering: {}\n", error_);
}

// Says goodbye politely so that the target logs a Cease, not a dropped connection.
void Blaster::Goodbye() {
  for (auto& c : conns_) {
    if (c.fd >= 0 && c.state == State::kEstablished && c.upd_off == c.next_msg) {
      auto bye = wire::EncodeMessage(
          wire::Notification::Shutdown(wire::CeaseSubcode::kAdministrativeShutdown,
                                       "bgpdemo_blaster done"),
          c.ctx);
      if (bye) (void)!::send(c.fd, bye->data(), bye->size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    Close(c);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "bgpdemo_blaster: N BGP sessions announce M unique IPv4 /24s each to a route server; a "
      "monitor session measures the time until it holds all N x M. Prints JSON on stdout; exit "
      "0 converged, 1 timeout or session error, 2 bad options."};
  app.add_option("--target", o.target, "The route server's IPv4 address")->required();
  app.add_option("--port", o.port, "Its TCP port")->capture_default_str();
  app.add_option("--source-base", o.source_base,
                 "First source address; session i binds to base + i (with --sessions)");
  app.add_option("--sources", o.sources, "Source addresses, one per session (comma-separated)")
      ->delimiter(',');
  app.add_option("--sessions,-n", o.sessions, "Announcing sessions (N)");
  app.add_option("--prefixes,-m", o.prefixes, "Unique /24s announced per session (M)")
      ->capture_default_str();
  app.add_option("--monitor-source", o.monitor_source,
                 "The monitor's source address (default: source-base + N)");
  app.add_option("--as-base", o.as_base, "AS of session 0")->capture_default_str();
  app.add_option("--as-step", o.as_step, "Session i has AS as-base + i * as-step (0: all the same)")
      ->capture_default_str();
  app.add_option("--monitor-as", o.monitor_as, "The monitor's AS")->capture_default_str();
  app.add_option("--target-as", o.target_as, "Check the target's AS in its OPEN (0: any)")
      ->capture_default_str();
  app.add_option("--prefix-base", o.prefix_base, "The first /24 announced")->capture_default_str();
  app.add_option("--attr-sets", o.attr_sets, "Attribute sets per session (MED and community vary)")
      ->capture_default_str();
  app.add_option("--hold-time", o.hold_time, "Hold time offered in OPEN (0 or >= 3)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--timeout", o.timeout, "Seconds from the first UPDATE to give up")
      ->capture_default_str();
  app.add_option("--establish-timeout", o.establish_timeout,
                 "Seconds for every session to reach Established")
      ->capture_default_str();
  app.add_option("--write-chunk", o.write_chunk, "Bytes per write(2) of UPDATEs")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{64} << 20))
      ->capture_default_str();
  app.add_flag("--progress,-v", o.progress, "Progress lines on stderr");
  app.add_option("--linger", o.linger,
                 "After converging and printing the report, keep the sessions up this many "
                 "seconds (or until SIGTERM/SIGINT), e.g. for the target to be inspected")
      ->capture_default_str();
  app.add_flag("--compact", o.compact, "Print the report as one line of JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.hold_time == 1 || o.hold_time == 2) {
    fmt::print(stderr, "bgpdemo_blaster: --hold-time must be 0 or at least 3 (RFC 4271 §4.2)\n");
    return 2;
  }
  if (!ParseV4(o.target)) {
    fmt::print(stderr, "bgpdemo_blaster: --target: \"{}\" is not an IPv4 address\n", o.target);
    return 2;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  Blaster b(o);
  return b.Run();
}
