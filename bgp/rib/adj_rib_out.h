// AdjRibOut: the export side of a speaker (RFC 4271 §3.2 Adj-RIBs-Out, §9.2 update-send).
//
// The server adds a peer when its session is established (with its mode transformation,
// export filter and negotiated encoding), asks FullTable for the initial table (and again to
// answer a ROUTE-REFRESH), and from then on hands every ChangeSet the Rib produced to Apply,
// writing the bytes it returns. Peers that would get identical UPDATEs share one
// ExportGroup (export_group.h): the same mode transformation, export filter, next hop self
// (router mode) and encoding. Route-server mode ignores the peer's AS and addresses in
// that comparison, so all clients of a route server with one policy share one group and
// one computation, each client still getting its own view where it is a source.
//
//   Rib::Update --ChangeSet--> AdjRibOut::Apply --> group: default view + per-source views
//                                                     --> UpdatePacker --> Outgoing bytes
//
// Order of calls when a session goes down: RemovePeer (the group forgets it), then
// Rib::PeerDown, then Apply the resulting ChangeSet for the others. After every Apply, the
// owner compacts the Rib with Move as the callback (rib.h: item indexes).
//
// Not thread-safe. Holds a reference to the Rib, which must outlive it.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "bgp/rib/attr_store.h"
#include "bgp/rib/export_group.h"
#include "bgp/rib/rib.h"

namespace bgpdemo::bgp::rib {

class AdjRibOut {
 public:
  explicit AdjRibOut(const Rib& rib);
  AdjRibOut(const AdjRibOut&) = delete;
  AdjRibOut& operator=(const AdjRibOut&) = delete;
  ~AdjRibOut();

  // Joins the group with the same export, or starts one. Nothing is sent to the peer until
  // FullTable. REQUIRES: !HasPeer(peer.id).
  void AddPeer(const ExportPeer& peer);
  void RemovePeer(PeerId id);
  bool HasPeer(PeerId id) const;

  // Every route the peer should have, packed, then End-of-RIB for each family its session
  // carries (RFC 4724 §2). For the initial table and for ROUTE-REFRESH (RFC 2918).
  // REQUIRES: HasPeer(id).
  std::vector<std::uint8_t> FullTable(PeerId id);
  // The UPDATEs the changes call for, per peer; peers that share a buffer get the same
  // shared_ptr.
  std::vector<Outgoing> Apply(const ChangeSet& changes);
  // Rib::Compact's on_move: the groups' arrays follow the Rib's table. Call Compact after
  // Apply, never between a Rib change and its Apply.
  void Move(wire::Afi afi, std::size_t from, std::size_t to);

  // Prefixes of the family the peer holds from us.
  std::size_t Advertised(PeerId id, wire::Family family) const;
  std::size_t GroupCount() const { return groups_.size(); }
  bool SameGroup(PeerId a, PeerId b) const;
  // Heap bytes of the groups' tables and of the exported attribute sets.
  std::size_t MemoryBytes() const;
  const AttrStore& attr_store() const { return store_; }

 private:
  const Rib& rib_;
  AttrStore store_;  // first: outlives the groups' references into it
  std::vector<std::unique_ptr<ExportGroup>> groups_;
  std::vector<ExportGroup*> group_of_;  // by PeerId
};

}  // namespace bgpdemo::bgp::rib
