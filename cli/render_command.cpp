#include "cli/render_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>

#include "cli/exit_codes.h"
#include "cli/verb.h"
#include "core/docker_subnets.h"
#include "core/render.h"
#include "core/scenario.h"
#include "core/scenario_validate.h"

namespace bgpdemo::cli {

namespace {

void AddRenderFlags(CLI::App& cmd, RenderOptions& o) {
  cmd.footer(
      "Writes one folder per cluster (kind.yaml, cilium-values.yaml, nginx.yaml,\n"
      "lb-ippool.yaml, the BGP resources, node-routes.yaml) and router/router.yaml, and\n"
      "prints their paths. The router's address on each network is known only once it runs:\n"
      "without --router-address the files hold ROUTER_ADDRESS_ON_<network> placeholders, and\n"
      "render lists them on stderr. A network the scenario leaves to Docker (the built-in\n"
      "ones do) gets --network-subnet, or else the subnet Docker gives a new network on a\n"
      "machine with only docker0: 172.18.0.0/16, then 172.19.0.0/16 ... (up reads the real\n"
      "one: docker network inspect NAME).\n"
      "Examples:\n"
      "  bgpdemo render -o demo\n"
      "  bgpdemo render --scenario two-cluster-v2 --router-address kind=172.18.0.254 \\\n"
      "      --router-address kind2=172.19.0.254 -o demo\n"
      "  bgpdemo render --scenario my-demo.yaml --cilium-version 1.17.0 --stdout");
  cmd.add_option("--scenario", o.scenario,
                 "A built-in scenario's name (bgpdemo scenarios) or a scenario file")
      ->capture_default_str();
  cmd.add_option("--cilium-version", o.cilium_version,
                 "Cilium release to render for, instead of the scenario's (1.14.0 to 1.20.x)");
  cmd.add_option("--router-address", o.router_addresses,
                 "NETWORK=IP: the route server's address on a Docker network (repeatable; "
                 "a dual-stack network takes an IPv4 and an IPv6 one)")
      ->take_all();
  cmd.add_option("--network-subnet", o.network_subnets,
                 "NETWORK=CIDR: a network's subnet, for one the scenario leaves to Docker "
                 "(repeatable; an IPv6 CIDR sets its IPv6 subnet; default: Docker's first "
                 "free 172.18.0.0/16, 172.19.0.0/16 ... in the scenario's order, said on "
                 "stderr)")
      ->take_all();
  cmd.add_option("--templates", o.templates_dir,
                 "A folder of *.mustache templates that replace the compiled-in ones by name")
      ->check(CLI::ExistingDirectory);
  auto* dir = cmd.add_option("-o,--out", o.out_dir, "Folder to write the files into");
  auto* std_out =
      cmd.add_flag("--stdout", o.to_stdout, "Print every file as one multi-document YAML instead");
  dir->excludes(std_out);
}

}  // namespace

CLI::App* AddRenderCommand(CLI::App& app, RenderOptions& o) {
  return AddVerb(app, "render",
                 "Write every file a scenario's demo applies or runs (kind, Helm, Cilium, router)",
                 [&o](CLI::App& cmd) { AddRenderFlags(cmd, o); });
}

namespace {

// "NAME=VALUE" -> (NAME, VALUE); nullopt when there is no '=' or a side is empty.
std::optional<std::pair<std::string, std::string>> SplitAssignment(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) return std::nullopt;
  return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

bool WriteFile(const std::filesystem::path& path, const std::string& content, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    error =
        fmt::format("{}: cannot create the folder: {}", path.parent_path().string(), ec.message());
    return false;
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  f.close();
  if (!f) {
    error = fmt::format("{}: cannot write: {}", path.string(), std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace

int RunRender(const RenderOptions& o, std::ostream& out, std::ostream& err) {
  if (o.out_dir.empty() && !o.to_stdout) {
    fmt::print(err, "bgpdemo render: give -o DIR to write the files, or --stdout to print them\n");
    return kExitUsage;
  }
  auto scenario = core::LoadScenario(o.scenario);
  if (!scenario) {
    fmt::print(err, "bgpdemo render: {}\n", scenario.error());
    return ExitCodeFor(scenario.error());
  }
  auto& s = *scenario;
  if (!o.cilium_version.empty()) {
    s.cilium_version = o.cilium_version;
    s.positions.Set("cilium.version", {0, 0, "--cilium-version"});
  }
  for (const auto& text : o.network_subnets) {
    const auto kv = SplitAssignment(text);
    bool found = false;
    for (std::size_t i = 0; kv && i < s.networks.size(); ++i) {
      if (s.networks[i].name != kv->first) continue;
      // An IPv6 CIDR is the network's IPv6 subnet (the router's range in an IPv6-only demo).
      const bool v6 = kv->second.find(':') != std::string::npos;
      (v6 ? s.networks[i].subnet_v6 : s.networks[i].subnet) = kv->second;
      s.positions.Set(fmt::format("networks[{}].{}", i, v6 ? "subnet_v6" : "subnet"),
                      {0, 0, fmt::format("--network-subnet {}", text)});
      found = true;
    }
    if (!found) {
      fmt::print(err,
                 "bgpdemo render: --network-subnet {}: expected NETWORK=CIDR with one of the "
                 "scenario's networks\n",
                 text);
      return kExitUsage;
    }
  }
  const auto assumed = core::AssumeDockerSubnets(s);
  if (const auto errors = core::ValidateScenario(s); !errors.empty()) {
    err << core::FormatErrors(errors);
    fmt::print(err, "bgpdemo render: {} {} in scenario {}; nothing was rendered\n", errors.size(),
               errors.size() == 1 ? "problem" : "problems", s.name);
    return kExitInput;
  }

  core::RenderOptions ro;
  ro.templates_dir = o.templates_dir;
  for (const auto& text : o.router_addresses) {
    const auto kv = SplitAssignment(text);
    if (!kv) {
      fmt::print(err,
                 "bgpdemo render: --router-address {}: expected NETWORK=IP, e.g. "
                 "kind=172.18.0.254\n",
                 text);
      return kExitUsage;
    }
    // One flag for both families: a dual-stack network takes an IPv4 and an IPv6 address.
    const bool v6 = kv->second.find(':') != std::string::npos;
    (v6 ? ro.router_addresses_v6 : ro.router_addresses)[kv->first] = kv->second;
  }
  if (auto ok = core::CheckRenderOptions(s, ro); !ok) {
    fmt::print(err, "bgpdemo render: {}\n", ok.error());
    return ExitCodeFor(ok.error());
  }
  auto rendered = core::Render(s, ro);
  if (!rendered) {
    fmt::print(err, "bgpdemo render: {}\n", rendered.error());
    return ExitCodeFor(rendered.error());
  }

  if (o.to_stdout) {
    for (const auto& f : rendered->files) out << "---\n" << f.content;
  } else {
    for (const auto& f : rendered->files) {
      const auto path = std::filesystem::path(o.out_dir) / f.path;
      std::string error;
      if (!WriteFile(path, f.content, error)) {
        fmt::print(err, "bgpdemo render: {}\n", error);
        return kExitEnvironment;
      }
      out << path.string() << '\n';
    }
  }
  if (!assumed.empty()) {
    fmt::print(err,
               "bgpdemo render: assumed {} (the subnets Docker gives new networks on a machine "
               "with only docker0); give --network-subnet NAME=CIDR for yours (docker network "
               "inspect NAME)\n",
               fmt::join(assumed, ", "));
  }
  if (!rendered->placeholders.empty()) {
    fmt::print(err,
               "bgpdemo render: warning: {} placeholder{} left for values known only at run "
               "time; render again with them before applying:\n",
               rendered->placeholders.size(), rendered->placeholders.size() == 1 ? "" : "s");
    for (const auto& p : rendered->placeholders) {
      std::string files;
      for (const auto& f : p.files) files += (files.empty() ? "" : ", ") + f;
      fmt::print(err, "  {}: {}; give {} (in {})\n", p.token, p.meaning, p.how, files);
    }
  }
  return kExitOk;
}

}  // namespace bgpdemo::cli
