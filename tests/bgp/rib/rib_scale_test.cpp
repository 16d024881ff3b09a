// Scale tests for the RIB and the export: a full table from one peer, and the route-server
// workloads of docs/architecture.md's "Performance targets" (10 peers x 100,000, 50 x 10,000, every
// prefix to a monitor). They print time and memory and assert only correctness; figures
// are for reading, never for failing a build (docs/style.md, Tests).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>

#include "base/large_alloc.h"
#include "bgp/rib/adj_rib_out.h"
#include "bgp/rib/rib.h"
#include "tests/bgp/rib/rib_fixtures.h"

using namespace bgpdemo::bgp;
using namespace bgpdemo::bgp::rib;
using namespace bgpdemo::test;

namespace {

const auto kAccept = policy::ImportPolicy{policy::Filter::AcceptAll(), std::nullopt};

// Heap bytes in use (glibc), small and mmapped blocks, and the tables' own huge-page
// mappings (base/large_alloc.h): unlike RSS, not fooled by memory an earlier test freed.
std::size_t Heap() {
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd + bgpdemo::LargeBytesMapped();
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// count unique /24s starting at first_index, `per_update` per UPDATE, `sets` attribute
// sets (AS paths of 1-4 ASNs from origin_as, MEDs, communities) in turn.
std::vector<wire::Update> Table(std::size_t count, std::size_t first_index, std::size_t per_update,
                                std::size_t sets, std::uint32_t origin_as, std::string_view nh) {
  std::vector<wire::Update> out;
  for (std::size_t i = 0; i < count;) {
    const std::size_t set = out.size() % sets;
    wire::Update u;
    std::vector<std::uint32_t> path{origin_as};
    for (std::size_t h = 0; h < set % 4; ++h)
      path.push_back(static_cast<std::uint32_t>(1000 + set));
    u.attrs = Attrs()
                  .Path(path)
                  .Nh(nh)
                  .Med(static_cast<std::uint32_t>(set))
                  .Community(static_cast<std::uint32_t>(65000u << 16 | set));
    for (std::size_t k = 0; k < per_update && i < count; ++k, ++i) {
      u.nlri.push_back(
          wire::Prefix::V4(0x01000000u + static_cast<std::uint32_t>(first_index + i) * 256u, 24));
    }
    out.push_back(std::move(u));
  }
  return out;
}

ExportPeer RsPeer(PeerId id, std::uint32_t asn) {
  return ExportPeer{id,
                    {policy::Mode::kRouteServer, 65000, asn, false, std::nullopt, std::nullopt},
                    policy::Filter::AcceptAll(),
                    {}};
}

// N peers each announce M unique prefixes to a route server; every peer and a monitor
// receive the others' routes (bgperf's workload, docs/architecture.md "Performance targets").
void RouteServerWorkload(std::size_t peers, std::size_t per_peer) {
  const std::size_t total = peers * per_peer;
  std::vector<std::vector<wire::Update>> tables;
  for (std::size_t p = 0; p < peers; ++p) {
    tables.push_back(Table(per_peer, p * per_peer, 1000, 50, static_cast<std::uint32_t>(65101 + p),
                           fmt::format("172.18.{}.{}", p / 250, 1 + p % 250)));
  }
  const std::size_t heap_before = Heap();
  Rib rib(RibOptions{65000, Id("10.255.0.1")});
  AdjRibOut out(rib);
  const auto monitor = static_cast<PeerId>(peers + 1);
  for (PeerId id = 1; id <= monitor; ++id) {
    (void)rib.SetPeer(Peer(id, fmt::format("172.18.{}.{}", id / 250, 1 + id % 250), 65100u + id,
                           fmt::format("1.0.{}.{}", id / 250, id % 250)),
                      kAccept);
    out.AddPeer(RsPeer(id, 65100u + id));
    (void)out.FullTable(id);
  }
  std::size_t bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  // The peers' UPDATEs interleaved, as they would arrive.
  for (std::size_t u = 0; u < tables[0].size(); ++u) {
    for (std::size_t p = 0; p < peers; ++p) {
      if (u >= tables[p].size()) continue;
      const ChangeSet cs = rib.Update(static_cast<PeerId>(p + 1), tables[p][u]);
      for (const auto& o : out.Apply(cs)) bytes += o.bytes->size();
    }
  }
  const double seconds = Seconds(start);
  const std::size_t heap = Heap() - heap_before;
  MESSAGE(
      fmt::format("route server, {} peers x {}: {:.2f} s to the monitor holding all {} "
                  "({:.0f} prefixes/s); {:.1f} MB of UPDATEs out; RIB {:.0f} B/prefix, "
                  "Adj-RIB-Out {:.0f} B/prefix, heap +{:.0f} MiB ({:.0f} B/prefix)",
                  peers, per_peer, seconds, total, total / seconds, bytes / 1e6,
                  static_cast<double>(rib.MemoryBytes()) / total,
                  static_cast<double>(out.MemoryBytes()) / total, heap / 1048576.0,
                  static_cast<double>(heap) / total));
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == total);
  CHECK(out.GroupCount() == 1);
  CHECK(out.Advertised(monitor, wire::kIpv4Unicast) == total);
  for (std::size_t i = 1; i <= peers; ++i) {  // peers is 10 or 50: every i is a PeerId
    CHECK(out.Advertised(static_cast<PeerId>(i), wire::kIpv4Unicast) ==
          total - per_peer);  // never its own
  }
}

}  // namespace

TEST_CASE("rib: scale: 1,000,000 IPv4 prefixes from one peer") {
  constexpr std::size_t kPrefixes = 1'000'000;
  const auto updates = Table(kPrefixes, 0, 1000, 250, 65100, "172.18.0.2");
  const std::size_t heap_before = Heap();
  Rib rib(RibOptions{65000, Id("10.255.0.1")});
  (void)rib.SetPeer(Peer(1, "172.18.0.2", 65100, "172.18.0.2"), kAccept);
  std::size_t changes = 0;
  auto start = std::chrono::steady_clock::now();
  for (const auto& u : updates) changes += rib.Update(1, u).changes.size();
  const double load = Seconds(start);
  const std::size_t heap = Heap() - heap_before;
  MESSAGE(
      fmt::format("load {} prefixes in {} UPDATEs: {:.3f} s ({:.1f} M prefixes/s); RIB "
                  "tables {:.1f} B/prefix; {} attribute sets, {:.0f} KiB; heap +{:.1f} MiB "
                  "({:.1f} B/prefix)",
                  kPrefixes, updates.size(), load, kPrefixes / load / 1e6,
                  static_cast<double>(rib.MemoryBytes()) / kPrefixes, rib.attr_store().size(),
                  rib.attr_store().MemoryBytes() / 1024.0, heap / 1048576.0,
                  static_cast<double>(heap) / kPrefixes));
  CHECK(changes == kPrefixes);
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == kPrefixes);
  CHECK(rib.attr_store().size() == 250);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).accepted == kPrefixes);
  for (std::size_t i : {std::size_t{0}, kPrefixes / 3, kPrefixes - 1}) {
    const auto p = wire::Prefix::V4(0x01000000u + static_cast<std::uint32_t>(i) * 256u, 24);
    auto best = rib.Best(p);
    REQUIRE(best);
    CHECK(best->attrs == rib.Best(updates[i / 1000].nlri[0])->attrs);
  }

  // The same table to a route-server client.
  AdjRibOut out(rib);
  (void)rib.SetPeer(Peer(2, "172.19.0.9", 65300, "172.19.0.9"), kAccept);
  out.AddPeer(RsPeer(2, 65300));
  start = std::chrono::steady_clock::now();
  const auto table = out.FullTable(2);
  const double full = Seconds(start);
  MESSAGE(fmt::format("full table: {:.3f} s, {:.1f} MB of UPDATEs; Adj-RIB-Out {:.1f} B/prefix",
                      full, table.size() / 1e6,
                      static_cast<double>(out.MemoryBytes()) / kPrefixes));
  CHECK(out.Advertised(2, wire::kIpv4Unicast) == kPrefixes);
  std::size_t announced = 0;
  for (const auto& u : Updates(table)) announced += u.nlri.size();
  CHECK(announced == kPrefixes);

  // Re-announcing everything unchanged is no change at all.
  start = std::chrono::steady_clock::now();
  changes = 0;
  for (const auto& u : updates) changes += rib.Update(1, u).changes.size();
  MESSAGE(fmt::format("re-announce unchanged: {:.3f} s", Seconds(start)));
  CHECK(changes == 0);

  // The peer goes down: every prefix withdrawn, and from the client.
  start = std::chrono::steady_clock::now();
  const ChangeSet down = rib.PeerDown(1);
  const double peer_down = Seconds(start);
  start = std::chrono::steady_clock::now();
  const auto sent = out.Apply(down);
  MESSAGE(fmt::format("peer down: {:.3f} s in the RIB, {:.3f} s to pack the withdrawals", peer_down,
                      Seconds(start)));
  CHECK(down.changes.size() == kPrefixes);
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == 0);
  CHECK(rib.attr_store().size() == 0);
  REQUIRE(sent.size() == 1);
  CHECK(out.Advertised(2, wire::kIpv4Unicast) == 0);
}

TEST_CASE("rib: scale: route server, 10 peers x 100,000 and 50 peers x 10,000") {
  RouteServerWorkload(10, 100'000);
  RouteServerWorkload(50, 10'000);
}
