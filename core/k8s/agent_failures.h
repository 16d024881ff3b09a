// When `up`'s sessions step stops waiting for a node whose Cilium agent cannot be read
// (issue #11, "Partial `cilium bgp peers` failures"). A read can fail once while an agent
// restarts; an agent whose kubelet cannot be reached ("error dialing backend") or that
// crash-loops fails every poll, and waiting out the step's timeout (300 s by default) only
// delays the same error. The rule: a node whose read failed on kPolls consecutive polls
// spanning at least kSpan is stuck, and the step fails naming it and its last error. kSpan
// is longer than an agent restart (its readiness probe, then a few seconds of BGP setup) and
// short against the timeout.
//
// Pure state, fed one Observed per poll; one thread; tests/core/kind/agent_failures_test.cpp.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "core/command_runner.h"
#include "core/demo.h"

namespace bgpdemo::core::k8s {

class AgentFailures {
 public:
  static constexpr int kPolls = 5;
  static constexpr std::chrono::seconds kSpan{30};

  // One poll's reads at `now`: the stuck nodes (node -> its last error), empty while none is.
  std::map<std::string, std::string> Update(const Observed& o,
                                            CommandRunner::Clock::time_point now);

  // "the Cilium agents of 2 nodes did not answer ... :\n  node: error\n  hint: ..." for the
  // step's error; `stuck` as Update returned it, non-empty.
  static std::string Message(const std::map<std::string, std::string>& stuck);

 private:
  struct Streak {
    int polls = 0;
    CommandRunner::Clock::time_point since;
    std::string error;
  };
  std::map<std::string, Streak> streaks_;
};

}  // namespace bgpdemo::core::k8s
