#include "core/k8s/sessions.h"

#include <fmt/format.h>

#include "core/k8s/agent_failures.h"
#include "core/verify.h"

namespace bgpdemo::core::k8s {

Result<std::size_t, Error> WaitSessions(const std::function<Result<Topology, Error>()>& topology_of,
                                        const std::function<Observed()>& observe,
                                        CommandRunner& clock, std::chrono::seconds timeout) {
  const auto until = clock.Now() + timeout;
  AgentFailures agents;
  while (true) {
    auto topology = topology_of();
    if (topology) {
      const auto observed = observe();
      if (auto stuck = agents.Update(observed, clock.Now()); !stuck.empty()) {
        return Fail(AgentFailures::Message(stuck));
      }
      const auto waiting = SessionsNotEstablished(*topology, observed);
      std::size_t speakers = 0;
      for (const auto& n : topology->nodes) speakers += n.speaker ? 1 : 0;
      if (waiting.empty() && speakers > 0) return speakers;
      if (clock.Now() > until && speakers == 0) {
        return Fail(fmt::format(
            "no node speaks BGP after {} s: the BGP resources select none of the clusters' "
            "nodes\n  hint: compare their nodeSelector with the nodes' labels (kubectl get nodes "
            "--show-labels)",
            timeout.count()));
      }
      if (clock.Now() > until) {
        return Fail(fmt::format("{} of {} sessions are not Established after {} s:\n  {}",
                                waiting.size(), speakers, timeout.count(),
                                fmt::join(waiting, "\n  ")));
      }
    } else if (clock.Now() > until) {
      return Fail(topology.error());
    }
    clock.Sleep(std::chrono::seconds(1));
  }
}

}  // namespace bgpdemo::core::k8s
