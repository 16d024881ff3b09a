// The clusters' side of a running demo (core/k8s/cluster_view.h).
#include "core/k8s/cluster_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>

#include "core/cilium_model.h"
#include "core/k8s/cilium_peers.h"
#include "core/k8s/output.h"
#include "core/k8s/tools.h"

namespace bgpdemo::core::k8s {

using nlohmann::json;

Result<void, Error> ReadClusterTopology(const Clusters& clusters, const ClusterSpec& c,
                                        const RenderResult& files, Topology& t) {
  const auto ctx = clusters.Context(c.name);
  const ToolRun run{clusters.Run().env, std::chrono::seconds(30), &clusters.Runner()};
  auto nodes = RunTool({"kubectl", "--context", ctx, "get", "nodes", "-o", "json"}, run, "");
  if (!nodes) return Fail(nodes.error());
  auto nj = ParseJson(*nodes, "kubectl get nodes");
  if (!nj) return Fail(nj.error());
  Cluster k;
  k.name = c.name;
  for (const auto& item : nj->value("items", json::array())) {
    Node n;
    // Named, not iterated as temporaries: items() keeps a reference to its object.
    const json meta = item.value("metadata", json::object());
    const json labels = meta.value("labels", json::object());
    const json annotations = meta.value("annotations", json::object());
    n.name = meta.value("name", "");
    for (const auto& [key, v] : labels.items()) {
      n.labels[key] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    for (const auto& [key, v] : annotations.items()) {
      n.annotations[key] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    // A dual-stack node lists an address and a pod CIDR of each family. Only the scenario's
    // families count: a dual-stack cluster running an IPv4 demo has an IPv4 Cilium, which
    // gives pods no IPv6 and advertises no IPv6 pod CIDR.
    const auto ips = SplitFamilies(NodeInternalIps(item));
    const auto cidrs = SplitFamilies(NodePodCidrs(item));
    n.address = ips.v4;
    n.address_v6 = ips.v6;
    if (!c.pod_cidr.empty()) n.pod_cidr = cidrs.v4;
    if (!c.pod_cidr_v6.empty()) n.pod_cidr_v6 = cidrs.v6;
    k.nodes.push_back(std::move(n));
  }
  std::vector<RenderedFile> mine;
  for (const auto& f : files.files) {
    if (f.cluster == c.name) mine.push_back(f);
  }
  // The services with their real addresses, not the pool's first one.
  if (auto r = ApplyManifests(k, mine); !r) return Fail(r.error());
  for (auto& svc : k.services) {
    auto out =
        RunTool({"kubectl", "--context", ctx, "get", "service", svc.name, "-o", "json"}, run, "");
    svc.lb_ip.clear();
    svc.lb_ip_v6.clear();
    if (!out) continue;
    auto sj = ParseJson(*out, "kubectl get service");
    if (!sj) continue;
    // Of the scenario's families, as the nodes' pod CIDRs above.
    const auto ips = SplitFamilies(ServiceLoadBalancerIps(*sj));
    if (!c.lb_pool.empty()) svc.lb_ip = ips.v4;
    if (!c.lb_pool_v6.empty()) svc.lb_ip_v6 = ips.v6;
  }
  auto speakers = CiliumBgpSpeakers(k, mine);
  if (!speakers) return Fail(speakers.error());
  for (const auto& n : k.nodes) {
    const auto sp = std::find_if(speakers->begin(), speakers->end(),
                                 [&](const SpeakerConfig& s) { return s.node == n.name; });
    const bool speaker = sp != speakers->end();
    // The address its sessions come from: IPv6 on an IPv6-only node.
    const auto& address = speaker ? sp->address : n.address;
    t.nodes.push_back({n.name, c.name, address, n.pod_cidr, speaker, n.pod_cidr_v6});
  }
  for (auto& a : AdvertisedLoadBalancers(k, *speakers)) {
    t.load_balancers.push_back({c.name, std::move(a.service), std::move(a.ip), std::move(a.nodes)});
  }
  std::string selector;
  for (const auto& [key, value] : c.nginx.labels) {
    selector += (selector.empty() ? "" : ",") + key + "=" + value;
  }
  auto pods =
      RunTool({"kubectl", "--context", ctx, "get", "pods", "-l", selector, "-o", "json"}, run, "");
  if (!pods) return Fail(pods.error());
  auto pj = ParseJson(*pods, "kubectl get pods");
  if (!pj) return Fail(pj.error());
  for (const auto& item : pj->value("items", json::array())) {
    const auto ips = SplitFamilies(PodIps(item));
    t.pods.push_back({c.name, item.value("metadata", json::object()).value("name", ""),
                      item.value("spec", json::object()).value("nodeName", ""), ips.v4, ips.v6});
  }
  return {};
}

std::map<std::string, Result<json, std::string>> ReadNodePeers(const Clusters& clusters,
                                                               const Scenario& s) {
  std::vector<std::future<std::map<std::string, Result<json, std::string>>>> reads;
  for (const auto& c : s.clusters) {
    reads.push_back(std::async(std::launch::async, [&clusters, name = c.name] {
      return ReadClusterPeers(clusters, name);
    }));
  }
  std::map<std::string, Result<json, std::string>> out;
  for (auto& f : reads) {
    for (auto& [node, peers] : f.get()) out.insert_or_assign(node, std::move(peers));
  }
  return out;
}

Result<HttpResult, Error> ProbeFromPod(const Clusters& clusters, const std::string& from,
                                       const std::string& url) {
  const auto slash = from.find('/');
  if (slash == std::string::npos) return Fail(fmt::format("no pod {} in this demo", from));
  std::vector<std::string> argv{"kubectl",
                                "--context",
                                clusters.Context(from.substr(0, slash)),
                                "exec",
                                from.substr(slash + 1),
                                "--"};
  argv.insert(argv.end(), {"curl", "-s", "-m", "2", "-w", "\n%{http_code}"});
  // An IPv6 URL's brackets are curl's globbing syntax unless -g turns it off.
  if (url.find('[') != std::string::npos) argv.push_back("-g");
  argv.push_back(url);
  const auto t0 = clusters.Runner().Now();
  auto r = clusters.Runner().Run(
      argv, {.timeout = std::chrono::seconds(20), .env_add = clusters.Run().env});
  const double seconds = std::chrono::duration<double>(clusters.Runner().Now() - t0).count();
  if (!r) return Fail(r.error());
  if (r->exit_code != 0) {
    return Fail(fmt::format("curl {} from {} exited with {}{}", url, from, r->exit_code,
                            r->exit_code == 28  ? " (timed out after 2 s)"
                            : r->exit_code == 7 ? " (connection refused)"
                                                : ""));
  }
  auto reply = ParseCurl(r->out, seconds);
  if (!reply) return Fail(reply.error());
  return std::move(*reply);
}

}  // namespace bgpdemo::core::k8s
