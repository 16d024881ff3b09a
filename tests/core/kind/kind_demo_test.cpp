// KindDemo (the running kind demo that verify, peers and routes read) on a FakeRunner: the
// probe (bgpdemo's own from the router, curl from a pod), and what the router and the nodes
// say.
#include <doctest/doctest.h>

#include "core/k8s/output.h"
#include "core/kind/kind.h"
#include "tests/core/kind/fake_kind.h"

namespace bgpdemo::core::kind::test {

// The Kubernetes side the kind provider shares with kube (core/k8s/).
using namespace bgpdemo::core::k8s;  // NOLINT(google-build-using-namespace)
namespace {

TEST_CASE(
    "kind demo: Probe runs `bgpdemo probe` in the router container or curl in a pod, through the "
    "runner") {
  TempDir dir;
  KindState s;
  s.scenario = TestScenario();
  REQUIRE(WriteKindState(dir.path(), s));
  FakeRunner f;
  f.Expect({"docker", "exec", "bgpdemo-router", "bgpdemo", "probe", "-o", "json", "--timeout", "2",
            "http://10.22.0.1:80/"})
      .Prints(R"({"body":"nginx pod nginx-7c5ddbdf54-1","seconds":0.004,"status":200})"
              "\n");
  f.Expect({"docker", "exec", "bgpdemo-router", "bgpdemo", "probe", "-o", "json", "--timeout", "2",
            "http://10.22.0.9:80/"})
      .Exits(1, "bgpdemo probe: connect 10.22.0.9:80: connection refused\n");
  f.Expect({"kubectl", "--context", "kind-cilium", "exec", "nginx-7c5ddbdf54-0", "--", "curl", "-s",
            "-m", "2", "-w", "\n%{http_code}", "http://10.22.0.1:80/"})
      .Exits(28);
  auto demo = KindDemo::Open(dir.path(), {{"KUBECONFIG", "/k"}}, f);
  REQUIRE(demo);

  auto ok = demo->Probe("router", "10.22.0.1", 80);
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body == "nginx pod nginx-7c5ddbdf54-1");
  CHECK(ok->seconds == doctest::Approx(0.004));
  auto refused = demo->Probe("router", "10.22.0.9", 80);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message() ==
        "GET http://10.22.0.9:80/ from the router: bgpdemo probe: connect 10.22.0.9:80: "
        "connection refused");
  auto slow = demo->Probe("cilium/nginx-7c5ddbdf54-0", "10.22.0.1", 80);
  REQUIRE_FALSE(slow);
  CHECK(slow.error().message() ==
        "curl http://10.22.0.1:80/ from cilium/nginx-7c5ddbdf54-0 exited with 28 (timed out "
        "after 2 s)");
  CHECK(demo->Probe("nowhere", "10.22.0.1", 80).error().message() == "no pod nowhere in this demo");
  for (const auto& c : f.Calls()) {
    CHECK(c.env_add == std::map<std::string, std::string>{{"KUBECONFIG", "/k"}});
    CHECK(c.timeout == std::chrono::seconds(20));
  }
  CHECK(f.Problems().empty());
}

TEST_CASE(
    "kind demo: Observe reads the router and every cluster's nodes; a failure is that source's "
    "error") {
  TempDir dir;
  FakeKind w;
  for (const char* fact : {"cluster cilium", "cluster cilium2"}) w.runner.SetFact(fact);
  KindState s;
  s.scenario = TestScenario();
  REQUIRE(WriteKindState(dir.path(), s));
  auto demo = KindDemo::Open(dir.path(), {}, w.runner);
  REQUIRE(demo);
  const auto o = demo->Observe();
  REQUIRE(o.router_peers);
  CHECK(o.router_peers->size() == 6);
  REQUIRE(o.kernel);
  CHECK(o.kernel->empty());
  CHECK(o.node_peers.size() == 6);
  REQUIRE(o.node_peers.at("cilium2-worker"));
  CHECK((*o.node_peers.at("cilium2-worker"))[0]["state"] == "established");

  // cilium-cli failing for one cluster: each of its nodes is asked alone and carries its
  // error (core/k8s/cilium_peers.h).
  FakeRunner f;
  f.ExpectPrefix({"docker", "exec"}).Prints("[]").Always();
  f.Expect({"cilium", "bgp", "peers", "-o", "json", "--context", "kind-cilium"})
      .Exits(1, "Error: Unable to determine status: cilium not installed\n");
  f.Expect({"kind", "get", "nodes", "--name", "cilium"})
      .Prints("cilium-control-plane\ncilium-worker\ncilium-worker2\n");
  f.ExpectPrefix({"cilium", "bgp", "peers", "-o", "json", "--context", "kind-cilium", "--node"})
      .Exits(1, "Error: Unable to determine status: cilium not installed\n")
      .Times(3);
  f.Expect({"cilium", "bgp", "peers", "-o", "json", "--context", "kind-cilium2"}).Prints("{}");
  auto other = KindDemo::Open(dir.path(), {}, f);
  REQUIRE(other);
  const auto bad = other->Observe();
  CHECK(bad.node_peers.size() == 3);
  REQUIRE(bad.node_peers.count("cilium-worker"));
  CHECK(bad.node_peers.at("cilium-worker").error() ==
        "`cilium bgp peers -o json --context kind-cilium --node cilium-worker` exited with 1: "
        "Error: Unable to determine status: cilium not installed");
  CHECK(f.Problems().empty());
}

TEST_CASE("kind demo: RouterJournal asks the router container, and says what failed") {
  TempDir dir;
  KindState s;
  s.scenario = TestScenario();
  REQUIRE(WriteKindState(dir.path(), s));
  FakeRunner f;
  const std::vector<std::string> ask{
      "docker", "exec", "bgpdemo-router", "bgpdemo", "router", "journal", "-o", "json"};
  f.Expect(ask).Prints(R"({"capacity":4096,"dropped":0,"entries":[]})"
                       "\n");
  f.Expect(ask).Exits(1, "Error response from daemon: container bgpdemo-router is not running\n");
  auto demo = KindDemo::Open(dir.path(), {}, f);
  REQUIRE(demo);
  auto j = demo->RouterJournal();
  REQUIRE(j);
  CHECK((*j)["capacity"] == 4096);
  auto down = demo->RouterJournal();
  REQUIRE_FALSE(down);
  CHECK(down.error().message().find("is not running") != std::string::npos);
  CHECK(f.Problems().empty());
}

}  // namespace
}  // namespace bgpdemo::core::kind::test
