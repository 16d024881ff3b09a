// Tests for core/scenario: reading scenario files, defaults, versions and BGP APIs, the
// built-in scenarios, and the structural errors ParseScenario stops at.
#include "core/scenario.h"

#include <doctest/doctest.h>

#include "core/scenario_validate.h"

using namespace bgpdemo::core;

namespace {

std::string ParseError(const std::string& yaml) {
  auto r = ParseScenario(yaml, "test.yaml", "test");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == bgpdemo::ErrorKind::kInput);
  return r.error().message();
}

constexpr const char* kMinimal = R"(networks:
  - name: kind
clusters:
  - name: cilium
    network: kind
    pod_cidr: 10.241.0.0/16
    service_cidr: 10.11.0.0/16
    lb_pool: 10.21.0.0/24
    as: 65100
)";

}  // namespace

TEST_CASE("scenario: the built-in scenarios parse, validate and describe themselves") {
  const auto all = BuiltinScenarios();
  REQUIRE(all.size() == 4);
  CHECK(all[0].name == "two-cluster");
  CHECK(all[0].description ==
        "The original demo: two kind clusters, Cilium 1.14.0, BGPv1 peering policies");
  CHECK(all[1].name == "two-cluster-dual");
  CHECK(all[1].description ==
        "Dual-stack (IPv4 and IPv6) clusters on Cilium 1.19.0 with BGPv2; up on lab and kind");
  CHECK(all[2].name == "two-cluster-ipv6");
  CHECK(all[2].description ==
        "IPv6-only clusters on Cilium 1.19.0 with BGPv2, native IPv6 sessions; up on lab and "
        "kind");
  CHECK(all[3].name == "two-cluster-v2");
  CHECK(all[3].description ==
        "The same demo on Cilium 1.19.0 with the BGPv2 resources (cilium.io/v2)");
  for (const auto& b : all) {
    CAPTURE(b.name);
    auto s = LoadScenario(b.name);
    REQUIRE(s);
    CHECK(s->name == b.name);
    CHECK(s->source == "scenarios/" + b.name + ".yaml");
    CHECK(FormatErrors(ValidateScenario(*s)) == "");
  }
}

TEST_CASE("scenario: two-cluster is the original demo with its mistakes fixed") {
  auto s = LoadScenario("two-cluster");
  REQUIRE(s);
  CHECK(s->Version().ToString() == "1.14.0");
  CHECK(s->Api() == BgpApi::kV1);
  CHECK(s->router.as == 65000);
  CHECK(s->router.mode == "router");
  REQUIRE(s->networks.size() == 2);
  CHECK(s->networks[0].name == "kind");
  CHECK(s->networks[0].subnet.empty());  // Docker's: kind's network is used as it is
  CHECK(s->networks[1].subnet.empty());
  CHECK(s->networks[1].name == "kind2");
  REQUIRE(s->clusters.size() == 2);
  const auto& c1 = s->clusters[0];
  const auto& c2 = s->clusters[1];
  CHECK(c1.name == "cilium");
  CHECK(c1.pod_cidr == "10.241.0.0/16");
  CHECK(c1.service_cidr == "10.11.0.0/16");
  CHECK(c1.as == 65100);
  CHECK(c2.name == "cilium2");
  CHECK(c2.network == "kind2");
  CHECK(c2.pod_cidr == "10.242.0.0/16");
  CHECK(c2.service_cidr == "10.12.0.0/16");
  CHECK(c2.as == 65200);
  // The original's LB pool was the service CIDR itself.
  CHECK_FALSE(Overlaps(*ParseIpv4Prefix(c1.lb_pool), *ParseIpv4Prefix(c1.service_cidr)));
  CHECK_FALSE(Overlaps(*ParseIpv4Prefix(c2.lb_pool), *ParseIpv4Prefix(c2.service_cidr)));
  // One native-routing CIDR over everything, not the other cluster's service CIDR.
  CHECK(s->NativeRoutingCidr().ToString() == "10.0.0.0/8");
}

TEST_CASE("scenario: two-cluster-v2 is the same demo on the newest Cilium release, BGPv2") {
  auto v1 = LoadScenario("two-cluster");
  auto v2 = LoadScenario("two-cluster-v2");
  REQUIRE(v1);
  REQUIRE(v2);
  CHECK(v2->Version().ToString() == "1.19.0");
  CHECK(v2->Api() == BgpApi::kV2);
  REQUIRE(v2->clusters.size() == v1->clusters.size());
  for (std::size_t i = 0; i < v1->clusters.size(); ++i) {
    CHECK(v2->clusters[i].name == v1->clusters[i].name);
    CHECK(v2->clusters[i].pod_cidr == v1->clusters[i].pod_cidr);
    CHECK(v2->clusters[i].lb_pool == v1->clusters[i].lb_pool);
    CHECK(v2->clusters[i].as == v1->clusters[i].as);
  }
}

TEST_CASE("scenario: defaults for every key that may be left out") {
  auto s = ParseScenario(kMinimal, "test.yaml", "minimal");
  REQUIRE(s);
  CHECK(ValidateScenario(*s).empty());
  CHECK(s->description == "");
  CHECK(s->cilium_version == "1.14.0");
  CHECK(s->bgp.api == "");
  CHECK(s->Api() == BgpApi::kV1);
  CHECK(s->bgp.hold_time == 90);
  CHECK(s->bgp.keepalive == 30);
  CHECK(s->bgp.connect_retry == 120);
  CHECK(s->bgp.graceful_restart);
  CHECK(s->router.name == "bgpdemo-router");
  CHECK(s->router.as == 65000);
  CHECK(s->router.mode == "router");
  CHECK(s->router.router_id == "10.0.0.1");
  CHECK(s->networks[0].subnet == "");
  const auto& c = s->clusters[0];
  CHECK_FALSE(c.ibgp);
  CHECK(c.workers == 2);
  CHECK(c.nginx.replicas == 2);
  REQUIRE(c.nginx.labels.size() == 1);
  CHECK(c.nginx.labels[0] == std::pair<std::string, std::string>{"app", "nginx"});
}

TEST_CASE("scenario: the BGP API follows the Cilium version unless set") {
  const auto v = [](const char* text) { return *CiliumVersion::Parse(text); };
  CHECK(DefaultBgpApi(v("1.14.0")) == BgpApi::kV1);
  CHECK(DefaultBgpApi(v("1.17.3")) == BgpApi::kV1);
  CHECK(DefaultBgpApi(v("1.18.0")) == BgpApi::kV2);
  CHECK(DefaultBgpApi(v("1.20.0-dev")) == BgpApi::kV2);
  CHECK(Supports(v("1.14.0"), BgpApi::kV1));
  CHECK_FALSE(Supports(v("1.15.2"), BgpApi::kV2));
  CHECK(Supports(v("1.16.0"), BgpApi::kV2));
  CHECK(Supports(v("1.18.1"), BgpApi::kV1));
  CHECK_FALSE(Supports(v("1.19.0"), BgpApi::kV1));

  auto s = ParseScenario(std::string("cilium: {version: 1.18.0}\n") + kMinimal, "t.yaml", "t");
  REQUIRE(s);
  CHECK(s->Api() == BgpApi::kV2);
  auto explicit_v1 = ParseScenario(
      std::string("cilium: {version: 1.17.0}\nbgp: {api: v2}\n") + kMinimal, "t.yaml", "t");
  REQUIRE(explicit_v1);
  CHECK(explicit_v1->Api() == BgpApi::kV2);
}

TEST_CASE("scenario: Cilium versions are MAJOR.MINOR.PATCH with an optional pre-release") {
  auto v = CiliumVersion::Parse("1.20.0-dev");
  REQUIRE(v);
  CHECK(v->minor == 20);
  CHECK(v->prerelease == "dev");
  CHECK(v->ToString() == "1.20.0-dev");
  CHECK(v->Line() == "1.20");
  CHECK(CiliumVersion::Parse("1.16.12")->patch == 12);
  for (const char* bad : {"1.14", "v1.14.0", "1.14.0-", "1.14.0+build", "1..0", "", "1.14.x"}) {
    CAPTURE(bad);
    CHECK_FALSE(CiliumVersion::Parse(bad));
  }
  CHECK_FALSE(IsSupported(*CiliumVersion::Parse("1.13.4")));
  CHECK(IsSupported(*CiliumVersion::Parse("1.14.0")));
  CHECK(IsSupported(*CiliumVersion::Parse("1.20.9")));
  CHECK_FALSE(IsSupported(*CiliumVersion::Parse("1.21.0")));
}

TEST_CASE("scenario: supernets, overlaps and containment of IPv4 prefixes") {
  const auto p = [](const char* text) { return *ParseIpv4Prefix(text); };
  CHECK(Supernet({p("10.241.0.0/16"), p("10.11.0.0/16")}).ToString() == "10.0.0.0/8");
  CHECK(Supernet({p("10.241.0.0/16"), p("10.242.0.0/16")}).ToString() == "10.240.0.0/14");
  CHECK(Supernet({p("10.241.0.0/16")}).ToString() == "10.241.0.0/16");
  CHECK(Supernet({p("10.0.0.0/8"), p("192.168.0.0/16")}).ToString() == "0.0.0.0/0");
  CHECK(Overlaps(p("10.0.0.0/8"), p("10.11.0.0/16")));
  CHECK(Overlaps(p("10.11.0.0/16"), p("10.0.0.0/8")));
  CHECK_FALSE(Overlaps(p("10.11.0.0/16"), p("10.12.0.0/16")));
  CHECK(Contains(p("10.11.0.0/16"), p("10.11.4.0/24")));
  CHECK_FALSE(Contains(p("10.11.4.0/24"), p("10.11.0.0/16")));
  CHECK_FALSE(ParseIpv4Prefix("fd00::/64"));
  CHECK_FALSE(ParseIpv4Prefix("10.0.0.1/8"));
}

TEST_CASE("scenario: positions fall back to the nearest enclosing field") {
  auto s = ParseScenario(kMinimal, "test.yaml", "t");
  REQUIRE(s);
  CHECK(s->positions.Locate("test.yaml", "clusters[0].as") == "test.yaml:9:9");
  // workers is not in the file: its cluster's position.
  CHECK(s->positions.Locate("test.yaml", "clusters[0].workers") == "test.yaml:4:5");
  CHECK(s->positions.Locate("test.yaml", "clusters[0].nginx.replicas") == "test.yaml:4:5");
  s->positions.Set("cilium.version", {0, 0, "--cilium-version"});
  CHECK(s->positions.Locate("test.yaml", "cilium.version") == "--cilium-version");
}

TEST_CASE("scenario: structural errors name file, line, column and field") {
  CHECK(ParseError("") == "test.yaml: the file is empty");
  CHECK(ParseError("networks: []\nclusters: []\ncolor: red\n") ==
        "test.yaml:3:1: color: unknown key; valid keys here: description, ip_family, cilium, "
        "bgp, router, networks, clusters, contexts");
  CHECK(ParseError("clusters: []\n") ==
        "test.yaml:1:1: networks: missing (a list of Docker networks, e.g. [{name: kind}])");
  CHECK(ParseError("networks: []\n") ==
        "test.yaml:1:1: clusters: missing (a list of kind clusters)");
  CHECK(ParseError("networks: kind\nclusters: []\n") ==
        "test.yaml:1:11: networks: expected a list");
  CHECK(ParseError("networks: [{subnet: 10.0.0.0/8}]\nclusters: []\n") ==
        "test.yaml:1:12: networks[0]: missing name (the Docker network's name, e.g. kind)");
  CHECK(ParseError("networks: [{name: kind}]\nclusters: [{name: a, network: kind, pod_cidr: "
                   "10.1.0.0/16, service_cidr: 10.2.0.0/16, lb_pool: 10.3.0.0/24}]\n") ==
        "test.yaml:2:12: clusters[0]: missing as (the cluster's AS number, e.g. 65100)");
  CHECK(ParseError("networks: [{name: kind}]\nclusters: [{name: a}]\n") ==
        "test.yaml:2:12: clusters[0]: missing network (e.g. kind)");
  CHECK(ParseError(std::string("router: {as: sixty}\n") + kMinimal) ==
        "test.yaml:1:14: router.as: \"sixty\" is not a whole number");
  CHECK(ParseError(std::string("bgp: {graceful_restart: maybe}\n") + kMinimal) ==
        "test.yaml:1:25: bgp.graceful_restart: \"maybe\" is not true or false");
  CHECK(ParseError(std::string("bgp: {timers: {}}\n") + kMinimal) ==
        "test.yaml:1:7: bgp.timers: unknown key; valid keys here: api, hold_time, keepalive, "
        "connect_retry, graceful_restart");
  CHECK(ParseError("networks: [{name: kind}]\nclusters:\n  - {name: [a]}\n") ==
        "test.yaml:3:12: clusters[0].name: expected a single value");
  CHECK(ParseError("networks: [{name: kind\n") == "test.yaml:2:1: end of map flow not found");
}

TEST_CASE("scenario: a name that is not built in, and a file that cannot be read") {
  auto r = LoadScenario("three-cluster");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == bgpdemo::ErrorKind::kInput);
  CHECK(r.error().message() ==
        "\"three-cluster\" is not a built-in scenario (two-cluster, two-cluster-dual, "
        "two-cluster-ipv6, two-cluster-v2); give a "
        "scenario file's path (ending in .yaml or containing a '/') to use your own");
  auto missing = LoadScenario("/nonexistent/demo.yaml");
  REQUIRE_FALSE(missing);
  CHECK(missing.error() ==
        bgpdemo::Error::Input("/nonexistent/demo.yaml: cannot open: No such file or directory"));
  auto file = LoadScenario(std::string(BGPDEMO_SOURCE_DIR) + "/scenarios/two-cluster.yaml");
  REQUIRE(file);
  CHECK(file->name == "two-cluster");
}
