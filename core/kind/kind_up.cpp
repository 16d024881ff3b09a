// The kind provider's up and down: the steps of core/kind/kind.h, each checking what
// exists before it acts and recording what it creates.
#include "core/kind/kind.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <future>
#include <sstream>
#include <thread>

#include "core/cilium_model.h"
#include "core/files.h"
#include "core/kind/internal.h"
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
using detail::ScenarioOf;

// The steps share the options, the state (saved after every change) and the scenario.
class Up {
 public:
  Up(const KindUpOptions& o, KindState& st, Scenario& s) : o_(o), st_(st), s_(s) {}

  Result<void, std::string> Save() { return WriteKindState(o_.state_dir, st_); }

  Result<std::string, std::string> Tool(const std::vector<std::string>& argv,
                                        const std::string& hint,
                                        std::map<std::string, std::string> extra = {},
                                        std::chrono::milliseconds timeout = std::chrono::minutes(15)) {
    ToolRun run{o_.env, timeout};
    for (auto& [k, v] : extra) run.env[k] = v;
    return RunTool(argv, run, hint);
  }

  Result<std::string, std::string> Preflight() {
    std::vector<std::string> problems;
    std::vector<std::string> found;
    for (const auto& t : CheckTools(o_.env)) {
      if (t.ok) {
        found.push_back(fmt::format("{} {}", t.name, t.version));
      } else {
        problems.push_back(fmt::format("{}: {} (needs {} or later; {})", t.name, t.problem,
                                       t.minimum, t.install));
      }
    }
    if (!problems.empty()) {
      return Fail(fmt::format("missing or unusable tools, nothing was created:\n  {}",
                              fmt::join(problems, "\n  ")));
    }
    return fmt::format("{}", fmt::join(found, ", "));
  }

  Result<std::string, std::string> Networks() {
    std::vector<std::string> made, reused;
    for (auto& n : s_.networks) {
      auto inspect = RunProcess({"docker", "network", "inspect", n.name}, {.env_add = o_.env});
      if (!inspect) return Fail(inspect.error());
      if (inspect->exit_code != 0) {
        std::vector<std::string> argv{"docker", "network", "create", "--driver", "bridge"};
        if (!n.subnet.empty()) argv.insert(argv.end(), {"--subnet", n.subnet});
        argv.insert(argv.end(), {"--opt", "com.docker.network.bridge.enable_ip_masquerade=true",
                                 "--attachable", "--label", kOwnerLabel, n.name});
        st_.networks.push_back(n.name);
        if (auto s = Save(); !s) return Fail(s.error());
        auto r = Tool(argv, "another Docker network may use the subnet: docker network ls; "
                            "change the scenario's subnet or remove that network");
        if (!r) {
          st_.networks.pop_back();
          (void)Save();
          return Fail(r.error());
        }
        made.push_back(n.name);
        inspect = RunProcess({"docker", "network", "inspect", n.name}, {.env_add = o_.env});
        if (!inspect || inspect->exit_code != 0) return Fail("docker network inspect " + n.name + " failed");
      } else {
        reused.push_back(n.name);
      }
      auto j = ParseJson(inspect->out, "docker network inspect");
      if (!j) return Fail(j.error());
      std::string subnet;
      for (const auto& c : (*j)[0]["IPAM"].value("Config", json::array())) {
        if (c.value("Subnet", "").find(':') == std::string::npos) subnet = c.value("Subnet", "");
      }
      if (subnet.empty()) return Fail(fmt::format("Docker network {} has no IPv4 subnet", n.name));
      if (!n.subnet.empty() && subnet != n.subnet) {
        return Fail(fmt::format("Docker network {} exists with subnet {}, the scenario says {}; "
                                "remove it (docker network rm {}) or change the scenario",
                                n.name, subnet, n.subnet, n.name));
      }
      n.subnet = subnet;
      st_.subnets[n.name] = subnet;
    }
    if (auto s = Save(); !s) return Fail(s.error());
    return fmt::format("created [{}], existing [{}]", fmt::join(made, ", "), fmt::join(reused, ", "));
  }

  Result<std::string, std::string> Clusters(const RenderResult& files) {
    auto existing = Tool({"kind", "get", "clusters"}, "");
    if (!existing) return Fail(existing.error());
    std::vector<std::string> have;
    std::istringstream lines(*existing);
    for (std::string l; std::getline(lines, l);) {
      if (!l.empty()) have.push_back(l);
    }
    std::vector<std::future<Result<std::string, std::string>>> jobs;
    std::vector<std::string> made, reused;
    for (const auto& c : s_.clusters) {
      if (std::find(have.begin(), have.end(), c.name) != have.end()) {
        reused.push_back(c.name);
        continue;
      }
      if (std::find(st_.clusters.begin(), st_.clusters.end(), c.name) == st_.clusters.end()) {
        st_.clusters.push_back(c.name);  // kind removes a cluster it failed to create
      }
      const auto config = WrittenPath(files, c.name, FileKind::kKindConfig);
      made.push_back(c.name);
      jobs.push_back(std::async(std::launch::async, [this, c, config] {
        return Tool({"kind", "create", "cluster", "--name", c.name, "--config", config},
                    "kind needs its node image (kindest/node) and a working Docker; `kind "
                    "create cluster` alone shows the same error",
                    {{"KIND_EXPERIMENTAL_DOCKER_NETWORK", c.network}});
      }));
    }
    if (auto s = Save(); !s) return Fail(s.error());
    std::vector<std::string> errors;
    for (auto& j : jobs) {
      if (auto r = j.get(); !r) errors.push_back(r.error());
    }
    if (!errors.empty()) return Fail(fmt::format("{}", fmt::join(errors, "\n")));
    return fmt::format("created [{}], existing [{}]", fmt::join(made, ", "), fmt::join(reused, ", "));
  }

  Result<std::string, std::string> Image() {
    if (o_.router_image.empty()) {
      st_.router_image = fmt::format("bgpdemo-router:{}", o_.version);
    } else {
      st_.router_image = o_.router_image;
    }
    auto inspect = RunProcess({"docker", "image", "inspect", st_.router_image}, {.env_add = o_.env});
    if (!inspect) return Fail(inspect.error());
    if (inspect->exit_code == 0) return fmt::format("{} is there", st_.router_image);
    if (!o_.router_image.empty()) {
      return Fail(fmt::format("--router-image {}: no such image here; build or load it first "
                              "(docker images), or leave the flag out to build it",
                              o_.router_image));
    }
    const auto dockerfile = o_.dockerfile_dir + "/Dockerfile";
    if (!std::filesystem::exists(dockerfile)) {
      return Fail(fmt::format("no Dockerfile at {} to build {} from; give --dockerfile-dir (the "
                              "bgpdemo repository) or --router-image",
                              dockerfile, st_.router_image));
    }
    // --force-rm: the classic builder keeps a failed step's container otherwise.
    auto r = Tool({"docker", "build", "--force-rm", "-t", st_.router_image, "--build-arg",
                   "BASE_IMAGE=" + o_.base_image, "-f", dockerfile, o_.dockerfile_dir},
                  fmt::format("the build needs the base image {} and Debian's package archive; "
                              "`docker build {}` alone shows the same error",
                              o_.base_image, o_.dockerfile_dir),
                  {}, std::chrono::minutes(60));
    if (!r) return Fail(r.error());
    st_.image_built = true;
    if (auto s = Save(); !s) return Fail(s.error());
    return fmt::format("{} built from {}", st_.router_image, dockerfile);
  }

  Result<std::string, std::string> Router(const RenderResult& files) {
    const auto& name = s_.router.name;
    auto inspect = RunProcess({"docker", "container", "inspect", name}, {.env_add = o_.env});
    if (!inspect) return Fail(inspect.error());
    if (inspect->exit_code == 0) {
      auto j = ParseJson(inspect->out, "docker inspect");
      if (!j) return Fail(j.error());
      const auto labels = (*j)[0]["Config"].value("Labels", json::object());
      if (!labels.is_object() || labels.value("io.bgpdemo.owner", "") != "bgpdemo") {
        return Fail(fmt::format("a container named {} exists that bgpdemo did not create; "
                                "remove or rename it",
                                name));
      }
      if (!(*j)[0]["State"].value("Running", false)) {
        if (auto r = Tool({"docker", "start", name}, ""); !r) return Fail(r.error());
      }
    } else {
      const auto config_dir = std::filesystem::absolute(FilesDir(o_.state_dir) + "/router").string();
      (void)files;
      st_.router_container = true;
      if (auto s = Save(); !s) return Fail(s.error());
      auto r = Tool({"docker", "run", "-d", "--name", name, "--hostname", name, "--network",
                     s_.networks.front().name, "--cap-add", "NET_ADMIN", "--sysctl",
                     "net.ipv4.ip_forward=1", "--label", kOwnerLabel, "-v",
                     config_dir + ":/etc/bgpdemo:ro", st_.router_image, "router", "--config",
                     "/etc/bgpdemo/router.yaml"},
                    "");
      if (!r) return Fail(r.error());
    }
    auto again = Tool({"docker", "container", "inspect", name}, "");
    if (!again) return Fail(again.error());
    auto j = ParseJson(*again, "docker inspect");
    if (!j) return Fail(j.error());
    for (const auto& n : s_.networks) {
      if (!(*j)[0]["NetworkSettings"]["Networks"].contains(n.name)) {
        if (auto r = Tool({"docker", "network", "connect", n.name, name}, ""); !r) return Fail(r.error());
      }
    }
    again = Tool({"docker", "container", "inspect", name}, "");
    if (!again) return Fail(again.error());
    j = ParseJson(*again, "docker inspect");
    if (!j) return Fail(j.error());
    std::vector<std::string> shown;
    for (const auto& n : s_.networks) {
      const auto ip = (*j)[0]["NetworkSettings"]["Networks"][n.name].value("IPAddress", "");
      if (ip.empty()) return Fail(fmt::format("{} has no address on network {}", name, n.name));
      st_.router_addresses[n.name] = ip;
      shown.push_back(fmt::format("{}={}", n.name, ip));
    }
    if (auto s = Save(); !s) return Fail(s.error());
    return fmt::format("{} ({}) on {}", name, st_.router_image, fmt::join(shown, ", "));
  }

  Result<std::string, std::string> Cilium(const RenderResult& files) {
    if (auto r = Tool({"helm", "repo", "add", "cilium", "https://helm.cilium.io/", "--force-update"},
                      "helm needs to reach https://helm.cilium.io/");
        !r) {
      return Fail(r.error());
    }
    std::vector<std::future<Result<std::string, std::string>>> jobs;
    for (const auto& c : s_.clusters) {
      const auto values = WrittenPath(files, c.name, FileKind::kHelmValues);
      jobs.push_back(std::async(std::launch::async, [this, c, values]() -> Result<std::string, std::string> {
        auto r = Tool({"helm", "upgrade", "--install", "cilium", "cilium/cilium", "--version",
                       s_.cilium_version, "--namespace", "kube-system", "--kube-context",
                       Context(c.name), "-f", values, "--wait", "--timeout", "10m"},
                      fmt::format("see the Cilium pods: kubectl --context {} -n kube-system get "
                                  "pods -l k8s-app=cilium",
                                  Context(c.name)));
        if (!r) return r;
        return Tool({"cilium", "status", "--wait", "--wait-duration", "5m", "--context",
                     Context(c.name)},
                    fmt::format("cilium status --context {} shows what is not ready", Context(c.name)));
      }));
    }
    std::vector<std::string> errors;
    for (auto& j : jobs) {
      if (auto r = j.get(); !r) errors.push_back(r.error());
    }
    if (!errors.empty()) return Fail(fmt::format("{}", fmt::join(errors, "\n")));
    return fmt::format("Cilium {} ready in {} clusters", s_.cilium_version, s_.clusters.size());
  }

  Result<std::string, std::string> Apply(const RenderResult& files, const std::string& file_name,
                                         bool optional = false) {
    std::size_t n = 0;
    for (const auto& c : s_.clusters) {
      const auto path = WrittenPathByName(files, c.name, file_name);
      if (path.empty()) {
        if (optional) continue;
        return Fail(fmt::format("no {} was rendered for cluster {}", file_name, c.name));
      }
      if (auto r = Tool({"kubectl", "--context", Context(c.name), "apply", "-f", path}, "");
          !r) {
        return Fail(r.error());
      }
      ++n;
    }
    return fmt::format("{} applied in {} clusters", file_name, n);
  }

  Result<std::string, std::string> Nginx(const RenderResult& files) {
    auto a = Apply(files, "nginx.yaml");
    if (!a) return a;
    for (const auto& c : s_.clusters) {
      auto r = Tool({"kubectl", "--context", Context(c.name), "rollout", "status",
                     "deployment/nginx", fmt::format("--timeout={}s", o_.timeout.count())},
                    fmt::format("kubectl --context {} get pods shows why (image pull, scheduling)",
                                Context(c.name)));
      if (!r) return Fail(r.error());
    }
    return fmt::format("nginx rolled out in {} clusters", s_.clusters.size());
  }

  Result<std::string, std::string> LoadBalancers(const RenderResult& files) {
    auto a = Apply(files, "lb-ippool.yaml");
    if (!a) return a;
    std::vector<std::string> ips;
    for (const auto& c : s_.clusters) {
      const auto until = Clock::now() + o_.timeout;
      std::string ip;
      while (ip.empty()) {
        auto r = Tool({"kubectl", "--context", Context(c.name), "get", "service", "nginx", "-o", "json"}, "");
        if (!r) return Fail(r.error());
        auto j = ParseJson(*r, "kubectl get service");
        if (!j) return Fail(j.error());
        const auto ingress = j->value("status", json::object())
                                 .value("loadBalancer", json::object())
                                 .value("ingress", json::array());
        if (!ingress.empty()) ip = ingress[0].value("ip", "");
        if (!ip.empty()) break;
        if (Clock::now() > until) {
          return Fail(fmt::format(
              "the LoadBalancer IP of service nginx in cluster {} never came ({} s)\n  hint: "
              "kubectl --context {} get ciliumloadbalancerippools, and check Cilium runs",
              c.name, o_.timeout.count(), Context(c.name)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
      ips.push_back(fmt::format("{} {}", c.name, ip));
    }
    return fmt::format("{}", fmt::join(ips, ", "));
  }

  Result<std::string, std::string> Annotate(const RenderResult& files) {
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

  Result<std::string, std::string> Bgp(const RenderResult& files) {
    std::size_t n = 0;
    for (const auto& c : s_.clusters) {
      for (const auto& f : files.files) {
        if (f.cluster != c.name || f.kind != FileKind::kManifest) continue;
        const auto base = std::filesystem::path(f.path).filename().string();
        if (!base.starts_with("bgp-")) continue;
        if (auto r = Tool({"kubectl", "--context", Context(c.name), "apply", "-f",
                           WrittenPathByName(files, c.name, base)},
                          "");
            !r) {
          return Fail(r.error());
        }
        ++n;
      }
    }
    return fmt::format("{} BGP files applied (Cilium {}, BGP API {})", n, s_.cilium_version,
                       ToString(s_.Api()));
  }

  Result<std::string, std::string> Routes(const RenderResult& files) {
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

  Result<std::string, std::string> WriteFiles(const RenderResult& files) {
    for (const auto& f : files.files) {
      const auto path = std::filesystem::path(FilesDir(o_.state_dir)) / f.path;
      std::error_code ec;
      std::filesystem::create_directories(path.parent_path(), ec);
      if (auto r = WriteFileAtomic(path.string(), f.content, 0644); !r) return Fail(r.error());
    }
    return fmt::format("{} files in {}", files.files.size(), FilesDir(o_.state_dir));
  }

  std::string WrittenPath(const RenderResult& files, const std::string& cluster, FileKind kind) {
    for (const auto& f : files.files) {
      if (f.cluster == cluster && f.kind == kind) {
        return std::filesystem::absolute(std::filesystem::path(FilesDir(o_.state_dir)) / f.path).string();
      }
    }
    return "";
  }
  std::string WrittenPathByName(const RenderResult& files, const std::string& cluster,
                                const std::string& name) {
    for (const auto& f : files.files) {
      if (f.cluster == cluster && std::filesystem::path(f.path).filename() == name) {
        return std::filesystem::absolute(std::filesystem::path(FilesDir(o_.state_dir)) / f.path).string();
      }
    }
    return "";
  }

 private:
  const KindUpOptions& o_;
  KindState& st_;
  Scenario& s_;
};

}  // namespace

Result<KindUpResult, std::string> KindUp(const ScenarioText& text, const KindUpOptions& o,
                                         const StepSink& on_step) {
  const auto t0 = Clock::now();
  KindUpResult result;
  KindState st;
  if (auto old = ReadKindState(o.state_dir); old) {
    if (old->provider != "kind") {
      return Fail(fmt::format("a {} demo is up (state in {}); `bgpdemo down` first",
                              old->provider, o.state_dir));
    }
    st = std::move(*old);
    result.resumed = true;
  } else {
    st.scenario = text;
    st.started_at = std::time(nullptr);
  }
  auto scenario = ParseScenario(st.scenario.text, st.scenario.source, st.scenario.name);
  if (!scenario) return Fail(scenario.error());
  if (const auto errors = ValidateScenario(*scenario); !errors.empty()) {
    return Fail(FormatErrors(errors));
  }
  Scenario& s = *scenario;
  Up up(o, st, s);

  auto pre = TimedStep(on_step, "preflight", [&] { return up.Preflight(); });
  if (!pre) return Fail(pre.error());
  if (auto w = up.Save(); !w) return Fail(w.error());

  if (auto r = TimedStep(on_step, "networks", [&] { return up.Networks(); }); !r) return Fail(r.error());

  // Files whose content does not depend on the router's addresses (kind configs, Helm
  // values, the router's config) come first; the rest once the router runs.
  auto first = Render(s, {});
  if (!first) return Fail(first.error());
  if (auto r = up.WriteFiles(*first); !r) return Fail(r.error());

  if (auto r = TimedStep(on_step, "clusters", [&] { return up.Clusters(*first); }); !r) return Fail(r.error());
  if (auto r = TimedStep(on_step, "image", [&] { return up.Image(); }); !r) return Fail(r.error());
  if (auto r = TimedStep(on_step, "router", [&] { return up.Router(*first); }); !r) return Fail(r.error());

  RenderOptions ro;
  ro.router_addresses = st.router_addresses;
  auto files = Render(s, ro);
  if (!files) return Fail(files.error());
  if (auto r = TimedStep(on_step, "render", [&] { return up.WriteFiles(*files); }); !r) return Fail(r.error());

  if (auto r = TimedStep(on_step, "cilium", [&] { return up.Cilium(*files); }); !r) return Fail(r.error());
  if (auto r = TimedStep(on_step, "nginx", [&] { return up.Nginx(*files); }); !r) return Fail(r.error());
  if (auto r = TimedStep(on_step, "lb", [&] { return up.LoadBalancers(*files); }); !r) return Fail(r.error());
  if (s.Api() == BgpApi::kV1) {
    if (auto r = TimedStep(on_step, "annotate", [&] { return up.Annotate(*files); }); !r) return Fail(r.error());
  }
  if (auto r = TimedStep(on_step, "bgp", [&] { return up.Bgp(*files); }); !r) return Fail(r.error());
  if (auto r = TimedStep(on_step, "routes", [&] { return up.Routes(*files); }); !r) return Fail(r.error());

  auto demo = KindDemo::Open(o.state_dir, o.env);
  if (!demo) return Fail(demo.error());
  auto sessions = TimedStep(on_step, "sessions", [&]() -> Result<std::string, std::string> {
    const auto until = Clock::now() + o.timeout;
    while (true) {
      auto topology = demo->GetTopology();
      if (topology) {
        const auto waiting = SessionsNotEstablished(*topology, demo->Observe());
        std::size_t speakers = 0;
        for (const auto& n : topology->nodes) speakers += n.speaker ? 1 : 0;
        if (waiting.empty()) {
          result.sessions = speakers;
          return fmt::format("{} of {} Established, from both sides", speakers, speakers);
        }
        if (Clock::now() > until) {
          return Fail(fmt::format("{} of {} sessions are not Established after {} s:\n  {}",
                                  waiting.size(), speakers, o.timeout.count(),
                                  fmt::join(waiting, "\n  ")));
        }
      } else if (Clock::now() > until) {
        return Fail(topology.error());
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  });
  if (!sessions) return Fail(sessions.error());
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

Result<KindDownReport, std::string> KindDown(const std::string& state_dir,
                                             const std::map<std::string, std::string>& env,
                                             const StepSink& on_step) {
  KindDownReport report;
  auto st = ReadKindState(state_dir);
  if (!st) return report;
  report.had_state = true;
  auto scenario = ScenarioOf(*st);
  const std::string router = scenario ? scenario->router.name : kRouterContainer;
  const ToolRun run{env, std::chrono::minutes(5)};

  auto clusters = TimedStep(on_step, "clusters", [&]() -> Result<std::string, std::string> {
    std::vector<std::future<Result<std::string, std::string>>> jobs;
    for (const auto& c : st->clusters) {
      jobs.push_back(std::async(std::launch::async, [&run, c] {
        return RunTool({"kind", "delete", "cluster", "--name", c}, run, "");
      }));
    }
    std::vector<std::string> errors;
    for (auto& j : jobs) {
      if (auto r = j.get(); !r) errors.push_back(r.error());
    }
    if (!errors.empty()) return Fail(fmt::format("{}", fmt::join(errors, "\n")));
    for (const auto& c : st->clusters) report.removed.push_back("cluster " + c);
    return fmt::format("deleted [{}] with their kubeconfig contexts", fmt::join(st->clusters, ", "));
  });
  if (!clusters) return Fail(clusters.error());

  auto rm = TimedStep(on_step, "router", [&]() -> Result<std::string, std::string> {
    if (!st->router_container) return std::string("none was created");
    auto r = RunProcess({"docker", "rm", "-f", router}, {.env_add = env});
    if (!r) return Fail(r.error());
    if (r->exit_code != 0 && r->err.find("No such container") == std::string::npos) {
      return Fail(ToolFailure({"docker", "rm", "-f", router}, *r, ""));
    }
    report.removed.push_back("container " + router);
    return fmt::format("container {} removed (the image {} is kept)", router, st->router_image);
  });
  if (!rm) return Fail(rm.error());

  auto nets = TimedStep(on_step, "networks", [&]() -> Result<std::string, std::string> {
    for (const auto& n : st->networks) {
      auto r = RunProcess({"docker", "network", "rm", n}, {.env_add = env});
      if (!r) return Fail(r.error());
      if (r->exit_code != 0 && r->err.find("not found") == std::string::npos &&
          r->err.find("No such network") == std::string::npos) {
        return Fail(ToolFailure({"docker", "network", "rm", n}, *r,
                                "a container not made by bgpdemo may still use it"));
      }
      report.removed.push_back("network " + n);
    }
    return fmt::format("removed [{}]; networks bgpdemo did not create are kept",
                       fmt::join(st->networks, ", "));
  });
  if (!nets) return Fail(nets.error());

  auto files = TimedStep(on_step, "files", [&]() -> Result<std::string, std::string> {
    std::error_code ec;
    std::filesystem::remove_all(FilesDir(state_dir), ec);
    std::filesystem::remove(state_dir + "/state.json", ec);
    std::filesystem::remove(state_dir, ec);  // only when empty
    return fmt::format("the state in {} removed", state_dir);
  });
  if (!files) return Fail(files.error());
  return report;
}

}  // namespace bgpdemo::core::kind
