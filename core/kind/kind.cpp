#include "core/kind/kind.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/lab/cluster.h"
#include "core/lab/lab.h"
#include "core/lab/state.h"
#include "core/render.h"
#include "core/scenario_validate.h"

namespace bgpdemo::core::kind {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string Context(const std::string& cluster) { return "kind-" + cluster; }

std::string FilesDir(const std::string& dir) { return dir + "/files"; }

Result<json, std::string> ParseJson(const std::string& text, const std::string& what) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Fail(fmt::format("{} printed no JSON: {:?}", what, text.substr(0, 120)));
  return j;
}

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
      lab::Cluster k;
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
      if (auto r = lab::ApplyManifests(k, mine); !r) return Fail(r.error());
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
      if (auto r = lab::WriteFileAtomic(path.string(), f.content, 0644); !r) return Fail(r.error());
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

Result<void, std::string> WriteKindState(const std::string& dir, const KindState& s) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(fmt::format("{}: cannot create the state folder: {}", dir, ec.message()));
  const json j = {{"provider", s.provider},
                  {"scenario", {{"name", s.scenario.name}, {"source", s.scenario.source},
                                {"text", s.scenario.text}}},
                  {"started_at", s.started_at},
                  {"router_image", s.router_image},
                  {"created", {{"networks", s.networks}, {"clusters", s.clusters},
                               {"router_container", s.router_container},
                               {"image_built", s.image_built}}},
                  {"subnets", s.subnets},
                  {"router_addresses", s.router_addresses},
                  {"steps_done", s.steps_done}};
  return lab::WriteFileAtomic(dir + "/state.json", j.dump(2) + "\n", 0600);
}

Result<KindState, std::string> ReadKindState(const std::string& dir) {
  std::ifstream f(dir + "/state.json");
  if (!f) return Fail(fmt::format("no demo is up (no state in {}); start one with `bgpdemo up`", dir));
  json j = json::parse(f, nullptr, false);
  if (j.is_discarded()) return Fail(fmt::format("{}/state.json: not JSON", dir));
  try {
    KindState s;
    s.provider = j.value("provider", "kind");
    const auto& sc = j.at("scenario");
    s.scenario = {sc.at("text").get<std::string>(), sc.at("source").get<std::string>(),
                  sc.at("name").get<std::string>()};
    s.started_at = j.value("started_at", std::int64_t{0});
    s.router_image = j.value("router_image", "");
    const auto& c = j.at("created");
    s.networks = c.value("networks", std::vector<std::string>{});
    s.clusters = c.value("clusters", std::vector<std::string>{});
    s.router_container = c.value("router_container", false);
    s.image_built = c.value("image_built", false);
    s.subnets = j.value("subnets", std::map<std::string, std::string>{});
    s.router_addresses = j.value("router_addresses", std::map<std::string, std::string>{});
    s.steps_done = j.value("steps_done", std::vector<std::string>{});
    return s;
  } catch (const json::exception& e) {
    return Fail(fmt::format("{}/state.json: {}", dir, e.what()));
  }
}

Result<std::string, std::string> ProviderOf(const std::string& state_dir) {
  std::ifstream f(state_dir + "/state.json");
  if (!f) {
    return Fail(fmt::format("no demo is up (no state in {}); start one with `bgpdemo up`", state_dir));
  }
  json j = json::parse(f, nullptr, false);
  if (j.is_discarded()) return Fail(fmt::format("{}/state.json: not JSON", state_dir));
  return j.value("provider", "lab");
}

namespace {

Result<Scenario, std::string> ScenarioOf(const KindState& st) {
  auto s = ParseScenario(st.scenario.text, st.scenario.source, st.scenario.name);
  if (!s) return Fail(s.error());
  for (auto& n : s->networks) {
    if (const auto it = st.subnets.find(n.name); it != st.subnets.end()) n.subnet = it->second;
  }
  return s;
}

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
        const auto waiting = lab::SessionsNotEstablished(*topology, demo->Observe());
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

Result<KindDemo, std::string> KindDemo::Open(const std::string& state_dir,
                                             std::map<std::string, std::string> env) {
  auto st = ReadKindState(state_dir);
  if (!st) return Fail(st.error());
  auto s = ScenarioOf(*st);
  if (!s) return Fail(s.error());
  return KindDemo(state_dir, std::move(*st), std::move(*s), std::move(env));
}

Result<Topology, std::string> KindDemo::GetTopology() const {
  const ToolRun run{env_, std::chrono::seconds(30)};
  RenderOptions ro;
  ro.router_addresses = state_.router_addresses;
  auto files = Render(scenario_, ro);
  if (!files) return Fail(files.error());
  Topology t;
  t.router = scenario_.router.name;
  for (const auto& c : scenario_.clusters) {
    const auto ctx = Context(c.name);
    auto nodes = RunTool({"kubectl", "--context", ctx, "get", "nodes", "-o", "json"}, run, "");
    if (!nodes) return Fail(nodes.error());
    auto nj = ParseJson(*nodes, "kubectl get nodes");
    if (!nj) return Fail(nj.error());
    lab::Cluster k;
    k.name = c.name;
    for (const auto& item : nj->value("items", json::array())) {
      lab::Node n;
      // Named, not iterated as temporaries: items() keeps a reference to its object.
      const json meta = item.value("metadata", json::object());
      const json labels = meta.value("labels", json::object());
      const json annotations = meta.value("annotations", json::object());
      n.name = meta.value("name", "");
      for (const auto& [key, v] : labels.items()) {
        n.labels[key] = v.is_string() ? v.get<std::string>() : v.dump();
      }
      for (const auto& [key, v] : annotations.items()) {
        n.annotations[key] = v.is_string() ? v.get<std::string>() : v.dump();
      }
      n.pod_cidr = item.value("spec", json::object()).value("podCIDR", "");
      for (const auto& a : item.value("status", json::object()).value("addresses", json::array())) {
        if (a.value("type", "") == "InternalIP") n.address = a.value("address", "");
      }
      k.nodes.push_back(std::move(n));
    }
    std::vector<RenderedFile> mine;
    for (const auto& f : files->files) {
      if (f.cluster == c.name) mine.push_back(f);
    }
    // The services with their real addresses, not the pool's first one.
    if (auto r = lab::ApplyManifests(k, mine); !r) return Fail(r.error());
    for (auto& svc : k.services) {
      auto out = RunTool({"kubectl", "--context", ctx, "get", "service", svc.name, "-o", "json"}, run, "");
      svc.lb_ip.clear();
      if (!out) continue;
      auto sj = ParseJson(*out, "kubectl get service");
      if (!sj) continue;
      const auto ingress = sj->value("status", json::object())
                               .value("loadBalancer", json::object())
                               .value("ingress", json::array());
      if (!ingress.empty()) svc.lb_ip = ingress[0].value("ip", "");
    }
    auto speakers = lab::CiliumBgpSpeakers(k, mine);
    if (!speakers) return Fail(speakers.error());
    for (const auto& n : k.nodes) {
      const bool speaker = std::any_of(speakers->begin(), speakers->end(),
                                       [&](const lab::SpeakerConfig& s) { return s.node == n.name; });
      t.nodes.push_back({n.name, c.name, n.address, n.pod_cidr, speaker});
    }
    for (const auto& svc : k.services) {
      if (svc.lb_ip.empty()) continue;
      Topology::LoadBalancer lb{c.name, svc.name, svc.lb_ip, {}};
      for (const auto& sp : *speakers) {
        if (std::find(sp.prefixes.begin(), sp.prefixes.end(), svc.lb_ip + "/32") != sp.prefixes.end()) {
          lb.nodes.push_back(sp.node);
        }
      }
      t.load_balancers.push_back(std::move(lb));
    }
    std::string selector;
    for (const auto& [key, value] : c.nginx.labels) {
      selector += (selector.empty() ? "" : ",") + key + "=" + value;
    }
    auto pods = RunTool({"kubectl", "--context", ctx, "get", "pods", "-l", selector, "-o", "json"}, run, "");
    if (!pods) return Fail(pods.error());
    auto pj = ParseJson(*pods, "kubectl get pods");
    if (!pj) return Fail(pj.error());
    for (const auto& item : pj->value("items", json::array())) {
      t.pods.push_back({c.name, item.value("metadata", json::object()).value("name", ""),
                        item.value("spec", json::object()).value("nodeName", ""),
                        item.value("status", json::object()).value("podIP", "")});
    }
  }
  return t;
}

std::map<std::string, nlohmann::json> PeersFromCilium(const nlohmann::json& cilium) {
  std::map<std::string, json> out;
  if (!cilium.is_object()) return out;
  for (const auto& [node, peers] : cilium.items()) {
    json list = json::array();
    for (const auto& p : peers) {
      json fams = json::array();
      for (const auto& f : p.value("families", json::array())) {
        fams.push_back({{"family", f.value("afi", "") + "-" + f.value("safi", "")},
                        {"received", f.value("received", 0)},
                        {"accepted", f.value("accepted", 0)},
                        {"advertised", f.value("advertised", 0)}});
      }
      // The 1.14 agent prints the peer as ip:port.
      auto address = p.value("peer-address", "");
      if (const auto colon = address.rfind(':');
          colon != std::string::npos && address.find('.') != std::string::npos) {
        address.resize(colon);
      }
      list.push_back({{"address", address},
                      {"local_asn", p.value("local-asn", 0)},
                      {"peer_asn", p.value("peer-asn", 0)},
                      {"state", p.value("session-state", "unknown")},
                      {"uptime_seconds", p.value("uptime-nanoseconds", std::int64_t{0}) / 1000000000},
                      {"families", fams},
                      {"last_error", ""}});
    }
    out[node] = std::move(list);
  }
  return out;
}

Observed KindDemo::Observe() const {
  const ToolRun run{env_, std::chrono::seconds(20)};
  const auto& router = scenario_.router.name;
  auto exec_json = [&](std::vector<std::string> argv, const std::string& what) -> Result<json, std::string> {
    auto out = RunTool(argv, run, "");
    if (!out) return Fail(out.error());
    return ParseJson(*out, what);
  };
  auto peers = std::async(std::launch::async, [&] {
    return exec_json({"docker", "exec", router, "bgpdemo", "router", "peers", "-o", "json"},
                     "bgpdemo router peers");
  });
  auto routes = std::async(std::launch::async, [&] {
    return exec_json({"docker", "exec", router, "bgpdemo", "router", "routes", "-o", "json"},
                     "bgpdemo router routes");
  });
  auto kernel = std::async(std::launch::async, [&]() -> Result<std::vector<KernelRoute>, std::string> {
    auto out = RunTool({"docker", "exec", router, "ip", "-j", "route", "show", "proto", "197"}, run, "");
    if (!out) return Fail(out.error());
    return ParseIpRouteJson(out->empty() ? "[]" : *out);
  });
  std::vector<std::pair<std::string, std::future<Result<json, std::string>>>> clusters;
  for (const auto& c : scenario_.clusters) {
    clusters.emplace_back(c.name, std::async(std::launch::async, [&, c] {
      return exec_json({"cilium", "bgp", "peers", "-o", "json", "--context", Context(c.name)},
                       "cilium bgp peers");
    }));
  }
  Observed o;
  o.router_peers = peers.get();
  o.router_routes = routes.get();
  o.kernel = kernel.get();
  for (auto& [cluster, f] : clusters) {
    auto r = f.get();
    if (!r) {
      // Every node of the cluster shares the error.
      for (const auto& c : scenario_.clusters) {
        if (c.name != cluster) continue;
        o.node_peers.insert_or_assign(cluster + "-control-plane", Fail(r.error()));
      }
      continue;
    }
    for (auto& [node, list] : PeersFromCilium(*r)) o.node_peers.insert_or_assign(node, std::move(list));
  }
  return o;
}

Result<HttpResult, std::string> ParseCurl(const std::string& out, double seconds) {
  const auto nl = out.rfind('\n');
  const auto code_text = nl == std::string::npos ? out : out.substr(nl + 1);
  int code = 0;
  try {
    code = std::stoi(code_text);
  } catch (const std::exception&) {
    return Fail(fmt::format("curl printed no status code: {:?}", out.substr(0, 80)));
  }
  return HttpResult{code, nl == std::string::npos ? "" : out.substr(0, nl), seconds};
}

Result<HttpResult, std::string> KindDemo::Probe(const std::string& from, const std::string& ip,
                                                std::uint16_t port) const {
  const auto url = fmt::format("http://{}:{}/", ip, port);
  std::vector<std::string> argv;
  if (from == "router") {
    argv = {"docker", "exec", scenario_.router.name};
  } else {
    const auto slash = from.find('/');
    if (slash == std::string::npos) return Fail(fmt::format("no pod {} in this demo", from));
    argv = {"kubectl", "--context", Context(from.substr(0, slash)), "exec", from.substr(slash + 1), "--"};
  }
  argv.insert(argv.end(), {"curl", "-s", "-m", "2", "-w", "\n%{http_code}", url});
  const auto t0 = Clock::now();
  auto r = RunProcess(argv, {.timeout = std::chrono::seconds(20), .env_add = env_});
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!r) return Fail(r.error());
  if (r->exit_code != 0) {
    return Fail(fmt::format("curl {} from {} exited with {}{}", url, from, r->exit_code,
                            r->exit_code == 28 ? " (timed out after 2 s)"
                            : r->exit_code == 7 ? " (connection refused)"
                                                : ""));
  }
  return ParseCurl(r->out, seconds);
}

}  // namespace bgpdemo::core::kind
