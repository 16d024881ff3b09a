// Property tests of the wire codec, with a logged seed (docs/style.md, Tests):
//
//   - decode(encode(x)) == x for random valid OPEN, UPDATE, NOTIFICATION, ROUTE-REFRESH and
//     KEEPALIVE messages over random contexts (CompareUpdate says exactly what an UPDATE
//     comparison covers);
//   - random mutation of valid encoded messages (bit flips, byte overwrites, insertions,
//     deletions, truncation, with and without a header length that matches) never crashes
//     and gives a value or an Error with an action (the checks of tests/fuzz/targets.h,
//     which also re-encode what decodes cleanly);
//   - UpdatePacker's messages frame, decode cleanly and carry exactly the prefixes given.
//
// The seed comes from the environment variable BGPDEMO_SEED when set, else from
// std::random_device; every test prints it. To replay a failure:
//   BGPDEMO_SEED=<seed> build/tests/bgpdemo_tests -tc='property: *'
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bgp/wire/message.h"
#include "bgp/wire/update_packer.h"
#include "core/hex.h"
#include "tests/fuzz/targets.h"

using namespace bgpdemo::bgp::wire;
namespace fuzz = bgpdemo::fuzz;
using bgpdemo::core::ToHex;

namespace {

constexpr int kIterations = 2000;

std::uint64_t Seed() {
  static const std::uint64_t seed = [] {
    if (const char* s = std::getenv("BGPDEMO_SEED"); s != nullptr && *s != '\0') {
      return static_cast<std::uint64_t>(std::strtoull(s, nullptr, 10));
    }
    std::random_device rd;
    return static_cast<std::uint64_t>(rd()) << 32 | rd();
  }();
  return seed;
}

std::uint64_t LoggedSeed() {
  const std::uint64_t seed = Seed();
  MESSAGE("property seed: " << seed << " (rerun with BGPDEMO_SEED=" << seed << ")");
  return seed;
}

// Random values from one seeded engine. Plain modulo, not <random>'s distributions, so that a
// seed replays the same values whatever the standard library.
class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t Below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  std::uint64_t Range(std::uint64_t lo, std::uint64_t hi) { return lo + Below(hi - lo + 1); }
  bool Chance(unsigned percent) { return Below(100) < percent; }
  std::uint8_t U8() { return static_cast<std::uint8_t>(rng_()); }
  std::uint16_t U16() { return static_cast<std::uint16_t>(rng_()); }
  std::uint32_t U32() { return static_cast<std::uint32_t>(rng_()); }
  std::vector<std::uint8_t> Bytes(std::size_t n) {
    std::vector<std::uint8_t> b(n);
    for (auto& x : b) x = U8();
    return b;
  }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }

 private:
  std::mt19937_64 rng_;
};

std::string Describe(const Context& ctx) {
  return "four_octet_as=" + std::to_string(ctx.four_octet_as) +
         " extended_message=" + std::to_string(ctx.extended_message) +
         " add_path_ipv4=" + std::to_string(ctx.add_path_ipv4) +
         " add_path_ipv6=" + std::to_string(ctx.add_path_ipv6) +
         " peer_type=" + std::to_string(static_cast<int>(ctx.peer_type));
}

Context RandomContext(Gen& g) {
  Context ctx;
  ctx.four_octet_as = g.Chance(50);
  ctx.extended_message = g.Chance(20);
  ctx.add_path_ipv4 = g.Chance(30);
  ctx.add_path_ipv6 = g.Chance(30);
  ctx.peer_type = g.Pick(std::vector{PeerType::kUnknown, PeerType::kInternal, PeerType::kExternal});
  return ctx;
}

// Valid UTF-8 of at most max_bytes bytes, mixing 1- to 4-byte characters.
std::string Utf8(Gen& g, std::size_t max_bytes) {
  std::string s;
  while (true) {
    std::uint32_t cp = 0;
    switch (g.Below(4)) {
      case 0:
        cp = static_cast<std::uint32_t>(g.Range(0x20, 0x7e));
        break;
      case 1:
        cp = static_cast<std::uint32_t>(g.Range(0x80, 0x7ff));
        break;
      case 2:
        cp = static_cast<std::uint32_t>(g.Range(0x800, 0xfffd));
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x2713;  // no surrogates
        break;
      default:
        cp = static_cast<std::uint32_t>(g.Range(0x10000, 0x10ffff));
        break;
    }
    std::string c;
    if (cp < 0x80) {
      c += static_cast<char>(cp);
    } else if (cp < 0x800) {
      c += static_cast<char>(0xc0 | cp >> 6);
      c += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      c += static_cast<char>(0xe0 | cp >> 12);
      c += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      c += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      c += static_cast<char>(0xf0 | cp >> 18);
      c += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
      c += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      c += static_cast<char>(0x80 | (cp & 0x3f));
    }
    if (s.size() + c.size() > max_bytes) return s;
    s += c;
  }
}

std::string Printable(Gen& g, std::size_t max_len) {
  std::string s(g.Below(max_len + 1), ' ');
  for (auto& c : s) c = static_cast<char>(g.Range(0x21, 0x7e));
  return s;
}

// ---- UPDATE -------------------------------------------------------------------------------

Prefix RandomPrefix(Gen& g, Afi afi, bool add_path) {
  Prefix p;
  p.afi = afi;
  p.length = static_cast<std::uint8_t>(g.Range(0, p.MaxLength()));
  for (std::size_t i = 0; i < p.WireBytes(); ++i) p.addr[i] = g.U8();
  if (p.length % 8 != 0)
    p.addr[p.WireBytes() - 1] &= static_cast<std::uint8_t>(0xff00u >> (p.length % 8));
  p.path_id = add_path ? g.U32() : 0;
  return p;
}

std::vector<Prefix> RandomPrefixes(Gen& g, Afi afi, bool add_path, std::size_t lo, std::size_t hi) {
  std::vector<Prefix> v(g.Range(lo, hi));
  for (auto& p : v) p = RandomPrefix(g, afi, add_path);
  return v;
}

std::uint32_t RandomAsn(Gen& g, bool wide) {
  if (wide && g.Chance(40)) return static_cast<std::uint32_t>(g.Range(65536, 0xffffffff));
  return static_cast<std::uint32_t>(g.Range(1, 65535));
}

// Leading confederation segments (RFC 5065 puts them only in front, and never from an
// external peer), then AS_SEQUENCEs and AS_SETs of at most 255 ASNs, so that each segment
// is one segment on the wire. Confederation member ASNs stay below 65536: AS4_PATH never
// carries confederation segments (RFC 6793 §4.2.2), so a 2-octet peer could not get a wider
// one back.
AsPath RandomAsPath(Gen& g, bool confed, bool wide) {
  AsPath p;
  if (confed && g.Chance(25)) {
    for (std::uint64_t i = g.Range(1, 2); i > 0; --i) {
      AsSegment s{g.Chance(70) ? AsSegmentType::kConfedSequence : AsSegmentType::kConfedSet, {}};
      for (std::uint64_t k = g.Range(1, 4); k > 0; --k) s.asns.push_back(RandomAsn(g, false));
      p.segments.push_back(std::move(s));
    }
  }
  bool long_done = false;
  for (std::uint64_t i = g.Range(0, 3); i > 0; --i) {
    AsSegment s{g.Chance(75) ? AsSegmentType::kSequence : AsSegmentType::kSet, {}};
    std::uint64_t n = g.Range(1, 6);
    if (!long_done && g.Chance(3)) {
      n = g.Range(100, 150);
      long_done = true;
    }
    for (; n > 0; --n) s.asns.push_back(RandomAsn(g, wide));
    p.segments.push_back(std::move(s));
  }
  return p;
}

IpAddress RandomV4Unicast(Gen& g) {
  std::uint32_t a = g.U32();
  std::uint32_t first = static_cast<std::uint32_t>(g.Range(1, 223));
  if (first == 127) first = 10;
  return IpAddress::V4(first << 24 | (a & 0xffffff));
}

IpAddress RandomV6(Gen& g) {
  std::array<std::uint8_t, 16> b{};
  for (auto& x : b) x = g.U8();
  return IpAddress::V6(b);
}

MpReach RandomMpReach(Gen& g, const Context& ctx) {
  MpReach mp;
  mp.family = g.Chance(50) ? kIpv4Unicast : kIpv6Unicast;
  if (mp.family == kIpv4Unicast && g.Chance(50)) {
    mp.next_hop = RandomV4Unicast(g);
  } else {
    mp.next_hop = RandomV6(g);
    if (g.Chance(25)) {  // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2)
      mp.next_hop.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, g.U8(), g.U8(), g.U8()};
    }
    if (g.Chance(40)) {  // 32-byte next hop: global then link-local (RFC 2545 §3)
      IpAddress ll = RandomV6(g);
      ll.bytes[0] = 0xfe;
      ll.bytes[1] = 0x80;
      mp.link_local = ll;
    }
  }
  if (g.Chance(10)) mp.reserved = g.U8();  // "must be 0", kept as it came
  mp.nlri = RandomPrefixes(g, mp.family.afi, ctx.AddPath(mp.family), 0, 10);
  return mp;
}

MpUnreach RandomMpUnreach(Gen& g, const Context& ctx) {
  MpUnreach mp;
  mp.family = g.Chance(50) ? kIpv4Unicast : kIpv6Unicast;
  mp.withdrawn = RandomPrefixes(g, mp.family.afi, ctx.AddPath(mp.family), 0, 10);
  return mp;
}

// Unknown optional attributes (types attr_spec.h does not know), flags as the encoder passes
// them on: Partial set on transitive ones, Extended Length when the value needs it.
std::vector<RawAttribute> RandomUnknown(Gen& g) {
  std::vector<std::uint8_t> types{0,  11, 12, 13, 19, 20, 21, 22, 23, 24, 25,  26,  27,  28,
                                  29, 30, 31, 33, 34, 36, 37, 38, 39, 40, 128, 200, 254, 255};
  std::vector<RawAttribute> out;
  for (std::uint64_t n = g.Range(0, 3); n > 0; --n) {
    const std::size_t i = g.Below(types.size());
    RawAttribute r;
    r.type = types[i];
    types.erase(types.begin() + static_cast<std::ptrdiff_t>(i));
    std::size_t len = g.Chance(8) ? g.Range(256, 280) : g.Range(0, 32);
    if (r.type == static_cast<std::uint8_t>(AttrType::kIpv6ExtendedCommunities)) {
      len = 20 * g.Range(1, 3);  // checked for length even though unknown
    }
    r.value = g.Bytes(len);
    r.flags = attr_flag::kOptional;
    if (g.Chance(60)) r.flags |= attr_flag::kTransitive | attr_flag::kPartial;
    if (len > 255 || g.Chance(15)) r.flags |= attr_flag::kExtendedLength;
    out.push_back(std::move(r));
  }
  return out;
}

// A random UPDATE the codec must accept without a problem under ctx. In a 2-octet context it
// is one of two kinds: ASNs above 65535 in AS_PATH and AGGREGATOR (sent as AS_TRANS beside
// AS4_PATH/AS4_AGGREGATOR), or 2-octet ASNs beside an explicit AS4_PATH/AS4_AGGREGATOR (an
// old speaker's UPDATE passed on as received).
Update RandomUpdate(Gen& g, const Context& ctx) {
  Update u;
  const bool explicit_as4 = !ctx.four_octet_as && g.Chance(30);
  const bool wide = !explicit_as4;
  const bool confed = ctx.peer_type != PeerType::kExternal;
  if (g.Chance(40)) u.withdrawn = RandomPrefixes(g, Afi::kIpv4, ctx.add_path_ipv4, 1, 10);
  if (g.Chance(50)) u.nlri = RandomPrefixes(g, Afi::kIpv4, ctx.add_path_ipv4, 1, 10);
  auto& a = u.attrs;
  if (g.Chance(70)) a.origin = static_cast<Origin>(g.Below(3));
  if (g.Chance(70)) a.as_path = RandomAsPath(g, confed, wide);
  if (g.Chance(50)) a.next_hop = RandomV4Unicast(g);
  if (g.Chance(30)) a.med = g.U32();
  if (ctx.peer_type != PeerType::kExternal && g.Chance(30)) a.local_pref = g.U32();
  a.atomic_aggregate = g.Chance(20);
  if (g.Chance(20)) a.aggregator = Aggregator{RandomAsn(g, wide), g.U32()};
  if (g.Chance(30)) {
    for (std::uint64_t n = g.Range(1, 5); n > 0; --n) a.communities.push_back(g.U32());
  }
  if (g.Chance(20)) a.originator_id = g.U32();
  if (g.Chance(20)) {
    for (std::uint64_t n = g.Range(1, 4); n > 0; --n) a.cluster_list.push_back(g.U32());
  }
  if (g.Chance(40)) a.mp_reach = RandomMpReach(g, ctx);
  if (g.Chance(30)) a.mp_unreach = RandomMpUnreach(g, ctx);
  if (g.Chance(30)) {
    for (std::uint64_t n = g.Range(1, 5); n > 0; --n) {
      ExtendedCommunity c;
      for (auto& x : c) x = g.U8();
      a.extended_communities.push_back(c);
    }
  }
  if (explicit_as4 && g.Chance(70)) a.as4_path = RandomAsPath(g, false, true);
  if (explicit_as4 && g.Chance(30)) a.as4_aggregator = Aggregator{RandomAsn(g, true), g.U32()};
  if (g.Chance(30)) {
    for (std::uint64_t n = g.Range(1, 5); n > 0; --n) {
      a.large_communities.push_back({g.U32(), g.U32(), g.U32()});
    }
  }
  if (g.Chance(20)) a.otc = g.U32();
  a.unknown = RandomUnknown(g);
  // RFC 7606 §3(d): announcing routes takes ORIGIN and AS_PATH, and NEXT_HOP for the NLRI
  // field (RFC 4760 §3: not for MP_REACH_NLRI alone).
  if (!u.nlri.empty() || a.mp_reach) {
    if (!a.origin) a.origin = Origin::kIgp;
    if (!a.as_path) a.as_path = AsPath::Sequence({RandomAsn(g, wide)});
  }
  if (!u.nlri.empty() && !a.next_hop) a.next_hop = RandomV4Unicast(g);
  return u;
}

#define BGPDEMO_FIRST_DIFF(field) \
  if (!(want.field == got.field)) return #field
std::string FirstDifference(const PathAttributes& want, const PathAttributes& got) {
  BGPDEMO_FIRST_DIFF(origin);
  BGPDEMO_FIRST_DIFF(as_path);
  BGPDEMO_FIRST_DIFF(next_hop);
  BGPDEMO_FIRST_DIFF(med);
  BGPDEMO_FIRST_DIFF(local_pref);
  BGPDEMO_FIRST_DIFF(atomic_aggregate);
  BGPDEMO_FIRST_DIFF(aggregator);
  BGPDEMO_FIRST_DIFF(communities);
  BGPDEMO_FIRST_DIFF(originator_id);
  BGPDEMO_FIRST_DIFF(cluster_list);
  BGPDEMO_FIRST_DIFF(mp_reach);
  BGPDEMO_FIRST_DIFF(mp_unreach);
  BGPDEMO_FIRST_DIFF(extended_communities);
  BGPDEMO_FIRST_DIFF(as4_path);
  BGPDEMO_FIRST_DIFF(as4_aggregator);
  BGPDEMO_FIRST_DIFF(large_communities);
  BGPDEMO_FIRST_DIFF(otc);
  BGPDEMO_FIRST_DIFF(unknown);
  BGPDEMO_FIRST_DIFF(wire_order);
  return "";
}
#undef BGPDEMO_FIRST_DIFF

// What decoding the encoding of `want` under ctx must give, compared field by field; "" when
// `got` is that, else the first difference:
//   - withdrawn, nlri and every attribute but the four AS ones: equal;
//   - action kNone, no problems;
//   - wire_order: want has none (the encoder's canonical order); got records the order the
//     attributes came in, so it is left out here and checked instead by re-encoding got to
//     the same bytes (UPDATE property test);
//   - 4-octet context: AS_PATH and AGGREGATOR equal; AS4_PATH and AS4_AGGREGATOR are never
//     sent, and want has none;
//   - 2-octet context, want without AS4_*: ASNs above 65535 travel as AS_TRANS beside
//     AS4_PATH/AS4_AGGREGATOR (RFC 6793 §4.2.2), so got.EffectivePath() must equal
//     want.as_path, both with adjacent AS_SEQUENCE segments joined (MergeAs4Path joins
//     them; the path is the same), and got's AGGREGATOR, with AS4_AGGREGATOR in place of an
//     AS_TRANS one, must equal want.aggregator;
//   - 2-octet context, want with AS4_* (every ASN of AS_PATH and AGGREGATOR below 65536): all
//     four equal, as received.
AsPath JoinSequences(const AsPath& p) {
  AsPath out;
  for (const auto& s : p.segments) {
    if (!out.segments.empty() && s.type == AsSegmentType::kSequence &&
        out.segments.back().type == AsSegmentType::kSequence) {
      auto& back = out.segments.back().asns;
      back.insert(back.end(), s.asns.begin(), s.asns.end());
    } else {
      out.segments.push_back(s);
    }
  }
  return out;
}

std::string CompareAttrs(const PathAttributes& want, PathAttributes got, const Context& ctx) {
  got.wire_order.clear();
  if (!ctx.four_octet_as && !want.as4_path && !want.as4_aggregator) {
    const AsPath effective = got.EffectivePath();
    if (want.as_path && JoinSequences(effective) != JoinSequences(*want.as_path)) {
      return "EffectivePath() \"" + effective.ToString() + "\" is not the AS_PATH sent \"" +
             want.as_path->ToString() + "\" (AS_PATH \"" +
             (got.as_path ? got.as_path->ToString() : "-") + "\", AS4_PATH \"" +
             (got.as4_path ? got.as4_path->ToString() : "-") + "\")";
    }
    got.as_path = want.as_path;
    got.as4_path.reset();
    std::optional<Aggregator> aggregator = got.aggregator;
    if (aggregator && aggregator->asn == kAsTrans && got.as4_aggregator) {
      aggregator = got.as4_aggregator;
    }
    if (aggregator != want.aggregator) return "aggregator (with AS4_AGGREGATOR merged in)";
    got.aggregator = want.aggregator;
    got.as4_aggregator.reset();
  }
  const std::string diff = FirstDifference(want, got);
  return diff.empty() ? "" : "attribute " + diff + " differs";
}

std::string CompareUpdate(const Update& want, const Update& got, const Context& ctx) {
  if (got.action != Action::kNone || !got.problems.empty()) {
    return "decoded with action " + std::string(ToString(got.action)) +
           (got.problems.empty() ? "" : ": " + Describe(got.problems.front()));
  }
  if (got.withdrawn != want.withdrawn) return "withdrawn routes differ";
  if (got.nlri != want.nlri) return "NLRI differ";
  return CompareAttrs(want.attrs, got.attrs, ctx);
}

// ---- OPEN ---------------------------------------------------------------------------------

Family RandomFamily(Gen& g) {
  if (g.Chance(70)) return g.Chance(50) ? kIpv4Unicast : kIpv6Unicast;
  return {static_cast<Afi>(g.U16()), static_cast<Safi>(g.U8())};
}

Capability RandomCapability(Gen& g, std::uint32_t asn, std::uint8_t role, bool small) {
  const std::uint64_t kind =
      small ? g.Pick(std::vector<std::uint64_t>{0, 1, 3, 4, 6, 8}) : g.Below(13);
  switch (kind) {
    case 0:
      return MultiprotocolCap{RandomFamily(g), g.Chance(10) ? g.U8() : std::uint8_t{0}};
    case 1:
      return RouteRefreshCap{};
    case 2: {
      ExtendedNextHopCap c;
      for (std::uint64_t n = g.Range(1, 4); n > 0; --n) {
        c.entries.push_back({static_cast<Afi>(g.U16()), g.U16(), static_cast<Afi>(g.U16())});
      }
      return c;
    }
    case 3:
      return ExtendedMessageCap{};
    case 4:
      return RoleCap{role};
    case 5: {
      GracefulRestartCap c;
      c.flags = g.U8() & 0xf;
      c.restart_time = g.U16() & 0xfff;
      for (std::uint64_t n = g.Range(0, 4); n > 0; --n) {
        c.families.push_back({RandomFamily(g), g.U8()});
      }
      return c;
    }
    case 6:
      return FourOctetAsCap{asn};
    case 7: {
      AddPathCap c;
      for (std::uint64_t n = g.Range(1, 4); n > 0; --n) {
        c.entries.push_back({RandomFamily(g), static_cast<std::uint8_t>(g.Range(1, 3))});
      }
      return c;
    }
    case 8:
      return EnhancedRouteRefreshCap{};
    case 9: {
      LlgrCap c;
      for (std::uint64_t n = g.Range(0, 4); n > 0; --n) {
        c.entries.push_back({RandomFamily(g), g.U8(), g.U32() & 0xffffff});
      }
      return c;
    }
    case 10:
      return FqdnCap{Printable(g, 60), Printable(g, 60)};
    case 11:
      return SoftwareVersionCap{Printable(g, 80)};
    default: {
      static const std::vector<std::uint8_t> kUnknownCodes{0,  3,  4,  7,  8,  10,  63, 66,
                                                           67, 68, 72, 74, 76, 128, 255};
      return RawCapability{g.Pick(kUnknownCodes), g.Bytes(g.Range(0, 20))};
    }
  }
}

Open RandomOpen(Gen& g) {
  Open o;
  o.hold_time = g.Chance(10) ? 0 : static_cast<std::uint16_t>(g.Range(3, 65535));
  o.bgp_id = static_cast<std::uint32_t>(g.Range(1, 0xffffffff));
  const std::uint32_t asn = RandomAsn(g, true);
  o.my_as = asn > 0xffff ? kAsTrans : static_cast<std::uint16_t>(asn);
  const auto role = static_cast<std::uint8_t>(g.Below(5));
  // Now and then more capabilities than fit one byte's count (RFC 9072 parameters hold up
  // to 65535 bytes).
  const bool many = g.Chance(3);
  const std::uint64_t n = many ? g.Range(256, 400) : g.Range(0, 12);
  for (std::uint64_t i = 0; i < n; ++i)
    o.capabilities.push_back(RandomCapability(g, asn, role, many));
  if (!many && n > 0 && g.Chance(30)) {
    // Spread over several Capabilities parameters (2 or more, some maybe empty).
    std::size_t left = n;
    while (left > 0 || o.parameter_sizes.size() < 2) {
      const auto k = static_cast<std::uint8_t>(g.Range(0, left));
      o.parameter_sizes.push_back(k);
      left -= k;
    }
  }
  o.extended_parameters = many || g.Chance(10);
  if (!o.extended_parameters) {
    // RFC 9072 when the parameters need more than 255 bytes.
    std::vector<std::uint8_t> buf(8192);
    Writer w(buf);
    EncodeOpenBody(o, w);
    o.extended_parameters = w.overflowed();
  }
  return o;
}

// ---- NOTIFICATION, ROUTE-REFRESH ----------------------------------------------------------

Notification RandomNotification(Gen& g) {
  if (g.Chance(40)) {
    const auto subcode =
        g.Chance(50) ? CeaseSubcode::kAdministrativeShutdown : CeaseSubcode::kAdministrativeReset;
    return Notification::Shutdown(subcode, Utf8(g, g.Range(0, 300)));
  }
  Notification n;
  n.code = static_cast<NotifyCode>(g.Chance(80) ? g.Range(1, 8) : g.U8());
  n.subcode = g.U8();
  n.data = g.Bytes(g.Range(0, 64));
  return n;
}

RouteRefresh RandomRouteRefresh(Gen& g) {
  return RouteRefresh{{static_cast<Afi>(g.U16()), static_cast<Safi>(g.U8())}, g.U8()};
}

Message RandomMessage(Gen& g, const Context& ctx) {
  const std::uint64_t k = g.Below(100);
  if (k < 50) return RandomUpdate(g, ctx);
  if (k < 70) return RandomOpen(g);
  if (k < 85) return RandomNotification(g);
  if (k < 95) return RandomRouteRefresh(g);
  return Keepalive{};
}

std::vector<std::uint8_t> MustEncode(const Message& m, const Context& ctx) {
  auto bytes = EncodeMessage(m, ctx);
  REQUIRE_MESSAGE(bytes.has_value(), "encoding a valid " << ToString(TypeOf(m)) << " failed: "
                                                         << (bytes ? "" : bytes.error()));
  return *bytes;
}

}  // namespace

TEST_CASE("property: decode(encode(x)) == x for random UPDATE messages") {
  Gen g(LoggedSeed());
  for (int i = 0; i < kIterations; ++i) {
    const Context ctx = RandomContext(g);
    const Update x = RandomUpdate(g, ctx);
    const auto bytes = MustEncode(x, ctx);
    INFO("iteration " << i << ", " << Describe(ctx) << ", encoded " << ToHex(bytes));
    auto decoded = DecodeMessage(bytes, ctx);
    REQUIRE_MESSAGE(decoded.has_value(), Describe(decoded.error()));
    const auto* got = std::get_if<Update>(&*decoded);
    REQUIRE(got != nullptr);
    const std::string diff = CompareUpdate(x, *got, ctx);
    REQUIRE_MESSAGE(diff.empty(), diff);
    // The decoded value, with the order and flags it recorded, re-encodes to the same bytes.
    const auto again = MustEncode(*got, ctx);
    REQUIRE_MESSAGE(again == bytes, "re-encoded as " << ToHex(again));
  }
}

TEST_CASE("property: decode(encode(x)) == x for random OPEN messages") {
  Gen g(LoggedSeed());
  const Context ctx;
  for (int i = 0; i < kIterations; ++i) {
    const Open x = RandomOpen(g);
    const auto bytes = MustEncode(x, ctx);
    INFO("iteration " << i << ", " << x.capabilities.size() << " capabilities, encoded "
                      << ToHex(bytes));
    auto decoded = DecodeMessage(bytes, ctx);
    REQUIRE_MESSAGE(decoded.has_value(), Describe(decoded.error()));
    const auto* got = std::get_if<Open>(&*decoded);
    REQUIRE(got != nullptr);
    CHECK(got->capabilities == x.capabilities);
    CHECK(got->parameter_sizes == x.parameter_sizes);
    REQUIRE(*got == x);
  }
}

TEST_CASE("property: decode(encode(x)) == x for random NOTIFICATION, ROUTE-REFRESH, KEEPALIVE") {
  Gen g(LoggedSeed());
  for (int i = 0; i < kIterations; ++i) {
    const Context ctx = RandomContext(g);
    const std::uint64_t k = g.Below(4);
    const bool shutdown = k == 0;
    const Message x = shutdown
                          ? Message{Notification::Shutdown(CeaseSubcode::kAdministrativeShutdown,
                                                           Utf8(g, g.Range(0, 300)))}
                      : k == 1 ? Message{RandomNotification(g)}
                      : k == 2 ? Message{RandomRouteRefresh(g)}
                               : Message{Keepalive{}};
    const auto bytes = MustEncode(x, ctx);
    INFO("iteration " << i << ", encoded " << ToHex(bytes));
    auto decoded = DecodeMessage(bytes, ctx);
    REQUIRE_MESSAGE(decoded.has_value(), Describe(decoded.error()));
    REQUIRE(*decoded == x);
    if (shutdown) {
      // RFC 8203/9003: valid UTF-8 reads back.
      const auto text = std::get<Notification>(*decoded).ShutdownText();
      CHECK_MESSAGE(text.has_value(), text.error());
    }
  }
}

TEST_CASE("property: random mutations of valid messages never crash and always carry an action") {
  Gen g(LoggedSeed());
  std::size_t values = 0, errors = 0;
  for (int i = 0; i < kIterations; ++i) {
    const Context ctx = RandomContext(g);
    const auto valid = MustEncode(RandomMessage(g, ctx), ctx);
    for (int m = 0; m < 4; ++m) {
      auto bytes = valid;
      for (std::uint64_t n = g.Range(1, 4); n > 0; --n) {
        const std::size_t at = g.Below(bytes.size() + 1);
        switch (g.Below(5)) {
          case 0:  // flip a bit
            if (at < bytes.size()) bytes[at] ^= static_cast<std::uint8_t>(1u << g.Below(8));
            break;
          case 1:  // overwrite a byte
            if (at < bytes.size()) bytes[at] = g.U8();
            break;
          case 2: {  // insert bytes
            const auto ins = g.Bytes(g.Range(1, 8));
            bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), ins.begin(), ins.end());
            break;
          }
          case 3: {  // delete bytes
            const std::size_t n_del = std::min<std::size_t>(g.Range(1, 8), bytes.size() - at);
            bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                        bytes.begin() + static_cast<std::ptrdiff_t>(at + n_del));
            break;
          }
          default:  // truncate
            bytes.resize(g.Below(bytes.size() + 1));
            break;
        }
      }
      // Mostly keep the header's length true, so that the body parsers see the damage.
      if (bytes.size() >= 18 && bytes.size() <= 0xffff && g.Chance(70)) {
        bytes[16] = static_cast<std::uint8_t>(bytes.size() >> 8);
        bytes[17] = static_cast<std::uint8_t>(bytes.size());
      }
      INFO("iteration " << i << ", " << Describe(ctx) << ", valid " << ToHex(valid) << ", mutated "
                        << ToHex(bytes));
      std::string err = fuzz::CheckDecodeMessage(bytes, ctx);
      if (err.empty()) err = fuzz::CheckFraming(bytes, ctx);
      REQUIRE_MESSAGE(err.empty(), err);
      (DecodeMessage(bytes, ctx) ? values : errors)++;
    }
  }
  MESSAGE("mutants that decoded: " << values << ", refused: " << errors);
  CHECK(values > 0);
  CHECK(errors > 0);
}

TEST_CASE("property: UpdatePacker messages decode to exactly the prefixes given") {
  Gen g(LoggedSeed());
  std::size_t near_limit_runs = 0, refused = 0;
  for (int i = 0; i < kIterations / 4; ++i) {
    Context ctx = RandomContext(g);
    const Family family = g.Chance(50) ? kIpv4Unicast : kIpv6Unicast;
    PathAttributes attrs = RandomUpdate(g, ctx).attrs;
    attrs.mp_unreach.reset();
    if (!attrs.origin) attrs.origin = Origin::kIncomplete;
    if (!attrs.as_path) attrs.as_path = AsPath::Sequence({RandomAsn(g, ctx.four_octet_as)});
    if (family == kIpv6Unicast || g.Chance(30)) {
      MpReach mp = RandomMpReach(g, ctx);
      if (family == kIpv6Unicast && mp.next_hop.afi == Afi::kIpv4) mp.next_hop = RandomV6(g);
      mp.family = family;
      attrs.mp_reach = mp;  // its NLRI are ignored
    } else {
      attrs.mp_reach.reset();
      if (!attrs.next_hop) attrs.next_hop = RandomV4Unicast(g);
    }
    // Now and then pad the attributes with COMMUNITIES to leave only a few bytes per message
    // for NLRI, so that prefixes of different sizes meet a nearly full message.
    bool near_limit = false;
    if (!ctx.extended_message && g.Chance(20)) {
      PathAttributes others = attrs;
      others.mp_reach.reset();
      others.communities.clear();
      std::vector<std::uint8_t> buf(70000);
      Writer w(buf);
      EncodeAttributes(others, ctx, w);
      const std::size_t mp_size = attrs.mp_reach ? 4 + 5 + attrs.mp_reach->next_hop.size() +
                                                       (attrs.mp_reach->link_local ? 16 : 0)
                                                 : 0;
      const std::size_t used = kHeaderSize + 4 + w.size() + mp_size + 4;  // + COMMUNITIES header
      const std::size_t room = g.Range(1, 24);
      if (used + room + 4 < ctx.MaxMessageSize()) {
        attrs.communities.assign((ctx.MaxMessageSize() - used - room) / 4, 0xfffffff0u);
        near_limit = true;
      }
    }
    const bool add_path = ctx.AddPath(family);
    const auto prefixes = RandomPrefixes(g, family.afi, add_path, 1, 400);
    INFO("iteration " << i << ", " << Describe(ctx) << ", family " << ToString(family) << ", "
                      << prefixes.size() << " prefixes"
                      << std::string(near_limit ? ", near the limit" : ""));

    const UpdatePacker packer(ctx);
    std::vector<std::uint8_t> out;
    auto sent = packer.Announce(attrs, prefixes, out);
    near_limit_runs += near_limit;
    if (!sent) {
      // Only a nearly full message may leave no room for some prefix.
      REQUIRE_MESSAGE(near_limit, sent.error());
      CHECK(out.empty());
      ++refused;
      continue;
    }
    auto frames = [&](const std::vector<std::uint8_t>& stream) {
      std::vector<Update> updates;
      std::span<const std::uint8_t> rest(stream);
      while (!rest.empty()) {
        auto n = FrameLength(rest, ctx);
        REQUIRE_MESSAGE(n.has_value(), Describe(n.error()));
        REQUIRE(*n != 0);
        REQUIRE(*n <= ctx.MaxMessageSize());
        auto m = DecodeMessage(rest.first(*n), ctx);
        REQUIRE_MESSAGE(m.has_value(), Describe(m.error()));
        REQUIRE(std::holds_alternative<Update>(*m));
        updates.push_back(std::get<Update>(std::move(*m)));
        rest = rest.subspan(*n);
      }
      return updates;
    };
    const auto announced = frames(out);
    REQUIRE(announced.size() == *sent);
    std::vector<Prefix> got;
    PathAttributes want = attrs;
    if (want.mp_reach) {
      want.mp_reach->nlri.clear();
      want.mp_reach->reserved = 0;  // the packer sends the reserved octet as 0 (RFC 4760 §3)
    }
    for (const auto& u : announced) {
      REQUIRE(u.action == Action::kNone);
      REQUIRE(u.withdrawn.empty());
      PathAttributes a = u.attrs;
      if (a.mp_reach) {
        got.insert(got.end(), a.mp_reach->nlri.begin(), a.mp_reach->nlri.end());
        a.mp_reach->nlri.clear();
      }
      got.insert(got.end(), u.nlri.begin(), u.nlri.end());
      const std::string diff = CompareAttrs(want, a, ctx);
      REQUIRE_MESSAGE(diff.empty(), diff);
    }
    REQUIRE(got == prefixes);

    out.clear();
    sent = packer.Withdraw(family, prefixes, out);
    REQUIRE_MESSAGE(sent.has_value(), sent.error());
    got.clear();
    for (const auto& u : frames(out)) {
      REQUIRE(u.action == Action::kNone);
      got.insert(got.end(), u.withdrawn.begin(), u.withdrawn.end());
      if (u.attrs.mp_unreach) {
        got.insert(got.end(), u.attrs.mp_unreach->withdrawn.begin(),
                   u.attrs.mp_unreach->withdrawn.end());
      }
    }
    REQUIRE(got == prefixes);

    out.clear();
    packer.EndOfRib(family, out);
    const auto eor = frames(out);
    REQUIRE(eor.size() == 1);
    CHECK(eor[0].EndOfRib() == family);
  }
  MESSAGE("nearly full attribute sets: " << near_limit_runs << ", refused for a prefix that fits "
                                         << "no message: " << refused);
}

// Fixed bugs the properties above found, pinned with the smallest input that shows each.

TEST_CASE("property regression: EffectivePath keeps AS_PATH's leading confederation segment") {
  // RFC 6793 §4.2.3: a 2-octet iBGP peer inside a confederation sends "(65001) 23456" with
  // AS4_PATH "4200000001"; the merged path keeps the confederation segment.
  PathAttributes a;
  a.as_path =
      AsPath{{{AsSegmentType::kConfedSequence, {65001}}, {AsSegmentType::kSequence, {kAsTrans}}}};
  a.as4_path = AsPath::Sequence({4200000001});
  CHECK(a.EffectivePath().ToString() == "(65001) 4200000001");
  a.as_path = AsPath{
      {{AsSegmentType::kConfedSet, {65001, 65002}}, {AsSegmentType::kSequence, {65100, kAsTrans}}}};
  CHECK(a.EffectivePath().ToString() == "[65001 65002] 65100 4200000001");
}

TEST_CASE("property regression: OPEN with 256 capabilities in one RFC 9072 parameter round-trips") {
  Open o;
  o.my_as = 65001;
  o.bgp_id = 0x0a000001;
  o.extended_parameters = true;
  o.capabilities.assign(256, RouteRefreshCap{});
  auto bytes = EncodeMessage(o, Context{});
  REQUIRE_MESSAGE(bytes.has_value(), bytes.error());
  CHECK(bytes->size() == 19 + 10 + 3 + 3 + 512);  // one parameter
  auto decoded = DecodeMessage(*bytes, Context{});
  REQUIRE(decoded.has_value());
  CHECK(std::get<Open>(*decoded) == o);
}

TEST_CASE("property regression: UpdatePacker refuses a prefix that fits no message, not loops") {
  // The attributes leave one byte per message for NLRI: the /0 (1 byte) fits, the /24
  // (4 bytes) never does; the packer used to start empty messages until memory ran out.
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = AsPath::Sequence({65001});
  a.next_hop = IpAddress::V4(0x0a000001);
  // 19 header + 4 lengths + ORIGIN 4 + AS_PATH 9 + NEXT_HOP 7 + COMMUNITIES 4 + 4 * 1012.
  a.communities.assign(1012, 0xfde80001u);
  const std::vector<Prefix> prefixes{Prefix::V4(0, 0), Prefix::V4(0x0a000000, 24)};
  std::vector<std::uint8_t> out;
  auto n = UpdatePacker(Context{}).Announce(a, prefixes, out);
  REQUIRE_FALSE(n.has_value());
  CHECK(n.error() ==
        "attributes of 4095 bytes leave no room for a 4-byte NLRI entry in a "
        "4096-byte message");
  CHECK(out.empty());
  // The /0 alone still goes out.
  REQUIRE(UpdatePacker(Context{}).Announce(a, std::span(prefixes).first(1), out).value() == 1);
  CHECK(out.size() == 4096);
}
