// The control socket's commands on a Server (bgp/api/control_server.h carries them): the
// server's snapshots (bgp/server/snapshot.h) as JSON, and its originate actions.
//
//   {"command": "ping"}                         -> "pong"
//   {"command": "peers"}                        -> [{"address": ..., "state": ..., ...}]
//   {"command": "routes"}                       -> [{"prefix": ..., "best": ..., "paths": [...]}]
//   {"command": "fib"}                          -> {"enabled": ..., "protocol": 197, "routes":
//   [...], "installed": N, "pending": N, "errors": N, "unusable_next_hops": N}
//   {"command": "announce" | "withdraw", "prefixes": ["10.241.1.0/24", ...]} -> the count
//   {"command": "reload"}                       -> ReloadJson: the config file read again
//   {"command": "restart"}                      -> what the process does (core): a graceful
//                                                  restart of this router
//   {"command": "restart_status"}               -> RestartStatusJson
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

// Reads the router's config file again: the new config, or why it is refused
// ("router.yaml:7:14: neighbors[0].peer_as: ..."). The caller (core) knows the file.
using ConfigLoader = std::function<Result<server::RouterConfig, std::string>()>;

// Loads the config and, when it is valid, applies it (Server::Reload):
//   {"reloaded": true, "everything": bool, "added": [names], "changed": [...],
//    "removed": [...], "unchanged": [...], "originated": N, "withdrawn": N,
//    "not_applied": ["fib ...: at the next start"]}
// or {"reloaded": false, "error": "file:line:col: ..."}: the running config is kept.
nlohmann::json ReloadJson(server::Server& server, const ConfigLoader& load);

// Where a graceful restart of this router stands (Server::restart_status):
//   {"restarting": bool, "expected": [addresses], "end_of_rib": [addresses],
//    "elapsed_ms": N, "ended_by": "end-of-rib" | "deferral timer" | "", "token": the
//    restart request's}
nlohmann::json RestartStatusJson(const server::RestartStatus& status);

// What only the process running the server can do: read its config file again, restart
// itself. Either may be empty (the command is then refused).
struct ProcessHooks {
  ConfigLoader load;
  // Given the request, the reply to send before it restarts.
  std::function<nlohmann::json(const nlohmann::json&)> restart;
};

// Answers one request: {"ok":true,"result":...} or {"ok":false,"error":...}.
nlohmann::json HandleRequest(server::Server& server, server::FibSync* fib,
                             const nlohmann::json& request, const ProcessHooks& hooks = {});
// HandleRequest as a ControlServer's handler; server, fib and hooks must outlive it.
Handler ServerHandler(server::Server& server, server::FibSync* fib, ProcessHooks hooks = {});

}  // namespace bgpdemo::bgp::api
