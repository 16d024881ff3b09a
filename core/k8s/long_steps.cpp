// The cilium and nginx steps of `kind up` (core/k8s/long_steps.h).
#include "core/k8s/long_steps.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <vector>

#include "core/k8s/helm_release.h"
#include "core/k8s/output.h"
#include "core/k8s/waits.h"

namespace bgpdemo::core::k8s {

namespace {

// What each cluster's job awaits now, and its pods in `ns`: one progress line.
std::string Awaited(const Clusters& up, const std::vector<std::string>& clusters,
                    const JobPhases& phases, const std::string& ns, const std::string& selector) {
  std::vector<std::string> parts;
  const auto running = phases.Describe();
  for (const auto& c : clusters) {
    std::vector<std::string> argv{"kubectl", "--context", up.Context(c), "-n", ns, "get", "pods"};
    if (!selector.empty()) {
      argv.push_back("-l");
      argv.push_back(selector);
    }
    argv.push_back("-o");
    argv.push_back("json");
    auto r = up.Ask(argv);
    std::string pods;
    if (!r) {
      pods = r.error().message();
    } else if (r->exit_code != 0) {
      pods = fmt::format("pods not readable yet ({})",
                         Lines(r->err).empty() ? "no output" : Lines(r->err).back());
    } else {
      auto j = ParseJson(r->out, "kubectl get pods");
      pods = j ? DescribePods(PodsNotReady(*j)) : j.error().message();
    }
    parts.push_back(fmt::format("{} {}", c, pods));
  }
  return fmt::format("waiting for {}; {}", running.empty() ? "the last jobs" : running,
                     fmt::join(parts, "; "));
}

std::vector<Error> Errors(std::vector<std::future<Result<std::string, Error>>>& jobs,
                          std::vector<std::string>& notes) {
  std::vector<Error> errors;
  for (auto& j : jobs) {
    auto r = j.get();
    if (!r) {
      errors.push_back(std::move(r).error());
    } else if (!r->empty()) {
      notes.push_back(*r);
    }
  }
  return errors;
}

}  // namespace

Result<std::string, Error> InstallCilium(const Clusters& up, const Scenario& s,
                                         const std::map<std::string, std::string>& values,
                                         const LongStepOptions& o, const StepSink& sink) {
  if (auto r =
          up.Tool({"helm", "repo", "add", "cilium", "https://helm.cilium.io/", "--force-update"},
                  "helm needs to reach https://helm.cilium.io/");
      !r) {
    return Fail(r.error());
  }
  std::vector<std::string> clusters;
  for (const auto& c : s.clusters) {
    if (values.count(c.name) != 0) clusters.push_back(c.name);
  }
  JobPhases phases;
  std::vector<std::future<Result<std::string, Error>>> jobs;
  for (const auto& c : clusters) {
    const auto context = up.Context(c);
    const auto& path = values.at(c);
    phases.Set(c, o.prepare ? o.prepare_phase : "helm list --all");
    jobs.push_back(
        std::async(std::launch::async, [&, c, context, path]() -> Result<std::string, Error> {
          if (o.prepare) {
            if (auto p = o.prepare(c); !p) return Fail(p.error());
          }
          phases.Set(c, "helm list --all");
          auto recovered = RecoverRelease(up, context);
          if (!recovered) return Fail(recovered.error());
          phases.Set(c, "helm upgrade --install --wait");
          std::vector<std::string> argv{"helm",
                                        "upgrade",
                                        "--install",
                                        "cilium",
                                        "cilium/cilium",
                                        "--version",
                                        s.cilium_version,
                                        "--namespace",
                                        "kube-system",
                                        "--kube-context",
                                        context,
                                        "-f",
                                        path,
                                        "--wait",
                                        "--timeout",
                                        GoDuration(o.helm_timeout)};
          std::vector<std::string> sets = o.helm_sets;
          if (const auto it = o.cluster_helm_sets.find(c); it != o.cluster_helm_sets.end()) {
            sets.insert(sets.end(), it->second.begin(), it->second.end());
          }
          for (const auto& v : sets) {
            argv.push_back("--set");
            argv.push_back(v);
          }
          auto r =
              up.Tool(argv,
                      fmt::format("see the Cilium pods: kubectl --context {} -n kube-system get "
                                  "pods -l k8s-app=cilium",
                                  context),
                      {}, o.helm_timeout + std::chrono::minutes(5));
          if (!r) return Fail(r.error());
          phases.Set(c, "cilium status --wait");
          r = up.Tool({"cilium", "status", "--wait", "--wait-duration",
                       GoDuration(o.cilium_timeout), "--context", context},
                      fmt::format("cilium status --context {} shows what is not ready", context),
                      {}, o.cilium_timeout + std::chrono::minutes(5));
          phases.Done(c);
          if (!r) return Fail(r.error());
          return recovered->empty() ? std::string() : c + ": " + *recovered;
        }));
  }
  WaitReporting(jobs, [&] { return Awaited(up, clusters, phases, "kube-system", ""); },
                {&up.Runner(), "cilium", sink, std::chrono::seconds(5)});
  std::vector<std::string> notes;
  auto errors = Errors(jobs, notes);
  if (!errors.empty()) return Fail(JoinErrors(std::move(errors)));
  notes.insert(notes.begin(),
               fmt::format("Cilium {} ready in {} clusters", s.cilium_version, clusters.size()));
  return fmt::format("{}", fmt::join(notes, "; "));
}

Result<std::string, Error> RolloutNginx(const Clusters& up, const Scenario& s,
                                        const std::function<Result<std::string, Error>()>& apply,
                                        const LongStepOptions& o, const StepSink& sink) {
  if (auto a = apply(); !a) return Fail(a.error());
  std::vector<std::string> clusters;
  for (const auto& c : s.clusters) clusters.push_back(c.name);
  JobPhases phases;
  std::vector<std::future<Result<std::string, Error>>> jobs;
  for (const auto& c : clusters) {
    const auto context = up.Context(c);
    phases.Set(c, "kubectl rollout status deployment/nginx");
    jobs.push_back(std::async(std::launch::async, [&, c, context]() -> Result<std::string, Error> {
      auto r = up.Tool({"kubectl", "--context", context, "rollout", "status", "deployment/nginx",
                        fmt::format("--timeout={}s", o.rollout_timeout.count())},
                       fmt::format("kubectl --context {} get pods shows why (image pull, "
                                   "scheduling)",
                                   context),
                       {}, o.rollout_timeout + std::chrono::minutes(2));
      phases.Done(c);
      if (!r) return Fail(r.error());
      return std::string();
    }));
  }
  WaitReporting(jobs, [&] { return Awaited(up, clusters, phases, "default", "app=nginx"); },
                {&up.Runner(), "nginx", sink, std::chrono::seconds(5)});
  std::vector<std::string> notes;
  auto errors = Errors(jobs, notes);
  if (!errors.empty()) return Fail(JoinErrors(std::move(errors)));
  return fmt::format("nginx rolled out in {} clusters", s.clusters.size());
}

}  // namespace bgpdemo::core::k8s
