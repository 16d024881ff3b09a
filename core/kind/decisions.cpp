#include "core/kind/decisions.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "core/kind/kind.h"

namespace bgpdemo::core::kind {

Result<std::string, Error> PreflightVerdict(const std::vector<ToolStatus>& tools) {
  std::vector<std::string> problems;
  std::vector<std::string> found;
  for (const auto& t : tools) {
    if (t.ok) {
      found.push_back(fmt::format("{} {}", t.name, t.version));
    } else {
      problems.push_back(
          fmt::format("{}: {} (needs {} or later; {})", t.name, t.problem, t.minimum, t.install));
    }
  }
  if (!problems.empty()) {
    return Fail(Error::Environment(fmt::format(
        "missing or unusable tools, nothing was created:\n  {}", fmt::join(problems, "\n  "))));
  }
  return fmt::format("{}", fmt::join(found, ", "));
}

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
                                       const std::string& image, const std::string& config_dir) {
  std::vector<std::string> argv{"docker",     "run", "-d",        "--name", name,
                                "--hostname", name,  "--network", network};
  argv.insert(argv.end(), {"--cap-add", "NET_ADMIN", "--sysctl", "net.ipv4.ip_forward=1", "--label",
                           kOwnerLabel});
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

Error JoinErrors(std::vector<Error> errors) {
  BGPDEMO_CHECK(!errors.empty());
  std::vector<std::string> messages;
  for (const auto& e : errors) messages.push_back(e.message());
  Error first = std::move(errors.front());
  if (messages.size() == 1) return first;
  Error joined(first.kind(), fmt::format("{}", fmt::join(messages, "\n")));
  if (first.command()) return Error::Command(*first.command(), joined.message());
  return joined;
}

}  // namespace bgpdemo::core::kind
