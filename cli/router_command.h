// `bgpdemo router`: runs the route server in the foreground, and its control clients
// `bgpdemo router peers` and `bgpdemo router routes`.
#pragma once

#include <iosfwd>
#include <string>

#include <CLI/CLI.hpp>

namespace bgpdemo::cli {

struct RouterOptions {
  std::string config;
  std::string socket;  // default: DefaultRouterSocket()
  std::string log_level = "info";
  std::string output = "table";
  CLI::App* run = nullptr;
  CLI::App* peers = nullptr;
  CLI::App* routes = nullptr;
};

// /run/bgpdemo/router.sock for root; $XDG_RUNTIME_DIR (or /tmp)/bgpdemo-router-<uid>.sock
// otherwise.
std::string DefaultRouterSocket();

CLI::App* AddRouterCommand(CLI::App& app, RouterOptions& opts);
int RunRouter(const RouterOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace bgpdemo::cli
