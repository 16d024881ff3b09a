// cilium-cli's answers for FakeKind (fake_kind.h): `cilium version --client` that may hang
// on its call for the latest stable version, and `cilium bgp peers -o json --context C
// [--node N]` with agents that cannot be reached, in both of cilium-cli's conventions
// (core/k8s/cilium_peers.h; the doubles' README has the versions and source lines).
#pragma once

#include <fmt/format.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/fake_runner.h"

namespace bgpdemo::core::kind::test {

struct FakeCiliumCli {
  // `cilium version --client` prints its version, then hangs on GitHub until killed.
  bool version_hangs = false;
  // Nodes whose cilium-agent pod cannot be reached (kubelet down): cilium-cli's exec fails.
  std::set<std::string> unreachable;
  // cilium-cli before v0.18.6: one failing pod makes it exit 1 with no peers printed.
  bool exits_on_partial = false;

  static constexpr const char* kVersionLine =
      "cilium-cli: v0.18.9 compiled with go1.24.6 on linux/amd64\n"
      "cilium image (default): v1.18.3\n";

  FakeReply Version() const {
    if (version_hangs) return {137, kVersionLine, "", true, ""};
    return FakeReply::Ok(std::string(kVersionLine) + "cilium image (stable): unknown\n");
  }

  // The agent pod of a node, as cilium-cli names it in its errors.
  static std::string Pod(const std::string& node) {
    std::size_t h = std::hash<std::string>{}(node) % 100000;
    return fmt::format("cilium-{:05d}", h);
  }
  static std::string PodError(const std::string& node) {
    return fmt::format(
        "failed to fetch bgp state from {}: error with exec request (pod=kube-system/{}, "
        "container=cilium-agent): error dialing backend: dial tcp 172.30.200.9:10250: connect: "
        "connection refused",
        Pod(node), Pod(node));
  }

  // `cilium bgp peers -o json --context C [--node N]`: `nodes` are the cluster's, `peers_of`
  // gives a node's peer list.
  FakeReply Peers(const std::vector<std::string>& argv, const std::vector<std::string>& nodes,
                  const std::function<nlohmann::json(const std::string&)>& peers_of) const {
    std::vector<std::string> asked = nodes;
    for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
      if (argv[i] == "--node") asked = {argv[i + 1]};
    }
    nlohmann::json out = nlohmann::json::object();
    std::vector<std::string> errors;
    for (const auto& n : asked) {
      if (unreachable.count(n)) {
        errors.push_back(PodError(n));
      } else {
        out[n] = peers_of(n);
      }
    }
    if (errors.empty()) return FakeReply::Ok(out.dump(1) + "\n");
    const auto joined = fmt::format("{}", fmt::join(errors, "\n"));
    if (out.empty() || exits_on_partial) return FakeReply::Exit(1, joined + "\n");
    return {0, out.dump(1) + "\n", "Errors retrieving peering state: " + joined + "\n\n", false,
            ""};
  }
};

}  // namespace bgpdemo::core::kind::test
