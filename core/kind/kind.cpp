// The kind provider's state file and its view of a running demo (core/kind/kind.h).
#include "core/kind/kind.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "core/cilium_model.h"
#include "core/files.h"
#include "core/kind/cilium_peers.h"
#include "core/kind/internal.h"
#include "core/kind/tool_output.h"
#include "core/render.h"

namespace bgpdemo::core::kind {

namespace {

using detail::Context;
using detail::ParseJson;
using detail::ScenarioOf;
using nlohmann::json;

}  // namespace

Result<void, Error> WriteKindState(const std::string& dir, const KindState& s) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Fail(Error::Environment(
        fmt::format("{}: cannot create the state folder: {}", dir, ec.message())));
  }
  const json j = {
      {"provider", s.provider},
      {"scenario",
       {{"name", s.scenario.name}, {"source", s.scenario.source}, {"text", s.scenario.text}}},
      {"started_at", s.started_at},
      {"router_image", s.router_image},
      {"created",
       {{"networks", s.networks},
        {"clusters", s.clusters},
        {"router_container", s.router_container},
        {"image_built", s.image_built}}},
      {"subnets", s.subnets},
      {"router_addresses", s.router_addresses},
      {"steps_done", s.steps_done}};
  auto written = WriteFileAtomic(dir + "/state.json", j.dump(2) + "\n", 0600);
  if (!written) return Fail(written.error());
  return {};
}

Result<KindState, Error> ReadKindState(const std::string& dir) {
  std::ifstream f(dir + "/state.json");
  if (!f)
    return Fail(fmt::format("no demo is up (no state in {}); start one with `bgpdemo up`", dir));
  json j = json::parse(f, nullptr, false);
  if (j.is_discarded()) return Fail(Error::Input(fmt::format("{}/state.json: not JSON", dir)));
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
    return Fail(Error::Input(fmt::format("{}/state.json: {}", dir, e.what())));
  }
}

Result<std::string, Error> ProviderOf(const std::string& state_dir) {
  std::ifstream f(state_dir + "/state.json");
  if (!f) {
    return Fail(
        fmt::format("no demo is up (no state in {}); start one with `bgpdemo up`", state_dir));
  }
  json j = json::parse(f, nullptr, false);
  if (j.is_discarded()) {
    return Fail(Error::Input(fmt::format("{}/state.json: not JSON", state_dir)));
  }
  return j.value("provider", "lab");
}

Result<KindDemo, Error> KindDemo::Open(const std::string& state_dir,
                                       std::map<std::string, std::string> env,
                                       CommandRunner& runner) {
  auto st = ReadKindState(state_dir);
  if (!st) return Fail(st.error());
  auto s = ScenarioOf(*st);
  if (!s) return Fail(s.error());
  return KindDemo(state_dir, std::move(*st), std::move(*s), std::move(env), runner);
}

Result<Topology, Error> KindDemo::GetTopology() const {
  const ToolRun run{env_, std::chrono::seconds(30), runner_};
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
    Cluster k;
    k.name = c.name;
    for (const auto& item : nj->value("items", json::array())) {
      Node n;
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
    if (auto r = ApplyManifests(k, mine); !r) return Fail(r.error());
    for (auto& svc : k.services) {
      auto out =
          RunTool({"kubectl", "--context", ctx, "get", "service", svc.name, "-o", "json"}, run, "");
      svc.lb_ip.clear();
      if (!out) continue;
      auto sj = ParseJson(*out, "kubectl get service");
      if (!sj) continue;
      svc.lb_ip = ServiceLoadBalancerIp(*sj);
    }
    auto speakers = CiliumBgpSpeakers(k, mine);
    if (!speakers) return Fail(speakers.error());
    for (const auto& n : k.nodes) {
      const bool speaker = std::any_of(speakers->begin(), speakers->end(),
                                       [&](const SpeakerConfig& s) { return s.node == n.name; });
      t.nodes.push_back({n.name, c.name, n.address, n.pod_cidr, speaker});
    }
    for (const auto& svc : k.services) {
      if (svc.lb_ip.empty()) continue;
      Topology::LoadBalancer lb{c.name, svc.name, svc.lb_ip, {}};
      for (const auto& sp : *speakers) {
        if (std::find(sp.prefixes.begin(), sp.prefixes.end(), svc.lb_ip + "/32") !=
            sp.prefixes.end()) {
          lb.nodes.push_back(sp.node);
        }
      }
      t.load_balancers.push_back(std::move(lb));
    }
    std::string selector;
    for (const auto& [key, value] : c.nginx.labels) {
      selector += (selector.empty() ? "" : ",") + key + "=" + value;
    }
    auto pods = RunTool({"kubectl", "--context", ctx, "get", "pods", "-l", selector, "-o", "json"},
                        run, "");
    if (!pods) return Fail(pods.error().message());
    auto pj = ParseJson(*pods, "kubectl get pods");
    if (!pj) return Fail(pj.error().message());
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
      list.push_back(
          {{"address", address},
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
  const ToolRun run{env_, std::chrono::seconds(20), runner_};
  const auto& router = scenario_.router.name;
  auto exec_json = [&](std::vector<std::string> argv,
                       const std::string& what) -> Result<json, std::string> {
    auto out = RunTool(argv, run, "");
    if (!out) return Fail(out.error().message());
    auto j = ParseJson(*out, what);
    if (!j) return Fail(j.error().message());
    return std::move(*j);
  };
  auto peers = std::async(std::launch::async, [&] {
    return exec_json({"docker", "exec", router, "bgpdemo", "router", "peers", "-o", "json"},
                     "bgpdemo router peers");
  });
  auto routes = std::async(std::launch::async, [&] {
    return exec_json({"docker", "exec", router, "bgpdemo", "router", "routes", "-o", "json"},
                     "bgpdemo router routes");
  });
  auto kernel =
      std::async(std::launch::async, [&]() -> Result<std::vector<KernelRoute>, std::string> {
        // bgpdemo's own netlink read: the image has no iproute2 (core/kernel_routes.h).
        auto out =
            RunTool({"docker", "exec", router, "bgpdemo", "router", "kernel-routes", "-o", "json"},
                    run, "");
        if (!out) return Fail(out.error().message());
        return ParseIpRouteJson(out->empty() ? "[]" : *out);
      });
  // Per node: the nodes that answered, and each failing one with its own error
  // (core/kind/cilium_peers.h).
  std::vector<std::future<std::map<std::string, Result<json, std::string>>>> clusters;
  for (const auto& c : scenario_.clusters) {
    clusters.push_back(
        std::async(std::launch::async, [&, c] { return ReadClusterPeers(c.name, run); }));
  }
  Observed o;
  o.router_peers = peers.get();
  o.router_routes = routes.get();
  o.kernel = kernel.get();
  for (auto& f : clusters) {
    for (auto& [node, peers] : f.get()) o.node_peers.insert_or_assign(node, std::move(peers));
  }
  return o;
}

Result<HttpResult, Error> ParseCurl(const std::string& out, double seconds) {
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

Result<HttpResult, Error> KindDemo::Probe(const std::string& from, const std::string& ip,
                                          std::uint16_t port) const {
  const auto url = fmt::format("http://{}:{}/", ip, port);
  // From the router: bgpdemo's own probe (core/http_probe.h), the image has no curl.
  if (from == "router") return ProbeFromRouter(url);
  const auto slash = from.find('/');
  if (slash == std::string::npos) return Fail(fmt::format("no pod {} in this demo", from));
  std::vector<std::string> argv{
      "kubectl", "--context", Context(from.substr(0, slash)), "exec", from.substr(slash + 1), "--"};
  argv.insert(argv.end(), {"curl", "-s", "-m", "2", "-w", "\n%{http_code}", url});
  const auto t0 = runner_->Now();
  auto r = runner_->Run(argv, {.timeout = std::chrono::seconds(20), .env_add = env_});
  const double seconds = std::chrono::duration<double>(runner_->Now() - t0).count();
  if (!r) return Fail(r.error());
  if (r->exit_code != 0) {
    return Fail(fmt::format("curl {} from {} exited with {}{}", url, from, r->exit_code,
                            r->exit_code == 28  ? " (timed out after 2 s)"
                            : r->exit_code == 7 ? " (connection refused)"
                                                : ""));
  }
  auto reply = ParseCurl(r->out, seconds);
  if (!reply) return Fail(reply.error());
  return std::move(*reply);
}

Result<HttpResult, Error> KindDemo::ProbeFromRouter(const std::string& url) const {
  const std::vector<std::string> argv{"docker", "exec", scenario_.router.name, "bgpdemo", "probe",
                                      "-o",     "json", "--timeout",           "2",       url};
  auto r = runner_->Run(argv, {.timeout = std::chrono::seconds(20), .env_add = env_});
  if (!r) return Fail(r.error());
  if (r->exit_code != 0) {
    return Fail(fmt::format("GET {} from the router: {}", url, OutputTail(*r, 2)));
  }
  auto reply = ParseProbeJson(r->out);
  if (!reply) return Fail(reply.error());
  return std::move(*reply);
}

Result<HttpResult, Error> ParseProbeJson(const std::string& out) {
  const auto j = json::parse(out, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("status")) {
    return Fail(fmt::format("bgpdemo probe printed no reply: {:?}", out.substr(0, 80)));
  }
  return HttpResult{j.value("status", 0), j.value("body", ""), j.value("seconds", 0.0)};
}

}  // namespace bgpdemo::core::kind
