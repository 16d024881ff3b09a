// ExportGroup: one export computation and Adj-RIB-Out shared by the peers that would get
// the same UPDATEs (RFC 4271 §3.2, §9.2; RFC 7947 §2.3.2.1 for route-server views).
//
// Members share the transformation (mode, target type, AS, next hop self: policy/export.h),
// the export filter and the negotiated encoding (4-octet AS, ADD-PATH, extended messages,
// families). For each changed prefix the group computes once what a member "without a
// path of its own" gets, the default; only members that are themselves a source of the
// prefix can differ, and the group computes their view separately:
//
//   router mode         the router's best, never back to the peer it came from: the source
//                       of the best gets nothing (and a withdraw if it had something).
//   route-server mode   per-client view: the best of the paths from other peers
//                       (SelectBest with the client's paths excluded), so a client whose own
//                       path is best gets the runner-up instead.
//
// Export filters decide per prefix (policy.h), so they treat all paths of a prefix alike and
// the "best of the others" never has to skip a filtered path.
//
// Adj-RIB-Out: per family an array of OutEntry {attributes sent to default members; one
// member that has nothing instead}, parallel to the Rib's table of that family (the same
// index: rib.h, Change::index, Compact) plus a side map prefix -> further deviations, rare
// outside route servers with several paths per prefix. 16 bytes per prefix and group, no
// key and no index of its own, whatever the number of members. What each member holds is the default unless it
// deviates, which makes withdrawals exact (only for prefixes the member has) and gives
// per-member `advertised` counts (group count plus a per-member delta).
//
// Output: for a ChangeSet, members without deviations share one byte buffer; the others get
// their own. Prefixes are grouped by resulting attribute set (interned in the AdjRibOut's
// store, so grouping is by pointer) and packed by wire::UpdatePacker: per family,
// withdrawals first, then one run of UPDATEs per attribute set.
//
// A member gets nothing until FullTable (initial table or ROUTE-REFRESH answer) has been
// produced for it; from then on Apply keeps it in step. The group computes its default for
// the whole Loc-RIB at its first FullTable and maintains it from then on.
//
// Not thread-safe. Reads the Rib it was given; never modifies it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/large_alloc.h"
#include "bgp/policy/export.h"
#include "bgp/policy/policy.h"
#include "bgp/rib/attr_store.h"
#include "bgp/rib/flat_map.h"
#include "bgp/rib/prefix_key.h"
#include "bgp/rib/rib.h"
#include "bgp/wire/context.h"

namespace bgpdemo::bgp::rib {

// One peer as the export sees it.
struct ExportPeer {
  PeerId id = kNoPeer;
  policy::ExportTarget target;
  policy::Filter filter;  // effective: policy::EffectiveExport (RFC 8212 default applied)
  wire::Context ctx;      // what the session negotiated
};

// UPDATE bytes for one peer, ready for one write.
struct Outgoing {
  PeerId peer = kNoPeer;
  std::shared_ptr<const std::vector<std::uint8_t>> bytes;  // shared by members with equal output
};

// The part of wire::Context that changes the bytes of an UPDATE.
bool SameEncoding(const wire::Context& a, const wire::Context& b);

class ExportGroup {
 public:
  ExportGroup(const Rib& rib, AttrStore& store, const ExportPeer& first);
  ExportGroup(const ExportGroup&) = delete;
  ExportGroup& operator=(const ExportGroup&) = delete;

  // True when peer would get exactly this group's UPDATEs.
  bool Accepts(const ExportPeer& peer) const;
  void AddMember(PeerId id);
  // Forgets the member and what it was sent.
  void RemoveMember(PeerId id);
  bool HasMember(PeerId id) const;
  bool empty() const { return members_.empty(); }
  std::size_t size() const { return members_.size(); }

  // Everything the member should hold, then End-of-RIB for each family it carries. The
  // member is in step afterwards. REQUIRES: HasMember(id).
  std::vector<std::uint8_t> FullTable(PeerId id);
  // The UPDATEs the changes call for, appended to out per member in step.
  void Apply(std::span<const Change> changes, std::vector<Outgoing>& out);
  // Follows Rib::Compact: the Rib's item `from` moved to `to`, and it has `from` items now.
  void Move(wire::Afi afi, std::size_t from, std::size_t to);

  std::size_t Advertised(PeerId id, wire::Family family) const;
  std::size_t MemoryBytes() const;

 private:
  struct OutEntry {
    AttrRef attrs;              // what default members hold; empty: nothing
    PeerId excluded = kNoPeer;  // a member that holds nothing although attrs is set
    bool more = false;          // further deviations in Tables::devs
  };
  struct Dev {
    PeerId member = kNoPeer;
    AttrRef attrs;  // empty: the member holds nothing
  };
  template <typename Key>
  struct Tables {
    // By Rib item index; may be shorter than the Rib's table. On huge pages, as the table is
    // (flat_map.h).
    std::vector<OutEntry, LargeAllocator<OutEntry>> sent;
    FlatMap<Key, std::vector<Dev>> devs;
    std::size_t advertised = 0;  // entries with attrs set
  };
  struct Member {
    PeerId id = kNoPeer;
    bool in_step = false;
    std::array<std::int64_t, 2> delta{};  // advertised minus the group's, per family
  };
  // One line of output: announce prefix with attrs, or withdraw it (attrs empty).
  struct Action {
    wire::Prefix prefix;
    AttrRef attrs;
  };
  // A member whose output differs from the default for one prefix.
  struct Exception {
    PeerId member = kNoPeer;
    std::size_t skip = kNoIndex;  // the default action it does not take
    bool own = false;             // it takes `action` instead
    Action action;
  };
  static constexpr std::size_t kNoIndex = static_cast<std::size_t>(-1);

  template <typename Key>
  void ApplyOne(Tables<Key>& t, std::size_t family, const Change& change);
  template <typename Key>
  void FullTableOf(Tables<Key>& t, std::size_t family, wire::Family fam, Member& m,
                   std::vector<Action>& out);
  template <typename Key>
  void ReadDevs(Tables<Key>& t, const Key& key, const OutEntry& e, std::vector<Dev>& out);
  template <typename Key>
  void AddDev(Tables<Key>& t, const Key& key, OutEntry& e, Dev dev);
  template <typename Key>
  void ClearDevs(Tables<Key>& t, const Key& key, OutEntry& e);
  template <typename Key>
  void Purge(Tables<Key>& t, wire::Afi afi, PeerId id);
  // The entry of Rib item index, growing sent to the Rib's table.
  template <typename Key>
  OutEntry& EntryAt(Tables<Key>& t, wire::Afi afi, std::size_t index);

  // What `member` should hold (kNoPeer: a member with no path of its own for the prefix).
  AttrRef View(const wire::Prefix& prefix, const RouteView& route, PeerId member);
  AttrRef Transform(const Path& path, wire::Family family);
  bool Fits(const wire::PathAttributes& attrs, wire::Family family);
  Member* FindMember(PeerId id);
  const Member* FindMember(PeerId id) const;
  std::vector<std::uint8_t> Pack(std::span<const Action> actions) const;

  const Rib& rib_;
  AttrStore& store_;
  policy::ExportTarget target_;  // policy::TransformKey of the members' targets
  policy::Filter filter_;
  wire::Context ctx_;
  std::vector<Member> members_;
  bool initialized_ = false;
  Tables<V4Key> v4_;
  Tables<V6Key> v6_;

  // Per call: transformed attributes by (source entry, source is iBGP, family), and the
  // last one looked up (consecutive prefixes mostly share a set).
  std::unordered_map<std::uintptr_t, AttrRef> cache_;
  std::uintptr_t last_key_ = 0;
  AttrRef last_value_;
  // Per Apply: the default actions and the members' exceptions.
  std::vector<Action> batch_;
  std::vector<Exception> exceptions_;
  std::vector<Dev> old_devs_, new_devs_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace bgpdemo::bgp::rib
