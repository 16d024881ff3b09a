// Helpers shared by the kind provider's files (core/kind/*.cpp); not for other code.
#pragma once

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "base/error.h"
#include "base/result.h"
#include "core/k8s/output.h"
#include "core/kind/kind.h"
#include "core/scenario.h"

namespace bgpdemo::core::kind {

// The Kubernetes side's readers, shared with the kube provider (core/k8s/output.h).
using k8s::JoinErrors;
using k8s::Lines;
using k8s::ParseJson;
using k8s::PreflightVerdict;
using k8s::RunTool;
using k8s::ServiceLoadBalancerIps;
using k8s::ToolError;
using k8s::ToolRun;

}  // namespace bgpdemo::core::kind

namespace bgpdemo::core::kind::detail {

// kind's kubectl context for a cluster.
inline std::string Context(const std::string& cluster) {
  return "kind-" + cluster;
}

// Where up writes the rendered files, inside the state folder.
inline std::string FilesDir(const std::string& dir) {
  return dir + "/files";
}

// The scenario up started with, with the subnets (IPv4 and IPv6) Docker gave the networks
// it left open.
inline Result<Scenario, Error> ScenarioOf(const KindState& st) {
  auto s = ParseScenario(st.scenario.text, st.scenario.source, st.scenario.name);
  if (!s) return Fail(s.error());
  for (auto& n : s->networks) {
    if (const auto it = st.subnets.find(n.name); it != st.subnets.end()) n.subnet = it->second;
    if (const auto it = st.subnets_v6.find(n.name); it != st.subnets_v6.end()) {
      n.subnet_v6 = it->second;
    }
  }
  return std::move(*s);
}

}  // namespace bgpdemo::core::kind::detail
