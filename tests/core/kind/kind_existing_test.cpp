// `kind up` on a machine that has used kind (fake_kind.h, fake_existing.h): the built-in
// two-cluster scenario on a `kind` network Docker gave its own subnet, a pinned subnet that
// conflicts, and a kind cluster of the scenario's name made otherwise. For each failure: the
// message, that nothing was made, and that a second up after the fix the message names
// completes.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "core/kind/kind.h"
#include "core/kind/node_image.h"
#include "tests/core/kind/fake_kind.h"

namespace bgpdemo::core::kind::test {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

UpRun RunBuiltinUp(const KindUpOptions& o) {
  auto text = LoadScenarioText("two-cluster");
  REQUIRE(text);
  UpRun run;
  auto r = KindUp(*text, o, [&](const StepEvent& e) { run.steps.push_back(e); });
  if (r) {
    run.result = *r;
  } else {
    run.error = r.error();
  }
  return run;
}

TEST_CASE("kind up existing: two-cluster adopts kind's network and plans from Docker's subnets") {
  TempDir dir;
  FakeKind w;
  // kind made `kind` (Docker chose 172.18.0.0/16, kind added its ULA); docker0's MTU is 1450.
  w.KindMadeNetwork(w.runner, "kind", "172.18.0.0/16");
  w.docker0_mtu = 1450;
  const auto state = dir.path() + "/state";
  auto run = RunBuiltinUp(Options(w, state, MakeInstallDir(dir.path())));
  INFO(w.runner.Problems());
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(w.runner.Problems().empty());

  // kind2 is made with Docker's choice (the next free pool) and docker0's MTU.
  CHECK(Ran(w.runner, "docker network create") ==
        std::vector<std::string>{
            "docker network create --driver bridge --opt "
            "com.docker.network.bridge.enable_ip_masquerade=true --opt "
            "com.docker.network.driver.mtu=1450 --attachable --label io.bgpdemo.owner=bgpdemo "
            "kind2"});
  CHECK(run.steps[1].step == "networks");
  CHECK(run.steps[1].detail ==
        "kind 172.18.0.0/16 gateway 172.18.0.1 (existing), kind2 172.19.0.0/16 gateway "
        "172.19.0.1 (created)");
  auto st = ReadKindState(state);
  REQUIRE(st);
  CHECK(st->networks == std::vector<std::string>{"kind2"});  // kind is kind's: down keeps it
  CHECK(st->subnets ==
        std::map<std::string, std::string>{{"kind", "172.18.0.0/16"}, {"kind2", "172.19.0.0/16"}});
  CHECK(st->router_addresses ==
        std::map<std::string, std::string>{{"kind", "172.18.0.2"}, {"kind2", "172.19.0.2"}});

  // Every address derives from them: the router's neighbor ranges, the nodes' routes.
  const auto router = ReadFile(state + "/files/router/router.yaml");
  CHECK(router.find("range: 172.18.0.0/16") != std::string::npos);
  CHECK(router.find("range: 172.19.0.0/16") != std::string::npos);
  CHECK(router.find("172.22.") == std::string::npos);
  CHECK(ReadFile(state + "/files/cilium/node-routes.yaml").find("via: 172.18.0.2") !=
        std::string::npos);
  CHECK(Ran(w.runner, "docker exec cilium2-worker ip route replace 10.241.0.0/16 via") ==
        std::vector<std::string>{
            "docker exec cilium2-worker ip route replace 10.241.0.0/16 via 172.19.0.2"});
}

TEST_CASE("kind up existing: a pinned subnet kind's network does not have fails, then resumes") {
  TempDir dir;
  FakeKind w;
  w.KindMadeNetwork(w.runner, "kind", "172.18.0.0/16");  // the test scenario pins 172.30.200.0/24
  const auto state = dir.path() + "/state";
  auto o = Options(w, state, MakeInstallDir(dir.path()));
  auto run = RunUp(o);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "networks");
  CHECK(run.error->kind() == ErrorKind::kEnvironment);
  CHECK(run.error->message() ==
        "Docker network kind exists with subnet 172.18.0.0/16 (gateway 172.18.0.1), the scenario "
        "pins 172.30.200.0/24: leave the subnet out of the scenario to use the network as it is, "
        "or remove the network first (`kind delete cluster --name C` for each cluster on it, then "
        "docker network rm kind)");
  CHECK(Ran(w.runner, "docker network create").empty());

  // The fix the message names; the second up completes and makes both networks.
  REQUIRE(w.runner.Run({"docker", "network", "rm", "kind"}, {}));
  w.runner.ClearCalls();
  run = RunUp(o);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(Ran(w.runner, "docker network create").size() == 2);
  CHECK(ReadKindState(state)->subnets.at("kind") == "172.30.200.0/24");
  CHECK(w.runner.Problems().empty());
}

TEST_CASE(
    "kind up existing: a pinned subnet refused, then up with it left out adopts the network") {
  TempDir dir;
  FakeKind w;
  w.KindMadeNetwork(w.runner, "kind", "172.18.0.0/16");
  const auto state = dir.path() + "/state";
  auto o = Options(w, state, MakeInstallDir(dir.path()));
  REQUIRE(RunUp(o).FailedStep() == "networks");
  // The other fix the message names: the subnet left out of the scenario.
  std::string text = kScenario;
  text.replace(text.find(", subnet: 172.30.200.0/24"), 25, "");
  UpRun run;
  auto r =
      KindUp({text, "fixed.yaml", "fixed"}, o, [&](const StepEvent& e) { run.steps.push_back(e); });
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
  CHECK(r->resumed);
  CHECK(ReadKindState(state)->subnets.at("kind") == "172.18.0.0/16");
  CHECK(ReadKindState(state)->scenario.name == "fixed");
  CHECK(Ran(w.runner, "docker network create").size() == 1);  // kind2 only
}

TEST_CASE("kind up existing: a pinned subnet on a route of the machine fails, then resumes") {
  TempDir dir;
  FakeKind w;
  w.host_routes.push_back({"172.30.200.0/22", "wg0"});  // a VPN's
  const auto state = dir.path() + "/state";
  auto o = Options(w, state, MakeInstallDir(dir.path()));
  auto run = RunUp(o);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "networks");
  CHECK(run.error->kind() == ErrorKind::kEnvironment);
  CHECK(run.error->message() ==
        "the scenario's subnet 172.30.200.0/24 for network kind overlaps the route "
        "172.30.200.0/22 dev wg0 of this machine (ip route): leave the subnet out of the scenario "
        "to let Docker choose a free one, or change it\n"
        "the scenario's subnet 172.30.201.0/24 for network kind2 overlaps the route "
        "172.30.200.0/22 dev wg0 of this machine (ip route): leave the subnet out of the scenario "
        "to let Docker choose a free one, or change it");
  CHECK(Ran(w.runner, "docker network create").empty());
  CHECK(ReadKindState(state)->networks.empty());

  w.host_routes.pop_back();  // the VPN is down
  w.runner.ClearCalls();
  run = RunUp(o);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(run.result->resumed);
  CHECK(w.runner.Problems().empty());

  // With a remote Docker, this machine's routes are not in the way (and not read).
  REQUIRE(KindDown(state, {}, {}, w.runner));
  w.host_routes.push_back({"172.30.200.0/22", "wg0"});
  auto remote = o;
  remote.env["DOCKER_HOST"] = "ssh://builder@10.0.0.7";
  w.runner.ClearCalls();
  run = RunUp(remote);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(Ran(w.runner, "ip -j route").empty());
}

TEST_CASE("kind up existing: a cluster made with kind's default pod CIDR fails, then resumes") {
  TempDir dir;
  FakeKind w;
  // The user's earlier cluster `cilium`: pods on kind's default 10.244.0.0/16, kindnet.
  w.runner.SetFact("network kind");
  w.runner.SetFact("user network kind");
  w.runner.SetFact("cluster cilium");
  w.shapes["cilium"] = {"10.244.0.0/16", "10.11.0.0/16", true, false};
  const auto state = dir.path() + "/state";
  auto o = Options(w, state, MakeInstallDir(dir.path()));
  auto run = RunUp(o);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "clusters");
  CHECK(run.error->kind() == ErrorKind::kEnvironment);
  CHECK(run.error->message() ==
        "kind cluster cilium exists and is not the scenario's cluster cilium:\n"
        "  pod CIDR 10.244.0.0/16, the scenario's 10.241.0.0/16\n"
        "  kind's default CNI (kindnet) runs, the scenario's has none (Cilium is the CNI)\n"
        "  fix: delete it (kind delete cluster --name cilium) and up creates it as the scenario "
        "says, or change the scenario to match it");
  // Read, not touched; and cilium2 was not made either: never a half-configured demo.
  CHECK(Ran(w.runner, "kubectl --context kind-cilium -n kube-system get") ==
        std::vector<std::string>{
            "kubectl --context kind-cilium -n kube-system get configmap kubeadm-config -o json",
            "kubectl --context kind-cilium -n kube-system get daemonsets -o name"});
  CHECK(Ran(w.runner, "kind create").empty());
  CHECK(ReadKindState(state)->clusters.empty());

  REQUIRE(w.runner.Run({"kind", "delete", "cluster", "--name", "cilium"}, {}));
  w.runner.ClearCalls();
  run = RunUp(o);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(Ran(w.runner, "kind create").size() == 2);
  CHECK(ReadKindState(state)->clusters == std::vector<std::string>{"cilium", "cilium2"});
  CHECK(w.runner.Problems().empty());
}

TEST_CASE("kind up existing: a cluster made as the scenario says is reused, and not recorded") {
  TempDir dir;
  FakeKind w;
  w.UserNetwork("kind");
  w.runner.SetFact("cluster cilium");  // shapes: the scenario's
  const auto state = dir.path() + "/state";
  auto run = RunUp(Options(w, state, MakeInstallDir(dir.path())));
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(Ran(w.runner, "kind create") ==
        std::vector<std::string>{fmt::format(
            "kind create cluster --name cilium2 --config {}/files/cilium2/kind.yaml --image {}",
            state, PinFor("1.14.0").image)});
  CHECK(Ran(w.runner, "kubectl --context kind-cilium -n kube-system").size() == 2);
  CHECK(Ran(w.runner, "kubectl --context kind-cilium2 -n kube-system").empty());  // up's own
  CHECK(ReadKindState(state)->clusters == std::vector<std::string>{"cilium2"});
}

}  // namespace
}  // namespace bgpdemo::core::kind::test
