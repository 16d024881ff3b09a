// `bgpdemo scenarios`: the built-in scenarios (compiled in from scenarios/), one line each.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

namespace bgpdemo::cli {

struct ScenariosOptions {
  std::string output = "table";
};

CLI::App* AddScenariosCommand(CLI::App& app, ScenariosOptions& opts);
int RunScenarios(const ScenariosOptions& opts, std::ostream& out);

}  // namespace bgpdemo::cli
