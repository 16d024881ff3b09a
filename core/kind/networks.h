// The scenario's Docker networks against the networks and routes the machine has: what the
// networks step reads (`docker network ls`, `docker network inspect`, `ip -j route`), and
// what it decides from that (docs/kind.md "Networks that exist").
//
//   existing network      adopted as it is: its IPv4 subnet and gateway, whatever Docker
//                         chose; a subnet the scenario pins must be that one. A scenario with
//                         IPv6 also needs its IPv6 subnet (kind makes its network with one;
//                         one made without cannot get it later) and adopts it likewise
//   missing network       created; with the scenario's subnet when it pins one, which must
//                         overlap no other Docker network and no route of the machine; else
//                         Docker chooses. It takes docker0's MTU, as kind does
//                         (kind v0.20.0 pkg/cluster/internal/providers/docker/network.go,
//                         getDefaultNetworkMTU); with IPv6, `--ipv6 --subnet` the scenario's
//                         IPv6 subnet or the ULA kind gives that name (KindUlaSubnet)
//   adopted subnets       must overlap none of the scenario's pod, service and LB CIDRs nor
//                         each other, since every address of the plan derives from them
//
// Pure functions; tests/core/kind/networks_test.cpp feeds them the tools' real output.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/scenario.h"

namespace bgpdemo::core::kind {

// One network as `docker network inspect` describes it.
struct DockerNetwork {
  std::string name;
  std::string subnet;   // IPv4 CIDR; empty: none (an IPv6-only or `none` network)
  std::string gateway;  // IPv4; may be empty (Docker leaves it out on some versions)
  std::vector<std::string> ipv6_subnets;
  int mtu = 0;         // Options["com.docker.network.driver.mtu"]; 0: not set
  bool owned = false;  // labelled io.bgpdemo.owner=bgpdemo
};

// Every network of `docker network inspect A B ...` (a JSON array, in its order).
Result<std::vector<DockerNetwork>, Error> ParseNetworkInspect(const std::string& inspect_out);

// One route of `ip -j route`: its destination (IPv4 only; "default" is left out) and device.
struct HostRoute {
  std::string dst;  // CIDR, a host route as /32
  std::string dev;
};
// `ip -j route` output; an error when it is not that JSON.
Result<std::vector<HostRoute>, Error> ParseIpRoutes(const std::string& json_out);

// What the machine has: every Docker network, its routes (empty when `ip` could not be
// run, e.g. on a Mac where Docker runs in a VM), and docker0's MTU (the `bridge` network's).
struct NetworkFacts {
  std::vector<DockerNetwork> docker;
  std::vector<HostRoute> routes;
  int default_mtu = 0;
};

// What the networks step does with one scenario network.
struct NetworkAction {
  std::string name;
  bool create = false;
  std::string subnet;             // existing: Docker's; to create: the scenario's (may be empty)
  std::string gateway;            // existing only
  std::vector<std::string> argv;  // to create: `docker network create ...`
  std::string subnet_v6;          // with IPv6: the existing network's, or the one to create it with
};

// The scenario's networks in its order, or an Error of kind kEnvironment naming every
// conflict (the network or route in the way, both subnets) and how to fix it. Nothing is
// created when it fails. `ipv6`: the scenario has IPv6 (ip_family dual or ipv6).
Result<std::vector<NetworkAction>, Error> PlanNetworks(const std::vector<NetworkSpec>& networks,
                                                       const NetworkFacts& facts,
                                                       bool ipv6 = false);

// `docker network create` for a scenario network: a bridge with masquerading, attachable,
// labelled as bgpdemo's, with the scenario's subnet when it gives one, and docker0's MTU
// when it is not Docker's default 1500; `subnet_v6` non-empty: IPv6 on, with that subnet
// (Docker 20.10 has no IPv6 pool of its own to choose from).
std::vector<std::string> NetworkCreateArgv(const NetworkSpec& network, int mtu = 0,
                                           const std::string& subnet_v6 = "");

// After the subnets are known (adopted or chosen by Docker): an Error of kind kEnvironment
// when one overlaps a pod, service or LB CIDR of the scenario or another network's subnet,
// naming both and the fix. REQUIRES: every network's subnet is set.
Result<void, Error> CheckAdoptedSubnets(const Scenario& s);

}  // namespace bgpdemo::core::kind
