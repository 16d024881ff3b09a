// `bgpdemo render`: writes every file a scenario's demo applies or runs (core/render.h)
// into a folder, one subfolder per cluster plus router/, or prints them as one
// multi-document YAML.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace bgpdemo::cli {

struct RenderOptions {
  std::string scenario = "two-cluster";
  std::string cilium_version;                 // empty: the scenario's
  std::vector<std::string> router_addresses;  // NETWORK=IP
  std::vector<std::string> network_subnets;   // NETWORK=CIDR
  std::string templates_dir;
  std::string out_dir;
  bool to_stdout = false;
};

CLI::App* AddRenderCommand(CLI::App& app, RenderOptions& opts);
int RunRender(const RenderOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace bgpdemo::cli
