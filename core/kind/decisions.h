// The kind provider's decisions, apart from running anything (core/kind/kind.h lists the
// steps): what preflight concludes from the tools, what to create and with which command,
// what exists already, what up records as its own, and how the failures of steps that run
// in parallel become one error. Pure functions; tests/core/kind/decisions_test.cpp.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/k8s/tools.h"
#include "core/kind/networks.h"
#include "core/kind/tool_output.h"
#include "core/scenario.h"

namespace bgpdemo::core::kind {

// Which of the scenario's clusters `kind get clusters` lists already, and which to create;
// both in the scenario's order.
struct ClusterPlan {
  std::vector<std::string> create;
  std::vector<std::string> existing;
};
ClusterPlan PlanClusters(const std::vector<ClusterSpec>& clusters,
                         const std::vector<std::string>& existing);

// Adds `name` to a list of what up created (KindState::networks, ::clusters) unless it is
// there already; true when it added it.
bool RecordCreated(std::vector<std::string>& created, const std::string& name);

// The route server's image: --router-image when given, else bgpdemo-router:<version>.
std::string RouterImage(const std::string& flag, const std::string& version);

// `docker run` of the route server on its first network, its config folder mounted;
// `ipv6`: with IPv6 on and forwarding (the sysctls kind gives its dual-stack nodes).
std::vector<std::string> RouterRunArgv(const std::string& name, const std::string& network,
                                       const std::string& image, const std::string& config_dir,
                                       bool ipv6 = false);

// The scenario's networks the container is not on yet, in the scenario's order.
std::vector<std::string> NetworksToConnect(const std::vector<NetworkSpec>& networks,
                                           const ContainerInfo& container);

// The container's address on each of the scenario's networks; an error naming the first
// network where it has none.
Result<std::map<std::string, std::string>, Error> RouterAddresses(
    const std::string& name, const std::vector<NetworkSpec>& networks,
    const ContainerInfo& container);
// The same for its IPv6 addresses (GlobalIPv6Address), for scenarios with IPv6.
Result<std::map<std::string, std::string>, Error> RouterAddressesV6(
    const std::string& name, const std::vector<NetworkSpec>& networks,
    const ContainerInfo& container);

}  // namespace bgpdemo::core::kind
