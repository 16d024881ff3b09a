// Tests for core/scenario_validate: every check, each with its exact message (where,
// field, bad value, what would be valid), and that all problems are reported at once.
#include "core/scenario_validate.h"

#include <doctest/doctest.h>

#include "core/scenario.h"
#include "tests/core/scenario_checks.h"

using namespace bgpdemo::core;
using bgpdemo::test::OnlyScenarioError;
using bgpdemo::test::ReplaceNth;
using bgpdemo::test::ScenarioErrors;

namespace {

// A valid two-cluster scenario; tests change one line at a time. Line numbers matter: the
// messages name them.
constexpr const char* kBase = R"(description: test
cilium:
  version: 1.14.0
bgp:
  api: v1
  hold_time: 90
  keepalive: 30
  connect_retry: 120
router:
  name: bgpdemo-router
  as: 65000
  mode: router
  router_id: 10.0.0.1
networks:
  - name: kind
    subnet: 172.22.0.0/16
  - name: kind2
    subnet: 172.25.0.0/16
clusters:
  - name: cilium
    network: kind
    pod_cidr: 10.241.0.0/16
    service_cidr: 10.11.0.0/16
    lb_pool: 10.21.0.0/24
    as: 65100
    workers: 2
    nginx:
      replicas: 2
      labels: {app: nginx}
  - name: cilium2
    network: kind2
    pod_cidr: 10.242.0.0/16
    service_cidr: 10.12.0.0/16
    lb_pool: 10.22.0.0/24
    as: 65200
    workers: 2
    nginx:
      replicas: 2
      labels: {app: nginx}
)";

// kBase with the `nth` (0-based) occurrence of `from` replaced by `to`.
std::string With(std::string_view from, std::string_view to, int nth = 0) {
  return ReplaceNth(kBase, from, to, nth);
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("validate: the base scenario is valid") {
  CHECK(ScenarioErrors(kBase).empty());
}

TEST_CASE("validate: CIDR syntax") {
  CHECK(OnlyScenarioError(With("pod_cidr: 10.241.0.0/16", "pod_cidr: 10.241.0.0/33")) ==
        "test.yaml:22:15: clusters[0].pod_cidr: \"10.241.0.0/33\" is not an IPv4 prefix like "
        "10.241.0.0/16");
  CHECK(OnlyScenarioError(With("pod_cidr: 10.241.0.0/16", "pod_cidr: 10.241.0.1/16")) ==
        "test.yaml:22:15: clusters[0].pod_cidr: \"10.241.0.1/16\" has host bits set; did you "
        "mean 10.241.0.0/16?");
  CHECK(OnlyScenarioError(With("service_cidr: 10.12.0.0/16", "service_cidr: fd00::/108")) ==
        "test.yaml:33:19: clusters[1].service_cidr: \"fd00::/108\" is an IPv6 prefix; this field "
        "takes an IPv4 prefix like 10.241.0.0/16 (IPv6 ones go in service_cidr_v6, with "
        "ip_family dual or ipv6)");
  CHECK(OnlyScenarioError(With("subnet: 172.25.0.0/16", "subnet: kind2")) ==
        "test.yaml:18:13: networks[1].subnet: \"kind2\" is not an IPv4 prefix like "
        "10.241.0.0/16");
  CHECK(OnlyScenarioError(With("lb_pool: 10.21.0.0/24", "lb_pool: 10.21.0.0")) ==
        "test.yaml:24:14: clusters[0].lb_pool: \"10.21.0.0\" is not an IPv4 prefix like "
        "10.241.0.0/16");
}

TEST_CASE("validate: pod, service, LB and network CIDRs overlap nowhere") {
  CHECK(OnlyScenarioError(With("pod_cidr: 10.242.0.0/16", "pod_cidr: 10.241.0.0/16")) ==
        "test.yaml:32:15: clusters[1].pod_cidr: 10.241.0.0/16 overlaps clusters[0].pod_cidr "
        "10.241.0.0/16 (cluster cilium's pod CIDR); pod, service, LB pool and network CIDRs "
        "must all be disjoint");
  CHECK(OnlyScenarioError(With("service_cidr: 10.11.0.0/16", "service_cidr: 10.241.128.0/20")) ==
        "test.yaml:23:19: clusters[0].service_cidr: 10.241.128.0/20 overlaps "
        "clusters[0].pod_cidr 10.241.0.0/16 (cluster cilium's pod CIDR); pod, service, LB pool "
        "and network CIDRs must all be disjoint");
  CHECK(OnlyScenarioError(With("subnet: 172.25.0.0/16", "subnet: 10.242.0.0/24")) ==
        "test.yaml:32:15: clusters[1].pod_cidr: 10.242.0.0/16 overlaps networks[1].subnet "
        "10.242.0.0/24 (network kind2's subnet); pod, service, LB pool and network CIDRs must "
        "all be disjoint");
  CHECK(OnlyScenarioError(With("lb_pool: 10.22.0.0/24", "lb_pool: 10.21.0.128/25")) ==
        "test.yaml:34:14: clusters[1].lb_pool: 10.21.0.128/25 overlaps clusters[0].lb_pool "
        "10.21.0.0/24 (cluster cilium's LB pool); pod, service, LB pool and network CIDRs must "
        "all be disjoint");
}

TEST_CASE("validate: an LB pool inside a service CIDR, as in the original demo") {
  CHECK(OnlyScenarioError(With("lb_pool: 10.21.0.0/24", "lb_pool: 10.11.0.0/16")) ==
        "test.yaml:24:14: clusters[0].lb_pool: 10.11.0.0/16 is inside clusters[0].service_cidr "
        "10.11.0.0/16 (cluster cilium's service CIDR): Cilium would hand out addresses that "
        "Kubernetes also gives as ClusterIPs; use a range outside every service CIDR");
  // Another cluster's service CIDR counts too.
  CHECK(OnlyScenarioError(With("lb_pool: 10.22.0.0/24", "lb_pool: 10.11.7.0/24")) ==
        "test.yaml:34:14: clusters[1].lb_pool: 10.11.7.0/24 is inside clusters[0].service_cidr "
        "10.11.0.0/16 (cluster cilium's service CIDR): Cilium would hand out addresses that "
        "Kubernetes also gives as ClusterIPs; use a range outside every service CIDR");
}

TEST_CASE("validate: sizes of pod, service and LB CIDRs") {
  CHECK(OnlyScenarioError(With("pod_cidr: 10.241.0.0/16", "pod_cidr: 10.241.0.0/25")) ==
        "test.yaml:22:15: clusters[0].pod_cidr: \"10.241.0.0/25\" is too small: Kubernetes gives "
        "each node a /24 of it and the cluster has 3 nodes; use a /22 or shorter");
  CHECK(OnlyScenarioError(With("service_cidr: 10.11.0.0/16", "service_cidr: 10.96.0.0/11")) ==
        "test.yaml:23:19: clusters[0].service_cidr: \"10.96.0.0/11\" is larger than Kubernetes "
        "allows for services: use a /12 or longer");
  CHECK(OnlyScenarioError(With("lb_pool: 10.21.0.0/24", "lb_pool: 10.20.0.0/15")) ==
        "test.yaml:24:14: clusters[0].lb_pool: \"10.20.0.0/15\" has more than 65536 addresses, "
        "the most Cilium takes in one pool CIDR: use a /16 or longer");
}

TEST_CASE("validate: one native-routing CIDR must cover every cluster without the internet") {
  CHECK(OnlyScenarioError(With("pod_cidr: 10.242.0.0/16", "pod_cidr: 192.168.0.0/16")) ==
        "test.yaml:20:3: clusters: the pod, service and LB CIDRs of all clusters span 0.0.0.0/0, "
        "wider than a /8: Cilium does not masquerade traffic to one native-routing CIDR that "
        "covers them all, and one this wide would cover the internet too; keep them inside one "
        "/8 such as 10.0.0.0/8");
}

TEST_CASE("validate: AS numbers") {
  CHECK(OnlyScenarioError(With("as: 65100", "as: 0")) ==
        "test.yaml:25:9: clusters[0].as: \"0\" is not a valid AS number (1..4294967295, except "
        "23456)");
  CHECK(OnlyScenarioError(With("as: 65200", "as: 4294967296")) ==
        "test.yaml:35:9: clusters[1].as: \"4294967296\" is not a valid AS number "
        "(1..4294967295, except 23456)");
  CHECK(OnlyScenarioError(With("as: 65200", "as: 23456")) ==
        "test.yaml:35:9: clusters[1].as: \"23456\" is AS_TRANS (RFC 6793), not a real AS; "
        "expected 1..4294967295 except 23456");
  CHECK(OnlyScenarioError(With("as: 65000", "as: 23456")) ==
        "test.yaml:11:7: router.as: \"23456\" is AS_TRANS (RFC 6793), not a real AS; expected "
        "1..4294967295 except 23456");
  CHECK(ScenarioErrors(With("as: 65100", "as: 4294967295")).empty());
}

TEST_CASE("validate: a cluster in the router's AS only when iBGP is asked for") {
  CHECK(OnlyScenarioError(With("as: 65100", "as: 65000")) ==
        "test.yaml:25:9: clusters[0].as: \"65000\" is the route server's AS (router.as), which "
        "makes an iBGP session: choose another AS, or set clusters[0].ibgp: true if iBGP is "
        "what you want");
  CHECK(ScenarioErrors(With("as: 65100", "as: 65000\n    ibgp: true")).empty());
  CHECK(OnlyScenarioError(With("as: 65100", "as: 65100\n    ibgp: true")) ==
        "test.yaml:26:11: clusters[0].ibgp: true needs clusters[0].as (65100) to equal "
        "router.as (65000): iBGP is a session within one AS");
}

TEST_CASE("validate: names that kind, Docker and Kubernetes accept") {
  CHECK(OnlyScenarioError(With("name: cilium2", "name: Cilium_2")) ==
        "test.yaml:30:11: clusters[1].name: \"Cilium_2\" is not a valid cluster name: lowercase "
        "letters, digits and '-', starting and ending with a letter or digit, at most 49 "
        "characters (kind names the nodes <name>-control-plane, <name>-worker...)");
  const std::string long_name(50, 'c');
  CHECK(OnlyScenarioError(With("name: cilium2", "name: " + long_name)) ==
        "test.yaml:30:11: clusters[1].name: \"" + long_name +
            "\" is not a valid cluster name: lowercase letters, digits and '-', starting and "
            "ending with a letter or digit, at most 49 characters (kind names the nodes "
            "<name>-control-plane, <name>-worker...)");
  CHECK(ScenarioErrors(With("name: cilium2", "name: " + std::string(49, 'c'))).empty());
  CHECK(OnlyScenarioError(With("name: cilium2", "name: cilium")) ==
        "test.yaml:30:11: clusters[1].name: \"cilium\" is already the name of clusters[0]; "
        "cluster names must be unique");
  {
    std::string bad_network = kBase;
    bad_network.replace(bad_network.find("name: kind2"), 11, "name: .kind2");
    bad_network.replace(bad_network.find("network: kind2"), 14, "network: .kind2");
    CHECK(OnlyScenarioError(bad_network) ==
          "test.yaml:17:11: networks[1].name: \".kind2\" is not a valid Docker network name: "
          "letters, digits, '_', '.' and '-', starting with a letter or digit");
  }
  CHECK(OnlyScenarioError(With("name: bgpdemo-router", "name: bgpdemo router")) ==
        "test.yaml:10:9: router.name: \"bgpdemo router\" is not a valid Docker container name: "
        "letters, digits, '_', '.' and '-', starting with a letter or digit");
}

TEST_CASE("validate: networks: unique, known, one cluster each") {
  CHECK(ScenarioErrors(With("name: kind2", "name: kind")) ==
        Lines{"test.yaml:17:11: networks[1].name: \"kind\" is already the name of networks[0]; "
              "network names must be unique",
              "test.yaml:31:14: clusters[1].network: \"kind2\" is not one of the scenario's "
              "networks (kind, kind)"});
  CHECK(ScenarioErrors(With("network: kind2", "network: kind3")) ==
        Lines{"test.yaml:17:11: networks[1].name: network \"kind2\" has no cluster on it: the "
              "route server accepts each network's nodes with that cluster's AS; remove the "
              "network or put a cluster on it",
              "test.yaml:31:14: clusters[1].network: \"kind3\" is not one of the scenario's "
              "networks (kind, kind2)"});
  CHECK(ScenarioErrors(With("network: kind2", "network: kind")) ==
        Lines{"test.yaml:17:11: networks[1].name: network \"kind2\" has no cluster on it: the "
              "route server accepts each network's nodes with that cluster's AS; remove the "
              "network or put a cluster on it",
              "test.yaml:31:14: clusters[1].network: \"kind\" is already the network of "
              "clusters[0]; each cluster needs its own Docker network (the route server accepts "
              "a network's nodes with one AS)"});
  CHECK(OnlyScenarioError(With("clusters:", "  - name: kind3\nclusters:")) ==
        "test.yaml:19:11: networks[2].name: network \"kind3\" has no cluster on it: the route "
        "server accepts each network's nodes with that cluster's AS; remove the network or put "
        "a cluster on it");
}

TEST_CASE("validate: empty lists") {
  std::string no_clusters = kBase;
  no_clusters = no_clusters.substr(0, no_clusters.find("clusters:")) + "clusters: []\n";
  CHECK(OnlyScenarioError(no_clusters) ==
        "test.yaml:19:11: clusters: the list is empty: at least one cluster is needed");
  const auto no_networks = ScenarioErrors(
      "networks: []\nclusters: [{name: a, network: kind, pod_cidr: 10.1.0.0/16, service_cidr: "
      "10.2.0.0/16, lb_pool: 10.3.0.0/24, as: 65100}]\n");
  REQUIRE(no_networks.size() == 2);
  CHECK(no_networks[0] ==
        "test.yaml:1:11: networks: the list is empty: at least one Docker network is needed");
  CHECK(no_networks[1] ==
        "test.yaml:2:31: clusters[0].network: \"kind\" is not one of the scenario's networks ()");
}

TEST_CASE("validate: router mode and router ID") {
  CHECK(OnlyScenarioError(With("mode: router", "mode: bird")) ==
        "test.yaml:12:9: router.mode: \"bird\" is not router (own AS prepended, next hop self) "
        "or route-server (RFC 7947: AS path and next hop kept)");
  CHECK(OnlyScenarioError(With("router_id: 10.0.0.1", "router_id: 0.0.0.0")) ==
        "test.yaml:13:14: router.router_id: \"0.0.0.0\" is not a non-zero IPv4 address (RFC "
        "6286), e.g. 10.0.0.1");
  CHECK(OnlyScenarioError(With("router_id: 10.0.0.1", "router_id: fd00::1")) ==
        "test.yaml:13:14: router.router_id: \"fd00::1\" is not a non-zero IPv4 address (RFC "
        "6286), e.g. 10.0.0.1");
}

TEST_CASE("validate: Cilium versions outside the supported range") {
  CHECK(OnlyScenarioError(With("version: 1.14.0", "version: 1.14")) ==
        "test.yaml:3:12: cilium.version: \"1.14\" is not a Cilium version like 1.14.0 "
        "(MAJOR.MINOR.PATCH, optionally -PRERELEASE)");
  CHECK(OnlyScenarioError(With("version: 1.14.0", "version: 1.13.4")) ==
        "test.yaml:3:12: cilium.version: \"1.13.4\" is not supported: bgpdemo renders for Cilium "
        "1.14.0 to 1.20.x, the releases whose CRDs and Helm charts its tests check");
  CHECK(OnlyScenarioError(With("version: 1.14.0", "version: 1.21.0")) ==
        "test.yaml:3:12: cilium.version: \"1.21.0\" is not supported: bgpdemo renders for Cilium "
        "1.14.0 to 1.20.x, the releases whose CRDs and Helm charts its tests check");
  CHECK(ScenarioErrors(With("version: 1.14.0", "version: 1.18.0-rc.1")).empty());
}

TEST_CASE("validate: the BGP API must exist in the Cilium version") {
  CHECK(OnlyScenarioError(With("api: v1", "api: v3")) ==
        "test.yaml:5:8: bgp.api: \"v3\" is not v1 (CiliumBGPPeeringPolicy) or v2 (the BGPv2 "
        "resources); leave it out to choose by Cilium version");
  CHECK(OnlyScenarioError(With("version: 1.14.0", "version: 1.19.0")) ==
        "test.yaml:5:8: bgp.api: \"v1\" (CiliumBGPPeeringPolicy) was removed in Cilium 1.19 and "
        "cilium.version is 1.19.0: use v2, or Cilium 1.14 to 1.18");
  CHECK(OnlyScenarioError(With("api: v1", "api: v2")) ==
        "test.yaml:5:8: bgp.api: \"v2\" (the BGPv2 resources) needs Cilium 1.16 or later and "
        "cilium.version is 1.14.0: use v1, or Cilium 1.16 or later");
  // Without an explicit API every supported version has one.
  CHECK(ScenarioErrors(With("  api: v1\n", "")).empty());
}

TEST_CASE("validate: a value given by a flag is reported at the flag") {
  auto s = ParseScenario(kBase, "test.yaml", "test");
  REQUIRE(s);
  s->cilium_version = "1.13.0";
  s->positions.Set("cilium.version", {0, 0, "--cilium-version"});
  const auto errors = ValidateScenario(*s);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].ToString() ==
        "--cilium-version: cilium.version: \"1.13.0\" is not supported: bgpdemo renders for "
        "Cilium 1.14.0 to 1.20.x, the releases whose CRDs and Helm charts its tests check");
}

TEST_CASE("validate: BGP timers") {
  CHECK(OnlyScenarioError(With("hold_time: 90", "hold_time: 2")) ==
        "test.yaml:6:14: bgp.hold_time: \"2\" is not a valid hold time (3..65535 seconds; Cilium "
        "refuses less than 3)");
  CHECK(OnlyScenarioError(With("keepalive: 30", "keepalive: 0")) ==
        "test.yaml:7:14: bgp.keepalive: \"0\" is not a valid keepalive time (1..65535 seconds)");
  CHECK(OnlyScenarioError(With("keepalive: 30", "keepalive: 91")) ==
        "test.yaml:7:14: bgp.keepalive: \"91\" is more than bgp.hold_time (90), which Cilium "
        "refuses: use at most 90 seconds, usually a third of the hold time");
  CHECK(OnlyScenarioError(With("connect_retry: 120", "connect_retry: 0")) ==
        "test.yaml:8:18: bgp.connect_retry: \"0\" is not a valid connect retry time (1..65535 "
        "seconds)");
}

TEST_CASE("validate: counts below 1") {
  CHECK(OnlyScenarioError(With("workers: 2", "workers: 0")) ==
        "test.yaml:26:14: clusters[0].workers: \"0\" is not a valid number of workers (1..100)");
  CHECK(OnlyScenarioError(With("replicas: 2", "replicas: 0", 1)) ==
        "test.yaml:38:17: clusters[1].nginx.replicas: \"0\" is not a valid number of nginx "
        "replicas (1..1000)");
}

TEST_CASE("validate: nginx labels") {
  CHECK(OnlyScenarioError(With("labels: {app: nginx}", "labels: {}")) ==
        "test.yaml:29:15: clusters[0].nginx.labels: no labels: the nginx Service and the BGP "
        "service selector need at least one, e.g. {app: nginx}");
  CHECK(OnlyScenarioError(With("labels: {app: nginx}", "labels: {-app: nginx}")) ==
        "test.yaml:29:16: clusters[0].nginx.labels.-app: \"-app\" is not a valid Kubernetes label "
        "key: an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' or "
        "'.', starting and ending with a letter or digit");
  CHECK(OnlyScenarioError(With("labels: {app: nginx}", "labels: {app: \"ngi nx\"}")) ==
        "test.yaml:29:21: clusters[0].nginx.labels.app: \"ngi nx\" is not a valid Kubernetes "
        "label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a "
        "letter or digit");
  CHECK(ScenarioErrors(With("labels: {app: nginx}", "labels: {example.com/app: nginx, tier: \"\"}"))
            .empty());
}

TEST_CASE("validate: every problem is reported, in file order") {
  std::string s = With("as: 65100", "as: 0");
  s.replace(s.find("keepalive: 30"), 13, "keepalive: 0");
  s.replace(s.find("pod_cidr: 10.242.0.0/16"), 23, "pod_cidr: 10.241.0.0/16");
  s.replace(s.find("workers: 2"), 10, "workers: 0");
  CHECK(ScenarioErrors(s) ==
        Lines{"test.yaml:7:14: bgp.keepalive: \"0\" is not a valid keepalive time (1..65535 "
              "seconds)",
              "test.yaml:25:9: clusters[0].as: \"0\" is not a valid AS number (1..4294967295, "
              "except 23456)",
              "test.yaml:26:14: clusters[0].workers: \"0\" is not a valid number of workers "
              "(1..100)",
              "test.yaml:32:15: clusters[1].pod_cidr: 10.241.0.0/16 overlaps "
              "clusters[0].pod_cidr 10.241.0.0/16 (cluster cilium's pod CIDR); pod, service, LB "
              "pool and network CIDRs must all be disjoint"});
}
