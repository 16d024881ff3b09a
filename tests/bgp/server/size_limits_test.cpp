// Attributes at their size limits through the route server, end to end (issue #16): a raw
// peer A sends UPDATEs with generated AS_PATHs of hundreds of ASNs in several segments,
// hundreds of communities and large communities and an unknown optional transitive
// attribute, sized around the 4096-byte message limit; a raw peer B records what the
// router sends on. The oracle is the RFCs:
//   - what does not fit 4096 bytes cannot be sent without extended messages (RFC 8654):
//     the sender's encoder refuses it;
//   - with extended messages offered by the router, A and B (not by a third peer C), the
//     same up to 65,535 bytes: B gets what fits that, C only what fits 4,096, and loses a
//     version it had when the new one does not (RFC 8654 §4);
//   - route-server mode (RFC 7947 §2.2) passes every attribute on unchanged, except that
//     an unrecognized optional transitive attribute gets its Partial bit (RFC 4271 §5);
//   - router mode prepends the router's AS in the leading AS_SEQUENCE, or in a new one when
//     that holds 255 ASNs already (RFC 4271 §5.1.2), sets NEXT_HOP to itself and drops MED
//     (§5.1.4); a route whose attributes then no longer fit one message is not sent, and a
//     version B had before is withdrawn (RFC 4271 §9.2). "Fit" is with any prefix of the
//     family, a /32 here: the router decides per attribute set, not per prefix.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "bgp/server/server.h"
#include "bgp/wire/message.h"
#include "tests/bgp/server/loopback.h"

namespace bgpdemo::test {
namespace {

using namespace bgp;
namespace asio = boost::asio;

// A BGP peer written by hand on a blocking socket, in a thread of its own: OPEN, KEEPALIVE,
// then the UPDATEs it is given; it records the routes the router sends (no KEEPALIVEs:
// the hold time offered is 240 s, longer than any test).
class RawPeer {
 public:
  RawPeer(const char* src, std::uint16_t port, std::uint32_t asn, bool extended = false)
      : extended_(extended) {
    ctx_.peer_type = wire::PeerType::kExternal;
    ctx_.loopback_next_hops = true;
    ctx_.route_refresh = false;
    thread_ = std::thread([this, src = std::string(src), port, asn] { Run(src, port, asn); });
  }
  ~RawPeer() {
    stop_ = true;
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;

  bool established() const { return established_; }
  const wire::Context& ctx() const { return ctx_; }
  bool Send(const std::vector<std::uint8_t>& bytes) const {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Send from the thread that runs the router's io: never blocks on a full socket buffer
  // (the router, which would drain it, runs on this thread), running io meanwhile instead.
  bool Send(const std::vector<std::uint8_t>& bytes, asio::io_context& io) const {
    std::size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n =
          ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        off += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        io.run_for(std::chrono::milliseconds(1));
      } else {
        return false;
      }
    }
    return true;
  }
  // What B holds for prefix: the attributes of its last announcement, or nullopt.
  std::optional<wire::PathAttributes> Route(const wire::Prefix& p) {
    const std::lock_guard lock(mu_);
    auto it = routes_.find(p);
    if (it == routes_.end()) return std::nullopt;
    return it->second;
  }
  std::size_t withdrawals() {
    const std::lock_guard lock(mu_);
    return withdrawals_;
  }

 private:
  void Run(const std::string& src, std::uint16_t port, std::uint32_t asn) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in local{AF_INET, 0, {}, {}};
    ::inet_pton(AF_INET, src.c_str(), &local.sin_addr);
    sockaddr_in remote{AF_INET, htons(port), {}, {}};
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
      return;
    }
    wire::Open open;
    open.my_as = static_cast<std::uint16_t>(asn);
    open.hold_time = 240;
    open.bgp_id = ntohl(local.sin_addr.s_addr);
    open.capabilities = {wire::MultiprotocolCap{wire::kIpv4Unicast}, wire::FourOctetAsCap{asn}};
    if (extended_) open.capabilities.push_back(wire::ExtendedMessageCap{});
    if (!Send(*wire::EncodeMessage(open, ctx_))) return;
    std::vector<std::uint8_t> in;
    std::uint8_t buf[65536];
    while (!stop_) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return;
      in.insert(in.end(), buf, buf + n);
      for (;;) {
        auto len = wire::FrameLength(in, ctx_);
        if (!len || *len == 0) break;
        Handle(std::span<const std::uint8_t>(in).first(*len));
        in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(*len));
      }
    }
  }
  void Handle(std::span<const std::uint8_t> frame) {
    auto m = wire::DecodeMessage(frame, ctx_);
    if (!m) return;
    if (const auto* open = std::get_if<wire::Open>(&*m)) {
      // Negotiated when both offer it (RFC 8654 §3); set before established_ publishes it.
      ctx_.extended_message = extended_ && open->Find<wire::ExtendedMessageCap>();
      (void)Send(*wire::EncodeMessage(wire::Keepalive{}, ctx_));
    } else if (std::holds_alternative<wire::Keepalive>(*m)) {
      established_ = true;
    } else if (const auto* u = std::get_if<wire::Update>(&*m)) {
      const std::lock_guard lock(mu_);
      for (const auto& p : u->withdrawn) withdrawals_ += routes_.erase(p);
      for (const auto& p : u->nlri) routes_[p] = u->attrs;
    }
  }

  const bool extended_;
  wire::Context ctx_;
  int fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_ = false, established_ = false;
  std::mutex mu_;
  std::map<wire::Prefix, wire::PathAttributes> routes_;
  std::size_t withdrawals_ = 0;
};

constexpr std::uint32_t kA = 65100, kB = 65200, kC = 65300, kRouterAs = 65000;

// ASNs that are none of the three speakers', 2- and 4-octet.
std::uint32_t RandomAsn(std::mt19937& rng) {
  const std::uint32_t asn = rng() % 2 ? 1 + rng() % 64000 : 131072 + rng() % 1000000;
  return asn == kA || asn == kB || asn == kC || asn == kRouterAs ? asn + 1 : asn;
}

// Attributes around the size limit: `budget` steers the total size.
wire::PathAttributes Generate(std::mt19937& rng, std::size_t budget, bool med) {
  wire::PathAttributes a;
  a.origin = wire::Origin::kIgp;
  a.next_hop = Addr("127.0.0.2");
  if (med) a.med = rng() % 1000;
  wire::AsPath path;
  const std::size_t segments = 1 + rng() % 4;
  for (std::size_t s = 0; s < segments; ++s) {
    wire::AsSegment seg;
    seg.type = s == 0 || rng() % 3 ? wire::AsSegmentType::kSequence : wire::AsSegmentType::kSet;
    const std::size_t n = s == 0 && rng() % 4 == 0 ? 255 : 1 + rng() % 255;  // full ones too
    if (s == 0) seg.asns.push_back(kA);
    while (seg.asns.size() < n) seg.asns.push_back(RandomAsn(rng));
    path.segments.push_back(std::move(seg));
  }
  a.as_path = std::move(path);
  std::size_t used = a.as_path->AsnCount() * 4 + segments * 2;
  const std::size_t left = budget > used ? budget - used : 0;
  // The rest shared at random by communities (4 bytes), large ones (12) and an unknown
  // optional transitive attribute.
  const std::size_t c = left * (rng() % 100) / 100;
  const std::size_t l = (left - c) * (rng() % 100) / 100;
  for (std::size_t i = 0; i < c / 4; ++i) a.communities.push_back(0x00010000 + rng() % 0xfffd0000);
  for (std::size_t i = 0; i < l / 12; ++i) {
    a.large_communities.push_back(
        {RandomAsn(rng), static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng())});
  }
  const std::size_t u = left - c - l;
  wire::RawAttribute unknown;
  unknown.type = static_cast<std::uint8_t>(200 + rng() % 40);
  unknown.flags = wire::attr_flag::kOptional | wire::attr_flag::kTransitive;
  unknown.value.resize(u);
  for (auto& b : unknown.value) b = static_cast<std::uint8_t>(rng());
  a.unknown.push_back(std::move(unknown));
  return a;
}

std::optional<std::vector<std::uint8_t>> Encoded(const wire::PathAttributes& a, wire::Prefix p,
                                                 const wire::Context& ctx) {
  wire::Update u;
  u.attrs = a;
  u.nlri = {p};
  auto bytes = wire::EncodeMessage(u, ctx);
  if (!bytes) return std::nullopt;
  return std::move(*bytes);
}

// Pads or trims the unknown attribute so that the UPDATE is `size` bytes (a few tries: its
// length field may change size on the way). Attributes past 65,535 bytes are measured
// without the unknown attribute's value; when the rest alone is too large they are left as
// they are, for the sender's encoder to refuse.
void FitTo(wire::PathAttributes& a, wire::Prefix p, const wire::Context& ctx, std::size_t size) {
  auto& value = a.unknown.back().value;
  for (int i = 0; i < 4; ++i) {
    wire::Context big = ctx;
    big.extended_message = true;
    const auto encoded = Encoded(a, p, big);
    if (!encoded) {
      if (value.empty()) return;
      value.clear();
      continue;
    }
    const auto now = static_cast<std::ptrdiff_t>(encoded->size());
    const auto target =
        static_cast<std::ptrdiff_t>(value.size()) + static_cast<std::ptrdiff_t>(size) - now;
    if (target == static_cast<std::ptrdiff_t>(value.size())) return;
    value.resize(static_cast<std::size_t>(std::max<std::ptrdiff_t>(target, 0)), 0x5a);
  }
}

// What the router must send on for A's attributes `a` (RFC 4271 §5.1, RFC 7947 §2.2).
wire::PathAttributes ExpectedSent(wire::PathAttributes a, policy::Mode mode) {
  for (auto& u : a.unknown) u.flags |= wire::attr_flag::kPartial;
  a.wire_order.clear();
  if (mode == policy::Mode::kRouter) {
    auto& segs = a.as_path->segments;
    if (segs.front().type == wire::AsSegmentType::kSequence && segs.front().asns.size() < 255) {
      segs.front().asns.insert(segs.front().asns.begin(), kRouterAs);
    } else {
      segs.insert(segs.begin(), wire::AsSegment{wire::AsSegmentType::kSequence, {kRouterAs}});
    }
    a.next_hop = Addr("127.0.0.1");
    a.med.reset();
  }
  return a;
}

// The first attribute in which got differs from want, or "" when none does.
std::string Difference(const wire::PathAttributes& got, const wire::PathAttributes& want) {
  if (got.origin != want.origin) return "ORIGIN";
  if (got.as_path != want.as_path) {
    const auto shape = [](const std::optional<wire::AsPath>& p) {
      std::string out;
      for (const auto& s : p ? p->segments : std::vector<wire::AsSegment>{}) {
        out += fmt::format("{}{}{}:{} ", s.type == wire::AsSegmentType::kSet ? "set" : "seq",
                           s.asns.size(), s.asns.empty() ? "" : " from",
                           s.asns.empty() ? 0 : s.asns[0]);
      }
      return out;
    };
    return "AS_PATH segments [" + shape(got.as_path) + "] instead of [" + shape(want.as_path) + "]";
  }
  if (got.next_hop != want.next_hop) return "NEXT_HOP";
  if (got.med != want.med) return "MED";
  if (got.communities != want.communities) {
    return fmt::format("COMMUNITIES ({} instead of {})", got.communities.size(),
                       want.communities.size());
  }
  if (got.large_communities != want.large_communities) return "LARGE_COMMUNITIES";
  // Extended Length is the encoder's choice (RFC 4271 §4.3 allows it on any attribute).
  auto unknown = got.unknown;
  for (auto& u : unknown) u.flags &= static_cast<std::uint8_t>(~wire::attr_flag::kExtendedLength);
  if (unknown != want.unknown) {
    return fmt::format("the unknown attribute ({} instead of {}; flags {:#x} instead of {:#x})",
                       got.unknown.size(), want.unknown.size(),
                       got.unknown.empty() ? 0 : got.unknown[0].flags,
                       want.unknown.empty() ? 0 : want.unknown[0].flags);
  }
  return "";
}
bool SameRoute(const wire::PathAttributes& got, const wire::PathAttributes& want) {
  return Difference(got, want).empty();
}

// One receiving peer's view: what it must hold for each prefix, checked against what it got.
struct Receiver {
  const char* name;
  RawPeer& peer;
  std::size_t not_sent = 0;  // routes too large for it once changed: withdrawn
};

struct Want {
  wire::Prefix prefix;
  std::optional<wire::PathAttributes> at[2];  // at B and at C; nullopt: must not hold it
};

// The first prefix a receiver holds wrongly, described; "" when it holds all as it should.
std::string Mismatch(const std::vector<Want>& wants, Receiver& r, std::size_t k,
                     server::Server& router) {
  for (const auto& w : wants) {
    auto got = r.peer.Route(w.prefix);
    const auto& want = w.at[k];
    if (want ? got && SameRoute(*got, *want) : !got) continue;
    const std::string why = !want ? "holds a route that cannot be sent to it"
                            : got ? "holds other attributes: " + Difference(*got, *want)
                                  : "lacks it";
    return fmt::format("{}: {} {}; the router's best: {}", w.prefix.ToString(), r.name, why,
                       BestAsPath(router, w.prefix.ToString().c_str()).value_or("none"));
  }
  return "";
}

// `routes` prefixes from A, first small, then generated near the limit. With `extended`, the
// router, A and B offer extended messages and a third peer C does not.
void RunCase(policy::Mode mode, std::uint32_t seed, int routes, bool extended) {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  auto cfg = RouterCfg(port);
  cfg.mode = mode;
  cfg.offer_extended_message = extended;
  auto third = cfg.neighbors.back();  // C: as B, from 127.0.0.4
  third.name = "127.0.0.4/32";
  third.range = wire::Prefix::Parse(third.name);
  third.peer_as = kC;
  cfg.neighbors.push_back(third);
  server::Server router(io, cfg, log);
  REQUIRE(router.Start());
  RawPeer a("127.0.0.2", port, kA, extended), b("127.0.0.3", port, kB, extended);
  std::optional<RawPeer> c;
  if (extended) c.emplace("127.0.0.4", port, kC, false);
  REQUIRE(
      RunUntil(io, [&] { return a.established() && b.established() && (!c || c->established()); }));
  REQUIRE(a.ctx().extended_message == extended);
  REQUIRE(b.ctx().extended_message == extended);
  if (c) REQUIRE_FALSE(c->ctx().extended_message);
  std::vector<Receiver> receivers{{"B", b}};
  if (c) receivers.push_back({"C", *c});
  const std::size_t limit = a.ctx().MaxMessageSize();

  std::mt19937 rng(seed);
  std::vector<Want> wants;
  std::size_t refused_by_sender = 0, beyond_4096 = 0;
  // A small first version of every prefix: a receiver must lose it where the big one
  // cannot follow.
  for (int i = 0; i < routes; ++i) {
    const auto p = wire::Prefix::V4(0x0a000000u + (static_cast<std::uint32_t>(i) << 8), 24);
    wire::PathAttributes small;
    small.origin = wire::Origin::kIgp;
    small.as_path = wire::AsPath::Sequence({kA});
    small.next_hop = Addr("127.0.0.2");
    REQUIRE(a.Send(*Encoded(small, p, a.ctx()), io));
    wants.push_back({p, {ExpectedSent(small, mode), ExpectedSent(small, mode)}});
  }
  REQUIRE(RunUntil(io, [&] {
    return std::all_of(wants.begin(), wants.end(), [&](const Want& w) {
      return std::all_of(receivers.begin(), receivers.end(),
                         [&](Receiver& r) { return r.peer.Route(w.prefix).has_value(); });
    });
  }));
  for (auto& w : wants) {
    // Budgets from well under to past the limit: attributes of 3,000 to 4,150 bytes, or
    // with extended messages 3,000 to 66,000 (thousands of communities) and one in ten past
    // 65,535. One rng() call a statement: the order of a call's arguments is the compiler's
    // (g++ and clang differ), and the cases must be the same in both builds.
    // Edge 0: fitted to within 8 bytes of 4,096; 1 (extended only): of 65,535; 2: as drawn.
    const auto edge = rng() % 3;
    std::size_t budget = 0;
    if (!extended || edge == 0) {
      budget = 3000 + rng() % 1150;
    } else {
      budget = rng() % 10 == 0 ? 66000 + rng() % 2000 : 3000 + rng() % 63000;
    }
    const bool med = rng() % 2;
    auto attrs = Generate(rng, budget, med);
    if (edge == 0) FitTo(attrs, w.prefix, a.ctx(), 4096 - rng() % 8);
    if (edge == 1 && extended) FitTo(attrs, w.prefix, a.ctx(), 65535 - rng() % 8);
    auto bytes = Encoded(attrs, w.prefix, a.ctx());
    if (!bytes) {
      ++refused_by_sender;  // over the limit: the encoder refuses it
      continue;
    }
    REQUIRE(a.Send(*bytes, io));
    if (bytes->size() > 4096) ++beyond_4096;
    // The router sends a route on when its attributes fit one message with any prefix of
    // its family (bgp/rib/export_group.cpp, Fits): with a /32.
    auto longest = w.prefix;
    longest.length = 32;
    for (std::size_t k = 0; k < receivers.size(); ++k) {
      w.at[k] = ExpectedSent(attrs, mode);
      if (!Encoded(*w.at[k], longest, receivers[k].peer.ctx())) {
        w.at[k].reset();  // too large once changed for it: never sent, the old one withdrawn
        ++receivers[k].not_sent;
      }
    }
  }
  const auto converged = [&] {
    return std::all_of(wants.begin(), wants.end(), [&](const Want& w) {
      for (std::size_t k = 0; k < receivers.size(); ++k) {
        auto got = receivers[k].peer.Route(w.prefix);
        if (w.at[k] ? !got || !SameRoute(*got, *w.at[k]) : got.has_value()) return false;
      }
      return true;
    });
  };
  const bool ok = RunUntil(io, converged, std::chrono::seconds(20));
  for (std::size_t k = 0; k < receivers.size() && !ok; ++k) {
    const auto why = Mismatch(wants, receivers[k], k, router);
    if (!why.empty()) FAIL_CHECK(why);
  }
  CHECK(ok);
  MESSAGE(policy::ToString(mode), std::string(extended ? " with extended messages" : ""), ": ",
          routes, " routes, ", refused_by_sender, " over ", limit, " bytes at the sender, ",
          beyond_4096, " beyond 4096 sent, ", receivers[0].not_sent,
          " too large once changed for B",
          c ? fmt::format(", {} for C", receivers[1].not_sent) : "");
  CHECK(refused_by_sender > 0);  // the generator reaches past the limit
  if (mode == policy::Mode::kRouter) CHECK(receivers[0].not_sent > 0);
  for (auto& r : receivers) CHECK(r.peer.withdrawals() == r.not_sent);
  if (extended) {
    CHECK(beyond_4096 > 0);
    // C lost every route beyond 4,096 bytes; B holds them.
    CHECK(receivers[1].not_sent >= beyond_4096);
    CHECK(receivers[1].not_sent > receivers[0].not_sent);
  }
  router.Shutdown("done");
  io.run_for(std::chrono::milliseconds(50));
}

TEST_CASE("size limits: a route server passes attributes near 4096 bytes on unchanged") {
  RunCase(policy::Mode::kRouteServer, 7, 120, false);
}

TEST_CASE(
    "size limits: router mode prepends, in a new segment after 255, and never sends "
    "what no longer fits") {
  RunCase(policy::Mode::kRouter, 11, 120, false);
}

TEST_CASE(
    "size limits: with extended messages a route server passes up to 65535 bytes, only to "
    "the peers that negotiated them") {
  RunCase(policy::Mode::kRouteServer, 13, 120, true);
}

TEST_CASE("size limits: router mode with extended messages, and a peer without them") {
  RunCase(policy::Mode::kRouter, 17, 120, true);
}

}  // namespace
}  // namespace bgpdemo::test
