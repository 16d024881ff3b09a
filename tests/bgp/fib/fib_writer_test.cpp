// Tests for bgp/fib/fib_writer: batches applied on the writer's thread in the order
// submitted, tasks after them, results reported there, batches handed back and reused.
#include "bgp/fib/fib_writer.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace bgpdemo;
using namespace bgpdemo::bgp;

namespace {

wire::Prefix P(const char* p) {
  return *wire::Prefix::Parse(p);
}

}  // namespace

TEST_CASE("fib writer: batches in order on its own thread, errors reported per item") {
  fib::FakeFib fake;
  fake.FailPrefix(P("10.0.2.0/24"), "Network is unreachable");
  const auto owner = std::this_thread::get_id();
  std::atomic<int> results{0}, frees{0}, foreign_threads{0}, failures{0};
  std::vector<std::string> failed;  // written on the writer's thread, read after WaitIdle
  fib::FibWriter writer(
      fake,
      [&](const fib::Batch& b, const Result<void, std::string>& r,
          const std::vector<fib::ItemError>& errors) {
        if (!r) ++failures;  // no doctest assertion off the test's thread
        if (std::this_thread::get_id() != owner) ++foreign_threads;
        for (const auto& e : errors)
          failed.push_back(b.ops()[e.index].prefix.ToString() + ": " + e.error);
        ++results;
      },
      [&] { ++frees; });
  const auto hop = *wire::IpAddress::Parse("10.9.0.2");

  fib::Batch* a = writer.Acquire();
  fib::Batch* b = writer.Acquire();
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(writer.Acquire() == nullptr);  // both batches are out
  a->Replace(P("10.0.1.0/24"), std::span(&hop, 1));
  a->Replace(P("10.0.2.0/24"), std::span(&hop, 1));
  a->Replace(P("10.0.3.0/24"), std::span(&hop, 1));
  b->Remove(P("10.0.1.0/24"));  // after a's install: the last word
  writer.Submit(a);
  writer.Submit(b);
  writer.WaitIdle();
  CHECK(writer.in_flight() == 0);
  CHECK(results == 2);
  CHECK(failures == 0);
  CHECK(frees == 2);
  CHECK(foreign_threads == 2);
  CHECK(failed == std::vector<std::string>{"10.0.2.0/24: Network is unreachable"});
  CHECK(fake.routes().size() == 1);
  CHECK(fake.routes().count(P("10.0.3.0/24")) == 1);

  // Handed back empty, and an empty batch goes straight back without a result.
  fib::Batch* c = writer.Acquire();
  REQUIRE(c != nullptr);
  CHECK(c->empty());
  writer.Submit(c);
  writer.WaitFree();
  CHECK(results == 2);

  // A task runs after what was submitted before it.
  fib::Batch* d = writer.Acquire();
  REQUIRE(d != nullptr);
  d->Replace(P("10.0.4.0/24"), std::span(&hop, 1));
  writer.Submit(d);
  std::size_t seen = 0;
  writer.Run([&](fib::Fib& f) { seen = f.List()->size(); });
  CHECK(seen == 2);
}

TEST_CASE("fib writer: the destructor applies what was submitted") {
  fib::FakeFib fake;
  const auto hop = *wire::IpAddress::Parse("10.9.0.2");
  {
    fib::FibWriter writer(fake, nullptr, nullptr);
    fib::Batch* a = writer.Acquire();
    for (std::uint32_t i = 0; i < 100; ++i)
      a->Replace(wire::Prefix::V4(0x0a000000 | (i << 8), 24), std::span(&hop, 1));
    writer.Submit(a);
  }
  CHECK(fake.routes().size() == 100);
}
