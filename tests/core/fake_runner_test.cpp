// Tests for core/fake_runner: matching (exact, kAny, prefix, predicate), replies, what it
// records, the loud failure on an unexpected command, counts, facts, and the fake clock.
#include "core/fake_runner.h"

#include <doctest/doctest.h>

#include <future>
#include <string>
#include <vector>

namespace bgpdemo::core {
namespace {

using namespace std::chrono_literals;

TEST_CASE("fake runner: replays exit code, stdout and stderr, and records argv, env and stdin") {
  FakeRunner f;
  f.Expect({"docker", "network", "inspect", "kind"}).Exits(1, "Error: No such network: kind\n");
  f.Expect({"kubectl", "apply", "-f", "-"}).Prints("deployment.apps/nginx created\n");

  auto miss =
      f.Run({"docker", "network", "inspect", "kind"}, {.env_add = {{"DOCKER_HOST", "unix:///d"}}});
  REQUIRE(miss);
  CHECK(miss->exit_code == 1);
  CHECK(miss->err == "Error: No such network: kind\n");
  CHECK(miss->out.empty());
  CHECK_FALSE(miss->timed_out);

  auto apply = f.Run({"kubectl", "apply", "-f", "-"},
                     {.stdin_text = "kind: Deployment\n", .timeout = 30s, .netns = "ns1"});
  REQUIRE(apply);
  CHECK(apply->exit_code == 0);
  CHECK(apply->out == "deployment.apps/nginx created\n");

  const auto calls = f.Calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].argv == std::vector<std::string>{"docker", "network", "inspect", "kind"});
  CHECK(calls[0].env_add == std::map<std::string, std::string>{{"DOCKER_HOST", "unix:///d"}});
  CHECK(calls[1].stdin_text == "kind: Deployment\n");
  CHECK(calls[1].timeout == 30s);
  CHECK(calls[1].netns == "ns1");
  CHECK(f.CommandLines() ==
        std::vector<std::string>{"docker network inspect kind", "kubectl apply -f -"});
  CHECK(f.Problems().empty());
}

TEST_CASE("fake runner: an unexpected command fails loudly, naming it and what is still expected") {
  FakeRunner f;
  f.Expect({"kind", "get", "clusters"}).Prints("cilium\n");
  f.ExpectPrefix({"helm", "upgrade"}).Times(2);
  f.Expect({"docker", "version"}).Always();

  auto r = f.Run({"kind", "delete", "cluster", "--name", "cilium"});
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == ErrorKind::kInternal);
  CHECK(r.error().message() ==
        "FakeRunner: unexpected command `kind delete cluster --name cilium`; the script still "
        "expects:\n"
        "  `kind get clusters` (ran 0 of 1)\n"
        "  `helm upgrade ...` (ran 0 of 2)\n"
        "  `docker version` (ran 0, any number allowed)");
  CHECK(f.Unexpected() == std::vector<std::string>{"kind delete cluster --name cilium"});
  // Recorded all the same: the test sees what the code tried.
  CHECK(f.CommandLines() == std::vector<std::string>{"kind delete cluster --name cilium"});
  CHECK(f.Problems() ==
        "unexpected command: `kind delete cluster --name cilium`\n"
        "expected but not run: `kind get clusters` (ran 0 of 1)\n"
        "expected but not run: `helm upgrade ...` (ran 0 of 2)\n");
}

TEST_CASE("fake runner: exact argv, kAny, prefix and predicate patterns") {
  FakeRunner f;
  f.Expect({"docker", "rm", "-f", FakeRunner::kAny}).Always();
  f.ExpectPrefix({"helm", "upgrade", "--install"}).Always();
  f.ExpectMatching("`kubectl ... annotate ...`", [](const std::vector<std::string>& argv) {
     return !argv.empty() && argv[0] == "kubectl" &&
            std::find(argv.begin(), argv.end(), "annotate") != argv.end();
   }).Always();

  CHECK(f.Run({"docker", "rm", "-f", "bgpdemo-router"}));
  CHECK_FALSE(f.Run({"docker", "rm", "-f"}));            // kAny is one argument
  CHECK_FALSE(f.Run({"docker", "rm", "-f", "a", "b"}));  // exact: no more
  CHECK(f.Run({"helm", "upgrade", "--install", "cilium", "cilium/cilium"}));
  CHECK_FALSE(f.Run({"helm", "upgrade"}));  // shorter than the prefix
  CHECK(f.Run({"kubectl", "--context", "kind-cilium", "annotate", "node", "n1"}));
  CHECK_FALSE(f.Run({"kubectl", "get", "nodes"}));
  CHECK(f.Unexpected().size() == 4);
}

TEST_CASE(
    "fake runner: counts: once by default, Times(n), Always; the first match with runs left wins") {
  FakeRunner f;
  f.Expect({"kubectl", "get", "service"}).Prints("no ip yet");
  f.Expect({"kubectl", "get", "service"}).Prints("10.21.0.1").Times(2);
  f.Expect({"kind", "version"}).Always();

  CHECK(f.Run({"kubectl", "get", "service"})->out == "no ip yet");
  CHECK(f.Unmet() == std::vector<std::string>{"`kubectl get service` (ran 0 of 2)"});
  CHECK(f.Run({"kubectl", "get", "service"})->out == "10.21.0.1");
  CHECK(f.Run({"kubectl", "get", "service"})->out == "10.21.0.1");
  CHECK_FALSE(f.Run({"kubectl", "get", "service"}));  // all used up
  CHECK(f.Unmet().empty());
  CHECK(f.Unexpected() == std::vector<std::string>{"kubectl get service"});
  f.ClearCalls();
  CHECK(f.Calls().empty());
  CHECK(f.Problems().empty());
}

TEST_CASE("fake runner: facts model state: a create makes the next inspect find the network") {
  FakeRunner f;
  f.Expect({"docker", "network", "inspect", "kind2"}).If("network kind2").Prints("[{}]").Always();
  f.Expect({"docker", "network", "inspect", "kind2"})
      .Unless("network kind2")
      .Exits(1, "Error: No such network: kind2\n")
      .Always();
  f.ExpectPrefix({"docker", "network", "create"}).Adds("network kind2").Always();
  f.Expect({"docker", "network", "rm", "kind2"}).If("network kind2").Removes("network kind2");

  CHECK(f.Run({"docker", "network", "inspect", "kind2"})->exit_code == 1);
  CHECK(f.Run({"docker", "network", "create", "--driver", "bridge", "kind2"})->exit_code == 0);
  CHECK(f.HasFact("network kind2"));
  CHECK(f.Run({"docker", "network", "inspect", "kind2"})->exit_code == 0);
  CHECK(f.Run({"docker", "network", "rm", "kind2"})->exit_code == 0);
  CHECK_FALSE(f.HasFact("network kind2"));
  // The rm needs the fact: without it, nothing matches.
  CHECK_FALSE(f.Run({"docker", "network", "rm", "kind2"}));

  f.SetFact("network kind2");
  CHECK(f.Facts() == std::vector<std::string>{"network kind2"});
  f.ClearFact("network kind2");
  CHECK(f.Facts().empty());
}

TEST_CASE(
    "fake runner: a failed call changes no facts; a handler computes the reply from the facts") {
  FakeRunner f;
  f.ExpectPrefix({"kind", "create", "cluster"})
      .Exits(1, "ERROR: failed to create cluster\n")
      .Adds("cluster x");
  f.Expect({"kind", "get", "clusters"}).Always().Does([](const FakeCall& call, FakeFacts& facts) {
    CHECK(call.argv.size() == 3);
    facts.Add("asked");
    std::string out;
    for (const auto& c : facts.WithPrefix("cluster ")) out += c + "\n";
    return FakeReply::Ok(out);
  });

  CHECK(f.Run({"kind", "create", "cluster", "--name", "x"})->exit_code == 1);
  CHECK_FALSE(f.HasFact("cluster x"));
  f.SetFact("cluster cilium2");
  f.SetFact("cluster cilium");
  CHECK(f.Run({"kind", "get", "clusters"})->out == "cilium\ncilium2\n");
  CHECK(f.HasFact("asked"));
}

TEST_CASE("fake runner: timeouts, start failures, Find and the fake clock") {
  FakeRunner f;
  f.ExpectPrefix({"helm"}).TimesOut("half a line");
  f.Expect({"kind", "version"}).CannotStart("kind: not found in PATH");
  f.AddProgram("docker");
  f.AddProgram("kind");
  f.RemoveProgram("kind");

  const auto t0 = f.Now();
  auto helm = f.Run({"helm", "upgrade"}, {.timeout = 15min});
  REQUIRE(helm);
  CHECK(helm->timed_out);
  CHECK(helm->exit_code == 137);
  CHECK(helm->signal == 9);
  CHECK(helm->seconds == 900.0);
  CHECK(helm->err == "half a line");
  CHECK(f.Now() - t0 == 15min);  // a timeout takes its time

  auto kind = f.Run({"kind", "version"});
  REQUIRE_FALSE(kind);
  CHECK(kind.error().kind() == ErrorKind::kEnvironment);
  CHECK(kind.error().message() == "kind: not found in PATH");

  CHECK(f.Find("docker") == "/usr/bin/docker");
  CHECK(f.Find("kind").empty());

  f.Sleep(500ms);
  f.Sleep(500ms);
  CHECK(f.Now() - t0 == 15min + 1s);
  CHECK(f.Elapsed() == 15min + 1s);
}

TEST_CASE("fake runner: calls from several threads are each matched and recorded once") {
  FakeRunner f;
  f.ExpectPrefix({"kind", "create", "cluster"}).Times(8);
  std::vector<std::future<bool>> jobs;
  for (int i = 0; i < 8; ++i) {
    jobs.push_back(std::async(std::launch::async, [&f, i] {
      return static_cast<bool>(f.Run({"kind", "create", "cluster", "--name", std::to_string(i)}));
    }));
  }
  for (auto& j : jobs) CHECK(j.get());
  CHECK(f.Calls().size() == 8);
  CHECK(f.Problems().empty());
}

}  // namespace
}  // namespace bgpdemo::core
