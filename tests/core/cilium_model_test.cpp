// The provider-neutral Cilium model: manifests applied to a cluster (LB IPs from the pool,
// node annotations) and the speakers the BGP resources select, BGPv1 and BGPv2, with the
// errors (kInput) that name the rendered file. The built-in scenarios' speakers are checked
// through the lab's plan (tests/core/lab/plan_test.cpp).
#include "core/cilium_model.h"

#include <doctest/doctest.h>

namespace bgpdemo::core {
namespace {

RenderedFile Manifest(std::string path, std::string yaml) {
  return {std::move(path), std::move(yaml), FileKind::kManifest, "c"};
}

const RenderedFile kService =
    Manifest("c/nginx.yaml",
             "apiVersion: v1\nkind: Service\nmetadata: {name: web, labels: {app: web}}\n"
             "spec: {type: LoadBalancer, selector: {app: web}}\n");
const RenderedFile kPool =
    Manifest("c/lb-ippool.yaml",
             "apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\n"
             "spec: {blocks: [{cidr: 10.9.0.0/24}]}\n");

Cluster TwoNodes() {
  Cluster c;
  c.name = "c";
  c.nodes = {{"c-control-plane", "", "172.22.0.2", "10.1.0.0/24", {{"role", "cp"}}, {}},
             {"c-worker", "", "172.22.0.3", "10.1.1.0/24", {{"role", "worker"}}, {}}};
  return c;
}

TEST_CASE("cilium model: selectors match labels, no pool for a LoadBalancer is an error") {
  CHECK(Matches({{"app", "nginx"}}, {{"app", "nginx"}, {"x", "y"}}));
  CHECK_FALSE(Matches({{"app", "nginx"}}, {{"app", "web"}}));
  CHECK(Matches({}, {}));
  Cluster c;
  c.name = "c";
  auto r = ApplyManifests(c, {kService});
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == ErrorKind::kInput);
  CHECK(r.error().message().find("no CiliumLoadBalancerIPPool") != std::string::npos);
  const auto pool31 = Manifest("c/lb-ippool.yaml",
                               "apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\n"
                               "spec: {cidrs: [{cidr: 10.9.0.0/31}]}\n");
  Cluster c2;
  REQUIRE(ApplyManifests(c2, {kService, pool31}));
  REQUIRE(c2.services.size() == 1);
  CHECK(c2.services[0].lb_ip == "10.9.0.0");  // a /31 has no network address to skip
}

TEST_CASE("cilium model: a file that is not YAML is an input error naming it") {
  Cluster c = TwoNodes();
  auto r = ApplyManifests(c, {Manifest("c/nginx.yaml", "kind: [unclosed\n")});
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == ErrorKind::kInput);
  CHECK(r.error().message().starts_with("c/nginx.yaml: not YAML: "));
}

TEST_CASE("cilium model: a v1 peering policy gives the selected nodes their speaker") {
  Cluster c = TwoNodes();
  const auto annotations =
      RenderedFile{"c/node-annotations.yaml",
                   "metadata: {annotations: {cilium.io/bgp-virtual-router.65100: "
                   "\"router-id=0.0.0.0,local-port=1790\"}}\n",
                   FileKind::kNodeAnnotations, "c"};
  const auto policy = Manifest(
      "c/bgp-peering-policy.yaml",
      "apiVersion: cilium.io/v2alpha1\nkind: CiliumBGPPeeringPolicy\n"
      "spec:\n  nodeSelector: {matchLabels: {role: worker}}\n  virtualRouters:\n"
      "  - localASN: 65100\n    exportPodCIDR: true\n"
      "    serviceSelector: {matchLabels: {app: web}}\n"
      "    neighbors:\n    - {peerAddress: 172.22.255.254/32, peerASN: 65000, holdTimeSeconds: 9,"
      " keepAliveTimeSeconds: 3, gracefulRestart: {enabled: true, restartTimeSeconds: 30}}\n");
  const std::vector<RenderedFile> files{kService, kPool, annotations, policy};
  REQUIRE(ApplyManifests(c, files));
  CHECK(c.services.at(0).lb_ip == "10.9.0.1");
  auto speakers = CiliumBgpSpeakers(c, files);
  REQUIRE(speakers);
  REQUIRE(speakers->size() == 1);  // the control plane is not selected
  const auto& s = speakers->front();
  CHECK(s.node == "c-worker");
  CHECK(s.address == "172.22.0.3");
  CHECK(s.local_as == 65100);
  CHECK(s.listen_port == 1790);
  CHECK(s.prefixes == std::vector<std::string>{"10.1.1.0/24", "10.9.0.1/32"});
  REQUIRE(s.neighbors.size() == 1);
  CHECK(s.neighbors[0] == SpeakerNeighbor{"172.22.255.254", 65000, 9, 3, 120, true, 30});

  const auto unrendered =
      Manifest("c/bgp-peering-policy.yaml",
               "kind: CiliumBGPPeeringPolicy\nspec:\n  virtualRouters:\n  - localASN: 65100\n"
               "    neighbors: [{peerAddress: ROUTER_ADDRESS_ON_kind/32, peerASN: 65000}]\n");
  auto bad = CiliumBgpSpeakers(c, {unrendered});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind() == ErrorKind::kInput);
  CHECK(
      bad.error().message().starts_with("c/bgp-peering-policy.yaml: neighbor peerAddress "
                                        "\"ROUTER_ADDRESS_ON_kind/32\" is not an address"));
}

TEST_CASE("cilium model: BGPv2 peers take timers and advertisements from their peer config") {
  Cluster c = TwoNodes();
  const auto v2 = Manifest(
      "c/bgp.yaml",
      "kind: CiliumBGPClusterConfig\nspec:\n  nodeSelector: {matchLabels: {role: cp}}\n"
      "  bgpInstances:\n  - localASN: 65100\n"
      "    peers: [{peerAddress: 172.22.255.254, peerASN: 65000, peerConfigRef: {name: rs}}]\n"
      "---\nkind: CiliumBGPPeerConfig\nmetadata: {name: rs}\n"
      "spec:\n  timers: {holdTimeSeconds: 30}\n"
      "  families: [{afi: ipv4, safi: unicast, advertisements: {matchLabels: {adv: x}}}]\n"
      "---\nkind: CiliumBGPAdvertisement\nmetadata: {name: a, labels: {adv: x}}\n"
      "spec: {advertisements: [{advertisementType: PodCIDR}]}\n");
  auto speakers = CiliumBgpSpeakers(c, {v2});
  REQUIRE(speakers);
  REQUIRE(speakers->size() == 1);
  CHECK(speakers->front().node == "c-control-plane");
  CHECK(speakers->front().listen_port == 179);
  CHECK(speakers->front().prefixes == std::vector<std::string>{"10.1.0.0/24"});
  CHECK(speakers->front().neighbors.at(0).hold_time == 30);

  const auto dangling = Manifest(
      "c/bgp.yaml",
      "kind: CiliumBGPClusterConfig\nspec:\n  bgpInstances:\n  - localASN: 65100\n"
      "    peers: [{peerAddress: 172.22.255.254, peerASN: 65000, peerConfigRef: {name: nope}}]\n");
  auto bad = CiliumBgpSpeakers(c, {dangling});
  REQUIRE_FALSE(bad);
  CHECK(bad.error() ==
        Error::Input("c/bgp.yaml: peerConfigRef \"nope\" names no CiliumBGPPeerConfig"));
}

Service ServiceFrom(const std::string& spec, const std::string& blocks) {
  Cluster c;
  c.name = "c";
  const auto svc = Manifest("c/nginx.yaml",
                            "kind: Service\nmetadata: {name: web, labels: {app: web}}\n"
                            "spec: {type: LoadBalancer, selector: {app: web}" +
                                spec + "}\n");
  const auto pool = Manifest("c/lb-ippool.yaml",
                             "kind: CiliumLoadBalancerIPPool\nspec: {blocks: " + blocks + "}\n");
  auto r = ApplyManifests(c, {svc, pool});
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
  REQUIRE(c.services.size() == 1);
  return c.services[0];
}

TEST_CASE("cilium model: LB IPAM gives a Service the families its ipFamilyPolicy asks for") {
  const std::string both = "[{cidr: 10.9.0.0/24}, {cidr: \"fd00:9::/120\"}]";
  // Unsaid: SingleStack, IPv4 when the pool has it (Cilium's LB IPAM documentation).
  auto s = ServiceFrom("", both);
  CHECK(s.lb_ip == "10.9.0.1");
  CHECK(s.lb_ip_v6 == "");
  s = ServiceFrom(", ipFamilyPolicy: RequireDualStack, ipFamilies: [IPv4, IPv6]", both);
  CHECK(s.lb_ip == "10.9.0.1");
  CHECK(s.lb_ip_v6 == "fd00:9::1");  // the network address skipped, as in IPv4
  s = ServiceFrom(", ipFamilyPolicy: PreferDualStack", both);
  CHECK((s.lb_ip == "10.9.0.1" && s.lb_ip_v6 == "fd00:9::1"));
  s = ServiceFrom(", ipFamilies: [IPv6]", both);
  CHECK((s.lb_ip == "" && s.lb_ip_v6 == "fd00:9::1"));
  // PreferDualStack where the pool has one family: that one, still satisfied.
  s = ServiceFrom(", ipFamilyPolicy: PreferDualStack", "[{cidr: \"fd00:9::/127\"}]");
  CHECK((s.lb_ip == "" && s.lb_ip_v6 == "fd00:9::"));  // a /127 has nothing to skip
}

TEST_CASE("cilium model: dual-stack nodes advertise each family the resources select") {
  Cluster c = TwoNodes();
  c.nodes[1].address_v6 = "fc00:1::3";
  c.nodes[1].pod_cidr_v6 = "fd00:1:0:1::/64";
  const auto svc = Manifest("c/nginx.yaml",
                            "kind: Service\nmetadata: {name: web, labels: {app: web}}\n"
                            "spec: {type: LoadBalancer, selector: {app: web}, "
                            "ipFamilyPolicy: RequireDualStack}\n");
  const auto pool = Manifest("c/lb-ippool.yaml",
                             "kind: CiliumLoadBalancerIPPool\nspec: {blocks: [{cidr: 10.9.0.0/24}, "
                             "{cidr: \"fd00:9::/120\"}]}\n");
  // BGPv1: a neighbor carries both families, so both are advertised.
  const auto v1 = Manifest(
      "c/bgp-peering-policy.yaml",
      "kind: CiliumBGPPeeringPolicy\nspec:\n  nodeSelector: {matchLabels: {role: worker}}\n"
      "  virtualRouters:\n  - localASN: 65100\n    exportPodCIDR: true\n"
      "    serviceSelector: {matchLabels: {app: web}}\n"
      "    neighbors: [{peerAddress: 172.22.255.254/32, peerASN: 65000}]\n");
  REQUIRE(ApplyManifests(c, {svc, pool}));
  auto speakers = CiliumBgpSpeakers(c, {svc, pool, v1});
  REQUIRE(speakers);
  REQUIRE(speakers->size() == 1);
  CHECK(speakers->front().prefixes ==
        std::vector<std::string>{"10.1.1.0/24", "fd00:1:0:1::/64", "10.9.0.1/32", "fd00:9::1/128"});
  // One LoadBalancer address per family, each with the node that advertises it.
  const auto lbs = AdvertisedLoadBalancers(c, *speakers);
  REQUIRE(lbs.size() == 2);
  CHECK((lbs[0].ip == "10.9.0.1" && lbs[0].nodes == std::vector<std::string>{"c-worker"}));
  CHECK((lbs[1].ip == "fd00:9::1" && lbs[1].nodes == std::vector<std::string>{"c-worker"}));
  // BGPv2: only the families the peer config lists.
  const auto v2 = Manifest(
      "c/bgp.yaml",
      "kind: CiliumBGPClusterConfig\nspec:\n  nodeSelector: {matchLabels: {role: worker}}\n"
      "  bgpInstances:\n  - localASN: 65100\n"
      "    peers: [{peerAddress: 172.22.255.254, peerASN: 65000, peerConfigRef: {name: rs}}]\n"
      "---\nkind: CiliumBGPPeerConfig\nmetadata: {name: rs}\n"
      "spec:\n  families: [{afi: ipv6, safi: unicast, advertisements: {matchLabels: {adv: x}}}]\n"
      "---\nkind: CiliumBGPAdvertisement\nmetadata: {name: a, labels: {adv: x}}\n"
      "spec: {advertisements: [{advertisementType: PodCIDR}, {advertisementType: Service, "
      "service: {addresses: [LoadBalancerIP]}, selector: {matchLabels: {app: web}}}]}\n");
  speakers = CiliumBgpSpeakers(c, {svc, pool, v2});
  REQUIRE(speakers);
  REQUIRE(speakers->size() == 1);
  CHECK(speakers->front().prefixes == std::vector<std::string>{"fd00:1:0:1::/64", "fd00:9::1/128"});
}

}  // namespace
}  // namespace bgpdemo::core
