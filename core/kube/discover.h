// What the kube provider reads from a cluster it did not make, and what it concludes,
// before anything is applied (issue #12): the nodes (`kubectl get nodes -o json`), Cilium's
// settings (the chart's ConfigMap kube-system/cilium-config and the image of DaemonSet
// kube-system/cilium), and where they contradict the scenario or lack what the demo needs,
// each problem with the Helm value or scenario field that fixes it. Pure functions;
// tests/core/kube/discover_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/scenario.h"

namespace bgpdemo::core::kube {

struct NodeFacts {
  std::string name;
  std::string address;   // status.addresses[type=InternalIP], IPv4; empty when none
  std::string pod_cidr;  // spec.podCIDRs' IPv4 one; empty with an IPAM that sets none
  // A dual-stack or IPv6-only node's IPv6 InternalIP and pod CIDR; empty when none.
  std::string address_v6;
  std::string pod_cidr_v6;
};

// `kubectl get nodes -o json` (a List). Errors: not JSON, or not a List.
Result<std::vector<NodeFacts>, Error> ParseNodes(const std::string& kubectl_json);

// Cilium as the cluster runs it. Keys as Cilium's chart writes them
// (install/kubernetes/cilium/templates/cilium-configmap.yaml).
struct CiliumFacts {
  bool present = false;      // the ConfigMap cilium-config exists
  std::string version;       // from the DaemonSet's image tag ("1.14.0"); empty: unknown
  bool bgp = false;          // enable-bgp-control-plane: "true"
  std::string ipam;          // ipam
  std::string routing_mode;  // routing-mode (1.14 on), or "native" for tunnel: disabled
  std::string native_cidr;   // ipv4-native-routing-cidr
  std::string pool_cidr;     // cluster-pool-ipv4-cidr
  bool ipv6 = false;         // enable-ipv6: "true"
  std::string native_cidr_v6;  // ipv6-native-routing-cidr
  std::string pool_cidr_v6;    // cluster-pool-ipv6-cidr
  // enable-ipv4-masquerade, enable-ipv6-masquerade: "false" turns them off (the chart's
  // default is on).
  bool masquerade = true;
  bool masquerade_v6 = true;
};

// `kubectl -n kube-system get configmap cilium-config -o json` (empty when NotFound) and
// `kubectl -n kube-system get daemonset cilium -o json` (empty when NotFound).
Result<CiliumFacts, Error> ParseCilium(const std::string& configmap_json,
                                       const std::string& daemonset_json);

// "quay.io/cilium/cilium:v1.14.0@sha256:..." -> "1.14.0"; empty when the tag is no version.
std::string VersionOfImage(const std::string& image);

// One thing the demo cannot use as it is, and how to fix it.
struct Problem {
  std::string what;
  std::string fix;
};

// What a running Cilium lacks for the demo: BGP Control Plane off (bgpControlPlane.enabled),
// IPv6 off in a scenario with IPv6 (ipv6.enabled), a tunnel (routingMode=native), a native
// routing CIDR that leaves out the other clusters' ranges while masquerading (traffic to them
// would leave with the node's address; ipv4NativeRoutingCIDR, ipv6NativeRoutingCIDR), an IPAM
// whose pod CIDRs the demo cannot route (ipam.mode), another release line than the
// scenario's (its BGP resources differ).
std::vector<Problem> CiliumProblems(const CiliumFacts& cilium, const Scenario& s);

// Where the cluster contradicts the scenario's cluster `c`, for each family it has (IPv4,
// IPv6: its pod_cidr or pod_cidr_v6 is set): nodes without an InternalIP of that family,
// pod CIDRs or Cilium's cluster pool outside the scenario's; no nodes at all.
std::vector<Problem> Contradictions(const ClusterSpec& c, std::size_t index,
                                    const std::vector<NodeFacts>& nodes, const CiliumFacts& cilium);

// Everything that keeps the scenario's cluster `index` from taking the demo as it is: what
// its Cilium lacks and where it contradicts the scenario. With `manage_cilium` up installs
// Cilium there with the scenario's values (helm upgrade --install), so the running Cilium's
// settings (BGP off, a tunnel, a cluster pool elsewhere) are no problem; the nodes still are.
std::vector<Problem> ClusterProblems(const Scenario& s, std::size_t index,
                                     const std::vector<NodeFacts>& nodes, const CiliumFacts& cilium,
                                     bool manage_cilium);

// "cluster cilium2 (context prod-b):\n  - what\n    fix: ..." for every cluster with problems.
std::string FormatProblems(const std::string& cluster, const std::string& context,
                           const std::vector<Problem>& problems);

}  // namespace bgpdemo::core::kube
