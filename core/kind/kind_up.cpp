// The kind provider's up: the steps of core/kind/kind.h in order, each checking what
// exists before it acts and recording what it creates. The Docker-side steps are in
// up_steps.cpp; the Kubernetes-side ones, which only apply and wait, are here.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/cilium_model.h"
#include "core/files.h"
#include "core/kind/agent_failures.h"
#include "core/kind/crds.h"
#include "core/kind/decisions.h"
#include "core/kind/internal.h"
#include "core/kind/kind.h"
#include "core/kind/long_steps.h"
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
using detail::ParseJson;

// The steps of one up: the Docker side from UpSteps, the Kubernetes side here.
class Up : public detail::UpSteps {
 public:
  using UpSteps::UpSteps;

  // Where progress events go (core/kind/waits.h).
  StepSink sink;

  Result<std::string, Error> Cilium(const RenderResult& files) {
    std::map<std::string, std::string> values;
    for (const auto& c : s_.clusters)
      values[c.name] = WrittenPath(files, c.name, FileKind::kHelmValues);
    return InstallCilium(*this, o_, s_, values, sink);
  }

  Result<std::string, Error> Apply(const RenderResult& files, const std::string& file_name,
                                   bool optional = false) {
    std::size_t n = 0;
    for (const auto& c : s_.clusters) {
      const auto path = WrittenPathByName(files, c.name, file_name);
      if (path.empty()) {
        if (optional) continue;
        return Fail(fmt::format("no {} was rendered for cluster {}", file_name, c.name));
      }
      // A custom resource waits for its CRD (core/kind/crds.h).
      auto r = ApplyWhenEstablished(*this, *o_.runner, Context(c.name), path, o_.crd_timeout);
      if (!r) return Fail(r.error());
      ++n;
    }
    return fmt::format("{} applied in {} clusters", file_name, n);
  }

  Result<std::string, Error> Nginx(const RenderResult& files) {
    return RolloutNginx(
        *this, o_, s_, [&] { return Apply(files, "nginx.yaml"); }, sink);
  }

  Result<std::string, Error> LoadBalancers(const RenderResult& files) {
    auto a = Apply(files, "lb-ippool.yaml");
    if (!a) return a;
    std::vector<std::string> ips;
    for (const auto& c : s_.clusters) {
      const auto until = o_.runner->Now() + o_.timeout;
      std::string ip;
      while (ip.empty()) {
        auto r = Tool(
            {"kubectl", "--context", Context(c.name), "get", "service", "nginx", "-o", "json"}, "");
        if (!r) return Fail(r.error());
        auto j = ParseJson(*r, "kubectl get service");
        if (!j) return Fail(j.error());
        ip = ServiceLoadBalancerIp(*j);
        if (!ip.empty()) break;
        if (o_.runner->Now() > until) {
          return Fail(fmt::format(
              "the LoadBalancer IP of service nginx in cluster {} never came ({} s)\n  hint: "
              "kubectl --context {} get ciliumloadbalancerippools, and check Cilium runs",
              c.name, o_.timeout.count(), Context(c.name)));
        }
        o_.runner->Sleep(std::chrono::milliseconds(500));
      }
      ips.push_back(fmt::format("{} {}", c.name, ip));
    }
    return fmt::format("{}", fmt::join(ips, ", "));
  }

  Result<std::string, Error> Annotate(const RenderResult& files) {
    std::size_t n = 0;
    for (const auto& c : s_.clusters) {
      Cluster k;
      k.name = c.name;
      auto nodes = Tool({"kind", "get", "nodes", "--name", c.name}, "");
      if (!nodes) return Fail(nodes.error());
      std::istringstream lines(*nodes);
      for (std::string l; std::getline(lines, l);) {
        if (!l.empty()) k.nodes.push_back({l, "", "", "", {}, {}});
      }
      std::vector<RenderedFile> mine;
      for (const auto& f : files.files) {
        if (f.cluster == c.name && f.kind == FileKind::kNodeAnnotations) mine.push_back(f);
      }
      if (auto r = ApplyManifests(k, mine); !r) return Fail(r.error());
      for (const auto& node : k.nodes) {
        for (const auto& [key, value] : node.annotations) {
          if (auto r = Tool({"kubectl", "--context", Context(c.name), "annotate", "node", node.name,
                             "--overwrite", key + "=" + value},
                            "");
              !r) {
            return Fail(r.error());
          }
          ++n;
        }
      }
    }
    return fmt::format("{} annotations", n);
  }

  Result<std::string, Error> Bgp(const RenderResult& files) {
    std::size_t n = 0;
    int retries = 0;
    for (const auto& c : s_.clusters) {
      for (const auto& f : files.files) {
        if (f.cluster != c.name || f.kind != FileKind::kManifest) continue;
        const auto base = std::filesystem::path(f.path).filename().string();
        if (!base.starts_with("bgp-")) continue;
        auto r = ApplyWhenEstablished(*this, *o_.runner, Context(c.name),
                                      WrittenPathByName(files, c.name, base), o_.crd_timeout);
        if (!r) return Fail(r.error());
        retries += r->retries;
        ++n;
      }
    }
    return fmt::format("{} BGP files applied (Cilium {}, BGP API {}){}", n, s_.cilium_version,
                       ToString(s_.Api()),
                       retries ? fmt::format("; kubectl apply retried {} times until the CRDs "
                                             "were registered",
                                             retries)
                               : "");
  }

  Result<std::string, Error> Routes(const RenderResult& files) {
    std::size_t n = 0;
    for (const auto& f : files.files) {
      if (f.kind != FileKind::kNodeRoutes) continue;
      YAML::Node doc;
      try {
        doc = YAML::Load(f.content);
      } catch (const YAML::Exception& e) {
        return Fail(fmt::format("{}: {}", f.path, e.what()));
      }
      auto nodes = Tool({"kind", "get", "nodes", "--name", f.cluster}, "");
      if (!nodes) return Fail(nodes.error());
      std::istringstream lines(*nodes);
      for (std::string node; std::getline(lines, node);) {
        if (node.empty()) continue;
        for (const auto& r : doc["routes"]) {
          auto done = Tool({"docker", "exec", node, "ip", "route", "replace",
                            r["to"].as<std::string>(), "via", r["via"].as<std::string>()},
                           "the node must reach the router on its network");
          if (!done) return Fail(done.error());
          ++n;
        }
      }
    }
    return fmt::format("{} static routes on the nodes (docker exec ... ip route replace)", n);
  }

  Result<std::string, Error> WriteFiles(const RenderResult& files) {
    for (const auto& f : files.files) {
      const auto path = std::filesystem::path(FilesDir(o_.state_dir)) / f.path;
      std::error_code ec;
      std::filesystem::create_directories(path.parent_path(), ec);
      if (auto r = WriteFileAtomic(path.string(), f.content, 0644); !r) return Fail(r.error());
    }
    return fmt::format("{} files in {}", files.files.size(), FilesDir(o_.state_dir));
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
    const auto until = o.runner->Now() + o.timeout;
    AgentFailures agents;  // fails fast on agents that never answer (agent_failures.h)
    while (true) {
      auto topology = demo->GetTopology();
      if (topology) {
        const auto observed = demo->Observe();
        if (auto stuck = agents.Update(observed, o.runner->Now()); !stuck.empty()) {
          return Fail(AgentFailures::Message(stuck));
        }
        const auto waiting = SessionsNotEstablished(*topology, observed);
        std::size_t speakers = 0;
        for (const auto& n : topology->nodes) speakers += n.speaker ? 1 : 0;
        if (waiting.empty()) {
          result.sessions = speakers;
          return fmt::format("{} of {} Established, from both sides", speakers, speakers);
        }
        if (o.runner->Now() > until) {
          return Fail(fmt::format("{} of {} sessions are not Established after {} s:\n  {}",
                                  waiting.size(), speakers, o.timeout.count(),
                                  fmt::join(waiting, "\n  ")));
        }
      } else if (o.runner->Now() > until) {
        return Fail(topology.error());
      }
      o.runner->Sleep(std::chrono::seconds(1));
    }
  });
  if (!sessions) return Fail(sessions.error());
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace bgpdemo::core::kind
