// The kube provider's state file (core/kube/kube.h) and its clusters' contexts.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/files.h"
#include "core/kube/kube.h"

namespace bgpdemo::core::kube {

using nlohmann::json;

std::string KubeClusters::Context(const std::string& cluster) const {
  const auto it = contexts_.find(cluster);
  return it == contexts_.end() ? cluster : it->second;
}

Result<void, Error> WriteKubeState(const std::string& dir, const KubeState& s) {
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
      {"contexts", s.contexts},
      {"router", s.router},
      {"subnets", s.subnets},
      {"router_addresses", s.router_addresses},
      {"router_addresses_v6", s.router_addresses_v6},
      {"made",
       {{"cilium_installed", s.cilium_installed},
        {"cilium_revision_before", s.cilium_revision_before},
        {"applied", s.applied},
        {"annotated", s.annotated},
        {"router_started", s.router_started}}},
      {"steps_done", s.steps_done}};
  auto written = WriteFileAtomic(dir + "/state.json", j.dump(2) + "\n", 0600);
  if (!written) return Fail(written.error());
  return {};
}

Result<KubeState, Error> ReadKubeState(const std::string& dir) {
  std::ifstream f(dir + "/state.json");
  if (!f) {
    return Fail(fmt::format("no demo is up (no state in {}); start one with `bgpdemo up`", dir));
  }
  json j = json::parse(f, nullptr, false);
  if (j.is_discarded()) return Fail(Error::Input(fmt::format("{}/state.json: not JSON", dir)));
  try {
    KubeState s;
    s.provider = j.value("provider", "");
    if (s.provider != "kube") {
      return Fail(Error::Failed(fmt::format("the demo in {} is a {} demo, not kube", dir,
                                            s.provider.empty() ? "lab" : s.provider)));
    }
    const auto& sc = j.at("scenario");
    s.scenario = {sc.at("text").get<std::string>(), sc.at("source").get<std::string>(),
                  sc.at("name").get<std::string>()};
    s.started_at = j.value("started_at", std::int64_t{0});
    s.contexts = j.value("contexts", std::map<std::string, std::string>{});
    s.router = j.value("router", "");
    s.subnets = j.value("subnets", std::map<std::string, std::string>{});
    s.router_addresses = j.value("router_addresses", std::map<std::string, std::string>{});
    s.router_addresses_v6 = j.value("router_addresses_v6", std::map<std::string, std::string>{});
    const auto& m = j.at("made");
    s.cilium_installed = m.value("cilium_installed", std::vector<std::string>{});
    s.cilium_revision_before = m.value("cilium_revision_before", std::map<std::string, int>{});
    s.applied = m.value("applied", std::map<std::string, std::vector<std::string>>{});
    s.annotated = m.value("annotated", std::map<std::string, std::vector<std::string>>{});
    s.router_started = m.value("router_started", false);
    s.steps_done = j.value("steps_done", std::vector<std::string>{});
    return s;
  } catch (const json::exception& e) {
    return Fail(Error::Input(fmt::format("{}/state.json: {}", dir, e.what())));
  }
}

}  // namespace bgpdemo::core::kube
