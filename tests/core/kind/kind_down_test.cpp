// `kind down` on a fake world (fake_kind.h): it removes what the state says up created and
// nothing else, counts what is gone already as removed, and stops with Docker's words when
// something cannot be removed, keeping the state for the next down.
#include <doctest/doctest.h>

#include "core/k8s/output.h"
#include "core/kind/kind.h"
#include "tests/core/kind/fake_kind.h"

namespace bgpdemo::core::kind::test {

// The Kubernetes side the kind provider shares with kube (core/k8s/).
using namespace bgpdemo::core::k8s;  // NOLINT(google-build-using-namespace)
namespace {

// A state as up leaves it, with `networks` and `clusters` created by bgpdemo.
void WriteState(const std::string& dir, std::vector<std::string> networks,
                std::vector<std::string> clusters, bool router_container) {
  KindState s;
  s.scenario = TestScenario();
  s.router_image = kImage;
  s.networks = std::move(networks);
  s.clusters = std::move(clusters);
  s.router_container = router_container;
  REQUIRE(WriteKindState(dir, s));
}

struct DownRun {
  Result<KindDownReport, Error> result;
  std::vector<StepEvent> steps;
};

DownRun Down(FakeKind& w, const std::string& state) {
  std::vector<StepEvent> steps;
  auto r = KindDown(
      state, {{"DOCKER_HOST", "unix:///fake.sock"}},
      [&](const StepEvent& e) { steps.push_back(e); }, w.runner);
  return {std::move(r), std::move(steps)};
}

TEST_CASE("kind down: removes exactly what the state lists, and keeps the user's network") {
  TempDir dir;
  FakeKind w;
  const auto state = dir.path() + "/state";
  for (const char* f :
       {"network kind", "cluster cilium", "cluster cilium2", "container bgpdemo-router",
        "bgpdemo-router on kind", "bgpdemo-router on kind2"}) {
    w.runner.SetFact(f);
  }
  w.UserNetwork("kind2");
  w.runner.SetFact("cluster users-own");  // a kind cluster of the user's
  WriteState(state, {"kind"}, {"cilium", "cilium2"}, true);

  auto down = Down(w, state);
  REQUIRE(down.result);
  CHECK(down.result->had_state);
  CHECK(down.result->removed == std::vector<std::string>{"cluster cilium", "cluster cilium2",
                                                         "container bgpdemo-router",
                                                         "network kind"});
  auto lines = w.runner.CommandLines();
  std::sort(lines.begin(), lines.begin() + 2);  // the clusters go in parallel
  CHECK(lines == std::vector<std::string>{"kind delete cluster --name cilium",
                                          "kind delete cluster --name cilium2",
                                          "docker rm -f bgpdemo-router", "docker network rm kind"});
  for (const auto& c : w.runner.Calls()) {
    CHECK(c.env_add == std::map<std::string, std::string>{{"DOCKER_HOST", "unix:///fake.sock"}});
  }
  CHECK(w.runner.Facts() ==
        std::vector<std::string>{"cluster users-own", "network kind2", "user network kind2"});
  CHECK(down.steps.size() == 4);
  CHECK(down.steps[1].detail ==
        "container bgpdemo-router removed (the image bgpdemo-router:test is kept)");
  CHECK(down.steps[2].detail == "removed [kind]; networks bgpdemo did not create are kept");
  CHECK_FALSE(std::filesystem::exists(state));  // the state folder, empty, goes too
  CHECK(w.runner.Problems().empty());
}

TEST_CASE("kind down: a router container up did not create is not touched") {
  TempDir dir;
  FakeKind w;
  const auto state = dir.path() + "/state";
  w.runner.SetFact("container bgpdemo-router");
  WriteState(state, {}, {}, false);
  auto down = Down(w, state);
  REQUIRE(down.result);
  CHECK(down.result->removed.empty());
  CHECK(w.runner.CommandLines().empty());
  CHECK(down.steps[1].detail == "none was created");
  CHECK(w.runner.HasFact("container bgpdemo-router"));
}

TEST_CASE("kind down: what is gone already counts as removed") {
  TempDir dir;
  FakeKind w;  // nothing exists any more
  const auto state = dir.path() + "/state";
  WriteState(state, {"kind", "kind2"}, {"cilium"}, true);
  auto down = Down(w, state);
  REQUIRE(down.result);
  CHECK(down.result->removed == std::vector<std::string>{"cluster cilium",
                                                         "container bgpdemo-router", "network kind",
                                                         "network kind2"});
  CHECK(w.runner.CommandLines() ==
        std::vector<std::string>{"kind delete cluster --name cilium", "docker rm -f bgpdemo-router",
                                 "docker network rm kind", "docker network rm kind2"});
}

TEST_CASE("kind down: a node removed under kind's delete (a killed down's) is tried again") {
  TempDir dir;
  FakeKind w;
  const auto state = dir.path() + "/state";
  w.runner.SetFact("cluster cilium");
  w.kind_delete_races = {{"cilium", 2}};
  WriteState(state, {}, {"cilium"}, false);
  auto down = Down(w, state);
  REQUIRE(down.result);
  CHECK(down.result->removed == std::vector<std::string>{"cluster cilium"});
  CHECK(w.runner.CommandLines() ==
        std::vector<std::string>(3, "kind delete cluster --name cilium"));
  CHECK_FALSE(w.runner.HasFact("cluster cilium"));

  // Three times is the end: kind's words, and the state stays for the next down.
  w.runner.SetFact("cluster cilium");
  w.kind_delete_races = {{"cilium", 3}};
  WriteState(state, {}, {"cilium"}, false);
  down = Down(w, state);
  REQUIRE_FALSE(down.result);
  CHECK(down.result.error().message().find("No such container: cilium-worker") !=
        std::string::npos);
  CHECK(ReadKindState(state));
}

TEST_CASE("kind down: a network still in use stops down with Docker's error, and the state stays") {
  TempDir dir;
  FakeKind w;
  const auto state = dir.path() + "/state";
  w.runner.SetFact("network kind");
  w.network_in_use = {"kind"};
  WriteState(state, {"kind"}, {}, false);
  auto down = Down(w, state);
  REQUIRE_FALSE(down.result);
  const auto& e = down.result.error();
  CHECK(e.kind() == ErrorKind::kCommand);
  CHECK(e.command()->argv == std::vector<std::string>{"docker", "network", "rm", "kind"});
  CHECK(e.message() ==
        "`docker network rm kind` exited with 1:\n"
        "  Error response from daemon: error while removing network: network kind id "
        "4f0c2d1b9a8e has active endpoints\n"
        "  hint: a container not made by bgpdemo may still use it");
  CHECK(down.steps.back().step == "networks");
  CHECK_FALSE(down.steps.back().ok);
  auto st = ReadKindState(state);  // down again, once the cause is fixed
  REQUIRE(st);
  CHECK(st->networks == std::vector<std::string>{"kind"});
}

TEST_CASE("kind down: no state: nothing to do, nothing run") {
  TempDir dir;
  FakeKind w;
  auto down = Down(w, dir.path() + "/none");
  REQUIRE(down.result);
  CHECK_FALSE(down.result->had_state);
  CHECK(down.steps.empty());
  CHECK(w.runner.Calls().empty());
}

}  // namespace
}  // namespace bgpdemo::core::kind::test
