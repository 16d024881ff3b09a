// The lab's plan of a built-in scenario as the plan tests read it, and one node's speaker
// in it; the test fails when the scenario does not load, validate or plan.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "core/lab/plan.h"
#include "core/scenario_validate.h"

namespace bgpdemo::test {

inline core::lab::LabPlan BuiltinPlan(const std::string& name, const std::string& prefix = "t") {
  auto s = core::LoadScenario(name);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  REQUIRE(core::ValidateScenario(*s).empty());
  auto plan = core::lab::PlanLab(*s, {prefix});
  REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().message()));
  return *plan;
}

inline const core::SpeakerConfig& SpeakerOf(const core::lab::LabPlan& plan,
                                            const std::string& node) {
  const auto it = std::find_if(plan.speakers.begin(), plan.speakers.end(),
                               [&](const core::SpeakerConfig& s) { return s.node == node; });
  REQUIRE_MESSAGE(it != plan.speakers.end(), "no speaker on " << node);
  return *it;
}

}  // namespace bgpdemo::test
