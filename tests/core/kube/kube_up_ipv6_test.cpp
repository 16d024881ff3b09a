// The kube provider with IPv6 (issue #14) on the fake clusters (fake_clusters.h): dual
// stack peers over IPv4 and routes IPv6 via the router's IPv6 address on each network;
// IPv6-only peers over IPv6, with router IDs for the nodes the API server names. What the
// router needs of each family is checked before anything is applied or started.
#include <doctest/doctest.h>

#include "core/kube/kube.h"
#include "core/kube/kube_demo.h"
#include "tests/core/kube/fake_clusters.h"

namespace bgpdemo::core::kube::test {
namespace {

ScenarioText Builtin(const char* name) {
  auto text = LoadScenarioText(name);
  REQUIRE(text);
  return *text;
}

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

constexpr const char* kDualRouter = "host:172.18.0.250,172.19.0.250,fd00:18::fa,fd00:19::fa";

TEST_CASE("kube up, dual stack: IPv4 sessions, IPv6 routes via the router's IPv6 addresses") {
  FakeClusters w;
  w.family = IpFamily::kDual;
  StateDir d;
  auto o = Options(w, d.path);
  o.router = kDualRouter;
  const auto run = Up(o, Builtin("two-cluster-dual"));
  // No real router answers on the control socket here: every step before sessions did its
  // work.
  REQUIRE_MESSAGE(run.FailedStep() == "sessions", (run.error ? run.error->message() : ""));
  auto st = ReadKubeState(d.path);
  REQUIRE(st);
  CHECK(st->router_addresses ==
        std::map<std::string, std::string>{{"kind", "172.18.0.250"}, {"kind2", "172.19.0.250"}});
  CHECK(st->router_addresses_v6 ==
        std::map<std::string, std::string>{{"kind", "fd00:18::fa"}, {"kind2", "fd00:19::fa"}});
  // The router listens on every address it was given, and takes sessions from the IPv4
  // nodes.
  const auto router = StateFile(d.path, "files/router/router.yaml");
  CHECK(Has(router, "addresses: [172.18.0.250, 172.19.0.250, fd00:18::fa, fd00:19::fa]"));
  CHECK(Has(router, "172.18.0.0/29"));
  // The nodes peer with the IPv4 address, and reach the other cluster's IPv6 pods, services
  // and LB IPs through the IPv6 one on their own network.
  CHECK(Has(StateFile(d.path, "files/cilium/bgp-cluster-config.yaml"),
            "peerAddress: \"172.18.0.250\""));
  const auto routes = StateFile(d.path, "files/cilium/node-routes-daemonset.yaml");
  for (const char* line : {"fd00:10:242::/56 fd00:18::fa", "fd00:10:22::/120 fd00:18::fa",
                           "10.242.0.0/16 172.18.0.250"}) {
    CAPTURE(std::string(line));
    CHECK(Has(routes, line));
  }
  CHECK(Has(StateFile(d.path, "files/cilium2/node-routes-daemonset.yaml"),
            "fd00:10:241::/56 fd00:19::fa"));
  // The link-local, tentative and host-scoped IPv6 addresses were never candidates.
  CHECK_FALSE(Has(run.steps[2].detail, "fd00:18::fb"));
  CHECK(Has(run.steps[2].detail, "cilium peers with 172.18.0.250 and fd00:18::fa"));
  CHECK(Ran(w, "sysctl -n net.ipv6.conf.all.forwarding").size() == 1);
}

TEST_CASE("kube up, dual stack: what the router lacks of IPv6 is refused before anything runs") {
  FakeClusters w;
  w.family = IpFamily::kDual;
  StateDir d;
  auto o = Options(w, d.path);
  SUBCASE("no IPv6 router address: the static routes would have no next hop") {
    const auto run = Up(o, Builtin("two-cluster-dual"));
    REQUIRE(run.error);
    CHECK(run.FailedStep() == "router");
    CHECK(Has(run.error->message(),
              "cluster cilium's nodes have IPv6 addresses (fd00:18::2, fd00:18::3, fd00:18::4) "
              "and --router host:172.18.0.250,172.19.0.250 gives this machine no IPv6 address"));
    CHECK(Has(run.error->message(),
              "add this machine's IPv6 address on cluster cilium2's node "
              "subnet to --router"));
    NothingDone(w);
  }
  SUBCASE("--no-static-routes: the IPv4 sessions are all it needs") {
    o.static_routes = false;
    CHECK(Up(o, Builtin("two-cluster-dual")).FailedStep() == "sessions");
  }
  SUBCASE("no IPv6 forwarding") {
    o.router = kDualRouter;
    w.forwarding_v6 = false;
    const auto run = Up(o, Builtin("two-cluster-dual"));
    REQUIRE(run.error);
    CHECK(run.FailedStep() == "router");
    CHECK(Has(run.error->message(), "sysctl -w net.ipv6.conf.all.forwarding=1"));
    CHECK_FALSE(Has(run.error->message(), "net.ipv4.ip_forward"));
    NothingDone(w);
  }
  SUBCASE("an IPv6 router address on the wrong network") {
    o.router = "host:172.18.0.250,172.19.0.250,fd00:18::fa";
    const auto run = Up(o, Builtin("two-cluster-dual"));
    REQUIRE(run.error);
    CHECK(run.FailedStep() == "router");
    CHECK(Has(run.error->message(),
              "cluster cilium2's nodes are on none of the router's IPv6 "
              "subnets (fd00:18::/64)"));
    NothingDone(w);
  }
  SUBCASE("an external router without an IPv6 address") {
    o.router = "external:192.0.2.1,65010";
    const auto run = Up(o, Builtin("two-cluster-dual"));
    REQUIRE(run.error);
    CHECK(run.error->kind() == ErrorKind::kUsage);
    CHECK(Has(run.error->message(), "give it as external:ADDR,ADDR6,AS"));
    NothingDone(w);
  }
  SUBCASE("nodes without an IPv6 InternalIP: the cluster is not dual stack") {
    w.family = IpFamily::kIpv4;
    o.router = kDualRouter;
    const auto run = Up(o, Builtin("two-cluster-dual"));
    REQUIRE(run.error);
    CHECK(run.FailedStep() == "clusters");
    CHECK(Has(run.error->message(), "has no IPv6 InternalIP"));
    NothingDone(w);
  }
}

TEST_CASE("kube up, IPv6-only: sessions over IPv6 from the nodes' range, router IDs per node") {
  FakeClusters w;
  w.family = IpFamily::kIpv6;
  StateDir d;
  auto o = Options(w, d.path);
  o.router = "host:fd00:18::fa,fd00:19::fa";
  const auto run = Up(o, Builtin("two-cluster-ipv6"));
  REQUIRE_MESSAGE(run.FailedStep() == "sessions", (run.error ? run.error->message() : ""));
  auto st = ReadKubeState(d.path);
  REQUIRE(st);
  CHECK(st->router_addresses.empty());
  CHECK(st->router_addresses_v6.at("kind2") == "fd00:19::fa");
  const auto router = StateFile(d.path, "files/router/router.yaml");
  CHECK(Has(router, "addresses: [fd00:18::fa, fd00:19::fa]"));
  // The neighbor range covers the nodes' IPv6 addresses (the networks give no subnet).
  CHECK(Has(router, "fd00:18::/125"));
  CHECK(Has(router, "fd00:19::/125"));
  CHECK(Has(StateFile(d.path, "files/cilium2/bgp-cluster-config.yaml"),
            "peerAddress: \"fd00:19::fa\""));
  // Router IDs for the nodes as the API server names them.
  const auto overrides = StateFile(d.path, "files/cilium2/bgp-node-overrides.yaml");
  CHECK(Has(overrides, "name: cilium2-pool-1-c"));
  CHECK(Has(overrides, "routerID: \"10.255.2.3\""));
  CHECK(w.runner.HasFact("applied prod-b bgp-node-overrides.yaml"));
  // IPv6 only: no IPv4 check of this machine.
  CHECK(Ran(w, "sysctl -n net.ipv4.ip_forward").empty());
  CHECK(Has(StateFile(d.path, "files/cilium/node-routes-daemonset.yaml"),
            "fd00:10:242::/56 fd00:18::fa"));
}

TEST_CASE("kube up, IPv6-only: an external router at an IPv6 address, every session Established") {
  FakeClusters w;
  w.family = IpFamily::kIpv6;
  w.peer_address = "fd00:18::1";
  w.peer_as = 65010;
  StateDir d;
  auto o = Options(w, d.path);
  o.router = "external:fd00:18::1,65010";
  const auto run = Up(o, Builtin("two-cluster-ipv6"));
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(run.result->sessions == 6);
  CHECK(Has(StateFile(d.path, "files/cilium/bgp-cluster-config.yaml"),
            "peerAddress: \"fd00:18::1\""));
  CHECK(w.runner.Problems().empty());
  SUBCASE("denied the overrides: named with what needs them") {
    FakeClusters w2;
    w2.family = IpFamily::kIpv6;
    w2.denied = {"prod-a create ciliumbgpnodeconfigoverrides.cilium.io"};
    StateDir d2;
    auto o2 = Options(w2, d2.path);
    o2.router = "external:fd00:18::1,65010";
    const auto refused = Up(o2, Builtin("two-cluster-ipv6"));
    REQUIRE(refused.error);
    CHECK(Has(refused.error->message(),
              "create ciliumbgpnodeconfigoverrides.cilium.io (the "
              "nodes' BGP router IDs (IPv6-only))"));
    NothingDone(w2);
  }
}

TEST_CASE("kube, the IPv4 demo on dual-stack clusters: verify expects no IPv6 routes") {
  // An IPv4 Cilium on dual-stack nodes gives pods no IPv6 and advertises no IPv6 pod CIDR,
  // though every node lists one: the demo's view has the scenario's families only.
  FakeClusters w;
  w.family = IpFamily::kDual;
  StateDir d;
  REQUIRE(Up(Options(w, d.path)).FailedStep() == "sessions");
  auto demo = OpenKubeDemo(d.path, {}, w.runner);
  REQUIRE(demo);
  auto t = (*demo)->GetTopology();
  REQUIRE_MESSAGE(t, (t ? "" : t.error().message()));
  REQUIRE(t->nodes.size() == 6);
  for (const auto& n : t->nodes) {
    CAPTURE(n.name);
    CHECK(n.pod_cidr.starts_with("10.24"));
    CHECK(n.pod_cidr_v6.empty());
    CHECK(n.address.starts_with("172.1"));
  }
  for (const auto& lb : t->load_balancers) CHECK(lb.ip.find(':') == std::string::npos);
}

}  // namespace
}  // namespace bgpdemo::core::kube::test
