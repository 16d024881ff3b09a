// The kind provider's preflight and `bgpdemo doctor` report: the tools and their versions
// (tools.h), the node image for the scenario's Cilium and kind's own default (node_image.h),
// and the machine's limits (host_limits.h). Errors stop `up` before anything is created;
// warnings are shown on the preflight step's line and by `doctor`.
//
//   CollectPreflight -> PreflightReport -> PreflightStep  (up's first step)
//                                       -> DoctorOf       (doctor's kind section)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"
#include "core/k8s/tools.h"
#include "core/kind/host_limits.h"
#include "core/kind/node_image.h"
#include "core/provider.h"
#include "core/scenario.h"

namespace bgpdemo::core::kind {

struct PreflightReport {
  std::vector<k8s::ToolStatus> tools;
  NodeImageChoice node_image;
  std::string cilium_version;                    // the scenario's
  std::string kind_version;                      // empty: kind not usable
  std::optional<KindDefaultImage> kind_default;  // kind's own default for that version
  std::vector<HostFinding> findings;             // errors first; then the warnings of the
                                                 // tools (notes) and of the image skew
  bool host_checked = false;                     // false: Docker did not answer
};

// Runs the probes: the tools, then (when Docker answers) the machine's limits for the
// scenario's nodes. `node_image_flag`: --node-image, empty for the pin.
PreflightReport CollectPreflight(const Scenario& s, const std::string& node_image_flag,
                                 const std::map<std::string, std::string>& env,
                                 CommandRunner& runner, HostFacts& facts);

// up's preflight step: "docker 20.10.24, kind 0.20.0, ...; node image ... (pinned for Cilium
// 1.14)" and, on the following lines, each warning with its fix; an Error of kind
// kEnvironment naming every missing tool or host error with its fix.
Result<std::string, Error> PreflightStep(const PreflightReport& r);

// doctor's kind section: the tools table, the node images (kind's default, the pin) and the
// findings; ready when up's preflight would pass.
DoctorReport DoctorOf(const PreflightReport& r);

}  // namespace bgpdemo::core::kind
