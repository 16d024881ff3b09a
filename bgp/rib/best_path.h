// The decision process: which path of a prefix is best, and why (RFC 4271 §9.1.2.2,
// RFC 4456 §9 for ORIGINATOR_ID and CLUSTER_LIST).
//
// The rules are one ordered list of comparisons (GoBGP's style), each a step with a Reason:
//
//   1 local_pref       highest LOCAL_PREF; 100 when absent, and for eBGP-learned paths
//                      (RFC 4271 §5.1.5: a LOCAL_PREF from an external peer is ignored)
//   2 as_path_length   shortest AS_PATH (an AS_SET counts 1, confederation segments 0)
//   3 origin           lowest ORIGIN (IGP < EGP < INCOMPLETE)
//   4 med              lowest MED, only between paths from the same neighbour AS; missing = 0
//   5 ebgp_over_ibgp   a path from an external peer over one from an internal peer
//   6 router_id        lowest BGP Identifier of the peer, or ORIGINATOR_ID when present
//   7 cluster_list     shortest CLUSTER_LIST
//   8 peer_address     lowest peer address
//   9 path_id          lowest path identifier (ADD-PATH paths from one peer tie on 1-8)
//
// Because step 4 compares only within a neighbour AS, the rules are not a total order and
// picking the best by pairwise comparison would depend on arrival order. SelectBest uses the
// RFC's elimination instead: each step drops the candidates some other candidate beats,
// until one is left; the result does not depend on the order of the paths. The reason is
// the first step at which the best beats the runner-up (the best of the others). A prefix
// with a single candidate has reason only_path.
//
// Multipath (ECMP): the candidates equal to the best through step 5 (so, up to the router-id
// step), with distinct next hops, the best's first.
//
// Only accepted paths are candidates. Everything here is pure: no state, no allocation for
// up to 64 candidates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "bgp/rib/path.h"

namespace bgpdemo::bgp::rib {

enum class Reason : std::uint8_t {
  kNone,  // no candidate: the prefix has no best path
  kOnlyPath,
  kLocalPref,
  kAsPathLength,
  kOrigin,
  kMed,
  kEbgpOverIbgp,
  kRouterId,
  kClusterList,
  kPeerAddress,
  kPathId,
};
// "local_pref", "as_path_length", ..., "only_path", "none".
std::string_view ToString(Reason r);

// The peers the paths refer to, indexed by PeerId.
using PeerTable = std::span<const PeerInfo>;

inline constexpr std::size_t kNoPath = static_cast<std::size_t>(-1);

struct Selection {
  std::size_t best = kNoPath;  // index into the paths given
  Reason reason = Reason::kNone;
};

// The best accepted path, skipping paths of `exclude` (a route server's view for that
// client, RFC 7947 §2.3.2.1). with_reason = false skips finding the runner-up.
// REQUIRES: every path's peer is in peers.
Selection SelectBest(std::span<const Path> paths, PeerTable peers, PeerId exclude = kNoPeer,
                     bool with_reason = true);

// The first step at which a and b differ: order < 0 when a is better, > 0 when b is,
// 0 (with kNone) when they tie on every step.
struct Comparison {
  int order = 0;
  Reason step = Reason::kNone;
};
Comparison ComparePaths(const Path& a, const Path& b, PeerTable peers);

// True when other ties with best on every step before router_id.
bool MultipathEqual(const Path& best, const Path& other, PeerTable peers);

// Indexes of the multipath set of paths whose best is at index best: the best first, then
// each candidate that MultipathEqual allows, skipping next hops already in the set.
std::vector<std::size_t> MultipathSet(std::span<const Path> paths, std::size_t best,
                                      PeerTable peers);

// An order-independent fingerprint of the multipath set's next hops, to notice changes
// without storing the set (0 when best is kNoPath).
std::uint64_t MultipathFingerprint(std::span<const Path> paths, std::size_t best, PeerTable peers);

}  // namespace bgpdemo::bgp::rib
