// `cilium bgp peers` per node (core/k8s/cilium_peers.h).
#include "core/k8s/cilium_peers.h"

#include <fmt/format.h>

#include <future>
#include <vector>

#include "core/k8s/output.h"

namespace bgpdemo::core::k8s {

namespace {

using nlohmann::json;
using Reads = std::map<std::string, Result<json, std::string>>;

std::vector<std::string> PeersArgv(const std::string& context) {
  return {"cilium", "bgp", "peers", "-o", "json", "--context", context};
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
Result<json, std::string> ReadNode(const std::string& context, const std::string& node,
                                   const ToolRun& run) {
  auto argv = PeersArgv(context);
  argv.insert(argv.end(), {"--node", node});
  auto r = run.runner->Run(argv, {.timeout = run.timeout, .env_add = run.env});
  if (!r || r->exit_code != 0 || r->timed_out) return Fail(Why(argv, r));
  auto j = ParseJson(r->out, "cilium bgp peers");
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

Reads ReadClusterPeers(const Clusters& clusters, const std::string& cluster) {
  Reads out;
  const auto& run = clusters.Run();
  const auto context = clusters.Context(cluster);
  const auto argv = PeersArgv(context);
  auto r = run.runner->Run(argv, {.timeout = run.timeout, .env_add = run.env});
  bool complete = false;
  if (r && r->exit_code == 0 && !r->timed_out) {
    auto j = ParseJson(r->out, "cilium bgp peers");
    if (j) {
      for (auto& [node, list] : PeersFromCilium(*j)) out.insert_or_assign(node, std::move(list));
      complete = !CiliumSaysPartial(r->err);
    }
  }
  if (complete) return out;
  // Some nodes did not answer: ask each missing one alone, so that each has its own answer.
  auto nodes = clusters.Nodes(cluster);
  if (!nodes || nodes->empty()) {
    out.insert_or_assign(cluster, Fail(Why(argv, r)));
    return out;
  }
  std::vector<std::pair<std::string, std::future<Result<json, std::string>>>> asks;
  for (const auto& node : *nodes) {
    if (out.count(node) != 0) continue;
    asks.emplace_back(
        node, std::async(std::launch::async, [&, node] { return ReadNode(context, node, run); }));
  }
  for (auto& [node, f] : asks) out.insert_or_assign(node, f.get());
  return out;
}

}  // namespace bgpdemo::core::k8s
