// Tests for base/large_alloc: small blocks from the heap, large ones mapped on their own and
// aligned for huge pages, and a vector growing from one kind to the other.
#include "base/large_alloc.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <vector>

using bgpdemo::AllocateLarge;
using bgpdemo::FreeLarge;
using bgpdemo::kLargeBytes;
using bgpdemo::LargeAllocator;
using bgpdemo::LargeBytesMapped;

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

}  // namespace

TEST_CASE("large_alloc: a small block comes from the heap and maps nothing") {
  const std::size_t before = LargeBytesMapped();
  void* p = AllocateLarge(1000);
  REQUIRE(p != nullptr);
  std::memset(p, 0xab, 1000);
  CHECK(LargeBytesMapped() == before);
  FreeLarge(p, 1000);
  CHECK(LargeBytesMapped() == before);
}

TEST_CASE("large_alloc: a large block is 2 MiB aligned, writable to its end, and unmapped") {
  const std::size_t before = LargeBytesMapped();
  // Not a multiple of 2 MiB: the mapping is rounded up to one.
  static_assert(2 * kHugePage >= kLargeBytes);
  const std::size_t bytes = 2 * kHugePage + 12345;
  auto* p = static_cast<std::uint8_t*>(AllocateLarge(bytes));
  REQUIRE(p != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % kHugePage == 0);
  CHECK(LargeBytesMapped() == before + 3 * kHugePage);
  // A new mapping reads as zeros; write the first and last byte of every 4 KiB page.
  CHECK(p[0] == 0);
  CHECK(p[bytes - 1] == 0);
  for (std::size_t i = 0; i < bytes; i += 4096) p[i] = 1;
  p[bytes - 1] = 2;
  CHECK(p[bytes - 1] == 2);
  FreeLarge(p, bytes);
  CHECK(LargeBytesMapped() == before);
}

TEST_CASE("large_alloc: a vector keeps its contents growing past kLargeBytes and back") {
  const std::size_t before = LargeBytesMapped();
  {
    std::vector<std::uint64_t, LargeAllocator<std::uint64_t>> v;
    const std::size_t n = 2 * kLargeBytes / sizeof(std::uint64_t);
    for (std::size_t i = 0; i < n; ++i) v.push_back(i * 7);
    CHECK(LargeBytesMapped() > before);
    bool same = true;
    for (std::size_t i = 0; i < n; ++i) same = same && v[i] == i * 7;
    CHECK(same);
    v.resize(10);
    v.shrink_to_fit();
    CHECK(LargeBytesMapped() == before);
    CHECK(v[9] == 63);
  }
  CHECK(LargeBytesMapped() == before);
}
