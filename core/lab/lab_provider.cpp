#include "core/lab/lab_provider.h"

#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "core/lab/daemon.h"
#include "core/lab/lab.h"
#include "core/lab/plan.h"
#include "core/table.h"

namespace bgpdemo::core::lab {

namespace {

using nlohmann::json;

}  // namespace

Availability LabProvider::Available(const UpOptions& options) const {
  const auto missing = LabMissing(options.node_speaker);
  return {missing.empty(), fmt::format("{}", fmt::join(missing, "; "))};
}

Result<void, Error> LabProvider::Preflight(const UpOptions& options) const {
  if (const auto missing = LabMissing(options.node_speaker); !missing.empty()) {
    return Fail(
        Error::Environment(fmt::format("the lab provider needs: {}", fmt::join(missing, "; "))));
  }
  return {};
}

DoctorReport LabProvider::Doctor(const ScenarioText&) const {
  const auto missing = LabMissing("engine");
  DoctorReport r;
  r.ready = missing.empty();
  r.json = {{"ok", r.ready}, {"missing", missing}};
  r.summary = r.ready ? "ready" : fmt::format("needs {}", fmt::join(missing, "; "));
  return r;
}

Result<std::string, Error> LabProvider::Plan(const ScenarioText& scenario,
                                             const UpOptions& options) const {
  auto plan = PlanFromText(scenario, {options.lab_prefix});
  if (!plan) return Fail(plan.error());
  std::size_t namespaces = plan->Namespaces().size();
  return fmt::format(
      "scenario {}: {} namespaces ({}-*) for {} networks, {} nodes and {} pods; {} node "
      "speakers ({})",
      plan->scenario, namespaces, plan->prefix, plan->networks.size(), plan->nodes.size(),
      plan->pods.size(), plan->speakers.size(), options.node_speaker);
}

std::string LabProvider::Describe(const UpOptions& options) const {
  return fmt::format("provider lab, node speakers {}", options.node_speaker);
}

Result<Report, Error> LabProvider::Up(const ScenarioText& scenario, const UpOptions& options) {
  LabUpOptions lo;
  lo.state_dir = context_.state_dir;
  lo.prefix = options.lab_prefix;
  lo.node_speaker = options.node_speaker;
  lo.binary = options.self;
  lo.timeout = options.timeout;
  auto r = LabUp(scenario, lo, context_.on_step);
  if (!r) return Fail(r.error());
  if (r->already_up) {
    const auto& st = r->state;
    const auto since = std::time(nullptr) - st.started_at;
    return Report{{{"event", "up"},
                   {"ok", true},
                   {"already_up", true},
                   {"scenario", st.scenario.name},
                   {"provider", st.provider},
                   {"up_seconds", since}},
                  fmt::format("The demo is already up (scenario {}, provider {}, for {}). "
                              "`bgpdemo down` first to start again.\n",
                              st.scenario.name, st.provider, Duration(since))};
  }
  if (!r->healed.empty()) {
    return Report{{{"event", "up"},
                   {"ok", true},
                   {"healed", r->healed},
                   {"seconds", r->seconds},
                   {"sessions", r->sessions},
                   {"scenario", scenario.name},
                   {"provider", "lab"}},
                  fmt::format("The demo was up, but {} had stopped: started again in place (no "
                              "namespace or link made anew) in {:.2f} s; {} BGP sessions "
                              "Established.\n",
                              fmt::join(r->healed, ", "), r->seconds, r->sessions)};
  }
  return Report{{{"event", "up"},
                 {"ok", true},
                 {"seconds", r->seconds},
                 {"established_seconds", r->established_seconds},
                 {"sessions", r->sessions},
                 {"scenario", scenario.name},
                 {"provider", "lab"}},
                fmt::format("The demo is up in {:.2f} s: {} BGP sessions Established. Next: "
                            "bgpdemo peers, bgpdemo verify, bgpdemo down\n",
                            r->seconds, r->sessions)};
}

std::string LabProvider::AfterFailedUp() const {
  return fmt::format(
      "What was created is recorded in {}: `bgpdemo down` removes it; `bgpdemo up` removes it "
      "and starts again.",
      context_.state_dir);
}

Result<Report, Error> LabProvider::Down(const DownOptions& options) {
  auto r = LabDown(context_.state_dir, options.lab_prefix, context_.on_step);
  if (!r) return Fail(r.error());
  Report out;
  out.json = {{"event", "down"},           {"ok", true},
              {"had_state", r->had_state}, {"namespaces", r->namespaces},
              {"processes", r->processes}, {"files", r->files}};
  if (!r->had_state && r->namespaces.empty()) {
    out.text = "Nothing to remove: no demo is up.\n";
  } else {
    out.text =
        fmt::format("Down: {} namespaces, {} processes and {} files removed; nothing is left.\n",
                    r->namespaces.size(), r->processes, r->files.size());
  }
  return out;
}

Result<std::unique_ptr<Demo>, Error> LabProvider::Open() const {
  auto d = LabDemo::Open(context_.state_dir);
  if (!d) return Fail(d.error());
  return std::unique_ptr<Demo>(std::make_unique<LabDemo>(std::move(*d)));
}

Result<int, Error> LabProvider::RunDaemon() const {
  return RunLabDaemon(context_.state_dir);
}

}  // namespace bgpdemo::core::lab
