// The kind provider's up: the steps of core/kind/kind.h in order, each checking what
// exists before it acts and recording what it creates. The Docker-side steps are in
// up_steps.cpp; the Kubernetes-side ones, which only apply and wait, are here.
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/cilium_model.h"
#include "core/files.h"
#include "core/k8s/apply_steps.h"
#include "core/k8s/long_steps.h"
#include "core/k8s/sessions.h"
#include "core/kind/decisions.h"
#include "core/kind/internal.h"
#include "core/kind/kind.h"
#include "core/kind/preload.h"
#include "core/kind/tool_output.h"
#include "core/kind/up_steps.h"
#include "core/render.h"
#include "core/scenario_validate.h"
#include "core/verify.h"

namespace bgpdemo::core::kind {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using detail::Context;
using detail::FilesDir;

// The steps of one up: the Docker side from UpSteps, the Kubernetes side here.
class Up : public detail::UpSteps {
 public:
  using UpSteps::UpSteps;

  // Where progress events go (core/k8s/waits.h).
  StepSink sink;

  k8s::WrittenFiles Written(const RenderResult& files) const {
    return {files, FilesDir(o_.state_dir)};
  }

  k8s::LongStepOptions LongSteps() const {
    k8s::LongStepOptions lo;
    lo.helm_timeout = o_.helm_timeout;
    lo.cilium_timeout = o_.cilium_timeout;
    lo.rollout_timeout = o_.rollout_timeout;
    return lo;
  }

  // Cilium's images loaded into the nodes first where Docker has them (core/kind/preload.h).
  Result<std::string, Error> Cilium(const RenderResult& files) {
    auto plan = PlanPreloadHere(*this, o_.preload, CiliumImages(s_.cilium_version));
    if (!plan) return Fail(plan.error());
    std::map<std::string, std::string> values;
    for (const auto& c : s_.clusters)
      values[c.name] = WrittenPath(files, c.name, FileKind::kHelmValues);
    auto lo = LongSteps();
    if (!plan->load.empty()) {
      lo.prepare = [&](const std::string& cluster) { return Preload(*this, *plan, cluster); };
      lo.prepare_phase = "kind load docker-image";
      // A loaded image carries no digest (core/kind/preload.h).
      lo.helm_sets = {"image.useDigest=false", "operator.image.useDigest=false"};
    }
    auto r = k8s::InstallCilium(*this, s_, values, lo, sink);
    if (!r) return r;
    return fmt::format("{}; {}", *r, DescribePreload(*plan));
  }

  Result<std::string, Error> Nginx(const RenderResult& files) {
    auto plan = PlanPreloadHere(*this, o_.preload, {kNginxImage});
    if (!plan) return Fail(plan.error());
    for (const auto& c : s_.clusters) {
      if (auto p = Preload(*this, *plan, c.name); !p) return Fail(p.error());
    }
    auto r = k8s::RolloutNginx(
        *this, s_,
        [&] {
          return k8s::ApplyInClusters(*this, s_, Written(files), "nginx.yaml", o_.crd_timeout);
        },
        LongSteps(), sink);
    if (!r) return r;
    return fmt::format("{}; {}", *r, DescribePreload(*plan));
  }

  Result<std::string, Error> LoadBalancers(const RenderResult& files) {
    return k8s::LoadBalancers(*this, s_, Written(files), o_.crd_timeout, o_.timeout);
  }

  Result<std::string, Error> Annotate(const RenderResult& files) {
    return k8s::AnnotateNodes(*this, s_, files);
  }

  Result<std::string, Error> Bgp(const RenderResult& files) {
    return k8s::ApplyBgp(*this, s_, Written(files), o_.crd_timeout);
  }

  Result<std::string, Error> Routes(const RenderResult& files) {
    std::size_t n = 0;
    for (const auto& c : s_.clusters) {
      auto routes = NodeRoutes(files, c.name);
      if (!routes) return Fail(routes.error());
      if (routes->empty()) continue;
      auto nodes = Tool({"kind", "get", "nodes", "--name", c.name}, "");
      if (!nodes) return Fail(nodes.error());
      for (const auto& node : Lines(*nodes)) {
        for (const auto& [to, via] : *routes) {
          auto done = Tool({"docker", "exec", node, "ip", "route", "replace", to, "via", via},
                           "the node must reach the router on its network");
          if (!done) return Fail(done.error());
          ++n;
        }
      }
    }
    return fmt::format("{} static routes on the nodes (docker exec ... ip route replace)", n);
  }

  Result<std::string, Error> WriteFiles(const RenderResult& files) {
    return k8s::WriteFiles(Written(files));
  }
};

}  // namespace

Result<KindUpResult, Error> KindUp(const ScenarioText& text, const KindUpOptions& o,
                                   const StepSink& on_step) {
  const auto t0 = Clock::now();
  KindUpResult result;
  KindState st;
  if (auto old = ReadKindState(o.state_dir); old) {
    if (old->provider != "kind") {
      return Fail(Error::Failed(fmt::format("a {} demo is up (state in {}); `bgpdemo down` first",
                                            old->provider, o.state_dir)));
    }
    st = std::move(*old);
    result.resumed = true;
    // Nothing made yet (preflight or networks refused): the scenario given now is the one
    // to use, so that changing it is a fix the error messages can name.
    if (st.networks.empty() && st.clusters.empty() && !st.router_container && !st.image_built) {
      st.scenario = text;
    }
  } else {
    st.scenario = text;
    st.started_at = std::time(nullptr);
  }
  auto scenario = ParseScenario(st.scenario.text, st.scenario.source, st.scenario.name);
  if (!scenario) return Fail(scenario.error());
  if (const auto errors = ValidateScenario(*scenario); !errors.empty()) {
    return Fail(Error::Input(FormatErrors(errors)));
  }
  if (auto runnable =
          CheckRunnable(*scenario, "kind", {IpFamily::kIpv4, IpFamily::kDual, IpFamily::kIpv6});
      !runnable)
    return Fail(runnable.error());
  Scenario& s = *scenario;
  Up up(o, st, s);
  up.sink = on_step;

  auto pre = TimedStep(on_step, "preflight", [&] { return up.Preflight(); });
  if (!pre) return Fail(pre.error());
  if (auto w = up.Save(); !w) return Fail(w.error());

  if (auto r = TimedStep(on_step, "networks", [&] { return up.Networks(); }); !r)
    return Fail(r.error());

  // Files whose content does not depend on the router's addresses (kind configs, Helm
  // values, the router's config) come first; the rest once the router runs.
  auto first = Render(s, {});
  if (!first) return Fail(first.error());
  if (auto r = up.WriteFiles(*first); !r) return Fail(r.error());

  if (auto r = TimedStep(on_step, "clusters", [&] { return up.Clusters(*first); }); !r)
    return Fail(r.error());
  if (auto r = TimedStep(on_step, "image", [&] { return up.Image(); }); !r) return Fail(r.error());
  if (auto r = TimedStep(on_step, "router", [&] { return up.Router(*first); }); !r)
    return Fail(r.error());

  RenderOptions ro;
  ro.router_addresses = st.router_addresses;
  ro.router_addresses_v6 = st.router_addresses_v6;
  auto files = Render(s, ro);
  if (!files) return Fail(files.error());
  if (auto r = TimedStep(on_step, "render", [&] { return up.WriteFiles(*files); }); !r)
    return Fail(r.error());

  if (auto r = TimedStep(on_step, "cilium", [&] { return up.Cilium(*files); }); !r)
    return Fail(r.error());
  if (auto r = TimedStep(on_step, "nginx", [&] { return up.Nginx(*files); }); !r)
    return Fail(r.error());
  if (auto r = TimedStep(on_step, "lb", [&] { return up.LoadBalancers(*files); }); !r)
    return Fail(r.error());
  if (s.Api() == BgpApi::kV1) {
    if (auto r = TimedStep(on_step, "annotate", [&] { return up.Annotate(*files); }); !r)
      return Fail(r.error());
  }
  if (auto r = TimedStep(on_step, "bgp", [&] { return up.Bgp(*files); }); !r)
    return Fail(r.error());
  if (auto r = TimedStep(on_step, "routes", [&] { return up.Routes(*files); }); !r)
    return Fail(r.error());

  auto demo = KindDemo::Open(o.state_dir, o.env, *o.runner);
  if (!demo) return Fail(demo.error());
  auto sessions = TimedStep(on_step, "sessions", [&]() -> Result<std::string, Error> {
    auto n = k8s::WaitSessions([&] { return demo->GetTopology(); }, [&] { return demo->Observe(); },
                               *o.runner, o.timeout);
    if (!n) return Fail(n.error());
    result.sessions = *n;
    return fmt::format("{} of {} Established, from both sides", *n, *n);
  });
  if (!sessions) return Fail(sessions.error());
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace bgpdemo::core::kind
