// FlatMap: the hash table under the Loc-RIB and the Adj-RIB-Out.
//
// Items live in one dense vector (key and value side by side, no node per entry); an
// open-addressing index of 8-byte slots {item index + 1, 32 bits of hash} points into it,
// with linear probing, backward-shift deletion (no tombstones) and at most 3/4 of the slots
// in use. Erasing moves the last item into the hole, so iteration is a plain walk over a
// vector, and a table of N items costs N * sizeof(Item) plus 8 to 16 bytes of index each.
// Measured at 1M IPv4 /24s with a one-path PathVec as value (g++ 12 -O2, this 2-core box):
// FlatMap<V4Key, PathVec> 50 B/prefix, insert 0.16 s, lookup 0.11 s, erase 0.13 s;
// std::unordered_map<wire::Prefix, PathVec, PrefixHash> 76 B/prefix, 1.2 s, 0.47 s, 0.75 s
// (108 B/prefix with std::vector<Path> as value).
//
//   slots: [ 3|h ][  0  ][ 1|h ][ 2|h ][  0  ] ...    items: [ k,v ][ k,v ][ k,v ] ...
//
// Key needs operator== and `std::uint64_t Hash() const`. Pointers and indexes into the items
// are invalidated by Insert and by erasing; a caller walking items() while erasing uses
// EraseAt(i) and does not advance i (the last item has moved into i).
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "base/check.h"
#include "base/large_alloc.h"

namespace bgpdemo::bgp::rib {

template <typename Key, typename Value>
class FlatMap {
 public:
  struct Item {
    Key key;
    Value value;
  };
  using key_type = Key;
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  std::size_t size() const { return items_.size(); }
  // Items that fit before the next reallocation (arrays parallel to items() follow it).
  std::size_t capacity() const { return items_.capacity(); }
  bool empty() const { return items_.empty(); }
  std::span<Item> items() { return items_; }
  std::span<const Item> items() const { return items_; }
  Item& at(std::size_t i) { return items_[i]; }
  const Item& at(std::size_t i) const { return items_[i]; }

  // The item index of key, or kNone.
  std::size_t FindIndex(const Key& key) const {
    if (slots_.empty()) return kNone;
    const auto h = static_cast<std::uint32_t>(key.Hash());
    for (std::size_t pos = h & mask_;; pos = (pos + 1) & mask_) {
      const Slot& s = slots_[pos];
      if (s.index1 == 0) return kNone;
      if (s.hash == h && items_[s.index1 - 1].key == key) return s.index1 - 1;
    }
  }
  Value* Find(const Key& key) {
    const std::size_t i = FindIndex(key);
    return i == kNone ? nullptr : &items_[i].value;
  }
  const Value* Find(const Key& key) const {
    const std::size_t i = FindIndex(key);
    return i == kNone ? nullptr : &items_[i].value;
  }

  // The index of key's item, inserting one with a default Value when missing; second is
  // true when inserted.
  std::pair<std::size_t, bool> Insert(const Key& key) {
    if ((items_.size() + 1) * 4 > slots_.size() * 3) Grow();
    const auto h = static_cast<std::uint32_t>(key.Hash());
    std::size_t pos = h & mask_;
    for (;; pos = (pos + 1) & mask_) {
      const Slot& s = slots_[pos];
      if (s.index1 == 0) break;
      if (s.hash == h && items_[s.index1 - 1].key == key) return {s.index1 - 1, false};
    }
    BGPDEMO_CHECK(items_.size() < 0xffffffffu);
    items_.push_back(Item{key, Value{}});
    slots_[pos] = Slot{static_cast<std::uint32_t>(items_.size()), h};
    return {items_.size() - 1, true};
  }

  bool Erase(const Key& key) {
    const std::size_t i = FindIndex(key);
    if (i == kNone) return false;
    EraseAt(i);
    return true;
  }

  // Removes item i; the last item moves into its place.
  void EraseAt(std::size_t i) {
    RemoveSlot(SlotOf(i));
    const std::size_t last = items_.size() - 1;
    if (i != last) {
      slots_[SlotOf(last)].index1 = static_cast<std::uint32_t>(i + 1);
      items_[i] = std::move(items_[last]);
    }
    items_.pop_back();
  }

  void Reserve(std::size_t n) {
    items_.reserve(n);
    while (n * 4 > slots_.size() * 3) Grow();
  }

  void Clear() {
    items_.clear();
    items_.shrink_to_fit();
    slots_.clear();
    slots_.shrink_to_fit();
    mask_ = 0;
  }

  // Heap bytes of the table itself (not of what values point to).
  std::size_t MemoryBytes() const {
    return items_.capacity() * sizeof(Item) + slots_.capacity() * sizeof(Slot);
  }

 private:
  struct Slot {
    std::uint32_t index1 = 0;  // item index + 1; 0 = empty
    std::uint32_t hash = 0;    // low 32 bits of the key's hash: bucket and quick compare
  };

  // The slot pointing at item i. REQUIRES: i < size().
  std::size_t SlotOf(std::size_t i) const {
    const auto h = static_cast<std::uint32_t>(items_[i].key.Hash());
    for (std::size_t pos = h & mask_;; pos = (pos + 1) & mask_) {
      if (slots_[pos].index1 == i + 1) return pos;
      BGPDEMO_CHECK(slots_[pos].index1 != 0);
    }
  }

  // Backward-shift deletion: pull later members of the probe run into the hole.
  void RemoveSlot(std::size_t hole) {
    for (std::size_t j = (hole + 1) & mask_; slots_[j].index1 != 0; j = (j + 1) & mask_) {
      const std::size_t ideal = slots_[j].hash & mask_;
      if (((j - ideal) & mask_) >= ((j - hole) & mask_)) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
  }

  void Grow() {
    const std::size_t n = slots_.empty() ? 16 : slots_.size() * 2;
    Vector<Slot> old(n);
    old.swap(slots_);
    mask_ = n - 1;
    for (const Slot& s : old) {
      if (s.index1 == 0) continue;
      std::size_t pos = s.hash & mask_;
      while (slots_[pos].index1 != 0) pos = (pos + 1) & mask_;
      slots_[pos] = s;
    }
  }

  // Both arrays reach tens of MiB in a full table: on huge pages (base/large_alloc.h).
  template <typename T>
  using Vector = std::vector<T, LargeAllocator<T>>;
  Vector<Item> items_;
  Vector<Slot> slots_;
  std::size_t mask_ = 0;
};

}  // namespace bgpdemo::bgp::rib
