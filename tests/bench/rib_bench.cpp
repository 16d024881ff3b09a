// Route-server benchmark without sockets: one peer announces a full table of 1,000,000
// IPv4 prefixes to a route server with a monitor, as route_server_bench.py's 1 x 1,000,000
// row does over TCP, with the blaster's very UPDATEs (tests/tools/blaster_table.h). Each iteration
// decodes the UPDATEs (one reused Update, as a session does) and runs what the server runs per
// UPDATE (bgp/server/server.cpp, Distribute): Rib::Update, AdjRibOut::Apply and Rib::Compact, from
// an empty RIB. Prints the time and the page faults per iteration (first touches of the growing
// tables); asserts nothing.
//
//   build/tests/bgpdemo_bench --benchmark_filter=RouteServer
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <memory>

#include "bgp/rib/adj_rib_out.h"
#include "bgp/rib/rib.h"
#include "bgp/wire/message.h"
#include "tests/tools/blaster_table.h"

namespace {

using namespace bgpdemo::bgp;

constexpr std::size_t kPrefixes = 1'000'000;

long MinorFaults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

rib::ExportPeer RouteServerClient(rib::PeerId id, std::uint32_t asn) {
  return rib::ExportPeer{
      id,
      {policy::Mode::kRouteServer, 65000, asn, false, std::nullopt, std::nullopt},
      policy::Filter::AcceptAll(),
      {}};
}

void RouteServerFullTable(benchmark::State& state) {
  const wire::Context ctx;
  // The blaster's first session, with its defaults (tests/tools/blaster.cpp).
  static const std::vector<std::uint8_t> table = [&ctx] {
    const bgpdemo::blaster::SessionRoutes routes{65101, 0x0a4e0002, 0x100000, kPrefixes, 4};
    std::vector<std::uint8_t> bytes;
    if (!bgpdemo::blaster::EncodeTable(ctx, routes, bytes)) bytes.clear();
    return bytes;
  }();
  const policy::ImportPolicy accept{policy::Filter::AcceptAll(), std::nullopt};
  long faults = 0;
  std::size_t out_bytes = 0;
  for (auto _ : state) {
    const long faults_before = MinorFaults();
    auto rib_owner = std::make_unique<rib::Rib>(rib::RibOptions{65000, 0x0aff0001});
    auto out_owner = std::make_unique<rib::AdjRibOut>(*rib_owner);
    rib::Rib& rib = *rib_owner;
    rib::AdjRibOut& out = *out_owner;
    // The source (1) and the monitor (2), both established before the table arrives.
    for (rib::PeerId id = 1; id <= 2; ++id) {
      const std::uint32_t asn = 65100u + id;
      (void)rib.SetPeer(
          rib::PeerInfo{id, wire::IpAddress::V4(0x0a000000u + id), asn, 0x01000000u + id, false},
          accept);
      out.AddPeer(RouteServerClient(id, asn));
      (void)out.FullTable(id);
    }
    wire::Incoming in;
    const std::span<const std::uint8_t> data(table);
    for (std::size_t offset = 0; offset < data.size();) {
      const auto len = wire::FrameLength(data.subspan(offset), ctx);
      if (!len || *len == 0 || !wire::DecodeMessage(data.subspan(offset, *len), ctx, in)) {
        state.SkipWithError("decode failed");
        return;
      }
      offset += *len;
      if (in.type != wire::MessageType::kUpdate) continue;
      const rib::ChangeSet cs = rib.Update(1, in.update);
      for (const auto& o : out.Apply(cs)) out_bytes += o.bytes->size();
      rib.Compact(
          [&out](wire::Afi afi, std::size_t from, std::size_t to) { out.Move(afi, from, to); });
    }
    if (out.Advertised(2, wire::kIpv4Unicast) != kPrefixes) {
      state.SkipWithError("the monitor does not hold every prefix");
      return;
    }
    faults += MinorFaults() - faults_before;
    // Not the workload: the route server keeps its table.
    state.PauseTiming();
    out_owner.reset();
    rib_owner.reset();
    state.ResumeTiming();
  }
  state.counters["prefixes/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kPrefixes), benchmark::Counter::kIsRate);
  state.counters["faults"] =
      benchmark::Counter(static_cast<double>(faults), benchmark::Counter::kAvgIterations);
  state.counters["out_MB"] =
      benchmark::Counter(static_cast<double>(out_bytes) / 1e6, benchmark::Counter::kAvgIterations);
}

}  // namespace

BENCHMARK(RouteServerFullTable)->Unit(benchmark::kMillisecond);
