// Tests for bgp/server/fib_sync: the kernel table follows the Loc-RIB (on a FakeFib), through
// the writer's thread: coalescing while the writer is busy, order of removals and
// installs, errors per prefix, RIB items that move, stop with and without keep.
#include "bgp/server/fib_sync.h"

#include <doctest/doctest.h>

#include <condition_variable>
#include <mutex>
#include <sstream>

using namespace bgpdemo;
using namespace bgpdemo::bgp;

namespace {

wire::Update Announce(std::vector<const char*> prefixes, const char* next_hop,
                      std::vector<std::uint32_t> path) {
  wire::Update u;
  u.attrs.origin = wire::Origin::kIgp;
  u.attrs.as_path = wire::AsPath::Sequence(std::move(path));
  u.attrs.next_hop = *wire::IpAddress::Parse(next_hop);
  for (auto p : prefixes) u.nlri.push_back(*wire::Prefix::Parse(p));
  return u;
}

wire::Update Withdraw(std::vector<const char*> prefixes) {
  wire::Update w;
  for (auto p : prefixes) w.withdrawn.push_back(*wire::Prefix::Parse(p));
  return w;
}

wire::Prefix P(const char* p) {
  return *wire::Prefix::Parse(p);
}

fib::Route R(const char* prefix, std::vector<const char*> hops) {
  fib::Route r{P(prefix), {}};
  for (auto h : hops) r.next_hops.push_back(*wire::IpAddress::Parse(h));
  return r;
}

// A FakeFib whose Apply waits while the gate is closed: the writer is "in the kernel".
class GatedFib : public fib::FakeFib {
 public:
  Result<void, std::string> Apply(const fib::Batch& batch,
                                  std::vector<fib::ItemError>& errors) override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
    return FakeFib::Apply(batch, errors);
  }
  void Close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
};

struct Fixture {
  std::ostringstream log_text;
  StreamLogger log{log_text, LogLevel::kInfo};
  GatedFib fib;
  rib::Rib rib{rib::RibOptions{65000, 0x0a000001}};
  server::FibSync sync{fib, log};

  Fixture() {
    auto accept = policy::ImportPolicy{policy::Filter::AcceptAll(), std::nullopt};
    (void)rib.SetPeer({0, *wire::IpAddress::Parse("10.0.0.1"), 65000, 0x0a000001, false}, accept);
    (void)rib.SetPeer({1, *wire::IpAddress::Parse("172.22.0.2"), 65100, 0xac160002, false}, accept);
    (void)rib.SetPeer({2, *wire::IpAddress::Parse("172.22.0.3"), 65100, 0xac160003, false}, accept);
  }
  // What the Server does with a ChangeSet: the observers, then the RIB's Compact.
  void Change(rib::ChangeSet cs) {
    sync.OnChanges(rib, cs);
    rib.Compact(
        [&](wire::Afi afi, std::size_t from, std::size_t to) { sync.OnMove(afi, from, to); });
  }
  void Apply(rib::ChangeSet cs) {
    Change(std::move(cs));
    sync.Drain();
  }
};

}  // namespace

TEST_CASE("fib sync: install, ECMP across nodes, withdraw one, peer down") {
  Fixture f;
  f.Apply(f.rib.Update(1, Announce({"10.241.1.0/24", "10.11.0.10/32"}, "172.22.0.2", {65100})));
  CHECK(f.fib.routes().at(P("10.241.1.0/24")) == R("10.241.1.0/24", {"172.22.0.2"}));
  // A second node advertising the service IP makes it multipath.
  f.Apply(f.rib.Update(2, Announce({"10.11.0.10/32", "10.241.2.0/24"}, "172.22.0.3", {65100})));
  CHECK(f.fib.routes().at(P("10.11.0.10/32")) == R("10.11.0.10/32", {"172.22.0.2", "172.22.0.3"}));
  CHECK(f.fib.routes().size() == 3);
  CHECK(f.sync.written() == 3);
  // One node withdraws it: back to one next hop.
  f.Apply(f.rib.Update(1, Withdraw({"10.11.0.10/32"})));
  CHECK(f.fib.routes().at(P("10.11.0.10/32")) == R("10.11.0.10/32", {"172.22.0.3"}));
  // The other node's session ends: its routes leave the kernel.
  f.Apply(f.rib.PeerDown(2));
  CHECK(f.fib.routes().size() == 1);
  CHECK(f.fib.routes().count(P("10.241.1.0/24")) == 1);
  CHECK(f.sync.written() == 1);
  CHECK(f.sync.pending() == 0);
  // Nothing changes, nothing is written.
  const auto ops = f.fib.operations();
  f.Apply(f.rib.Update(1, Announce({"10.241.1.0/24"}, "172.22.0.2", {65100})));
  CHECK(f.fib.operations() == ops);
  f.sync.Stop(false);
  CHECK(f.fib.routes().empty());
  CHECK(f.sync.written() == 0);
}

TEST_CASE(
    "fib sync: originated routes and foreign-family next hops are not installed; an "
    "IPv4-mapped next hop of an IPv6 route is handed to the FIB") {
  Fixture f;
  f.Apply(f.rib.Update(0, Announce({"192.0.2.0/24"}, "10.0.0.1", {})));
  CHECK(f.fib.routes().empty());
  auto v6 = [](const char* next_hop, const char* prefix) {
    wire::Update u;
    u.attrs.origin = wire::Origin::kIgp;
    u.attrs.as_path = wire::AsPath::Sequence({65100});
    u.attrs.mp_reach =
        wire::MpReach{wire::kIpv6Unicast, *wire::IpAddress::Parse(next_hop), {}, 0, {P(prefix)}};
    return u;
  };
  // What Cilium sends over an IPv4 session: NetlinkFib resolves it to the node's link-local.
  f.Apply(f.rib.Update(1, v6("::ffff:172.22.0.2", "fd00:10:241:1::/64")));
  REQUIRE(f.fib.routes().size() == 1);
  CHECK(f.fib.routes().begin()->second.next_hops ==
        std::vector{*wire::IpAddress::Parse("::ffff:172.22.0.2")});
  CHECK(f.sync.unusable_next_hops() == 0);
  // A plain IPv4 address as an IPv6 route's next hop: nothing the kernel could use.
  f.Apply(f.rib.Update(2, v6("172.22.0.3", "fd00:10:242:1::/64")));
  CHECK(f.fib.routes().size() == 1);
  CHECK(f.sync.unusable_next_hops() == 1);
  // Never written, so its withdrawal sends nothing.
  const auto ops = f.fib.operations();
  f.Apply(f.rib.PeerDown(2));
  CHECK(f.fib.operations() == ops);
}

TEST_CASE("fib sync: start flushes what a predecessor left, keep on stop, errors counted") {
  Fixture f;
  REQUIRE(f.fib.Replace(R("10.99.0.0/16", {"172.22.0.9"})));
  auto flushed = f.sync.Start();
  REQUIRE(flushed);
  CHECK(*flushed == 1);
  CHECK(f.fib.routes().empty());
  f.fib.FailNext("No route to host");
  f.Apply(f.rib.Update(1, Announce({"10.241.1.0/24"}, "172.22.0.2", {65100})));
  CHECK(f.sync.errors() == 1);
  CHECK(f.fib.routes().empty());
  f.Apply(f.rib.Update(1, Announce({"10.241.5.0/24"}, "172.22.0.2", {65100})));
  f.sync.Stop(true);
  CHECK(f.fib.routes().size() == 1);
  CHECK(f.log_text.str().find("event=fib_keep") != std::string::npos);
}

TEST_CASE("fib sync: a graceful restart adopts what the predecessor left, sweeps it at the end") {
  Fixture f;
  // The process before left three routes: one comes back with a new next hop, one comes
  // back as it was, one nobody announces again.
  REQUIRE(f.fib.Replace(R("10.241.1.0/24", {"172.22.0.9"})));
  REQUIRE(f.fib.Replace(R("10.241.2.0/24", {"172.22.0.2"})));
  REQUIRE(f.fib.Replace(R("10.99.0.0/16", {"172.22.0.9"})));
  auto adopted = f.sync.Start(server::FibSync::Predecessor::kAdopt);
  REQUIRE(adopted);
  CHECK(*adopted == 3);
  CHECK(f.fib.routes().size() == 3);  // still forwarding while the peers come back
  f.Apply(f.rib.Update(1, Announce({"10.241.1.0/24", "10.241.2.0/24"}, "172.22.0.2", {65100})));
  CHECK(f.fib.routes().at(P("10.241.1.0/24")) == R("10.241.1.0/24", {"172.22.0.2"}));
  CHECK(f.fib.routes().count(P("10.99.0.0/16")) == 1);  // until the restart completes
  f.sync.OnRestartComplete(f.rib);
  f.sync.Drain();
  CHECK(f.fib.routes().size() == 2);
  CHECK(f.fib.routes().count(P("10.99.0.0/16")) == 0);
  CHECK(f.sync.written() == 2);
  CHECK(f.log_text.str().find("event=fib_sweep kept=2 removed=1") != std::string::npos);
  // The swept prefix announced later is installed as any other.
  f.Apply(f.rib.Update(2, Announce({"10.99.0.0/16"}, "172.22.0.3", {65100})));
  CHECK(f.fib.routes().at(P("10.99.0.0/16")) == R("10.99.0.0/16", {"172.22.0.3"}));
}

TEST_CASE("fib sync: a kernel error names its prefix, the rest of the batch is installed") {
  Fixture f;
  f.fib.FailPrefix(P("10.241.2.0/24"), "Network is unreachable (Nexthop has invalid gateway)");
  f.Apply(f.rib.Update(
      1, Announce({"10.241.1.0/24", "10.241.2.0/24", "10.241.3.0/24"}, "172.22.0.2", {65100})));
  CHECK(f.fib.batches() == 1);
  CHECK(f.sync.errors() == 1);
  CHECK(f.fib.routes().size() == 2);
  CHECK(f.fib.routes().count(P("10.241.2.0/24")) == 0);
  CHECK(f.log_text.str().find("event=fib_replace_failed prefix=10.241.2.0/24 error=\"Network is "
                              "unreachable (Nexthop has invalid gateway)\"") != std::string::npos);
}

TEST_CASE("fib sync: changes while the writer is busy coalesce, the last state wins") {
  Fixture f;
  f.Apply(f.rib.Update(1, Announce({"10.1.0.0/24"}, "172.22.0.2", {65100})));
  const std::size_t ops_a = f.fib.OperationsOn(P("10.1.0.0/24"));
  f.fib.Close();
  // The writer takes the first batch and waits in the kernel; the second batch waits for it.
  f.Change(f.rib.Update(1, Announce({"10.2.0.0/24"}, "172.22.0.2", {65100})));
  f.Change(f.rib.Update(1, Announce({"10.3.0.0/24"}, "172.22.0.2", {65100})));
  // Both batches are out: these stay pending, and fold.
  f.Change(f.rib.Update(1, Announce({"10.4.0.0/24"}, "172.22.0.2", {65100})));
  f.Change(f.rib.Update(2, Announce({"10.4.0.0/24"}, "172.22.0.3", {65100})));
  f.Change(f.rib.Update(1, Withdraw({"10.4.0.0/24"})));
  f.Change(f.rib.Update(1, Announce({"10.4.0.0/24"}, "172.22.0.2", {65100})));
  // Removed, then back: the removal goes first, so it ends installed.
  f.Change(f.rib.Update(1, Withdraw({"10.1.0.0/24"})));
  f.Change(f.rib.Update(1, Announce({"10.1.0.0/24"}, "172.22.0.2", {65100})));
  // Never written and gone again: nothing to send at all.
  f.Change(f.rib.Update(1, Announce({"10.5.0.0/24"}, "172.22.0.2", {65100})));
  f.Change(f.rib.Update(1, Withdraw({"10.5.0.0/24"})));
  CHECK(f.sync.pending() == 5);  // 2 in flight, 10.4 and 10.1 dirty, 10.1's removal
  f.fib.Open();
  f.sync.Drain();
  CHECK(f.sync.pending() == 0);
  CHECK(f.fib.OperationsOn(P("10.4.0.0/24")) == 1);
  CHECK(f.fib.routes().at(P("10.4.0.0/24")) == R("10.4.0.0/24", {"172.22.0.2", "172.22.0.3"}));
  CHECK(f.fib.OperationsOn(P("10.1.0.0/24")) == ops_a + 2);  // removal, then install
  CHECK(f.fib.routes().count(P("10.1.0.0/24")) == 1);
  CHECK(f.fib.OperationsOn(P("10.5.0.0/24")) == 0);
  CHECK(f.fib.routes().size() == 4);
}

TEST_CASE("fib sync: a dirty item the RIB moves keeps its change") {
  Fixture f;
  f.fib.Close();
  f.Change(f.rib.Update(1, Announce({"10.1.0.0/24"}, "172.22.0.2", {65100})));
  f.Change(f.rib.Update(1, Announce({"10.2.0.0/24"}, "172.22.0.2", {65100})));
  // Items 2, 3, 4; withdrawing the first moves the last into its place (Rib::Compact).
  f.Change(f.rib.Update(
      1, Announce({"10.3.0.0/24", "10.4.0.0/24", "10.5.0.0/24"}, "172.22.0.2", {65100})));
  f.Change(f.rib.Update(1, Withdraw({"10.3.0.0/24"})));
  f.fib.Open();
  f.sync.Drain();
  CHECK(f.fib.routes().size() == 4);
  CHECK(f.fib.routes().at(P("10.5.0.0/24")) == R("10.5.0.0/24", {"172.22.0.2"}));
  CHECK(f.fib.OperationsOn(P("10.3.0.0/24")) == 0);
}

TEST_CASE("fib sync: 10,000 routes go in batches of kBatchRoutes") {
  Fixture f;
  wire::Update u = Announce({}, "172.22.0.2", {65100});
  for (std::uint32_t i = 0; i < 10000; ++i)
    u.nlri.push_back(wire::Prefix::V4((10u << 24) | (i << 8), 24));
  f.Apply(f.rib.Update(1, u));
  CHECK(f.fib.routes().size() == 10000);
  CHECK(f.fib.batches() ==
        (10000 + server::FibSync::kBatchRoutes - 1) / server::FibSync::kBatchRoutes);
  f.Apply(f.rib.PeerDown(1));
  CHECK(f.fib.routes().empty());
}

TEST_CASE("fib sync: stop with keep writes what is pending, without keep removes everything") {
  SUBCASE("keep") {
    Fixture f;
    f.fib.Close();
    f.Change(f.rib.Update(1, Announce({"10.1.0.0/24"}, "172.22.0.2", {65100})));
    f.Change(f.rib.Update(1, Announce({"10.2.0.0/24"}, "172.22.0.2", {65100})));
    f.Change(f.rib.Update(1, Announce({"10.3.0.0/24", "10.4.0.0/24"}, "172.22.0.2", {65100})));
    CHECK(f.sync.pending() == 4);
    f.fib.Open();
    f.sync.Stop(true);
    CHECK(f.fib.routes().size() == 4);
    // Stopped: later changes are not written.
    f.Change(f.rib.PeerDown(1));
    f.sync.Drain();
    CHECK(f.fib.routes().size() == 4);
  }
  SUBCASE("no keep") {
    Fixture f;
    f.Apply(f.rib.Update(1, Announce({"10.1.0.0/24"}, "172.22.0.2", {65100})));
    f.fib.Close();
    f.Change(f.rib.Update(1, Announce({"10.2.0.0/24"}, "172.22.0.2", {65100})));
    f.Change(f.rib.Update(1, Announce({"10.3.0.0/24"}, "172.22.0.2", {65100})));
    f.Change(f.rib.Update(1, Announce({"10.4.0.0/24"}, "172.22.0.2", {65100})));
    f.fib.Open();
    f.sync.Stop(false);
    CHECK(f.fib.routes().empty());
    CHECK(f.fib.OperationsOn(P("10.4.0.0/24")) == 0);  // pending at the stop: never written
    CHECK(f.log_text.str().find("event=fib_removed routes=3") != std::string::npos);
  }
}

TEST_CASE("fib sync: snapshot lists the kernel's routes and what is pending") {
  Fixture f;
  f.Apply(f.rib.Update(1, Announce({"10.2.0.0/24", "10.1.0.0/24"}, "172.22.0.2", {65100})));
  f.fib.Close();
  f.Change(f.rib.Update(1, Announce({"10.3.0.0/24"}, "172.22.0.2", {65100})));
  f.Change(f.rib.Update(1, Announce({"10.4.0.0/24"}, "172.22.0.2", {65100})));
  f.Change(f.rib.Update(1, Announce({"10.5.0.0/24"}, "172.22.0.2", {65100})));
  CHECK(f.sync.pending() == 3);
  f.fib.Open();
  f.sync.Drain();
  const auto s = f.sync.Snapshot();
  REQUIRE(s.routes.size() == 5);
  CHECK(s.routes[0] == R("10.1.0.0/24", {"172.22.0.2"}));
  CHECK(s.pending == 0);
  CHECK(s.written == 5);
  CHECK(s.error.empty());
}

TEST_CASE("fib sync: a new RIB (a reload that restarts everything) starts from clean flags") {
  Fixture f;
  f.Apply(f.rib.Update(1, Announce({"10.1.0.0/24", "10.2.0.0/24"}, "172.22.0.2", {65100})));
  f.Apply(f.rib.PeerDown(1));  // what Server::Reload does before it replaces the RIB
  rib::Rib fresh{rib::RibOptions{65000, 0x0a000001}};
  (void)fresh.SetPeer({1, *wire::IpAddress::Parse("172.22.0.2"), 65100, 0xac160002, false},
                      policy::ImportPolicy{policy::Filter::AcceptAll(), std::nullopt});
  f.sync.OnChanges(fresh, rib::ChangeSet{});  // Server::ResetRib
  f.sync.OnChanges(fresh, fresh.Update(1, Announce({"10.3.0.0/24"}, "172.22.0.2", {65100})));
  f.sync.Drain();
  REQUIRE(f.fib.routes().size() == 1);
  CHECK(f.fib.routes().count(P("10.3.0.0/24")) == 1);
  CHECK(f.sync.written() == 1);
  f.sync.Stop(false);  // before `fresh` goes
}
