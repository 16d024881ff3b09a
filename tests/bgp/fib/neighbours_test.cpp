// ListNeighbours (bgp/fib/mapped_gateway.h) in a test namespace (root): the IPv4 neighbours
// with a MAC, as `ip neigh show` lists them, and the link-local address each MAC makes.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>

#include "bgp/fib/mapped_gateway.h"
#include "tests/bgp/fib/netns_fixture.h"

namespace bgpdemo::bgp::fib {
namespace {

using test::netns::RootTestsLock;
using test::netns::TestNamespace;

TEST_CASE("neighbours (root, netns): IPv4 entries with a MAC, no unresolved or NOARP ones") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to create a network namespace");
    return;
  }
  RootTestsLock lock;
  TestNamespace ns;
  if (!ns.ok()) {
    MESSAGE("skipped: `ip netns add` failed here");
    return;
  }
  // Two resolved entries, one that never resolved, and an IPv6 one (not listed).
  REQUIRE(std::system(fmt::format("ip -n {0} neigh add 10.9.0.7 lladdr 02:00:00:00:00:07 dev d0 "
                                  "nud permanent && ip -n {0} neigh add 10.9.0.8 lladdr "
                                  "aa:bb:cc:dd:ee:08 dev d0 nud reachable && ip -n {0} neigh add "
                                  "10.9.0.9 dev d0 nud incomplete && ip -n {0} neigh add fd09::7 "
                                  "lladdr 02:00:00:00:00:07 dev d0 nud permanent",
                                  ns.name())
                          .c_str()) == 0);
  ns.Inside([&] {
    auto got = ListNeighbours();
    REQUIRE_MESSAGE(got, (got ? "" : got.error()));
    std::sort(got->begin(), got->end(), [](const Neighbour& a, const Neighbour& b) {
      return a.address.v4() < b.address.v4();
    });
    REQUIRE(got->size() == 2);
    CHECK((*got)[0].address.ToString() == "10.9.0.7");
    CHECK((*got)[0].mac == std::array<std::uint8_t, 6>{2, 0, 0, 0, 0, 7});
    CHECK(Eui64LinkLocal((*got)[0].mac).ToString() == "fe80::ff:fe00:7");
    CHECK((*got)[1].address.ToString() == "10.9.0.8");
    CHECK(Eui64LinkLocal((*got)[1].mac).ToString() == "fe80::a8bb:ccff:fedd:ee08");
  });
}

}  // namespace
}  // namespace bgpdemo::bgp::fib
