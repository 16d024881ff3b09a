// Reading clusters bgpdemo did not make (core/kube/discover.h) and the rights it needs
// (core/kube/access.h), on the tools' real output.
#include "core/kube/discover.h"

#include <doctest/doctest.h>

#include "core/kube/access.h"
#include "tests/core/kube/fake_clusters.h"

namespace bgpdemo::core::kube::test {
namespace {

// `kubectl get nodes -o json` of a dual-stack node, trimmed.
constexpr const char* kNodes = R"({"apiVersion":"v1","kind":"List","items":[
 {"metadata":{"name":"w1"},"spec":{"podCIDR":"10.241.1.0/24","podCIDRs":["10.241.1.0/24","fd00:10:244:1::/64"]},
  "status":{"addresses":[{"type":"InternalIP","address":"fc00:f853:ccd:e793::3"},
                         {"type":"InternalIP","address":"172.18.0.3"},
                         {"type":"Hostname","address":"w1"}]}},
 {"metadata":{"name":"w2"},"spec":{},"status":{"addresses":[{"type":"Hostname","address":"w2"}]}}]})";

Scenario TheScenario() {
  auto s = ParseScenario(kScenario, "t.yaml", "t");
  REQUIRE(s);
  return *s;
}

TEST_CASE("discover: nodes' IPv4 InternalIP and pod CIDR, and a node without one says so") {
  auto nodes = ParseNodes(kNodes);
  REQUIRE(nodes);
  REQUIRE(nodes->size() == 2);
  CHECK((*nodes)[0].name == "w1");
  CHECK((*nodes)[0].address == "172.18.0.3");
  CHECK((*nodes)[0].pod_cidr == "10.241.1.0/24");
  // Both families, whatever order the node lists them in.
  CHECK((*nodes)[0].address_v6 == "fc00:f853:ccd:e793::3");
  CHECK((*nodes)[0].pod_cidr_v6 == "fd00:10:244:1::/64");
  CHECK((*nodes)[1].address.empty());
  CHECK((*nodes)[1].address_v6.empty());
  const auto s = TheScenario();
  const auto problems = Contradictions(s.clusters[0], 0, *nodes, {});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].what == "node w2 has no IPv4 InternalIP: the router cannot peer with it");
  CHECK_FALSE(ParseNodes("not json"));
  CHECK_FALSE(ParseNodes(R"({"kind":"Node"})"));
}

TEST_CASE("discover: a pod CIDR outside the scenario's is a contradiction naming the field") {
  const auto s = TheScenario();
  const std::vector<NodeFacts> nodes{{"n", "172.18.0.2", "10.244.0.0/24"}};
  const auto problems = Contradictions(s.clusters[1], 1, nodes, {});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].what ==
        "node n has pod CIDR 10.244.0.0/24, outside the scenario's 10.242.0.0/16 "
        "(clusters[1].pod_cidr)");
  CHECK(problems[0].fix == "set clusters[1].pod_cidr to the cluster's pod CIDR");
  CHECK(Contradictions(s.clusters[1], 1, {}, {}).front().what == "the cluster has no nodes");
}

TEST_CASE("discover: Cilium's ConfigMap and image, and what the demo needs of them") {
  const std::string cm = R"({"kind":"ConfigMap","data":{"enable-bgp-control-plane":"false",
    "ipam":"eni","tunnel":"vxlan","ipv4-native-routing-cidr":""}})";
  const std::string ds = R"({"kind":"DaemonSet","spec":{"template":{"spec":{"containers":[
    {"name":"cilium-agent","image":"quay.io/cilium/cilium:v1.16.5@sha256:758ca0793f5995bb938a2957"}]}}}})";
  auto f = ParseCilium(cm, ds);
  REQUIRE(f);
  CHECK(f->present);
  CHECK_FALSE(f->bgp);
  CHECK(f->routing_mode == "tunnel");
  CHECK(f->version == "1.16.5");
  const auto problems = CiliumProblems(*f, TheScenario());
  REQUIRE(problems.size() == 4);
  CHECK(problems[0].fix.find("bgpControlPlane.enabled=true") != std::string::npos);
  CHECK(problems[1].fix.find("routingMode=native and ipv4NativeRoutingCIDR=10.0.0.0/8") !=
        std::string::npos);
  CHECK(problems[2].fix.find("ipam.mode=kubernetes") != std::string::npos);
  CHECK(problems[3].what.find("runs Cilium 1.16.5, the scenario says 1.14.0") != std::string::npos);

  auto absent = ParseCilium("", "");
  REQUIRE(absent);
  CHECK_FALSE(absent->present);
  CHECK(CiliumProblems(*absent, TheScenario()).empty());

  auto good = ParseCilium(R"({"data":{"enable-bgp-control-plane":"true","ipam":"kubernetes",
    "routing-mode":"native"}})",
                          "");
  REQUIRE(good);
  CHECK(CiliumProblems(*good, TheScenario()).empty());
  CHECK(VersionOfImage("quay.io/cilium/cilium:v1.14.0") == "1.14.0");
  CHECK(VersionOfImage("quay.io/cilium/cilium:latest").empty());
}

TEST_CASE("discover: --manage-cilium sets aside the running Cilium's settings, not the nodes") {
  // What `helm install cilium --set bgpControlPlane.enabled=false` leaves (the chart's
  // defaults: a tunnel, cluster-pool IPAM over 10.0.0.0/8): every setting is a problem
  // while that Cilium stays, none once up installs the scenario's values over it.
  auto f = ParseCilium(R"({"data":{"ipam":"cluster-pool","routing-mode":"tunnel",
    "tunnel-protocol":"vxlan","cluster-pool-ipv4-cidr":"10.0.0.0/8"}})",
                       "");
  REQUIRE(f);
  const auto s = TheScenario();
  const std::vector<NodeFacts> nodes{{"a", "172.19.0.2", "10.242.0.0/24"},
                                     {"b", "", "10.242.1.0/24"}};
  const auto kept = ClusterProblems(s, 1, nodes, *f, false);
  REQUIRE(kept.size() == 4);
  CHECK(kept[0].what.find("without the BGP Control Plane") != std::string::npos);
  CHECK(kept[1].what.find("through a tunnel") != std::string::npos);
  CHECK(kept[2].what == "node b has no IPv4 InternalIP: the router cannot peer with it");
  CHECK(kept[3].what ==
        "Cilium's cluster pool 10.0.0.0/8 lies outside the scenario's 10.242.0.0/16 "
        "(clusters[1].pod_cidr)");
  const auto managed = ClusterProblems(s, 1, nodes, *f, true);
  REQUIRE(managed.size() == 1);
  CHECK(managed[0].what == kept[2].what);
}

TEST_CASE("discover, dual stack: each family's InternalIP, pod CIDRs and Cilium's IPv6") {
  auto s = LoadScenario("two-cluster-dual");
  REQUIRE(s);
  const std::vector<NodeFacts> nodes{
      {"a", "172.18.0.2", "10.241.0.0/24", "fc00:f853:ccd:e793::2", "fd00:10:241::/64"},
      {"b", "172.18.0.3", "10.241.1.0/24", "", ""},
      {"c", "172.18.0.4", "10.241.2.0/24", "fc00:f853:ccd:e793::4", "fd00:10:244:2::/64"}};
  const auto problems = Contradictions(s->clusters[0], 0, nodes, {});
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].what == "node b has no IPv6 InternalIP: the scenario's cluster is dual-stack");
  CHECK(problems[0].fix == "give the node an IPv6 address (kubelet --node-ip)");
  CHECK(problems[1].what ==
        "node c has pod CIDR fd00:10:244:2::/64, outside the scenario's fd00:10:241::/56 "
        "(clusters[0].pod_cidr_v6)");

  // Cilium without IPv6, and a tunnel: the fix names both native-routing CIDRs.
  auto f = ParseCilium(R"({"data":{"enable-bgp-control-plane":"true","ipam":"kubernetes",
    "routing-mode":"tunnel","enable-ipv6":"false"}})",
                       "");
  REQUIRE(f);
  CHECK_FALSE(f->ipv6);
  const auto cilium = CiliumProblems(*f, *s);
  REQUIRE(cilium.size() == 2);
  CHECK(cilium[0].fix ==
        "Helm values routingMode=native and ipv4NativeRoutingCIDR=10.0.0.0/8 and "
        "ipv6NativeRoutingCIDR=fd00:10::/38 (or --manage-cilium)");
  CHECK(cilium[1].what.starts_with("Cilium runs without IPv6 (enable-ipv6 is not \"true\""));
  CHECK(cilium[1].fix == "Helm value ipv6.enabled=true (or --manage-cilium)");
  auto on = ParseCilium(R"({"data":{"enable-ipv6":"true",
    "ipv6-native-routing-cidr":"fd00:10::/38","cluster-pool-ipv6-cidr":"fd00:10:241::/56"}})",
                        "");
  REQUIRE(on);
  CHECK(on->ipv6);
  CHECK(on->native_cidr_v6 == "fd00:10::/38");
  CHECK(on->pool_cidr_v6 == "fd00:10:241::/56");
}

TEST_CASE("discover: a native routing CIDR that leaves out the other clusters, per family") {
  auto s = LoadScenario("two-cluster-dual");
  REQUIRE(s);
  // Cilium's own cluster only (what a single-cluster install often sets): traffic to the
  // other cluster would leave masqueraded as the node.
  auto narrow = ParseCilium(R"({"data":{"enable-bgp-control-plane":"true","ipam":"kubernetes",
    "routing-mode":"native","ipv4-native-routing-cidr":"10.241.0.0/16","enable-ipv6":"true",
    "ipv6-native-routing-cidr":"fd00:10:241::/56"}})",
                            "");
  REQUIRE(narrow);
  const auto problems = CiliumProblems(*narrow, *s);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].what ==
        "Cilium's ipv4-native-routing-cidr 10.241.0.0/16 does not cover the clusters' ranges "
        "10.0.0.0/8: it would masquerade the traffic between the clusters");
  CHECK(problems[0].fix == "Helm value ipv4NativeRoutingCIDR=10.0.0.0/8 (or --manage-cilium)");
  CHECK(problems[1].fix == "Helm value ipv6NativeRoutingCIDR=fd00:10::/38 (or --manage-cilium)");
  // Without masquerading the CIDR does not matter; a wider one covers.
  auto off = ParseCilium(R"({"data":{"enable-bgp-control-plane":"true","ipam":"kubernetes",
    "routing-mode":"native","ipv4-native-routing-cidr":"10.241.0.0/16","enable-ipv6":"true",
    "enable-ipv4-masquerade":"false","ipv6-native-routing-cidr":"fd00::/8"}})",
                         "");
  REQUIRE(off);
  CHECK_FALSE(off->masquerade);
  CHECK(CiliumProblems(*off, *s).empty());

  // IPv6 only: the IPv6 InternalIP is the sessions' one.
  auto v6 = LoadScenario("two-cluster-ipv6");
  REQUIRE(v6);
  const std::vector<NodeFacts> v6_nodes{{"a", "172.18.0.2", "", "", "fd00:10:241::/64"}};
  const auto v6_problems = Contradictions(v6->clusters[0], 0, v6_nodes, {});
  REQUIRE(v6_problems.size() == 1);
  CHECK(v6_problems[0].what == "node a has no IPv6 InternalIP: the router cannot peer with it");
}

TEST_CASE("access: the rights for each API, and kubectl auth can-i's yes, no and failure") {
  const auto v1_scenario = LoadScenario("two-cluster");
  const auto v2_scenario = LoadScenario("two-cluster-v2");
  const auto v6_scenario = LoadScenario("two-cluster-ipv6");
  REQUIRE(v1_scenario);
  REQUIRE(v2_scenario);
  REQUIRE(v6_scenario);
  REQUIRE(v1_scenario->Api() == BgpApi::kV1);
  REQUIRE(v2_scenario->Api() == BgpApi::kV2);
  const auto v1 = NeededAccess(*v1_scenario, true, false);
  const auto v2 = NeededAccess(*v2_scenario, false, true);
  const auto v6 = NeededAccess(*v6_scenario, true, false);
  auto has = [](const std::vector<Access>& list, const std::string& verb, const std::string& res) {
    return std::any_of(list.begin(), list.end(),
                       [&](const Access& a) { return a.verb == verb && a.resource == res; });
  };
  CHECK(has(v1, "create", "ciliumbgppeeringpolicies.cilium.io"));
  CHECK(has(v1, "patch", "nodes"));
  CHECK(has(v1, "create", "daemonsets.apps"));
  CHECK_FALSE(has(v2, "create", "ciliumbgppeeringpolicies.cilium.io"));
  CHECK(has(v2, "create", "ciliumbgpclusterconfigs.cilium.io"));
  CHECK(has(v2, "create", "customresourcedefinitions.apiextensions.k8s.io"));
  CHECK_FALSE(has(v2, "create", "ciliumbgpnodeconfigoverrides.cilium.io"));
  CHECK(has(v6, "create", "ciliumbgpnodeconfigoverrides.cilium.io"));
  CHECK(CanIArgv("prod-a", {"create", "pods", "default", "", "exec"}) ==
        std::vector<std::string>{"kubectl", "--context", "prod-a", "auth", "can-i", "create",
                                 "pods", "--subresource", "exec", "-n", "default"});

  FakeRunner runner;
  runner.Expect({"kubectl", "--context", "c", "auth", "can-i", "list", "nodes"}).Prints("yes\n");
  runner.Expect({"kubectl", "--context", "c", "auth", "can-i", "patch", "nodes"})
      .Exits(1, "", "no\n");
  const k8s::ToolRun run{{}, std::chrono::seconds(5), &runner};
  const KubeClusters clusters(run, {{"x", "c"}});
  auto denied = Denied(clusters, "x", {{"list", "nodes", "", "a"}, {"patch", "nodes", "", "b"}});
  REQUIRE(denied);
  REQUIRE(denied->size() == 1);
  CHECK((*denied)[0].verb == "patch");
  CHECK(DescribeDenied("c", *denied).find("patch nodes (b)") != std::string::npos);

  runner.Expect({"kubectl", "--context", "c", "auth", "can-i", "get", "nodes"})
      .Exits(1, "error: You must be logged in to the server (Unauthorized)\n");
  CHECK_FALSE(Denied(clusters, "x", {{"get", "nodes", "", ""}}));
  CHECK(runner.Problems().empty());
}

}  // namespace
}  // namespace bgpdemo::core::kube::test
