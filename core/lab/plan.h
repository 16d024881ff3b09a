// The lab's plan: every namespace, link, address and route of a scenario's topology, and
// every process-like thing the lab daemon runs in it, computed up front from the scenario
// and its rendered files. Pure: no I/O, so `up`, the daemon, `down` and the tests all see
// the same plan for the same scenario and prefix.
//
//   <prefix>-net-<network>     one per Docker network: a bridge, br0
//   <prefix>-node-<node>       one per kind node: eth0 on the network's bridge (the node's
//                              address), lo with the LB IPs it answers, lxcN per pod
//   <prefix>-pod-<cluster>-<pod>  one per nginx replica: eth0 to its node, an HTTP responder
//   <prefix>-router            the route server: ethN on network N, forwarding, the FIB
//
// Addresses are handed out as Docker and Kubernetes would: nodes take the network's
// addresses from .2 in kind's order (control plane, then workers), the router the last
// usable one of each network; each node a /24 of its cluster's pod CIDR in the same order
// (Kubernetes' node IPAM); each pod an address of its node's /24 from .10, placed round
// robin on the workers (the control plane is tainted). IPv6 likewise where the scenario
// has it: the network's IPv6 subnet (the ULA kind gives it unless pinned) from ::2 for the
// nodes and its last usable address for the router, a /64 of the IPv6 pod CIDR per node,
// pods from ::a; IPv6 addresses skip duplicate address detection (nodad, accept_dad 0), so
// that `up` never waits for it. Inside a cluster the nodes route each other's pod CIDRs
// directly (Cilium's autoDirectNodeRoutes); towards the other clusters they use the static
// routes of the rendered node-routes.yaml.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/cilium_model.h"
#include "core/render.h"
#include "core/scenario.h"

namespace bgpdemo::core::lab {

inline constexpr const char* kDefaultPrefix = "bgpdemo";

struct PlanOptions {
  // Namespaces are named "<prefix>-..."; `down` removes every namespace with it. At most
  // 20 characters of [a-z0-9-].
  std::string prefix = kDefaultPrefix;
};

struct LabNetwork {
  std::string name;
  std::string subnet;  // the scenario's, or one the lab chose when Docker was to choose
  int prefix_length = 16;
  std::string netns;
  std::string router_address;
  std::string router_ifname;  // in the router's namespace
  // Scenarios with IPv6: the network's IPv6 subnet (the scenario's, else the ULA kind
  // gives it) and the router's address in it, its last but one as in IPv4. Else empty.
  std::string subnet_v6;
  int prefix_length_v6 = 64;
  std::string router_address_v6;
};

struct LabNode {
  std::string name;  // kind's: <cluster>-control-plane, <cluster>-worker, -worker2 ...
  std::string cluster;
  std::string network;
  std::string netns;
  std::string address;
  std::string pod_cidr;     // a /24
  std::string pod_gateway;  // the node's side of every pod link (.1 of the pod CIDR)
  std::string port;         // the name of its link in the network's namespace
  bool control_plane = false;
  // Scenarios with IPv6: its address in the network's IPv6 subnet (from ::2, as Docker
  // hands them out), a /64 of the cluster's IPv6 pod CIDR and its ::1. Else empty.
  std::string address_v6;
  std::string pod_cidr_v6;
  std::string pod_gateway_v6;
};

struct LabPod {
  std::string name;  // nginx-<n>, unique within the cluster
  std::string cluster;
  std::string node;
  std::string netns;
  std::string address;
  std::string node_ifname;  // lxcN in the node's namespace
  std::string address_v6;   // scenarios with IPv6: from its node's IPv6 /64; else empty
};

struct StaticRoute {
  std::string to;   // prefix
  std::string via;  // address
};

struct LabCluster {
  Cluster k8s;  // nodes, services and their LB IPs, as the API server would hold them
  std::vector<StaticRoute> node_routes;  // from node-routes.yaml: towards the other clusters
};

struct LabPlan {
  std::string prefix;
  std::string scenario;  // its name
  std::string router_name;  // the scenario's router.name
  std::string router_netns;
  std::vector<LabNetwork> networks;
  std::vector<LabNode> nodes;
  std::vector<LabPod> pods;
  std::vector<LabCluster> clusters;
  std::vector<SpeakerConfig> speakers;  // from the rendered BGP resources
  std::string router_config;            // the rendered router.yaml, FIB on
  RenderResult rendered;

  const LabNode* FindNode(std::string_view name) const;
  const LabNetwork* FindNetwork(std::string_view name) const;
  // Whether the scenario has IPv6 (its networks have IPv6 subnets).
  bool HasIpv6() const { return !networks.empty() && !networks.front().subnet_v6.empty(); }
  // Every namespace of the plan, in creation order.
  std::vector<std::string> Namespaces() const;
};

// The LoadBalancer IPs `node` advertises and so answers (Cilium's LB on the node), IPv4
// and IPv6.
std::vector<std::string> LbAddresses(const LabPlan& plan, std::string_view node);

// REQUIRES: ValidateScenario(s) is empty. Errors: a prefix that is not allowed (kUsage),
// more pods on a node than its /24 holds, a rendered file the lab cannot read (kInput).
Result<LabPlan, Error> PlanLab(const Scenario& s, const PlanOptions& options);

// Parses, validates and plans a scenario's text (what `up` stored): the daemon and `down`
// get the very plan `up` built. Errors: the scenario's problems, as FormatErrors gives them
// (kInput), and PlanLab's.
Result<LabPlan, Error> PlanFromText(const ScenarioText& text, const PlanOptions& options);

// One `ip -batch` script for one namespace, and the sysctls to set there first.
struct NetnsScript {
  std::string netns;
  std::vector<std::pair<std::string, std::string>> sysctls;  // key ("net.ipv4.ip_forward"), value
  std::vector<std::string> ip_commands;                      // without the leading "ip"
};

// The scripts that build the plan's links, addresses and routes, in the order they must
// run (a veth's far end must exist before the far namespace configures it). All
// namespaces must exist before the first script runs.
std::vector<NetnsScript> BuildScripts(const LabPlan& plan);

}  // namespace bgpdemo::core::lab
