// Reading a cluster the kube provider did not make (core/kube/discover.h).
#include "core/kube/discover.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "core/k8s/output.h"

namespace bgpdemo::core::kube {

namespace {

using nlohmann::json;

std::string Str(const json& data, const char* key) {
  const auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : "";
}

// The native-routing Helm values of the scenario's families.
std::string NativeRoutingValues(const Scenario& s) {
  std::vector<std::string> out;
  if (s.HasIpv4()) out.push_back("ipv4NativeRoutingCIDR=" + s.NativeRoutingCidr().ToString());
  if (s.HasIpv6()) {
    out.push_back("ipv6NativeRoutingCIDR=" + s.NativeRoutingCidr(bgp::wire::Afi::kIpv6).ToString());
  }
  return fmt::format("{}", fmt::join(out, " and "));
}

}  // namespace

Result<std::vector<NodeFacts>, Error> ParseNodes(const std::string& kubectl_json) {
  auto j = k8s::ParseJson(kubectl_json, "kubectl get nodes");
  if (!j) return Fail(j.error());
  if (!j->is_object() || !j->contains("items") || !(*j)["items"].is_array()) {
    return Fail(std::string("kubectl get nodes printed no List"));
  }
  std::vector<NodeFacts> out;
  for (const auto& item : (*j)["items"]) {
    NodeFacts n;
    n.name = item.value("metadata", json::object()).value("name", "");
    // A dual-stack node lists an address and a pod CIDR of each family.
    const auto ips = k8s::SplitFamilies(k8s::NodeInternalIps(item));
    const auto cidrs = k8s::SplitFamilies(k8s::NodePodCidrs(item));
    n.address = ips.v4;
    n.pod_cidr = cidrs.v4;
    n.address_v6 = ips.v6;
    n.pod_cidr_v6 = cidrs.v6;
    out.push_back(std::move(n));
  }
  return out;
}

std::string VersionOfImage(const std::string& image) {
  static const std::regex tag(R"(:v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)(?:@sha256:[0-9a-f]+)?$)");
  std::smatch m;
  if (!std::regex_search(image, m, tag)) return "";
  return m[1].str();
}

Result<CiliumFacts, Error> ParseCilium(const std::string& configmap_json,
                                       const std::string& daemonset_json) {
  CiliumFacts f;
  if (!configmap_json.empty()) {
    auto cm = k8s::ParseJson(configmap_json, "kubectl get configmap cilium-config");
    if (!cm) return Fail(cm.error());
    const json data = cm->value("data", json::object());
    f.present = true;
    f.bgp = Str(data, "enable-bgp-control-plane") == "true";
    f.ipam = Str(data, "ipam");
    f.routing_mode = Str(data, "routing-mode");
    // Before 1.14 the chart said `tunnel: disabled` for native routing.
    if (f.routing_mode.empty()) {
      const auto tunnel = Str(data, "tunnel");
      f.routing_mode = tunnel == "disabled" ? "native" : tunnel.empty() ? "" : "tunnel";
    }
    f.native_cidr = Str(data, "ipv4-native-routing-cidr");
    f.pool_cidr = Str(data, "cluster-pool-ipv4-cidr");
    f.ipv6 = Str(data, "enable-ipv6") == "true";
    f.native_cidr_v6 = Str(data, "ipv6-native-routing-cidr");
    f.pool_cidr_v6 = Str(data, "cluster-pool-ipv6-cidr");
    f.masquerade = Str(data, "enable-ipv4-masquerade") != "false";
    f.masquerade_v6 = Str(data, "enable-ipv6-masquerade") != "false";
  }
  if (!daemonset_json.empty()) {
    auto ds = k8s::ParseJson(daemonset_json, "kubectl get daemonset cilium");
    if (!ds) return Fail(ds.error());
    const auto containers = ds->value("spec", json::object())
                                .value("template", json::object())
                                .value("spec", json::object())
                                .value("containers", json::array());
    for (const auto& c : containers) {
      if (c.value("name", "") == "cilium-agent" || f.version.empty()) {
        f.version = VersionOfImage(c.value("image", ""));
      }
    }
  }
  return f;
}

std::vector<Problem> CiliumProblems(const CiliumFacts& cilium, const Scenario& s) {
  std::vector<Problem> out;
  if (!cilium.present) return out;
  if (!cilium.bgp) {
    out.push_back(
        {"Cilium runs without the BGP Control Plane (enable-bgp-control-plane is not "
         "\"true\" in ConfigMap kube-system/cilium-config)",
         "helm upgrade cilium cilium/cilium -n kube-system --reuse-values --set "
         "bgpControlPlane.enabled=true, or let bgpdemo do it: --manage-cilium"});
  }
  if (cilium.routing_mode != "native") {
    out.push_back(
        {fmt::format("Cilium routes pods through a tunnel (routing-mode {:?}): the demo routes "
                     "pod and LoadBalancer addresses natively",
                     cilium.routing_mode.empty() ? "tunnel (the default)" : cilium.routing_mode),
         fmt::format("Helm values routingMode=native and {} (or --manage-cilium)",
                     NativeRoutingValues(s))});
  }
  // Native routing masquerades what leaves the native routing CIDR: traffic to the other
  // clusters must stay inside it (the smallest prefix over every cluster's ranges).
  struct Native {
    bool has;
    bool masquerade;
    const std::string& cidr;
    bgp::wire::Afi afi;
    const char* key;
    const char* value;
  };
  for (const auto& n :
       {Native{s.HasIpv4(), cilium.masquerade, cilium.native_cidr, bgp::wire::Afi::kIpv4,
               "ipv4-native-routing-cidr", "ipv4NativeRoutingCIDR"},
        Native{s.HasIpv6() && cilium.ipv6, cilium.masquerade_v6, cilium.native_cidr_v6,
               bgp::wire::Afi::kIpv6, "ipv6-native-routing-cidr", "ipv6NativeRoutingCIDR"}}) {
    if (!n.has || !n.masquerade || cilium.routing_mode != "native" || n.cidr.empty()) continue;
    const auto wanted = s.NativeRoutingCidr(n.afi);
    const auto running = bgp::wire::Prefix::Parse(n.cidr);
    if (running && Contains(*running, wanted)) continue;
    out.push_back(
        {fmt::format("Cilium's {} {} does not cover the clusters' ranges {}: it would masquerade "
                     "the traffic between the clusters",
                     n.key, n.cidr, wanted.ToString()),
         fmt::format("Helm value {}={} (or --manage-cilium)", n.value, wanted.ToString())});
  }
  if (s.HasIpv6() && !cilium.ipv6) {
    out.push_back(
        {"Cilium runs without IPv6 (enable-ipv6 is not \"true\" in ConfigMap "
         "kube-system/cilium-config): the scenario's pods and Services have IPv6 "
         "addresses",
         "Helm value ipv6.enabled=true (or --manage-cilium)"});
  }
  if (!cilium.ipam.empty() && cilium.ipam != "kubernetes" && cilium.ipam != "cluster-pool") {
    out.push_back({fmt::format("Cilium's IPAM mode is {:?}: the demo advertises and routes the "
                               "pod CIDRs of kubernetes or cluster-pool IPAM",
                               cilium.ipam),
                   "Helm value ipam.mode=kubernetes (or --manage-cilium)"});
  }
  if (!cilium.version.empty()) {
    const auto running = CiliumVersion::Parse(cilium.version);
    const auto wanted = CiliumVersion::Parse(s.cilium_version);
    if (running && wanted && running->Line() != wanted->Line()) {
      out.push_back(
          {fmt::format("the cluster runs Cilium {}, the scenario says {} (its BGP resources "
                       "differ between release lines)",
                       cilium.version, s.cilium_version),
           fmt::format("cilium: version: {} in the scenario, or --manage-cilium to move the "
                       "cluster to {}",
                       cilium.version, s.cilium_version)});
    }
  }
  return out;
}

std::vector<Problem> Contradictions(const ClusterSpec& c, std::size_t index,
                                    const std::vector<NodeFacts>& nodes,
                                    const CiliumFacts& cilium) {
  std::vector<Problem> out;
  if (nodes.empty()) {
    out.push_back({"the cluster has no nodes", "check the context names the cluster you mean"});
    return out;
  }
  // Each family the scenario's cluster has (its pod CIDR of that family is set): every node
  // needs an InternalIP of it, and its pod CIDRs and Cilium's pool must lie in the scenario's.
  struct Family {
    const char* name;
    const std::string& scenario_cidr;
    const char* field;
    std::string NodeFacts::*address;
    std::string NodeFacts::*pod_cidr;
    const std::string& pool;
  };
  const Family families[] = {
      {"IPv4", c.pod_cidr, "pod_cidr", &NodeFacts::address, &NodeFacts::pod_cidr, cilium.pool_cidr},
      {"IPv6", c.pod_cidr_v6, "pod_cidr_v6", &NodeFacts::address_v6, &NodeFacts::pod_cidr_v6,
       cilium.pool_cidr_v6}};
  for (const auto& f : families) {
    if (f.scenario_cidr.empty()) continue;
    const auto scenario_pods = bgp::wire::Prefix::Parse(f.scenario_cidr);
    const auto field = fmt::format("clusters[{}].{}", index, f.field);
    for (const auto& n : nodes) {
      if ((n.*f.address).empty()) {
        // The sessions' family: IPv4 unless the cluster has no IPv4.
        const bool sessions = &f == &families[0] || c.pod_cidr.empty();
        out.push_back({fmt::format("node {} has no {} InternalIP: {}", n.name, f.name,
                                   sessions ? "the router cannot peer with it"
                                            : "the scenario's cluster is dual-stack"),
                       fmt::format("give the node an {} address (kubelet --node-ip)", f.name)});
      }
      const auto p = bgp::wire::Prefix::Parse(n.*f.pod_cidr);
      if (p && scenario_pods && !Contains(*scenario_pods, *p)) {
        out.push_back({fmt::format("node {} has pod CIDR {}, outside the scenario's {} ({})",
                                   n.name, n.*f.pod_cidr, f.scenario_cidr, field),
                       fmt::format("set {} to the cluster's pod CIDR", field)});
      }
    }
    const auto pool = bgp::wire::Prefix::Parse(f.pool);
    if (cilium.ipam == "cluster-pool" && pool && scenario_pods &&
        !Contains(*scenario_pods, *pool)) {
      out.push_back({fmt::format("Cilium's cluster pool {} lies outside the scenario's {} ({})",
                                 f.pool, f.scenario_cidr, field),
                     fmt::format("set {} to {}", field, f.pool)});
    }
  }
  return out;
}

std::vector<Problem> ClusterProblems(const Scenario& s, std::size_t index,
                                     const std::vector<NodeFacts>& nodes, const CiliumFacts& cilium,
                                     bool manage_cilium) {
  if (manage_cilium) return Contradictions(s.clusters[index], index, nodes, CiliumFacts{});
  auto out = CiliumProblems(cilium, s);
  for (auto& p : Contradictions(s.clusters[index], index, nodes, cilium)) {
    out.push_back(std::move(p));
  }
  return out;
}

std::string FormatProblems(const std::string& cluster, const std::string& context,
                           const std::vector<Problem>& problems) {
  std::string out = fmt::format("cluster {} (context {}):", cluster, context);
  for (const auto& p : problems) out += fmt::format("\n  - {}\n    fix: {}", p.what, p.fix);
  return out;
}

}  // namespace bgpdemo::core::kube
