// The control socket's commands on a Server (bgp/api/control_server.h carries them): the
// server's snapshots (bgp/server/snapshot.h) as JSON, and its originate actions.
//
//   {"command": "ping"}                         -> "pong"
//   {"command": "peers"}                        -> [{"address": ..., "state": ..., ...}]
//   {"command": "routes"}                       -> [{"prefix": ..., "best": ..., "paths": [...]}]
//   {"command": "fib"}                          -> {"enabled": ..., "protocol": 197, "routes":
//   [...], "installed": N, "pending": N, "errors": N, "unusable_next_hops": N}
//   {"command": "announce" | "withdraw", "prefixes": ["10.241.1.0/24", ...]} -> the count
//
// The JSON is a public interface: the CLI's `router peers|routes`, the lab and the Python
// tests read it, so keys and value types do not change. Threading: call on the server's
// io_context thread (the control server's handler runs there).
#pragma once

#include <nlohmann/json.hpp>
#include <span>

#include "bgp/api/control_server.h"
#include "bgp/server/fib_sync.h"
#include "bgp/server/server.h"
#include "bgp/server/snapshot.h"

namespace bgpdemo::bgp::api {

nlohmann::json PeersJson(std::span<const server::PeerSnapshot> peers);
nlohmann::json RoutesJson(std::span<const server::RouteSnapshot> routes);
// The routes of ours the kernel holds (installed: how many) and what FibSync has yet to
// write (pending; the kernel lags the RIB); `fib` null when the router does not program
// the kernel.
nlohmann::json FibJson(const server::FibSnapshot* fib);
// The journal's entries after seq `after` (bgp/server/journal.h):
//   {"entries": [{"seq", "time", "kind", "peer"?, "prefix"?, "paths"? (route: its ECMP
//                 paths), "count"? (routes: how many), "detail"?}, ...],
//    "dropped": entries after `after` already pushed out, "capacity"}
nlohmann::json JournalJson(const server::Journal& journal, std::uint64_t after);

// Answers one request: {"ok":true,"result":...} or {"ok":false,"error":...}.
nlohmann::json HandleRequest(server::Server& server, server::FibSync* fib,
                             const nlohmann::json& request);
// HandleRequest as a ControlServer's handler; server and fib must outlive it.
Handler ServerHandler(server::Server& server, server::FibSync* fib);

}  // namespace bgpdemo::bgp::api
