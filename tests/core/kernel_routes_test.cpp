// `bgpdemo router kernel-routes -o json` (core/kernel_routes.h): the engine's FIB routes in
// the shape of `ip -j route` that the providers read (ParseIpRouteJson).
#include "core/kernel_routes.h"

#include <doctest/doctest.h>

#include "core/demo.h"

namespace bgpdemo::core {
namespace {

bgp::wire::IpAddress Ip(const std::string& text) {
  auto a = bgp::wire::IpAddress::Parse(text);
  REQUIRE(a);
  return *a;
}

bgp::wire::Prefix Pfx(const std::string& text) {
  auto p = bgp::wire::Prefix::Parse(text);
  REQUIRE(p);
  return *p;
}

TEST_CASE("kernel routes: one next hop is gateway, several are nexthops, as `ip -j route`") {
  const std::vector<bgp::fib::Route> routes{
      {Pfx("10.12.0.10/32"), {Ip("172.18.0.3")}},
      {Pfx("10.242.0.0/24"), {Ip("172.19.0.2"), Ip("172.19.0.3")}}};
  const auto j = KernelRoutesToJson(routes);
  CHECK(j.dump() ==
        R"([{"dst":"10.12.0.10/32","gateway":"172.18.0.3","protocol":"197"},)"
        R"({"dst":"10.242.0.0/24","nexthops":[{"gateway":"172.19.0.2"},{"gateway":"172.19.0.3"}],)"
        R"("protocol":"197"}])");
  // What the kind provider reads back from it.
  auto read = ParseIpRouteJson(j.dump());
  REQUIRE(read);
  REQUIRE(read->size() == 2);
  CHECK((*read)[0].prefix == "10.12.0.10/32");
  CHECK((*read)[0].next_hops == std::vector<std::string>{"172.18.0.3"});
  CHECK((*read)[1].prefix == "10.242.0.0/24");
  CHECK((*read)[1].next_hops == std::vector<std::string>{"172.19.0.2", "172.19.0.3"});
  CHECK(KernelRoutesToJson({}).dump() == "[]");
}

TEST_CASE("kernel neighbours: `ip -j neigh`'s dst and lladdr, read back as link-local owners") {
  const std::vector<bgp::fib::Neighbour> neighbours{
      {Ip("172.18.0.3"), {0x02, 0x42, 0xac, 0x12, 0x00, 0x03}},
      {Ip("172.19.0.4"), {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x0f}}};
  const auto j = NeighboursToJson(neighbours);
  CHECK(j.dump() == R"([{"dst":"172.18.0.3","lladdr":"02:42:ac:12:00:03"},)"
                    R"({"dst":"172.19.0.4","lladdr":"aa:bb:cc:dd:ee:0f"}])");
  // Docker's MAC 02:42:ac:12:00:03 makes fe80::42:acff:fe12:3.
  CHECK(ParseNeighbourLinkLocals(j.dump()) ==
        LinkLocalOwners{{"fe80::42:acff:fe12:3", "172.18.0.3"},
                        {"fe80::a8bb:ccff:fedd:ee0f", "172.19.0.4"}});
  CHECK(NeighboursToJson({}).dump() == "[]");
}

}  // namespace
}  // namespace bgpdemo::core
