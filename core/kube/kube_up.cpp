// The kube provider's up: the steps of core/kube/kube.h in order. Everything that reads the
// clusters and this machine comes before anything is applied or started; what is applied is
// recorded in the state at once, so `down` removes exactly that and `up` again resumes.
#include <fmt/format.h>

#include <ctime>
#include <future>

#include "core/host_router_check.h"
#include "core/k8s/apply_steps.h"
#include "core/k8s/helm_release.h"
#include "core/k8s/long_steps.h"
#include "core/k8s/output.h"
#include "core/k8s/sessions.h"
#include "core/k8s/tools.h"
#include "core/kube/access.h"
#include "core/kube/discover.h"
#include "core/kube/kube.h"
#include "core/kube/kube_demo.h"
#include "core/kube/router_site.h"
#include "core/render.h"
#include "core/scenario_validate.h"

namespace bgpdemo::core::kube {

namespace {

using Clock = std::chrono::steady_clock;

// What one cluster is, read before anything is applied.
struct ClusterFacts {
  std::vector<NodeFacts> nodes;
  CiliumFacts cilium;
  std::vector<Problem> problems;
  std::vector<Access> denied;
};

class Up : public KubeClusters {
 public:
  Up(const KubeUpOptions& o, KubeState& st, Scenario& s)
      : KubeClusters(k8s::ToolRun{o.env, std::chrono::minutes(15), o.runner}, st.contexts),
        o_(o),
        st_(st),
        s_(s) {}

  StepSink sink;

  Result<void, Error> Save() { return WriteKubeState(o_.state_dir, st_); }

  // Where the clusters' files are written, inside the state folder.
  k8s::WrittenFiles Written(const RenderResult& files) const {
    return {files, o_.state_dir + "/files"};
  }

  Result<std::string, Error> Preflight() {
    std::vector<std::string> tools{"kubectl", "helm", "cilium"};
    auto env = o_.env;
    if (site_.NeedsDocker()) {
      tools.insert(tools.begin(), "docker");
      env["DOCKER_HOST"] = site_.DockerHost();  // the daemon the router will run on
    }
    auto verdict = k8s::PreflightVerdict(k8s::CheckTools(env, *o_.runner, tools));
    if (!verdict) return Fail(Error::Environment(verdict.error().message()));
    return verdict;
  }

  // Each context answers, has the rights up needs, runs a Cilium the demo can use, and
  // agrees with the scenario; every problem of every cluster in one error.
  Result<std::string, Error> Clusters() {
    std::vector<std::future<Result<ClusterFacts, Error>>> reads;
    for (std::size_t i = 0; i < s_.clusters.size(); ++i) {
      reads.push_back(std::async(std::launch::async, [this, i] { return Read(i); }));
    }
    std::vector<std::string> problems;
    std::vector<Error> errors;
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < s_.clusters.size(); ++i) {
      const auto& c = s_.clusters[i];
      auto r = reads[i].get();
      if (!r) {
        errors.push_back(std::move(r).error());
        continue;
      }
      std::vector<Problem> all = r->problems;
      if (!r->denied.empty()) {
        all.push_back({DescribeDenied(Context(c.name), r->denied), "see above"});
      }
      if (!all.empty()) problems.push_back(FormatProblems(c.name, Context(c.name), all));
      lines.push_back(fmt::format(
          "{} ({}): {} nodes, {}", c.name, Context(c.name), r->nodes.size(),
          r->cilium.present
              ? fmt::format("Cilium {}",
                            r->cilium.version.empty() ? "of unknown version" : r->cilium.version)
              : "no Cilium (up installs it)"));
      facts_[c.name] = std::move(*r);
    }
    if (!errors.empty()) return Fail(k8s::JoinErrors(std::move(errors)));
    if (!problems.empty()) {
      return Fail(Error::Environment(
          fmt::format("the clusters cannot take the demo as they are; nothing was applied:\n{}",
                      fmt::join(problems, "\n"))));
    }
    return fmt::format("{}", fmt::join(lines, "; "));
  }

  Result<std::string, Error> Router(const Scenario& planned) {
    // Every node at each of its addresses (a dual-stack node twice); the router's neighbor
    // ranges come from the sessions' family.
    std::vector<RouterNode> nodes;
    std::map<std::string, std::vector<std::string>> addresses;
    std::map<std::string, std::vector<std::string>> names;
    for (const auto& c : s_.clusters) {
      for (const auto& n : facts_.at(c.name).nodes) {
        for (const auto* text : {&n.address, &n.address_v6}) {
          if (auto a = bgp::wire::IpAddress::Parse(*text)) nodes.push_back({c.name, n.name, *a});
        }
        const auto& session = s_.HasIpv4() ? n.address : n.address_v6;
        if (!session.empty()) addresses[c.network].push_back(session);
        names[c.name].push_back(n.name);
      }
    }
    auto placed = site_.Place(nodes);
    if (!placed) return Fail(placed.error());
    for (const auto& c : s_.clusters) {
      for (auto [from, to] : {std::pair{&placed->cluster_address, &st_.router_addresses},
                              std::pair{&placed->cluster_address_v6, &st_.router_addresses_v6}}) {
        if (const auto it = from->find(c.name); it != from->end()) (*to)[c.network] = it->second;
      }
    }
    cluster_nodes_ = std::move(names);
    node_addresses_ = std::move(addresses);
    if (auto w = Save(); !w) return Fail(w.error());
    // The router's config, rendered now that its addresses are known; then it starts.
    auto files = Render(planned, RenderFor());
    if (!files) return Fail(files.error());
    if (auto w = k8s::WriteFiles(Written(*files)); !w) return Fail(w.error());
    auto started = site_.Start(*files);
    if (!started) return Fail(started.error());
    if (started->started) {
      st_.router_started = true;
      if (auto w = Save(); !w) return Fail(w.error());
    }
    return placed->line + "; " + started->line;
  }

  RenderOptions RenderFor() const {
    RenderOptions ro;
    ro.router_addresses = st_.router_addresses;
    ro.router_addresses_v6 = st_.router_addresses_v6;
    ro.node_addresses = node_addresses_;
    ro.cluster_nodes = cluster_nodes_;
    ro.router_listen_addresses = site_.ListenAddresses();
    if (o_.static_routes) {
      RoutesDaemonSetOptions routes;
      if (!o_.routes_image.empty()) routes.image = o_.routes_image;
      ro.routes_daemonset = routes;
    }
    return ro;
  }

  // Cilium installed where there is none, or everywhere with --manage-cilium.
  Result<std::string, Error> Cilium(const RenderResult& files) {
    std::map<std::string, std::string> values;
    std::vector<std::string> kept;
    for (const auto& c : s_.clusters) {
      if (facts_.at(c.name).cilium.present && !o_.manage_cilium) {
        kept.push_back(c.name);
        continue;
      }
      values[c.name] = Written(files).Path(c.name, FileKind::kHelmValues);
      // Recorded before Helm runs: a Helm killed half-way leaves a release down must remove.
      if (!facts_.at(c.name).cilium.present &&
          std::find(st_.cilium_installed.begin(), st_.cilium_installed.end(), c.name) ==
              st_.cilium_installed.end()) {
        st_.cilium_installed.push_back(c.name);
      }
    }
    std::vector<std::string> notes;
    k8s::LongStepOptions lo;
    for (const auto& [cluster, path] : values) {
      // A Cilium that --manage-cilium changes: the revision down rolls back to.
      if (facts_.at(cluster).cilium.present && st_.cilium_revision_before.count(cluster) == 0) {
        auto revision = HelmRevision(cluster);
        if (!revision) return Fail(revision.error());
        if (*revision > 0) st_.cilium_revision_before[cluster] = *revision;
      }
      // Cilium reaches the API server without kube-proxy: where this machine does.
      auto server = ApiServer(cluster);
      if (!server) return Fail(server.error());
      if (server->second.empty()) {
        notes.push_back(
            fmt::format("{}: the API server is at {} for this machine only; Cilium "
                        "keeps the rendered k8sServiceHost",
                        cluster, server->first));
      } else {
        lo.cluster_helm_sets[cluster] = {"k8sServiceHost=" + server->first,
                                         "k8sServicePort=" + server->second};
      }
    }
    if (auto w = Save(); !w) return Fail(w.error());
    std::string line;
    if (!values.empty()) {
      lo.helm_timeout = o_.helm_timeout;
      lo.cilium_timeout = o_.cilium_timeout;
      lo.rollout_timeout = o_.rollout_timeout;
      auto r = k8s::InstallCilium(*this, s_, values, lo, sink);
      if (!r) return r;
      line = *r;
    }
    for (const auto& n : notes) line += "; " + n;
    if (!kept.empty()) {
      line += fmt::format("{}the Cilium running in {} is used as it is", line.empty() ? "" : "; ",
                          fmt::join(kept, ", "));
    }
    return line;
  }

  // `kubectl apply` of the file `name` in every cluster, recorded first.
  Result<std::string, Error> Apply(const RenderResult& files, const std::string& name) {
    if (auto w = Record(files, name); !w) return Fail(w.error());
    return k8s::ApplyInClusters(*this, s_, Written(files), name, o_.crd_timeout, true);
  }

  Result<std::string, Error> Nginx(const RenderResult& files) {
    k8s::LongStepOptions lo;
    lo.rollout_timeout = o_.rollout_timeout;
    return k8s::RolloutNginx(
        *this, s_, [&] { return Apply(files, "nginx.yaml"); }, lo, sink);
  }

  Result<std::string, Error> LoadBalancers(const RenderResult& files) {
    if (auto w = Record(files, "lb-ippool.yaml"); !w) return Fail(w.error());
    return k8s::LoadBalancers(*this, s_, Written(files), o_.crd_timeout, o_.timeout);
  }

  Result<std::string, Error> Annotate(const RenderResult& files) {
    for (const auto& c : s_.clusters) {
      auto nodes = Nodes(c.name);
      if (!nodes) return Fail(nodes.error());
      for (const auto& n : *nodes) {
        const auto key = fmt::format("cilium.io/bgp-virtual-router.{}", c.as);
        RecordOnce(st_.annotated[c.name], n + " " + key);
      }
    }
    if (auto w = Save(); !w) return Fail(w.error());
    return k8s::AnnotateNodes(*this, s_, files);
  }

  Result<std::string, Error> Bgp(const RenderResult& files) {
    for (const auto& f : files.files) {
      const auto base = std::filesystem::path(f.path).filename().string();
      if (f.kind == FileKind::kManifest && base.starts_with("bgp-")) {
        RecordOnce(st_.applied[f.cluster], f.path);
      }
    }
    if (auto w = Save(); !w) return Fail(w.error());
    return k8s::ApplyBgp(*this, s_, Written(files), o_.crd_timeout);
  }

  Result<std::string, Error> Routes(const RenderResult& files) {
    if (!o_.static_routes) {
      return std::string("--no-static-routes: your network routes between the clusters");
    }
    auto r = Apply(files, kRoutesDaemonSetFile);
    if (!r) return r;
    for (const auto& c : s_.clusters) {
      if (auto ro = Tool({"kubectl", "--context", Context(c.name), "-n", "kube-system", "rollout",
                          "status", "daemonset/bgpdemo-routes",
                          fmt::format("--timeout={}s", o_.rollout_timeout.count())},
                         fmt::format("kubectl --context {} -n kube-system get pods -l "
                                     "app.kubernetes.io/name=bgpdemo-routes shows why",
                                     Context(c.name)));
          !ro) {
        return Fail(ro.error());
      }
    }
    return fmt::format(
        "DaemonSet bgpdemo-routes keeps the routes to the other clusters on every "
        "node of {} clusters",
        s_.clusters.size());
  }

 private:
  Result<ClusterFacts, Error> Read(std::size_t i) {
    const auto& c = s_.clusters[i];
    const auto context = Context(c.name);
    ClusterFacts f;
    auto nodes = Tool({"kubectl", "--context", context, "get", "nodes", "-o", "json"},
                      fmt::format("is context {} right, and does its API server answer? kubectl "
                                  "config get-contexts lists the contexts",
                                  context));
    if (!nodes) return Fail(nodes.error());
    auto parsed = ParseNodes(*nodes);
    if (!parsed) return Fail(parsed.error());
    f.nodes = std::move(*parsed);
    auto optional_get = [&](std::vector<std::string> argv) -> Result<std::string, Error> {
      auto r = Ask(argv);
      if (!r) return Fail(r.error());
      if (r->exit_code == 0) return r->out;
      if (r->err.find("(NotFound)") != std::string::npos) return std::string();
      return Fail(k8s::ToolError(argv, *r, ""));
    };
    auto cm = optional_get({"kubectl", "--context", context, "-n", "kube-system", "get",
                            "configmap", "cilium-config", "-o", "json"});
    if (!cm) return Fail(cm.error());
    auto ds = optional_get({"kubectl", "--context", context, "-n", "kube-system", "get",
                            "daemonset", "cilium", "-o", "json"});
    if (!ds) return Fail(ds.error());
    auto cilium = ParseCilium(*cm, *ds);
    if (!cilium) return Fail(cilium.error());
    f.cilium = *cilium;
    f.problems = ClusterProblems(s_, i, f.nodes, f.cilium, o_.manage_cilium);
    auto denied = Denied(*this, c.name,
                         NeededAccess(s_, o_.static_routes, !f.cilium.present || o_.manage_cilium));
    if (!denied) return Fail(denied.error());
    f.denied = std::move(*denied);
    return f;
  }

  // The revision of release cilium in kube-system; 0 when there is none (a Cilium not
  // installed with Helm).
  Result<int, Error> HelmRevision(const std::string& cluster) {
    auto out = Tool({"helm", "list", "--namespace", "kube-system", "--kube-context",
                     Context(cluster), "--all", "--output", "json"},
                    "");
    if (!out) return Fail(out.error());
    auto releases = k8s::ParseHelmList(*out);
    if (!releases) return Fail(releases.error());
    for (const auto& r : *releases) {
      if (r.name == "cilium") return r.revision;
    }
    return 0;
  }

  // The context's API server as host and port, from the kubeconfig; the port empty when
  // the host is this machine's loopback (no node reaches it there).
  Result<std::pair<std::string, std::string>, Error> ApiServer(const std::string& cluster) {
    auto out = Tool({"kubectl", "config", "view", "--minify", "--context", Context(cluster), "-o",
                     "jsonpath={.clusters[0].cluster.server}"},
                    "");
    if (!out) return Fail(out.error());
    std::string url = k8s::Lines(*out).empty() ? "" : k8s::Lines(*out).front();
    if (const auto scheme = url.find("://"); scheme != std::string::npos)
      url = url.substr(scheme + 3);
    url = url.substr(0, url.find('/'));
    std::string host = url;
    std::string port = "443";
    if (url.starts_with('[')) {
      // An IPv6 literal: [fd00::1]:6443 (RFC 3986); Helm's k8sServiceHost takes it bare.
      const auto close = url.find(']');
      host = url.substr(1, close == std::string::npos ? std::string::npos : close - 1);
      if (close != std::string::npos && close + 1 < url.size() && url[close + 1] == ':') {
        port = url.substr(close + 2);
      }
    } else if (const auto colon = url.rfind(':'); colon != std::string::npos) {
      host = url.substr(0, colon);
      port = url.substr(colon + 1);
    }
    if (host.empty() || host == "localhost" || host.starts_with("127.") || host == "::1") {
      return std::pair<std::string, std::string>{host.empty() ? "an unknown address" : host, ""};
    }
    return std::pair<std::string, std::string>{host, port};
  }

  Result<void, Error> Record(const RenderResult& files, const std::string& name) {
    for (const auto& f : files.files) {
      if (std::filesystem::path(f.path).filename() == name)
        RecordOnce(st_.applied[f.cluster], f.path);
    }
    return Save();
  }

  static void RecordOnce(std::vector<std::string>& list, const std::string& item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
  }

  const KubeUpOptions& o_;
  KubeState& st_;
  Scenario& s_;
  std::map<std::string, ClusterFacts> facts_;
  std::map<std::string, std::vector<std::string>> node_addresses_;  // network -> nodes
  std::map<std::string, std::vector<std::string>> cluster_nodes_;   // cluster -> node names
  RouterSite site_{o_, st_, s_};
};

}  // namespace

Result<KubeUpResult, Error> KubeUp(const ScenarioText& text, const KubeUpOptions& o,
                                   const StepSink& on_step) {
  const auto t0 = Clock::now();
  KubeUpResult result;
  KubeState st;
  // Nothing applied or started yet (a check refused): what is given now is what to use, so
  // that the fix an error names takes effect on the next up.
  bool fresh = true;
  if (auto old = ReadKubeState(o.state_dir); old) {
    st = std::move(*old);
    result.resumed = true;
    fresh = st.applied.empty() && st.annotated.empty() && st.cilium_installed.empty() &&
            st.cilium_revision_before.empty() && !st.router_started;
    if (fresh) st.scenario = text;
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
          CheckRunnable(*scenario, "kube", {IpFamily::kIpv4, IpFamily::kDual, IpFamily::kIpv6});
      !runnable)
    return Fail(runnable.error());
  Scenario& s = *scenario;
  // The contexts: the flags, else the scenario's; every cluster needs one.
  if (fresh) {
    st.contexts = s.contexts;
    for (const auto& [k, v] : o.contexts) st.contexts[k] = v;
    st.router = o.router;
  } else {
    // Half up: the clusters and the router it runs with are fixed until down.
    bool same = o.router.empty() || o.router == st.router;
    for (const auto& [k, v] : o.contexts) {
      const auto it = st.contexts.find(k);
      same = same && it != st.contexts.end() && it->second == v;
    }
    if (!same) {
      return Fail(Error::Usage(fmt::format(
          "a kube demo is half up in {} with --router {} and its contexts; `bgpdemo up` again "
          "resumes it as it is, `bgpdemo down` first to change them",
          o.state_dir, st.router)));
    }
  }
  if (auto r = CheckContexts(s, st.contexts); !r) return Fail(r.error());
  if (auto r = ApplyPlacementToScenario(st.router, s); !r) return Fail(r.error());

  KubeUpOptions opts = o;
  opts.router = st.router;
  Up up(opts, st, s);
  up.sink = on_step;

  if (auto r = TimedStep(on_step, "preflight", [&] { return up.Preflight(); }); !r)
    return Fail(r.error());
  if (auto w = up.Save(); !w) return Fail(w.error());
  if (auto r = TimedStep(on_step, "clusters", [&] { return up.Clusters(); }); !r)
    return Fail(r.error());
  if (auto r = TimedStep(on_step, "router", [&] { return up.Router(s); }); !r)
    return Fail(r.error());

  auto files = Render(s, up.RenderFor());
  if (!files) return Fail(files.error());
  if (auto r = TimedStep(on_step, "render", [&] { return k8s::WriteFiles(up.Written(*files)); });
      !r)
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

  auto demo = OpenKubeDemo(o.state_dir, o.env, *o.runner);
  if (!demo) return Fail(demo.error());
  auto sessions = TimedStep(on_step, "sessions", [&]() -> Result<std::string, Error> {
    auto n = k8s::WaitSessions([&] { return (*demo)->GetTopology(); },
                               [&] { return (*demo)->Observe(); }, *o.runner, o.timeout);
    if (!n) return Fail(n.error());
    result.sessions = *n;
    return fmt::format("{} of {} Established, from both sides", *n, *n);
  });
  if (!sessions) return Fail(sessions.error());
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace bgpdemo::core::kube
