// The kind provider's state file and its view of a running demo (core/kind/kind.h).
#include "core/kind/kind.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "core/cilium_model.h"
#include "core/files.h"
#include "core/k8s/cluster_view.h"
#include "core/kind/internal.h"
#include "core/kind/tool_output.h"
#include "core/render.h"

namespace bgpdemo::core::kind {

namespace {

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
      {"subnets_v6", s.subnets_v6},
      {"router_addresses_v6", s.router_addresses_v6},
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
    s.subnets_v6 = j.value("subnets_v6", std::map<std::string, std::string>{});
    s.router_addresses_v6 = j.value("router_addresses_v6", std::map<std::string, std::string>{});
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
  RenderOptions ro;
  ro.router_addresses = state_.router_addresses;
  ro.router_addresses_v6 = state_.router_addresses_v6;
  auto files = Render(scenario_, ro);
  if (!files) return Fail(files.error());
  const KindClusters clusters(ToolRun{env_, std::chrono::seconds(30), runner_});
  Topology t;
  t.router = scenario_.router.name;
  for (const auto& c : scenario_.clusters) {
    if (auto r = k8s::ReadClusterTopology(clusters, c, *files, t); !r) return Fail(r.error());
  }
  return t;
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
  // Dual stack: whose MAC each link-local next hop of an IPv6 route comes from.
  auto neighbours = std::async(std::launch::async, [&]() -> LinkLocalOwners {
    if (!scenario_.HasIpv6()) return {};
    auto out = RunTool({"docker", "exec", router, "bgpdemo", "router", "neighbours", "-o", "json"},
                       run, "");
    return out ? ParseNeighbourLinkLocals(*out) : LinkLocalOwners{};
  });
  // Per node: the nodes that answered, and each failing one with its own error
  // (core/k8s/cilium_peers.h).
  const KindClusters clusters(run);
  auto nodes =
      std::async(std::launch::async, [&] { return k8s::ReadNodePeers(clusters, scenario_); });
  Observed o;
  o.router_peers = peers.get();
  o.router_routes = routes.get();
  o.kernel = kernel.get();
  o.link_local_owners = neighbours.get();
  o.node_peers = nodes.get();
  return o;
}

Result<json, Error> KindDemo::RouterJournal() const {
  auto out = RunTool(
      {"docker", "exec", scenario_.router.name, "bgpdemo", "router", "journal", "-o", "json"},
      ToolRun{env_, std::chrono::seconds(20), runner_}, "");
  if (!out) return Fail(out.error());
  return ParseJson(*out, "bgpdemo router journal");
}

Result<std::vector<std::string>, Error> KindClusters::Nodes(const std::string& cluster) const {
  auto out = Tool({"kind", "get", "nodes", "--name", cluster}, "");
  if (!out) return Fail(out.error());
  return Lines(*out);
}

Result<HttpResult, Error> KindDemo::Probe(const std::string& from, const std::string& ip,
                                          std::uint16_t port) const {
  const bool v6 = ip.find(':') != std::string::npos;
  const auto url = fmt::format("http://{}:{}/", v6 ? "[" + ip + "]" : ip, port);
  // From the router: bgpdemo's own probe (core/http_probe.h), the image has no curl.
  if (from == "router") return ProbeFromRouter(url);
  const KindClusters clusters(ToolRun{env_, std::chrono::seconds(20), runner_});
  return k8s::ProbeFromPod(clusters, from, url);
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

Result<std::vector<std::pair<std::string, std::string>>, Error> NodeRoutes(
    const RenderResult& files, const std::string& cluster) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : files.files) {
    if (f.kind != FileKind::kNodeRoutes || f.cluster != cluster) continue;
    try {
      for (const auto& r : YAML::Load(f.content)["routes"]) {
        out.emplace_back(r["to"].as<std::string>(), r["via"].as<std::string>());
      }
    } catch (const YAML::Exception& e) {
      return Fail(Error::Internal(fmt::format("{}: {}", f.path, e.what())));
    }
  }
  return out;
}

Result<HttpResult, Error> ParseProbeJson(const std::string& out) {
  const auto j = json::parse(out, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("status")) {
    return Fail(fmt::format("bgpdemo probe printed no reply: {:?}", out.substr(0, 80)));
  }
  return HttpResult{j.value("status", 0), j.value("body", ""), j.value("seconds", 0.0)};
}

}  // namespace bgpdemo::core::kind
