// `bgpdemo up`, `down`, `status`, `doctor` and the hidden `lab-daemon`: the demo's life,
// through the provider registry (core/providers.h). What each provider reports is its own
// (core::Report); this file prints it and maps errors to exit codes.
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/demo_verbs.h"
#include "cli/exit_codes.h"
#include "cli/self_path.h"
#include "cli/version.h"
#include "core/scenario.h"

namespace bgpdemo::cli::demo {

namespace {

using nlohmann::json;

core::UpOptions UpOptionsOf(const DemoOptions& o) {
  core::UpOptions u;
  u.timeout = std::chrono::seconds(o.timeout_seconds);
  u.helm_timeout = std::chrono::seconds(o.helm_timeout_seconds);
  u.cilium_timeout = std::chrono::seconds(o.cilium_timeout_seconds);
  u.rollout_timeout = std::chrono::seconds(o.rollout_timeout_seconds);
  u.crd_timeout = std::chrono::seconds(o.crd_timeout_seconds);
  u.preload = o.preload;
  u.self = SelfPath();
  u.version = kVersion;
  u.node_speaker = o.node_speaker;
  u.lab_prefix = o.lab_prefix;
  u.router_image = o.router_image;
  u.base_image = o.base_image;
  u.node_image = o.node_image;
  u.router = o.router;
  u.manage_cilium = o.manage_cilium;
  u.static_routes = o.static_routes;
  u.routes_image = o.routes_image;
  return u;
}

// --context CLUSTER=CONTEXT, each once.
Result<std::map<std::string, std::string>, Error> ParseContexts(
    const std::vector<std::string>& given) {
  std::map<std::string, std::string> out;
  for (const auto& g : given) {
    const auto eq = g.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == g.size()) {
      return Fail(Error::Usage(
          fmt::format("--context {}: expected CLUSTER=CONTEXT, e.g. --context cilium=prod-a", g)));
    }
    if (!out.emplace(g.substr(0, eq), g.substr(eq + 1)).second) {
      return Fail(Error::Usage(
          fmt::format("--context {}: cluster {} has a context already", g, g.substr(0, eq))));
    }
  }
  return out;
}

}  // namespace

// The provider named (or picked by auto) checks what it needs, then the scenario is read,
// then the provider brings it up step by step.
int Up(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kWhat = "bgpdemo up";
  auto options = UpOptionsOf(o);
  auto contexts = ParseContexts(o.contexts);
  if (!contexts) return Failed(err, kWhat, contexts.error());
  options.contexts = std::move(*contexts);
  auto providers = MakeProviders(o, Printer(o, out, "up"));
  auto chosen = providers.Choose(o.provider, options);
  if (!chosen) return Failed(err, kWhat, chosen.error());
  core::Provider& provider = **chosen;
  if (auto ready = provider.Preflight(options); !ready) return Failed(err, kWhat, ready.error());
  auto text = core::LoadScenarioText(o.scenario);
  if (!text) return Failed(err, kWhat, text.error());
  if (auto free = providers.CheckNoOtherDemo(provider); !free) {
    return Failed(err, kWhat, free.error());
  }
  if (o.output != "json") {
    fmt::print(out, "bgpdemo up: scenario {}, {}, state in {}\n", text->name,
               provider.Describe(options), StateDir(o));
  }
  auto r = provider.Up(*text, options);
  if (!r) {
    if (o.output == "json") {
      out << json{{"event", "up"}, {"ok", false}, {"error", r.error().message()}}.dump() << '\n';
    }
    fmt::print(err, "bgpdemo up: {}\n{}\n", r.error().message(), provider.AfterFailedUp());
    return ExitCodeFor(r.error());
  }
  Print(o, out, *r);
  return kExitOk;
}

// The state's provider removes its demo; with no state, the provider that finds what it
// left by itself (the lab's namespaces).
int Down(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  if (o.output != "json") fmt::print(out, "bgpdemo down: state in {}\n", StateDir(o));
  auto providers = MakeProviders(o, Printer(o, out, "down"));
  auto provider = providers.ForDown();
  if (!provider) return Failed(err, "bgpdemo down", provider.error());
  auto r = (*provider)->Down({o.lab_prefix});
  if (!r) {
    fmt::print(err, "bgpdemo down: {}\nRun it again once the cause is fixed.\n",
               r.error().message());
    return ExitCodeFor(r.error());
  }
  Print(o, out, *r);
  return kExitOk;
}

// Exit 0 when the demo is up, 1 when it is not (or its daemon or router is gone).
int Status(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto demo = MakeProviders(o).OpenDemo();
  if (!demo) {
    const int code = Failed(err, "bgpdemo status", demo.error());
    if (o.output == "json") out << json{{"up", false}}.dump() << '\n';
    return code;
  }
  const auto status = (*demo)->Status();
  Print(o, out, status.report, /*pretty=*/true);
  return status.up ? kExitOk : kExitFailed;
}

// Every provider's tools and whether it could run here; exit 4 when none could.
int Doctor(const DemoOptions& o, std::ostream& out) {
  auto providers = MakeProviders(o);
  auto text = core::LoadScenarioText(o.scenario);
  if (!text) {
    fmt::print(out, "bgpdemo doctor: {}\n", text.error().message());
    return ExitCodeFor(text.error());
  }
  json j = json::object();
  std::string details;
  std::string summaries;
  bool any = false;
  for (const auto& p : providers.all()) {
    const auto d = p->Doctor(*text);
    j[p->name()] = d.json;
    details += d.details;
    summaries += fmt::format("{:<15}{}\n", p->name() + " provider:", d.summary);
    any = any || d.ready;
  }
  Print(o, out, {j, details + summaries}, /*pretty=*/true);
  return any ? kExitOk : kExitEnvironment;
}

// `bgpdemo lab-daemon`, which the lab's `up` starts: the lab provider's daemon.
int Daemon(const DemoOptions& o, std::ostream& err) {
  auto providers = MakeProviders(o);
  auto* lab = providers.Find("lab");
  if (lab == nullptr) return Failed(err, "bgpdemo lab-daemon", Error::Internal("no lab provider"));
  auto r = lab->RunDaemon();
  if (!r) return Failed(err, "bgpdemo lab-daemon", r.error());
  return *r;
}

}  // namespace bgpdemo::cli::demo
