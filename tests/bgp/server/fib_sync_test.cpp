// Tests for bgp/server/fib_sync: the kernel table follows the Loc-RIB (on a FakeFib).
#include "bgp/server/fib_sync.h"

#include <doctest/doctest.h>

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

fib::Route R(const char* prefix, std::vector<const char*> hops) {
  fib::Route r{*wire::Prefix::Parse(prefix), {}};
  for (auto h : hops) r.next_hops.push_back(*wire::IpAddress::Parse(h));
  return r;
}

struct Fixture {
  NullLogger log;
  fib::FakeFib fib;
  server::FibSync sync{fib, log};
  rib::Rib rib{rib::RibOptions{65000, 0x0a000001}};

  Fixture() {
    auto accept = policy::ImportPolicy{policy::Filter::AcceptAll(), std::nullopt};
    (void)rib.SetPeer({0, *wire::IpAddress::Parse("10.0.0.1"), 65000, 0x0a000001, false}, accept);
    (void)rib.SetPeer({1, *wire::IpAddress::Parse("172.22.0.2"), 65100, 0xac160002, false}, accept);
    (void)rib.SetPeer({2, *wire::IpAddress::Parse("172.22.0.3"), 65100, 0xac160003, false}, accept);
  }
  void Apply(rib::ChangeSet cs) { sync.OnChanges(rib, cs); }
};

}  // namespace

TEST_CASE("fib sync: install, ECMP across nodes, withdraw one, peer down") {
  Fixture f;
  f.Apply(f.rib.Update(1, Announce({"10.241.1.0/24", "10.11.0.10/32"}, "172.22.0.2", {65100})));
  CHECK(f.fib.routes().at(*wire::Prefix::Parse("10.241.1.0/24")) ==
        R("10.241.1.0/24", {"172.22.0.2"}));
  // A second node advertising the service IP makes it multipath.
  f.Apply(f.rib.Update(2, Announce({"10.11.0.10/32", "10.241.2.0/24"}, "172.22.0.3", {65100})));
  CHECK(f.fib.routes().at(*wire::Prefix::Parse("10.11.0.10/32")) ==
        R("10.11.0.10/32", {"172.22.0.2", "172.22.0.3"}));
  CHECK(f.fib.routes().size() == 3);
  // One node withdraws it: back to one next hop.
  wire::Update w;
  w.withdrawn = {*wire::Prefix::Parse("10.11.0.10/32")};
  f.Apply(f.rib.Update(1, w));
  CHECK(f.fib.routes().at(*wire::Prefix::Parse("10.11.0.10/32")) ==
        R("10.11.0.10/32", {"172.22.0.3"}));
  // The other node's session ends: its routes leave the kernel.
  f.Apply(f.rib.PeerDown(2));
  CHECK(f.fib.routes().size() == 1);
  CHECK(f.fib.routes().count(*wire::Prefix::Parse("10.241.1.0/24")) == 1);
  // Nothing changes, nothing is written.
  const auto ops = f.fib.operations();
  f.Apply(f.rib.Update(1, Announce({"10.241.1.0/24"}, "172.22.0.2", {65100})));
  CHECK(f.fib.operations() == ops);
  f.sync.Stop(false);
  CHECK(f.fib.routes().empty());
}

TEST_CASE("fib sync: originated routes and foreign-family next hops are not installed") {
  Fixture f;
  f.Apply(f.rib.Update(0, Announce({"192.0.2.0/24"}, "10.0.0.1", {})));
  CHECK(f.fib.routes().empty());
  wire::Update v6;
  v6.attrs.origin = wire::Origin::kIgp;
  v6.attrs.as_path = wire::AsPath::Sequence({65100});
  v6.attrs.mp_reach = wire::MpReach{wire::kIpv6Unicast, *wire::IpAddress::Parse("::ffff:172.22.0.2"),
                                    {}, 0, {*wire::Prefix::Parse("fd00:10:241:1::/64")}};
  f.Apply(f.rib.Update(1, v6));
  CHECK(f.fib.routes().empty());
  CHECK(f.sync.unusable_next_hops() == 1);
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
}
