// A running kube demo (core/kube/kube_demo.h).
#include "core/kube/kube_demo.h"

#include <fmt/format.h>

#include <ctime>
#include <future>
#include <nlohmann/json.hpp>

#include "core/http_probe.h"
#include "core/k8s/cluster_view.h"
#include "core/k8s/output.h"
#include "core/k8s/tools.h"
#include "core/kernel_routes.h"
#include "core/kube/kube.h"
#include "core/kube/router_site.h"
#include "core/render.h"
#include "core/router_daemon.h"
#include "core/router_service.h"
#include "core/table.h"

namespace bgpdemo::core::kube {

namespace {

using nlohmann::json;

class KubeDemo : public Demo {
 public:
  KubeDemo(std::string dir, KubeState st, Scenario s, RouterPlacement placement,
           std::map<std::string, std::string> env, CommandRunner& runner)
      : dir_(std::move(dir)),
        st_(std::move(st)),
        s_(std::move(s)),
        placement_(std::move(placement)),
        env_(std::move(env)),
        runner_(&runner) {}

  std::string provider() const override { return "kube"; }

  Result<Topology, Error> GetTopology() const override {
    RenderOptions ro;
    ro.router_addresses = st_.router_addresses;
    ro.router_addresses_v6 = st_.router_addresses_v6;
    auto files = Render(s_, ro);
    if (!files) return Fail(files.error());
    const KubeClusters clusters(k8s::ToolRun{env_, std::chrono::seconds(30), runner_},
                                st_.contexts);
    Topology t;
    t.router = s_.router.name;
    for (const auto& c : s_.clusters) {
      if (auto r = k8s::ReadClusterTopology(clusters, c, *files, t); !r) return Fail(r.error());
    }
    return t;
  }

  Observed Observe() const override {
    const KubeClusters clusters(k8s::ToolRun{env_, std::chrono::seconds(20), runner_},
                                st_.contexts);
    auto nodes = std::async(std::launch::async, [&] { return k8s::ReadNodePeers(clusters, s_); });
    Observed o;
    switch (placement_.kind) {
      case RouterPlacementKind::kHost: {
        const auto socket = RouterDaemonPathsIn(dir_).socket;
        auto ask = [&](RouterQuery q) -> Result<json, std::string> {
          auto r = QueryRouter(socket, q);
          if (!r) return Fail(r.error().message());
          return std::move(*r);
        };
        o.router_peers = ask(RouterQuery::kPeers);
        o.router_routes = ask(RouterQuery::kRoutes);
        auto kernel = KernelRoutesJson();
        o.kernel =
            kernel ? ParseIpRouteJson(kernel->dump())
                   : Result<std::vector<KernelRoute>, std::string>(Fail(kernel.error().message()));
        // Dual stack: whose MAC each link-local next hop of an IPv6 route comes from.
        if (s_.HasIpv4() && s_.HasIpv6()) {
          if (auto n = KernelNeighboursJson()) {
            o.link_local_owners = ParseNeighbourLinkLocals(n->dump());
          }
        }
        break;
      }
      case RouterPlacementKind::kContainer: {
        auto exec = [&](const std::string& what) -> Result<std::string, std::string> {
          auto r = k8s::RunTool(
              {"docker", "exec", s_.router.name, "bgpdemo", "router", what, "-o", "json"},
              DockerRun(), "");
          if (!r) return Fail(r.error().message());
          return std::move(*r);
        };
        auto as_json = [&](const std::string& what) -> Result<json, std::string> {
          auto out = exec(what);
          if (!out) return Fail(out.error());
          auto j = k8s::ParseJson(*out, "bgpdemo router " + what);
          if (!j) return Fail(j.error().message());
          return std::move(*j);
        };
        o.router_peers = as_json("peers");
        o.router_routes = as_json("routes");
        auto kernel = exec("kernel-routes");
        o.kernel = kernel ? ParseIpRouteJson(kernel->empty() ? "[]" : *kernel)
                          : Result<std::vector<KernelRoute>, std::string>(Fail(kernel.error()));
        if (s_.HasIpv4() && s_.HasIpv6()) {
          if (auto n = exec("neighbours")) o.link_local_owners = ParseNeighbourLinkLocals(*n);
        }
        break;
      }
      case RouterPlacementKind::kExternal: {
        const std::string why = "the router is yours (--router external): bgpdemo does not read it";
        o.router_peers = Fail(why);
        o.router_routes = Fail(why);
        o.kernel = Fail(why);
        o.router_readable = false;
        break;
      }
    }
    o.node_peers = nodes.get();
    return o;
  }

  Result<HttpResult, Error> Probe(const std::string& from, const std::string& ip,
                                  std::uint16_t port) const override {
    const bool v6 = ip.find(':') != std::string::npos;
    const auto url = fmt::format("http://{}:{}/", v6 ? "[" + ip + "]" : ip, port);
    if (from != "router") {
      const KubeClusters clusters(k8s::ToolRun{env_, std::chrono::seconds(20), runner_},
                                  st_.contexts);
      return k8s::ProbeFromPod(clusters, from, url);
    }
    switch (placement_.kind) {
      case RouterPlacementKind::kHost: {
        auto r = HttpGet(ip, port, std::chrono::seconds(2));
        if (!r) return Fail(r.error());
        return HttpResult{r->status, r->body, r->seconds};
      }
      case RouterPlacementKind::kContainer: {
        auto out = k8s::RunTool({"docker", "exec", s_.router.name, "bgpdemo", "probe", "-o", "json",
                                 "--timeout", "2", url},
                                DockerRun(), "");
        if (!out) return Fail(out.error());
        const auto j = json::parse(*out, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
          return Fail(fmt::format("bgpdemo probe printed no reply: {:?}", out->substr(0, 80)));
        }
        return HttpResult{j.value("status", 0), j.value("body", ""), j.value("seconds", 0.0)};
      }
      case RouterPlacementKind::kExternal:
        break;
    }
    return Fail(std::string(
        "the router is yours (--router external): probe from a pod instead (CLUSTER/POD)"));
  }

  StatusReport Status() const override {
    const auto since = std::time(nullptr) - st_.started_at;
    bool router_up = true;
    std::string router = ToString(placement_);
    if (placement_.kind == RouterPlacementKind::kHost) {
      SystemRouterProcesses procs;
      const auto status = RouterDaemonStatusOf(dir_, procs);
      router_up = status.running;
      router += status.running ? fmt::format(", pid {}", status.pid) : ", NOT running";
    } else if (placement_.kind == RouterPlacementKind::kContainer) {
      auto r = runner_->Run(
          {"docker", "container", "inspect", "-f", "{{.State.Running}}", s_.router.name},
          {.env_add = DockerRun().env});
      router_up = r && r->exit_code == 0 && r->out.starts_with("true");
      router += router_up ? ", running" : ", NOT running";
    }
    std::vector<std::string> contexts;
    for (const auto& [cluster, context] : st_.contexts) {
      contexts.push_back(fmt::format("{}={}", cluster, context));
    }
    StatusReport out;
    out.up = router_up;
    out.report.json = {{"up", router_up},
                       {"provider", "kube"},
                       {"scenario", st_.scenario.name},
                       {"up_seconds", since},
                       {"state_dir", dir_},
                       {"contexts", st_.contexts},
                       {"router", st_.router},
                       {"router_addresses", st_.router_addresses},
                       {"router_addresses_v6", st_.router_addresses_v6},
                       {"cilium_installed", st_.cilium_installed}};
    out.report.text =
        fmt::format("Demo:      scenario {}, provider kube, up for {}\n", st_.scenario.name,
                    Duration(since)) +
        fmt::format("Clusters:  {}\n", fmt::join(contexts, ", ")) +
        fmt::format(
            "Router:    {}, addresses {}{}\n", router, json(st_.router_addresses).dump(),
            st_.router_addresses_v6.empty() ? "" : " and " + json(st_.router_addresses_v6).dump());
    return out;
  }

  Result<Report, Error> Speaker(const std::string&, SpeakerAction) const override {
    return Fail(Error::Usage(
        "only the lab runs the node speakers itself; on your clusters, restart a node's Cilium "
        "agent with kubectl"));
  }

  Result<json, Error> RouterJournal() const override {
    switch (placement_.kind) {
      case RouterPlacementKind::kHost:
        return QueryRouter(RouterDaemonPathsIn(dir_).socket, RouterQuery::kJournal);
      case RouterPlacementKind::kContainer: {
        auto out = k8s::RunTool(
            {"docker", "exec", s_.router.name, "bgpdemo", "router", "journal", "-o", "json"},
            DockerRun(), "");
        if (!out) return Fail(out.error());
        return k8s::ParseJson(*out, "bgpdemo router journal");
      }
      case RouterPlacementKind::kExternal:
        break;
    }
    return Demo::RouterJournal();
  }

 private:
  k8s::ToolRun DockerRun() const {
    k8s::ToolRun run{env_, std::chrono::seconds(20), runner_};
    run.env["DOCKER_HOST"] = placement_.docker_host;
    return run;
  }

  std::string dir_;
  KubeState st_;
  Scenario s_;
  RouterPlacement placement_;
  std::map<std::string, std::string> env_;
  CommandRunner* runner_;
};

}  // namespace

Result<std::unique_ptr<Demo>, Error> OpenKubeDemo(const std::string& state_dir,
                                                  const std::map<std::string, std::string>& env,
                                                  CommandRunner& runner) {
  auto st = ReadKubeState(state_dir);
  if (!st) return Fail(st.error());
  auto s = ParseScenario(st->scenario.text, st->scenario.source, st->scenario.name);
  if (!s) return Fail(s.error());
  auto placement = ApplyPlacementToScenario(st->router, *s);
  if (!placement) return Fail(placement.error());
  return std::unique_ptr<Demo>(std::make_unique<KubeDemo>(state_dir, std::move(*st), std::move(*s),
                                                          std::move(*placement), env, runner));
}

}  // namespace bgpdemo::core::kube
