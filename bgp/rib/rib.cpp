#include "bgp/rib/rib.h"

#include <algorithm>
#include <functional>
#include <type_traits>
#include <utility>

#include "base/check.h"
#include "bgp/wire/as_path.h"

namespace bgpdemo::bgp::rib {
namespace {

std::optional<std::size_t> FamilyIndex(wire::Family f) {
  if (f == wire::kIpv4Unicast) return 0;
  if (f == wire::kIpv6Unicast) return 1;
  return std::nullopt;
}

// RFC 6793 §4.2.3: the RIB sees the real AS path; AS4_* are gone after this.
void MergeAs4(wire::PathAttributes& a) {
  if (!a.as4_path && !a.as4_aggregator) return;
  // An AGGREGATOR with a real AS (not AS_TRANS) means AS4_PATH and AS4_AGGREGATOR are ignored.
  const bool ignore = a.aggregator && a.aggregator->asn != wire::kAsTrans && a.as4_aggregator;
  if (!ignore) {
    if (a.as4_path && a.as_path) a.as_path = wire::MergeAs4Path(*a.as_path, *a.as4_path);
    if (a.as4_aggregator && a.aggregator) a.aggregator = *a.as4_aggregator;
  }
  a.as4_path.reset();
  a.as4_aggregator.reset();
}

}  // namespace

void ChangeSet::Append(ChangeSet&& other) {
  if (changes.empty()) {
    changes = std::move(other.changes);
  } else {
    changes.insert(changes.end(), std::make_move_iterator(other.changes.begin()),
                   std::make_move_iterator(other.changes.end()));
  }
  if (!cease && other.cease) cease = std::move(other.cease);
}

Rib::Rib(RibOptions options) : options_(options) {}

Rib::PeerState& Rib::State(PeerId peer) {
  BGPDEMO_CHECK(peer < state_.size() && state_[peer].registered);
  return state_[peer];
}

const PeerInfo* Rib::Peer(PeerId id) const {
  if (id >= state_.size() || !state_[id].registered) return nullptr;
  return &peers_[id];
}

ChangeSet Rib::SetPeer(const PeerInfo& info, const policy::ImportPolicy& import) {
  BGPDEMO_CHECK(info.id != kNoPeer);
  if (info.id >= peers_.size()) {
    peers_.resize(info.id + 1u);
    state_.resize(info.id + 1u);
  }
  PeerState& st = state_[info.id];
  ChangeSet cs;
  if (!st.registered) {
    st = PeerState{};
    st.registered = true;
    st.import = import;
    peers_[info.id] = info;
    return cs;
  }
  const bool changed = peers_[info.id] != info || st.import.filter != import.filter;
  peers_[info.id] = info;
  st.import = import;
  if (changed && st.counts[0].received + st.counts[1].received > 0) {
    Reevaluate(v4_, info.id, cs);
    Reevaluate(v6_, info.id, cs);
  }
  return cs;
}

ChangeSet Rib::RemovePeer(PeerId id) {
  if (Peer(id) == nullptr) return {};
  ChangeSet cs = PeerDown(id);
  state_[id] = PeerState{};
  peers_[id] = PeerInfo{};
  return cs;
}

bool Rib::Eligible(const AttrEntry& attrs, PeerId peer) const {
  const auto& a = attrs.attrs();
  // RFC 4271 §9.1.2: a route with our own AS in its AS_PATH is a loop.
  if (options_.local_asn != 0 && a.as_path && a.as_path->Contains(options_.local_asn)) {
    return false;
  }
  // RFC 4456 §8: our own router id as ORIGINATOR_ID is a reflection loop.
  if (peers_[peer].ibgp && a.originator_id && options_.router_id != 0 &&
      *a.originator_id == options_.router_id) {
    return false;
  }
  return true;
}

void Rib::Reselect(PathVec& paths) const {
  if (paths.size() == 1) {
    paths.set_tag(
        static_cast<std::uint8_t>(paths[0].accepted() ? Reason::kOnlyPath : Reason::kNone));
    return;
  }
  const Selection s = SelectBest(paths.span(), peers_);
  if (s.best != kNoPath && s.best != 0) std::swap(paths[0], paths[s.best]);
  paths.set_tag(static_cast<std::uint8_t>(s.reason));
}

Rib::Snapshot Rib::Snap(const PathVec& paths) const {
  if (ReasonOf(paths) == Reason::kNone) return {};
  const Path& b = paths[0];
  return {true, b.peer, b.path_id, b.attrs.get(),
          paths.size() > 1 ? MultipathFingerprint(paths.span(), 0, peers_) : 1};
}

void Rib::Record(const wire::Prefix& prefix, std::size_t index, const Snapshot& before,
                 const PathVec* after, bool candidates_changed, ChangeSet& cs) const {
  const Snapshot now = after != nullptr ? Snap(*after) : Snapshot{};
  const bool best_changed =
      before.has_best != now.has_best ||
      (now.has_best &&
       (before.peer != now.peer || before.path_id != now.path_id || before.attrs != now.attrs));
  const bool multipath_changed = before.multipath != now.multipath;
  if (!best_changed && !multipath_changed && !candidates_changed) return;
  Change c;
  c.prefix = prefix;
  c.prefix.path_id = 0;
  c.index = static_cast<std::uint32_t>(index);
  if (now.has_best) {
    const Path& b = (*after)[0];
    c.best = BestPath{b.attrs, b.path_id, b.peer, ReasonOf(*after)};
  }
  c.best_changed = best_changed;
  c.multipath_changed = multipath_changed;
  cs.changes.push_back(std::move(c));
}

template <typename Table>
void Rib::Announce(Table& table, PeerId peer, wire::Family family, const wire::Prefix& prefix,
                   std::size_t found, const AttrRef& attrs, bool eligible, ChangeSet& cs) {
  PeerState& st = state_[peer];
  FamilyCounts& counts = st.counts[*FamilyIndex(family)];
  const bool accepted = eligible && st.import.filter.Permits(prefix);
  const auto key = Table::key_type::From(prefix);
  // Not found by LookUp: an earlier prefix of the batch may have been the same one.
  std::size_t index = found != Table::kNone ? found : table.FindIndex(key);
  std::size_t slot = kNoPath;
  if (index != Table::kNone) {
    const PathVec& paths = table.at(index).value;
    for (std::size_t j = 0; j < paths.size(); ++j) {
      if (paths[j].peer == peer && paths[j].path_id == prefix.path_id) {
        slot = j;
        break;
      }
    }
  }
  const bool was_accepted = slot != kNoPath && table.at(index).value[slot].accepted();
  if (accepted && !was_accepted) {
    // RFC 4271 §6.7: only a prefix that adds to the accepted count can cross the limit.
    const auto verdict = policy::CheckMaxPrefix(st.import.max_prefix, counts.accepted);
    if (verdict != policy::MaxPrefixVerdict::kAccept) {
      ++counts.discarded;
      if (verdict == policy::MaxPrefixVerdict::kTeardown && !cs.cease) {
        cs.cease = policy::MaxPrefixNotification(family, st.import.max_prefix->limit);
      }
      // The announcement still replaces what the peer had for the prefix.
      if (slot != kNoPath) Withdraw(table, peer, prefix, index, cs);
      return;
    }
  }
  if (index == Table::kNone) index = table.Insert(key).first;
  PathVec& paths = table.at(index).value;
  const Snapshot before = Snap(paths);
  const std::uint8_t flags = accepted ? path_flag::kAccepted : 0;
  if (slot != kNoPath) {
    // Implicit withdraw (RFC 4271 §3.1): the new path replaces the old; a re-announcement
    // also clears the stale mark (RFC 4724 §4.2).
    Path& old = paths[slot];
    if (old.attrs == attrs && old.flags == flags) return;
    const bool unchanged = old.attrs == attrs && old.accepted() == accepted;
    old.attrs = attrs;
    old.flags = flags;
    if (unchanged) return;
    if (accepted != was_accepted) {
      if (accepted) {
        ++counts.accepted;
      } else {
        --counts.accepted;
      }
    }
  } else {
    paths.push_back(Path{attrs, prefix.path_id, peer, flags});
    ++counts.received;
    if (accepted) ++counts.accepted;
  }
  Reselect(paths);
  Record(prefix, index, before, &paths, accepted || was_accepted, cs);
}

template <typename Table>
void Rib::Withdraw(Table& table, PeerId peer, const wire::Prefix& prefix, std::size_t index,
                   ChangeSet& cs) {
  if (index == Table::kNone) return;
  PathVec& paths = table.at(index).value;
  for (std::size_t j = 0; j < paths.size(); ++j) {
    if (paths[j].peer != peer || paths[j].path_id != prefix.path_id) continue;
    const Snapshot before = Snap(paths);
    const bool was_accepted = paths[j].accepted();
    FamilyCounts& counts = state_[peer].counts[*FamilyIndex(wire::UnicastFamilyOf(prefix))];
    --counts.received;
    if (was_accepted) --counts.accepted;
    paths.EraseAt(j);
    if (paths.empty()) {
      Emptied(table, index);
      Record(prefix, index, before, nullptr, was_accepted, cs);
      return;
    }
    Reselect(paths);
    Record(prefix, index, before, &paths, was_accepted, cs);
    return;
  }
}

template <typename Table, typename Pred>
void Rib::RemovePaths(Table& table, PeerId peer, Pred&& pred, ChangeSet& cs) {
  FamilyCounts& counts = state_[peer].counts[std::is_same_v<Table, V4Table> ? 0 : 1];
  for (std::size_t i = 0; i < table.size(); ++i) {
    PathVec& paths = table.at(i).value;
    bool touched = false, was_candidate = false;
    Snapshot before;
    for (std::size_t j = paths.size(); j-- > 0;) {
      if (paths[j].peer != peer || !pred(paths[j])) continue;
      if (!touched) before = Snap(paths);
      touched = true;
      was_candidate |= paths[j].accepted();
      --counts.received;
      if (paths[j].accepted()) --counts.accepted;
      paths.EraseAt(j);
    }
    if (!touched) continue;
    const wire::Prefix prefix = table.at(i).key.ToPrefix();
    if (paths.empty()) {
      Emptied(table, i);
      Record(prefix, i, before, nullptr, was_candidate, cs);
      continue;
    }
    Reselect(paths);
    Record(prefix, i, before, &paths, was_candidate, cs);
  }
}

template <typename Table>
void Rib::Reevaluate(Table& table, PeerId peer, ChangeSet& cs) {
  auto& st = state_[peer];
  for (std::size_t i = 0; i < table.size(); ++i) {
    auto& item = table.at(i);
    PathVec& paths = item.value;
    bool has_peer = false;
    for (const Path& p : paths) has_peer |= p.peer == peer;
    if (!has_peer) continue;
    const Snapshot before = Snap(paths);
    const wire::Prefix prefix = item.key.ToPrefix();
    bool candidates_changed = false;
    for (Path& p : paths) {
      if (p.peer != peer) continue;
      const bool accepted = Eligible(*p.attrs, peer) && st.import.filter.Permits(prefix);
      if (accepted == p.accepted()) continue;
      candidates_changed = true;
      FamilyCounts& counts = st.counts[prefix.afi == wire::Afi::kIpv4 ? 0 : 1];
      if (accepted) {
        p.flags |= path_flag::kAccepted;
        ++counts.accepted;
      } else {
        p.flags &= static_cast<std::uint8_t>(~path_flag::kAccepted);
        --counts.accepted;
      }
    }
    // The peer's BGP Identifier or address may have changed: decide again in any case.
    Reselect(paths);
    Record(prefix, i, before, &paths, candidates_changed, cs);
  }
}

template <typename Table>
void Rib::Emptied(Table& table, std::size_t index) {
  table.at(index).value.set_tag(static_cast<std::uint8_t>(Reason::kNone));
  empty_[std::is_same_v<Table, V4Table> ? 0 : 1].push_back(static_cast<std::uint32_t>(index));
}

void Rib::Compact(const std::function<void(wire::Afi, std::size_t, std::size_t)>& on_move) {
  auto compact = [&](auto& table, std::vector<std::uint32_t>& empty, wire::Afi afi) {
    // From the highest index down: the last item, which moves into the hole, is then never
    // one still waiting to be erased.
    std::sort(empty.begin(), empty.end(), std::greater<>());
    empty.erase(std::unique(empty.begin(), empty.end()), empty.end());
    for (const std::uint32_t i : empty) {
      if (!table.at(i).value.empty()) continue;  // announced again since
      const std::size_t last = table.size() - 1;
      table.EraseAt(i);
      if (i != last) on_move(afi, last, i);
    }
    empty.clear();
  };
  compact(v4_, empty_[0], wire::Afi::kIpv4);
  compact(v6_, empty_[1], wire::Afi::kIpv6);
}

std::size_t Rib::TableSize(wire::Afi afi) const {
  return afi == wire::Afi::kIpv4 ? v4_.size() : v6_.size();
}

std::size_t Rib::TableCapacity(wire::Afi afi) const {
  return afi == wire::Afi::kIpv4 ? v4_.capacity() : v6_.capacity();
}

RouteView Rib::At(wire::Afi afi, std::size_t index) const {
  const PathVec& paths = afi == wire::Afi::kIpv4 ? v4_.at(index).value : v6_.at(index).value;
  return {paths.span(), ReasonOf(paths)};
}

wire::Prefix Rib::PrefixAt(wire::Afi afi, std::size_t index) const {
  return afi == wire::Afi::kIpv4 ? v4_.at(index).key.ToPrefix() : v6_.at(index).key.ToPrefix();
}

void Rib::LookUp(wire::Family family, std::span<const wire::Prefix> prefixes) {
  found_.resize(prefixes.size());
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const wire::Prefix& p = prefixes[i];
    if (wire::UnicastFamilyOf(p) != family) {
      found_[i] = V4Table::kNone;
    } else if (p.afi == wire::Afi::kIpv4) {
      found_[i] = v4_.FindIndex(V4Key::From(p));
    } else {
      found_[i] = v6_.FindIndex(V6Key::From(p));
    }
  }
}

void Rib::AnnounceAll(PeerId peer, wire::Family family, std::span<const wire::Prefix> prefixes,
                      wire::PathAttributes attrs, ChangeSet& cs) {
  if (prefixes.empty() || !FamilyIndex(family)) return;
  MergeAs4(attrs);
  // One interned set per UPDATE and family; every prefix shares it.
  const AttrRef ref = store_.Intern(std::move(attrs));
  const bool eligible = Eligible(*ref, peer);
  cs.changes.reserve(cs.changes.size() + prefixes.size());
  LookUp(family, prefixes);
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const wire::Prefix& p = prefixes[i];
    if (wire::UnicastFamilyOf(p) != family) continue;
    if (p.afi == wire::Afi::kIpv4) {
      Announce(v4_, peer, family, p, found_[i], ref, eligible, cs);
    } else {
      Announce(v6_, peer, family, p, found_[i], ref, eligible, cs);
    }
  }
}

void Rib::WithdrawAll(PeerId peer, wire::Family family, std::span<const wire::Prefix> prefixes,
                      ChangeSet& cs) {
  if (!FamilyIndex(family)) return;  // not a family the RIB holds
  // Withdrawals insert nothing: what LookUp did not find is not there.
  LookUp(family, prefixes);
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const wire::Prefix& p = prefixes[i];
    if (wire::UnicastFamilyOf(p) != family) continue;
    if (p.afi == wire::Afi::kIpv4) {
      Withdraw(v4_, peer, p, found_[i], cs);
    } else {
      Withdraw(v6_, peer, p, found_[i], cs);
    }
  }
}

ChangeSet Rib::Update(PeerId peer, const wire::Update& u) {
  State(peer);
  ChangeSet cs;
  const auto& a = u.attrs;
  if (u.action >= wire::Action::kTreatAsWithdraw) {
    // RFC 7606 §2: treat-as-withdraw: every route the UPDATE carries is withdrawn.
    WithdrawAll(peer, wire::kIpv4Unicast, u.withdrawn, cs);
    WithdrawAll(peer, wire::kIpv4Unicast, u.nlri, cs);
    if (a.mp_reach) WithdrawAll(peer, a.mp_reach->family, a.mp_reach->nlri, cs);
    if (a.mp_unreach) WithdrawAll(peer, a.mp_unreach->family, a.mp_unreach->withdrawn, cs);
    return cs;
  }
  WithdrawAll(peer, wire::kIpv4Unicast, u.withdrawn, cs);
  if (a.mp_unreach) WithdrawAll(peer, a.mp_unreach->family, a.mp_unreach->withdrawn, cs);
  if (!u.nlri.empty()) {
    // IPv4 NLRI field: NEXT_HOP applies; MP_* belong to other routes.
    wire::PathAttributes v4 = a;
    v4.mp_reach.reset();
    v4.mp_unreach.reset();
    AnnounceAll(peer, wire::kIpv4Unicast, u.nlri, std::move(v4), cs);
  }
  if (a.mp_reach && !a.mp_reach->nlri.empty()) {
    // RFC 4760 §3: MP routes take MP_REACH's next hop; NEXT_HOP is not theirs.
    wire::PathAttributes mp = a;
    mp.next_hop.reset();
    mp.mp_unreach.reset();
    mp.mp_reach->nlri.clear();
    const wire::Family family = mp.mp_reach->family;
    if (family == wire::kIpv4Unicast && mp.mp_reach->next_hop.afi == wire::Afi::kIpv4 &&
        !mp.mp_reach->link_local) {
      // An IPv4 next hop in MP_REACH for IPv4: the same route as with NEXT_HOP.
      mp.next_hop = mp.mp_reach->next_hop;
      mp.mp_reach.reset();
    }
    AnnounceAll(peer, family, a.mp_reach->nlri, std::move(mp), cs);
  }
  return cs;
}

ChangeSet Rib::PeerDown(PeerId peer) {
  State(peer);
  ChangeSet cs;
  const auto& counts = state_[peer].counts;
  cs.changes.reserve(counts[0].accepted + counts[1].accepted);
  auto all = [](const Path&) { return true; };
  RemovePaths(v4_, peer, all, cs);
  RemovePaths(v6_, peer, all, cs);
  state_[peer].counts = {};
  return cs;
}

std::size_t Rib::MarkStale(PeerId peer) {
  State(peer);
  std::size_t n = 0;
  auto mark = [&](auto& table) {
    for (auto& item : table.items()) {
      for (Path& p : item.value) {
        if (p.peer != peer) continue;
        p.flags |= path_flag::kStale;
        ++n;
      }
    }
  };
  mark(v4_);
  mark(v6_);
  return n;
}

ChangeSet Rib::SweepStale(PeerId peer, wire::Family family) {
  State(peer);
  ChangeSet cs;
  auto stale = [](const Path& p) { return p.stale(); };
  if (family == wire::kIpv4Unicast) RemovePaths(v4_, peer, stale, cs);
  if (family == wire::kIpv6Unicast) RemovePaths(v6_, peer, stale, cs);
  return cs;
}

const PathVec* Rib::Entry(const wire::Prefix& prefix) const {
  const PathVec* paths = prefix.afi == wire::Afi::kIpv4 ? v4_.Find(V4Key::From(prefix))
                                                        : v6_.Find(V6Key::From(prefix));
  return paths == nullptr || paths->empty() ? nullptr : paths;
}

RouteView Rib::Find(const wire::Prefix& prefix) const {
  const PathVec* paths = Entry(prefix);
  if (paths == nullptr) return {};
  return {paths->span(), ReasonOf(*paths)};
}

std::optional<BestPath> Rib::Best(const wire::Prefix& prefix) const {
  const PathVec* paths = Entry(prefix);
  if (paths == nullptr || ReasonOf(*paths) == Reason::kNone) return std::nullopt;
  const Path& b = (*paths)[0];
  return BestPath{b.attrs, b.path_id, b.peer, ReasonOf(*paths)};
}

std::vector<PathInfo> Rib::Infos(const PathVec& paths) const {
  std::vector<PathInfo> out;
  out.reserve(paths.size());
  const bool has_best = ReasonOf(paths) != Reason::kNone;
  const auto multipath = MultipathSet(paths.span(), has_best ? 0 : kNoPath, peers_);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const Path& p = paths[i];
    PathInfo info{p.peer, p.path_id, p.attrs, p.accepted(), p.stale(), has_best && i == 0, false};
    for (auto m : multipath) info.multipath |= m == i;
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<PathInfo> Rib::Multipath(const wire::Prefix& prefix) const {
  const PathVec* paths = Entry(prefix);
  std::vector<PathInfo> out;
  if (paths == nullptr || ReasonOf(*paths) == Reason::kNone) return out;
  for (auto& info : Infos(*paths)) {
    if (info.multipath) out.push_back(std::move(info));
  }
  return out;
}

std::optional<RouteInfo> Rib::Route(const wire::Prefix& prefix) const {
  const PathVec* paths = Entry(prefix);
  if (paths == nullptr) return std::nullopt;
  wire::Prefix p = prefix;
  p.path_id = 0;
  return RouteInfo{p, ReasonOf(*paths), Infos(*paths)};
}

std::vector<RouteInfo> Rib::Routes(wire::Family family) const {
  std::vector<RouteInfo> out;
  out.reserve(PrefixCount(family));
  auto add = [&](const auto& table) {
    for (const auto& item : table.items()) {
      if (item.value.empty()) continue;
      out.push_back(RouteInfo{item.key.ToPrefix(), ReasonOf(item.value), Infos(item.value)});
    }
  };
  if (family == wire::kIpv4Unicast) add(v4_);
  if (family == wire::kIpv6Unicast) add(v6_);
  return out;
}

FamilyCounts Rib::Counts(PeerId peer, wire::Family family) const {
  const auto fi = FamilyIndex(family);
  if (Peer(peer) == nullptr || !fi) return {};
  return state_[peer].counts[*fi];
}

std::size_t Rib::PrefixCount(wire::Family family) const {
  // Items waiting for Compact are few (the server compacts after every export); an item
  // emptied twice is listed twice.
  auto count = [](const auto& table, std::vector<std::uint32_t> empty) {
    std::sort(empty.begin(), empty.end());
    empty.erase(std::unique(empty.begin(), empty.end()), empty.end());
    std::size_t n = table.size();
    for (const std::uint32_t i : empty) n -= table.at(i).value.empty() ? 1 : 0;
    return n;
  };
  if (family == wire::kIpv4Unicast) return count(v4_, empty_[0]);
  if (family == wire::kIpv6Unicast) return count(v6_, empty_[1]);
  return 0;
}

std::size_t Rib::MemoryBytes() const {
  std::size_t n = v4_.MemoryBytes() + v6_.MemoryBytes() + peers_.capacity() * sizeof(PeerInfo) +
                  state_.capacity() * sizeof(PeerState);
  for (const auto& item : v4_.items()) n += item.value.HeapBytes();
  for (const auto& item : v6_.items()) n += item.value.HeapBytes();
  return n;
}

}  // namespace bgpdemo::bgp::rib
