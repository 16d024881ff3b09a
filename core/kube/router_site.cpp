// Where a kube demo's route server runs (core/kube/router_site.h).
#include "core/kube/router_site.h"

#include <fmt/format.h>

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

Result<RouterSite::Placed, Error> RouterSite::Place(const std::vector<RouterNode>& nodes) {
  Placed placed;
  if (placement_.kind == RouterPlacementKind::kHost) {
    SystemPortBinder system_binder;
    PortBinder& machine = o_.binder ? *o_.binder : system_binder;
    SystemRouterProcesses system_procs;
    RouterProcesses& procs = o_.processes ? *o_.processes : system_procs;
    OursHoldsIt ours(machine);
    const bool running = st_.router_started && RouterDaemonStatusOf(o_.state_dir, procs).running;
    auto report = CheckHostRouter(*o_.runner, running ? ours : machine, placement_, nodes);
    if (!report) return Fail(report.error());
    // The router forwards between the clusters in this machine's kernel.
    auto forwarding = o_.runner->Run({"sysctl", "-n", "net.ipv4.ip_forward"}, {});
    if (forwarding && forwarding->exit_code == 0 &&
        k8s::Lines(forwarding->out) == std::vector<std::string>{"0"}) {
      report->problems.push_back(
          {"this machine does not forward IPv4 (net.ipv4.ip_forward is 0): traffic between the "
           "clusters would stop at the router",
           "sysctl -w net.ipv4.ip_forward=1", true});
    }
    // A router up started already holds its port: that is no problem on a resumed up.
    if (!report->Ok()) return Fail(report->ToError(placement_));
    std::vector<std::string> parts;
    for (const auto& [cluster, address] : report->cluster_address) {
      placed.cluster_address[cluster] = address.ToString();
      parts.push_back(fmt::format("{} peers with {}", cluster, address.ToString()));
    }
    placed.line = fmt::format("on this machine ({}); {} nodes reachable", fmt::join(parts, ", "),
                              report->nodes.size());
    const auto notes = report->Format();
    if (!notes.empty()) placed.line += "; note:\n" + notes;
    return placed;
  }
  if (placement_.addresses.empty()) {
    return Fail(Error::Usage(fmt::format(
        "--router {}: the router's address is not known from the Docker host's URL; give it "
        "as container:DOCKER_HOST,ADDR",
        o_.router)));
  }
  const auto address = placement_.addresses.front().ToString();
  for (const auto& c : s_.clusters) placed.cluster_address[c.name] = address;
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
