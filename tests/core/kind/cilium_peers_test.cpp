// `cilium bgp peers` read per node in both cilium-cli conventions, and the sessions step
// failing fast on agents that never answer (core/k8s/cilium_peers.h, agent_failures.h).
#include "core/k8s/cilium_peers.h"

#include <doctest/doctest.h>

#include "core/k8s/agent_failures.h"
#include "core/k8s/output.h"
#include "core/kind/kind.h"
#include "tests/core/kind/fake_kind.h"

namespace bgpdemo::core::kind::test {

// The Kubernetes side the kind provider shares with kube (core/k8s/).
using namespace bgpdemo::core::k8s;  // NOLINT(google-build-using-namespace)
namespace {

using Reads = std::map<std::string, Result<nlohmann::json, std::string>>;

Reads Read(FakeKind& w, const std::string& cluster) {
  w.runner.SetFact("cluster " + cluster);
  const KindClusters clusters(ToolRun{{}, std::chrono::seconds(20), &w.runner});
  return ReadClusterPeers(clusters, cluster);
}

std::vector<std::string> NodeAsks(const FakeRunner& runner) {
  std::vector<std::string> out;
  for (const auto& c : runner.Calls()) {
    if (c.argv.size() == 9 && c.argv[0] == "cilium" && c.argv[7] == "--node") {
      out.push_back(c.argv[8]);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("cilium peers: every node answers: one call, every node's peers") {
  FakeKind w;
  const auto r = Read(w, "cilium");
  REQUIRE(r.size() == 3);
  for (const auto& entry : r) {
    CAPTURE(entry.first);
    REQUIRE(entry.second);
    CHECK((*entry.second)[0]["state"] == "established");
  }
  CHECK(w.runner.CommandLines() ==
        std::vector<std::string>{"cilium bgp peers -o json --context kind-cilium"});
}

TEST_CASE(
    "cilium peers: newer cilium-cli (exit 0, 'Errors retrieving peering state'): the "
    "nodes that answered, the failing one asked alone and named") {
  FakeKind w;
  w.cilium_cli.unreachable = {"cilium-worker"};
  const auto r = Read(w, "cilium");
  REQUIRE(r.size() == 3);
  CHECK(r.at("cilium-control-plane"));
  CHECK(r.at("cilium-worker2"));
  REQUIRE_FALSE(r.at("cilium-worker"));
  CHECK(r.at("cilium-worker").error() ==
        "`cilium bgp peers -o json --context kind-cilium --node cilium-worker` exited with 1: " +
            FakeCiliumCli::PodError("cilium-worker"));
  CHECK(NodeAsks(w.runner) == std::vector<std::string>{"cilium-worker"});
  CHECK(CiliumSaysPartial("Errors retrieving peering state: failed to fetch bgp state from x"));
  CHECK(CiliumSaysPartial("Errors by retrieving routes: failed to fetch bgp state from x"));
  CHECK_FALSE(CiliumSaysPartial(""));
}

TEST_CASE("cilium peers: older cilium-cli (exit 1, no peers printed): each node asked alone") {
  FakeKind w;
  w.cilium_cli.exits_on_partial = true;
  w.cilium_cli.unreachable = {"cilium-worker2"};
  const auto r = Read(w, "cilium");
  REQUIRE(r.size() == 3);
  CHECK(r.at("cilium-control-plane"));
  CHECK(r.at("cilium-worker"));
  REQUIRE_FALSE(r.at("cilium-worker2"));
  CHECK(r.at("cilium-worker2")
            .error()
            .find("failed to fetch bgp state from " + FakeCiliumCli::Pod("cilium-worker2") +
                  ": error with exec request") != std::string::npos);
  CHECK(NodeAsks(w.runner) ==
        std::vector<std::string>{"cilium-control-plane", "cilium-worker", "cilium-worker2"});
}

TEST_CASE("agent failures: stuck after 5 polls over 30 s, and a success resets the streak") {
  AgentFailures a;
  Observed bad;
  bad.node_peers.insert_or_assign("cilium-worker", Fail(std::string("error dialing backend")));
  bad.node_peers.insert_or_assign("cilium-worker2", nlohmann::json::array());
  Observed good;
  good.node_peers.insert_or_assign("cilium-worker", nlohmann::json::array());
  const CommandRunner::Clock::time_point t0{};
  using std::chrono::seconds;
  // 5 polls within 30 s: not yet (an agent restarting).
  for (int i = 0; i < 5; ++i) CHECK(a.Update(bad, t0 + seconds(i)).empty());
  // 31 polls, one per second: stuck.
  for (int i = 5; i < 30; ++i) CHECK(a.Update(bad, t0 + seconds(i)).empty());
  auto stuck = a.Update(bad, t0 + seconds(30));
  CHECK(stuck == std::map<std::string, std::string>{{"cilium-worker", "error dialing backend"}});
  // It answers once: the count starts again.
  CHECK(a.Update(good, t0 + seconds(31)).empty());
  CHECK(a.Update(bad, t0 + seconds(40)).empty());
  // Slow polls: 30 s pass after 2 polls, but 5 polls are needed.
  CHECK(a.Update(bad, t0 + seconds(80)).empty());
  CHECK(a.Update(bad, t0 + seconds(90)).empty());
  CHECK(a.Update(bad, t0 + seconds(95)).empty());
  CHECK(a.Update(bad, t0 + seconds(96)).size() == 1);
  CHECK(AgentFailures::Message(stuck) ==
        "the Cilium agent of 1 node did not answer `cilium bgp peers` on 5 polls over 30 s or "
        "more, so their BGP sessions cannot be read (the other nodes are shown by `bgpdemo "
        "peers`):\n  cilium-worker: error dialing backend\n  hint: kubectl --context kind-cilium "
        "-n kube-system get pods -l k8s-app=cilium -o wide");
}

TEST_CASE(
    "kind up: the sessions step fails fast naming an agent that never answers (both "
    "conventions), up again after the fix completes") {
  for (const bool old_cli : {false, true}) {
    CAPTURE(old_cli);
    TempDir dir;
    FakeKind w;
    w.cilium_cli.exits_on_partial = old_cli;
    w.cilium_cli.unreachable = {"cilium2-worker"};
    auto o = Options(w, dir.path() + "/state", MakeInstallDir(dir.path()));
    o.timeout = std::chrono::seconds(300);
    auto run = RunUp(o);
    REQUIRE(run.error);
    CHECK(run.FailedStep() == "sessions");
    const auto& m = run.error->message();
    CHECK(m.starts_with("the Cilium agent of 1 node did not answer `cilium bgp peers` on 5 polls"));
    CHECK(m.find("\n  cilium2-worker: `cilium bgp peers -o json --context kind-cilium2 --node "
                 "cilium2-worker` exited with 1: failed to fetch bgp state from " +
                 FakeCiliumCli::Pod("cilium2-worker")) != std::string::npos);
    CHECK(m.find("hint: kubectl --context kind-cilium2 -n kube-system get pods -l "
                 "k8s-app=cilium -o wide") != std::string::npos);
    // Well before the step's 300 s.
    CHECK(w.runner.Elapsed() < std::chrono::seconds(60));

    w.cilium_cli.unreachable.clear();
    run = RunUp(o);
    REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
    CHECK(run.result->sessions == 6);
    CHECK(w.runner.Problems().empty());
  }
}

}  // namespace
}  // namespace bgpdemo::core::kind::test
