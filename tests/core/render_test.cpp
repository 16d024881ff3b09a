// Tests for core/render: which files a scenario gives, the route server's config and the
// static routes they hold, placeholders, template overrides, and golden files for the
// built-in scenarios.
//
// Golden files live in tests/data/render/<scenario>/ and are compared byte for byte. After
// a deliberate change to a template or scenario, rewrite them with
//   BGPDEMO_UPDATE_GOLDEN=1 build/tests/bgpdemo_tests -tc='render: golden*'
// and review the diff (never set in CI).
#include "core/render.h"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/router_config.h"
#include "core/scenario.h"
#include "core/scenario_validate.h"
#include "tests/core/scenario_checks.h"
#include "tests/test_util.h"

using namespace bgpdemo::core;
using bgpdemo::test::RenderableBuiltin;
namespace fs = std::filesystem;

namespace {

RenderOptions WithAddresses() {
  RenderOptions o;
  o.router_addresses = {{"kind", "172.18.0.254"}, {"kind2", "172.19.0.254"}};
  return o;
}

RenderResult RenderOk(const Scenario& s, const RenderOptions& o = {}) {
  auto r = Render(s, o);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
  return *r;
}

const RenderedFile& FileOf(const RenderResult& r, const std::string& path) {
  for (const auto& f : r.files) {
    if (f.path == path) return f;
  }
  FAIL("no rendered file " << path);
  return r.files.front();
}

// A scenario with three clusters, built from text.
constexpr const char* kThreeClusters = R"(description: three clusters
cilium: {version: 1.17.0}
networks:
  - {name: net-a, subnet: 172.30.0.0/16}
  - {name: net-b, subnet: 172.31.0.0/16}
  - {name: net-c}
clusters:
  - {name: a, network: net-a, pod_cidr: 10.1.0.0/16, service_cidr: 10.101.0.0/16, lb_pool: 10.201.0.0/24, as: 65001, workers: 1}
  - {name: b, network: net-b, pod_cidr: 10.2.0.0/16, service_cidr: 10.102.0.0/16, lb_pool: 10.202.0.0/24, as: 65002, workers: 3}
  - {name: c, network: net-c, pod_cidr: 10.3.0.0/16, service_cidr: 10.103.0.0/16, lb_pool: 10.203.0.0/24, as: 65003}
)";

Scenario ThreeClusters() {
  auto s = ParseScenario(kThreeClusters, "three.yaml", "three");
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  REQUIRE_MESSAGE(ValidateScenario(*s).empty(), FormatErrors(ValidateScenario(*s)));
  return *s;
}

}  // namespace

TEST_CASE("render: two-cluster gives one folder per cluster and router/, in a stable order") {
  const auto r = RenderOk(RenderableBuiltin("two-cluster"));
  std::vector<std::string> paths;
  for (const auto& f : r.files) paths.push_back(f.path + " " + std::string(ToString(f.kind)));
  CHECK(paths == std::vector<std::string>{
                     "cilium/kind.yaml kind-config",
                     "cilium/cilium-values.yaml helm-values",
                     "cilium/nginx.yaml manifest",
                     "cilium/lb-ippool.yaml manifest",
                     "cilium/bgp-peering-policy.yaml manifest",
                     "cilium/node-annotations.yaml node-annotations",
                     "cilium/node-routes.yaml node-routes",
                     "cilium2/kind.yaml kind-config",
                     "cilium2/cilium-values.yaml helm-values",
                     "cilium2/nginx.yaml manifest",
                     "cilium2/lb-ippool.yaml manifest",
                     "cilium2/bgp-peering-policy.yaml manifest",
                     "cilium2/node-annotations.yaml node-annotations",
                     "cilium2/node-routes.yaml node-routes",
                     "router/router.yaml router-config",
                 });
  CHECK(r.files[0].cluster == "cilium");
  CHECK(r.files.back().cluster == "");
  // Twice the same: nothing depends on hash order or time.
  const auto again = RenderOk(RenderableBuiltin("two-cluster"));
  REQUIRE(again.files.size() == r.files.size());
  for (std::size_t i = 0; i < r.files.size(); ++i)
    CHECK(again.files[i].content == r.files[i].content);
}

TEST_CASE("render: two-cluster-v2 gives the BGPv2 resources instead of policy and annotations") {
  const auto r = RenderOk(RenderableBuiltin("two-cluster-v2"));
  std::vector<std::string> names;
  for (const auto& f : r.files) {
    if (f.cluster == "cilium2") names.push_back(f.path);
  }
  CHECK(names ==
        std::vector<std::string>{"cilium2/kind.yaml", "cilium2/cilium-values.yaml",
                                 "cilium2/nginx.yaml", "cilium2/lb-ippool.yaml",
                                 "cilium2/bgp-cluster-config.yaml", "cilium2/bgp-peer-config.yaml",
                                 "cilium2/bgp-advertisement.yaml", "cilium2/node-routes.yaml"});
}

TEST_CASE("render: router.yaml loads as the route server's config, one range per network") {
  for (const char* name : {"two-cluster", "two-cluster-v2"}) {
    CAPTURE(name);
    const auto s = RenderableBuiltin(name);
    const auto r = RenderOk(s);
    const auto& file = FileOf(r, "router/router.yaml");
    auto c = ParseRouterConfig(file.content, "router/router.yaml");
    REQUIRE_MESSAGE(c, (c ? "" : c.error()));
    CHECK(c->local_as == 65000);
    CHECK(c->mode == bgpdemo::bgp::policy::Mode::kRouter);
    CHECK(c->router_id == 0x0a000001u);
    CHECK(c->hostname == "bgpdemo-router");
    CHECK(c->listen_port == 179);
    CHECK(c->timers.hold_time == 90);
    CHECK(c->timers.keepalive == 30);
    CHECK(c->timers.connect_retry == 120);
    REQUIRE(c->neighbors.size() == 2);
    CHECK(c->neighbors[0].name == "kind");
    CHECK(c->neighbors[0].range->ToString() == "172.18.0.0/16");
    CHECK(c->neighbors[0].peer_as == 65100);
    CHECK(c->neighbors[1].name == "kind2");
    CHECK(c->neighbors[1].range->ToString() == "172.19.0.0/16");
    CHECK(c->neighbors[1].peer_as == 65200);
    for (const auto& nb : c->neighbors) {
      CHECK(nb.passive);
      CHECK(nb.graceful_restart);
      CHECK(nb.policy.import_filter == bgpdemo::bgp::policy::Filter::AcceptAll());
      CHECK(nb.policy.export_filter == bgpdemo::bgp::policy::Filter::AcceptAll());
    }
    // Nothing in it waits for a run-time value.
    CHECK(file.content.find("PLACEHOLDER") == std::string::npos);
  }
}

TEST_CASE("render: route-server mode and the scenario's timers reach router.yaml") {
  auto s = RenderableBuiltin("two-cluster");
  s.router.mode = "route-server";
  s.router.as = 64999;
  s.bgp.hold_time = 9;
  s.bgp.keepalive = 3;
  s.bgp.graceful_restart = false;
  const auto r = RenderOk(s);
  auto c = ParseRouterConfig(FileOf(r, "router/router.yaml").content, "router.yaml");
  REQUIRE_MESSAGE(c, (c ? "" : c.error()));
  CHECK(c->mode == bgpdemo::bgp::policy::Mode::kRouteServer);
  CHECK(c->local_as == 64999);
  CHECK(c->timers.hold_time == 9);
  CHECK(c->timers.keepalive == 3);
  CHECK_FALSE(c->neighbors[0].graceful_restart);
  const auto policy = YAML::Load(FileOf(r, "cilium/bgp-peering-policy.yaml").content);
  const auto nb = policy["spec"]["virtualRouters"][0]["neighbors"][0];
  CHECK(nb["peerASN"].as<int>() == 64999);
  CHECK(nb["holdTimeSeconds"].as<int>() == 9);
  CHECK(nb["keepAliveTimeSeconds"].as<int>() == 3);
  CHECK_FALSE(nb["gracefulRestart"]["enabled"].as<bool>());
  CHECK_FALSE(nb["gracefulRestart"]["restartTimeSeconds"]);
}

TEST_CASE(
    "render: static routes send the other clusters' CIDRs via the router on the node's "
    "network") {
  const auto r = RenderOk(RenderableBuiltin("two-cluster"), WithAddresses());
  const auto c1 = YAML::Load(FileOf(r, "cilium/node-routes.yaml").content);
  CHECK(c1["cluster"].as<std::string>() == "cilium");
  CHECK(c1["context"].as<std::string>() == "kind-cilium");
  CHECK(c1["nodes"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"cilium-control-plane", "cilium-worker", "cilium-worker2"});
  const auto routes = c1["routes"];
  REQUIRE(routes.size() == 3);
  CHECK(routes[0]["to"].as<std::string>() == "10.242.0.0/16");
  CHECK(routes[1]["to"].as<std::string>() == "10.12.0.0/16");
  CHECK(routes[2]["to"].as<std::string>() == "10.22.0.0/24");
  for (const auto& route : routes) CHECK(route["via"].as<std::string>() == "172.18.0.254");
  // Cluster 2's routes go through the router's address on kind2, under cluster 2's context
  // (the original demo ran them against cluster 1's).
  const auto c2 = YAML::Load(FileOf(r, "cilium2/node-routes.yaml").content);
  CHECK(c2["context"].as<std::string>() == "kind-cilium2");
  REQUIRE(c2["routes"].size() == 3);
  CHECK(c2["routes"][0]["to"].as<std::string>() == "10.241.0.0/16");
  CHECK(c2["routes"][2]["to"].as<std::string>() == "10.21.0.0/24");
  for (const auto& route : c2["routes"]) CHECK(route["via"].as<std::string>() == "172.19.0.254");
}

TEST_CASE("render: any number of clusters") {
  RenderOptions o;
  o.router_addresses = {{"net-a", "172.30.0.1"}, {"net-b", "172.31.255.254"}};
  const auto r = RenderOk(ThreeClusters(), o);
  CHECK(r.files.size() == 3 * 7 + 1);
  const auto routes = YAML::Load(FileOf(r, "b/node-routes.yaml").content);
  CHECK(routes["nodes"].size() == 4);
  CHECK(routes["nodes"][3].as<std::string>() == "b-worker3");
  REQUIRE(routes["routes"].size() == 6);
  CHECK(routes["routes"][0]["to"].as<std::string>() == "10.1.0.0/16");
  CHECK(routes["routes"][3]["to"].as<std::string>() == "10.3.0.0/16");
  CHECK(routes["routes"][5]["via"].as<std::string>() == "172.31.255.254");
  const auto kind = YAML::Load(FileOf(r, "a/kind.yaml").content);
  CHECK(kind["nodes"].size() == 2);
  const auto values = YAML::Load(FileOf(r, "c/cilium-values.yaml").content);
  CHECK(values["ipv4NativeRoutingCIDR"].as<std::string>() == "10.0.0.0/8");
  // net-c has no subnet: router.yaml waits for it, and render says so.
  REQUIRE(r.placeholders.size() == 2);
  CHECK(r.placeholders[0].token == "ROUTER_ADDRESS_ON_net-c");
  CHECK(r.placeholders[0].files ==
        std::vector<std::string>{"c/bgp-peering-policy.yaml", "c/node-routes.yaml"});
  CHECK(r.placeholders[1].token == "SUBNET_OF_net-c");
  CHECK(r.placeholders[1].how == "--network-subnet net-c=CIDR");
  CHECK(r.placeholders[1].files == std::vector<std::string>{"router/router.yaml"});
  CHECK(FileOf(r, "router/router.yaml")
            .content.find(
                "  # PLACEHOLDER SUBNET_OF_net-c: the subnet Docker gave network net-c; render "
                "again with --network-subnet net-c=CIDR\n"
                "  - name: net-c  # cluster c\n"
                "    range: SUBNET_OF_net-c\n") != std::string::npos);
}

TEST_CASE("render: one cluster alone has no static routes") {
  auto s = ParseScenario(
      "networks: [{name: kind, subnet: 172.18.0.0/16}]\nclusters: [{name: solo, network: kind, "
      "pod_cidr: 10.241.0.0/16, service_cidr: 10.11.0.0/16, lb_pool: 10.21.0.0/24, as: "
      "65100}]\n",
      "solo.yaml", "solo");
  REQUIRE(s);
  REQUIRE(ValidateScenario(*s).empty());
  const auto r = RenderOk(*s);
  const auto routes = YAML::Load(FileOf(r, "solo/node-routes.yaml").content);
  REQUIRE(routes["routes"].IsSequence());
  CHECK(routes["routes"].size() == 0);
}

TEST_CASE("render: placeholders for the router's address, marked and listed") {
  const auto r = RenderOk(RenderableBuiltin("two-cluster"));
  REQUIRE(r.placeholders.size() == 2);
  const auto& p = r.placeholders[0];
  CHECK(p.token == "ROUTER_ADDRESS_ON_kind");
  CHECK(p.meaning == "the route server's address on Docker network kind");
  CHECK(p.how == "--router-address kind=IP");
  CHECK(p.files ==
        std::vector<std::string>{"cilium/bgp-peering-policy.yaml", "cilium/node-routes.yaml"});
  CHECK(r.placeholders[1].token == "ROUTER_ADDRESS_ON_kind2");
  const auto& policy = FileOf(r, "cilium/bgp-peering-policy.yaml").content;
  CHECK(policy.find("    # PLACEHOLDER ROUTER_ADDRESS_ON_kind: the route server's address on "
                    "Docker network kind, known once it runs; render again with "
                    "--router-address kind=IP\n"
                    "    - peerAddress: \"ROUTER_ADDRESS_ON_kind/32\"\n") != std::string::npos);

  const auto filled = RenderOk(RenderableBuiltin("two-cluster"), WithAddresses());
  CHECK(filled.placeholders.empty());
  for (const auto& f : filled.files) {
    CAPTURE(f.path);
    CHECK(f.content.find("PLACEHOLDER") == std::string::npos);
    CHECK(f.content.find("ROUTER_ADDRESS_ON") == std::string::npos);
  }
}

TEST_CASE("render: peerAddress is a /32 in the v1 policy and a plain IP in BGPv2") {
  const auto v1 = RenderOk(RenderableBuiltin("two-cluster"), WithAddresses());
  const auto policy = YAML::Load(FileOf(v1, "cilium2/bgp-peering-policy.yaml").content);
  const auto router = policy["spec"]["virtualRouters"][0];
  CHECK(router["localASN"].as<int>() == 65200);
  CHECK(router["exportPodCIDR"].as<bool>());
  CHECK(router["serviceSelector"]["matchLabels"]["app"].as<std::string>() == "nginx");
  CHECK(router["neighbors"][0]["peerAddress"].as<std::string>() == "172.19.0.254/32");
  CHECK(router["neighbors"][0]["peerASN"].as<int>() == 65000);
  const auto annotations = YAML::Load(FileOf(v1, "cilium2/node-annotations.yaml").content);
  CHECK(annotations["metadata"]["annotations"]["cilium.io/bgp-virtual-router.65200"]
            .as<std::string>() == "local-port=179");

  const auto v2 = RenderOk(RenderableBuiltin("two-cluster-v2"), WithAddresses());
  const auto cc = YAML::Load(FileOf(v2, "cilium2/bgp-cluster-config.yaml").content);
  CHECK(cc["apiVersion"].as<std::string>() == "cilium.io/v2");
  const auto instance = cc["spec"]["bgpInstances"][0];
  CHECK(instance["localASN"].as<int>() == 65200);
  CHECK(instance["peers"][0]["peerAddress"].as<std::string>() == "172.19.0.254");
  CHECK(instance["peers"][0]["peerConfigRef"]["name"].as<std::string>() == "bgpdemo");
  // The peer config selects the advertisement by its label.
  const auto pc = YAML::Load(FileOf(v2, "cilium2/bgp-peer-config.yaml").content);
  const auto ad = YAML::Load(FileOf(v2, "cilium2/bgp-advertisement.yaml").content);
  CHECK(pc["metadata"]["name"].as<std::string>() == "bgpdemo");
  const auto selector = pc["spec"]["families"][0]["advertisements"]["matchLabels"];
  for (const auto& kv : selector) {
    CHECK(ad["metadata"]["labels"][kv.first.as<std::string>()].as<std::string>() ==
          kv.second.as<std::string>());
  }
  CHECK(ad["spec"]["advertisements"][0]["advertisementType"].as<std::string>() == "PodCIDR");
  CHECK(ad["spec"]["advertisements"][1]["advertisementType"].as<std::string>() == "Service");
}

TEST_CASE("render: apiVersions, pool fields and Helm values follow the Cilium line") {
  struct Want {
    const char* version;
    const char* api;
    const char* pool_api;
    const char* pool_field;
    const char* bgp_api_version;
  };
  for (const auto& w : {Want{"1.14.0", "v1", "cilium.io/v2alpha1", "cidrs", "cilium.io/v2alpha1"},
                        Want{"1.15.3", "v1", "cilium.io/v2alpha1", "blocks", "cilium.io/v2alpha1"},
                        Want{"1.17.0", "v2", "cilium.io/v2alpha1", "blocks", "cilium.io/v2alpha1"},
                        Want{"1.18.0", "v1", "cilium.io/v2", "blocks", "cilium.io/v2alpha1"},
                        Want{"1.18.0", "v2", "cilium.io/v2", "blocks", "cilium.io/v2"},
                        Want{"1.20.0-dev", "v2", "cilium.io/v2", "blocks", "cilium.io/v2"}}) {
    CAPTURE(w.version);
    CAPTURE(w.api);
    auto s = RenderableBuiltin("two-cluster");
    s.cilium_version = w.version;
    s.bgp.api = w.api;
    REQUIRE(ValidateScenario(s).empty());
    const auto r = RenderOk(s, WithAddresses());
    const auto pool = YAML::Load(FileOf(r, "cilium/lb-ippool.yaml").content);
    CHECK(pool["apiVersion"].as<std::string>() == w.pool_api);
    CHECK(pool["spec"][w.pool_field][0]["cidr"].as<std::string>() == "10.21.0.0/24");
    // blocks (1.15 and later) say allowFirstLastIPs: "No", so the LB IP is the pool's .1
    // whatever the release's default; cidrs (1.14) has no such field.
    if (std::string(w.pool_field) == "blocks") {
      CHECK(pool["spec"]["allowFirstLastIPs"].as<std::string>() == "No");
      CHECK(pool["spec"].size() == 2);
    } else {
      CHECK(pool["spec"].size() == 1);
    }
    const auto bgp =
        YAML::Load(FileOf(r, std::string(w.api) == "v1" ? "cilium/bgp-peering-policy.yaml"
                                                        : "cilium/bgp-cluster-config.yaml")
                       .content);
    CHECK(bgp["apiVersion"].as<std::string>() == w.bgp_api_version);

    const auto values = YAML::Load(FileOf(r, "cilium/cilium-values.yaml").content);
    CHECK(values["ipv4NativeRoutingCIDR"].as<std::string>() == "10.0.0.0/8");
    CHECK(values["bgpControlPlane"]["enabled"].as<bool>());
    CHECK(values["k8sServiceHost"].as<std::string>() == "cilium-control-plane");
    if (std::string(w.version) == "1.14.0") {
      // The original demo's keys, minus hostServices (ignored since 1.13).
      CHECK(values["kubeProxyReplacement"].as<std::string>() == "strict");
      CHECK(values["tunnel"].as<std::string>() == "disabled");
      CHECK_FALSE(values["routingMode"]);
    } else {
      CHECK(values["kubeProxyReplacement"].as<std::string>() == "true");
      CHECK(values["routingMode"].as<std::string>() == "native");
      CHECK_FALSE(values["tunnel"]);
    }
    CHECK_FALSE(values["hostServices"]);
  }
}

TEST_CASE("render: the kind config makes the scenario's cluster") {
  const auto r = RenderOk(RenderableBuiltin("two-cluster"));
  const auto kind = YAML::Load(FileOf(r, "cilium2/kind.yaml").content);
  CHECK(kind["name"].as<std::string>() == "cilium2");
  CHECK(kind["networking"]["podSubnet"].as<std::string>() == "10.242.0.0/16");
  CHECK(kind["networking"]["serviceSubnet"].as<std::string>() == "10.12.0.0/16");
  CHECK(kind["networking"]["disableDefaultCNI"].as<bool>());
  CHECK(kind["networking"]["kubeProxyMode"].as<std::string>() == "none");
  REQUIRE(kind["nodes"].size() == 3);
  CHECK(kind["nodes"][0]["role"].as<std::string>() == "control-plane");
  CHECK(kind["nodes"][2]["role"].as<std::string>() == "worker");
  CHECK(FileOf(r, "cilium2/kind.yaml")
            .content.find("KIND_EXPERIMENTAL_DOCKER_NETWORK=kind2 kind create cluster") !=
        std::string::npos);
  const auto nginx = YAML::LoadAll(FileOf(r, "cilium2/nginx.yaml").content);
  REQUIRE(nginx.size() == 2);
  CHECK(nginx[0]["kind"].as<std::string>() == "Deployment");
  CHECK(nginx[0]["spec"]["replicas"].as<int>() == 2);
  CHECK(nginx[1]["kind"].as<std::string>() == "Service");
  CHECK(nginx[1]["spec"]["type"].as<std::string>() == "LoadBalancer");
  CHECK(nginx[1]["metadata"]["labels"]["app"].as<std::string>() == "nginx");
}

TEST_CASE("render: --router-address values are checked against the scenario") {
  const auto s = RenderableBuiltin("two-cluster");
  const auto error = [&](const char* network, const char* address) {
    RenderOptions o;
    o.router_addresses[network] = address;
    auto r = Render(s, o);
    REQUIRE_FALSE(r);
    auto check = CheckRenderOptions(s, o);
    REQUIRE_FALSE(check);
    CHECK(check.error() == r.error());
    CHECK(r.error().kind() == bgpdemo::ErrorKind::kUsage);  // a flag's value
    return r.error().message();
  };
  CHECK(error("kind3", "172.18.0.254") ==
        "--router-address kind3=172.18.0.254: scenario two-cluster has no network \"kind3\" (its "
        "networks: kind, kind2)");
  CHECK(error("kind", "router") ==
        "--router-address kind=router: \"router\" is not an IPv4 address like 172.18.0.254");
  CHECK(error("kind", "fd00::1") ==
        "--router-address kind=fd00::1: \"fd00::1\" is not an IPv4 address like 172.18.0.254");
  CHECK(error("kind2", "172.18.0.254") ==
        "--router-address kind2=172.18.0.254: 172.18.0.254 is not inside network kind2's subnet "
        "172.19.0.0/16");
}

TEST_CASE("render: listen addresses and node ranges for a router on a host (kube)") {
  // Existing clusters: the scenario knows no subnets; the nodes' addresses give the ranges.
  auto s = RenderableBuiltin("two-cluster");
  for (auto& n : s.networks) n.subnet.clear();
  RenderOptions o;
  o.router_addresses = {{"kind", "172.18.0.250"}, {"kind2", "172.19.0.250"}};
  o.router_listen_addresses = {"172.18.0.250", "172.19.0.250"};
  o.node_addresses = {{"kind", {"172.18.0.2", "172.18.0.3", "172.18.0.4"}},
                      {"kind2", {"172.19.0.9", "172.19.0.2"}}};
  const auto r = RenderOk(s, o);
  CHECK(r.placeholders.empty());
  const auto& file = FileOf(r, "router/router.yaml");
  auto c = ParseRouterConfig(file.content, "router/router.yaml");
  REQUIRE_MESSAGE(c, (c ? "" : c.error()));
  REQUIRE(c->listen_addresses.size() == 2);
  CHECK(c->listen_addresses[0].ToString() == "172.18.0.250");
  CHECK(c->listen_addresses[1].ToString() == "172.19.0.250");
  CHECK(c->listen_port == 179);
  REQUIRE(c->neighbors.size() == 2);
  CHECK(c->neighbors[0].range->ToString() == "172.18.0.0/29");
  CHECK(c->neighbors[0].peer_as == 65100);
  CHECK(c->neighbors[1].range->ToString() == "172.19.0.0/28");
  CHECK(c->neighbors[1].peer_as == 65200);
  CHECK(file.content.find("# The route server runs as bgpdemo-router and listens on "
                          "172.18.0.250, 172.19.0.250.\n") != std::string::npos);
  CHECK(file.content.find("listen:\n  addresses: [172.18.0.250, 172.19.0.250]\n  port: 179\n") !=
        std::string::npos);
  CHECK(file.content.find("  # 172.18.0.0/29: the smallest prefix that covers cluster cilium's "
                          "nodes (172.18.0.2, 172.18.0.3, 172.18.0.4)\n") != std::string::npos);
  CHECK(file.content.find("attached to every network") == std::string::npos);
  CHECK(FileOf(r, "cilium/node-routes.yaml").content.find("172.18.0.250") != std::string::npos);

  // A network with a subnet keeps it; one node alone is a /32.
  auto kept = RenderableBuiltin("two-cluster");
  kept.networks[1].subnet.clear();
  RenderOptions one;
  one.node_addresses = {{"kind", {"172.18.0.2"}}, {"kind2", {"172.19.0.2"}}};
  auto k = ParseRouterConfig(FileOf(RenderOk(kept, one), "router/router.yaml").content, "r");
  REQUIRE(k);
  CHECK(k->neighbors[0].range->ToString() == "172.18.0.0/16");
  CHECK(k->neighbors[1].range->ToString() == "172.19.0.2/32");
  CHECK(k->listen_addresses.empty());
}

TEST_CASE("render: listen and node addresses are checked") {
  const auto s = RenderableBuiltin("two-cluster");
  const auto error = [&](const RenderOptions& o) {
    auto r = Render(s, o);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == bgpdemo::ErrorKind::kUsage);
    CHECK(CheckRenderOptions(s, o).error() == r.error());
    return r.error().message();
  };
  RenderOptions listen;
  listen.router_listen_addresses = {"172.18.0.250", "fd00::1", "::ffff:172.18.0.1"};
  CHECK(error(listen) ==
        "router listen address \"::ffff:172.18.0.1\": not an IPv4 or IPv6 address like "
        "172.18.0.254 or fd00:18::fe");
  RenderOptions network;
  network.node_addresses = {{"kind3", {"172.18.0.2"}}};
  CHECK(error(network) ==
        "node addresses of network \"kind3\": scenario two-cluster has no such network");
  auto open = s;
  open.networks[0].subnet.clear();
  RenderOptions node;
  node.node_addresses = {{"kind", {"172.18.0.2", "node-1"}}};
  auto r = Render(open, node);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        "a node address of network kind \"node-1\": not an IPv4 address like 172.18.0.254");
}

TEST_CASE("render: a templates folder replaces compiled-in templates by name") {
  const auto dir = fs::temp_directory_path() / "bgpdemo-render-templates-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream(dir / "lb-ippool.yaml.mustache")
        << "{{> header}}\n# custom\nkind: CiliumLoadBalancerIPPool\npool: {{lb_pool}}\n";
  }
  RenderOptions o;
  o.templates_dir = dir.string();
  const auto r = RenderOk(RenderableBuiltin("two-cluster"), o);
  CHECK(FileOf(r, "cilium/lb-ippool.yaml").content ==
        "# cilium/lb-ippool.yaml: LoadBalancer IP pool\n"
        "# Rendered by `bgpdemo render` from scenario \"two-cluster\" (Cilium 1.14.0, BGP API "
        "v1).\n"
        "# Do not edit: change the scenario (or the templates) and render again.\n"
        "# custom\nkind: CiliumLoadBalancerIPPool\npool: 10.21.0.0/24\n");
  // The others are the compiled-in ones.
  CHECK(FileOf(r, "cilium/kind.yaml").content ==
        FileOf(RenderOk(RenderableBuiltin("two-cluster")), "cilium/kind.yaml").content);

  { std::ofstream(dir / "kind.yaml.mustache") << "{{#workers}}unclosed\n"; }
  auto bad = Render(RenderableBuiltin("two-cluster"), o);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind() == bgpdemo::ErrorKind::kInput);
  CHECK(bad.error().message().starts_with((dir / "kind.yaml.mustache").string() + ": "));
  CHECK(bad.error().message().find("workers") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("render: every compiled-in template is used") {
  std::set<std::string> used;
  // The names render picks, per Cilium line and API, plus the header partial.
  for (const char* t : {"kind.yaml", "cilium-values-1.14.yaml", "cilium-values.yaml", "nginx.yaml",
                        "lb-ippool.yaml", "bgp-peering-policy.yaml", "node-annotations.yaml",
                        "bgp-cluster-config.yaml", "bgp-peer-config.yaml", "bgp-advertisement.yaml",
                        "bgp-node-overrides.yaml", "node-routes.yaml", "node-routes-daemonset.yaml",
                        "router.yaml", "header"}) {
    used.insert(std::string(t) + ".mustache");
  }
  const auto names = TemplateNames();
  CHECK(std::set<std::string>(names.begin(), names.end()) == used);
}

TEST_CASE("render: golden files for the built-in scenarios") {
  const bool update = std::getenv("BGPDEMO_UPDATE_GOLDEN") != nullptr;
  for (const char* name : {"two-cluster", "two-cluster-dual", "two-cluster-v2"}) {
    CAPTURE(name);
    const auto dir = fs::path(BGPDEMO_TEST_DATA) / "render" / name;
    const auto r = RenderOk(RenderableBuiltin(name));
    std::set<std::string> expected;
    for (const auto& f : r.files) {
      expected.insert(f.path);
      const auto path = dir / f.path;
      if (update) {
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << f.content;
        continue;
      }
      CAPTURE(f.path);
      REQUIRE_MESSAGE(fs::exists(path), "missing golden file; see the top of this file");
      CHECK(bgpdemo::test::ReadText(path.string()) == f.content);
    }
    // No stale golden files.
    REQUIRE(fs::exists(dir));
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      const auto rel = fs::relative(entry.path(), dir).string();
      if (update && !expected.count(rel)) fs::remove(entry.path());
      if (!update) CHECK_MESSAGE(expected.count(rel), "stale golden file " << rel);
    }
  }
}
