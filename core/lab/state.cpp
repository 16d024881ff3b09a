#include "core/lab/state.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/files.h"

namespace bgpdemo::core::lab {

namespace {

using nlohmann::json;

Result<json, Error> ReadJson(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Fail(Error::Input(fmt::format("{}: cannot open: {}", path, std::strerror(errno))));
  json j = json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(Error::Input(fmt::format("{}: not a JSON object", path)));
  }
  return j;
}

}  // namespace

Result<void, Error> WriteLabState(const std::string& dir, const LabState& s) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(fmt::format("{}: cannot create the state folder: {}", dir, ec.message()));
  const json j = {{"provider", s.provider},
                  {"prefix", s.prefix},
                  {"scenario", {{"name", s.scenario.name}, {"source", s.scenario.source},
                                {"text", s.scenario.text}}},
                  {"node_speaker", s.node_speaker},
                  {"binary", s.binary},
                  {"started_at", s.started_at},
                  {"daemon_pid", s.daemon_pid},
                  {"namespaces", s.namespaces}};
  return WriteFileAtomic(dir + "/state.json", j.dump(2) + "\n", 0600);
}

bool LabStateExists(const std::string& dir) {
  return std::filesystem::exists(dir + "/state.json");
}

Result<LabState, Error> ReadLabState(const std::string& dir) {
  if (!LabStateExists(dir)) {
    return Fail(fmt::format("no demo is up (no state in {}); start one with `bgpdemo up`", dir));
  }
  auto j = ReadJson(dir + "/state.json");
  if (!j) return Fail(j.error());
  try {
    LabState s;
    s.provider = j->value("provider", "lab");
    s.prefix = j->at("prefix").get<std::string>();
    const auto& sc = j->at("scenario");
    s.scenario = {sc.at("text").get<std::string>(), sc.at("source").get<std::string>(),
                  sc.at("name").get<std::string>()};
    s.node_speaker = j->value("node_speaker", "engine");
    s.binary = j->value("binary", "");
    s.started_at = j->value("started_at", std::int64_t{0});
    s.daemon_pid = j->value("daemon_pid", 0);
    s.namespaces = j->value("namespaces", std::vector<std::string>{});
    return s;
  } catch (const json::exception& e) {
    return Fail(Error::Input(fmt::format("{}/state.json: {}", dir, e.what())));
  }
}

Result<void, Error> WriteDaemonState(const std::string& dir, const DaemonState& s) {
  const json j = {{"router_pid", s.router_pid}, {"speakers", s.speakers}, {"ready_at", s.ready_at}};
  return WriteFileAtomic(dir + "/daemon.json", j.dump(2) + "\n", 0600);
}

Result<DaemonState, Error> ReadDaemonState(const std::string& dir) {
  auto j = ReadJson(dir + "/daemon.json");
  if (!j) return Fail(j.error());
  try {
    DaemonState s;
    s.router_pid = j->value("router_pid", 0);
    s.speakers = j->value("speakers", std::map<std::string, pid_t>{});
    s.ready_at = j->value("ready_at", std::int64_t{0});
    return s;
  } catch (const json::exception& e) {
    return Fail(Error::Input(fmt::format("{}/daemon.json: {}", dir, e.what())));
  }
}

}  // namespace bgpdemo::core::lab
