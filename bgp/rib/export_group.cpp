#include "bgp/rib/export_group.h"

#include <algorithm>

#include "base/check.h"
#include "bgp/wire/buffer.h"
#include "bgp/wire/update_packer.h"

namespace bgpdemo::bgp::rib {
namespace {

constexpr std::array<wire::Family, 2> kFamilies = {wire::kIpv4Unicast, wire::kIpv6Unicast};

bool HasCandidateOf(std::span<const Path> paths, PeerId peer) {
  return std::any_of(paths.begin(), paths.end(),
                     [peer](const Path& p) { return p.peer == peer && p.accepted(); });
}

enum class Kind : std::uint8_t { kNone, kAnnounce, kWithdraw };

Kind KindOf(const AttrRef& before, const AttrRef& after) {
  if (before == after) return Kind::kNone;
  return after ? Kind::kAnnounce : Kind::kWithdraw;
}

int Has(const AttrRef& a) {
  return a ? 1 : 0;
}

}  // namespace

bool SameEncoding(const wire::Context& a, const wire::Context& b) {
  return a.four_octet_as == b.four_octet_as && a.extended_message == b.extended_message &&
         a.add_path_ipv4 == b.add_path_ipv4 && a.add_path_ipv6 == b.add_path_ipv6 &&
         a.ipv4_unicast == b.ipv4_unicast && a.ipv6_unicast == b.ipv6_unicast;
}

ExportGroup::ExportGroup(const Rib& rib, AttrStore& store, const ExportPeer& first)
    : rib_(rib),
      store_(store),
      target_(policy::TransformKey(first.target)),
      filter_(first.filter),
      ctx_(first.ctx) {}

bool ExportGroup::Accepts(const ExportPeer& peer) const {
  return policy::TransformKey(peer.target) == target_ && peer.filter == filter_ &&
         SameEncoding(peer.ctx, ctx_);
}

ExportGroup::Member* ExportGroup::FindMember(PeerId id) {
  for (auto& m : members_) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

const ExportGroup::Member* ExportGroup::FindMember(PeerId id) const {
  for (const auto& m : members_) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

bool ExportGroup::HasMember(PeerId id) const {
  return FindMember(id) != nullptr;
}

void ExportGroup::AddMember(PeerId id) {
  BGPDEMO_CHECK(!HasMember(id));
  members_.push_back(Member{id});
}

void ExportGroup::RemoveMember(PeerId id) {
  Purge(v4_, wire::Afi::kIpv4, id);
  Purge(v6_, wire::Afi::kIpv6, id);
  std::erase_if(members_, [id](const Member& m) { return m.id == id; });
}

// --- deviations --------------------------------------------------------------------------

template <typename Key>
void ExportGroup::ReadDevs(Tables<Key>& t, const Key& key, const OutEntry& e,
                           std::vector<Dev>& out) {
  out.clear();
  if (e.excluded != kNoPeer) out.push_back(Dev{e.excluded, {}});
  if (e.more) {
    const auto* list = t.devs.Find(key);
    BGPDEMO_CHECK(list != nullptr);
    out.insert(out.end(), list->begin(), list->end());
  }
}

template <typename Key>
void ExportGroup::ClearDevs(Tables<Key>& t, const Key& key, OutEntry& e) {
  if (e.more) t.devs.Erase(key);
  e.more = false;
  e.excluded = kNoPeer;
}

template <typename Key>
void ExportGroup::AddDev(Tables<Key>& t, const Key& key, OutEntry& e, Dev dev) {
  // The common deviation (the only source of a prefix gets nothing) fits in the entry.
  if (!dev.attrs && e.attrs && e.excluded == kNoPeer) {
    e.excluded = dev.member;
    return;
  }
  t.devs.at(t.devs.Insert(key).first).value.push_back(std::move(dev));
  e.more = true;
}

template <typename Key>
void ExportGroup::Purge(Tables<Key>& t, wire::Afi afi, PeerId id) {
  std::vector<Dev> devs;
  for (std::size_t i = 0; i < t.sent.size(); ++i) {
    OutEntry& e = t.sent[i];
    if (e.excluded != id && !e.more) continue;
    const Key key = Key::From(rib_.PrefixAt(afi, i));
    ReadDevs(t, key, e, devs);
    ClearDevs(t, key, e);
    for (auto& d : devs) {
      if (d.member != id) AddDev(t, key, e, std::move(d));
    }
  }
}

template <typename Key>
ExportGroup::OutEntry& ExportGroup::EntryAt(Tables<Key>& t, wire::Afi afi, std::size_t index) {
  if (index >= t.sent.size()) {
    // Grow with the Rib's table, not by doubling on our own: no slack beyond the Rib's.
    t.sent.reserve(rib_.TableCapacity(afi));
    t.sent.resize(rib_.TableSize(afi));
  }
  return t.sent[index];
}

void ExportGroup::Move(wire::Afi afi, std::size_t from, std::size_t to) {
  auto& sent = afi == wire::Afi::kIpv4 ? v4_.sent : v6_.sent;
  // The erased prefix at `to` was exported (withdrawn) before the Rib compacted.
  if (to < sent.size()) sent[to] = from < sent.size() ? sent[from] : OutEntry{};
  if (sent.size() > from) sent.resize(from);
}

// --- views -------------------------------------------------------------------------------

bool ExportGroup::Fits(const wire::PathAttributes& attrs, wire::Family family) {
  const std::size_t max = ctx_.MaxMessageSize();
  scratch_.resize(max);
  wire::Writer w(scratch_);
  wire::EncodeAttributes(attrs, ctx_, w);
  // Header, the two length fields, and one NLRI of the family's longest kind: an IPv4 /32
  // in the NLRI field (with its path identifier under ADD-PATH), or an IPv6 /128 and a path
  // identifier in MP_REACH (whose length may then need its Extended Length octet). So an
  // IPv4 route goes on whenever its attributes fit one message with any IPv4 prefix: exact
  // for a /32, a byte short of it for a /24 (tests/bgp/server/size_limits_test.cpp).
  const bool v6 = family.afi == wire::Afi::kIpv6;
  const std::size_t nlri = (ctx_.AddPath(family) || v6 ? 4 : 0) + (v6 ? 1 + 17 : 5);
  return !w.overflowed() && w.size() + wire::kHeaderSize + 4 + nlri <= max;
}

AttrRef ExportGroup::Transform(const Path& path, wire::Family family) {
  const PeerInfo* source = rib_.Peer(path.peer);
  BGPDEMO_CHECK(source != nullptr);
  // Entries are 8-aligned: the low bits carry what else the result depends on.
  const auto key = reinterpret_cast<std::uintptr_t>(path.attrs.get()) | (source->ibgp ? 1u : 0u) |
                   (family.afi == wire::Afi::kIpv6 ? 2u : 0u);
  if (key == last_key_) return last_value_;
  if (auto it = cache_.find(key); it != cache_.end()) {
    last_key_ = key;
    last_value_ = it->second;
    return it->second;
  }
  AttrRef out;
  auto attrs =
      policy::ExportAttributes(target_, {source->asn, source->ibgp}, family, path.attrs.attrs());
  // An attribute set too large for one message cannot be sent at all (RFC 4271 §9.2).
  if (attrs && Fits(*attrs, family)) out = store_.Intern(std::move(attrs).value());
  cache_.emplace(key, out);
  last_key_ = key;
  last_value_ = out;
  return out;
}

AttrRef ExportGroup::View(const wire::Prefix& prefix, const RouteView& route, PeerId member) {
  if (!route.has_best()) return {};
  const wire::Family family = wire::UnicastFamilyOf(prefix);
  if (!ctx_.Carries(family) || !filter_.Permits(prefix)) return {};
  std::size_t chosen = 0;
  if (member != kNoPeer && HasCandidateOf(route.paths, member)) {
    if (target_.mode == policy::Mode::kRouter) {
      // Never back to the peer the best came from.
      if (route.paths[0].peer == member) return {};
    } else {
      // RFC 7947 §2.3.2.1: the client's own view is the best of the others' paths. The
      // common case, the client's path is the only one, needs no selection.
      if (route.paths.size() == 1) return {};
      const Selection s = SelectBest(route.paths, rib_.peers(), member, false);
      if (s.best == kNoPath) return {};
      chosen = s.best;
    }
  }
  return Transform(route.paths[chosen], family);
}

// --- changes -----------------------------------------------------------------------------

template <typename Key>
void ExportGroup::ApplyOne(Tables<Key>& t, std::size_t family, const Change& change) {
  const wire::Prefix& prefix = change.prefix;
  const Key key = Key::From(prefix);
  const RouteView route = rib_.At(prefix.afi, change.index);
  AttrRef new_default = View(prefix, route, kNoPeer);
  OutEntry& entry = EntryAt(t, prefix.afi, change.index);
  const AttrRef old_default = entry.attrs;
  ReadDevs(t, key, entry, old_devs_);
  // Only members that are a source of the prefix can see it differently.
  new_devs_.clear();
  for (std::size_t i = 0; i < route.paths.size(); ++i) {
    const Path& p = route.paths[i];
    if (!p.accepted()) continue;
    const Member* m = FindMember(p.peer);
    if (m == nullptr || !m->in_step) continue;
    bool seen = false;  // ADD-PATH: several paths of one peer
    for (std::size_t j = 0; j < i && !seen; ++j) seen = route.paths[j].peer == p.peer;
    if (seen) continue;
    AttrRef mine = View(prefix, route, p.peer);
    if (mine != new_default) new_devs_.push_back(Dev{p.peer, std::move(mine)});
  }

  const bool default_changed = old_default != new_default;
  const std::size_t action_index = default_changed ? batch_.size() : kNoIndex;
  if (default_changed) {
    batch_.push_back(Action{prefix, new_default});
    if (new_default && !old_default) ++t.advertised;
    if (!new_default && old_default) --t.advertised;
  }
  const Kind default_kind = KindOf(old_default, new_default);

  auto view_in = [](const std::vector<Dev>& devs, PeerId id,
                    const AttrRef& fallback) -> const AttrRef& {
    for (const auto& d : devs) {
      if (d.member == id) return d.attrs;
    }
    return fallback;
  };
  auto visit = [&](PeerId id) {
    Member* m = FindMember(id);
    if (m == nullptr) return;
    const AttrRef& old_view = view_in(old_devs_, id, old_default);
    const AttrRef& new_view = view_in(new_devs_, id, new_default);
    m->delta[family] += (Has(new_view) - Has(new_default)) - (Has(old_view) - Has(old_default));
    const Kind mine = KindOf(old_view, new_view);
    if (mine == default_kind && (mine != Kind::kAnnounce || new_view == new_default)) return;
    exceptions_.push_back(
        Exception{id, action_index, mine != Kind::kNone,
                  Action{prefix, mine == Kind::kAnnounce ? new_view : AttrRef{}}});
  };
  for (const auto& d : old_devs_) visit(d.member);
  for (const auto& d : new_devs_) {
    const bool visited = std::any_of(old_devs_.begin(), old_devs_.end(),
                                     [&](const Dev& o) { return o.member == d.member; });
    if (!visited) visit(d.member);
  }

  entry.attrs = std::move(new_default);
  ClearDevs(t, key, entry);
  for (auto& d : new_devs_) AddDev(t, key, entry, std::move(d));
}

void ExportGroup::Apply(std::span<const Change> changes, std::vector<Outgoing>& out) {
  if (!initialized_) return;  // nobody has a table yet: FullTable reads the RIB as it is
  batch_.clear();
  batch_.reserve(changes.size());
  exceptions_.clear();
  for (const Change& c : changes) {
    if (c.prefix.afi == wire::Afi::kIpv4) {
      ApplyOne(v4_, 0, c);
    } else {
      ApplyOne(v6_, 1, c);
    }
  }
  cache_.clear();
  last_key_ = 0;
  last_value_.Reset();
  if (batch_.empty() && exceptions_.empty()) return;
  // By member, in batch order within each. Mostly they are sorted already: an UPDATE comes
  // from one peer, so in a route server the exceptions are that peer's (it does not get its
  // own routes back), and sorting a thousand equal keys cost 5% of the load.
  const auto by_member = [](const Exception& a, const Exception& b) { return a.member < b.member; };
  if (!std::is_sorted(exceptions_.begin(), exceptions_.end(), by_member)) {
    std::stable_sort(exceptions_.begin(), exceptions_.end(), by_member);
  }
  std::shared_ptr<const std::vector<std::uint8_t>> shared;
  std::vector<Action> mine;
  std::vector<std::size_t> skips;
  for (const Member& m : members_) {
    if (!m.in_step) continue;
    auto lo = std::lower_bound(exceptions_.begin(), exceptions_.end(), m.id,
                               [](const Exception& e, PeerId id) { return e.member < id; });
    auto hi = lo;
    while (hi != exceptions_.end() && hi->member == m.id) ++hi;
    if (lo == hi) {
      if (batch_.empty()) continue;
      if (!shared) shared = std::make_shared<const std::vector<std::uint8_t>>(Pack(batch_));
      out.push_back(Outgoing{m.id, shared});
      continue;
    }
    // The default actions minus those it skips (in batch order), plus its own.
    mine.clear();
    skips.clear();
    for (auto it = lo; it != hi; ++it) {
      if (it->skip != kNoIndex) skips.push_back(it->skip);
    }
    std::size_t k = 0;  // skips ascend: exceptions were recorded in batch order
    for (std::size_t i = 0; i < batch_.size(); ++i) {
      if (k < skips.size() && skips[k] == i) {
        ++k;
        continue;
      }
      mine.push_back(batch_[i]);
    }
    for (auto it = lo; it != hi; ++it) {
      if (it->own) mine.push_back(it->action);
    }
    if (mine.empty()) continue;
    out.push_back(Outgoing{m.id, std::make_shared<const std::vector<std::uint8_t>>(Pack(mine))});
  }
}

// --- full table --------------------------------------------------------------------------

template <typename Key>
void ExportGroup::FullTableOf(Tables<Key>& t, std::size_t family, wire::Family fam, Member& m,
                              std::vector<Action>& out) {
  const wire::Afi afi = fam.afi;
  if (!initialized_) {
    t.sent.reserve(rib_.TableCapacity(afi));
    t.sent.assign(rib_.TableSize(afi), OutEntry{});
  }
  for (std::size_t i = 0; i < rib_.TableSize(afi); ++i) {
    const RouteView route = rib_.At(afi, i);
    if (route.paths.empty()) continue;
    const wire::Prefix prefix = rib_.PrefixAt(afi, i);
    OutEntry& entry = EntryAt(t, afi, i);
    if (!initialized_) {
      entry.attrs = View(prefix, route, kNoPeer);
      if (entry.attrs) ++t.advertised;
    }
    const AttrRef def = entry.attrs;
    AttrRef view = def;
    if (HasCandidateOf(route.paths, m.id)) {
      view = View(prefix, route, m.id);
      if (view != def) {
        AddDev(t, Key::From(prefix), entry, Dev{m.id, view});
        m.delta[family] += Has(view) - Has(def);
      }
    }
    if (view) out.push_back(Action{prefix, std::move(view)});
  }
}

std::vector<std::uint8_t> ExportGroup::FullTable(PeerId id) {
  Member* m = FindMember(id);
  BGPDEMO_CHECK(m != nullptr);
  if (m->in_step) {
    // A ROUTE-REFRESH: forget what it holds and send it all again.
    Purge(v4_, wire::Afi::kIpv4, id);
    Purge(v6_, wire::Afi::kIpv6, id);
  }
  m->delta = {};
  std::vector<Action> actions;
  if (ctx_.Carries(wire::kIpv4Unicast)) FullTableOf(v4_, 0, wire::kIpv4Unicast, *m, actions);
  if (ctx_.Carries(wire::kIpv6Unicast)) FullTableOf(v6_, 1, wire::kIpv6Unicast, *m, actions);
  initialized_ = true;
  m->in_step = true;
  cache_.clear();
  last_key_ = 0;
  last_value_.Reset();
  auto bytes = Pack(actions);
  const wire::UpdatePacker packer(ctx_);
  for (auto family : kFamilies) {
    if (ctx_.Carries(family)) packer.EndOfRib(family, bytes);  // RFC 4724 §2
  }
  return bytes;
}

// --- packing -----------------------------------------------------------------------------

std::vector<std::uint8_t> ExportGroup::Pack(std::span<const Action> actions) const {
  std::vector<std::uint8_t> out;
  const wire::UpdatePacker packer(ctx_);
  for (auto family : kFamilies) {
    std::vector<wire::Prefix> withdrawn;
    for (const auto& a : actions) {
      if (!a.attrs && wire::UnicastFamilyOf(a.prefix) == family) withdrawn.push_back(a.prefix);
    }
    if (withdrawn.empty()) continue;
    auto n = packer.Withdraw(family, withdrawn, out);
    BGPDEMO_CHECK(n.has_value());
  }
  for (auto family : kFamilies) {
    // Prefixes by attribute set, sets in order of first appearance.
    std::vector<std::pair<const AttrEntry*, std::vector<wire::Prefix>>> sets;
    std::unordered_map<const AttrEntry*, std::size_t> index;
    const AttrEntry* last = nullptr;
    std::size_t last_set = 0;
    for (const auto& a : actions) {
      if (!a.attrs || wire::UnicastFamilyOf(a.prefix) != family) continue;
      if (a.attrs.get() != last) {
        auto [it, inserted] = index.emplace(a.attrs.get(), sets.size());
        if (inserted) sets.emplace_back(a.attrs.get(), std::vector<wire::Prefix>{});
        last = a.attrs.get();
        last_set = it->second;
      }
      sets[last_set].second.push_back(a.prefix);
    }
    for (const auto& [attrs, prefixes] : sets) {
      auto n = packer.Announce(attrs->attrs(), prefixes, out);
      BGPDEMO_CHECK(n.has_value());  // Fits() checked the size of every set
    }
  }
  // The packer reserves a whole message at a time, and the bytes wait in send queues: a
  // route server passing on a thousand clients' small UPDATEs held 4,000 of them at 4 KiB
  // each for 200 bytes used (issue #13's dynamic row). One copy per chunk, not per member.
  if (out.capacity() - out.size() > 512) out.shrink_to_fit();
  return out;
}

std::size_t ExportGroup::Advertised(PeerId id, wire::Family family) const {
  const Member* m = FindMember(id);
  if (m == nullptr || !m->in_step) return 0;
  if (family == wire::kIpv4Unicast) return static_cast<std::size_t>(v4_.advertised + m->delta[0]);
  if (family == wire::kIpv6Unicast) return static_cast<std::size_t>(v6_.advertised + m->delta[1]);
  return 0;
}

std::size_t ExportGroup::MemoryBytes() const {
  std::size_t n = (v4_.sent.capacity() + v6_.sent.capacity()) * sizeof(OutEntry) +
                  v4_.devs.MemoryBytes() + v6_.devs.MemoryBytes();
  for (const auto& item : v4_.devs.items()) n += item.value.capacity() * sizeof(Dev);
  for (const auto& item : v6_.devs.items()) n += item.value.capacity() * sizeof(Dev);
  return n;
}

}  // namespace bgpdemo::bgp::rib
