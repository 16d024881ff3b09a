// `bgpdemo router`: runs the route server in the foreground, and its control clients
// `bgpdemo router peers`, `routes`, `journal`, `reload` and `restart`, and `bgpdemo router
// kernel-routes` and `neighbours` (its routes in the kernel and its IPv4 neighbours' MACs, read
// over rtnetlink: core/kernel_routes.h). The flags and the tables are here; running and querying
// the router is core/router_service.h.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

namespace bgpdemo::cli {

struct RouterOptions {
  std::string config;
  std::string socket;  // default: core::DefaultRouterSocket()
  std::string log_level = "info";
  std::string metrics;  // --metrics ADDRESS:PORT; empty: none
  std::string output = "table";
  CLI::App* run = nullptr;
  CLI::App* peers = nullptr;
  CLI::App* routes = nullptr;
  CLI::App* journal = nullptr;
  CLI::App* reload = nullptr;
  CLI::App* restart = nullptr;
  int restart_timeout = 150;  // router restart --timeout, seconds
  CLI::App* kernel_routes = nullptr;
  CLI::App* neighbours = nullptr;
};

CLI::App* AddRouterCommand(CLI::App& app, RouterOptions& opts);
int RunRouter(const RouterOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace bgpdemo::cli
