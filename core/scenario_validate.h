// Checks what a parsed scenario means before anything is created or rendered: CIDR
// syntax, overlaps between every pod, service, LB pool and network CIDR, LB pools inside
// service CIDRs, AS numbers, names that kind, Docker and Kubernetes accept, the Cilium
// version and BGP API, timers and counts.
//
// Every problem is reported, not just the first, each naming where it is (file:line:col,
// or the flag that set the value), the field, the bad value and what would be valid:
//   two-cluster.yaml:31:15: clusters[1].as: "23456" is AS_TRANS (RFC 6793), not a real AS; ...
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
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

// Whether `provider` can bring the scenario up: the families it runs (`runs`: the lab
// IPv4 and dual stack, kind and kube IPv4 so far). A scenario of another family is valid and
// `bgpdemo render` writes its cluster files, but `up` refuses it (kInput, at ip_family,
// naming what runs where) until that provider carries it (issue #14).
Result<void, Error> CheckRunnable(const Scenario& s, std::string_view provider,
                                  std::initializer_list<IpFamily> runs);

}  // namespace bgpdemo::core
