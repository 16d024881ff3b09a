// `cilium bgp peers` per node (core/kind/cilium_peers.h).
#include "core/kind/cilium_peers.h"

#include <fmt/format.h>

#include <future>
#include <vector>

#include "core/kind/internal.h"
#include "core/kind/kind.h"
#include "core/kind/tool_output.h"

namespace bgpdemo::core::kind {

namespace {

using nlohmann::json;
using Reads = std::map<std::string, Result<json, std::string>>;

std::vector<std::string> PeersArgv(const std::string& cluster) {
  return {"cilium", "bgp", "peers", "-o", "json", "--context", detail::Context(cluster)};
}

// What a failed run said, on one line per line of cilium-cli's stderr (at most 3).
std::string Why(const std::vector<std::string>& argv, const Result<ProcessResult, Error>& r) {
  if (!r) return r.error().message();
  if (r->timed_out) return fmt::format("`{}` timed out", ShellQuote(argv));
  auto lines = Lines(r->err.empty() ? r->out : r->err);
  if (lines.size() > 3) lines.resize(3);
  return fmt::format("`{}` exited with {}: {}", ShellQuote(argv), r->exit_code,
                     fmt::join(lines, "; "));
}

// One node asked alone.
Result<json, std::string> ReadNode(const std::string& cluster, const std::string& node,
                                   const ToolRun& run) {
  auto argv = PeersArgv(cluster);
  argv.insert(argv.end(), {"--node", node});
  auto r = run.runner->Run(argv, {.timeout = run.timeout, .env_add = run.env});
  if (!r || r->exit_code != 0 || r->timed_out) return Fail(Why(argv, r));
  auto j = detail::ParseJson(r->out, "cilium bgp peers");
  if (!j) return Fail(j.error().message());
  auto peers = PeersFromCilium(*j);
  if (const auto it = peers.find(node); it != peers.end()) return std::move(it->second);
  return json::array();
}

}  // namespace

bool CiliumSaysPartial(const std::string& err) {
  return err.find("Errors retrieving peering state") != std::string::npos ||
         err.find("Errors by retrieving routes") != std::string::npos;
}

Reads ReadClusterPeers(const std::string& cluster, const ToolRun& run) {
  Reads out;
  const auto argv = PeersArgv(cluster);
  auto r = run.runner->Run(argv, {.timeout = run.timeout, .env_add = run.env});
  bool complete = false;
  if (r && r->exit_code == 0 && !r->timed_out) {
    auto j = detail::ParseJson(r->out, "cilium bgp peers");
    if (j) {
      for (auto& [node, list] : PeersFromCilium(*j)) out.insert_or_assign(node, std::move(list));
      complete = !CiliumSaysPartial(r->err);
    }
  }
  if (complete) return out;
  // Some nodes did not answer: ask each missing one alone, so that each has its own answer.
  auto nodes = RunTool({"kind", "get", "nodes", "--name", cluster}, run, "");
  if (!nodes) {
    out.insert_or_assign(cluster + "-control-plane", Fail(Why(argv, r)));
    return out;
  }
  std::vector<std::pair<std::string, std::future<Result<json, std::string>>>> asks;
  for (const auto& node : Lines(*nodes)) {
    if (out.count(node) != 0) continue;
    asks.emplace_back(
        node, std::async(std::launch::async, [&, node] { return ReadNode(cluster, node, run); }));
  }
  for (auto& [node, f] : asks) out.insert_or_assign(node, f.get());
  return out;
}

}  // namespace bgpdemo::core::kind
