// The export transformation: the attributes a route is sent with, per mode (RFC 4271 §5.1,
// §9.2; RFC 7947 §2.2 for the route server).
//
// router mode (the original demo's BIRD router):
//   toward eBGP   own AS prepended (§5.1.2); NEXT_HOP = the session's local address
//                 ("next hop self"); MED, LOCAL_PREF (§5.1.5), ORIGINATOR_ID and
//                 CLUSTER_LIST (RFC 4456, iBGP only) removed; never sent when the peer's AS
//                 is already in the AS_PATH (the peer would drop it as a loop, §9.1.2).
//   toward iBGP   AS_PATH unchanged; next hop self; LOCAL_PREF kept from iBGP, else set to
//                 the default 100 (§5.1.5); MED kept.
// route-server mode (RFC 7947 §2.2):
//   AS_PATH, NEXT_HOP, MED and every optional attribute, recognized or not, transitive or
//   not, passed on untouched; no own AS. Only LOCAL_PREF is removed toward eBGP clients
//   (RFC 4271 §5.1.5 forbids sending it to external peers).
// both modes:
//   a route learned over iBGP is not sent to another iBGP peer (§9.2, no route reflection);
//   in router mode an unrecognized optional non-transitive attribute is dropped (§5).
//
// "Never back to the source" is not decided here: it needs the route's peer, which the
// Adj-RIB-Out knows (adj_rib_out.h); so is the export filter, which looks at the prefix.
//
// Next hop self for an IPv6 route needs the session's IPv6 address (the MP_REACH next hop;
// no link-local one is sent); a session with no address of the route's family does not get
// the route (RFC 8950 next hops are left for later).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "bgp/policy/policy.h"
#include "base/result.h"
#include "bgp/wire/attributes.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::policy {

inline constexpr std::uint32_t kDefaultLocalPref = 100;  // RFC 4271 §5.1.5 (BIRD, FRR)

// The session a route is exported on.
struct ExportTarget {
  Mode mode = Mode::kRouter;
  std::uint32_t local_asn = 0;
  std::uint32_t peer_asn = 0;
  bool ibgp = false;
  // Router mode: the local address of the session, per family ("next hop self").
  std::optional<wire::IpAddress> next_hop_self_v4;
  std::optional<wire::IpAddress> next_hop_self_v6;
  friend bool operator==(const ExportTarget&, const ExportTarget&) = default;
};

// Where the route came from.
struct RouteSource {
  std::uint32_t asn = 0;
  bool ibgp = false;
};

// Why a route is not sent.
enum class ExportSkip : std::uint8_t {
  kAsLoop,         // router mode: the peer's AS is in the AS_PATH
  kIbgpToIbgp,     // learned over iBGP, target is iBGP
  kNoNextHopSelf,  // router mode: the session has no local address of the route's family
};
std::string_view ToString(ExportSkip s);  // "as_loop", "ibgp_to_ibgp", "no_next_hop_self"

// The attributes to send. `attrs` are as the RIB holds them (AS4_PATH merged, NLRI
// stripped; an IPv6 route's next hop in mp_reach).
Result<wire::PathAttributes, ExportSkip> ExportAttributes(const ExportTarget& to,
                                                          const RouteSource& from,
                                                          wire::Family family,
                                                          const wire::PathAttributes& attrs);

// The part of a target that decides the transformation: targets with equal keys can share
// one export computation. Route-server mode ignores the peer's AS and next hop self.
ExportTarget TransformKey(const ExportTarget& to);

}  // namespace bgpdemo::bgp::policy
