// Rights checked with kubectl auth can-i (core/kube/access.h).
#include "core/kube/access.h"

#include <fmt/format.h>

#include <future>

#include "core/k8s/output.h"
#include "core/k8s/tools.h"

namespace bgpdemo::core::kube {

std::vector<std::string> CanIArgv(const std::string& context, const Access& a) {
  std::vector<std::string> argv{"kubectl", "--context", context,   "auth",
                                "can-i",   a.verb,      a.resource};
  if (!a.subresource.empty()) argv.insert(argv.end(), {"--subresource", a.subresource});
  if (!a.ns.empty()) argv.insert(argv.end(), {"-n", a.ns});
  return argv;
}

std::vector<Access> NeededAccess(const Scenario& s, bool static_routes, bool install_cilium) {
  std::vector<Access> out = {
      {"list", "nodes", "", "read the nodes"},
      {"get", "configmaps", "kube-system", "read Cilium's settings"},
  };
  auto apply = [&](const std::string& resource, const std::string& ns, const std::string& why) {
    for (const char* verb : {"create", "patch", "delete"}) out.push_back({verb, resource, ns, why});
  };
  apply("deployments.apps", "default", "nginx");
  apply("services", "default", "nginx's LoadBalancer service");
  apply("ciliumloadbalancerippools.cilium.io", "", "the LB pool");
  if (s.Api() == BgpApi::kV1) {
    apply("ciliumbgppeeringpolicies.cilium.io", "", "the BGP peering policy");
    out.push_back({"patch", "nodes", "", "the BGPv1 virtual router annotation"});
  } else {
    apply("ciliumbgpclusterconfigs.cilium.io", "", "the BGP cluster config");
    apply("ciliumbgppeerconfigs.cilium.io", "", "the BGP peer config");
    apply("ciliumbgpadvertisements.cilium.io", "", "the BGP advertisement");
    if (!s.HasIpv4()) {
      apply("ciliumbgpnodeconfigoverrides.cilium.io", "", "the nodes' BGP router IDs (IPv6-only)");
    }
  }
  out.push_back({"create", "pods", "default", "verify's probes from the nginx pods", "exec"});
  if (static_routes) apply("daemonsets.apps", "kube-system", "the static-routes DaemonSet");
  if (install_cilium) {
    out.push_back({"create", "customresourcedefinitions.apiextensions.k8s.io", "",
                   "installing Cilium (its CRDs)"});
    out.push_back(
        {"create", "clusterroles.rbac.authorization.k8s.io", "", "installing Cilium (its roles)"});
    out.push_back({"create", "daemonsets.apps", "kube-system", "installing Cilium (its agent)"});
  }
  return out;
}

Result<std::vector<Access>, Error> Denied(const k8s::Clusters& clusters, const std::string& cluster,
                                          const std::vector<Access>& needed) {
  const auto context = clusters.Context(cluster);
  std::vector<std::future<Result<ProcessResult, Error>>> asks;
  for (const auto& a : needed) {
    asks.push_back(std::async(std::launch::async, [&clusters, argv = CanIArgv(context, a)] {
      return clusters.Ask(argv);
    }));
  }
  std::vector<Access> denied;
  for (std::size_t i = 0; i < needed.size(); ++i) {
    auto r = asks[i].get();
    if (!r) return Fail(r.error());
    const auto lines = k8s::Lines(r->out);
    const std::string answer = lines.empty() ? "" : lines.front();
    if (r->exit_code == 0 && answer == "yes") continue;
    if (r->exit_code == 1 && answer.starts_with("no")) {
      denied.push_back(needed[i]);
      continue;
    }
    return Fail(
        k8s::ToolError(CanIArgv(context, needed[i]), *r, "the cluster's API server must answer"));
  }
  return denied;
}

std::string DescribeDenied(const std::string& context, const std::vector<Access>& denied) {
  std::vector<std::string> rights;
  for (const auto& a : denied) {
    rights.push_back(fmt::format("{} {}{}{} ({})", a.verb, a.resource,
                                 a.subresource.empty() ? "" : "/" + a.subresource,
                                 a.ns.empty() ? "" : " in " + a.ns, a.why));
  }
  return fmt::format(
      "context {} may not:\n    {}\n    fix: bind its user to a role with these rights (kubectl "
      "--context {} auth can-i --list shows what it has), or use a context that has them",
      context, fmt::join(rights, "\n    "), context);
}

}  // namespace bgpdemo::core::kube
