// Tests for `bgpdemo render` and `bgpdemo scenarios` (cli/render_command.cpp,
// cli/scenarios_command.cpp), run in-process through cli::Main.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/app.h"
#include "core/router_config.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;

using bgpdemo::test::Bgpdemo;

namespace {

fs::path TempDir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("bgpdemo-cli-" + name);
  fs::remove_all(dir);
  return dir;
}

}  // namespace

TEST_CASE("scenarios: lists the built-in scenarios with a one-line description") {
  auto r = Bgpdemo({"scenarios"});
  CHECK(r.code == 0);
  CHECK(r.err == "");
  CHECK(r.out ==
        "NAME              DESCRIPTION\n"
        "two-cluster       The original demo: two kind clusters, Cilium 1.14.0, BGPv1 peering "
        "policies\n"
        "two-cluster-dual  Dual-stack (IPv4 and IPv6) clusters on Cilium 1.19.0 with BGPv2; "
        "up on lab and kind\n"
        "two-cluster-ipv6  IPv6-only clusters on Cilium 1.19.0 with BGPv2, native IPv6 "
        "sessions; up on lab and kind\n"
        "two-cluster-v2    The same demo on Cilium 1.19.0 with the BGPv2 resources "
        "(cilium.io/v2)\n");
  auto j = Bgpdemo({"scenarios", "-o", "json"});
  CHECK(j.code == 0);
  const auto list = nlohmann::json::parse(j.out);
  REQUIRE(list.size() == 4);
  CHECK(list[1]["name"] == "two-cluster-dual");
  CHECK(list[2]["name"] == "two-cluster-ipv6");
  CHECK(list[3]["name"] == "two-cluster-v2");
}

TEST_CASE("render: -o DIR writes every file and prints the paths, placeholders on stderr") {
  const auto dir = TempDir("render-out");
  auto r = Bgpdemo({"render", "-o", dir.string()});
  CHECK(r.code == 0);
  std::istringstream lines(r.out);
  std::vector<std::string> paths;
  for (std::string line; std::getline(lines, line);) paths.push_back(line);
  REQUIRE(paths.size() == 15);
  CHECK(paths.front() == (dir / "cilium/kind.yaml").string());
  CHECK(paths.back() == (dir / "router/router.yaml").string());
  for (const auto& p : paths) CHECK(fs::exists(p));
  CHECK(r.err ==
        "bgpdemo render: assumed kind=172.18.0.0/16, kind2=172.19.0.0/16 (the subnets Docker "
        "gives new networks on a machine with only docker0); give --network-subnet NAME=CIDR "
        "for yours (docker network inspect NAME)\n"
        "bgpdemo render: warning: 2 placeholders left for values known only at run time; render "
        "again with them before applying:\n"
        "  ROUTER_ADDRESS_ON_kind: the route server's address on Docker network kind; give "
        "--router-address kind=IP (in cilium/bgp-peering-policy.yaml, cilium/node-routes.yaml)\n"
        "  ROUTER_ADDRESS_ON_kind2: the route server's address on Docker network kind2; give "
        "--router-address kind2=IP (in cilium2/bgp-peering-policy.yaml, "
        "cilium2/node-routes.yaml)\n");
  // The route server's config loads as `bgpdemo router --config` reads it.
  auto router = bgpdemo::core::LoadRouterConfig((dir / "router/router.yaml").string());
  REQUIRE_MESSAGE(router, (router ? "" : router.error()));
  CHECK(router->neighbors.size() == 2);
  // The same content as the golden files.
  CHECK(bgpdemo::test::ReadText((dir / "cilium2/bgp-peering-policy.yaml").string()) ==
        bgpdemo::test::ReadText(
            bgpdemo::test::DataPath("render/two-cluster/cilium2/bgp-peering-policy.yaml")));
  fs::remove_all(dir);
}

TEST_CASE("render: --router-address fills the placeholders, only the assumed subnets are said") {
  const auto dir = TempDir("render-addresses");
  auto r =
      Bgpdemo({"render", "--scenario", "two-cluster-v2", "--router-address", "kind=172.18.0.254",
               "--router-address", "kind2=172.19.0.254", "-o", dir.string()});
  CHECK(r.code == 0);
  CHECK(r.err ==
        "bgpdemo render: assumed kind=172.18.0.0/16, kind2=172.19.0.0/16 (the subnets Docker "
        "gives new networks on a machine with only docker0); give --network-subnet NAME=CIDR "
        "for yours (docker network inspect NAME)\n");
  const auto cc = bgpdemo::test::ReadText((dir / "cilium2/bgp-cluster-config.yaml").string());
  CHECK(cc.find("      peerAddress: \"172.19.0.254\"\n") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("render: --stdout prints one multi-document YAML") {
  auto r = Bgpdemo({"render", "--scenario", "two-cluster-v2", "--stdout"});
  CHECK(r.code == 0);
  CHECK(r.out.starts_with("---\n# cilium/kind.yaml: kind cluster configuration\n"));
  CHECK(r.out.find("---\n# router/router.yaml: route server configuration\n") != std::string::npos);
  // 17 files (8 per cluster and the router's), each nginx.yaml holding two documents.
  std::size_t docs = 0;
  for (auto at = r.out.find("---\n"); at != std::string::npos; at = r.out.find("---\n", at + 1)) {
    if (at == 0 || r.out[at - 1] == '\n') ++docs;
  }
  CHECK(docs == 17 + 2);
  CHECK(r.err.find("ROUTER_ADDRESS_ON_kind2") != std::string::npos);
}

TEST_CASE("render: --cilium-version renders another release, or says why it cannot") {
  auto ok =
      Bgpdemo({"render", "--scenario", "two-cluster-v2", "--cilium-version", "1.17.0", "--stdout"});
  CHECK(ok.code == 0);
  CHECK(ok.out.find("apiVersion: cilium.io/v2alpha1\nkind: CiliumBGPClusterConfig\n") !=
        std::string::npos);
  auto bad = Bgpdemo({"render", "--cilium-version", "1.19.0", "--stdout"});
  CHECK(bad.code == 3);
  CHECK(bad.out == "");
  CHECK(bad.err ==
        "scenarios/two-cluster.yaml:78:8: bgp.api: \"v1\" (CiliumBGPPeeringPolicy) was removed "
        "in Cilium 1.19 and cilium.version is 1.19.0: use v2, or Cilium 1.14 to 1.18\n"
        "bgpdemo render: 1 problem in scenario two-cluster; nothing was rendered\n");
  auto unsupported = Bgpdemo({"render", "--cilium-version", "1.13.0", "--stdout"});
  CHECK(unsupported.code == 3);
  CHECK(
      unsupported.err.starts_with("--cilium-version: cilium.version: \"1.13.0\" is not "
                                  "supported"));
}

TEST_CASE("render: a scenario file with problems lists them all and renders nothing") {
  const auto dir = TempDir("render-bad");
  fs::create_directories(dir);
  const auto file = dir / "bad.yaml";
  std::ofstream(file) << "networks: [{name: kind}]\n"
                         "clusters:\n"
                         "  - name: Bad_Name\n"
                         "    network: kind\n"
                         "    pod_cidr: 10.241.0.0/16\n"
                         "    service_cidr: 10.11.0.0/16\n"
                         "    lb_pool: 10.11.0.0/24\n"
                         "    as: 0\n";
  auto r = Bgpdemo({"render", "--scenario", file.string(), "-o", (dir / "out").string()});
  CHECK(r.code == 3);
  CHECK(r.out == "");
  const auto f = file.string();
  CHECK(r.err ==
        f +
            ":3:11: clusters[0].name: \"Bad_Name\" is not a valid cluster name: lowercase "
            "letters, digits and '-', starting and ending with a letter or digit, at most 49 "
            "characters (kind names the nodes <name>-control-plane, <name>-worker...)\n" +
            f +
            ":7:14: clusters[0].lb_pool: 10.11.0.0/24 is inside clusters[0].service_cidr "
            "10.11.0.0/16 (cluster Bad_Name's service CIDR): Cilium would hand out addresses "
            "that Kubernetes also gives as ClusterIPs; use a range outside every service CIDR\n" +
            f +
            ":8:9: clusters[0].as: \"0\" is not a valid AS number (1..4294967295, except "
            "23456)\n"
            "bgpdemo render: 3 problems in scenario bad; nothing was rendered\n");
  CHECK_FALSE(fs::exists(dir / "out"));
  fs::remove_all(dir);
}

TEST_CASE("render: --network-subnet gives a subnet the scenario leaves to Docker") {
  const auto dir = TempDir("render-subnet");
  fs::create_directories(dir);
  const auto file = dir / "solo.yaml";
  std::ofstream(file) << "networks: [{name: kind}]\n"
                         "clusters: [{name: solo, network: kind, pod_cidr: 10.241.0.0/16, "
                         "service_cidr: 10.11.0.0/16, lb_pool: 10.21.0.0/24, as: 65100}]\n";
  auto without = Bgpdemo({"render", "--scenario", file.string(), "--stdout"});
  CHECK(without.code == 0);
  CHECK(without.err.starts_with(
      "bgpdemo render: assumed kind=172.18.0.0/16 (the subnets Docker gives new networks on a "
      "machine with only docker0); give --network-subnet NAME=CIDR for yours (docker network "
      "inspect NAME)\n"));
  CHECK(without.out.find("    range: 172.18.0.0/16\n") != std::string::npos);
  CHECK(without.err.find("SUBNET_OF_kind") == std::string::npos);
  auto with = Bgpdemo({"render", "--scenario", file.string(), "--network-subnet",
                       "kind=172.20.0.0/16", "--router-address", "kind=172.20.0.254", "--stdout"});
  CHECK(with.code == 0);
  CHECK(with.err == "");
  CHECK(with.out.find("    range: 172.20.0.0/16\n") != std::string::npos);
  auto bad = Bgpdemo({"render", "--scenario", file.string(), "--network-subnet",
                      "kind=172.18.0.0/33", "--stdout"});
  CHECK(bad.code == 3);
  CHECK(
      bad.err.starts_with("--network-subnet kind=172.18.0.0/33: networks[0].subnet: "
                          "\"172.18.0.0/33\" is not an IPv4 prefix like 10.241.0.0/16\n"));
  fs::remove_all(dir);
}

TEST_CASE(
    "render: --router-address takes an IPv6 address beside the IPv4 one of a dual-stack "
    "network") {
  auto r = Bgpdemo({"render", "--scenario", "two-cluster-dual", "--router-address",
                    "kind=172.18.0.254", "--router-address", "kind=fd00:18::fe", "--router-address",
                    "kind2=172.19.0.254", "--stdout"});
  CHECK(r.code == 0);
  CHECK(r.err.find("--router-address kind=IPv6") == std::string::npos);
  CHECK(r.err.find("--router-address kind2=IPv6 (in cilium2/node-routes.yaml)") !=
        std::string::npos);
  CHECK(r.out.find("- to: fd00:10:242::/56  # cluster cilium2's IPv6 pods\n  via: fd00:18::fe\n") !=
        std::string::npos);
  CHECK(r.out.find("- to: 10.242.0.0/16  # cluster cilium2's pods\n  via: 172.18.0.254\n") !=
        std::string::npos);
  auto v4_only = Bgpdemo({"render", "--router-address", "kind=fd00:18::fe", "--stdout"});
  CHECK(v4_only.code == 2);
  CHECK(v4_only.err ==
        "bgpdemo render: --router-address kind=fd00:18::fe: scenario two-cluster "
        "has no IPv6 (ip_family: ipv4)\n");
}

TEST_CASE("render: usage errors exit 2, unknown scenarios 3") {
  auto none = Bgpdemo({"render"});
  CHECK(none.code == 2);
  CHECK(none.err == "bgpdemo render: give -o DIR to write the files, or --stdout to print them\n");
  auto both = Bgpdemo({"render", "-o", "x", "--stdout"});
  CHECK(both.code == 2);
  auto address = Bgpdemo({"render", "--router-address", "kind", "--stdout"});
  CHECK(address.code == 2);
  CHECK(address.err ==
        "bgpdemo render: --router-address kind: expected NETWORK=IP, e.g. kind=172.18.0.254\n");
  auto outside = Bgpdemo({"render", "--router-address", "kind=10.0.0.1", "--stdout"});
  CHECK(outside.code == 2);
  CHECK(outside.err ==
        "bgpdemo render: --router-address kind=10.0.0.1: 10.0.0.1 is not inside "
        "network kind's subnet 172.18.0.0/16\n");
  auto subnet = Bgpdemo({"render", "--network-subnet", "kind9=10.0.0.0/8", "--stdout"});
  CHECK(subnet.code == 2);
  CHECK(subnet.err ==
        "bgpdemo render: --network-subnet kind9=10.0.0.0/8: expected "
        "NETWORK=CIDR with one of the scenario's networks\n");
  auto unknown = Bgpdemo({"render", "--scenario", "four-cluster", "--stdout"});
  CHECK(unknown.code == 3);
  CHECK(unknown.err ==
        "bgpdemo render: \"four-cluster\" is not a built-in scenario (two-cluster, "
        "two-cluster-dual, two-cluster-ipv6, two-cluster-v2); give a scenario file's path (ending "
        "in .yaml or "
        "containing a '/') to "
        "use your own\n");
  auto help = Bgpdemo({"--help"});
  CHECK(help.out.find("render") != std::string::npos);
  CHECK(help.out.find("scenarios") != std::string::npos);
}
