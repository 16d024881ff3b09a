#include "base/large_alloc.h"

#include <sys/mman.h>

#include <atomic>
#include <cstdint>

#include "base/check.h"

namespace bgpdemo {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::atomic<std::size_t> mapped{0};

std::size_t RoundUp(std::size_t bytes) {
  return (bytes + kHugePage - 1) & ~(kHugePage - 1);
}

}  // namespace

void* AllocateLarge(std::size_t bytes) {
  if (bytes < kLargeBytes) return ::operator new(bytes);
  const std::size_t size = RoundUp(bytes);
  // Map one huge page more than needed and cut the ends off, so that the block starts on a
  // 2 MiB boundary: only whole, aligned 2 MiB ranges can be huge pages.
  void* raw =
      mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
  const std::size_t head = aligned - start;
  if (head > 0) munmap(raw, head);
  munmap(reinterpret_cast<void*>(aligned + size), kHugePage - head);
  // Advice only: without transparent huge pages the block is ordinary memory.
  madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
  mapped.fetch_add(size, std::memory_order_relaxed);
  return reinterpret_cast<void*>(aligned);
}

void FreeLarge(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes < kLargeBytes) {
    ::operator delete(p);
    return;
  }
  const std::size_t size = RoundUp(bytes);
  BGPDEMO_CHECK(munmap(p, size) == 0);
  mapped.fetch_sub(size, std::memory_order_relaxed);
}

std::size_t LargeBytesMapped() {
  return mapped.load(std::memory_order_relaxed);
}

}  // namespace bgpdemo
