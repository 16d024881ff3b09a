#include "core/kind/kind_provider.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/k8s/tools.h"
#include "core/kind/kind.h"
#include "core/kind/preflight.h"
#include "core/process.h"
#include "core/render.h"
#include "core/scenario_validate.h"
#include "core/table.h"

namespace bgpdemo::core::kind {

namespace {

using nlohmann::json;

// The kind provider's functions return string errors today and may return Error: either
// becomes an Error (a message alone: kFailed).
[[maybe_unused]] Error AsError(const std::string& message) {
  return Error(message);
}
[[maybe_unused]] Error AsError(const Error& error) {
  return error;
}

// A running kind demo: KindDemo (core/kind/kind.h) with its errors as Error, its status,
// and no `speaker` verb (the node speakers are Cilium's agents).
class KindRunningDemo : public Demo {
 public:
  KindRunningDemo(KindDemo demo, std::string state_dir, std::map<std::string, std::string> env)
      : demo_(std::move(demo)), state_dir_(std::move(state_dir)), env_(std::move(env)) {}

  std::string provider() const override { return "kind"; }

  Result<Topology, Error> GetTopology() const override {
    auto r = demo_.GetTopology();
    if (!r) return Fail(r.error());
    return std::move(*r);
  }

  Observed Observe() const override { return demo_.Observe(); }

  Result<HttpResult, Error> Probe(const std::string& from, const std::string& ip,
                                  std::uint16_t port) const override {
    auto r = demo_.Probe(from, ip, port);
    if (!r) return Fail(r.error());
    return std::move(*r);
  }

  // Up while the route server's container runs.
  StatusReport Status() const override {
    const auto& s = demo_.state();
    const auto since = std::time(nullptr) - s.started_at;
    const auto& router = demo_.Router();
    auto running = RunProcess(
        {"docker", "container", "inspect", "-f", "{{.State.Running}}", router}, {.env_add = env_});
    const bool router_up = running && running->exit_code == 0 && running->out.starts_with("true");
    StatusReport out;
    out.up = router_up;
    out.report.json = {{"up", router_up},
                       {"provider", "kind"},
                       {"scenario", s.scenario.name},
                       {"up_seconds", since},
                       {"state_dir", state_dir_},
                       {"clusters", s.clusters},
                       {"networks_created", s.networks},
                       {"router_image", s.router_image},
                       {"router_addresses", s.router_addresses}};
    out.report.text =
        fmt::format("Demo:      scenario {}, provider kind, up for {}\n", s.scenario.name,
                    Duration(since)) +
        fmt::format("Clusters:  {} (contexts kind-<name>)\n", fmt::join(s.clusters, ", ")) +
        fmt::format("Router:    container {} {} ({}), addresses {}\n", router,
                    router_up ? "running" : "NOT running", s.router_image,
                    json(s.router_addresses).dump());
    return out;
  }

  Result<Report, Error> Speaker(const std::string&, SpeakerAction) const override {
    return Fail(Error::Usage(
        "only the lab runs the node speakers itself; on kind, restart a node's Cilium agent "
        "with kubectl"));
  }

  Result<std::string, Error> StartFault(const Fault& f) const override {
    return demo_.Fault(f, true);
  }
  Result<std::string, Error> EndFault(const Fault& f) const override {
    return demo_.Fault(f, false);
  }
  Result<void, Error> CanFault(const Fault& f) const override { return KindDemo::CanFault(f); }

  Result<nlohmann::json, Error> RouterJournal() const override { return demo_.RouterJournal(); }

 private:
  KindDemo demo_;
  std::string state_dir_;
  std::map<std::string, std::string> env_;
};

}  // namespace

Availability KindProvider::Available(const UpOptions&) const {
  std::vector<std::string> missing;
  for (const char* tool : {"docker", "kind"}) {
    if (FindProgram(tool).empty()) missing.emplace_back(tool);
  }
  return {missing.empty(), fmt::format("{}", fmt::join(missing, " and "))};
}

Result<void, Error> KindProvider::Preflight(const UpOptions&) const {
  return {};
}

DoctorReport KindProvider::Doctor(const ScenarioText& text) const {
  auto s = ParseScenario(text.text, text.source, text.name);
  if (!s) {
    return {false,
            {{"ok", false}, {"error", s.error().message()}},
            fmt::format("  scenario {}: {}\n", text.name, s.error().message()),
            "not ready (see above)"};
  }
  return DoctorOf(CollectPreflight(*s, "", context_.env, DefaultRunner(), DefaultHostFacts()));
}

Result<std::string, Error> KindProvider::Plan(const ScenarioText& text, const UpOptions&) const {
  auto s = ParseScenario(text.text, text.source, text.name);
  if (!s) return Fail(s.error());
  if (auto valid = CheckScenario(*s); !valid) return Fail(valid.error());
  if (auto runnable =
          CheckRunnable(*s, "kind", {IpFamily::kIpv4, IpFamily::kDual, IpFamily::kIpv6});
      !runnable)
    return Fail(runnable.error());
  auto files = Render(*s, {});
  if (!files) return Fail(files.error());
  std::vector<std::string> clusters;
  std::uint64_t nodes = 0;
  for (const auto& c : s->clusters) {
    clusters.push_back(c.name);
    nodes += c.workers + 1;
  }
  std::vector<std::string> networks;
  for (const auto& n : s->networks) networks.push_back(n.name);
  return fmt::format(
      "scenario {}: {} kind clusters ({}) with {} nodes on Docker networks {}, the route server "
      "{} (AS {}), Cilium {} with the BGP {} API; {} files rendered",
      s->name, clusters.size(), fmt::join(clusters, ", "), nodes, fmt::join(networks, ", "),
      s->router.name, s->router.as, s->cilium_version, ToString(s->Api()), files->files.size());
}

std::string KindProvider::Describe(const UpOptions&) const {
  return "provider kind";
}

Result<Report, Error> KindProvider::Up(const ScenarioText& scenario, const UpOptions& options) {
  KindUpOptions ko;
  ko.state_dir = context_.state_dir;
  ko.router_image = options.router_image;
  ko.executable = options.self;
  ko.base_image = options.base_image;
  ko.version = options.version;
  ko.timeout = options.timeout;
  ko.helm_timeout = options.helm_timeout;
  ko.cilium_timeout = options.cilium_timeout;
  ko.rollout_timeout = options.rollout_timeout;
  ko.crd_timeout = options.crd_timeout;
  ko.preload = options.preload;
  ko.node_image = options.node_image;
  ko.env = context_.env;
  // Which step failed decides the kind of error: a failed preflight means missing tools.
  std::string failed_step;
  const StepSink sink = [&](const StepEvent& e) {
    if (!e.ok) failed_step = e.step;
    if (context_.on_step) context_.on_step(e);
  };
  auto r = KindUp(scenario, ko, sink);
  if (!r) {
    Error e = AsError(r.error());
    if (failed_step == "preflight") return Fail(Error::Environment(e.message()));
    return Fail(std::move(e));
  }
  return Report{{{"event", "up"},
                 {"ok", true},
                 {"seconds", r->seconds},
                 {"resumed", r->resumed},
                 {"sessions", r->sessions},
                 {"scenario", scenario.name},
                 {"provider", "kind"}},
                fmt::format("The demo is up in {:.1f} s: {} BGP sessions Established. Next: "
                            "bgpdemo peers, bgpdemo verify, bgpdemo down\n",
                            r->seconds, r->sessions)};
}

std::string KindProvider::AfterFailedUp() const {
  return fmt::format(
      "What was created is recorded in {}: `bgpdemo up` again resumes from here; `bgpdemo "
      "down` removes it.",
      context_.state_dir);
}

Result<Report, Error> KindProvider::Down(const DownOptions&) {
  auto r = KindDown(context_.state_dir, context_.env, context_.on_step);
  if (!r) return Fail(r.error());
  return Report{{{"event", "down"}, {"ok", true}, {"removed", r->removed}},
                fmt::format("Down: {}; nothing bgpdemo did not create was touched.\n",
                            r->removed.empty() ? "nothing to remove"
                                               : fmt::format("{}", fmt::join(r->removed, ", ")))};
}

Result<std::unique_ptr<Demo>, Error> KindProvider::Open() const {
  auto d = KindDemo::Open(context_.state_dir, context_.env);
  if (!d) return Fail(d.error());
  return std::unique_ptr<Demo>(
      std::make_unique<KindRunningDemo>(std::move(*d), context_.state_dir, context_.env));
}

}  // namespace bgpdemo::core::kind
