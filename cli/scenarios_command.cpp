#include "cli/scenarios_command.h"

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/exit_codes.h"
#include "cli/verb.h"
#include "core/scenario.h"
#include "core/table.h"

namespace bgpdemo::cli {

namespace {

void AddScenariosFlags(CLI::App& cmd, ScenariosOptions& o) {
  cmd.footer(
      "Each is a name for `bgpdemo render --scenario NAME`; a scenario file of your own is\n"
      "given by its path instead. Example:\n"
      "  bgpdemo scenarios");
  cmd.add_option("-o,--output", o.output, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
}

}  // namespace

CLI::App* AddScenariosCommand(CLI::App& app, ScenariosOptions& o) {
  return AddVerb(app, "scenarios", "List the built-in scenarios",
                 [&o](CLI::App& cmd) { AddScenariosFlags(cmd, o); });
}

int RunScenarios(const ScenariosOptions& o, std::ostream& out) {
  const auto all = core::BuiltinScenarios();
  if (o.output == "json") {
    auto j = nlohmann::json::array();
    for (const auto& s : all) j.push_back({{"name", s.name}, {"description", s.description}});
    out << j.dump(2) << '\n';
    return kExitOk;
  }
  core::Table t({"NAME", "DESCRIPTION"});
  for (const auto& s : all) t.Add({s.name, s.description});
  out << t.Render();
  return kExitOk;
}

}  // namespace bgpdemo::cli
