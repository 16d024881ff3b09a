// The lab's plan for the built-in scenarios: addresses, pod placement, and the node
// speakers Cilium would run, read from the rendered BGPv1 and BGPv2 resources.
#include "core/lab/plan.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "core/lab/engine_speaker.h"
#include "core/router_config.h"
#include "core/scenario_validate.h"
#include "tests/core/lab/plan_fixture.h"

namespace bgpdemo::core::lab {
namespace {

Scenario Load(const std::string& name) {
  auto s = LoadScenario(name);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  REQUIRE(ValidateScenario(*s).empty());
  return *s;
}

LabPlan Plan(const std::string& name, const std::string& prefix = "t") {
  return test::BuiltinPlan(name, prefix);
}

using test::SpeakerOf;

TEST_CASE("lab plan: nodes, addresses and pods of two-cluster as kind and Kubernetes give them") {
  const auto plan = Plan("two-cluster");
  REQUIRE(plan.networks.size() == 2);
  CHECK(plan.networks[0].netns == "t-net-kind");
  CHECK(plan.networks[0].router_address == "172.18.255.254");
  CHECK(plan.networks[1].router_address == "172.19.255.254");
  CHECK(plan.router_netns == "t-router");

  REQUIRE(plan.nodes.size() == 6);
  const auto* cp = plan.FindNode("cilium-control-plane");
  REQUIRE(cp != nullptr);
  CHECK(cp->address == "172.18.0.2");
  CHECK(cp->pod_cidr == "10.241.0.0/24");
  CHECK(cp->control_plane);
  const auto* w2 = plan.FindNode("cilium2-worker2");
  REQUIRE(w2 != nullptr);
  CHECK(w2->address == "172.19.0.4");
  CHECK(w2->pod_cidr == "10.242.2.0/24");
  CHECK(w2->pod_gateway == "10.242.2.1");

  // Two replicas per cluster, one on each worker, none on the control plane.
  REQUIRE(plan.pods.size() == 4);
  CHECK(plan.pods[0].node == "cilium-worker");
  CHECK(plan.pods[0].address == "10.241.1.10");
  CHECK(plan.pods[1].node == "cilium-worker2");
  CHECK(plan.pods[1].address == "10.241.2.10");
  CHECK(plan.pods[2].netns == "t-pod-cilium2-nginx-1");

  CHECK(plan.Namespaces().size() == 2 + 1 + 6 + 4);
}

TEST_CASE("lab plan: BGPv1 peering policy -> one speaker per node, as Cilium 1.14 runs it") {
  const auto plan = Plan("two-cluster");
  REQUIRE(plan.speakers.size() == 6);
  const auto& s = SpeakerOf(plan, "cilium-worker");
  CHECK(s.local_as == 65100);
  CHECK(s.address == "172.18.0.3");
  CHECK(s.netns == "t-node-cilium-worker");
  CHECK(s.listen_port == 179);  // from the node annotation local-port=179
  REQUIRE(s.neighbors.size() == 1);
  CHECK(s.neighbors[0].address == "172.18.255.254");
  CHECK(s.neighbors[0].peer_as == 65000);
  CHECK(s.neighbors[0].hold_time == 90);
  CHECK(s.neighbors[0].keepalive == 30);
  CHECK(s.neighbors[0].connect_retry == 120);
  CHECK(s.neighbors[0].graceful_restart);
  // exportPodCIDR and the nginx LoadBalancer IP (the pool's first address).
  CHECK(s.prefixes == std::vector<std::string>{"10.241.1.0/24", "10.21.0.1/32"});
  const auto& s2 = SpeakerOf(plan, "cilium2-control-plane");
  CHECK(s2.local_as == 65200);
  CHECK(s2.prefixes == std::vector<std::string>{"10.242.0.0/24", "10.22.0.1/32"});
  CHECK(LbAddresses(plan, "cilium2-control-plane") == std::vector<std::string>{"10.22.0.1"});
}

TEST_CASE("lab plan: BGPv2 resources give the same speakers") {
  const auto v1 = Plan("two-cluster");
  const auto v2 = Plan("two-cluster-v2");
  REQUIRE(v2.speakers.size() == 6);
  for (std::size_t i = 0; i < v1.speakers.size(); ++i) {
    CAPTURE(v1.speakers[i].node);
    // A v1 neighbor negotiates IPv4 and IPv6 unicast; a v2 one the families its
    // CiliumBGPPeerConfig lists (IPv4 in this IPv4 scenario). The rest is the same.
    auto v1_speaker = v1.speakers[i];
    REQUIRE(v1_speaker.neighbors.size() == 1);
    CHECK(v1_speaker.neighbors[0].families == std::vector<std::string>{"ipv4", "ipv6"});
    CHECK(v2.speakers[i].neighbors[0].families == std::vector<std::string>{"ipv4"});
    v1_speaker.neighbors[0].families = {"ipv4"};
    CHECK(v2.speakers[i] == v1_speaker);
  }
}

TEST_CASE("lab plan: static routes from node-routes.yaml, direct routes inside a cluster") {
  const auto plan = Plan("two-cluster");
  const auto scripts = BuildScripts(plan);
  auto script_for = [&](const std::string& ns, const std::string& has) -> const NetnsScript* {
    for (const auto& s : scripts) {
      if (s.netns != ns) continue;
      for (const auto& c : s.ip_commands) {
        if (c.find(has) != std::string::npos) return &s;
      }
    }
    return nullptr;
  };
  const auto* node = script_for("t-node-cilium-worker", "route replace");
  REQUIRE(node != nullptr);
  const auto& cmds = node->ip_commands;
  auto has = [&](const std::string& c) {
    return std::find(cmds.begin(), cmds.end(), c) != cmds.end();
  };
  CHECK(has("route replace 10.242.0.0/16 via 172.18.255.254"));
  CHECK(has("route replace 10.22.0.0/24 via 172.18.255.254"));
  CHECK(has("route add 10.241.2.0/24 via 172.18.0.4"));
  CHECK(has("route add 10.241.0.0/24 via 172.18.0.2"));
  CHECK(has("addr add 10.21.0.1/32 dev lo"));
  CHECK(has("route add 10.241.1.10/32 dev lxc0"));
  CHECK(script_for("t-router", "link add eth1 type veth peer name router netns t-net-kind2"));
  CHECK(script_for("t-net-kind", "link set node2 master br0"));
  // The router's config is the rendered one, with the FIB on.
  CHECK(plan.router_config.find("install: true") != std::string::npos);
  CHECK(plan.router_config.find("range: 172.19.0.0/16") != std::string::npos);
}

TEST_CASE("lab plan: a network without a subnet gets a free /16, bad prefixes are refused") {
  auto s = Load("two-cluster");
  s.networks[0].subnet = "172.18.0.0/16";  // taken: kind2 gets the next one
  auto plan = PlanLab(s, {"t"});
  REQUIRE(plan);
  CHECK(plan->networks[1].subnet == "172.19.0.0/16");
  CHECK(plan->FindNode("cilium2-worker")->address == "172.19.0.3");

  auto bad = PlanLab(Load("two-cluster"), {"Bad_Prefix"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind() == ErrorKind::kUsage);  // --lab-prefix
  CHECK(bad.error().message().find("a-z, 0-9") != std::string::npos);
}

TEST_CASE("lab plan: more replicas than a node's /24 holds is an error naming the cluster") {
  auto s = Load("two-cluster");
  s.clusters[0].workers = 1;
  s.clusters[0].nginx.replicas = 241;
  auto plan = PlanLab(s, {"t"});
  REQUIRE_FALSE(plan);
  CHECK(plan.error().kind() == ErrorKind::kInput);
  CHECK(plan.error().message().find("cluster cilium: 241 nginx replicas") != std::string::npos);
}

TEST_CASE("lab plan: dual stack is planned from up's text, a family a provider lacks is refused") {
  auto text = LoadScenarioText("two-cluster-dual");
  REQUIRE(text);
  auto plan = PlanFromText(*text, {"t"});
  REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().message()));
  CHECK(plan->nodes[0].address_v6 == "fc00:f853:ccd:e793::2");

  // CheckRunnable names the provider and what it runs, at the scenario's ip_family line.
  auto s = ParseScenario(text->text, text->source, text->name);
  REQUIRE(s);
  CHECK(CheckRunnable(*s, "lab", {IpFamily::kIpv4, IpFamily::kDual}));
  auto refused = CheckRunnable(*s, "kind", {IpFamily::kIpv4});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind() == ErrorKind::kInput);
  CHECK(refused.error().message() ==
        "scenarios/two-cluster-dual.yaml:12:12: ip_family dual: the kind provider brings up ipv4 "
        "demos so far; `bgpdemo render` writes this scenario's cluster files");
  s->ip_family = "ipv6";
  refused = CheckRunnable(*s, "lab", {IpFamily::kIpv4, IpFamily::kDual});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().find("ip_family ipv6: the lab provider brings up ipv4 and dual "
                                       "demos so far") != std::string::npos);
}

}  // namespace
}  // namespace bgpdemo::core::lab

namespace bgpdemo::core::lab {
namespace {

TEST_CASE("engine speaker: the node's router config says what Cilium's GoBGP would do") {
  const auto plan = Plan("two-cluster");
  const auto& s = SpeakerOf(plan, "cilium2-worker");
  const auto yaml = EngineSpeakerYaml(s);
  auto c = ParseRouterConfig(yaml, "speaker.yaml");
  REQUIRE_MESSAGE(c, (c ? "" : c.error()));
  CHECK(bgp::wire::IpAddress::V4(c->router_id).ToString() == "172.19.0.3");
  CHECK(c->local_as == 65200);
  CHECK(c->mode == bgp::policy::Mode::kRouter);
  CHECK(c->hostname == "cilium2-worker");
  CHECK(c->offer_extended_next_hop);
  CHECK(c->listen_port == 179);
  REQUIRE(c->listen_addresses.size() == 1);
  CHECK(c->listen_addresses[0].ToString() == "172.19.0.3");
  REQUIRE(c->originate.size() == 2);
  CHECK(c->originate[0].ToString() == "10.242.1.0/24");
  CHECK(c->originate[1].ToString() == "10.22.0.1/32");
  REQUIRE(c->neighbors.size() == 1);
  const auto& n = c->neighbors[0];
  CHECK(n.address->ToString() == "172.19.255.254");
  CHECK(n.peer_as == 65000);
  CHECK_FALSE(n.passive);  // dials out, and listens
  CHECK(n.local_address->ToString() == "172.19.0.3");
  CHECK(n.graceful_restart);
  CHECK(n.timers == bgp::server::Timers{90, 30, 120});
  CHECK_FALSE(c->fib.install);  // Cilium installs no BGP routes
}

}  // namespace
}  // namespace bgpdemo::core::lab
