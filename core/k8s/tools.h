// The external tools the kind provider drives (docker, kind, helm, kubectl, cilium-cli):
// finding them with their versions (preflight, `bgpdemo doctor`), and running them with
// errors that say what failed: the command line, its exit code, the end of its stderr and
// a hint (docs/architecture.md "Failure and bad input"). Every program runs through a CommandRunner
// (core/command_runner.h): the real one unless the caller gives another.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"
#include "core/process.h"

namespace bgpdemo::core::k8s {

struct ToolStatus {
  std::string name;     // docker, kind, helm, kubectl, cilium
  std::string path;     // empty: not found
  std::string version;  // as the tool prints it ("v0.20.0"); empty when unknown
  std::string minimum;  // the oldest version bgpdemo supports
  bool ok = false;      // found, answering, and not too old
  std::string problem;  // why not ok
  std::string install;  // how to get it
  std::string note;     // worth saying though ok (a version probe that timed out)
};

// How long a version probe may take: `cilium version --client` asks GitHub for the latest
// stable Cilium with no timeout of its own (cilium-cli cli/version.go), so every probe is
// bounded and a probe that timed out after printing its version is still read.
inline constexpr std::chrono::seconds kVersionProbeTimeout{10};

// Every tool's status, in the order above; docker also needs its daemon to answer.
std::vector<ToolStatus> CheckTools(const std::map<std::string, std::string>& env = {},
                                   CommandRunner& runner = DefaultRunner());

// The tools named in `only` (every one when empty), in the order above.
std::vector<ToolStatus> CheckTools(const std::map<std::string, std::string>& env,
                                   CommandRunner& runner, const std::vector<std::string>& only);

// "docker 20.10.24, kind 0.20.0, ..." when every tool is usable; else an Error of kind
// kEnvironment naming each problem, the version needed and how to install it.
Result<std::string, Error> PreflightVerdict(const std::vector<ToolStatus>& tools);

// Whether version text "v1.2.3" (or "1.2.3", "v0.20.0 go1.20") is at least `minimum`.
bool VersionAtLeast(const std::string& version, const std::string& minimum);

// A failed tool run as users see it:
//   `kind create cluster --name cilium --config ...` exited with 1:
//     ERROR: failed to create cluster: ...
//   hint: <hint>
std::string ToolFailure(const std::vector<std::string>& argv, const ProcessResult& r,
                        const std::string& hint);
// The same as an Error of kind kCommand, with the argv, exit code and stderr tail.
Error ToolError(const std::vector<std::string>& argv, const ProcessResult& r,
                const std::string& hint);

// Runs a tool and returns its stdout; a non-zero exit or a timeout is ToolError(..., hint),
// a tool that could not start an Error of kind kEnvironment with the hint.
struct ToolRun {
  std::map<std::string, std::string> env;  // added to ours (DOCKER_HOST, KUBECONFIG, ...)
  std::chrono::milliseconds timeout{std::chrono::minutes(15)};
  CommandRunner* runner = &DefaultRunner();  // not owned; never null
};
Result<std::string, Error> RunTool(const std::vector<std::string>& argv, const ToolRun& run,
                                   const std::string& hint);

}  // namespace bgpdemo::core::k8s
