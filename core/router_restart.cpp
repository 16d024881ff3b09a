#include "core/router_restart.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "bgp/api/control_client.h"

namespace bgpdemo::core {

using nlohmann::json;

namespace {

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string EncodeRestartPlan(const bgp::server::RestartPlan& plan) {
  json peers = json::array();
  for (const auto& a : plan.peers) peers.push_back(a.ToString());
  return json{{"peers", peers}, {"stopped_at_ms", NowMs()}, {"token", plan.token}}.dump();
}

std::optional<bgp::server::RestartPlan> TakeRestartPlan(std::chrono::seconds restart_time) {
  const char* text = std::getenv(kRestartPlanEnv);
  if (text == nullptr) return std::nullopt;
  const json j = json::parse(text, nullptr, false);
  ::unsetenv(kRestartPlanEnv);  // not for the programs this one may start
  if (!j.is_object() || !j.contains("peers") || !j["peers"].is_array()) return std::nullopt;
  const long long age_ms = NowMs() - j.value("stopped_at_ms", 0LL);
  if (age_ms < 0 || age_ms > restart_time.count() * 1000) return std::nullopt;
  bgp::server::RestartPlan plan;
  for (const auto& p : j["peers"]) {
    if (!p.is_string()) return std::nullopt;
    auto a = bgp::wire::IpAddress::Parse(p.get<std::string>());
    if (!a) return std::nullopt;
    plan.peers.push_back(*a);
  }
  // Half the helpers' restart time: they still hold our routes when we send the tables.
  plan.deferral = std::max(std::chrono::seconds(1), restart_time / 2);
  plan.token = j.value("token", "");
  return plan;
}

Result<void, std::string> ExecSelf(const std::map<std::string, std::string>& env_add) {
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  const std::string cmdline((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (cmdline.empty()) return Fail(std::string("cannot read /proc/self/cmdline"));
  std::vector<std::string> args;
  for (std::size_t at = 0; at < cmdline.size();) {
    const std::size_t end = cmdline.find('\0', at);
    args.push_back(cmdline.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (const auto& [k, v] : env_add) ::setenv(k.c_str(), v.c_str(), 1);
  ::close_range(3, ~0U, 0);  // sockets, netlink, timers: the new image opens its own
  ::execv("/proc/self/exe", argv.data());
  return Fail(fmt::format("exec /proc/self/exe: {}", std::strerror(errno)));
}

Result<json, Error> RestartRouter(const std::string& socket_path,
                                  std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  // The old image answers restart_status too until it stops: the token tells the new one.
  const std::string token = fmt::format("{}-{}", ::getpid(), NowMs());
  auto asked = bgp::api::Request(socket_path, {{"command", "restart"}, {"token", token}},
                                 std::chrono::seconds(5));
  if (!asked) {
    // Refusals come back as an error reply; no answer at all is a missing router.
    if (asked.error().rfind("cannot connect", 0) == 0) {
      return Fail(Error::Environment(std::move(asked).error()));
    }
    return Fail(Error::Failed(std::move(asked).error()));
  }
  json out = *asked;
  // The old image stops ~100 ms after its answer: wait for it to go, then for the new one.
  std::optional<std::chrono::milliseconds> back;
  json status;
  const auto pid = out.value("pid", 0);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto s = bgp::api::Request(socket_path, {{"command", "restart_status"}},
                               std::chrono::milliseconds(500));
    if (!s) continue;                              // gone, or not listening yet
    if (s->value("token", "") != token) continue;  // the old image, still stopping
    if (!back) {
      back = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
    }
    status = *s;
    if (!status.value("restarting", true)) break;
  }
  if (!back) {
    return Fail(Error::Failed(
        fmt::format("the router (pid {}) did not come back on {} within {} s", pid, socket_path,
                    std::chrono::duration_cast<std::chrono::seconds>(timeout).count())));
  }
  out["back_after_ms"] = back->count();
  out["restart"] = status;
  if (status.value("restarting", true)) {
    return Fail(Error::Failed(fmt::format(
        "the router is back but still waits for End-of-RIB from {} of its {} peers after {} s",
        status["expected"].size() - status["end_of_rib"].size(), status["expected"].size(),
        std::chrono::duration_cast<std::chrono::seconds>(timeout).count())));
  }
  return out;
}

std::string DescribeRestart(const json& report) {
  const json st = report.value("restart", json::object());
  return fmt::format(
      "restarted gracefully (pid {}): answering again after {:.2f} s, {} kernel routes kept "
      "meanwhile; End-of-RIB from {} of {} peers, {} after {:.2f} s, then every peer got its "
      "table and End-of-RIB",
      report.value("pid", 0), report.value("back_after_ms", 0) / 1000.0,
      report.value("kernel_routes", 0), st.value("end_of_rib", json::array()).size(),
      st.value("expected", json::array()).size(),
      st.value("ended_by", "") == "end-of-rib" ? "complete" : "the deferral timer ended it",
      st.value("elapsed_ms", 0) / 1000.0);
}

}  // namespace bgpdemo::core
