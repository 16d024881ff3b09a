#include "bgp/rib/attr_store.h"

#include <cstring>

#include "base/check.h"
#include "bgp/rib/prefix_key.h"

namespace bgpdemo::bgp::rib {
namespace {

// A running hash: each word is folded in with a multiply-mix, so order and position count.
class Hasher {
 public:
  void Add(std::uint64_t v) { h_ = Mix64(h_ ^ (v + 0x9e3779b97f4a7c15ULL + (h_ << 6))); }
  void AddBytes(const std::uint8_t* p, std::size_t n) {
    Add(n);
    while (n >= 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, 8);
      Add(w);
      p += 8;
      n -= 8;
    }
    if (n > 0) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, n);
      Add(w);
    }
  }
  void AddAddress(const wire::IpAddress& a) {
    Add(static_cast<std::uint64_t>(a.afi));
    AddBytes(a.bytes.data(), a.bytes.size());
  }
  void AddPath(const wire::AsPath& path) {
    Add(path.segments.size());
    for (const auto& s : path.segments) {
      Add(static_cast<std::uint64_t>(s.type) << 32 | s.asns.size());
      for (auto asn : s.asns) Add(asn);
    }
  }
  template <typename T, typename F>
  void AddOptional(const std::optional<T>& v, F&& add) {
    Add(v.has_value());
    if (v) add(*v);
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0x51ab0c1dULL;
};

std::uint32_t NeighborAs(const wire::AsPath& path) {
  for (const auto& s : path.segments) {
    if (s.type == wire::AsSegmentType::kConfedSequence ||
        s.type == wire::AsSegmentType::kConfedSet) {
      continue;
    }
    if (s.type == wire::AsSegmentType::kSequence && !s.asns.empty()) return s.asns.front();
    return 0;
  }
  return 0;
}

}  // namespace

std::uint64_t HashAttributes(const wire::PathAttributes& a) {
  Hasher h;
  auto u32 = [&h](std::uint32_t v) { h.Add(v); };
  auto aggregator = [&h](const wire::Aggregator& g) {
    h.Add(std::uint64_t{g.asn} << 32 | g.address);
  };
  h.AddOptional(a.origin, [&h](wire::Origin o) { h.Add(static_cast<std::uint64_t>(o)); });
  h.AddOptional(a.as_path, [&h](const wire::AsPath& p) { h.AddPath(p); });
  h.AddOptional(a.next_hop, [&h](const wire::IpAddress& nh) { h.AddAddress(nh); });
  h.AddOptional(a.med, u32);
  h.AddOptional(a.local_pref, u32);
  h.Add(a.atomic_aggregate);
  h.AddOptional(a.aggregator, aggregator);
  h.Add(a.communities.size());
  for (auto c : a.communities) h.Add(c);
  h.AddOptional(a.originator_id, u32);
  h.Add(a.cluster_list.size());
  for (auto c : a.cluster_list) h.Add(c);
  h.AddOptional(a.mp_reach, [&h](const wire::MpReach& mp) {
    h.Add(static_cast<std::uint64_t>(mp.family.afi) << 8 |
          static_cast<std::uint64_t>(mp.family.safi));
    h.AddAddress(mp.next_hop);
    h.AddOptional(mp.link_local, [&h](const wire::IpAddress& ll) { h.AddAddress(ll); });
    h.Add(mp.reserved);
  });
  h.Add(a.extended_communities.size());
  for (const auto& c : a.extended_communities) h.AddBytes(c.data(), c.size());
  h.AddOptional(a.as4_path, [&h](const wire::AsPath& p) { h.AddPath(p); });
  h.AddOptional(a.as4_aggregator, aggregator);
  h.Add(a.large_communities.size());
  for (const auto& c : a.large_communities) {
    h.Add(std::uint64_t{c.global} << 32 | c.local1);
    h.Add(c.local2);
  }
  h.AddOptional(a.otc, u32);
  h.Add(a.unknown.size());
  for (const auto& r : a.unknown) {
    h.Add(std::uint64_t{r.flags} << 8 | r.type);
    h.AddBytes(r.value.data(), r.value.size());
  }
  return h.value();
}

void Canonicalize(wire::PathAttributes& attrs) {
  attrs.wire_order.clear();
  attrs.wire_order.shrink_to_fit();
  if (attrs.mp_reach) {
    attrs.mp_reach->nlri.clear();
    attrs.mp_reach->nlri.shrink_to_fit();
  }
  attrs.mp_unreach.reset();
}

AttrEntry::AttrEntry(wire::PathAttributes attrs, std::uint64_t hash, AttrStore* store)
    : attrs_(std::move(attrs)), hash_(hash), store_(store) {
  if (attrs_.as_path) {
    path_length_ = static_cast<std::uint32_t>(attrs_.as_path->PathLength());
    neighbor_as_ = NeighborAs(*attrs_.as_path);
  }
  med_ = attrs_.med.value_or(0);
  cluster_list_length_ = static_cast<std::uint32_t>(attrs_.cluster_list.size());
  origin_ = attrs_.origin.value_or(wire::Origin::kIncomplete);
  if (attrs_.mp_reach) {
    next_hop_ = attrs_.mp_reach->next_hop;
  } else if (attrs_.next_hop) {
    next_hop_ = *attrs_.next_hop;
  }
}

void AttrRef::Release(AttrEntry* e) noexcept {
  if (e->store_ != nullptr) {
    e->store_->Erase(e);
  } else {
    delete e;  // orphaned by a store that went first
  }
}

AttrStore::~AttrStore() {
  // Handles may outlive the store (a ChangeSet kept after its Rib); their entries stay
  // valid, are no longer shared with new ones, and go with their last handle.
  for (auto& [h, e] : entries_) e->store_ = nullptr;
}

AttrRef AttrStore::Intern(wire::PathAttributes attrs) {
  Canonicalize(attrs);
  const std::uint64_t h = HashAttributes(attrs);
  auto [first, last] = entries_.equal_range(h);
  for (auto it = first; it != last; ++it) {
    if (it->second->attrs_ == attrs) return AttrRef(it->second);
  }
  auto* e = new AttrEntry(std::move(attrs), h, this);
  entries_.emplace(h, e);
  return AttrRef(e);
}

void AttrStore::Erase(AttrEntry* e) noexcept {
  auto [first, last] = entries_.equal_range(e->hash_);
  for (auto it = first; it != last; ++it) {
    if (it->second == e) {
      entries_.erase(it);
      break;
    }
  }
  delete e;
}

std::size_t AttrStore::MemoryBytes() const {
  std::size_t n = entries_.bucket_count() * sizeof(void*);
  for (const auto& [h, e] : entries_) {
    const auto& a = e->attrs_;
    n += sizeof(AttrEntry) + 32;  // the entry and its map node
    if (a.as_path) {
      for (const auto& s : a.as_path->segments) n += sizeof(s) + s.asns.capacity() * 4;
    }
    n += a.communities.capacity() * 4 + a.cluster_list.capacity() * 4 +
         a.extended_communities.capacity() * 8 + a.large_communities.capacity() * 12;
    for (const auto& r : a.unknown) n += sizeof(r) + r.value.capacity();
  }
  return n;
}

}  // namespace bgpdemo::bgp::rib
