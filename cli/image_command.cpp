#include "cli/image_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <stdlib.h>  // mkdtemp

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/exit_codes.h"
#include "cli/self_path.h"
#include "cli/verb.h"
#include "cli/version.h"
#include "core/http_probe.h"
#include "core/router_image.h"

namespace bgpdemo::cli {

namespace {

void AddImageFlags(CLI::App& image, ImageOptions& o) {
  image.require_subcommand(1);
  o.build = image.add_subcommand(
      "build", "Make the route server's image from this executable and its libraries");
  o.build->footer(
      "Needs Docker and ldd, nothing else: no source tree, no compiler, nothing to pull (FROM\n"
      "scratch). `bgpdemo up --provider kind` makes the same image when it is missing.\n"
      "Examples:\n"
      "  bgpdemo image build\n"
      "  bgpdemo image build --tag registry.example/bgpdemo-router:1 && docker push "
      "registry.example/bgpdemo-router:1");
  o.build->add_option("--tag", o.tag, "The image's name")
      ->default_str(core::DefaultRouterImageTag(kVersion));
  o.build
      ->add_option("--base-image", o.base_image,
                   "An image to build on (its C library should be this machine's)")
      ->default_str("none: FROM scratch");
  o.build
      ->add_option("--context-dir", o.context_dir,
                   "Write the build context (Dockerfile, rootfs/) here and keep it")
      ->default_str("a temporary folder, removed");
}

void AddProbeFlags(CLI::App& probe, ProbeOptions& o) {
  probe.footer(
      "Prints the status line and the body (-o json: status, body, seconds); exit code 0 for\n"
      "any HTTP reply, 1 when none came. Example: bgpdemo probe http://10.12.0.10/");
  probe.add_option("url", o.url, "http://IP[:PORT]/")->required();
  probe.add_option("--timeout", o.timeout_seconds, "Seconds for the whole exchange")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  probe.add_option("-o,--output", o.output, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

}  // namespace

void AddImageCommand(CLI::App& app, ImageOptions& o) {
  AddVerb(app, "image", "The route server's container image",
          [&o](CLI::App& image) { AddImageFlags(image, o); });
}

void AddProbeCommand(CLI::App& app, ProbeOptions& o) {
  o.probe = AddVerb(app, "probe", "One HTTP GET, as verify runs it from the route server",
                    [&o](CLI::App& probe) { AddProbeFlags(probe, o); });
}

bool ImageCommandParsed(const ImageOptions& o) {
  return o.build != nullptr && o.build->parsed();
}

int RunImage(const ImageOptions& o, std::ostream& out, std::ostream& err) {
  core::RouterImageOptions b;
  b.tag = o.tag.empty() ? core::DefaultRouterImageTag(kVersion) : o.tag;
  b.executable = SelfPath();
  b.base_image = o.base_image;
  b.version = kVersion;
  b.context_dir = o.context_dir;
  if (b.context_dir.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "bgpdemo-image-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      fmt::print(err, "bgpdemo image build: cannot make a temporary folder in {}\n",
                 std::filesystem::temp_directory_path().string());
      return kExitEnvironment;
    }
    b.context_dir = pattern;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto built = core::BuildRouterImage(b);
  if (o.context_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(b.context_dir, ec);
  }
  if (!built) {
    fmt::print(err, "bgpdemo image build: {}\n", built.error().message());
    return ExitCodeFor(built.error());
  }
  fmt::print(out, "{} built from {} ({}) in {:.1f} s{}\n", b.tag, b.executable,
             o.base_image.empty() ? "FROM scratch" : "FROM " + o.base_image,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
             o.context_dir.empty() ? "" : "; the context is in " + o.context_dir);
  return kExitOk;
}

int RunProbe(const ProbeOptions& o, std::ostream& out, std::ostream& err) {
  auto target = core::ParseHttpUrl(o.url);
  if (!target) {
    fmt::print(err, "bgpdemo probe: {}\n", target.error());
    return kExitUsage;
  }
  const auto timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_seconds * 1000));
  auto reply = core::HttpGet(target->ip, target->port, timeout);
  if (!reply) {
    fmt::print(err, "bgpdemo probe: {}\n", reply.error());
    return kExitFailed;
  }
  if (o.output == "json") {
    out << nlohmann::json{{"status", reply->status},
                          {"body", reply->body},
                          {"seconds", reply->seconds}}
               .dump()
        << '\n';
  } else {
    fmt::print(out, "{} {} in {:.3f} s\n{}", reply->status, reply->reason, reply->seconds,
               reply->body);
  }
  return kExitOk;
}

}  // namespace bgpdemo::cli
