// The lab's plan for the dual-stack built-in scenario: IPv6 beside every IPv4 address
// (networks from kind's ULA, nodes, pod CIDRs, pods, LoadBalancer IPs), the speakers
// advertising both families over their IPv4 sessions, and the ip scripts that build it
// without waiting for duplicate address detection. The IPv4 half is plan_test.cpp's.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/docker_subnets.h"
#include "core/lab/engine_speaker.h"
#include "core/lab/plan.h"
#include "core/router_config.h"
#include "core/scenario_validate.h"
#include "tests/core/lab/plan_fixture.h"

namespace bgpdemo::core::lab {
namespace {

LabPlan DualPlan() {
  return test::BuiltinPlan("two-cluster-dual");
}

using test::SpeakerOf;

const NetnsScript& ScriptWith(const std::vector<NetnsScript>& scripts, const std::string& netns,
                              const std::string& command) {
  for (const auto& s : scripts) {
    if (s.netns == netns &&
        std::find(s.ip_commands.begin(), s.ip_commands.end(), command) != s.ip_commands.end()) {
      return s;
    }
  }
  FAIL("no script of ", netns, " runs `ip ", command, "`");
  throw;  // not reached: FAIL throws
}

TEST_CASE("kind's IPv6 subnet for a network: a ULA /64 made from the network's name") {
  // kind's own value for its network "kind" (docker network inspect kind on any machine).
  CHECK(KindUlaSubnet("kind") == "fc00:f853:ccd:e793::/64");
  CHECK(KindUlaSubnet("kind2") == "fc00:444c:147a:44ab::/64");
  CHECK(KindUlaSubnet("kind") != KindUlaSubnet("kind3"));
}

TEST_CASE("address arithmetic inside a prefix, both families") {
  const auto v4 = *bgp::wire::Prefix::Parse("172.18.0.0/16");
  CHECK(AddressIn(v4, 2).ToString() == "172.18.0.2");
  CHECK(AddressIn(v4, 300).ToString() == "172.18.1.44");
  CHECK(AddressFromEnd(v4, 0).ToString() == "172.18.255.255");
  CHECK(AddressFromEnd(v4, 1).ToString() == "172.18.255.254");
  CHECK(AddressFromEnd(v4, 256).ToString() == "172.18.254.255");
  const auto v6 = *bgp::wire::Prefix::Parse("fd00:10:241::/56");
  CHECK(AddressIn(v6, 10).ToString() == "fd00:10:241::a");
  CHECK(AddressIn(v6, 0x1'0000'0000ull).ToString() == "fd00:10:241::1:0:0");
  CHECK(AddressFromEnd(v6, 1).ToString() == "fd00:10:241:ff:ffff:ffff:ffff:fffe");
  CHECK(AddressFromEnd(v6, 0x1'0000ull).ToString() == "fd00:10:241:ff:ffff:ffff:fffe:ffff");
  CHECK(Subprefix(v6, 64, 0).ToString() == "fd00:10:241::/64");
  CHECK(Subprefix(v6, 64, 2).ToString() == "fd00:10:241:2::/64");
  CHECK(Subprefix(v6, 64, 255).ToString() == "fd00:10:241:ff::/64");
  CHECK(Subprefix(v4, 24, 3).ToString() == "172.18.3.0/24");
  // A carry crosses bytes: the 257th /64 of a /48.
  CHECK(Subprefix(*bgp::wire::Prefix::Parse("fd00:1::/48"), 64, 257).ToString() ==
        "fd00:1:0:101::/64");
}

TEST_CASE("lab plan, dual stack: IPv6 beside every IPv4 address, as kind and Kubernetes give") {
  const auto plan = DualPlan();
  REQUIRE(plan.networks.size() == 2);
  CHECK(plan.networks[0].subnet_v6 == "fc00:f853:ccd:e793::/64");
  CHECK(plan.networks[0].router_address == "172.18.255.254");
  CHECK(plan.networks[0].router_address_v6 == "fc00:f853:ccd:e793:ffff:ffff:ffff:fffe");
  CHECK(plan.networks[1].subnet_v6 == "fc00:444c:147a:44ab::/64");

  const auto* cp = plan.FindNode("cilium-control-plane");
  REQUIRE(cp != nullptr);
  CHECK(cp->address == "172.18.0.2");
  CHECK(cp->address_v6 == "fc00:f853:ccd:e793::2");
  CHECK(cp->pod_cidr_v6 == "fd00:10:241::/64");
  CHECK(cp->pod_gateway_v6 == "fd00:10:241::1");
  const auto* w2 = plan.FindNode("cilium2-worker2");
  REQUIRE(w2 != nullptr);
  CHECK(w2->address_v6 == "fc00:444c:147a:44ab::4");
  CHECK(w2->pod_cidr_v6 == "fd00:10:242:2::/64");

  REQUIRE(plan.pods.size() == 4);
  CHECK(plan.pods[0].address == "10.241.1.10");
  CHECK(plan.pods[0].address_v6 == "fd00:10:241:1::a");

  // The API server's view: both addresses and pod CIDRs, and a dual-stack Service with an
  // address from each block of the pool (the first usable one: ::1, as .1 in IPv4).
  const auto& k8s = plan.clusters[1].k8s;
  CHECK(k8s.nodes[0].address_v6 == "fc00:444c:147a:44ab::2");
  CHECK(k8s.nodes[0].pod_cidr_v6 == "fd00:10:242::/64");
  REQUIRE(k8s.services.size() == 1);
  CHECK(k8s.services[0].lb_ip == "10.22.0.1");
  CHECK(k8s.services[0].lb_ip_v6 == "fd00:10:22::1");
}

TEST_CASE("lab plan, dual stack: each speaker advertises both families over its IPv4 session") {
  const auto plan = DualPlan();
  const auto& s = SpeakerOf(plan, "cilium-worker");
  CHECK(s.address == "172.18.0.3");  // the session stays IPv4, as Cilium's does
  REQUIRE(s.neighbors.size() == 1);
  CHECK(s.neighbors[0].address == "172.18.255.254");
  // The BGPv2 peer config lists ipv4 and ipv6 unicast, each selecting the advertisement.
  CHECK(s.prefixes == std::vector<std::string>{"10.241.1.0/24", "10.21.0.1/32",
                                               "fd00:10:241:1::/64", "fd00:10:21::1/128"});
  CHECK(LbAddresses(plan, "cilium-worker") ==
        std::vector<std::string>{"10.21.0.1", "fd00:10:21::1"});

  // The engine speaker originates all four; IPv6 unicast is offered on the IPv4 session.
  auto c = ParseRouterConfig(EngineSpeakerYaml(s), "speaker.yaml");
  REQUIRE_MESSAGE(c, (c ? "" : c.error()));
  REQUIRE(c->originate.size() == 4);
  CHECK(c->originate[3].ToString() == "fd00:10:21::1/128");
  REQUIRE(c->neighbors.size() == 1);
  CHECK(c->neighbors[0].ipv6);

  // The nodes route the other cluster's IPv6 ranges to the router's IPv6 address.
  const auto& routes = plan.clusters[0].node_routes;
  CHECK(std::find_if(routes.begin(), routes.end(), [](const StaticRoute& r) {
          return r.to == "fd00:10:242::/56" && r.via == "fc00:f853:ccd:e793:ffff:ffff:ffff:fffe";
        }) != routes.end());
}

TEST_CASE("lab plan, dual stack: the scripts add IPv6 with no duplicate address detection") {
  const auto plan = DualPlan();
  const auto scripts = BuildScripts(plan);
  // Every namespace turns DAD off before its links exist: its first script sets it.
  for (const auto& ns : plan.Namespaces()) {
    CAPTURE(ns);
    const auto first = std::find_if(scripts.begin(), scripts.end(),
                                    [&](const NetnsScript& s) { return s.netns == ns; });
    REQUIRE(first != scripts.end());
    const auto& sysctls = first->sysctls;
    CHECK(std::find(sysctls.begin(), sysctls.end(),
                    std::pair<std::string, std::string>{"net.ipv6.conf.default.accept_dad", "0"}) !=
          sysctls.end());
  }
  const auto& router = ScriptWith(scripts, "t-router",
                                  "addr add fc00:f853:ccd:e793:ffff:ffff:ffff:fffe/64 dev eth0 "
                                  "nodad");
  CHECK(std::find(router.sysctls.begin(), router.sysctls.end(),
                  std::pair<std::string, std::string>{"net.ipv6.conf.all.forwarding", "1"}) !=
        router.sysctls.end());
  ScriptWith(scripts, "t-node-cilium-worker", "addr add fc00:f853:ccd:e793::3/64 dev eth0 nodad");
  ScriptWith(scripts, "t-node-cilium-worker", "addr add fd00:10:21::1/128 dev lo");
  ScriptWith(scripts, "t-node-cilium-worker", "addr add fd00:10:241:1::1/128 dev lxc0 nodad");
  ScriptWith(scripts, "t-node-cilium-worker", "route add fd00:10:241:1::a/128 dev lxc0");
  ScriptWith(scripts, "t-node-cilium-worker",
             "route add fd00:10:241:2::/64 via fc00:f853:ccd:e793::4");
  ScriptWith(scripts, "t-node-cilium-worker",
             "route replace fd00:10:22::/120 via fc00:f853:ccd:e793:ffff:ffff:ffff:fffe");
  ScriptWith(scripts, "t-pod-cilium-nginx-1", "addr add fd00:10:241:1::a/128 dev eth0 nodad");
  ScriptWith(scripts, "t-pod-cilium-nginx-1", "route add ::/0 via fd00:10:241:1::1 dev eth0");

  // An IPv4 scenario's scripts have none of it.
  auto s = LoadScenario("two-cluster");
  REQUIRE(s);
  auto v4 = PlanLab(*s, {"t"});
  REQUIRE(v4);
  for (const auto& script : BuildScripts(*v4)) {
    for (const auto& [key, value] : script.sysctls) CHECK(key.find("ipv6") == std::string::npos);
    for (const auto& c : script.ip_commands) CHECK(c.find(':') == std::string::npos);
  }
}

}  // namespace
}  // namespace bgpdemo::core::lab
