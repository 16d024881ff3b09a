// Peers and paths as the RIB stores them.
//
// A Path is one peer's route for one prefix: the peer, its RFC 7911 path identifier, the
// interned attributes and two flags (accepted by import policy, stale for graceful
// restart, RFC 4724 §4.2). It is 16 bytes. Each prefix of the Loc-RIB holds its paths in a
// PathVec, which keeps one path inline, so the common prefix with a single path costs no
// heap allocation at all; more paths move to the heap, doubling.
//
// The RIB is both Adj-RIB-In and Loc-RIB (as in BIRD): a peer's Adj-RIB-In is the set of
// paths carrying its PeerId, rejected ones included, and the Loc-RIB's candidates are the
// accepted ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <utility>

#include "base/check.h"
#include "bgp/rib/attr_store.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::rib {

// A small integer the server assigns to a peer for as long as the RIB knows it; reused after
// RemovePeer. kNoPeer is never a peer.
using PeerId = std::uint16_t;
inline constexpr PeerId kNoPeer = 0xffff;

// What the decision process and the export need to know of a peer (from its OPEN and
// configuration).
struct PeerInfo {
  PeerId id = kNoPeer;
  wire::IpAddress address;  // the peer's address on the session
  std::uint32_t asn = 0;
  std::uint32_t bgp_id = 0;  // host order
  bool ibgp = false;
  friend bool operator==(const PeerInfo&, const PeerInfo&) = default;
};

namespace path_flag {
inline constexpr std::uint8_t kAccepted = 0x01;  // passed import policy: a Loc-RIB candidate
inline constexpr std::uint8_t kStale = 0x02;     // kept for a restarting peer (RFC 4724 §4.2)
}  // namespace path_flag

struct Path {
  AttrRef attrs;
  std::uint32_t path_id = 0;
  PeerId peer = kNoPeer;
  std::uint8_t flags = 0;

  bool accepted() const { return (flags & path_flag::kAccepted) != 0; }
  bool stale() const { return (flags & path_flag::kStale) != 0; }
};
static_assert(sizeof(Path) == 16);

// A vector of Paths with room for one inline. Order is the caller's: the RIB keeps the
// best path first. Not copyable (the RIB never copies a prefix's paths).
class PathVec {
 public:
  PathVec() noexcept {}
  PathVec(const PathVec&) = delete;
  PathVec& operator=(const PathVec&) = delete;
  PathVec(PathVec&& o) noexcept { Steal(o); }
  PathVec& operator=(PathVec&& o) noexcept {
    if (this != &o) {
      Destroy();
      Steal(o);
    }
    return *this;
  }
  ~PathVec() { Destroy(); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Path* data() { return cap_ <= 1 ? Inline() : heap_; }
  const Path* data() const { return cap_ <= 1 ? Inline() : heap_; }
  Path& operator[](std::size_t i) { return data()[i]; }
  const Path& operator[](std::size_t i) const { return data()[i]; }
  Path* begin() { return data(); }
  Path* end() { return data() + size_; }
  const Path* begin() const { return data(); }
  const Path* end() const { return data() + size_; }
  std::span<const Path> span() const { return {data(), size_}; }
  // Heap bytes (0 while the one path is inline).
  std::size_t HeapBytes() const { return cap_ > 1 ? cap_ * sizeof(Path) : 0; }
  // A byte for the owner, stored in what would be padding (the RIB keeps the decision's
  // reason here, so that a prefix's entry stays at 24 bytes). Moves carry it along.
  std::uint8_t tag() const { return tag_; }
  void set_tag(std::uint8_t t) { tag_ = t; }

  void push_back(Path p) {
    if (size_ == cap_) Reserve(cap_ * 2u);
    new (data() + size_) Path(std::move(p));
    ++size_;
  }
  // Removes path i; the last path takes its place.
  void EraseAt(std::size_t i) {
    Path* d = data();
    if (i + 1 != size_) d[i] = std::move(d[size_ - 1]);
    d[size_ - 1].~Path();
    --size_;
  }
  void clear() {
    while (size_ > 0) EraseAt(size_ - 1);
  }

 private:
  Path* Inline() { return std::launder(reinterpret_cast<Path*>(buf_)); }
  const Path* Inline() const { return std::launder(reinterpret_cast<const Path*>(buf_)); }

  void Reserve(std::size_t n) {
    BGPDEMO_CHECK(n <= 0xffff);
    auto* fresh = static_cast<Path*>(::operator new(n * sizeof(Path)));
    Path* old = data();
    for (std::size_t i = 0; i < size_; ++i) {
      new (fresh + i) Path(std::move(old[i]));
      old[i].~Path();
    }
    if (cap_ > 1) ::operator delete(heap_);
    heap_ = fresh;
    cap_ = static_cast<std::uint16_t>(n);
  }
  void Destroy() {
    clear();
    if (cap_ > 1) ::operator delete(heap_);
    cap_ = 1;
  }
  void Steal(PathVec& o) {
    tag_ = o.tag_;
    if (o.cap_ > 1) {
      heap_ = o.heap_;
      cap_ = o.cap_;
      size_ = o.size_;
      o.cap_ = 1;
      o.size_ = 0;
      return;
    }
    cap_ = 1;
    size_ = 0;
    if (o.size_ == 1) {
      new (Inline()) Path(std::move(*o.Inline()));
      o.Inline()->~Path();
      o.size_ = 0;
      size_ = 1;
    }
  }

  union {
    Path* heap_;
    alignas(Path) unsigned char buf_[sizeof(Path)];
  };
  std::uint16_t size_ = 0;
  std::uint16_t cap_ = 1;  // 1: the inline slot
  std::uint8_t tag_ = 0;
};
static_assert(sizeof(PathVec) == 24);

}  // namespace bgpdemo::bgp::rib
