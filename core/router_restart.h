// A graceful restart of `bgpdemo router` in place (RFC 4724, restarting speaker): the
// control socket's `restart` makes the process stop without a NOTIFICATION, keep its
// kernel routes, and exec itself again with the same arguments and pid, handing the new
// image its plan (the peers it had up) in the environment. The new image reads the plan
// back, says Restart State in its OPENs and waits for those peers' End-of-RIB before it
// sends anything (bgp/server/restart.cpp).
//
//   router (old image) --ExecSelf(kRestartPlanEnv=EncodeRestartPlan)--> router (new image)
//   new image: TakeRestartPlan() -> Server::BeginRestart, FibSync::Start(kAdopt)
//   `bgpdemo router restart`: RestartRouter(socket) -> the old image's answer, then waits
//                             for the new one's socket and its restart_status
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/error.h"
#include "base/result.h"
#include "bgp/server/server.h"

namespace bgpdemo::core {

inline constexpr const char* kRestartPlanEnv = "BGPDEMO_ROUTER_RESTART";

// The plan as the environment carries it: {"peers": [addresses], "stopped_at_ms": N,
// "token": the restart request's}.
std::string EncodeRestartPlan(const bgp::server::RestartPlan& plan);

// The plan the process before left in the environment (and removes it there): nullopt when
// there is none, it does not parse, or it is older than `restart_time` (the helpers have
// dropped our routes by then: a plain start is right).
std::optional<bgp::server::RestartPlan> TakeRestartPlan(std::chrono::seconds restart_time);

// Replaces this process's image with /proc/self/exe and the same arguments
// (/proc/self/cmdline), `env_add` added to its environment, every fd above 2 closed.
// Returns only when exec failed.
Result<void, std::string> ExecSelf(const std::map<std::string, std::string>& env_add);

// `bgpdemo router restart`: asks the router on `socket_path` to restart gracefully, waits
// (up to `timeout`) for its control socket to answer again and for the restart to complete
// (every peer's End-of-RIB, or its deferral timer). Returns
//   {"pid", "peers" (expected), "kernel_routes" (kept), "back_after_ms" (the socket
//    answered again), "restart": RestartStatusJson at the end}
// kEnvironment: no router answers; kFailed: it refused (graceful_restart is off) or did not
// come back within the timeout.
Result<nlohmann::json, Error> RestartRouter(const std::string& socket_path,
                                            std::chrono::milliseconds timeout);

// RestartRouter's report in one line for people: back after, routes kept, End-of-RIB.
std::string DescribeRestart(const nlohmann::json& report);

}  // namespace bgpdemo::core
