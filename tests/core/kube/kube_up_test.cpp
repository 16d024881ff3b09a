// The kube provider's up and down on a fake of two existing clusters (fake_clusters.h):
// every fault of issue #12's "Bad input and faults" is reported before anything is applied
// or started, with its fix; a clean run applies and records exactly what down removes.
#include <doctest/doctest.h>

#include <fstream>

#include "core/kube/kube.h"
#include "tests/core/kube/fake_clusters.h"

namespace bgpdemo::core::kube::test {
namespace {

TEST_CASE("kube up: every cluster needs a context, named in the error with the flag to give") {
  FakeClusters w;
  StateDir d;
  auto o = Options(w, d.path);
  o.contexts = {{"cilium", "prod-a"}};
  const auto run = Up(o);
  REQUIRE(run.error);
  CHECK(run.error->kind() == ErrorKind::kUsage);
  CHECK(run.error->message().find("none for cilium2: give --context cilium2=CONTEXT") !=
        std::string::npos);
  CHECK(w.runner.CommandLines().empty());
}

TEST_CASE("kube up: an unreachable context fails the clusters step, naming it, nothing applied") {
  FakeClusters w;
  StateDir d;
  w.unreachable = {"prod-b"};
  const auto run = Up(Options(w, d.path));
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "clusters");
  const auto m = run.error->message();
  CHECK(m.find("kubectl --context prod-b get nodes -o json") != std::string::npos);
  CHECK(m.find("was refused - did you specify the right host or port?") != std::string::npos);
  CHECK(m.find("is context prod-b right") != std::string::npos);
  NothingDone(w);
}

TEST_CASE("kube up: missing rights are each named with what needs them, nothing applied") {
  FakeClusters w;
  StateDir d;
  w.denied = {"prod-b create ciliumbgppeeringpolicies.cilium.io", "prod-b create daemonsets.apps"};
  const auto run = Up(Options(w, d.path));
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "clusters");
  CHECK(run.error->kind() == ErrorKind::kEnvironment);
  const auto m = run.error->message();
  CHECK(m.find("cluster cilium2 (context prod-b)") != std::string::npos);
  CHECK(m.find("create ciliumbgppeeringpolicies.cilium.io (the BGP peering policy)") !=
        std::string::npos);
  CHECK(m.find("create daemonsets.apps in kube-system (the static-routes DaemonSet)") !=
        std::string::npos);
  CHECK(m.find("cluster cilium (") == std::string::npos);
  NothingDone(w);
}

TEST_CASE("kube up: a Cilium without BGP Control Plane is named with the Helm value") {
  FakeClusters w;
  StateDir d;
  w.cilium["prod-a"] = {true, false, "tunnel", "1.14.0"};
  const auto run = Up(Options(w, d.path));
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "clusters");
  const auto m = run.error->message();
  CHECK(m.find("without the BGP Control Plane") != std::string::npos);
  CHECK(m.find("bgpControlPlane.enabled=true") != std::string::npos);
  CHECK(m.find("routingMode=native") != std::string::npos);
  NothingDone(w);

  SUBCASE("--manage-cilium reconfigures it instead") {
    FakeClusters w2;
    w2.cilium["prod-a"] = {true, false, "tunnel", "1.14.0"};
    StateDir d2;
    auto o = Options(w2, d2.path);
    o.manage_cilium = true;
    const auto again = Up(o);
    CHECK(again.FailedStep() != "clusters");
    const auto upgraded = Ran(w2,
                              "helm upgrade --install cilium cilium/cilium --version 1.14.0 "
                              "--namespace kube-system --kube-context prod-a");
    REQUIRE(upgraded.size() == 1);
    // Cilium on prod-a reaches the API server where the kubeconfig says.
    CHECK(upgraded[0].find("--set k8sServiceHost=192.0.2.100 --set k8sServicePort=6443") !=
          std::string::npos);
    auto st = ReadKubeState(d2.path);
    REQUIRE(st);
    CHECK(st->cilium_revision_before == std::map<std::string, int>{{"cilium", 3}});
    KubeDownOptions down;
    down.state_dir = d2.path;
    down.runner = &w2.runner;
    down.processes = &w2.processes;
    REQUIRE(KubeDown(down, {}));
    CHECK(Ran(w2, "helm rollback cilium 3 --namespace kube-system --kube-context prod-a").size() ==
          1);
    // Cilium stays on prod-a (it was there before); prod-b's, installed by up, goes.
    CHECK(Ran(w2, "helm uninstall cilium --namespace kube-system --kube-context prod-a").empty());
    CHECK(Ran(w2, "helm uninstall cilium --namespace kube-system --kube-context prod-b").size() ==
          1);
  }
}

TEST_CASE("kube up: a node the router cannot reach fails the router step, nothing started") {
  FakeClusters w;
  StateDir d;
  w.node_unreachable = {"172.19.0.3"};
  const auto run = Up(Options(w, d.path));
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "router");
  CHECK(run.error->message().find("172.19.0.3") != std::string::npos);
  CHECK(run.error->message().find("Network is unreachable") != std::string::npos);
  NothingDone(w);
}

TEST_CASE("kube up: a refused up pins no flag, and a half-up demo keeps them") {
  FakeClusters w;
  StateDir d;
  auto o = Options(w, d.path);
  o.router = "host:10.9.9.9";
  REQUIRE(Up(o).FailedStep() == "router");
  o.router = kRouterFlag;
  const auto fixed = Up(o);
  CHECK(fixed.FailedStep() == "sessions");  // every step before it did its work
  o.router = "host:172.18.0.250";
  const auto changed = Up(o);
  REQUIRE(changed.error);
  CHECK(changed.error->kind() == ErrorKind::kUsage);
  CHECK(changed.error->message().find("`bgpdemo down` first to change them") != std::string::npos);
}

TEST_CASE("kube up: a router address not on this machine, a port in use: refused with why") {
  FakeClusters w;
  StateDir d;
  auto o = Options(w, d.path);
  SUBCASE("not this machine's") {
    o.router = "host:10.9.9.9";
    const auto run = Up(o);
    REQUIRE(run.error);
    CHECK(run.FailedStep() == "router");
    CHECK(run.error->message().find("10.9.9.9 is not an address of this machine") !=
          std::string::npos);
  }
  SUBCASE("no IPv4 forwarding") {
    w.forwarding = false;
    const auto run = Up(o);
    REQUIRE(run.error);
    CHECK(run.FailedStep() == "router");
    CHECK(run.error->message().find("sysctl -w net.ipv4.ip_forward=1") != std::string::npos);
  }
  SUBCASE("port 179 bound") {
    w.binder.errors["172.19.0.250"] = EADDRINUSE;
    const auto run = Up(o);
    REQUIRE(run.error);
    CHECK(run.FailedStep() == "router");
    CHECK(run.error->message().find("179") != std::string::npos);
    CHECK(run.error->message().find("172.19.0.250") != std::string::npos);
  }
  NothingDone(w);
}

TEST_CASE("kube up then down: what up applied and started is recorded, and down removes it") {
  FakeClusters w;
  StateDir d;
  w.cilium["prod-b"] = {true, true, "native", "1.14.0"};  // the user's own Cilium in cilium2
  const auto run = Up(Options(w, d.path));
  // No real router answers on the control socket here: the sessions step is the one that
  // cannot finish; every step before it did its work.
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "sessions");
  std::vector<std::string> names;
  for (const auto& s : run.steps) names.push_back(s.step);
  CHECK(names == std::vector<std::string>{"preflight", "clusters", "router", "render", "cilium",
                                          "nginx", "lb", "annotate", "bgp", "routes", "sessions"});
  // Cilium installed only where there was none.
  CHECK(!Ran(w,
             "helm upgrade --install cilium cilium/cilium --version 1.14.0 --namespace "
             "kube-system --kube-context prod-a")
             .empty());
  CHECK(Ran(w,
            "helm upgrade --install cilium cilium/cilium --version 1.14.0 --namespace "
            "kube-system --kube-context prod-b")
            .empty());
  // The router runs from this executable with the state's config.
  REQUIRE(w.processes.spawned.size() == 1);
  CHECK(w.processes.spawned[0][0] == "/usr/bin/bgpdemo");
  std::ifstream config(RouterDaemonPathsIn(d.path).config);
  std::string text((std::istreambuf_iterator<char>(config)), std::istreambuf_iterator<char>());
  CHECK(text.find("172.18.0.250") != std::string::npos);
  CHECK(text.find("172.19.0.250") != std::string::npos);
  for (const char* f :
       {"applied prod-a nginx.yaml", "applied prod-b lb-ippool.yaml",
        "applied prod-b bgp-peering-policy.yaml", "applied prod-a node-routes-daemonset.yaml"}) {
    CAPTURE(f);
    CHECK(w.runner.HasFact(f));
  }
  auto st = ReadKubeState(d.path);
  REQUIRE(st);
  CHECK(st->cilium_installed == std::vector<std::string>{"cilium"});
  CHECK(st->router_started);
  CHECK(st->router_addresses.at("kind2") == "172.19.0.250");

  SUBCASE("up again resumes: the running router's port is no problem, it is not started twice") {
    w.binder.errors["172.18.0.250"] = EADDRINUSE;
    w.binder.errors["172.19.0.250"] = EADDRINUSE;
    const auto again = Up(Options(w, d.path));
    CHECK(again.FailedStep() == "sessions");
    CHECK(w.processes.spawned.size() == 1);
  }

  KubeDownOptions down;
  down.state_dir = d.path;
  down.runner = &w.runner;
  down.processes = &w.processes;
  auto r = KubeDown(down, {});
  REQUIRE(r);
  for (const auto& fact : w.runner.Facts()) {
    CAPTURE(fact);
    CHECK_FALSE(fact.starts_with("applied "));
  }
  CHECK_FALSE(w.runner.HasFact("cilium prod-a"));
  CHECK(Ran(w, "helm uninstall cilium --namespace kube-system --kube-context prod-b").empty());
  CHECK(w.processes.alive.empty());
  CHECK_FALSE(std::filesystem::exists(d.path + "/state.json"));
}

TEST_CASE("kube up: an external router is only pointed at, and the nodes' side is checked") {
  FakeClusters w;
  StateDir d;
  w.peer_address = "192.0.2.1";
  w.peer_as = 65010;
  auto o = Options(w, d.path);
  o.router = "external:192.0.2.1,65010";
  const auto run = Up(o);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(run.result->sessions == 6);
  CHECK(w.processes.spawned.empty());
  CHECK(Ran(w, "ip ").empty());  // this machine is not the router
  std::ifstream policy(d.path + "/files/cilium2/bgp-peering-policy.yaml");
  std::string text((std::istreambuf_iterator<char>(policy)), std::istreambuf_iterator<char>());
  CHECK(text.find("peerASN: 65010") != std::string::npos);
  CHECK(text.find("192.0.2.1/32") != std::string::npos);
  CHECK(w.runner.Problems().empty());
}

TEST_CASE("kube up: a router in a container on a Docker host, made there and started") {
  FakeClusters w;
  StateDir d;
  w.peer_address = "192.0.2.7";
  w.runner.AddProgram("docker");
  std::vector<std::string> docker_hosts;
  w.runner.ExpectPrefix({"docker"}).Always().Does([&](const FakeCall& c, FakeFacts&) {
    docker_hosts.push_back(c.env_add.count("DOCKER_HOST") != 0 ? c.env_add.at("DOCKER_HOST") : "");
    if (c.argv[1] == "version") return FakeReply::Ok("20.10.24\n");
    if (c.argv[1] == "container")
      return FakeReply::Exit(1, "Error: No such container: bgpdemo-router\n");
    if (c.argv[1] == "rm") return FakeReply::Exit(1, "Error: No such container: bgpdemo-router\n");
    return FakeReply::Ok();
  });
  auto o = Options(w, d.path);
  o.router = "container:tcp://192.0.2.7:2376";
  o.router_image = "registry.example/bgpdemo-router:1";
  const auto run = Up(o);
  REQUIRE_MESSAGE(run.result == std::nullopt, "no router answers here: sessions cannot finish");
  CHECK(run.FailedStep() == "sessions");
  const auto created = Ran(w, "docker create --name bgpdemo-router --network host");
  REQUIRE(created.size() == 1);
  CHECK(created[0].find("registry.example/bgpdemo-router:1 router --config") != std::string::npos);
  CHECK(Ran(w, "docker cp ").size() == 1);
  CHECK(Ran(w, "docker start bgpdemo-router").size() == 1);
  for (const auto& h : docker_hosts) CHECK(h == "tcp://192.0.2.7:2376");
  CHECK(w.processes.spawned.empty());
}

}  // namespace
}  // namespace bgpdemo::core::kube::test
