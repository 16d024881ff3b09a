// Codec benchmark: decode and encode a realistic table (1,000,000 prefixes packed into
// 4096-byte UPDATEs with varied attributes). Prints prefixes per second and heap
// allocations per prefix; it asserts nothing (figures go in the closing notes).
//
//   build/tests/bgpdemo_bench --benchmark_min_time=1
#include <atomic>
#include <cstdlib>
#include <new>

#include <benchmark/benchmark.h>

#include "bgp/wire/message.h"
#include "bgp/wire/update_packer.h"
#include "tests/table_stream.h"

namespace {

std::atomic<std::size_t> g_allocations{0};

}  // namespace

// Count every heap allocation, to report allocations per prefix. g++ cannot see that the
// replaced operator new and delete below pair malloc with free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace bgpdemo::bgp::wire;
using bgpdemo::test::MakeTableStream;
using bgpdemo::test::TableStream;

constexpr std::size_t kPrefixes = 1'000'000;

const TableStream& Table(bool ipv6) {
  static const TableStream v4 = MakeTableStream(kPrefixes, 40, false);
  static const TableStream v6 = MakeTableStream(kPrefixes, 40, true);
  return ipv6 ? v6 : v4;
}

// The hot path a session runs: frame, check the header, decode into one reused Update.
void DecodeStream(benchmark::State& state, bool ipv6) {
  const TableStream& t = Table(ipv6);
  const Context ctx;
  Update u;
  std::size_t allocations = 0;
  for (auto _ : state) {
    const std::size_t before = g_allocations.load();
    std::size_t offset = 0, prefixes = 0;
    const std::span<const std::uint8_t> data(t.bytes);
    while (offset < data.size()) {
      auto len = FrameLength(data.subspan(offset), ctx);
      if (!len || *len == 0) state.SkipWithError("framing failed");
      auto res = DecodeUpdate(data.subspan(offset + kHeaderSize, *len - kHeaderSize), ctx, u);
      if (!res || u.action != Action::kNone) state.SkipWithError("decode failed");
      prefixes += u.AnnouncedCount();
      offset += *len;
    }
    benchmark::DoNotOptimize(prefixes);
    allocations += g_allocations.load() - before;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * t.prefixes));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.bytes.size()));
  state.counters["prefixes/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * t.prefixes), benchmark::Counter::kIsRate);
  state.counters["allocs/prefix"] =
      static_cast<double>(allocations) / static_cast<double>(state.iterations() * t.prefixes);
  state.counters["messages"] = static_cast<double>(t.messages);
}

// What a session runs per frame (bgp/session/session.cpp): DecodeMessage into one reused
// Incoming, the header checked again and the UPDATE decoded into its one Update.
void DecodeIncoming(benchmark::State& state, bool ipv6) {
  const TableStream& t = Table(ipv6);
  const Context ctx;
  Incoming in;
  std::size_t allocations = 0;
  for (auto _ : state) {
    const std::size_t before = g_allocations.load();
    std::size_t offset = 0, prefixes = 0;
    const std::span<const std::uint8_t> data(t.bytes);
    while (offset < data.size()) {
      auto len = FrameLength(data.subspan(offset), ctx);
      if (!len || *len == 0) state.SkipWithError("framing failed");
      auto res = DecodeMessage(data.subspan(offset, *len), ctx, in);
      if (!res || in.type != MessageType::kUpdate) state.SkipWithError("decode failed");
      prefixes += in.update.AnnouncedCount();
      offset += *len;
    }
    benchmark::DoNotOptimize(prefixes);
    allocations += g_allocations.load() - before;
  }
  state.counters["prefixes/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * t.prefixes), benchmark::Counter::kIsRate);
  state.counters["allocs/prefix"] =
      static_cast<double>(allocations) / static_cast<double>(state.iterations() * t.prefixes);
}

// The full API a tool uses: every message decoded into a fresh Message value.
void DecodeMessages(benchmark::State& state) {
  const TableStream& t = Table(false);
  const Context ctx;
  for (auto _ : state) {
    std::size_t offset = 0, prefixes = 0;
    const std::span<const std::uint8_t> data(t.bytes);
    while (offset < data.size()) {
      auto len = FrameLength(data.subspan(offset), ctx);
      auto m = DecodeMessage(data.subspan(offset, *len), ctx);
      prefixes += std::get<Update>(*m).AnnouncedCount();
      offset += *len;
    }
    benchmark::DoNotOptimize(prefixes);
  }
  state.counters["prefixes/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * t.prefixes), benchmark::Counter::kIsRate);
}

// Packing: the export path's encoder.
void EncodeStream(benchmark::State& state, bool ipv6) {
  for (auto _ : state) {
    auto t = MakeTableStream(kPrefixes, 40, ipv6);
    benchmark::DoNotOptimize(t.bytes.data());
  }
  state.counters["prefixes/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kPrefixes), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(DecodeStream, ipv4_1M, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(DecodeStream, ipv6_1M, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(DecodeIncoming, ipv4_1M, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(DecodeIncoming, ipv6_1M, true)->Unit(benchmark::kMillisecond);
BENCHMARK(DecodeMessages)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(EncodeStream, ipv4_1M, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(EncodeStream, ipv6_1M, true)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
