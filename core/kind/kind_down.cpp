// The kind provider's down (core/kind/kind.h): removes what up recorded in the state as its
// own, and nothing else: the clusters it created (with their kubeconfig contexts), its
// router container, the networks it created, then the state. What is gone already counts as
// removed, so down after a half-finished down finishes it.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <utility>

#include "core/event_log.h"
#include "core/files.h"
#include "core/kind/decisions.h"
#include "core/kind/internal.h"
#include "core/kind/kind.h"
#include "core/kind/tool_output.h"

namespace bgpdemo::core::kind {

namespace {
constexpr int kDeleteAttempts = 3;  // of `kind delete cluster` that a vanished node stopped
}  // namespace

Result<KindDownReport, Error> KindDown(const std::string& state_dir,
                                       const std::map<std::string, std::string>& env,
                                       const StepSink& on_step, CommandRunner& runner) {
  KindDownReport report;
  auto st = ReadKindState(state_dir);
  if (!st) return report;
  report.had_state = true;
  auto scenario = detail::ScenarioOf(*st);
  const std::string router = scenario ? scenario->router.name : kRouterContainer;
  const ToolRun run{env, std::chrono::minutes(5), &runner};

  auto clusters = TimedStep(on_step, "clusters", [&]() -> Result<std::string, Error> {
    std::vector<std::future<Result<std::string, Error>>> jobs;
    for (const auto& c : st->clusters) {
      jobs.push_back(std::async(std::launch::async, [&run, c] {
        // kind lists the nodes, then removes them; a delete killed before (its `docker rm`
        // goes on in Docker) can take one in between, and kind stops at "No such
        // container". It is idempotent: the next one lists what is left.
        for (int attempt = 1;; ++attempt) {
          auto r = RunTool({"kind", "delete", "cluster", "--name", c}, run, "");
          if (r || attempt == kDeleteAttempts ||
              r.error().message().find("No such container") == std::string::npos) {
            return r;
          }
          run.runner->Sleep(std::chrono::milliseconds(500));
        }
      }));
    }
    std::vector<Error> errors;
    for (auto& j : jobs) {
      if (auto r = j.get(); !r) errors.push_back(std::move(r).error());
    }
    if (!errors.empty()) return Fail(JoinErrors(std::move(errors)));
    for (const auto& c : st->clusters) report.removed.push_back("cluster " + c);
    return fmt::format("deleted [{}] with their kubeconfig contexts",
                       fmt::join(st->clusters, ", "));
  });
  if (!clusters) return Fail(clusters.error());

  auto rm = TimedStep(on_step, "router", [&]() -> Result<std::string, Error> {
    if (!st->router_container) return std::string("none was created");
    const std::vector<std::string> argv{"docker", "rm", "-f", router};
    auto r = runner.Run(argv, {.env_add = env});
    if (!r) return Fail(r.error());
    if (r->exit_code != 0 && !DockerSaysNoSuchContainer(*r)) return Fail(ToolError(argv, *r, ""));
    report.removed.push_back("container " + router);
    return fmt::format("container {} removed (the image {} is kept)", router, st->router_image);
  });
  if (!rm) return Fail(rm.error());

  auto nets = TimedStep(on_step, "networks", [&]() -> Result<std::string, Error> {
    for (const auto& n : st->networks) {
      const std::vector<std::string> argv{"docker", "network", "rm", n};
      auto r = runner.Run(argv, {.env_add = env});
      if (!r) return Fail(r.error());
      if (r->exit_code != 0 && !DockerSaysNoSuchNetwork(*r)) {
        return Fail(ToolError(argv, *r, "a container not made by bgpdemo may still use it"));
      }
      report.removed.push_back("network " + n);
    }
    return fmt::format("removed [{}]; networks bgpdemo did not create are kept",
                       fmt::join(st->networks, ", "));
  });
  if (!nets) return Fail(nets.error());

  auto files = TimedStep(on_step, "files", [&]() -> Result<std::string, Error> {
    std::error_code ec;
    std::filesystem::remove_all(detail::FilesDir(state_dir), ec);
    RemoveEventLog(state_dir);
    (void)RemoveWritten(state_dir + "/state.json");
    std::filesystem::remove(state_dir, ec);  // only when empty
    return fmt::format("the state in {} removed", state_dir);
  });
  if (!files) return Fail(files.error());
  return report;
}

}  // namespace bgpdemo::core::kind
