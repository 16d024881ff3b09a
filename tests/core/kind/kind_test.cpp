// The kind provider's pure parts: cilium-cli's peers JSON and curl's output read into the
// shapes verify uses, version checks, failure messages, and the state file. The steps run on
// a FakeRunner in kind_up_test.cpp, kind_resume_test.cpp and kind_down_test.cpp, and end to
// end in tests/kind/kind_e2e_test.py (Docker, root).
#include "core/kind/kind.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "core/k8s/output.h"
#include "core/k8s/tools.h"

namespace bgpdemo::core::kind {
namespace {

// The Kubernetes side the kind provider shares with kube (core/k8s/).
using namespace bgpdemo::core::k8s;  // NOLINT(google-build-using-namespace)

using nlohmann::json;

TEST_CASE("kind: cilium bgp peers -o json becomes the engine's peer shape, fields optional") {
  // cilium-cli prints every field omitempty, and Cilium 1.14's agent the peer as ip:port.
  const auto j = json::parse(R"({
    "cilium-worker": [{"local-asn": 65100, "peer-asn": 65000, "peer-address": "172.22.0.5:179",
                       "session-state": "established", "uptime-nanoseconds": 65000000000,
                       "families": [{"afi": "ipv4", "safi": "unicast", "received": 4,
                                     "advertised": 2}, {"afi": "ipv6", "safi": "unicast"}]}],
    "cilium-worker2": [{"local-asn": 65100, "peer-asn": 65000, "peer-address": "172.22.0.5",
                        "session-state": "active"}],
    "cilium-control-plane": null
  })");
  const auto peers = PeersFromCilium(j);
  REQUIRE(peers.size() == 3);
  const auto& w = peers.at("cilium-worker");
  REQUIRE(w.size() == 1);
  CHECK(w[0]["address"] == "172.22.0.5");
  CHECK(w[0]["state"] == "established");
  CHECK(w[0]["uptime_seconds"] == 65);
  CHECK(w[0]["families"][0]["family"] == "ipv4-unicast");
  CHECK(w[0]["families"][0]["received"] == 4);
  CHECK(w[0]["families"][1]["received"] == 0);
  const auto& w2 = peers.at("cilium-worker2");
  CHECK(w2[0]["state"] == "active");
  CHECK(w2[0]["uptime_seconds"] == 0);
  CHECK(peers.at("cilium-control-plane").empty());
  CHECK(PeersFromCilium(json::array()).empty());
}

TEST_CASE("kind: `bgpdemo probe -o json`'s reply, and what is not its output") {
  auto r = ParseProbeJson(R"({"body":"nginx pod a\n","seconds":0.01,"status":503})");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->body == "nginx pod a\n");
  CHECK(r->seconds == doctest::Approx(0.01));
  CHECK(ParseProbeJson("").error().message() == "bgpdemo probe printed no reply: \"\"");
  CHECK_FALSE(ParseProbeJson("[]"));
}

TEST_CASE("kind: curl's body and status code, and what is not curl's output") {
  auto r = ParseCurl("nginx pod nginx-7c5-abcde\n\n200", 0.01);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "nginx pod nginx-7c5-abcde\n");
  CHECK(ParseCurl("\n503", 0)->status == 503);
  CHECK_FALSE(ParseCurl("curl: (7) Failed to connect", 0));
}

TEST_CASE("kind tools: versions compare by number, whatever the tool prints around them") {
  CHECK(VersionAtLeast("v0.20.0", "0.20.0"));
  CHECK(VersionAtLeast("kind v0.21.3 go1.21 linux/amd64", "0.20.0"));
  CHECK_FALSE(VersionAtLeast("v0.19.9", "0.20.0"));
  CHECK(VersionAtLeast("v1.27.3", "1.25.0"));
  CHECK_FALSE(VersionAtLeast("v3.7.10+g1234", "3.8.0"));
  CHECK(VersionAtLeast("20.10.24", "20.10.0"));
  CHECK_FALSE(VersionAtLeast("no version here", "0.0.1"));
}

TEST_CASE("kind tools: a failed tool says the command, its exit code, its stderr and a hint") {
  const std::vector<std::string> argv{"sh", "-c",
                                      "echo 'ERROR: failed to create cluster' >&2; exit 3"};
  auto r = RunTool(argv, {}, "kind needs its node image");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == ErrorKind::kCommand);
  CHECK(r.error().message() ==
        "`sh -c 'echo '\\''ERROR: failed to create cluster'\\'' >&2; exit 3'` exited with 3:\n"
        "  ERROR: failed to create cluster\n"
        "  hint: kind needs its node image");
  REQUIRE(r.error().command());
  CHECK(*r.error().command() == CommandFailure{argv, 3, false, "ERROR: failed to create cluster"});
  auto missing = RunTool({"no-such-tool-bgpdemo"}, {}, "install it");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind() == ErrorKind::kEnvironment);
  CHECK(missing.error().message() == "no-such-tool-bgpdemo: not found in PATH\n  hint: install it");
  auto ok = RunTool({"sh", "-c", "echo $BGPDEMO_X"}, {{{"BGPDEMO_X", "set"}}}, "");
  REQUIRE(ok);
  CHECK(*ok == "set\n");
}

TEST_CASE("kind state: written, read back, and its provider told apart from the lab's") {
  char tmpl[] = "/tmp/bgpdemo-kind-test-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  CHECK_FALSE(ProviderOf(dir + "/none"));
  KindState s;
  s.scenario = {"text", "scenarios/two-cluster.yaml", "two-cluster"};
  s.started_at = 1795000000;
  s.router_image = "bgpdemo-router:0.1.0";
  s.networks = {"kind2"};
  s.clusters = {"cilium", "cilium2"};
  s.router_container = true;
  s.subnets = {{"kind", "172.22.0.0/16"}};
  s.router_addresses = {{"kind", "172.22.0.5"}};
  s.subnets_v6 = {{"kind", "fc00:f853:ccd:e793::/64"}};
  s.router_addresses_v6 = {{"kind", "fc00:f853:ccd:e793::5"}};
  REQUIRE(WriteKindState(dir, s));
  CHECK(*ProviderOf(dir) == "kind");
  auto back = ReadKindState(dir);
  REQUIRE(back);
  CHECK(back->networks == s.networks);
  CHECK(back->clusters == s.clusters);
  CHECK(back->router_container);
  CHECK(back->router_addresses == s.router_addresses);
  CHECK(back->subnets_v6 == s.subnets_v6);
  CHECK(back->router_addresses_v6 == s.router_addresses_v6);
  CHECK(back->scenario.name == "two-cluster");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bgpdemo::core::kind
