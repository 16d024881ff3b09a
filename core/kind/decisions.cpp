#include "core/kind/decisions.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "core/kind/internal.h"
#include "core/kind/kind.h"

namespace bgpdemo::core::kind {

ClusterPlan PlanClusters(const std::vector<ClusterSpec>& clusters,
                         const std::vector<std::string>& existing) {
  ClusterPlan plan;
  for (const auto& c : clusters) {
    const bool there = std::find(existing.begin(), existing.end(), c.name) != existing.end();
    (there ? plan.existing : plan.create).push_back(c.name);
  }
  return plan;
}

bool RecordCreated(std::vector<std::string>& created, const std::string& name) {
  if (std::find(created.begin(), created.end(), name) != created.end()) return false;
  created.push_back(name);
  return true;
}

std::string RouterImage(const std::string& flag, const std::string& version) {
  return flag.empty() ? fmt::format("bgpdemo-router:{}", version) : flag;
}

std::vector<std::string> RouterRunArgv(const std::string& name, const std::string& network,
                                       const std::string& image, const std::string& config_dir,
                                       bool ipv6) {
  std::vector<std::string> argv{"docker",     "run", "-d",        "--name", name,
                                "--hostname", name,  "--network", network};
  argv.insert(argv.end(), {"--cap-add", "NET_ADMIN", "--sysctl", "net.ipv4.ip_forward=1"});
  if (ipv6) {
    // Docker starts a container with IPv6 off on "all" (kind passes these to its nodes).
    argv.insert(argv.end(), {"--sysctl", "net.ipv6.conf.all.disable_ipv6=0", "--sysctl",
                             "net.ipv6.conf.all.forwarding=1"});
  }
  argv.insert(argv.end(), {"--label", kOwnerLabel});
  argv.insert(argv.end(), {"-v", config_dir + ":/etc/bgpdemo:ro", image, "router", "--config",
                           "/etc/bgpdemo/router.yaml"});
  return argv;
}

std::vector<std::string> NetworksToConnect(const std::vector<NetworkSpec>& networks,
                                           const ContainerInfo& container) {
  std::vector<std::string> out;
  for (const auto& n : networks) {
    if (!container.addresses.count(n.name)) out.push_back(n.name);
  }
  return out;
}

Result<std::map<std::string, std::string>, Error> RouterAddressesV6(
    const std::string& name, const std::vector<NetworkSpec>& networks,
    const ContainerInfo& container) {
  std::map<std::string, std::string> out;
  for (const auto& n : networks) {
    const auto it = container.addresses_v6.find(n.name);
    if (it == container.addresses_v6.end()) {
      return Fail(
          fmt::format("{} has no IPv6 address on network {} (was the network made "
                      "without IPv6? docker network inspect {})",
                      name, n.name, n.name));
    }
    out[n.name] = it->second;
  }
  return out;
}

Result<std::map<std::string, std::string>, Error> RouterAddresses(
    const std::string& name, const std::vector<NetworkSpec>& networks,
    const ContainerInfo& container) {
  std::map<std::string, std::string> out;
  for (const auto& n : networks) {
    const auto it = container.addresses.find(n.name);
    if (it == container.addresses.end() || it->second.empty()) {
      return Fail(fmt::format("{} has no address on network {}", name, n.name));
    }
    out[n.name] = it->second;
  }
  return out;
}

}  // namespace bgpdemo::core::kind
