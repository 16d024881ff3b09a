#include "core/kube/kube_provider.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/k8s/tools.h"
#include "core/kube/kube.h"
#include "core/kube/kube_demo.h"
#include "core/kube/router_site.h"
#include "core/render.h"
#include "core/scenario_validate.h"
#include "core/table.h"

namespace bgpdemo::core::kube {

namespace {

using nlohmann::json;

KubeUpOptions KubeUpOptionsFrom(const ProviderContext& context, const UpOptions& options) {
  KubeUpOptions ko;
  ko.state_dir = context.state_dir;
  ko.executable = options.self;
  ko.contexts = options.contexts;
  ko.router = options.router;
  ko.manage_cilium = options.manage_cilium;
  ko.static_routes = options.static_routes;
  ko.routes_image = options.routes_image;
  ko.router_image = options.router_image;
  ko.base_image = options.base_image;
  ko.version = options.version;
  ko.timeout = options.timeout;
  ko.helm_timeout = options.helm_timeout;
  ko.cilium_timeout = options.cilium_timeout;
  ko.rollout_timeout = options.rollout_timeout;
  ko.crd_timeout = options.crd_timeout;
  ko.env = context.env;
  return ko;
}

}  // namespace

Availability KubeProvider::Available(const UpOptions&) const {
  return {false, "to be named: --provider kube with a --context for each cluster"};
}

Result<void, Error> KubeProvider::Preflight(const UpOptions& options) const {
  if (options.router.empty()) {
    return Fail(Error::Usage(
        fmt::format("--provider kube needs --router: where the route server runs, one of {}",
                    kRouterPlacementForms)));
  }
  if (auto p = ParseRouterPlacement(options.router); !p) return Fail(p.error());
  return {};
}

DoctorReport KubeProvider::Doctor(const ScenarioText&) const {
  const auto tools = k8s::CheckTools(context_.env, DefaultRunner(), {"kubectl", "helm", "cilium"});
  bool ok = true;
  json list = json::array();
  Table t({"Tool", "Version", "Needs", "Status"});
  for (const auto& tool : tools) {
    ok = ok && tool.ok;
    list.push_back({{"name", tool.name},
                    {"version", tool.version},
                    {"minimum", tool.minimum},
                    {"ok", tool.ok},
                    {"problem", tool.problem},
                    {"install", tool.install}});
    t.Add({tool.name, tool.version.empty() ? "-" : tool.version, ">= " + tool.minimum,
           tool.ok ? "ok" : tool.problem});
  }
  return {ok,
          {{"ok", ok}, {"tools", list}},
          t.Render(),
          ok ? "ready (with --context for each cluster and --router)" : "not ready (see above)"};
}

Result<std::string, Error> KubeProvider::Plan(const ScenarioText& text,
                                              const UpOptions& options) const {
  auto s = ParseScenario(text.text, text.source, text.name);
  if (!s) return Fail(s.error());
  if (auto valid = CheckScenario(*s); !valid) return Fail(valid.error());
  if (auto runnable =
          CheckRunnable(*s, "kube", {IpFamily::kIpv4, IpFamily::kDual, IpFamily::kIpv6});
      !runnable)
    return Fail(runnable.error());
  auto contexts = s->contexts;
  for (const auto& [k, v] : options.contexts) contexts[k] = v;
  if (auto r = CheckContexts(*s, contexts); !r) return Fail(r.error());
  auto placement = ApplyPlacementToScenario(options.router, *s);
  if (!placement) return Fail(placement.error());
  std::vector<std::string> clusters;
  for (const auto& c : s->clusters)
    clusters.push_back(fmt::format("{}={}", c.name, contexts[c.name]));
  return fmt::format(
      "scenario {}: the demo on your clusters {}, the route server {} (AS {}), Cilium {} with "
      "the BGP {} API{}",
      s->name, fmt::join(clusters, ", "), ToString(*placement), s->router.as, s->cilium_version,
      ToString(s->Api()), options.static_routes ? ", static routes by DaemonSet" : "");
}

std::string KubeProvider::Describe(const UpOptions& options) const {
  return fmt::format("provider kube, router {}", options.router);
}

Result<Report, Error> KubeProvider::Up(const ScenarioText& scenario, const UpOptions& options) {
  const auto ko = KubeUpOptionsFrom(context_, options);
  auto r = KubeUp(scenario, ko, context_.on_step);
  if (!r) return Fail(r.error());
  return Report{{{"event", "up"},
                 {"ok", true},
                 {"seconds", r->seconds},
                 {"resumed", r->resumed},
                 {"sessions", r->sessions},
                 {"scenario", scenario.name},
                 {"provider", "kube"}},
                fmt::format("The demo is up in {:.1f} s: {} BGP sessions Established. Next: "
                            "bgpdemo peers, bgpdemo verify, bgpdemo down\n",
                            r->seconds, r->sessions)};
}

std::string KubeProvider::AfterFailedUp() const {
  return fmt::format(
      "What was applied is recorded in {}: `bgpdemo up --provider kube` again resumes from "
      "here; `bgpdemo down` removes it and leaves your clusters.",
      context_.state_dir);
}

Result<Report, Error> KubeProvider::Down(const DownOptions&) {
  KubeDownOptions o;
  o.state_dir = context_.state_dir;
  o.env = context_.env;
  auto r = KubeDown(o, context_.on_step);
  if (!r) return Fail(r.error());
  return Report{{{"event", "down"}, {"ok", true}, {"removed", r->removed}},
                fmt::format("Down: {}; your clusters and what bgpdemo did not apply are kept.\n",
                            r->removed.empty() ? "nothing to remove"
                                               : fmt::format("{}", fmt::join(r->removed, ", ")))};
}

Result<std::unique_ptr<Demo>, Error> KubeProvider::Open() const {
  return OpenKubeDemo(context_.state_dir, context_.env, DefaultRunner());
}

}  // namespace bgpdemo::core::kube
