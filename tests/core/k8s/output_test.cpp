// Dual-stack objects as `kubectl get -o json` prints them: a node of a kind cluster with
// networking.ipFamily dual (two InternalIPs, spec.podCIDRs of both families, the primary
// family first), a RequireDualStack Service with an ingress address of each family (Cilium
// LB IPAM appends IPv4, then IPv6), a pod with podIPs; and the single-stack shapes, where
// only podCIDR or podIP may be set. The IPv4-only cases of the other parsers are in
// tests/core/kind/tool_output_test.cpp.
#include "core/k8s/output.h"

#include <doctest/doctest.h>

namespace bgpdemo::core::k8s {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

TEST_CASE("k8s output: a dual-stack node's addresses and pod CIDRs, by family") {
  const auto node = json::parse(R"({
    "kind": "Node", "metadata": {"name": "cilium-worker"},
    "spec": {"podCIDR": "10.241.1.0/24", "podCIDRs": ["10.241.1.0/24", "fd00:10:241:1::/64"]},
    "status": {"addresses": [
      {"type": "InternalIP", "address": "172.18.0.3"},
      {"type": "InternalIP", "address": "fc00:f853:ccd:e793::3"},
      {"type": "Hostname", "address": "cilium-worker"}]}})");
  CHECK(NodeInternalIps(node) == Strings{"172.18.0.3", "fc00:f853:ccd:e793::3"});
  CHECK(NodePodCidrs(node) == Strings{"10.241.1.0/24", "fd00:10:241:1::/64"});
  const auto ips = SplitFamilies(NodeInternalIps(node));
  CHECK(ips.v4 == "172.18.0.3");
  CHECK(ips.v6 == "fc00:f853:ccd:e793::3");
  // An IPv6-primary node lists IPv6 first: the split still puts each in its place.
  const auto v6_first = SplitFamilies({"fd00:10:241:1::/64", "10.241.1.0/24"});
  CHECK(v6_first.v4 == "10.241.1.0/24");
  CHECK(v6_first.v6 == "fd00:10:241:1::/64");

  // Single stack: podCIDR alone (older API servers), one InternalIP; the Hostname is no IP.
  const auto v4 = json::parse(R"({"spec": {"podCIDR": "10.241.2.0/24"},
    "status": {"addresses": [{"type": "Hostname", "address": "w"},
                             {"type": "InternalIP", "address": "172.18.0.4"}]}})");
  CHECK(NodeInternalIps(v4) == Strings{"172.18.0.4"});
  CHECK(NodePodCidrs(v4) == Strings{"10.241.2.0/24"});
  CHECK(SplitFamilies(NodeInternalIps(v4)).v6.empty());
  // A node not yet given a pod CIDR, and garbage, have none.
  CHECK(NodePodCidrs(json::parse(R"({"spec": {}})")).empty());
  CHECK(NodeInternalIps(json::array()).empty());
  CHECK(NodePodCidrs(json::parse(R"({"spec": {"podCIDRs": [7, null]}})")).empty());
}

TEST_CASE("k8s output: a RequireDualStack Service's two ingress addresses, a pod's podIPs") {
  const auto svc = json::parse(R"({"kind": "Service", "metadata": {"name": "nginx"},
    "spec": {"ipFamilyPolicy": "RequireDualStack", "ipFamilies": ["IPv4", "IPv6"]},
    "status": {"loadBalancer": {"ingress": [{"ip": "10.21.0.1", "ipMode": "VIP"},
                                            {"ip": "fd00:10:21::1", "ipMode": "VIP"}]}}})");
  CHECK(ServiceLoadBalancerIps(svc) == Strings{"10.21.0.1", "fd00:10:21::1"});
  CHECK(ServiceLoadBalancerIps(json::parse(R"({"status": {"loadBalancer": {}}})")).empty());
  // A hostname-only ingress (cloud load balancers) has no IP to route.
  CHECK(ServiceLoadBalancerIps(
            json::parse(R"({"status": {"loadBalancer": {"ingress": [{"hostname": "lb"}]}}})"))
            .empty());

  const auto pod = json::parse(R"({"metadata": {"name": "nginx-1"},
    "status": {"podIP": "10.241.1.10",
               "podIPs": [{"ip": "10.241.1.10"}, {"ip": "fd00:10:241:1::a"}]}})");
  CHECK(PodIps(pod) == Strings{"10.241.1.10", "fd00:10:241:1::a"});
  CHECK(PodIps(json::parse(R"({"status": {"podIP": "10.241.1.11"}})")) == Strings{"10.241.1.11"});
  CHECK(PodIps(json::parse(R"({"status": {"phase": "Pending"}})")).empty());
}

}  // namespace
}  // namespace bgpdemo::core::k8s
