// Tests for core/render with a dual-stack scenario: the nodes' IPv6 routes to the other
// clusters go through the route server's IPv6 address on their network, given with
// --router-address NETWORK=IPv6 (RenderOptions::router_addresses_v6) or left as the
// placeholder ROUTER_IPV6_ADDRESS_ON_<network>; and what such an address may be.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

#include "core/render.h"
#include "core/scenario.h"
#include "tests/core/scenario_checks.h"

using namespace bgpdemo::core;
using bgpdemo::test::RenderableBuiltin;

namespace {

RenderOptions Ipv4Addresses() {
  RenderOptions o;
  o.router_addresses = {{"kind", "172.18.0.254"}, {"kind2", "172.19.0.254"}};
  return o;
}

// The routes of a node-routes.yaml as (to, via) pairs, in order.
std::vector<std::pair<std::string, std::string>> Routes(const RenderResult& r,
                                                        const std::string& path) {
  for (const auto& f : r.files) {
    if (f.path != path) continue;
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& route : YAML::Load(f.content)["routes"]) {
      out.emplace_back(route["to"].as<std::string>(), route["via"].as<std::string>());
    }
    return out;
  }
  FAIL("no rendered file " << path);
  return {};
}

std::string UsageError(const Scenario& s, const RenderOptions& o) {
  auto r = Render(s, o);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == bgpdemo::ErrorKind::kUsage);
  auto checked = CheckRenderOptions(s, o);
  REQUIRE_FALSE(checked);
  CHECK(checked.error().message() == r.error().message());
  return r.error().message();
}

}  // namespace

TEST_CASE(
    "render dual: each node routes the other cluster's IPv6 ranges through the route "
    "server's IPv6 address, a placeholder until it is given") {
  const auto s = RenderableBuiltin("two-cluster-dual");
  auto r = Render(s, Ipv4Addresses());
  REQUIRE(r);
  using Routes_ = std::vector<std::pair<std::string, std::string>>;
  CHECK(Routes(*r, "cilium/node-routes.yaml") ==
        Routes_{{"10.242.0.0/16", "172.18.0.254"},
                {"10.12.0.0/16", "172.18.0.254"},
                {"10.22.0.0/24", "172.18.0.254"},
                {"fd00:10:242::/56", "ROUTER_IPV6_ADDRESS_ON_kind"},
                {"fd00:10:12::/112", "ROUTER_IPV6_ADDRESS_ON_kind"},
                {"fd00:10:22::/120", "ROUTER_IPV6_ADDRESS_ON_kind"}});
  REQUIRE(r->placeholders.size() == 2);
  CHECK(r->placeholders[0].token == "ROUTER_IPV6_ADDRESS_ON_kind");
  CHECK(r->placeholders[0].how == "--router-address kind=IPv6");
  CHECK(r->placeholders[0].files == std::vector<std::string>{"cilium/node-routes.yaml"});
  CHECK(r->placeholders[1].token == "ROUTER_IPV6_ADDRESS_ON_kind2");

  auto o = Ipv4Addresses();
  o.router_addresses_v6 = {{"kind", "fd00:18::fe"}, {"kind2", "FD00:19:0::FE"}};
  r = Render(s, o);
  REQUIRE(r);
  CHECK(r->placeholders.empty());
  const auto routes = Routes(*r, "cilium2/node-routes.yaml");
  REQUIRE(routes.size() == 6);
  CHECK(routes[0] == std::pair<std::string, std::string>{"10.241.0.0/16", "172.19.0.254"});
  CHECK(routes[3] == std::pair<std::string, std::string>{"fd00:10:241::/56", "fd00:19::fe"});
  for (const auto& f : r->files) {
    CHECK_MESSAGE(f.content.find("ROUTER_IPV6_ADDRESS_ON") == std::string::npos, f.path);
  }
}

TEST_CASE("render dual: an IPv4-only scenario's routes and placeholders have no IPv6") {
  const auto r = Render(RenderableBuiltin("two-cluster"), {});
  REQUIRE(r);
  CHECK(Routes(*r, "cilium/node-routes.yaml").size() == 3);
  for (const auto& p : r->placeholders) CHECK(p.token.find("IPV6") == std::string::npos);
}

TEST_CASE(
    "render dual: the route server's IPv6 address is an IPv6 address of the network, in "
    "a scenario with IPv6") {
  auto s = RenderableBuiltin("two-cluster-dual");
  auto o = Ipv4Addresses();
  o.router_addresses_v6 = {{"kind", "::ffff:172.18.0.254"}};
  CHECK(UsageError(s, o) ==
        "--router-address kind=::ffff:172.18.0.254: \"::ffff:172.18.0.254\" is not an IPv6 "
        "address like fd00:18::fe");
  o.router_addresses_v6 = {{"kind3", "fd00:18::fe"}};
  CHECK(UsageError(s, o) ==
        "--router-address kind3=fd00:18::fe: scenario two-cluster-dual has no network "
        "\"kind3\" (its networks: kind, kind2)");
  s.networks[0].subnet_v6 = "fd00:18::/64";  // pinned: the address must be inside
  o.router_addresses_v6 = {{"kind", "fd00:19::fe"}};
  CHECK(UsageError(s, o) ==
        "--router-address kind=fd00:19::fe: fd00:19::fe is not inside network kind's subnet "
        "fd00:18::/64");
  o.router_addresses_v6 = {{"kind", "fd00:18::fe"}};
  CHECK(Render(s, o));

  o.router_addresses_v6 = {{"kind", "fd00:18::fe"}};
  CHECK(UsageError(RenderableBuiltin("two-cluster"), o) ==
        "--router-address kind=fd00:18::fe: scenario two-cluster has no IPv6 (ip_family: "
        "ipv4)");
}
