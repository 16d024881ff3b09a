// The kube provider's down (core/kube/kube.h): removes what up recorded as applied or
// started, in the reverse order, and nothing else. The clusters stay, and so does a Cilium
// that up did not install. What is gone already counts as removed, so down after a
// half-finished down finishes it.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "core/event_log.h"
#include "core/k8s/output.h"
#include "core/k8s/tools.h"
#include "core/kube/kube.h"
#include "core/kube/router_site.h"
#include "core/router_daemon.h"

namespace bgpdemo::core::kube {

namespace {

// Whether a failed command says the object is gone already.
bool SaysGone(const ProcessResult& r) {
  return r.err.find("(NotFound)") != std::string::npos ||
         r.err.find("not found") != std::string::npos;
}

}  // namespace

Result<KubeDownReport, Error> KubeDown(const KubeDownOptions& o, const StepSink& on_step) {
  KubeDownReport report;
  auto st = ReadKubeState(o.state_dir);
  if (!st) return report;
  report.had_state = true;
  auto scenario = ParseScenario(st->scenario.text, st->scenario.source, st->scenario.name);
  if (!scenario) return Fail(scenario.error());
  const KubeClusters clusters(k8s::ToolRun{o.env, std::chrono::minutes(5), o.runner}, st->contexts);
  const auto files_dir = o.state_dir + "/files";

  auto applied = TimedStep(on_step, "clusters", [&]() -> Result<std::string, Error> {
    std::size_t n = 0;
    for (const auto& [cluster, files] : st->applied) {
      const auto context = clusters.Context(cluster);
      for (auto it = files.rbegin(); it != files.rend(); ++it) {
        const auto path = files_dir + "/" + *it;
        if (!std::filesystem::exists(path)) continue;
        // --wait=false: a DaemonSet's pods remove their routes as they stop, in their own time.
        if (auto r = clusters.Tool({"kubectl", "--context", context, "delete", "-f", path,
                                    "--ignore-not-found", "--wait=false"},
                                   "");
            !r) {
          return Fail(r.error());
        }
        report.removed.push_back(fmt::format("{}: {}", cluster, *it));
        ++n;
      }
    }
    for (const auto& [cluster, notes] : st->annotated) {
      for (const auto& note : notes) {
        const auto space = note.find(' ');
        const std::vector<std::string> argv{
            "kubectl", "--context",           clusters.Context(cluster),   "annotate",
            "node",    note.substr(0, space), note.substr(space + 1) + "-"};
        auto r = clusters.Ask(argv);
        if (!r) return Fail(r.error());
        if (r->exit_code != 0 && !SaysGone(*r)) return Fail(k8s::ToolError(argv, *r, ""));
        ++n;
      }
    }
    for (const auto& [cluster, revision] : st->cilium_revision_before) {
      if (auto r =
              clusters.Tool({"helm", "rollback", "cilium", std::to_string(revision), "--namespace",
                             "kube-system", "--kube-context", clusters.Context(cluster)},
                            "--manage-cilium changed this Cilium; down puts it back");
          !r) {
        return Fail(r.error());
      }
      report.removed.push_back(
          fmt::format("{}: Cilium back to Helm revision {}", cluster, revision));
      ++n;
    }
    for (const auto& cluster : st->cilium_installed) {
      const std::vector<std::string> argv{"helm",
                                          "uninstall",
                                          "cilium",
                                          "--namespace",
                                          "kube-system",
                                          "--kube-context",
                                          clusters.Context(cluster)};
      auto r = clusters.Ask(argv);
      if (!r) return Fail(r.error());
      if (r->exit_code != 0 && !SaysGone(*r)) return Fail(k8s::ToolError(argv, *r, ""));
      report.removed.push_back(fmt::format("{}: Cilium", cluster));
      ++n;
    }
    return fmt::format("{} objects, annotations and releases removed; the clusters are kept", n);
  });
  if (!applied) return Fail(applied.error());

  auto router = TimedStep(on_step, "router", [&]() -> Result<std::string, Error> {
    auto r = StopRouter(*st, o, *scenario);
    if (r && st->router_started) report.removed.push_back("router");
    return r;
  });
  if (!router) return Fail(router.error());

  auto files = TimedStep(on_step, "files", [&]() -> Result<std::string, Error> {
    std::error_code ec;
    std::filesystem::remove_all(files_dir, ec);
    std::filesystem::remove_all(RouterDaemonPathsIn(o.state_dir).dir, ec);
    RemoveEventLog(o.state_dir);
    std::filesystem::remove(o.state_dir + "/state.json", ec);
    std::filesystem::remove(o.state_dir, ec);  // only when empty
    return fmt::format("the state in {} removed", o.state_dir);
  });
  if (!files) return Fail(files.error());
  return report;
}

}  // namespace bgpdemo::core::kube
