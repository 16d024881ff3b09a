// Tests for core/kind/tool_output: the tools' output read into values. The samples have the
// shape Docker 20.10, kind v0.20 and kubectl 1.27 print (trimmed to the fields read, plus a
// few that are not, to show they are ignored).
#include "core/kind/tool_output.h"

#include <doctest/doctest.h>

#include "core/k8s/output.h"

namespace bgpdemo::core::kind {
namespace {

// The Kubernetes side the kind provider shares with kube (core/k8s/).
using namespace bgpdemo::core::k8s;  // NOLINT(google-build-using-namespace)

using nlohmann::json;

TEST_CASE("kind output: kind get clusters / nodes, one name a line, none when empty") {
  CHECK(Lines("cilium\ncilium2\n") == std::vector<std::string>{"cilium", "cilium2"});
  CHECK(Lines("cilium-control-plane\n\ncilium-worker") ==
        std::vector<std::string>{"cilium-control-plane", "cilium-worker"});
  CHECK(Lines("").empty());
}

TEST_CASE("kind output: docker container inspect: ours or not, running, address per network") {
  const char* router = R"([
    {
        "Id": "0a1b2c3d4e5f",
        "Name": "/bgpdemo-router",
        "State": {"Status": "running", "Running": true, "Pid": 4242},
        "Config": {"Hostname": "bgpdemo-router", "Labels": {"io.bgpdemo.owner": "bgpdemo"}},
        "NetworkSettings": {
            "Networks": {
                "kind": {"IPAddress": "172.18.0.5", "Gateway": "172.18.0.1",
                         "GlobalIPv6Address": "fc00:f853:ccd:e793::5",
                         "IPv6Gateway": "fc00:f853:ccd:e793::1"},
                "kind2": {"IPAddress": "", "GlobalIPv6Address": ""}
            }
        }
    }
])";
  auto c = ParseContainerInspect(router);
  REQUIRE(c);
  CHECK(c->owned);
  CHECK(c->running);
  CHECK(c->addresses == std::map<std::string, std::string>{{"kind", "172.18.0.5"}, {"kind2", ""}});
  // A network made with --ipv6 gives the container an IPv6 address too; others none.
  CHECK(c->addresses_v6 == std::map<std::string, std::string>{{"kind", "fc00:f853:ccd:e793::5"}});

  // A container of someone else's, stopped, without labels or networks.
  auto other = ParseContainerInspect(
      R"([{"Name": "/bgpdemo-router", "State": {"Running": false}, "Config": {"Labels": null},
           "NetworkSettings": {"Networks": {}}}])");
  REQUIRE(other);
  CHECK_FALSE(other->owned);
  CHECK_FALSE(other->running);
  CHECK(other->addresses.empty());

  CHECK(ParseContainerInspect("[]").error().message() ==
        "docker inspect printed no container: \"[]\"");
}

TEST_CASE("kind output: a Service's LoadBalancer IPs, once it has them") {
  using Strings = std::vector<std::string>;
  CHECK(ServiceLoadBalancerIps(json::parse(R"({"kind": "Service", "metadata": {"name": "nginx"},
      "status": {"loadBalancer": {"ingress": [{"ip": "10.21.0.1", "ipMode": "VIP"}]}}})")) ==
        Strings{"10.21.0.1"});
  CHECK(ServiceLoadBalancerIps(json::parse(R"({"status": {"loadBalancer": {}}})")).empty());
  CHECK(ServiceLoadBalancerIps(json::parse(R"({"status": {"loadBalancer": {"ingress": []}}})"))
            .empty());
  CHECK(ServiceLoadBalancerIps(json::parse(R"({"kind": "Service"})")).empty());
  CHECK(ServiceLoadBalancerIps(json::array()).empty());
}

TEST_CASE("kind output: Docker's answer that a container or network is gone already") {
  ProcessResult r;
  r.exit_code = 1;
  r.err = "Error: No such container: bgpdemo-router\n";
  CHECK(DockerSaysNoSuchContainer(r));
  CHECK_FALSE(DockerSaysNoSuchNetwork(r));
  r.err = "Error: No such network: kind\n";
  CHECK(DockerSaysNoSuchNetwork(r));
  r.err = "Error response from daemon: network kind not found\n";
  CHECK(DockerSaysNoSuchNetwork(r));
  r.err =
      "Error response from daemon: error while removing network: network kind id 4f0c has "
      "active endpoints\n";
  CHECK_FALSE(DockerSaysNoSuchNetwork(r));
  CHECK_FALSE(DockerSaysNoSuchContainer(r));
}

}  // namespace
}  // namespace bgpdemo::core::kind
