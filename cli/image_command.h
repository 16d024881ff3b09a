// `bgpdemo image build`: makes the route server's image from this executable
// (core/router_image.h), as `up --provider kind` does when the image is missing, so that a
// user can make it, or push it to a registry, by hand. And `bgpdemo probe URL`: one HTTP GET
// (core/http_probe.h), what `verify` runs in the router's container instead of curl.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

namespace bgpdemo::cli {

struct ImageOptions {
  std::string tag;          // empty: bgpdemo-router:<version>
  std::string base_image;   // empty: FROM scratch
  std::string context_dir;  // empty: a temporary folder, removed afterwards
  CLI::App* build = nullptr;
};

struct ProbeOptions {
  std::string url;
  double timeout_seconds = 2;
  std::string output = "text";
  CLI::App* probe = nullptr;
};

void AddImageCommand(CLI::App& app, ImageOptions& o);
void AddProbeCommand(CLI::App& app, ProbeOptions& o);
bool ImageCommandParsed(const ImageOptions& o);
int RunImage(const ImageOptions& o, std::ostream& out, std::ostream& err);
int RunProbe(const ProbeOptions& o, std::ostream& out, std::ostream& err);

}  // namespace bgpdemo::cli
