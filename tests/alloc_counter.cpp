#include "tests/alloc_counter.h"

#include <cstdlib>
#include <new>

namespace {

thread_local std::size_t t_allocations = 0;
thread_local int t_counting = 0;

}  // namespace

// g++ cannot see that the replacements below pair malloc with free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
  if (t_counting) ++t_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
// The nothrow forms too (std::stable_sort's buffer, valijson's allocator): left to the
// sanitizer runtime they would be freed by the replacements here, which ASan reports as
// alloc-dealloc-mismatch.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (t_counting) ++t_allocations;
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace bgpdemo::test {

CountAllocations::CountAllocations() : start_(t_allocations) { ++t_counting; }
CountAllocations::~CountAllocations() { --t_counting; }
std::size_t CountAllocations::count() const { return t_allocations - start_; }

}  // namespace bgpdemo::test
