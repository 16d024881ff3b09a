// The lab's plan for the IPv6-only built-in scenario (two-cluster-ipv6): sessions over
// IPv6 with IPv6 unicast only, router IDs from the rendered CiliumBGPNodeConfigOverrides,
// pods without IPv4, and the render and validation that come with it.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/lab/engine_speaker.h"
#include "core/lab/gobgpd.h"
#include "core/lab/plan.h"
#include "core/render.h"
#include "core/router_config.h"
#include "core/scenario_validate.h"
#include "tests/core/lab/plan_fixture.h"

namespace bgpdemo::core::lab {
namespace {

using test::SpeakerOf;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("lab plan, IPv6 only: the sessions are IPv6, the router IDs the overrides'") {
  const auto plan = test::BuiltinPlan("two-cluster-ipv6");
  const auto& s = SpeakerOf(plan, "cilium-worker");
  CHECK(s.address == "fc00:f853:ccd:e793::3");  // the node's IPv6 address is the source
  CHECK(s.router_id == "10.255.1.2");           // its CiliumBGPNodeConfigOverride's
  REQUIRE(s.neighbors.size() == 1);
  CHECK(s.neighbors[0].address == "fc00:f853:ccd:e793:ffff:ffff:ffff:fffe");
  CHECK(s.neighbors[0].families == std::vector<std::string>{"ipv6"});
  CHECK(s.prefixes == std::vector<std::string>{"fd00:10:241:1::/64", "fd00:10:21::1/128"});
  CHECK(SpeakerOf(plan, "cilium2-control-plane").router_id == "10.255.2.1");

  // The engine speaker: router ID, IPv6 listener and session, IPv6 unicast only.
  auto c = ParseRouterConfig(EngineSpeakerYaml(s), "speaker.yaml");
  REQUIRE_MESSAGE(c, (c ? "" : c.error()));
  CHECK(bgp::wire::IpAddress::V4(c->router_id).ToString() == "10.255.1.2");
  REQUIRE(c->neighbors.size() == 1);
  CHECK_FALSE(c->neighbors[0].ipv4);
  CHECK(c->neighbors[0].ipv6);
  // gobgpd as Cilium sets it up: the override's router ID, the IPv6 source, one family.
  const auto toml = GobgpdConfig(s);
  CHECK(Contains(toml, "router-id = \"10.255.1.2\""));
  CHECK(Contains(toml, "local-address-list = [\"fc00:f853:ccd:e793::3\"]"));
  CHECK(Contains(toml, "afi-safi-name = \"ipv6-unicast\""));
  CHECK_FALSE(Contains(toml, "ipv4-unicast"));

  // The router takes its neighbors from the networks' IPv6 subnets.
  const auto& files = plan.rendered.files;
  const auto router = std::find_if(files.begin(), files.end(), [](const RenderedFile& f) {
    return f.path == "router/router.yaml";
  });
  REQUIRE(router != files.end());
  CHECK(Contains(router->content, "range: fc00:f853:ccd:e793::/64"));
  CHECK(Contains(router->content, "range: fc00:444c:147a:44ab::/64"));
}

TEST_CASE("lab plan, IPv6 only: pods have no IPv4 address, nodes keep theirs (as kind's)") {
  const auto plan = test::BuiltinPlan("two-cluster-ipv6");
  REQUIRE(plan.pods.size() == 4);
  CHECK(plan.pods[0].address.empty());
  CHECK(plan.pods[0].address_v6 == "fd00:10:241:1::a");
  const auto* w = plan.FindNode("cilium-worker");
  REQUIRE(w != nullptr);
  CHECK(w->address == "172.18.0.3");  // Docker's network has IPv4; Kubernetes does not use it
  CHECK(w->pod_cidr.empty());
  CHECK(plan.clusters[0].k8s.nodes[1].address.empty());  // what the API server knows
  CHECK(plan.clusters[0].k8s.services[0].lb_ip.empty());
  CHECK(plan.clusters[0].k8s.services[0].lb_ip_v6 == "fd00:10:21::1");

  // No IPv4 address, route or gateway for a pod anywhere in the scripts.
  for (const auto& script : BuildScripts(plan)) {
    for (const auto& cmd : script.ip_commands) {
      CAPTURE(script.netns);
      CHECK_FALSE(Contains(cmd, "/32"));
      CHECK_FALSE(Contains(cmd, "default via"));
      CHECK_FALSE(Contains(cmd, "addr add /"));
    }
  }
}

TEST_CASE("IPv6 only needs BGPv2: a v1 scenario is refused at its api or version line") {
  auto text = LoadScenarioText("two-cluster-ipv6");
  REQUIRE(text);
  auto v1 = text->text;
  v1.replace(v1.find("  api: v2"), 9, "  api: v1");
  v1.replace(v1.find("version: 1.19.0"), 15, "version: 1.18.0");
  auto s = ParseScenario(v1, text->source, text->name);
  REQUIRE(s);
  const auto errors = ValidateScenario(*s);
  REQUIRE(errors.size() == 1);
  CHECK(FormatErrors(errors).find(
            "bgp.api: ip_family ipv6 needs the BGPv2 resources (bgp.api: v2, Cilium 1.16 or "
            "later): an IPv6-only node has no IPv4 address for a BGPv1 router ID") !=
        std::string::npos);
}

TEST_CASE("render, IPv6 only: the peer is the router's IPv6 address, a placeholder until known") {
  auto s = LoadScenario("two-cluster-ipv6");
  REQUIRE(s);
  auto r = Render(*s, {});
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
  std::vector<std::string> tokens;
  for (const auto& p : r->placeholders) tokens.push_back(p.token);
  // No IPv4 placeholder: nothing IPv4 is rendered.
  CHECK(tokens == std::vector<std::string>{"ROUTER_IPV6_ADDRESS_ON_kind", "IPV6_SUBNET_OF_kind",
                                           "ROUTER_IPV6_ADDRESS_ON_kind2", "IPV6_SUBNET_OF_kind2"});
  RenderOptions o;
  o.router_addresses_v6 = {{"kind", "fd00:18::fe"}, {"kind2", "fd00:19::fe"}};
  s->networks[0].subnet_v6 = "fd00:18::/64";
  s->networks[1].subnet_v6 = "fd00:19::/64";
  r = Render(*s, o);
  REQUIRE(r);
  CHECK(r->placeholders.empty());
  for (const auto& f : r->files) {
    if (f.path != "cilium/bgp-cluster-config.yaml") continue;
    CHECK(Contains(f.content, "peerAddress: \"fd00:18::fe\""));
  }
}

}  // namespace
}  // namespace bgpdemo::core::lab
