// The external tools the kind provider drives (docker, kind, helm, kubectl, cilium-cli):
// finding them with their versions (preflight, `bgpdemo doctor`), and running them with
// errors that say what failed: the command line, its exit code, the end of its stderr and
// a hint (DESIGN.md "Failure and bad input").
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/process.h"

namespace bgpdemo::core::kind {

struct ToolStatus {
  std::string name;      // docker, kind, helm, kubectl, cilium
  std::string path;      // empty: not found
  std::string version;   // as the tool prints it ("v0.20.0"); empty when unknown
  std::string minimum;   // the oldest version bgpdemo supports
  bool ok = false;       // found, answering, and not too old
  std::string problem;   // why not ok
  std::string install;   // how to get it
};

// Every tool's status, in the order above; docker also needs its daemon to answer.
std::vector<ToolStatus> CheckTools(const std::map<std::string, std::string>& env = {});

// Whether version text "v1.2.3" (or "1.2.3", "v0.20.0 go1.20") is at least `minimum`.
bool VersionAtLeast(const std::string& version, const std::string& minimum);

// A failed tool run as users see it:
//   `kind create cluster --name cilium --config ...` exited with 1:
//     ERROR: failed to create cluster: ...
//   hint: <hint>
std::string ToolFailure(const std::vector<std::string>& argv, const ProcessResult& r,
                        const std::string& hint);

// Runs a tool; a non-zero exit is an error carrying ToolFailure(..., hint).
struct ToolRun {
  std::map<std::string, std::string> env;  // added to ours (DOCKER_HOST, KUBECONFIG, ...)
  std::chrono::milliseconds timeout{std::chrono::minutes(15)};
};
Result<std::string, std::string> RunTool(const std::vector<std::string>& argv, const ToolRun& run,
                                         const std::string& hint);

}  // namespace bgpdemo::core::kind
