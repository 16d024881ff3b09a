// What `kind up` reads about what exists before it creates anything (core/kind/networks.h,
// core/kind/existing.h decide from it): the Docker networks and routes of the machine, and a
// kind cluster of the scenario's name that up did not make.
#include <fmt/format.h>

#include <cstdlib>

#include "core/kind/existing.h"
#include "core/kind/internal.h"
#include "core/kind/networks.h"
#include "core/kind/tool_output.h"
#include "core/kind/up_steps.h"

namespace bgpdemo::core::kind::detail {

Result<NetworkFacts, Error> UpSteps::ReadNetworkFacts() {
  NetworkFacts facts;
  auto names = Tool({"docker", "network", "ls", "--format", "{{.Name}}"}, "");
  if (!names) return Fail(names.error());
  std::vector<std::string> inspect_argv{"docker", "network", "inspect"};
  for (const auto& n : Lines(*names)) inspect_argv.push_back(n);
  if (inspect_argv.size() > 3) {
    // A network removed since `ls` is only missing from the answer.
    auto inspect = Ask(inspect_argv);
    if (!inspect) return Fail(inspect.error());
    if (inspect->exit_code != 0 && !DockerSaysNoSuchNetwork(*inspect)) {
      return Fail(CommandError(inspect_argv, *inspect, ""));
    }
    auto networks = ParseNetworkInspect(inspect->out);
    if (!networks) return Fail(networks.error());
    facts.docker = std::move(*networks);
  }
  for (const auto& d : facts.docker) {
    if (d.name == "bridge") facts.default_mtu = d.mtu;  // docker0, as kind reads it
  }
  // The machine's routes, when Docker's bridges are on this machine: not with a remote
  // DOCKER_HOST, nor without `ip` (a Mac, where Docker runs in a VM).
  std::string host;
  if (const auto it = o_.env.find("DOCKER_HOST"); it != o_.env.end()) {
    host = it->second;
  } else if (const char* h = std::getenv("DOCKER_HOST")) {
    host = h;
  }
  if (!host.empty() && !host.starts_with("unix://")) return facts;
  if (auto routes = Ask({"ip", "-j", "route"}); routes && routes->exit_code == 0) {
    auto parsed = ParseIpRoutes(routes->out);
    if (!parsed) return Fail(parsed.error());
    facts.routes = std::move(*parsed);
  }
  return facts;
}

Result<void, Error> UpSteps::CheckExistingCluster(const ClusterSpec& cluster) {
  ExistingCluster have;
  have.name = cluster.name;
  auto nodes = Tool({"kind", "get", "nodes", "--name", cluster.name}, "");
  if (!nodes) return Fail(nodes.error());
  std::vector<std::string> inspect{"docker", "container", "inspect"};
  for (const auto& n : Lines(*nodes)) inspect.push_back(n);
  if (inspect.size() > 3) {
    auto out = Tool(inspect, "");
    if (!out) return Fail(out.error());
    if (auto r = ReadNodeContainers(*out, have); !r) return Fail(r.error());
  }
  const auto hint = fmt::format(
      "kind cluster {} exists but its API server does not answer on context {}: start its "
      "nodes (docker start {}-control-plane), restore the context (kind export kubeconfig "
      "--name {}), or delete it (kind delete cluster --name {})",
      cluster.name, Context(cluster.name), cluster.name, cluster.name, cluster.name);
  auto config = Tool({"kubectl", "--context", Context(cluster.name), "-n", "kube-system", "get",
                      "configmap", "kubeadm-config", "-o", "json"},
                     hint);
  if (!config) return Fail(config.error());
  if (auto r = ReadKubeadmConfig(*config, have); !r) return Fail(r.error());
  auto daemonsets = Tool({"kubectl", "--context", Context(cluster.name), "-n", "kube-system", "get",
                          "daemonsets", "-o", "name"},
                         hint);
  if (!daemonsets) return Fail(daemonsets.error());
  ReadDaemonSets(*daemonsets, have);
  if (const auto diff = ClusterDifferences(cluster, have); !diff.empty()) {
    return Fail(ClusterMismatch(cluster.name, diff));
  }
  return {};
}

}  // namespace bgpdemo::core::kind::detail
