// `up`'s last step on a Kubernetes provider: every BGP session Established, from the
// router's side and the nodes' (core/verify.h's SessionsNotEstablished), failing fast on
// Cilium agents that never answer (core/k8s/agent_failures.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"
#include "core/demo.h"

namespace bgpdemo::core::k8s {

// Polls the demo (its topology and what its speakers say) every second until every speaker's
// session is Established or `timeout` passes: the number of speaking nodes, or what is still
// waiting.
Result<std::size_t, Error> WaitSessions(const std::function<Result<Topology, Error>()>& topology_of,
                                        const std::function<Observed()>& observe,
                                        CommandRunner& clock, std::chrono::seconds timeout);

}  // namespace bgpdemo::core::k8s
