// Whether the route server can run on this machine for the given clusters
// (`--router host:ADDR[,ADDR...]`), as one report that lists every problem with its fix:
//
//   1. each ADDR is an address of this machine (ip -j addr show: IPv4, or global IPv6
//      that DAD has passed)
//   2. TCP port 179 is free on each (a real bind; ss names who holds it) and may be bound
//      (below 1024 needs root or CAP_NET_BIND_SERVICE)
//   3. for each family the nodes are given in, each cluster gets the ADDR of that family on
//      its nodes' subnet (the one whose subnet holds most of them), and every node is
//      reachable from it (ip -j route get NODE from ADDR): on-link is what the demo needs,
//      because Cilium's eBGP sessions keep TTL 1 unless told otherwise
//      (ebgpMultihop/eBGPMultihopTTL default 1 in the CRDs, tests/fixtures/cilium/crds) and
//      the nodes' static routes point at the router as a next hop on their own link.
//
// Problems that stop the demo are blocking: an address not this machine's, port 179 taken,
// a node unreachable or behind a gateway, a cluster none of whose nodes is on a router
// subnet, nodes of a family no ADDR has. A node on-link outside its cluster's router subnet (the
// others on it) or an ADDR no cluster uses is said without blocking. Tools that cannot run are an
// Error instead.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"
#include "core/host_network.h"
#include "core/router_placement.h"

namespace bgpdemo::core {

// A node the router must reach, at one address: a dual-stack node is given once per family.
struct RouterNode {
  std::string cluster;
  std::string node;  // its Kubernetes name
  bgp::wire::IpAddress address;
};

// One finding: what is wrong and what to do about it.
struct HostProblem {
  std::string problem;
  std::string fix;
  bool blocking = true;

  friend bool operator==(const HostProblem&, const HostProblem&) = default;
};

// How the router reaches one node.
struct NodeReach {
  RouterNode node;
  bgp::wire::IpAddress from;  // the cluster's router address
  RouteLookup route;
};

struct HostRouterReport {
  // The placement's addresses that are this machine's, with prefix and interface, in the
  // flag's order.
  std::vector<HostAddress> addresses;
  // Each cluster's router address of each family its nodes were given in: the one it peers
  // with and routes that family via.
  std::map<std::string, bgp::wire::IpAddress> cluster_address;     // IPv4
  std::map<std::string, bgp::wire::IpAddress> cluster_address_v6;  // IPv6
  std::vector<NodeReach> nodes;  // in the order given
  std::vector<HostProblem> problems;

  bool Ok() const;  // no blocking problem
  // Every problem, one per line with its fix ("  - P\n    fix: F"); empty when none.
  std::string Format() const;
  // kEnvironment: "--router host:...: the route server cannot run here:\n" + Format().
  // REQUIRES: !Ok().
  Error ToError(const RouterPlacement& placement) const;
};

// REQUIRES: placement.kind == kHost. Errors: ip missing or failing (the report needs it).
Result<HostRouterReport, Error> CheckHostRouter(CommandRunner& runner, PortBinder& binder,
                                                const RouterPlacement& placement,
                                                const std::vector<RouterNode>& nodes,
                                                std::uint16_t port = 179);

}  // namespace bgpdemo::core
