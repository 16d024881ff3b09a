// `kind up` again, on a fake world (fake_kind.h): after each failure the end-to-end test
// provokes, up resumes and creates only what is missing; on a running demo it creates
// nothing; what changed behind its back (a stopped router, a removed network) is mended.
// Then down removes exactly what the ups recorded, and keeps the user's network.
#include <doctest/doctest.h>

#include "core/k8s/output.h"
#include "core/kind/kind.h"
#include "core/kind/node_image.h"
#include "tests/core/kind/fake_kind.h"

namespace bgpdemo::core::kind::test {

// The Kubernetes side the kind provider shares with kube (core/k8s/).
using namespace bgpdemo::core::k8s;  // NOLINT(google-build-using-namespace)
namespace {

// The commands that create something, in the order they ran.
std::vector<std::string> Creations(const FakeRunner& runner) {
  std::vector<std::string> out;
  for (const auto& line : runner.CommandLines()) {
    for (const char* p : {"docker network create", "docker network connect", "kind create cluster",
                          "docker build", "docker run", "docker start"}) {
      if (line.starts_with(p)) out.push_back(line);
    }
  }
  return out;
}

// The argument after --name of every `kind create cluster`, sorted (they run in parallel).
std::vector<std::string> ClustersCreated(const FakeRunner& runner) {
  std::vector<std::string> out;
  for (const auto& c : runner.Calls()) {
    if (c.argv.size() > 4 && c.argv[0] == "kind" && c.argv[1] == "create") {
      out.push_back(c.argv[4]);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE(
    "kind up again: after each failure of the e2e test it resumes, and down removes only ours") {
  TempDir dir;
  FakeKind w;
  w.UserNetwork("kind2");
  const auto state = dir.path() + "/state";
  const auto repo = MakeInstallDir(dir.path());
  auto o = Options(w, state, repo);

  // 1. kind create fails for cilium: the network and cilium2 are made.
  w.kind_create_fails = {"cilium"};
  auto run = RunUp(o);
  CHECK(run.FailedStep() == "clusters");
  CHECK(ClustersCreated(w.runner) == std::vector<std::string>{"cilium", "cilium2"});
  w.kind_create_fails.clear();
  w.runner.ClearCalls();

  // 2. --router-image that does not exist: only cilium is made this time.
  auto bad_image = o;
  bad_image.router_image = "no-such-image:1";
  run = RunUp(bad_image);
  CHECK(run.FailedStep() == "image");
  CHECK(run.error->message().starts_with("--router-image no-such-image:1: no such image"));
  CHECK(Creations(w.runner) ==
        std::vector<std::string>{fmt::format(
            "kind create cluster --name cilium --config {}/files/cilium/kind.yaml --image {}",
            state, PinFor("1.14.0").image)});
  w.runner.ClearCalls();

  // 3. The build breaks.
  w.build_fails = true;
  run = RunUp(o);
  CHECK(run.FailedStep() == "image");
  CHECK(ClustersCreated(w.runner).empty());
  w.build_fails = false;
  w.runner.ClearCalls();

  // 4. Helm times out: the image is built, the router runs on both networks.
  w.helm_fails = true;
  run = RunUp(o);
  CHECK(run.FailedStep() == "cilium");
  CHECK(Ran(w.runner, "docker build").size() == 1);
  CHECK(Ran(w.runner, "docker run").size() == 1);
  CHECK(Ran(w.runner, "docker network connect") ==
        std::vector<std::string>{"docker network connect kind2 bgpdemo-router"});
  w.helm_fails = false;
  w.runner.ClearCalls();

  // 5. The LB IP never comes.
  w.no_lb_ip = true;
  auto short_wait = o;
  short_wait.timeout = std::chrono::seconds(10);
  run = RunUp(short_wait);
  CHECK(run.FailedStep() == "lb");
  CHECK(Creations(w.runner).empty());
  w.no_lb_ip = false;
  w.runner.ClearCalls();

  // 6. Up resumes and completes, creating nothing: everything is there by now.
  run = RunUp(o);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(run.result->resumed);
  CHECK(run.result->sessions == 6);
  CHECK(run.steps.size() == 13);
  CHECK(Creations(w.runner).empty());
  CHECK(Ran(w.runner, "helm upgrade").size() == 2);  // helm upgrade is how it resumes
  w.runner.ClearCalls();

  // 7. Up on the running demo checks every step and still creates nothing.
  run = RunUp(o);
  REQUIRE(run.result);
  CHECK(Creations(w.runner).empty());

  auto st = ReadKindState(state);
  REQUIRE(st);
  CHECK(st->networks == std::vector<std::string>{"kind"});
  CHECK(st->clusters == std::vector<std::string>{"cilium", "cilium2"});
  CHECK(st->router_container);
  CHECK(st->image_built);
  w.runner.ClearCalls();

  // 8. Down: the clusters, the container and network kind; kind2 is the user's.
  std::vector<std::string> down_steps;
  auto down = KindDown(
      state, {}, [&](const StepEvent& e) { down_steps.push_back(e.step); }, w.runner);
  REQUIRE(down);
  CHECK(down->removed == std::vector<std::string>{"cluster cilium", "cluster cilium2",
                                                  "container bgpdemo-router", "network kind"});
  CHECK(down_steps == std::vector<std::string>{"clusters", "router", "networks", "files"});
  CHECK(Ran(w.runner, "docker network rm") == std::vector<std::string>{"docker network rm kind"});
  CHECK(w.runner.HasFact("network kind2"));
  CHECK_FALSE(w.runner.HasFact("network kind"));
  CHECK(w.runner.Facts() == std::vector<std::string>{std::string("image ") + kImage,
                                                     "network kind2", "user network kind2"});
  CHECK_FALSE(std::filesystem::exists(state + "/state.json"));
  CHECK(w.runner.Problems().empty());
}

TEST_CASE("kind up again: a stopped router is started, a missing network connection made") {
  TempDir dir;
  FakeKind w;
  const auto state = dir.path() + "/state";
  auto o = Options(w, state, MakeInstallDir(dir.path()));
  REQUIRE(RunUp(o).result);
  w.runner.SetFact("stopped bgpdemo-router");
  w.runner.ClearFact("bgpdemo-router on kind2");
  w.runner.ClearCalls();

  auto run = RunUp(o);
  REQUIRE(run.result);
  CHECK(run.result->resumed);
  CHECK(Creations(w.runner) ==
        std::vector<std::string>{"docker start bgpdemo-router",
                                 "docker network connect kind2 bgpdemo-router"});
  CHECK(w.runner.Problems().empty());
}

TEST_CASE("kind up again: a network it made and the user removed is made again, recorded once") {
  TempDir dir;
  FakeKind w;
  const auto state = dir.path() + "/state";
  auto o = Options(w, state, MakeInstallDir(dir.path()));
  w.kind_create_fails = {"cilium", "cilium2"};
  CHECK(RunUp(o).FailedStep() == "clusters");
  w.kind_create_fails.clear();
  w.runner.ClearFact("network kind");
  w.runner.ClearCalls();

  auto run = RunUp(o);
  REQUIRE(run.result);
  CHECK(Ran(w.runner, "docker network create").size() == 1);
  auto st = ReadKindState(state);
  REQUIRE(st);
  CHECK(st->networks == std::vector<std::string>{"kind", "kind2"});
  CHECK(st->clusters == std::vector<std::string>{"cilium", "cilium2"});
}

TEST_CASE("kind up: the state of a lab demo stops it before anything runs") {
  TempDir dir;
  FakeKind w;
  const auto state = dir.path() + "/state";
  KindState lab;
  lab.provider = "lab";
  lab.scenario = TestScenario();
  REQUIRE(WriteKindState(state, lab));
  auto run = RunUp(Options(w, state, MakeInstallDir(dir.path())));
  REQUIRE(run.error);
  CHECK(run.error->kind() == ErrorKind::kFailed);
  CHECK(run.error->message() ==
        fmt::format("a lab demo is up (state in {}); `bgpdemo down` first", state));
  CHECK(run.steps.empty());
  CHECK(w.runner.Calls().empty());
}

}  // namespace
}  // namespace bgpdemo::core::kind::test
