// Helpers shared by the kind provider's files (core/kind/*.cpp); not for other code.
#pragma once

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "base/error.h"
#include "base/result.h"
#include "core/kind/kind.h"
#include "core/scenario.h"

namespace bgpdemo::core::kind::detail {

// kind's kubectl context for a cluster.
inline std::string Context(const std::string& cluster) { return "kind-" + cluster; }

// Where up writes the rendered files, inside the state folder.
inline std::string FilesDir(const std::string& dir) { return dir + "/files"; }

// A tool's stdout as JSON; an error (kFailed) quoting its start when it is not JSON.
inline Result<nlohmann::json, Error> ParseJson(const std::string& text, const std::string& what) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return Fail(fmt::format("{} printed no JSON: {:?}", what, text.substr(0, 120)));
  }
  return j;
}

// The scenario up started with, with the subnets Docker gave the networks it left open.
inline Result<Scenario, Error> ScenarioOf(const KindState& st) {
  auto s = ParseScenario(st.scenario.text, st.scenario.source, st.scenario.name);
  if (!s) return Fail(s.error());
  for (auto& n : s->networks) {
    if (const auto it = st.subnets.find(n.name); it != st.subnets.end()) n.subnet = it->second;
  }
  return std::move(*s);
}

}  // namespace bgpdemo::core::kind::detail
