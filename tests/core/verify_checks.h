// verify's checks as the verify tests read them: one check by group and name, and every
// check passing (each failure shown with its name and detail).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/verify.h"

namespace bgpdemo::test {

// The check named `group name`; the test fails when there is none.
inline const core::Check& FindCheck(const std::vector<core::Check>& checks,
                                    const std::string& group, const std::string& name) {
  const auto it = std::find_if(checks.begin(), checks.end(), [&](const core::Check& c) {
    return c.group == group && c.name == name;
  });
  REQUIRE_MESSAGE(it != checks.end(), group << " " << name);
  return *it;
}

inline void CheckAllPass(const std::vector<core::Check>& checks) {
  for (const auto& c : checks) {
    CAPTURE(c.name);
    CAPTURE(c.detail);
    CHECK(c.ok);
  }
}

}  // namespace bgpdemo::test
