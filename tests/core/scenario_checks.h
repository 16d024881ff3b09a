// Scenario validation as the scenario tests read it: a YAML text parsed as test.yaml, and
// every problem ValidateScenario finds as "test.yaml:line:col: path: message"; and a
// built-in scenario as render takes it.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/docker_subnets.h"
#include "core/scenario.h"
#include "core/scenario_validate.h"

namespace bgpdemo::test {

// Built-in scenario `name` with Docker's subnets assumed where it leaves them out, as
// `bgpdemo render` does; the test fails unless it loads and validates.
inline core::Scenario RenderableBuiltin(const std::string& name) {
  auto s = core::LoadScenario(name);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  core::AssumeDockerSubnets(*s);
  REQUIRE(core::ValidateScenario(*s).empty());
  return *s;
}

inline std::vector<std::string> ScenarioErrors(const std::string& yaml) {
  auto s = core::ParseScenario(yaml, "test.yaml", "test");
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  std::vector<std::string> out;
  for (const auto& e : core::ValidateScenario(*s)) out.push_back(e.ToString());
  return out;
}

// The one problem of `yaml`; the test fails when there are none or several.
inline std::string OnlyScenarioError(const std::string& yaml) {
  const auto all = ScenarioErrors(yaml);
  REQUIRE_MESSAGE(all.size() == 1, fmt::format("{}", fmt::join(all, "\n")));
  return all[0];
}

// `text` with the `nth` (0-based) occurrence of `from` replaced by `to`.
inline std::string ReplaceNth(std::string text, std::string_view from, std::string_view to,
                              int nth = 0) {
  std::size_t at = text.find(from);
  for (int i = 0; i < nth && at != std::string::npos; ++i) at = text.find(from, at + 1);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace bgpdemo::test
