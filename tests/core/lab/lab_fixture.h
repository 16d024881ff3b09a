// Test helpers for core/lab tests that need root: namespaces named bgpdt<pid>-<short>,
// all deleted (with every process in them) when the fixture goes out of scope, also when a
// REQUIRE fails.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/lab/netns.h"

namespace bgpdemo::test {

// The reason a root test cannot run here, or empty.
inline std::string RootSkipReason() {
  if (::geteuid() != 0) return "needs root to create network namespaces";
  if (::access("/run/netns", F_OK) != 0 && ::access("/run", W_OK) != 0) {
    return "cannot create /run/netns";
  }
  return "";
}

class TestNamespaces {
 public:
  TestNamespaces() : prefix_(fmt::format("bgpdt{}-", ::getpid())) {}
  ~TestNamespaces() {
    for (auto it = names_.rbegin(); it != names_.rend(); ++it) {
      if (auto r = core::lab::DeleteNetns(*it); !r) MESSAGE("cleanup: " << r.error());
    }
  }
  TestNamespaces(const TestNamespaces&) = delete;
  TestNamespaces& operator=(const TestNamespaces&) = delete;

  // Creates bgpdt<pid>-<short> (loopback up) and returns its name.
  std::string Make(const std::string& short_name) {
    const std::string name = prefix_ + short_name;
    (void)core::lab::DeleteNetns(name);  // a leftover of a crashed run with our pid
    names_.push_back(name);
    auto r = core::lab::CreateNetns(name);
    REQUIRE_MESSAGE(r, (r ? std::string() : r.error()));
    return name;
  }
  const std::string& prefix() const { return prefix_; }
  // An interface name unique to this process: at most 15 characters.
  std::string Ifname(const std::string& short_name) const {
    return fmt::format("bt{}{}", ::getpid() % 100000, short_name).substr(0, 15);
  }

 private:
  std::string prefix_;
  std::vector<std::string> names_;
};

}  // namespace bgpdemo::test
