#include "core/kind/existing.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "core/kind/internal.h"
#include "core/kind/tool_output.h"

namespace bgpdemo::core::kind {

namespace {
using nlohmann::json;
}  // namespace

Result<void, Error> ReadNodeContainers(const std::string& inspect_out, ExistingCluster& c) {
  auto j = ParseJson(inspect_out, "docker container inspect");
  if (!j) return Fail(j.error());
  if (!j->is_array()) return Fail("docker container inspect printed no list of containers");
  for (const auto& node : *j) {
    if (!node.is_object()) continue;
    const json labels = node.value("Config", json::object()).value("Labels", json::object());
    const std::string role =
        labels.is_object() ? labels.value("io.x-k8s.kind.role", "") : std::string();
    if (role == "control-plane") ++c.control_planes;
    if (role == "worker") ++c.workers;
    const json networks =
        node.value("NetworkSettings", json::object()).value("Networks", json::object());
    if (!networks.is_object()) continue;
    for (const auto& [name, n] : networks.items()) c.networks.insert(name);
  }
  return {};
}

Result<void, Error> ReadKubeadmConfig(const std::string& configmap_json, ExistingCluster& c) {
  auto j = ParseJson(configmap_json, "kubectl get configmap kubeadm-config");
  if (!j) return Fail(j.error());
  const json data = j->is_object() ? j->value("data", json::object()) : json::object();
  const std::string text =
      data.is_object() ? data.value("ClusterConfiguration", "") : std::string();
  if (text.empty()) {
    return Fail(
        fmt::format("configmap kubeadm-config of cluster {} has no ClusterConfiguration", c.name));
  }
  try {
    const YAML::Node networking = YAML::Load(text)["networking"];
    if (networking && networking["podSubnet"]) {
      c.pod_subnet = networking["podSubnet"].as<std::string>();
    }
    if (networking && networking["serviceSubnet"]) {
      c.service_subnet = networking["serviceSubnet"].as<std::string>();
    }
  } catch (const YAML::Exception& e) {
    return Fail(
        fmt::format("configmap kubeadm-config of cluster {}: its ClusterConfiguration is "
                    "not YAML: {}",
                    c.name, e.what()));
  }
  return {};
}

void ReadDaemonSets(const std::string& names_out, ExistingCluster& c) {
  for (const auto& line : Lines(names_out)) {
    const auto name = line.substr(line.rfind('/') + 1);  // daemonset.apps/kindnet
    if (name == "kindnet") c.kindnet = true;
    if (name == "kube-proxy") c.kube_proxy = true;
  }
}

std::vector<std::string> ClusterDifferences(const ClusterSpec& want, const ExistingCluster& have) {
  std::vector<std::string> out;
  if (!have.networks.count(want.network)) {
    out.push_back(fmt::format(
        "its nodes are on Docker network {}, the scenario's on {}",
        have.networks.empty() ? "(none)" : fmt::format("{}", fmt::join(have.networks, ", ")),
        want.network));
  }
  // kubeadm keeps kind's podSubnet and serviceSubnet as written: "v4" or "v4,v6".
  const auto pods = fmt::format("{}", fmt::join(want.PodCidrs(), ","));
  if (have.pod_subnet != pods) {
    out.push_back(fmt::format("pod CIDR {}, the scenario's {}",
                              have.pod_subnet.empty() ? "(none)" : have.pod_subnet, pods));
  }
  const auto services = fmt::format("{}", fmt::join(want.ServiceCidrs(), ","));
  if (have.service_subnet != services) {
    out.push_back(fmt::format("service CIDR {}, the scenario's {}",
                              have.service_subnet.empty() ? "(none)" : have.service_subnet,
                              services));
  }
  if (have.control_planes != 1) {
    out.push_back(fmt::format("{} control-plane nodes, the scenario's 1", have.control_planes));
  }
  if (have.workers != want.workers) {
    out.push_back(fmt::format("{} workers, the scenario's {}", have.workers, want.workers));
  }
  if (have.kindnet) {
    out.push_back("kind's default CNI (kindnet) runs, the scenario's has none (Cilium is the CNI)");
  }
  if (have.kube_proxy) {
    out.push_back("kube-proxy runs, the scenario's has none (Cilium replaces it)");
  }
  return out;
}

Error ClusterMismatch(const std::string& cluster, const std::vector<std::string>& differences) {
  BGPDEMO_CHECK(!differences.empty());
  return Error::Environment(fmt::format(
      "kind cluster {} exists and is not the scenario's cluster {}:\n  {}\n  fix: delete it (kind "
      "delete cluster --name {}) and up creates it as the scenario says, or change the scenario "
      "to match it",
      cluster, cluster, fmt::join(differences, "\n  "), cluster));
}

}  // namespace bgpdemo::core::kind
