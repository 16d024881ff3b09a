// Checks what a parsed scenario means before anything is created or rendered: CIDR
// syntax, overlaps between every pod, service, LB pool and network CIDR, LB pools inside
// service CIDRs, AS numbers, names that kind, Docker and Kubernetes accept, the Cilium
// version and BGP API, timers and counts.
//
// Every problem is reported, not just the first, each naming where it is (file:line:col,
// or the flag that set the value), the field, the bad value and what would be valid:
//   two-cluster.yaml:31:15: clusters[1].as: "23456" is AS_TRANS (RFC 6793), not a real AS; ...
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/scenario.h"

namespace bgpdemo::core {

struct ScenarioError {
  std::string where;    // "file:line:col", or a flag such as "--cilium-version"
  std::string path;     // the field, e.g. "clusters[1].pod_cidr"
  std::string message;  // the bad value, what is wrong and what would be valid

  std::string ToString() const { return where + ": " + path + ": " + message; }
};

// Empty when the scenario is valid, i.e. when core::Render may be called with it.
std::vector<ScenarioError> ValidateScenario(const Scenario& s);

// One error per line.
std::string FormatErrors(const std::vector<ScenarioError>& errors);

// ValidateScenario as a Result: nothing when the scenario is valid, else one Error of kind
// kInput whose message is FormatErrors of every problem.
Result<void, Error> CheckScenario(const Scenario& s);

// Whether the providers can bring the scenario up: IPv4 demos so far. A dual-stack or
// IPv6-only scenario is valid and `bgpdemo render` writes its cluster files, but `up` on any
// provider refuses it (kInput, at ip_family) until the sessions, the route server's FIB and
// the providers carry IPv6 (issue #14).
Result<void, Error> CheckRunnable(const Scenario& s);

}  // namespace bgpdemo::core
