// Tests for a scenario's ip_family (issue #14): which CIDRs each family needs and refuses,
// the IPv6 sizes Kubernetes and Cilium take, overlaps and the native-routing CIDR per
// family, and the prefix helpers of core/scenario.h for both families.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "core/scenario.h"
#include "core/scenario_validate.h"
#include "tests/core/scenario_checks.h"

using namespace bgpdemo::core;
using bgpdemo::bgp::wire::Afi;
using bgpdemo::bgp::wire::IpAddress;
using bgpdemo::bgp::wire::Prefix;
using bgpdemo::test::OnlyScenarioError;
using bgpdemo::test::ReplaceNth;
using bgpdemo::test::ScenarioErrors;

namespace {

// A valid dual-stack scenario; tests change one line at a time. Line numbers matter: the
// messages name them.
constexpr const char* kDual = R"(ip_family: dual
cilium:
  version: 1.18.0
networks:
  - name: kind
    subnet_v6: fd00:172:22::/64
  - name: kind2
clusters:
  - name: cilium
    network: kind
    pod_cidr: 10.241.0.0/16
    service_cidr: 10.11.0.0/16
    lb_pool: 10.21.0.0/24
    pod_cidr_v6: fd00:10:241::/56
    service_cidr_v6: fd00:10:11::/112
    lb_pool_v6: fd00:10:21::/120
    as: 65100
  - name: cilium2
    network: kind2
    pod_cidr: 10.242.0.0/16
    service_cidr: 10.12.0.0/16
    lb_pool: 10.22.0.0/24
    pod_cidr_v6: fd00:10:242::/56
    service_cidr_v6: fd00:10:12::/112
    lb_pool_v6: fd00:10:22::/120
    as: 65200
)";

// kDual with the `nth` (0-based) occurrence of `from` replaced by `to`; `to` empty removes
// the whole line of the first one.
std::string With(std::string_view from, std::string_view to, int nth = 0) {
  if (!to.empty()) return ReplaceNth(kDual, from, to, nth);
  std::string s = kDual;
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  const auto begin = s.rfind('\n', at) + 1;
  s.erase(begin, s.find('\n', at) + 1 - begin);
  return s;
}

// Every line whose key ends in _v6 removed, and ip_family set to `family`.
std::string Ipv4Only(std::string_view family) {
  std::string out;
  std::size_t start = 0;
  const std::string s = kDual;
  while (start < s.size()) {
    const auto end = s.find('\n', start) + 1;
    const auto line = s.substr(start, end - start);
    if (line.find("_v6:") == std::string::npos) out += line;
    start = end;
  }
  return fmt::format("ip_family: {}{}", family, out.substr(out.find('\n')));
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("ip_family: a dual scenario is valid and routes both families natively") {
  REQUIRE(ScenarioErrors(kDual).empty());
  auto s = ParseScenario(kDual, "test.yaml", "test");
  REQUIRE(s);
  CHECK(s->Family() == IpFamily::kDual);
  CHECK(s->HasIpv4());
  CHECK(s->HasIpv6());
  CHECK(s->NativeRoutingCidr().ToString() == "10.0.0.0/8");
  CHECK(s->NativeRoutingCidr(Afi::kIpv6).ToString() == "fd00:10::/38");
  CHECK(s->networks[0].subnet_v6 == "fd00:172:22::/64");
  CHECK(s->networks[1].subnet_v6.empty());
}

TEST_CASE("ip_family: ipv4 by default, and only the three names") {
  auto s = ParseScenario(Ipv4Only("ipv4").substr(sizeof("ip_family: ipv4")), "t.yaml", "t");
  REQUIRE(s);
  CHECK(s->ip_family == "ipv4");
  CHECK(ValidateScenario(*s).empty());
  CHECK_FALSE(s->HasIpv6());
  CHECK(OnlyScenarioError(With("ip_family: dual", "ip_family: both")) ==
        "test.yaml:1:12: ip_family: \"both\" is not ipv4, ipv6 or dual (kind's "
        "networking.ipFamily)");
}

TEST_CASE("ip_family: each family needs its CIDRs and refuses the other's") {
  CHECK(ScenarioErrors(With("ip_family: dual", "ip_family: ipv4")) ==
        Lines{"test.yaml:6:16: networks[0].subnet_v6: ip_family is ipv4: the network's IPv6 subnet "
              "is used only with ip_family dual or ipv6",
              "test.yaml:14:18: clusters[0].pod_cidr_v6: ip_family is ipv4, which has no IPv6 "
              "addresses: remove this field, or set ip_family: dual",
              "test.yaml:15:22: clusters[0].service_cidr_v6: ip_family is ipv4, which has no IPv6 "
              "addresses: remove this field, or set ip_family: dual",
              "test.yaml:16:17: clusters[0].lb_pool_v6: ip_family is ipv4, which has no IPv6 "
              "addresses: remove this field, or set ip_family: dual",
              "test.yaml:23:18: clusters[1].pod_cidr_v6: ip_family is ipv4, which has no IPv6 "
              "addresses: remove this field, or set ip_family: dual",
              "test.yaml:24:22: clusters[1].service_cidr_v6: ip_family is ipv4, which has no IPv6 "
              "addresses: remove this field, or set ip_family: dual",
              "test.yaml:25:17: clusters[1].lb_pool_v6: ip_family is ipv4, which has no IPv6 "
              "addresses: remove this field, or set ip_family: dual"});
  CHECK(OnlyScenarioError(With("    pod_cidr: 10.242.0.0/16", "")) ==
        "test.yaml:18:5: clusters[1].pod_cidr: missing: ip_family dual needs the cluster's IPv4 "
        "pod CIDR (e.g. 10.241.0.0/16)");
  CHECK(OnlyScenarioError(With("    lb_pool_v6: fd00:10:21::/120", "")) ==
        "test.yaml:9:5: clusters[0].lb_pool_v6: missing: ip_family dual needs the cluster's IPv6 "
        "LB pool (e.g. fd00:10:21::/120)");
  const auto v6_only = With("ip_family: dual", "ip_family: ipv6");
  const auto errors = ScenarioErrors(v6_only);
  REQUIRE(errors.size() == 6);
  CHECK(errors[0] ==
        "test.yaml:11:15: clusters[0].pod_cidr: ip_family is ipv6, which has no IPv4 addresses: "
        "remove this field, or set ip_family: dual");
  // IPv4-only and dual scenarios without IPv6 lines are what every older scenario is.
  CHECK(ScenarioErrors(Ipv4Only("ipv4")).empty());
  CHECK(ScenarioErrors(Ipv4Only("dual")).size() == 6);
}

TEST_CASE("ip_family: IPv6 CIDRs: syntax, family and host bits") {
  CHECK(OnlyScenarioError(With("pod_cidr_v6: fd00:10:241::/56", "pod_cidr_v6: 10.241.0.0/16")) ==
        "test.yaml:14:18: clusters[0].pod_cidr_v6: \"10.241.0.0/16\" is an IPv4 prefix; this "
        "field takes an IPv6 prefix like fd00:10:241::/56");
  CHECK(
      OnlyScenarioError(With("pod_cidr_v6: fd00:10:241::/56", "pod_cidr_v6: fd00:10:241::1/56")) ==
      "test.yaml:14:18: clusters[0].pod_cidr_v6: \"fd00:10:241::1/56\" has host bits set; did "
      "you mean fd00:10:241::/56?");
  CHECK(OnlyScenarioError(With("subnet_v6: fd00:172:22::/64", "subnet_v6: fd00::zz/64")) ==
        "test.yaml:6:16: networks[0].subnet_v6: \"fd00::zz/64\" is not an IPv6 prefix like "
        "fd00:10:241::/56");
  CHECK(OnlyScenarioError(With("subnet_v6: fd00:172:22::/64", "subnet_v6: fd00:172:22::/124")) ==
        "test.yaml:6:16: networks[0].subnet_v6: \"fd00:172:22::/124\" leaves too few addresses "
        "for the nodes and the router: use a /120 or shorter (kind makes a /64)");
}

TEST_CASE("ip_family: IPv6 sizes Kubernetes and Cilium take") {
  CHECK(OnlyScenarioError(With("pod_cidr_v6: fd00:10:241::/56", "pod_cidr_v6: fd00:11::/40")) ==
        "test.yaml:14:18: clusters[0].pod_cidr_v6: \"fd00:11::/40\" is larger than Kubernetes "
        "takes: it gives each node a /64, at most 16 bits below the pod CIDR; use a /48 or "
        "longer");
  CHECK(OnlyScenarioError(With("pod_cidr_v6: fd00:10:241::/56", "pod_cidr_v6: fd00:10:241::/63")) ==
        "test.yaml:14:18: clusters[0].pod_cidr_v6: \"fd00:10:241::/63\" is too small: Kubernetes "
        "gives each node a /64 of it and the cluster has 3 nodes; use a /62 or shorter");
  CHECK(OnlyScenarioError(
            With("service_cidr_v6: fd00:10:11::/112", "service_cidr_v6: fd00:10:11::/104")) ==
        "test.yaml:15:22: clusters[0].service_cidr_v6: \"fd00:10:11::/104\" is larger than "
        "Kubernetes allows for services: use a /108 or longer");
  CHECK(OnlyScenarioError(With("lb_pool_v6: fd00:10:21::/120", "lb_pool_v6: fd00:10:21::/104")) ==
        "test.yaml:16:17: clusters[0].lb_pool_v6: \"fd00:10:21::/104\" has more than 65536 "
        "addresses, the most Cilium takes in one pool CIDR: use a /112 or longer");
}

TEST_CASE("ip_family: IPv6 CIDRs overlap nowhere, and never an IPv4 one") {
  CHECK(
      OnlyScenarioError(With("lb_pool_v6: fd00:10:22::/120", "lb_pool_v6: fd00:10:241:1::/120")) ==
      "test.yaml:25:17: clusters[1].lb_pool_v6: fd00:10:241:1::/120 overlaps "
      "clusters[0].pod_cidr_v6 fd00:10:241::/56 (cluster cilium's IPv6 pod CIDR); pod, "
      "service, LB pool and network CIDRs must all be disjoint");
  CHECK(OnlyScenarioError(With("lb_pool_v6: fd00:10:21::/120", "lb_pool_v6: fd00:10:11::/120")) ==
        "test.yaml:16:17: clusters[0].lb_pool_v6: fd00:10:11::/120 is inside "
        "clusters[0].service_cidr_v6 fd00:10:11::/112 (cluster cilium's IPv6 service CIDR): "
        "Cilium would hand out addresses that Kubernetes also gives as ClusterIPs; use a range "
        "outside every service CIDR");
  CHECK(OnlyScenarioError(With("subnet_v6: fd00:172:22::/64", "subnet_v6: fd00:10:242::/64")) ==
        "test.yaml:23:18: clusters[1].pod_cidr_v6: fd00:10:242::/56 overlaps "
        "networks[0].subnet_v6 fd00:10:242::/64 (network kind's IPv6 subnet); pod, service, LB "
        "pool and network CIDRs must all be disjoint");
}

TEST_CASE("ip_family: the IPv6 native-routing CIDR stays off the internet") {
  // Unique local addresses are never routed on the internet: any span of them will do.
  CHECK(ScenarioErrors(With("pod_cidr_v6: fd00:10:242::/56", "pod_cidr_v6: fdff:10:242::/56"))
            .empty());
  CHECK(
      OnlyScenarioError(With("pod_cidr_v6: fd00:10:242::/56", "pod_cidr_v6: 2001:db8:242::/56")) ==
      "test.yaml:9:3: clusters: the IPv6 pod, service and LB CIDRs of all clusters span ::/0, "
      "wider than a /32: Cilium does not masquerade traffic to one native-routing CIDR that "
      "covers them all, and one this wide would cover the internet too; keep them inside one "
      "/32 or unique local addresses (fd00::/8)");
}

TEST_CASE("prefixes of both families: contains, overlaps, supernet, prefix of an address") {
  const auto p = [](const char* text) { return *Prefix::Parse(text); };
  CHECK(Contains(p("fd00:10::/32"), p("fd00:10:241::/56")));
  CHECK_FALSE(Contains(p("fd00:10:241::/56"), p("fd00:10::/32")));
  CHECK_FALSE(Contains(p("fd00:10::/32"), p("fd00:11::/32")));
  CHECK(Overlaps(p("fd00:10:241::/56"), p("fd00:10::/32")));
  // Different families never overlap, even ::/0 and 0.0.0.0/0.
  CHECK_FALSE(Overlaps(p("::/0"), p("0.0.0.0/0")));
  CHECK(Contains(p("10.0.0.0/8"), p("10.241.0.0/16")));
  CHECK(Supernet({p("fd00:10:241::/56"), p("fd00:10:242::/56")}).ToString() == "fd00:10:240::/46");
  CHECK(Supernet({p("fd00:10:241::/56")}).ToString() == "fd00:10:241::/56");
  CHECK(Supernet({p("10.241.0.0/16"), p("10.11.0.0/16")}).ToString() == "10.0.0.0/8");
  CHECK(Supernet({p("10.241.0.0/16"), p("138.0.0.0/8")}).ToString() == "0.0.0.0/0");
  CHECK(PrefixOf(*IpAddress::Parse("fd00:10:241::1"), 56).ToString() == "fd00:10:241::/56");
  CHECK(PrefixOf(*IpAddress::Parse("10.241.7.9"), 20).ToString() == "10.241.0.0/20");
  CHECK(PrefixOf(*IpAddress::Parse("10.241.7.9"), 0).ToString() == "0.0.0.0/0");
  CHECK(ParseIpv6Prefix("fd00::/8").has_value());
  CHECK_FALSE(ParseIpv6Prefix("10.0.0.0/8").has_value());
}
