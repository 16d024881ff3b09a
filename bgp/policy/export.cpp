#include "bgp/policy/export.h"

#include <algorithm>

namespace bgpdemo::bgp::policy {
namespace {

bool IsOptionalNonTransitive(const wire::RawAttribute& r) {
  return (r.flags & wire::attr_flag::kOptional) && !(r.flags & wire::attr_flag::kTransitive);
}

Result<wire::PathAttributes, ExportSkip> RouterMode(const ExportTarget& to, const RouteSource& from,
                                                    wire::Family family,
                                                    const wire::PathAttributes& attrs) {
  if (!to.ibgp && attrs.EffectivePath().Contains(to.peer_asn)) return Fail(ExportSkip::kAsLoop);
  wire::PathAttributes out = attrs;
  out.wire_order.clear();
  // RFC 4271 §5: unrecognized non-transitive optional attributes are not passed along.
  std::erase_if(out.unknown, IsOptionalNonTransitive);

  // Next hop self.
  if (family.afi == wire::Afi::kIpv4) {
    if (!to.next_hop_self_v4) return Fail(ExportSkip::kNoNextHopSelf);
    out.next_hop = *to.next_hop_self_v4;
    out.mp_reach.reset();
  } else {
    if (!to.next_hop_self_v6) return Fail(ExportSkip::kNoNextHopSelf);
    wire::MpReach mp;
    mp.family = family;
    mp.next_hop = *to.next_hop_self_v6;
    out.mp_reach = std::move(mp);
    out.next_hop.reset();
  }

  if (to.ibgp) {
    // RFC 4271 §5.1.5: LOCAL_PREF goes to internal peers; one from outside was ignored.
    out.local_pref = from.ibgp ? attrs.local_pref.value_or(kDefaultLocalPref) : kDefaultLocalPref;
    return out;
  }
  // RFC 4271 §5.1.2 b): prepend our AS in a leading AS_SEQUENCE.
  wire::AsPath path = attrs.EffectivePath();
  path.Prepend(to.local_asn);
  out.as_path = std::move(path);
  out.as4_path.reset();
  out.med.reset();         // MED is not propagated past the neighbouring AS (§5.1.4)
  out.local_pref.reset();  // §5.1.5
  out.originator_id.reset();
  out.cluster_list.clear();
  return out;
}

}  // namespace

std::string_view ToString(ExportSkip s) {
  switch (s) {
    case ExportSkip::kAsLoop:
      return "as_loop";
    case ExportSkip::kIbgpToIbgp:
      return "ibgp_to_ibgp";
    case ExportSkip::kNoNextHopSelf:
      return "no_next_hop_self";
  }
  return "?";
}

Result<wire::PathAttributes, ExportSkip> ExportAttributes(const ExportTarget& to,
                                                          const RouteSource& from,
                                                          wire::Family family,
                                                          const wire::PathAttributes& attrs) {
  // RFC 4271 §9.2: routes learned from an internal peer are not sent to internal peers.
  if (to.ibgp && from.ibgp) return Fail(ExportSkip::kIbgpToIbgp);
  if (to.mode == Mode::kRouter) return RouterMode(to, from, family, attrs);
  // RFC 7947 §2.2: pass everything on untouched.
  wire::PathAttributes out = attrs;
  out.wire_order.clear();
  if (!to.ibgp) out.local_pref.reset();
  return out;
}

ExportTarget TransformKey(const ExportTarget& to) {
  ExportTarget key = to;
  if (to.mode == Mode::kRouteServer) {
    key.peer_asn = 0;
    key.next_hop_self_v4.reset();
    key.next_hop_self_v6.reset();
  }
  return key;
}

}  // namespace bgpdemo::bgp::policy
