// The sessions step's rule for agents that do not answer (core/k8s/agent_failures.h).
#include "core/k8s/agent_failures.h"

#include <fmt/format.h>

#include <set>

namespace bgpdemo::core::k8s {

std::map<std::string, std::string> AgentFailures::Update(const Observed& o,
                                                         CommandRunner::Clock::time_point now) {
  std::map<std::string, std::string> stuck;
  for (const auto& [node, read] : o.node_peers) {
    if (read) {
      streaks_.erase(node);
      continue;
    }
    auto& s = streaks_[node];
    if (s.polls == 0) s.since = now;
    ++s.polls;
    s.error = read.error();
    if (s.polls >= kPolls && now - s.since >= kSpan) stuck[node] = s.error;
  }
  return stuck;
}

std::string AgentFailures::Message(const std::map<std::string, std::string>& stuck) {
  std::set<std::string> contexts;
  std::vector<std::string> lines;
  for (const auto& [node, error] : stuck) {
    lines.push_back(fmt::format("{}: {}", node, error));
    // kind names nodes <cluster>-control-plane, <cluster>-worker, <cluster>-worker2, ...
    for (const char* role : {"-control-plane", "-worker"}) {
      if (const auto at = node.rfind(role); at != std::string::npos) {
        contexts.insert("kind-" + node.substr(0, at));
        break;
      }
    }
  }
  std::vector<std::string> hints;
  for (const auto& c : contexts) {
    hints.push_back(
        fmt::format("kubectl --context {} -n kube-system get pods -l k8s-app=cilium -o wide", c));
  }
  return fmt::format(
      "the Cilium agent{} of {} node{} did not answer `cilium bgp peers` on {} polls over {} s "
      "or more, so their BGP sessions cannot be read (the other nodes are shown by `bgpdemo "
      "peers`):\n  {}\n  hint: {}",
      stuck.size() == 1 ? "" : "s", stuck.size(), stuck.size() == 1 ? "" : "s", kPolls,
      kSpan.count(), fmt::join(lines, "\n  "),
      hints.empty() ? "cilium status shows the agents" : fmt::format("{}", fmt::join(hints, "; ")));
}

}  // namespace bgpdemo::core::k8s
