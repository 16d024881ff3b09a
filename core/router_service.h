// The route server as a service: `bgpdemo router` runs one from a config file until a
// signal, and `bgpdemo router peers|routes` asks a running one over its control socket.
//
//   RunRouterService: config file --LoadRouterConfig--> bgp::server::Server
//                     + the kernel FIB (fib.install) + the control socket (bgp/api)
//                     + Prometheus metrics over HTTP when asked (--metrics ADDR:PORT)
//                     SIGHUP: reload the file; SIGTERM/SIGINT: Cease to every peer, exit
//   QueryRouter:      control socket --JSON--> the caller
//
// Errors carry their kind (base/error.h): a missing --config or a bad log level is kUsage,
// a config file that cannot be read or is invalid kInput, and what the machine refuses
// (no CAP_NET_ADMIN for the FIB, a socket or port that cannot be bound, no router on the
// socket) kEnvironment. Threading: RunRouterService blocks the calling thread, which runs
// the server; it handles SIGTERM, SIGINT and SIGHUP while it runs.
#pragma once

#include <chrono>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "base/error.h"
#include "base/result.h"

namespace bgpdemo::core {

// /run/bgpdemo/router.sock for root; $XDG_RUNTIME_DIR (or /tmp)/bgpdemo-router-<uid>.sock
// otherwise.
std::string DefaultRouterSocket();

struct RouterServiceOptions {
  std::string config_path;         // the router's YAML (core/router_config.h)
  std::string socket_path;         // the control socket; empty: DefaultRouterSocket()
  std::string log_level = "info";  // debug | info | warn | error
  // ADDRESS:PORT to serve Prometheus metrics on (bgp/api/metrics.h); empty: none.
  std::string metrics_address;
  std::string version;  // for bgpdemo_build_info
};

// Runs the route server until SIGTERM or SIGINT, logging one key=value event per line to
// `log`; returns once it has stopped cleanly, or the Error that kept it from starting.
Result<void, Error> RunRouterService(const RouterServiceOptions& options, std::ostream& log);

// What a running router can be asked for.
enum class RouterQuery { kPeers, kRoutes, kJournal };
// "peers", "routes", "journal": the control socket's command names.
std::string_view ToString(RouterQuery query);

// The router's answer (bgp/api/server_api.h has its shape); kEnvironment when no router
// answers on the socket within the timeout or it refuses the request.
Result<nlohmann::json, Error> QueryRouter(
    const std::string& socket_path, RouterQuery query,
    std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Asks a running router to read its config file again and apply it (SIGHUP does the same):
// what changed (bgp/api/server_api.h ReloadJson). kInput, with the file:line:col the router
// found, when the new config is refused (the router keeps running the old one);
// kEnvironment when no router answers. Waits up to `timeout`: a reload that drops a
// neighbor with a full table takes a while.
Result<nlohmann::json, Error> ReloadRouter(
    const std::string& socket_path, std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace bgpdemo::core
