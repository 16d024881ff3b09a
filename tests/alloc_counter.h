// Counts heap allocations made by this thread while a CountAllocations is alive, so tests
// can assert that a hot path allocates nothing per item. (tests/alloc_counter.cpp replaces
// the global operator new of the test binary.)
#pragma once

#include <cstddef>

namespace bgpdemo::test {

class CountAllocations {
 public:
  CountAllocations();
  ~CountAllocations();
  CountAllocations(const CountAllocations&) = delete;
  CountAllocations& operator=(const CountAllocations&) = delete;
  std::size_t count() const;

 private:
  std::size_t start_;
};

}  // namespace bgpdemo::test
