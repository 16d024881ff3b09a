// Where a kube demo's route server runs (core/kube/router_site.h).
#include "core/kube/router_site.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "core/files.h"
#include "core/k8s/output.h"
#include "core/k8s/tools.h"
#include "core/router_daemon.h"
#include "core/router_image.h"

namespace bgpdemo::core::kube {

namespace {

// The Docker host's environment for the router container.
std::map<std::string, std::string> DockerEnv(const std::map<std::string, std::string>& env,
                                             const std::string& docker_host) {
  auto out = env;
  out["DOCKER_HOST"] = docker_host;
  return out;
}

const RenderedFile* RouterConfig(const RenderResult& files) {
  for (const auto& f : files.files) {
    if (f.kind == FileKind::kRouterConfig) return &f;
  }
  return nullptr;
}

// Port 179 as the check sees it when this state folder's router runs already (a resumed
// up): held by that router, so free for it; any other answer is the machine's.
class OursHoldsIt final : public PortBinder {
 public:
  explicit OursHoldsIt(PortBinder& machine) : machine_(machine) {}
  int TryBind(const bgp::wire::IpAddress& address, std::uint16_t port) override {
    const int e = machine_.TryBind(address, port);
    return e == EADDRINUSE ? 0 : e;
  }

 private:
  PortBinder& machine_;
};

}  // namespace

Result<void, Error> CheckContexts(const Scenario& s,
                                  const std::map<std::string, std::string>& contexts) {
  std::vector<std::string> missing;
  for (const auto& c : s.clusters) {
    const auto it = contexts.find(c.name);
    if (it == contexts.end() || it->second.empty()) missing.push_back(c.name);
  }
  for (const auto& [cluster, context] : contexts) {
    if (!s.FindCluster(cluster)) {
      return Fail(Error::Usage(
          fmt::format("--context {}={}: the scenario has no cluster {} (its clusters: {})", cluster,
                      context, cluster, fmt::join(s.ClusterNames(), ", "))));
    }
  }
  if (missing.empty()) return {};
  std::vector<std::string> example;
  for (const auto& c : missing) example.push_back(fmt::format("--context {}=CONTEXT", c));
  return Fail(Error::Usage(fmt::format(
      "the kube provider needs a kubeconfig context for every cluster; none for {}: give {} "
      "(kubectl config get-contexts -o name lists yours), or `contexts:` in the scenario",
      fmt::join(missing, ", "), fmt::join(example, " "))));
}

Result<RouterPlacement, Error> ApplyPlacementToScenario(const std::string& router, Scenario& s) {
  if (router.empty()) {
    return Fail(Error::Usage(
        fmt::format("the kube provider needs --router: where the route server runs, one of {}",
                    kRouterPlacementForms)));
  }
  auto p = ParseRouterPlacement(router);
  if (!p) return Fail(p.error());
  if (p->kind == RouterPlacementKind::kExternal) s.router.as = p->as;
  return std::move(*p);
}

RouterSite::RouterSite(const KubeUpOptions& o, const KubeState& st, const Scenario& s)
    : o_(o), st_(st), s_(s) {
  auto p = ParseRouterPlacement(o.router);
  if (p) placement_ = std::move(*p);
}

std::vector<std::string> RouterSite::ListenAddresses() const {
  std::vector<std::string> out;
  if (placement_.kind != RouterPlacementKind::kHost) return out;
  for (const auto& a : placement_.addresses) out.push_back(a.ToString());
  return out;
}

std::vector<bgp::wire::Afi> RouterSite::NeededFamilies() const {
  std::vector<bgp::wire::Afi> out;
  if (s_.HasIpv4()) out.push_back(bgp::wire::Afi::kIpv4);
  // IPv6-only: the sessions; dual stack: the next hop of the nodes' static IPv6 routes (the
  // sessions are IPv4 and carry IPv6 too).
  if (s_.HasIpv6() && (!s_.HasIpv4() || o_.static_routes)) out.push_back(bgp::wire::Afi::kIpv6);
  return out;
}

void RouterSite::CheckForwarding(HostRouterReport& report) const {
  struct Knob {
    bool needed;
    const char* key;
    const char* family;
  };
  for (const auto& k : {Knob{s_.HasIpv4(), "net.ipv4.ip_forward", "IPv4"},
                        Knob{s_.HasIpv6(), "net.ipv6.conf.all.forwarding", "IPv6"}}) {
    if (!k.needed) continue;
    auto forwarding = o_.runner->Run({"sysctl", "-n", k.key}, {});
    if (forwarding && forwarding->exit_code == 0 &&
        k8s::Lines(forwarding->out) == std::vector<std::string>{"0"}) {
      report.problems.push_back(
          {fmt::format("this machine does not forward {} ({} is 0): traffic between the "
                       "clusters would stop at the router",
                       k.family, k.key),
           fmt::format("sysctl -w {}=1", k.key), true});
    }
  }
}

Result<RouterSite::Placed, Error> RouterSite::Place(const std::vector<RouterNode>& nodes) {
  Placed placed;
  const auto needed = NeededFamilies();
  const auto needs = [&](bgp::wire::Afi afi) {
    return std::find(needed.begin(), needed.end(), afi) != needed.end();
  };
  if (placement_.kind == RouterPlacementKind::kHost) {
    SystemPortBinder system_binder;
    PortBinder& machine = o_.binder ? *o_.binder : system_binder;
    SystemRouterProcesses system_procs;
    RouterProcesses& procs = o_.processes ? *o_.processes : system_procs;
    OursHoldsIt ours(machine);
    const bool running = st_.router_started && RouterDaemonStatusOf(o_.state_dir, procs).running;
    std::vector<RouterNode> reached;
    for (const auto& n : nodes) {
      if (needs(n.address.afi)) reached.push_back(n);
    }
    auto report = CheckHostRouter(*o_.runner, running ? ours : machine, placement_, reached);
    if (!report) return Fail(report.error());
    // The router forwards between the clusters in this machine's kernel.
    CheckForwarding(*report);
    // A router up started already holds its port: that is no problem on a resumed up.
    if (!report->Ok()) return Fail(report->ToError(placement_));
    std::vector<std::string> parts;
    for (const auto& c : s_.clusters) {
      std::vector<std::string> mine;
      if (const auto it = report->cluster_address.find(c.name);
          it != report->cluster_address.end()) {
        placed.cluster_address[c.name] = it->second.ToString();
        mine.push_back(it->second.ToString());
      }
      if (const auto it = report->cluster_address_v6.find(c.name);
          it != report->cluster_address_v6.end()) {
        placed.cluster_address_v6[c.name] = it->second.ToString();
        mine.push_back(it->second.ToString());
      }
      parts.push_back(fmt::format("{} peers with {}", c.name, fmt::join(mine, " and ")));
    }
    placed.line = fmt::format("on this machine ({}); {} nodes reachable", fmt::join(parts, ", "),
                              report->nodes.size());
    const auto notes = report->Format();
    if (!notes.empty()) placed.line += "; note:\n" + notes;
    return placed;
  }
  const bgp::wire::IpAddress* v4 = nullptr;
  const bgp::wire::IpAddress* v6 = nullptr;
  for (const auto& a : placement_.addresses) (a.afi == bgp::wire::Afi::kIpv4 ? v4 : v6) = &a;
  if (placement_.addresses.empty() || (needs(bgp::wire::Afi::kIpv4) && !v4)) {
    return Fail(Error::Usage(fmt::format(
        "--router {}: the router's IPv4 address is not known{}; give it as {}", o_.router,
        placement_.kind == RouterPlacementKind::kContainer ? " from the Docker host's URL" : "",
        placement_.kind == RouterPlacementKind::kContainer ? "container:DOCKER_HOST,ADDR"
                                                           : "external:ADDR,AS")));
  }
  if (needs(bgp::wire::Afi::kIpv6) && !v6) {
    return Fail(Error::Usage(fmt::format(
        "--router {}: scenario {} has IPv6 ({}), and the router's IPv6 address is not given; "
        "give it as {}",
        o_.router, s_.name,
        s_.HasIpv4() ? "dual stack: the next hop of the nodes' IPv6 routes"
                     : "IPv6-only: the sessions' address",
        placement_.kind == RouterPlacementKind::kContainer
            ? "container:DOCKER_HOST,ADDR,ADDR6 (or ADDR6 alone for IPv6 only)"
            : "external:ADDR,ADDR6,AS (or ADDR6,AS for IPv6 only)")));
  }
  std::vector<std::string> shown;
  for (const auto& c : s_.clusters) {
    if (v4) placed.cluster_address[c.name] = v4->ToString();
    if (v6) placed.cluster_address_v6[c.name] = v6->ToString();
  }
  for (const auto& a : placement_.addresses) shown.push_back(a.ToString());
  const auto address = fmt::format("{}", fmt::join(shown, " and "));
  placed.line = placement_.kind == RouterPlacementKind::kExternal
                    ? fmt::format(
                          "your router at {} (AS {}); bgpdemo only points the clusters at "
                          "it",
                          address, placement_.as)
                    : fmt::format("in a container on {} at {}", placement_.docker_host, address);
  return placed;
}

Result<RouterSite::Started, Error> RouterSite::Start(const RenderResult& files) {
  const auto* config = RouterConfig(files);
  if (placement_.kind == RouterPlacementKind::kExternal) {
    return Started{false, "nothing to start (an external router)"};
  }
  if (!config) return Fail(std::string("no router.yaml was rendered"));
  if (placement_.kind == RouterPlacementKind::kContainer) return StartContainer(config->content);
  const auto paths = RouterDaemonPathsIn(o_.state_dir);
  std::error_code ec;
  std::filesystem::create_directories(paths.dir, ec);
  if (auto w = WriteFileAtomic(paths.config, config->content, 0644); !w) return Fail(w.error());
  SystemRouterProcesses system_procs;
  RouterProcesses& procs = o_.processes ? *o_.processes : system_procs;
  RouterDaemonOptions d;
  d.binary = o_.executable;
  d.state_dir = o_.state_dir;
  auto status = StartRouterDaemon(d, *o_.runner, procs);
  if (!status) return Fail(status.error());
  return Started{
      true, fmt::format("bgpdemo router runs as pid {} (log {})", status->pid, status->paths.log)};
}

Result<RouterSite::Started, Error> RouterSite::StartContainer(const std::string& config) {
  const auto env = DockerEnv(o_.env, placement_.docker_host);
  const k8s::ToolRun run{env, std::chrono::minutes(10), o_.runner};
  const auto& name = s_.router.name;
  auto running = o_.runner->Run(
      {"docker", "container", "inspect", "-f", "{{.State.Running}}", name}, {.env_add = env});
  if (running && running->exit_code == 0 && running->out.starts_with("true")) {
    return Started{true,
                   fmt::format("container {} runs on {} already", name, placement_.docker_host)};
  }
  const auto image = o_.router_image.empty() ? DefaultRouterImageTag(o_.version) : o_.router_image;
  auto inspect = o_.runner->Run({"docker", "image", "inspect", image}, {.env_add = env});
  if (!inspect) return Fail(inspect.error());
  if (inspect->exit_code != 0) {
    auto built = BuildRouterImage({.tag = image,
                                   .executable = o_.executable,
                                   .base_image = o_.base_image,
                                   .version = o_.version,
                                   .context_dir = o_.state_dir + "/files/router-image",
                                   .env = env,
                                   .runner = o_.runner});
    if (!built) return Fail(built.error());
  }
  // The config is copied in, not mounted: the Docker host may be another machine.
  const auto local = o_.state_dir + "/files/router/router.yaml";
  if (auto w = WriteFileAtomic(local, config, 0644); !w) return Fail(w.error());
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"docker", "rm", "-f", name},
           {"docker", "create", "--name", name, "--network", "host", "--cap-add", "NET_ADMIN",
            "--label", "io.bgpdemo.owner=bgpdemo", "--restart", "unless-stopped", image, "router",
            "--config", "/etc/bgpdemo/router.yaml"},
           {"docker", "cp", local, name + ":/etc/bgpdemo/router.yaml"},
           {"docker", "start", name}}) {
    if (argv[1] == "rm") {
      (void)o_.runner->Run(argv, {.env_add = env});
      continue;
    }
    if (auto r = k8s::RunTool(argv, run, "the Docker host must answer"); !r) return Fail(r.error());
  }
  return Started{
      true, fmt::format("container {} ({}) started on {}", name, image, placement_.docker_host)};
}

Result<std::string, Error> StopRouter(const KubeState& st, const KubeDownOptions& o,
                                      const Scenario& s) {
  if (!st.router_started) return std::string("up started none");
  auto p = ParseRouterPlacement(st.router);
  if (!p) return Fail(p.error());
  if (p->kind == RouterPlacementKind::kContainer) {
    const auto env = DockerEnv(o.env, p->docker_host);
    const std::vector<std::string> argv{"docker", "rm", "-f", s.router.name};
    auto r = o.runner->Run(argv, {.env_add = env});
    if (!r) return Fail(r.error());
    if (r->exit_code != 0 && r->err.find("No such container") == std::string::npos) {
      return Fail(k8s::ToolError(argv, *r, ""));
    }
    return fmt::format("container {} removed from {}", s.router.name, p->docker_host);
  }
  SystemRouterProcesses system_procs;
  RouterProcesses& procs = o.processes ? *o.processes : system_procs;
  RouterDaemonOptions d;
  d.state_dir = o.state_dir;
  auto stopped = StopRouterDaemon(d, *o.runner, procs);
  if (!stopped) return Fail(stopped.error());
  return std::string(*stopped ? "the router service stopped"
                              : "the router service was not running");
}

}  // namespace bgpdemo::core::kube
