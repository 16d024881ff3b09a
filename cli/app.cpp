#include "cli/app.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <exception>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/decode_command.h"
#include "cli/demo_command.h"
#include "cli/exit_codes.h"
#include "cli/image_command.h"
#include "cli/render_command.h"
#include "cli/router_command.h"
#include "cli/scenarios_command.h"
#include "cli/verb.h"
#include "cli/version.h"

namespace bgpdemo::cli {

namespace {

constexpr const char* kDescription =
    "bgpdemo: the two-cluster Cilium BGP Control Plane demo, end to end, with its own\n"
    "BGP-4 engine as the external router.";

int RunVersion(const std::string& output, std::ostream& out) {
  if (output == "json") {
    out << nlohmann::json{{"version", kVersion}, {"git", kGitDescribe}}.dump() << '\n';
  } else {
    fmt::print(out, "bgpdemo {} ({})\n", kVersion, kGitDescribe);
  }
  return kExitOk;
}

}  // namespace

int Main(int argc, const char* const* argv, std::istream& in, std::ostream& out,
         std::ostream& err) {
  CLI::App app(kDescription, "bgpdemo");
  app.footer(kExitCodeHelp);
  app.set_version_flag("--version", fmt::format("bgpdemo {} ({})", kVersion, kGitDescribe));
  app.require_subcommand(1);

  std::string version_output = "text";
  // Every verb's flags are made only when it is run (cli/verb.h).
  auto* version = AddVerb(app, "version", "Print the version", [&version_output](CLI::App& cmd) {
    cmd.add_option("-o,--output", version_output, "Output format")
        ->check(CLI::IsMember({"text", "json"}));
  });

  DecodeOptions decode_opts;
  auto* decode = AddDecodeCommand(app, decode_opts);
  RouterOptions router_opts;
  auto* router = AddRouterCommand(app, router_opts);
  ScenariosOptions scenarios_opts;
  auto* scenarios = AddScenariosCommand(app, scenarios_opts);
  RenderOptions render_opts;
  auto* render = AddRenderCommand(app, render_opts);
  DemoOptions demo_opts;
  AddDemoCommands(app, demo_opts);
  ImageOptions image_opts;
  AddImageCommand(app, image_opts);
  ProbeOptions probe_opts;
  AddProbeCommand(app, probe_opts);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp& e) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << '\n';
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    // Help for a subcommand arrives as CallForHelp from the subcommand's parse.
    if (e.get_exit_code() == 0) {
      const CLI::App* sub = &app;
      while (!sub->get_subcommands().empty()) sub = sub->get_subcommands().back();
      out << sub->help();
      return kExitOk;
    }
    if (app.get_subcommands().empty() && argc <= 1) {
      err << app.help();
      return kExitUsage;
    }
    fmt::print(err, "bgpdemo: {}\nRun 'bgpdemo --help' for the verbs and their flags.\n", e.what());
    return kExitUsage;
  }

  try {
    if (version->parsed()) return RunVersion(version_output, out);
    if (decode->parsed()) return RunDecode(decode_opts, in, out, err);
    if (router->parsed()) return RunRouter(router_opts, out, err);
    if (scenarios->parsed()) return RunScenarios(scenarios_opts, out);
    if (render->parsed()) return RunRender(render_opts, out, err);
    if (DemoCommandParsed(demo_opts)) return RunDemo(demo_opts, out, err);
    if (ImageCommandParsed(image_opts)) return RunImage(image_opts, out, err);
    if (probe_opts.probe->parsed()) return RunProbe(probe_opts, out, err);
  } catch (const std::exception& e) {
    fmt::print(err, "bgpdemo: internal error: {}\n", e.what());
    return kExitInternal;
  }
  err << app.help();
  return kExitUsage;
}

}  // namespace bgpdemo::cli
