// Interned path attribute sets (the "attributes interned" of docs/architecture.md, "The BGP
// engine").
//
// A full table from one peer carries a few thousand distinct attribute sets for a million
// prefixes, so the RIB stores each set once: AttrStore::Intern turns a wire::PathAttributes
// into an AttrRef, a counted handle (8 bytes) to an immutable AttrEntry. Equal sets give
// the same entry, so two handles are equal exactly when their pointers are. The entry is
// freed when its last AttrRef goes.
//
// Interning canonicalizes first: the received attribute order (wire_order), the NLRI inside
// MP_REACH_NLRI and the whole MP_UNREACH_NLRI are dropped; the MP_REACH family and next hop
// are kept (RFC 4760 §3: the next hop belongs to the routes). The entry also holds what
// the decision process reads on every comparison (RFC 4271 §9.1.2.2), computed once.
//
// Data flow: Rib::Update interns once per UPDATE and family, never per prefix; the
// Adj-RIB-Out interns the attributes it sends (after the export transformation) in a store
// of its own so that prefixes are grouped into UPDATEs by handle.
//
// Not thread-safe: a store, its entries and every AttrRef to them belong to one thread.
// An AttrRef may outlive its store: the entry stays valid and goes with its last handle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>

#include "bgp/wire/attributes.h"

namespace bgpdemo::bgp::rib {

class AttrStore;

// Hash of the canonical content of a set: every field but wire_order, MP_REACH's NLRI and
// MP_UNREACH. Equal sets (as Intern compares them) hash equal.
std::uint64_t HashAttributes(const wire::PathAttributes& attrs);

// One interned set. Immutable; shared by every route that carries it.
class AttrEntry {
 public:
  const wire::PathAttributes& attrs() const { return attrs_; }
  std::uint64_t hash() const { return hash_; }
  std::uint32_t refs() const { return refs_; }

  // Decision inputs (RFC 4271 §9.1.2.2), computed when interned.
  std::optional<std::uint32_t> local_pref() const { return attrs_.local_pref; }
  std::uint32_t path_length() const { return path_length_; }  // sets 1, confederations 0
  wire::Origin origin() const { return origin_; }             // missing: INCOMPLETE
  std::uint32_t med() const { return med_; }                  // missing: 0 (RFC 4271 §9.1.2.2 c)
  // The AS the route came from for MED comparison: the first AS of the path after any
  // confederation segments; 0 for an empty path (the route was originated in the peer's AS).
  std::uint32_t neighbor_as() const { return neighbor_as_; }
  std::optional<std::uint32_t> originator_id() const { return attrs_.originator_id; }
  std::uint32_t cluster_list_length() const { return cluster_list_length_; }
  // The route's next hop: MP_REACH_NLRI's when present (RFC 4760 §3), else NEXT_HOP.
  const wire::IpAddress& next_hop() const { return next_hop_; }

 private:
  friend class AttrStore;
  friend class AttrRef;
  AttrEntry(wire::PathAttributes attrs, std::uint64_t hash, AttrStore* store);

  wire::PathAttributes attrs_;
  std::uint64_t hash_;
  AttrStore* store_;  // null once the store is gone
  std::uint32_t refs_ = 0;
  std::uint32_t path_length_ = 0;
  std::uint32_t med_ = 0;
  std::uint32_t neighbor_as_ = 0;
  std::uint32_t cluster_list_length_ = 0;
  wire::Origin origin_ = wire::Origin::kIncomplete;
  wire::IpAddress next_hop_;
};

// A counted handle to an AttrEntry; empty when default-constructed. Copying costs an
// increment, moving nothing. Two handles are equal when they name the same entry.
class AttrRef {
 public:
  AttrRef() noexcept = default;
  AttrRef(const AttrRef& o) noexcept : e_(o.e_) {
    if (e_ != nullptr) ++e_->refs_;
  }
  AttrRef(AttrRef&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
  AttrRef& operator=(const AttrRef& o) noexcept {
    AttrRef copy(o);
    std::swap(e_, copy.e_);
    return *this;
  }
  AttrRef& operator=(AttrRef&& o) noexcept {
    AttrRef moved(std::move(o));
    std::swap(e_, moved.e_);
    return *this;
  }
  ~AttrRef() { Reset(); }

  void Reset() noexcept {
    if (e_ != nullptr && --e_->refs_ == 0) Release(e_);
    e_ = nullptr;
  }
  const AttrEntry* get() const { return e_; }
  const AttrEntry* operator->() const { return e_; }
  const AttrEntry& operator*() const { return *e_; }
  explicit operator bool() const { return e_ != nullptr; }
  const wire::PathAttributes& attrs() const { return e_->attrs_; }

  friend bool operator==(const AttrRef& a, const AttrRef& b) { return a.e_ == b.e_; }

 private:
  friend class AttrStore;
  explicit AttrRef(AttrEntry* e) noexcept : e_(e) { ++e_->refs_; }
  static void Release(AttrEntry* e) noexcept;

  AttrEntry* e_ = nullptr;
};

class AttrStore {
 public:
  AttrStore() = default;
  AttrStore(const AttrStore&) = delete;
  AttrStore& operator=(const AttrStore&) = delete;
  ~AttrStore();  // entries still referenced are orphaned, not freed

  // The entry equal to attrs once canonicalized (see the top of this file).
  AttrRef Intern(wire::PathAttributes attrs);

  // Distinct sets alive.
  std::size_t size() const { return entries_.size(); }
  // Approximate heap bytes of the entries and the index.
  std::size_t MemoryBytes() const;

 private:
  friend class AttrRef;
  void Erase(AttrEntry* e) noexcept;

  struct Identity {
    std::size_t operator()(std::uint64_t h) const noexcept { return static_cast<std::size_t>(h); }
  };
  std::unordered_multimap<std::uint64_t, AttrEntry*, Identity> entries_;
};

// Drops what interning ignores: wire_order, MP_REACH's NLRI, MP_UNREACH.
void Canonicalize(wire::PathAttributes& attrs);

}  // namespace bgpdemo::bgp::rib
