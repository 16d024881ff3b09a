// The RIB: Adj-RIB-In and Loc-RIB of one speaker (RFC 4271 §3.2, §9.1), with graceful
// restart's stale routes (RFC 4724 §4.2) and the max-prefix limit (RFC 4271 §6.7).
//
// Pure: no sockets, no clock, no logging (the route engine never sees a socket). The server
// registers peers, hands in decoded UPDATEs, and gets back a ChangeSet: the prefixes whose
// best path changed, which it passes to the export (adj_rib_out.h) and to the FIB.
//
//   wire::Update --Update()--> import policy, intern attributes --> Loc-RIB entry of the prefix
//                                                                      | decision (best_path.h)
//                                                                      v
//                                                         ChangeSet {prefix, new best or none}
//
// Storage: one FlatMap per family (IPv4, IPv6) keyed by the prefix without path identifier;
// each entry holds every path of every peer for the prefix (a PathVec, best first) and the
// reason the best won. That one table is also the Adj-RIB-In: a peer's routes are the paths
// carrying its PeerId, including those import policy rejected (kept, without being
// candidates, so that counts are exact and a policy change needs no ROUTE-REFRESH).
// A prefix with one path costs 32 bytes of entry plus 8-16 of index (IPv4; 48 + index for
// IPv6) and the shared attribute set; no heap allocation of its own (measured: 50 B/prefix
// at 1M IPv4 prefixes, loaded in 0.16-0.37 s; tests/bgp/rib/rib_scale_test.cpp). Operations
// that touch all of a peer's routes (PeerDown, MarkStale, SweepStale, SetPeer) walk the
// table, as BIRD's table prune does (PeerDown of 1M routes: 0.1-0.25 s).
//
// Import (per path): accepted when the peer's filter permits the prefix, our AS is not in the
// AS_PATH (RFC 4271 §9.1.2) and, from iBGP, the ORIGINATOR_ID is not our router id
// (RFC 4456 §8). Attributes are normalized before interning: AS4_PATH merged into AS_PATH
// (RFC 6793 §4.2.3), MP_REACH kept only for the routes it carries (an IPv4 MP_REACH with an
// IPv4 next hop becomes NEXT_HOP), NEXT_HOP dropped from MP routes (RFC 4760 §3).
//
// ChangeSet entries are appended in the order the prefixes were touched; a prefix may appear
// more than once in one ChangeSet (withdrawn and announced in one UPDATE): the last entry
// holds the state. Consumers that read the RIB's current state (the Adj-RIB-Out does)
// may simply re-read each prefix.
//
// Item indexes: each Change names the position of its prefix in the family's table, so the
// export reads the entry without a second lookup and keeps its Adj-RIB-Out in arrays
// parallel to the table (export_group.h). A prefix whose last path goes keeps its (empty)
// item until Compact, which the owner calls once the changes have been exported: Compact
// erases the empty items and reports each item it moves, so parallel arrays can follow.
// Indexes stay valid from one Compact to the next. Lookups and iteration skip empty items.
//
// Not thread-safe; one io_context thread owns it. Spans and pointers returned by lookups are
// valid until the next modifying call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "bgp/policy/policy.h"
#include "bgp/rib/attr_store.h"
#include "bgp/rib/best_path.h"
#include "bgp/rib/flat_map.h"
#include "bgp/rib/path.h"
#include "bgp/rib/prefix_key.h"
#include "bgp/wire/notification.h"
#include "bgp/wire/update.h"

namespace bgpdemo::bgp::rib {

struct BestPath {
  AttrRef attrs;
  std::uint32_t path_id = 0;
  PeerId peer = kNoPeer;
  Reason reason = Reason::kNone;
};
static_assert(sizeof(BestPath) == 16);

// One prefix whose routing changed.
struct Change {
  wire::Prefix prefix;             // path_id 0
  std::uint32_t index = 0;         // of the prefix's item in its family's table (see above)
  std::optional<BestPath> best;    // the best path now; nullopt: no route (withdraw it)
  bool best_changed = false;       // the best's peer, path id or attributes changed
  bool multipath_changed = false;  // the ECMP next hops changed (see Rib::Multipath)
  // Neither flag: only another candidate changed, which can change a route server client's
  // view (RFC 7947 §2.3.2.1) but not the FIB.
};

struct ChangeSet {
  std::vector<Change> changes;
  // Set when a max-prefix limit with teardown was crossed: send it, then PeerDown.
  std::optional<wire::Notification> cease;

  bool empty() const { return changes.empty() && !cease; }
  void Append(ChangeSet&& other);
};

struct FamilyCounts {
  std::size_t received = 0;   // paths held from the peer (Adj-RIB-In), rejected ones included
  std::size_t accepted = 0;   // of which passed import policy
  std::size_t discarded = 0;  // dropped past a max-prefix limit
};

// For the control API.
struct PathInfo {
  PeerId peer = kNoPeer;
  std::uint32_t path_id = 0;
  AttrRef attrs;
  bool accepted = false;
  bool stale = false;
  bool best = false;
  bool multipath = false;
};
struct RouteInfo {
  wire::Prefix prefix;
  Reason reason = Reason::kNone;  // kNone: no best path
  std::vector<PathInfo> paths;    // the best first
};

// A prefix's paths (best first when it has one) and the reason its best won.
struct RouteView {
  std::span<const Path> paths;
  Reason reason = Reason::kNone;
  bool has_best() const { return reason != Reason::kNone; }
};

struct RibOptions {
  std::uint32_t local_asn = 0;  // paths with it in their AS_PATH are loops; 0: no check
  std::uint32_t router_id = 0;  // host order; an iBGP path with it as ORIGINATOR_ID is a loop
};

class Rib {
 public:
  explicit Rib(RibOptions options = {});
  Rib(const Rib&) = delete;
  Rib& operator=(const Rib&) = delete;

  // Registers a peer, or updates one (a session came back with a new BGP Identifier, or the
  // policy changed): its paths are re-evaluated against the new filter and re-decided.
  // The max-prefix limit applies to new prefixes only. REQUIRES: info.id != kNoPeer.
  ChangeSet SetPeer(const PeerInfo& info, const policy::ImportPolicy& import);
  // Drops the peer's routes and forgets it; its id may be reused.
  ChangeSet RemovePeer(PeerId id);
  const PeerInfo* Peer(PeerId id) const;
  PeerTable peers() const { return peers_; }

  // Applies one decoded UPDATE from a registered peer: withdrawals first, then
  // announcements (IPv4 NLRI field with NEXT_HOP, and MP_REACH/MP_UNREACH). An UPDATE whose
  // action is treat-as-withdraw (or stronger) withdraws every prefix it carries (RFC 7606
  // §2). An End-of-RIB does nothing here; the server calls SweepStale.
  ChangeSet Update(PeerId peer, const wire::Update& update);
  // The session went down: every route of the peer goes; the peer stays registered.
  ChangeSet PeerDown(PeerId peer);
  // Graceful restart (RFC 4724 §4.2): the session went down and the peer is restarting;
  // its paths stay, marked stale, until replaced or swept. Returns the paths marked.
  std::size_t MarkStale(PeerId peer);
  // End-of-RIB from the peer for family, or the restart timer expired: drops the paths of
  // the peer still stale in family.
  ChangeSet SweepStale(PeerId peer, wire::Family family);

  // The paths of a prefix (path_id ignored), best first when it has one; empty when none.
  RouteView Find(const wire::Prefix& prefix) const;
  std::span<const Path> Paths(const wire::Prefix& prefix) const { return Find(prefix).paths; }
  std::optional<BestPath> Best(const wire::Prefix& prefix) const;
  // The ECMP set: the best and every candidate equal to it up to the router-id step, with
  // distinct next hops (best_path.h). Empty when the prefix has no best path.
  std::vector<PathInfo> Multipath(const wire::Prefix& prefix) const;
  std::optional<RouteInfo> Route(const wire::Prefix& prefix) const;
  std::vector<RouteInfo> Routes(wire::Family family) const;
  // Calls f(const wire::Prefix&, std::span<const Path> paths, Reason) for every prefix of
  // the family, in no particular order. f must not modify the RIB.
  template <typename F>
  void ForEach(wire::Family family, F&& f) const;

  // The items of a family's table by index, empty ones (see Compact) included.
  std::size_t TableSize(wire::Afi afi) const;
  std::size_t TableCapacity(wire::Afi afi) const;
  RouteView At(wire::Afi afi, std::size_t index) const;
  wire::Prefix PrefixAt(wire::Afi afi, std::size_t index) const;
  // Erases the items emptied since the last call. For each item moved into an erased one's
  // place, calls on_move(afi, from, to); afterwards the table has `from` items, so
  // entries at `from` and beyond in a parallel array are gone.
  void Compact(const std::function<void(wire::Afi, std::size_t from, std::size_t to)>& on_move);

  FamilyCounts Counts(PeerId peer, wire::Family family) const;
  std::size_t PrefixCount(wire::Family family) const;
  // Heap bytes of the tables and of paths beyond the first per prefix; attribute sets are in
  // attr_store().MemoryBytes().
  std::size_t MemoryBytes() const;
  const AttrStore& attr_store() const { return store_; }

 private:
  // A prefix's entry is its PathVec; its tag holds the Reason (kNone: no best).
  using V4Table = FlatMap<V4Key, PathVec>;
  using V6Table = FlatMap<V6Key, PathVec>;

  struct PeerState {
    bool registered = false;
    policy::ImportPolicy import;
    std::array<FamilyCounts, 2> counts;  // IPv4 unicast, IPv6 unicast
  };

  // The best path's identity and the multipath fingerprint, to tell what a change changed.
  struct Snapshot {
    bool has_best = false;
    PeerId peer = kNoPeer;
    std::uint32_t path_id = 0;
    const AttrEntry* attrs = nullptr;
    std::uint64_t multipath = 0;
  };

  template <typename Table>
  void Announce(Table& table, PeerId peer, wire::Family family, const wire::Prefix& prefix,
                std::size_t found, const AttrRef& attrs, bool eligible, ChangeSet& cs);
  // index: of the prefix's item, or kNone when the table has none.
  template <typename Table>
  void Withdraw(Table& table, PeerId peer, const wire::Prefix& prefix, std::size_t index,
                ChangeSet& cs);
  // Removes the peer's paths that match pred from every entry of table.
  template <typename Table, typename Pred>
  void RemovePaths(Table& table, PeerId peer, Pred&& pred, ChangeSet& cs);
  template <typename Table>
  void Reevaluate(Table& table, PeerId peer, ChangeSet& cs);
  // The prefix at index lost its last path: keep the item until Compact.
  template <typename Table>
  void Emptied(Table& table, std::size_t index);

  // Sets found_[i] to the index of prefixes[i]'s item, or kNone (also for another family's
  // prefix), before the batch is applied. One tight loop of independent lookups lets the
  // CPU overlap their cache misses: a large table's index is far beyond the caches and keys
  // hash to random slots. Measured on the 1 x 1,000,000 route-server load
  // (tests/bench/rib_bench.cpp): 25-30% less CPU than looking each prefix up as it is
  // applied, where software prefetching 8 prefixes ahead had not helped on this VM.
  void LookUp(wire::Family family, std::span<const wire::Prefix> prefixes);
  void AnnounceAll(PeerId peer, wire::Family family, std::span<const wire::Prefix> prefixes,
                   wire::PathAttributes attrs, ChangeSet& cs);
  void WithdrawAll(PeerId peer, wire::Family family, std::span<const wire::Prefix> prefixes,
                   ChangeSet& cs);
  bool Eligible(const AttrEntry& attrs, PeerId peer) const;
  void Reselect(PathVec& paths) const;
  Snapshot Snap(const PathVec& paths) const;
  void Record(const wire::Prefix& prefix, std::size_t index, const Snapshot& before,
              const PathVec* after, bool candidates_changed, ChangeSet& cs) const;
  PeerState& State(PeerId peer);
  std::vector<PathInfo> Infos(const PathVec& paths) const;
  const PathVec* Entry(const wire::Prefix& prefix) const;

  RibOptions options_;
  AttrStore store_;  // first: destroyed after the tables that point into it
  V4Table v4_;
  V6Table v6_;
  std::array<std::vector<std::uint32_t>, 2> empty_;  // emptied items by family, for Compact
  std::vector<std::size_t> found_;                   // LookUp's, kept to reuse its memory
  std::vector<PeerInfo> peers_;                      // by id; id == kNoPeer where free
  std::vector<PeerState> state_;
};

inline Reason ReasonOf(const PathVec& paths) {
  return static_cast<Reason>(paths.tag());
}

template <typename F>
void Rib::ForEach(wire::Family family, F&& f) const {
  if (family == wire::kIpv4Unicast) {
    for (const auto& item : v4_.items()) {
      if (!item.value.empty()) f(item.key.ToPrefix(), item.value.span(), ReasonOf(item.value));
    }
  } else if (family == wire::kIpv6Unicast) {
    for (const auto& item : v6_.items()) {
      if (!item.value.empty()) f(item.key.ToPrefix(), item.value.span(), ReasonOf(item.value));
    }
  }
}

}  // namespace bgpdemo::bgp::rib
