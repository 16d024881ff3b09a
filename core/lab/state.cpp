#include "core/lab/state.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace bgpdemo::core::lab {

namespace {

using nlohmann::json;

Result<json, std::string> ReadJson(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Fail(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  json j = json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Fail(fmt::format("{}: not a JSON object", path));
  return j;
}

}  // namespace

std::string DefaultStateDir() {
  if (const char* env = std::getenv("BGPDEMO_STATE_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return "/run/bgpdemo/demo";
}

Result<void, std::string> WriteFileAtomic(const std::string& path, const std::string& text,
                                          unsigned mode) {
  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Fail(fmt::format("{}: cannot create: {}", tmp, std::strerror(errno)));
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Fail(fmt::format("{}: cannot write: {}", tmp, std::strerror(e)));
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return Fail(fmt::format("{}: cannot rename into place: {}", path, std::strerror(e)));
  }
  return {};
}

Result<void, std::string> WriteLabState(const std::string& dir, const LabState& s) {
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

Result<LabState, std::string> ReadLabState(const std::string& dir) {
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
    return Fail(fmt::format("{}/state.json: {}", dir, e.what()));
  }
}

Result<void, std::string> WriteDaemonState(const std::string& dir, const DaemonState& s) {
  const json j = {{"router_pid", s.router_pid}, {"speakers", s.speakers}, {"ready_at", s.ready_at}};
  return WriteFileAtomic(dir + "/daemon.json", j.dump(2) + "\n", 0600);
}

Result<DaemonState, std::string> ReadDaemonState(const std::string& dir) {
  auto j = ReadJson(dir + "/daemon.json");
  if (!j) return Fail(j.error());
  try {
    DaemonState s;
    s.router_pid = j->value("router_pid", 0);
    s.speakers = j->value("speakers", std::map<std::string, pid_t>{});
    s.ready_at = j->value("ready_at", std::int64_t{0});
    return s;
  } catch (const json::exception& e) {
    return Fail(fmt::format("{}/daemon.json: {}", dir, e.what()));
  }
}

}  // namespace bgpdemo::core::lab
