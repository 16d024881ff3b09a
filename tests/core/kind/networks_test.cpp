// Tests for core/kind/networks: Docker's networks and the machine's routes read from the
// tools' output (Docker 20.10 and iproute2 6.1 shapes, trimmed), and what the networks step
// decides from them: adopt, create, or refuse with the network or route in the way.
#include "core/kind/networks.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "core/docker_subnets.h"

namespace bgpdemo::core::kind {
namespace {

// `docker network inspect bridge kind other`: docker0 with a 1450 MTU, kind's network as
// kind v0.20.0 makes it (IPv6 ULA first, Docker's IPv4 pool second), and a network of the
// user's.
constexpr const char* kInspect = R"([
    {
        "Name": "bridge",
        "Driver": "bridge",
        "EnableIPv6": false,
        "IPAM": {"Driver": "default", "Options": null,
                 "Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]},
        "Options": {
            "com.docker.network.bridge.default_bridge": "true",
            "com.docker.network.bridge.name": "docker0",
            "com.docker.network.driver.mtu": "1450"
        },
        "Labels": {}
    },
    {
        "Name": "kind",
        "Id": "b3d0a7c5e1f2",
        "Driver": "bridge",
        "EnableIPv6": true,
        "IPAM": {
            "Driver": "default",
            "Options": {},
            "Config": [
                {"Subnet": "fc00:f853:ccd:e793::/64", "Gateway": "fc00:f853:ccd:e793::1"},
                {"Subnet": "172.18.0.0/16", "Gateway": "172.18.0.1"}
            ]
        },
        "Options": {"com.docker.network.bridge.enable_ip_masquerade": "true",
                    "com.docker.network.driver.mtu": "1450"},
        "Labels": {}
    },
    {
        "Name": "other",
        "Driver": "bridge",
        "IPAM": {"Driver": "default", "Config": [{"Subnet": "172.22.0.0/24"}]},
        "Options": {},
        "Labels": {"io.bgpdemo.owner": "bgpdemo"}
    },
    {"Name": "host", "Driver": "host", "IPAM": {"Driver": "default", "Config": []}},
    {"Name": "none", "Driver": "null", "IPAM": {"Driver": "default", "Config": null}}
])";

NetworkFacts Facts() {
  auto docker = ParseNetworkInspect(kInspect);
  REQUIRE(docker);
  auto routes = ParseIpRoutes(R"([
    {"dst": "default", "gateway": "10.0.2.2", "dev": "eth0", "protocol": "dhcp", "flags": []},
    {"dst": "10.0.2.0/24", "dev": "eth0", "protocol": "kernel", "scope": "link"},
    {"dst": "172.17.0.0/16", "dev": "docker0", "protocol": "kernel", "linkdown": true},
    {"dst": "172.18.0.0/16", "dev": "br-b3d0a7c5e1f2", "protocol": "kernel"},
    {"dst": "192.168.50.7", "dev": "tun0", "scope": "link"},
    {"dst": "fd00::/64", "dev": "eth0"}
  ])");
  REQUIRE(routes);
  return {*docker, *routes, 1450};
}

TEST_CASE("kind networks: docker network inspect: IPv4 subnet and gateway beside an IPv6 ULA") {
  auto networks = ParseNetworkInspect(kInspect);
  REQUIRE(networks);
  REQUIRE(networks->size() == 5);
  const auto& kind = (*networks)[1];
  CHECK(kind.name == "kind");
  CHECK(kind.subnet == "172.18.0.0/16");
  CHECK(kind.gateway == "172.18.0.1");
  CHECK(kind.ipv6_subnets == std::vector<std::string>{"fc00:f853:ccd:e793::/64"});
  CHECK(kind.mtu == 1450);
  CHECK_FALSE(kind.owned);
  CHECK((*networks)[0].mtu == 1450);
  CHECK((*networks)[2].owned);
  CHECK((*networks)[2].gateway.empty());
  CHECK((*networks)[3].subnet.empty());
  CHECK((*networks)[4].subnet.empty());

  CHECK(ParseNetworkInspect("[]")->empty());
  CHECK(ParseNetworkInspect("Error: oops").error().message() ==
        "docker network inspect printed no JSON: \"Error: oops\"");
}

TEST_CASE("kind networks: ip -j route: IPv4 destinations, host routes as /32, no default") {
  const auto f = Facts();
  REQUIRE(f.routes.size() == 4);
  CHECK(f.routes[0].dst == "10.0.2.0/24");
  CHECK(f.routes[0].dev == "eth0");
  CHECK(f.routes[3].dst == "192.168.50.7/32");
  CHECK(ParseIpRoutes("{}").error().message() == "ip -j route printed no list of routes");
}

TEST_CASE("kind networks: an existing network is adopted as it is, with Docker's subnet") {
  auto plan = PlanNetworks({{"kind", ""}}, Facts());
  REQUIRE(plan);
  REQUIRE(plan->size() == 1);
  CHECK_FALSE((*plan)[0].create);
  CHECK((*plan)[0].subnet == "172.18.0.0/16");
  CHECK((*plan)[0].gateway == "172.18.0.1");
  CHECK((*plan)[0].argv.empty());
  // Pinned to the subnet it has: the same.
  CHECK(PlanNetworks({{"kind", "172.18.0.0/16"}}, Facts()));
}

TEST_CASE("kind networks: a pinned subnet that differs from the existing network's is refused") {
  auto plan = PlanNetworks({{"kind", "172.22.0.0/16"}}, Facts());
  REQUIRE_FALSE(plan);
  CHECK(plan.error().kind() == ErrorKind::kEnvironment);
  CHECK(plan.error().message() ==
        "Docker network kind exists with subnet 172.18.0.0/16 (gateway 172.18.0.1), the scenario "
        "pins 172.22.0.0/16: leave the subnet out of the scenario to use the network as it is, or "
        "remove the network first (`kind delete cluster --name C` for each cluster on it, then "
        "docker network rm kind)");
}

TEST_CASE("kind networks: a missing network is created, with docker0's MTU when it is not 1500") {
  auto plan = PlanNetworks({{"kind2", ""}}, Facts());
  REQUIRE(plan);
  CHECK((*plan)[0].create);
  CHECK((*plan)[0].subnet.empty());
  CHECK((*plan)[0].argv ==
        std::vector<std::string>{"docker", "network", "create", "--driver", "bridge", "--opt",
                                 "com.docker.network.bridge.enable_ip_masquerade=true", "--opt",
                                 "com.docker.network.driver.mtu=1450", "--attachable", "--label",
                                 "io.bgpdemo.owner=bgpdemo", "kind2"});
  CHECK(NetworkCreateArgv({"kind", "172.30.200.0/24"}, 1500) ==
        std::vector<std::string>{"docker", "network", "create", "--driver", "bridge", "--subnet",
                                 "172.30.200.0/24", "--opt",
                                 "com.docker.network.bridge.enable_ip_masquerade=true",
                                 "--attachable", "--label", "io.bgpdemo.owner=bgpdemo", "kind"});
  CHECK(NetworkCreateArgv({"kind", ""}, 0) == NetworkCreateArgv({"kind", ""}, 1500));
}

TEST_CASE("kind networks: a pinned subnet in another Docker network or a route is refused") {
  // 172.22.0.0/16 holds the user's network 172.22.0.0/24; 192.168.50.0/24 the tun0 route.
  auto plan = PlanNetworks({{"kind", ""},
                            {"kind2", "172.22.0.0/16"},
                            {"kind3", "192.168.50.0/24"},
                            {"kind4", "172.30.0.0/16"}},
                           Facts());
  REQUIRE_FALSE(plan);
  CHECK(plan.error().kind() == ErrorKind::kEnvironment);
  CHECK(plan.error().message() ==
        "the scenario's subnet 172.22.0.0/16 for network kind2 overlaps Docker network other "
        "(172.22.0.0/24): leave the subnet out of the scenario to let Docker choose a free one, "
        "change it, or remove other (docker network rm other)\n"
        "the scenario's subnet 192.168.50.0/24 for network kind3 overlaps the route "
        "192.168.50.7/32 dev tun0 of this machine (ip route): leave the subnet out of the "
        "scenario to let Docker choose a free one, or change it");
  // A Docker network's own bridge route is not named twice.
  auto twice = PlanNetworks({{"kind2", "172.18.5.0/24"}}, Facts());
  REQUIRE_FALSE(twice);
  CHECK(twice.error().message().find("overlaps Docker network kind (172.18.0.0/16)") !=
        std::string::npos);
  CHECK(twice.error().message().find("br-b3d0a7c5e1f2") == std::string::npos);
}

TEST_CASE("kind networks: an existing network without IPv4 is refused") {
  NetworkFacts f;
  f.docker.push_back({"kind", "", "", {"fd00:1::/64"}, 0, false});
  auto plan = PlanNetworks({{"kind", ""}}, f);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().message() ==
        "Docker network kind exists with no IPv4 subnet (only fd00:1::/64): the demo needs one; "
        "remove it (docker network rm kind) and up creates it");
}

Scenario Adopted(const std::string& kind_subnet, const std::string& kind2_subnet) {
  Scenario s;
  s.networks = {{"kind", kind_subnet}, {"kind2", kind2_subnet}};
  ClusterSpec c;
  c.name = "cilium";
  c.network = "kind";
  c.pod_cidr = "10.241.0.0/16";
  c.service_cidr = "10.11.0.0/16";
  c.lb_pool = "10.21.0.0/24";
  s.clusters = {c};
  return s;
}

TEST_CASE("kind networks: adopted subnets must clear the scenario's CIDRs and each other") {
  CHECK(CheckAdoptedSubnets(Adopted("172.18.0.0/16", "172.19.0.0/16")));
  auto pods = CheckAdoptedSubnets(Adopted("10.240.0.0/12", "172.19.0.0/16"));
  REQUIRE_FALSE(pods);
  CHECK(pods.error().kind() == ErrorKind::kEnvironment);
  CHECK(pods.error().message() ==
        "Docker network kind has subnet 10.240.0.0/12, which overlaps cluster cilium's pod CIDR "
        "10.241.0.0/16: change that CIDR in the scenario, or pin a free subnet for network kind "
        "in the scenario and remove the network first (docker network rm kind)");
  auto both = CheckAdoptedSubnets(Adopted("172.18.0.0/16", "172.18.0.0/24"));
  REQUIRE_FALSE(both);
  CHECK(both.error().message() ==
        "Docker networks kind (172.18.0.0/16) and kind2 (172.18.0.0/24) overlap: the route "
        "server cannot be on both; remove one (docker network rm NAME) and up creates it again");
}

TEST_CASE("kind networks, dual stack: IPv6 adopted from kind's network, or made as kind makes it") {
  // "kind" exists with kind's ULA: adopted with it. "kind2" is missing: created with --ipv6
  // and the ULA kind would give that name, Docker choosing the IPv4 subnet.
  auto plan = PlanNetworks({{"kind", "", ""}, {"kind2", "", ""}}, Facts(), /*ipv6=*/true);
  REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().message()));
  REQUIRE(plan->size() == 2);
  CHECK((*plan)[0].subnet_v6 == "fc00:f853:ccd:e793::/64");
  CHECK_FALSE((*plan)[0].create);
  CHECK((*plan)[1].create);
  CHECK((*plan)[1].subnet_v6 == "fc00:444c:147a:44ab::/64");
  CHECK((*plan)[1].argv ==
        std::vector<std::string>{"docker", "network", "create", "--driver", "bridge", "--ipv6",
                                 "--subnet", "fc00:444c:147a:44ab::/64", "--opt",
                                 "com.docker.network.bridge.enable_ip_masquerade=true", "--opt",
                                 "com.docker.network.driver.mtu=1450", "--attachable", "--label",
                                 "io.bgpdemo.owner=bgpdemo", "kind2"});
  // A pinned IPv6 subnet is used as given, beside a pinned IPv4 one.
  plan = PlanNetworks({{"kind2", "172.30.0.0/24", "fd00:172:30::/64"}}, Facts(), true);
  REQUIRE(plan);
  CHECK((*plan)[0].argv[5] == "--subnet");
  CHECK((*plan)[0].argv[6] == "172.30.0.0/24");
  CHECK((*plan)[0].argv[8] == "--subnet");
  CHECK((*plan)[0].argv[9] == "fd00:172:30::/64");
  // Without IPv6 nothing changes: no --ipv6, no subnet_v6.
  plan = PlanNetworks({{"kind2", "", ""}}, Facts());
  REQUIRE(plan);
  CHECK((*plan)[0].subnet_v6.empty());
  CHECK(std::count((*plan)[0].argv.begin(), (*plan)[0].argv.end(), "--ipv6") == 0);
}

TEST_CASE(
    "kind networks, dual stack: an existing network without IPv6, or another one, is refused") {
  // "other" has an IPv4 subnet only: Docker cannot add IPv6 to it.
  auto plan = PlanNetworks({{"other", "", ""}}, Facts(), /*ipv6=*/true);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().kind() == ErrorKind::kEnvironment);
  CHECK(plan.error().message() ==
        "Docker network other exists with no IPv6 subnet: the scenario's clusters are dual stack "
        "or IPv6 and Docker cannot add IPv6 to a network; remove it (`kind delete cluster --name "
        "C` for each cluster on it, then docker network rm other) and up creates it with IPv6 (" +
            KindUlaSubnet("other") + ")");
  plan = PlanNetworks({{"kind", "", "fd00:1::/64"}}, Facts(), true);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().message().starts_with(
      "Docker network kind exists with IPv6 subnet fc00:f853:ccd:e793::/64, the scenario pins "
      "fd00:1::/64"));
  // The IPv4 demo takes "other" as it is.
  CHECK(PlanNetworks({{"other", "", ""}}, Facts()));
}

}  // namespace
}  // namespace bgpdemo::core::kind
