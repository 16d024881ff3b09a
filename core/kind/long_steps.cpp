// The cilium and nginx steps of `kind up` (core/kind/long_steps.h).
#include "core/kind/long_steps.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <vector>

#include "core/kind/decisions.h"
#include "core/kind/helm_release.h"
#include "core/kind/internal.h"
#include "core/kind/preload.h"
#include "core/kind/waits.h"

namespace bgpdemo::core::kind::detail {

namespace {

// What each cluster's job awaits now, and its pods in `ns`: one progress line.
std::string Awaited(UpSteps& up, const Scenario& s, const JobPhases& phases, const std::string& ns,
                    const std::string& selector) {
  std::vector<std::string> parts;
  const auto running = phases.Describe();
  for (const auto& c : s.clusters) {
    std::vector<std::string> argv{"kubectl", "--context", Context(c.name), "-n", ns, "get", "pods"};
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
    parts.push_back(fmt::format("{} {}", c.name, pods));
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

Result<std::string, Error> InstallCilium(UpSteps& up, const KindUpOptions& o, const Scenario& s,
                                         const std::map<std::string, std::string>& values,
                                         const StepSink& sink) {
  if (auto r =
          up.Tool({"helm", "repo", "add", "cilium", "https://helm.cilium.io/", "--force-update"},
                  "helm needs to reach https://helm.cilium.io/");
      !r) {
    return Fail(r.error());
  }
  auto plan = PlanPreloadHere(up, o.preload, CiliumImages(s.cilium_version));
  if (!plan) return Fail(plan.error());
  JobPhases phases;
  std::vector<std::future<Result<std::string, Error>>> jobs;
  for (const auto& c : s.clusters) {
    const auto context = Context(c.name);
    const auto& path = values.at(c.name);
    phases.Set(c.name, plan->load.empty() ? "helm list --all" : "kind load docker-image");
    jobs.push_back(
        std::async(std::launch::async, [&, c, context, path]() -> Result<std::string, Error> {
          if (auto p = Preload(up, *plan, c.name); !p) return Fail(p.error());
          phases.Set(c.name, "helm list --all");
          auto recovered = RecoverRelease(up, context);
          if (!recovered) return Fail(recovered.error());
          phases.Set(c.name, "helm upgrade --install --wait");
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
          if (!plan->load.empty()) {
            for (const char* v : {"image.useDigest=false", "operator.image.useDigest=false"}) {
              argv.push_back("--set");
              argv.push_back(v);
            }
          }
          auto r =
              up.Tool(argv,
                      fmt::format("see the Cilium pods: kubectl --context {} -n kube-system get "
                                  "pods -l k8s-app=cilium",
                                  context),
                      {}, o.helm_timeout + std::chrono::minutes(5));
          if (!r) return Fail(r.error());
          phases.Set(c.name, "cilium status --wait");
          r = up.Tool({"cilium", "status", "--wait", "--wait-duration",
                       GoDuration(o.cilium_timeout), "--context", context},
                      fmt::format("cilium status --context {} shows what is not ready", context),
                      {}, o.cilium_timeout + std::chrono::minutes(5));
          phases.Done(c.name);
          if (!r) return Fail(r.error());
          return recovered->empty() ? std::string() : c.name + ": " + *recovered;
        }));
  }
  WaitReporting(jobs, [&] { return Awaited(up, s, phases, "kube-system", ""); },
                {o.runner, "cilium", sink, std::chrono::seconds(5)});
  std::vector<std::string> notes;
  auto errors = Errors(jobs, notes);
  if (!errors.empty()) return Fail(JoinErrors(std::move(errors)));
  notes.insert(notes.begin(),
               fmt::format("Cilium {} ready in {} clusters", s.cilium_version, s.clusters.size()));
  notes.push_back(DescribePreload(*plan));
  return fmt::format("{}", fmt::join(notes, "; "));
}

Result<std::string, Error> RolloutNginx(UpSteps& up, const KindUpOptions& o, const Scenario& s,
                                        const std::function<Result<std::string, Error>()>& apply,
                                        const StepSink& sink) {
  auto plan = PlanPreloadHere(up, o.preload, {kNginxImage});
  if (!plan) return Fail(plan.error());
  for (const auto& c : s.clusters) {
    if (auto p = Preload(up, *plan, c.name); !p) return Fail(p.error());
  }
  if (auto a = apply(); !a) return Fail(a.error());
  JobPhases phases;
  std::vector<std::future<Result<std::string, Error>>> jobs;
  for (const auto& c : s.clusters) {
    const auto context = Context(c.name);
    phases.Set(c.name, "kubectl rollout status deployment/nginx");
    jobs.push_back(std::async(std::launch::async, [&, c, context]() -> Result<std::string, Error> {
      auto r = up.Tool({"kubectl", "--context", context, "rollout", "status", "deployment/nginx",
                        fmt::format("--timeout={}s", o.rollout_timeout.count())},
                       fmt::format("kubectl --context {} get pods shows why (image pull, "
                                   "scheduling)",
                                   context),
                       {}, o.rollout_timeout + std::chrono::minutes(2));
      phases.Done(c.name);
      if (!r) return Fail(r.error());
      return std::string();
    }));
  }
  WaitReporting(jobs, [&] { return Awaited(up, s, phases, "default", "app=nginx"); },
                {o.runner, "nginx", sink, std::chrono::seconds(5)});
  std::vector<std::string> notes;
  auto errors = Errors(jobs, notes);
  if (!errors.empty()) return Fail(JoinErrors(std::move(errors)));
  return fmt::format("nginx rolled out in {} clusters; {}", s.clusters.size(),
                     DescribePreload(*plan));
}

}  // namespace bgpdemo::core::kind::detail
