#include "bgp/wire/attributes.h"

#include "bgp/wire/attr_spec.h"

#include <algorithm>
#include <bitset>
#include <cstring>

#include <fmt/format.h>

namespace bgpdemo::bgp::wire {
namespace {

using namespace attr_flag;
using namespace internal;

bool FlagsOk(FlagClass c, std::uint8_t flags) {
  const std::uint8_t ot = flags & (kOptional | kTransitive);
  switch (c) {
    case FlagClass::kWellKnown: return ot == kTransitive && !(flags & kPartial);
    case FlagClass::kOptionalTransitive: return ot == (kOptional | kTransitive);
    case FlagClass::kOptionalNonTransitive: return ot == kOptional && !(flags & kPartial);
  }
  return false;
}

Action ActionFor(OnError e, const Context& ctx) {
  switch (e) {
    case OnError::kTreatAsWithdraw: return Action::kTreatAsWithdraw;
    case OnError::kAttributeDiscard: return Action::kAttributeDiscard;
    case OnError::kSessionReset: return Action::kSessionReset;
    case OnError::kByPeerType:
      return ctx.peer_type == PeerType::kExternal ? Action::kAttributeDiscard
                                                  : Action::kTreatAsWithdraw;
  }
  return Action::kSessionReset;
}

std::string FlagsText(std::uint8_t f) {
  std::string s;
  s += (f & kOptional) ? "optional" : "well-known";
  s += (f & kTransitive) ? " transitive" : " non-transitive";
  if (f & kPartial) s += " partial";
  return fmt::format("0x{:02x} ({})", f, s);
}

// A problem found in one attribute's value.
struct Problem {
  UpdateSubcode subcode;
  std::string message;
  std::optional<Action> action;  // overrides the table's action
  Family family{};
  bool whole_attribute_data = true;  // NOTIFICATION data is the attribute
};

std::optional<Problem> LengthProblem(AttrType t, std::size_t len, std::string_view expected) {
  return Problem{UpdateSubcode::kAttributeLengthError,
                 fmt::format("{} has length {}, expected {}", AttrName(static_cast<std::uint8_t>(t)),
                             len, expected)};
}

std::uint32_t ReadU32(std::span<const std::uint8_t> v, std::size_t at) {
  return static_cast<std::uint32_t>(v[at]) << 24 | static_cast<std::uint32_t>(v[at + 1]) << 16 |
         static_cast<std::uint32_t>(v[at + 2]) << 8 | v[at + 3];
}

std::optional<Problem> DecodeU32List(AttrType t, std::span<const std::uint8_t> v,
                                     std::vector<std::uint32_t>& out) {
  if (v.empty() || v.size() % 4 != 0) return LengthProblem(t, v.size(), "a non-zero multiple of 4");
  out.reserve(v.size() / 4);
  for (std::size_t i = 0; i < v.size(); i += 4) out.push_back(ReadU32(v, i));
  return std::nullopt;
}

std::optional<Problem> DecodeMpReach(std::span<const std::uint8_t> v, std::size_t base,
                                     const Context& ctx, PathAttributes& out) {
  if (v.size() < 3) {
    return Problem{UpdateSubcode::kOptionalAttributeError,
                   fmt::format("MP_REACH_NLRI of {} bytes cannot hold AFI and SAFI", v.size()),
                   Action::kSessionReset};
  }
  Reader r(v, base);
  std::uint16_t afi = 0;
  std::uint8_t safi = 0, nh_len = 0;
  (void)(r.U16(afi) && r.U8(safi));
  MpReach mp;
  mp.family = {static_cast<Afi>(afi), static_cast<Safi>(safi)};
  const bool known = mp.family == kIpv4Unicast || mp.family == kIpv6Unicast;
  if (!known) {
    return Problem{UpdateSubcode::kOptionalAttributeError,
                   fmt::format("MP_REACH_NLRI for unsupported family {} ignored",
                               ToString(mp.family)),
                   Action::kAttributeDiscard, mp.family};
  }
  auto disable = [&](std::string msg) {
    return Problem{UpdateSubcode::kOptionalAttributeError, std::move(msg),
                   Action::kAfiSafiDisable, mp.family};
  };
  if (!ctx.Carries(mp.family)) {
    return disable(fmt::format("MP_REACH_NLRI for {}, which this session did not negotiate",
                               ToString(mp.family)));
  }
  if (!r.U8(nh_len)) return disable("MP_REACH_NLRI ends before the next hop length");
  const bool v4_family = mp.family.afi == Afi::kIpv4;
  const bool nh_ok = v4_family ? (nh_len == 4 || nh_len == 16 || nh_len == 32)
                               : (nh_len == 16 || nh_len == 32);
  if (!nh_ok) {
    return disable(fmt::format("MP_REACH_NLRI next hop length {} is not valid for {} ({})",
                               nh_len, ToString(mp.family), v4_family ? "4, 16 or 32" : "16 or 32"));
  }
  std::span<const std::uint8_t> nh;
  if (!r.Bytes(nh_len, nh)) {
    return disable(fmt::format("MP_REACH_NLRI next hop of {} bytes overruns the attribute "
                               "({} bytes left)",
                               nh_len, r.remaining()));
  }
  if (nh_len == 4) {
    mp.next_hop.afi = Afi::kIpv4;
    std::memcpy(mp.next_hop.bytes.data(), nh.data(), 4);
  } else {
    mp.next_hop.afi = Afi::kIpv6;
    std::memcpy(mp.next_hop.bytes.data(), nh.data(), 16);
    if (nh_len == 32) {
      IpAddress ll;
      ll.afi = Afi::kIpv6;
      std::memcpy(ll.bytes.data(), nh.data() + 16, 16);
      mp.link_local = ll;
    }
  }
  if (!r.U8(mp.reserved)) return disable("MP_REACH_NLRI ends before the reserved octet");
  mp.nlri.reserve(r.remaining() / 4 + 1);
  if (auto res = DecodeNlri(r, mp.family.afi, ctx.AddPath(mp.family),
                            NotifyCode::kUpdateMessageError,
                            static_cast<std::uint8_t>(UpdateSubcode::kOptionalAttributeError),
                            mp.nlri);
      !res) {
    return disable("MP_REACH_NLRI: " + res.error().message);
  }
  out.mp_reach = std::move(mp);
  return std::nullopt;
}

std::optional<Problem> DecodeMpUnreach(std::span<const std::uint8_t> v, std::size_t base,
                                       const Context& ctx, PathAttributes& out) {
  if (v.size() < 3) {
    return Problem{UpdateSubcode::kOptionalAttributeError,
                   fmt::format("MP_UNREACH_NLRI of {} bytes cannot hold AFI and SAFI", v.size()),
                   Action::kSessionReset};
  }
  Reader r(v, base);
  std::uint16_t afi = 0;
  std::uint8_t safi = 0;
  (void)(r.U16(afi) && r.U8(safi));
  MpUnreach mp;
  mp.family = {static_cast<Afi>(afi), static_cast<Safi>(safi)};
  if (!(mp.family == kIpv4Unicast || mp.family == kIpv6Unicast)) {
    return Problem{UpdateSubcode::kOptionalAttributeError,
                   fmt::format("MP_UNREACH_NLRI for unsupported family {} ignored",
                               ToString(mp.family)),
                   Action::kAttributeDiscard, mp.family};
  }
  if (!ctx.Carries(mp.family)) {
    return Problem{UpdateSubcode::kOptionalAttributeError,
                   fmt::format("MP_UNREACH_NLRI for {}, which this session did not negotiate",
                               ToString(mp.family)),
                   Action::kAfiSafiDisable, mp.family};
  }
  if (auto res = DecodeNlri(r, mp.family.afi, ctx.AddPath(mp.family),
                            NotifyCode::kUpdateMessageError,
                            static_cast<std::uint8_t>(UpdateSubcode::kOptionalAttributeError),
                            mp.withdrawn);
      !res) {
    return Problem{UpdateSubcode::kOptionalAttributeError, "MP_UNREACH_NLRI: " + res.error().message,
                   Action::kAfiSafiDisable, mp.family};
  }
  out.mp_unreach = std::move(mp);
  return std::nullopt;
}

std::optional<Problem> DecodeValue(AttrType type, std::span<const std::uint8_t> v,
                                   std::size_t base, const Context& ctx, PathAttributes& out) {
  switch (type) {
    case AttrType::kOrigin:
      if (v.size() != 1) return LengthProblem(type, v.size(), "1");
      if (v[0] > 2) {
        return Problem{UpdateSubcode::kInvalidOriginAttribute,
                       fmt::format("ORIGIN value {} is not 0 (IGP), 1 (EGP) or 2 (INCOMPLETE)", v[0])};
      }
      out.origin = static_cast<Origin>(v[0]);
      return std::nullopt;
    case AttrType::kAsPath:
    case AttrType::kAs4Path: {
      const bool as4 = type == AttrType::kAs4Path;
      AsPath path;
      if (auto p = DecodeAsPath(v, as4 || ctx.four_octet_as, path)) {
        return Problem{UpdateSubcode::kMalformedAsPath,
                       fmt::format("{} at byte {}: {}", as4 ? "AS4_PATH" : "AS_PATH", p->offset,
                                   p->message),
                       std::nullopt, {}, false};
      }
      if (as4 && path.HasConfederation()) {
        return Problem{UpdateSubcode::kMalformedAsPath,
                       "AS4_PATH carries confederation segments (RFC 6793 §6)", std::nullopt, {},
                       false};
      }
      if (!as4 && ctx.peer_type == PeerType::kExternal && path.HasConfederation()) {
        return Problem{UpdateSubcode::kMalformedAsPath,
                       "AS_PATH from an external peer carries confederation segments "
                       "(RFC 5065 §5)",
                       std::nullopt, {}, false};
      }
      if (!as4 && ctx.enforce_first_as) {
        const auto first = path.FirstAs();
        if (!first || *first != *ctx.enforce_first_as) {
          return Problem{UpdateSubcode::kMalformedAsPath,
                         fmt::format("AS_PATH starts with {}, not the peer's AS {}",
                                     first ? fmt::format("{}", *first) : "no AS_SEQUENCE",
                                     *ctx.enforce_first_as),
                         std::nullopt, {}, false};
        }
      }
      if (as4) {
        out.as4_path = std::move(path);
      } else {
        out.as_path = std::move(path);
      }
      return std::nullopt;
    }
    case AttrType::kNextHop: {
      if (v.size() != 4) return LengthProblem(type, v.size(), "4");
      const std::uint32_t nh = ReadU32(v, 0);
      // RFC 4271 §6.3: a semantically wrong NEXT_HOP makes the route unusable.
      if (nh == 0 || ((nh >> 24) == 127 && !ctx.loopback_next_hops) || (nh >> 28) >= 0xe) {
        return Problem{UpdateSubcode::kInvalidNextHopAttribute,
                       fmt::format("NEXT_HOP {} is not a usable unicast address",
                                   IpAddress::V4(nh).ToString())};
      }
      out.next_hop = IpAddress::V4(nh);
      return std::nullopt;
    }
    case AttrType::kMultiExitDisc:
      if (v.size() != 4) return LengthProblem(type, v.size(), "4");
      out.med = ReadU32(v, 0);
      return std::nullopt;
    case AttrType::kLocalPref:
      if (ctx.peer_type == PeerType::kExternal) {
        return Problem{UpdateSubcode::kUnspecific,
                       "LOCAL_PREF from an external peer discarded (RFC 7606 §7.5)",
                       Action::kAttributeDiscard};
      }
      if (v.size() != 4) return LengthProblem(type, v.size(), "4");
      out.local_pref = ReadU32(v, 0);
      return std::nullopt;
    case AttrType::kAtomicAggregate:
      if (!v.empty()) return LengthProblem(type, v.size(), "0");
      out.atomic_aggregate = true;
      return std::nullopt;
    case AttrType::kAggregator: {
      const std::size_t want = ctx.four_octet_as ? 8 : 6;
      if (v.size() != want) return LengthProblem(type, v.size(), fmt::format("{}", want));
      Aggregator a;
      if (ctx.four_octet_as) {
        a.asn = ReadU32(v, 0);
        a.address = ReadU32(v, 4);
      } else {
        a.asn = static_cast<std::uint32_t>(v[0] << 8 | v[1]);
        a.address = ReadU32(v, 2);
      }
      out.aggregator = a;
      return std::nullopt;
    }
    case AttrType::kAs4Aggregator:
      if (v.size() != 8) return LengthProblem(type, v.size(), "8");
      out.as4_aggregator = Aggregator{ReadU32(v, 0), ReadU32(v, 4)};
      return std::nullopt;
    case AttrType::kCommunities:
      return DecodeU32List(type, v, out.communities);
    case AttrType::kOriginatorId:
      if (v.size() != 4) return LengthProblem(type, v.size(), "4");
      out.originator_id = ReadU32(v, 0);
      return std::nullopt;
    case AttrType::kClusterList:
      return DecodeU32List(type, v, out.cluster_list);
    case AttrType::kMpReachNlri:
      return DecodeMpReach(v, base, ctx, out);
    case AttrType::kMpUnreachNlri:
      return DecodeMpUnreach(v, base, ctx, out);
    case AttrType::kExtendedCommunities: {
      if (v.empty() || v.size() % 8 != 0) {
        return LengthProblem(type, v.size(), "a non-zero multiple of 8");
      }
      for (std::size_t i = 0; i < v.size(); i += 8) {
        ExtendedCommunity c;
        std::memcpy(c.data(), v.data() + i, 8);
        out.extended_communities.push_back(c);
      }
      return std::nullopt;
    }
    case AttrType::kLargeCommunity:
      if (v.empty() || v.size() % 12 != 0) {
        return LengthProblem(type, v.size(), "a non-zero multiple of 12");
      }
      for (std::size_t i = 0; i < v.size(); i += 12) {
        out.large_communities.push_back({ReadU32(v, i), ReadU32(v, i + 4), ReadU32(v, i + 8)});
      }
      return std::nullopt;
    case AttrType::kOnlyToCustomer:
      if (v.size() != 4) return LengthProblem(type, v.size(), "4");
      out.otc = ReadU32(v, 0);
      return std::nullopt;
    default:
      break;
  }
  BGPDEMO_CHECK(false && "DecodeValue called for a type without a spec");
  return std::nullopt;
}

// Drops a malformed or discarded attribute from out, so nothing half-decoded survives.
void Clear(AttrType type, PathAttributes& out) {
  switch (type) {
    case AttrType::kOrigin: out.origin.reset(); break;
    case AttrType::kAsPath: out.as_path.reset(); break;
    case AttrType::kNextHop: out.next_hop.reset(); break;
    case AttrType::kMultiExitDisc: out.med.reset(); break;
    case AttrType::kLocalPref: out.local_pref.reset(); break;
    case AttrType::kAtomicAggregate: out.atomic_aggregate = false; break;
    case AttrType::kAggregator: out.aggregator.reset(); break;
    case AttrType::kCommunities: out.communities.clear(); break;
    case AttrType::kOriginatorId: out.originator_id.reset(); break;
    case AttrType::kClusterList: out.cluster_list.clear(); break;
    case AttrType::kMpReachNlri: out.mp_reach.reset(); break;
    case AttrType::kMpUnreachNlri: out.mp_unreach.reset(); break;
    case AttrType::kExtendedCommunities: out.extended_communities.clear(); break;
    case AttrType::kAs4Path: out.as4_path.reset(); break;
    case AttrType::kAs4Aggregator: out.as4_aggregator.reset(); break;
    case AttrType::kLargeCommunity: out.large_communities.clear(); break;
    case AttrType::kOnlyToCustomer: out.otc.reset(); break;
    default: break;
  }
}

}  // namespace

std::string_view AttrName(std::uint8_t type) {
  if (const auto* s = FindSpec(type)) return s->name;
  switch (static_cast<AttrType>(type)) {
    case AttrType::kPmsiTunnel: return "pmsi_tunnel";
    case AttrType::kTunnelEncapsulation: return "tunnel_encapsulation";
    case AttrType::kTrafficEngineering: return "traffic_engineering";
    case AttrType::kIpv6ExtendedCommunities: return "ipv6_extended_communities";
    case AttrType::kAigp: return "aigp";
    case AttrType::kBgpLs: return "bgp_ls";
    case AttrType::kPrefixSid: return "prefix_sid";
    case AttrType::kAttrSet: return "attr_set";
    default: return "unknown";
  }
}

bool PathAttributes::Has(AttrType t) const {
  switch (t) {
    case AttrType::kOrigin: return origin.has_value();
    case AttrType::kAsPath: return as_path.has_value();
    case AttrType::kNextHop: return next_hop.has_value();
    case AttrType::kMultiExitDisc: return med.has_value();
    case AttrType::kLocalPref: return local_pref.has_value();
    case AttrType::kAtomicAggregate: return atomic_aggregate;
    case AttrType::kAggregator: return aggregator.has_value();
    case AttrType::kCommunities: return !communities.empty();
    case AttrType::kOriginatorId: return originator_id.has_value();
    case AttrType::kClusterList: return !cluster_list.empty();
    case AttrType::kMpReachNlri: return mp_reach.has_value();
    case AttrType::kMpUnreachNlri: return mp_unreach.has_value();
    case AttrType::kExtendedCommunities: return !extended_communities.empty();
    case AttrType::kAs4Path: return as4_path.has_value();
    case AttrType::kAs4Aggregator: return as4_aggregator.has_value();
    case AttrType::kLargeCommunity: return !large_communities.empty();
    case AttrType::kOnlyToCustomer: return otc.has_value();
    default:
      return std::any_of(unknown.begin(), unknown.end(), [t](const RawAttribute& r) {
        return r.type == static_cast<std::uint8_t>(t);
      });
  }
}

AsPath PathAttributes::EffectivePath() const {
  if (!as_path) return {};
  if (!as4_path) return *as_path;
  return MergeAs4Path(*as_path, *as4_path);
}

Result<void, Error> DecodeAttributes(std::span<const std::uint8_t> value, std::size_t base,
                                     const Context& ctx, PathAttributes& out,
                                     std::vector<Error>& problems) {
  Reader r(value, base);
  std::bitset<256> seen;
  auto update_error = [](UpdateSubcode sub, Action action, std::size_t at,
                         std::vector<std::uint8_t> data, std::string msg) {
    return Error{NotifyCode::kUpdateMessageError, static_cast<std::uint8_t>(sub), std::move(data),
                 action, at, std::move(msg)};
  };
  while (!r.empty()) {
    const std::size_t at = r.offset();
    const std::uint8_t* attr_start = r.cursor();
    // RFC 7606 §4: an attribute that cannot be framed ends attribute parsing with
    // treat-as-withdraw; the NLRI are still found through Total Path Attribute Length.
    std::uint8_t flags = 0, type = 0;
    if (r.remaining() < 3 || ((r.cursor()[0] & kExtendedLength) && r.remaining() < 4)) {
      problems.push_back(update_error(
          UpdateSubcode::kMalformedAttributeList, Action::kTreatAsWithdraw, at, {},
          fmt::format("{} trailing bytes in the path attributes cannot hold an attribute header",
                      r.remaining())));
      break;
    }
    (void)(r.U8(flags) && r.U8(type));
    std::uint16_t len = 0;
    if (flags & kExtendedLength) {
      (void)r.U16(len);
    } else {
      std::uint8_t len8 = 0;
      (void)r.U8(len8);
      len = len8;
    }
    std::span<const std::uint8_t> v;
    const std::size_t value_at = r.offset();
    if (!r.Bytes(len, v)) {
      problems.push_back(update_error(
          UpdateSubcode::kAttributeLengthError, Action::kTreatAsWithdraw, at, {},
          fmt::format("attribute {} ({}) length {} overruns the path attributes ({} bytes left)",
                      type, AttrName(type), len, r.remaining())));
      break;
    }
    // The whole attribute is NOTIFICATION data for some errors (RFC 4271 §6.3); copied only
    // then, so that a clean UPDATE allocates nothing per attribute here.
    const auto whole = [attr_start, end = r.cursor()] {
      return std::vector<std::uint8_t>(attr_start, end);
    };

    if (seen[type]) {
      if (type == static_cast<std::uint8_t>(AttrType::kMpReachNlri) ||
          type == static_cast<std::uint8_t>(AttrType::kMpUnreachNlri)) {
        return Fail(update_error(UpdateSubcode::kMalformedAttributeList, Action::kSessionReset,
                                 at, {},
                                 fmt::format("{} appears twice (RFC 7606 §3(g))", AttrName(type))));
      }
      problems.push_back(update_error(
          UpdateSubcode::kMalformedAttributeList, Action::kAttributeDiscard, at, {},
          fmt::format("attribute {} ({}) appears again; later copies discarded (RFC 7606 §3(g))",
                      type, AttrName(type))));
      continue;
    }
    seen[type] = true;

    const AttrSpec* spec = FindSpec(type);
    if (spec == nullptr) {
      if (!(flags & kOptional)) {
        return Fail(update_error(UpdateSubcode::kUnrecognizedWellKnownAttribute,
                                 Action::kSessionReset, at, whole(),
                                 fmt::format("attribute type {} is marked well-known but is not "
                                             "one this speaker knows",
                                             type)));
      }
      if (type == static_cast<std::uint8_t>(AttrType::kIpv6ExtendedCommunities) &&
          (v.empty() || v.size() % 20 != 0)) {
        problems.push_back(update_error(
            UpdateSubcode::kAttributeLengthError, Action::kTreatAsWithdraw, at, whole(),
            fmt::format("ipv6_extended_communities has length {}, expected a non-zero multiple "
                        "of 20",
                        v.size())));
        continue;
      }
      out.wire_order.push_back({type, flags});
      out.unknown.push_back({flags, type, std::vector<std::uint8_t>(v.begin(), v.end())});
      continue;
    }

    const bool mp = spec->type == AttrType::kMpReachNlri || spec->type == AttrType::kMpUnreachNlri;
    if (!FlagsOk(spec->flags, flags)) {
      // RFC 7606 §3(c): contradicting flags make the attribute malformed; §5.3: for MP_*
      // the session resets.
      Error e =
          update_error(UpdateSubcode::kAttributeFlagsError,
                       mp ? Action::kSessionReset : ActionFor(spec->on_error, ctx), at, whole(),
                       fmt::format("{} flags {}, expected {}", spec->name, FlagsText(flags),
                                   FlagsText(DefaultFlags(spec->flags))));
      if (e.action == Action::kSessionReset) return Fail(std::move(e));
      problems.push_back(std::move(e));
      continue;
    }
    if (ctx.four_octet_as &&
        (spec->type == AttrType::kAs4Path || spec->type == AttrType::kAs4Aggregator)) {
      // RFC 6793 §3: between two 4-octet speakers these attributes have no meaning.
      problems.push_back(update_error(
          UpdateSubcode::kUnspecific, Action::kAttributeDiscard, at, {},
          fmt::format("{} on a 4-octet AS session discarded (RFC 6793 §3)", spec->name)));
      continue;
    }
    out.wire_order.push_back({type, flags});
    if (auto p = DecodeValue(spec->type, v, value_at, ctx, out)) {
      Clear(spec->type, out);
      out.wire_order.pop_back();
      Error e = update_error(p->subcode, p->action.value_or(ActionFor(spec->on_error, ctx)), at,
                             p->whole_attribute_data ? whole() : std::vector<std::uint8_t>{},
                             std::move(p->message));
      e.family = p->family;
      if (e.action == Action::kSessionReset) return Fail(std::move(e));
      problems.push_back(std::move(e));
    }
  }
  return {};
}

}  // namespace bgpdemo::bgp::wire
