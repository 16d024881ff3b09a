// Recovering a Helm release an interrupted Helm left pending (core/k8s/helm_release.h).
#include "core/k8s/helm_release.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace bgpdemo::core::k8s {

Result<std::vector<HelmRelease>, Error> ParseHelmList(const std::string& out) {
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return Fail(Error::Failed(
        fmt::format("helm list -o json printed no JSON array: {:?}", out.substr(0, 120))));
  }
  std::vector<HelmRelease> releases;
  for (const auto& r : j) {
    HelmRelease h;
    h.name = r.value("name", "");
    h.ns = r.value("namespace", "");
    h.status = r.value("status", "");
    h.chart = r.value("chart", "");
    const auto rev = r.find("revision");
    if (rev != r.end() && rev->is_string()) {
      h.revision = std::atoi(rev->get<std::string>().c_str());
    } else if (rev != r.end() && rev->is_number_integer()) {
      h.revision = rev->get<int>();
    }
    releases.push_back(std::move(h));
  }
  return releases;
}

ReleaseRecovery RecoveryFor(const std::string& status) {
  if (status == "pending-install") return ReleaseRecovery::kReinstall;
  if (status == "pending-upgrade" || status == "pending-rollback") {
    return ReleaseRecovery::kRollback;
  }
  return ReleaseRecovery::kNone;
}

Result<std::string, Error> RecoverRelease(const Clusters& up, const std::string& context,
                                          const std::string& release, const std::string& ns) {
  auto listed = up.Tool(
      {"helm", "list", "--namespace", ns, "--kube-context", context, "--all", "--output", "json"},
      fmt::format("helm needs to reach the cluster: kubectl --context {} "
                  "cluster-info",
                  context));
  if (!listed) return Fail(listed.error());
  auto releases = ParseHelmList(*listed);
  if (!releases) return Fail(releases.error());
  for (const auto& r : *releases) {
    if (r.name != release) continue;
    const auto hint = fmt::format("helm history {} -n {} --kube-context {} shows the revisions",
                                  release, ns, context);
    switch (RecoveryFor(r.status)) {
      case ReleaseRecovery::kNone:
        return std::string();
      case ReleaseRecovery::kReinstall: {
        auto u = up.Tool(
            {"helm", "uninstall", release, "--namespace", ns, "--kube-context", context}, hint);
        if (!u) return Fail(u.error());
        return fmt::format("release {} was {} (an interrupted helm): uninstalled, installing again",
                           release, r.status);
      }
      case ReleaseRecovery::kRollback: {
        auto b = up.Tool(
            {"helm", "rollback", release, "--namespace", ns, "--kube-context", context}, hint);
        if (!b) return Fail(b.error());
        return fmt::format(
            "release {} was {} at revision {} (an interrupted helm): rolled back, upgrading "
            "again",
            release, r.status, r.revision);
      }
    }
  }
  return std::string();
}

}  // namespace bgpdemo::core::k8s
