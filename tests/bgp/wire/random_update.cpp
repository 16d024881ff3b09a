// Random valid UPDATEs and their comparison (random_update.h).
#include "tests/bgp/wire/random_update.h"

#include <doctest/doctest.h>

#include <array>
#include <cstdlib>
#include <optional>
#include <utility>

namespace bgpdemo::test {

using namespace bgp::wire;

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

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace bgpdemo::test
