// Large arrays on transparent huge pages: AllocateLarge/FreeLarge and LargeAllocator, a
// std::allocator for the vectors that grow to tens of MiB (the RIB's tables, rib/flat_map.h,
// and the Adj-RIB-Out's arrays parallel to them, rib/export_group.h).
//
// Why: such a table is written once through as it fills, and every 4 KiB page of it costs a
// page fault when first touched; doubling a vector touches fresh pages again each time. A
// page fault is expensive in a virtual machine (about 12 us on the 2-core VM of
// docs/testing.md: 128 MiB touched in 411 ms with 4 KiB pages, 9 ms with 2 MiB ones), and
// the route server loading 1,000,000 prefixes took 32,000 of them, about half its time.
// Blocks of kLargeBytes and more are therefore mapped on their own, aligned to 2 MiB, and
// marked MADV_HUGEPAGE, which the kernel honours when
// /sys/kernel/mm/transparent_hugepage/enabled is `always` or `madvise` (elsewhere they are
// ordinary pages, as before). 2 MiB pages also take 512 times fewer TLB entries, which the
// random lookups in a hash table's index feel.
//
// Smaller blocks come from operator new: a huge page would waste most of itself on a small
// table. The threshold is low (1 MiB) because a growing table passes through every size:
// with 4 MiB, the steps below it still took 3,000 faults of the 1,000,000-prefix load.
// Memory is never touched here; RSS grows only as the caller writes the block, a 2 MiB page
// at a time, so a block holds at most one partly used huge page more than before.
//
// Thread-safe (the counter is atomic); the blocks themselves are the caller's.
#pragma once

#include <cstddef>
#include <new>

namespace bgpdemo {

// Blocks from this size on are mapped on their own, on huge pages where the kernel allows.
inline constexpr std::size_t kLargeBytes = std::size_t{1} << 20;

// A block of `bytes`, aligned to at least __STDCPP_DEFAULT_NEW_ALIGNMENT__; throws
// std::bad_alloc when there is no memory, as operator new does.
void* AllocateLarge(std::size_t bytes);
// Frees a block from AllocateLarge; bytes is the size it was asked for.
void FreeLarge(void* p, std::size_t bytes) noexcept;
// Bytes mapped for blocks of kLargeBytes and more, now (glibc's mallinfo does not see them).
std::size_t LargeBytesMapped();

template <typename T>
class LargeAllocator {
 public:
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  using value_type = T;

  LargeAllocator() noexcept = default;
  template <typename U>
  LargeAllocator(const LargeAllocator<U>& /*other*/) noexcept {}

  T* allocate(std::size_t n) { return static_cast<T*>(AllocateLarge(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { FreeLarge(p, n * sizeof(T)); }

  template <typename U>
  bool operator==(const LargeAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

}  // namespace bgpdemo
