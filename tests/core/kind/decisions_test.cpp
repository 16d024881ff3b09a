// Tests for core/kind/decisions: what the kind steps decide, without running anything, and
// CheckTools's verdict on each tool (through a FakeRunner).
#include "core/kind/decisions.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "core/fake_runner.h"
#include "core/k8s/output.h"

namespace bgpdemo::core::kind {
namespace {

// The Kubernetes side the kind provider shares with kube (core/k8s/).
using namespace bgpdemo::core::k8s;  // NOLINT(google-build-using-namespace)

ToolStatus Tool(std::string name, bool ok, std::string version, std::string problem = "") {
  return {name, ok ? "/usr/bin/" + name : "", version, "0.20.0", ok, problem, "install " + name};
}

TEST_CASE("kind decisions: preflight lists the tools when all are usable, every problem when not") {
  auto ok = PreflightVerdict({Tool("docker", true, "20.10.24"), Tool("kind", true, "0.20.0")});
  REQUIRE(ok);
  CHECK(*ok == "docker 20.10.24, kind 0.20.0");

  auto bad = PreflightVerdict({Tool("docker", true, "20.10.24"),
                               Tool("kind", false, "", "not found in PATH"),
                               Tool("helm", false, "3.7.0", "version 3.7.0 is older than 3.8.0")});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind() == ErrorKind::kEnvironment);
  CHECK(bad.error().message() ==
        "missing or unusable tools, nothing was created:\n"
        "  kind: not found in PATH (needs 0.20.0 or later; install kind)\n"
        "  helm: version 3.7.0 is older than 3.8.0 (needs 0.20.0 or later; install helm)");
}

TEST_CASE("kind decisions: CheckTools finds each tool, reads its version, and says what is wrong") {
  FakeRunner f;
  for (const char* t : {"docker", "kind", "helm", "kubectl"}) f.AddProgram(t);  // no cilium
  f.Expect({"docker", "version", "--format", "{{.Server.Version}}"})
      .Exits(1,
             "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the "
             "docker daemon running?\n");
  f.Expect({"kind", "version"}).Prints("kind v0.19.0 go1.20.4 linux/amd64\n");
  f.Expect({"helm", "version", "--short"}).Prints("v3.12.3+g3a31588\n");
  f.Expect({"kubectl", "version", "--client", "-o", "json"}).Prints("no json, no version");
  const auto tools = CheckTools({{"DOCKER_HOST", "unix:///d.sock"}}, f);
  REQUIRE(tools.size() == 5);
  CHECK_FALSE(tools[0].ok);
  CHECK(tools[0].problem ==
        "the Docker daemon does not answer (is it running, and may you use it?): Cannot connect "
        "to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?");
  CHECK(tools[1].problem == "version 0.19.0 is older than 0.20.0");
  CHECK(tools[2].ok);
  CHECK(tools[2].version == "3.12.3");
  CHECK(tools[3].problem == "cannot read a version from \"no json, no version\"");
  CHECK(tools[4].path.empty());
  CHECK(tools[4].problem == "not found in PATH");
  CHECK(f.Calls()[0].env_add ==
        std::map<std::string, std::string>{{"DOCKER_HOST", "unix:///d.sock"}});
  CHECK(f.Problems().empty());  // and cilium, not found, was never run
}

TEST_CASE("kind decisions: which clusters to create, and recording what up created once") {
  std::vector<ClusterSpec> clusters(3);
  clusters[0].name = "cilium";
  clusters[1].name = "cilium2";
  clusters[2].name = "cilium3";
  const auto plan = PlanClusters(clusters, {"other", "cilium2"});
  CHECK(plan.create == std::vector<std::string>{"cilium", "cilium3"});
  CHECK(plan.existing == std::vector<std::string>{"cilium2"});
  CHECK(PlanClusters(clusters, {"cilium", "cilium2", "cilium3"}).create.empty());

  std::vector<std::string> created{"kind"};
  CHECK(RecordCreated(created, "kind2"));
  CHECK_FALSE(RecordCreated(created, "kind"));  // up again after the user removed it
  CHECK(created == std::vector<std::string>{"kind", "kind2"});
}

TEST_CASE("kind decisions: the router's image, its docker run, its networks and addresses") {
  CHECK(RouterImage("", "0.3.1") == "bgpdemo-router:0.3.1");
  CHECK(RouterImage("mine:1", "0.3.1") == "mine:1");
  CHECK(RouterRunArgv("r", "kind", "img:1", "/s/files/router") ==
        std::vector<std::string>{"docker",
                                 "run",
                                 "-d",
                                 "--name",
                                 "r",
                                 "--hostname",
                                 "r",
                                 "--network",
                                 "kind",
                                 "--cap-add",
                                 "NET_ADMIN",
                                 "--sysctl",
                                 "net.ipv4.ip_forward=1",
                                 "--label",
                                 "io.bgpdemo.owner=bgpdemo",
                                 "-v",
                                 "/s/files/router:/etc/bgpdemo:ro",
                                 "img:1",
                                 "router",
                                 "--config",
                                 "/etc/bgpdemo/router.yaml"});

  const std::vector<NetworkSpec> nets{{"kind", ""}, {"kind2", ""}, {"kind3", ""}};
  ContainerInfo c;
  c.addresses = {{"kind2", "172.19.0.2"}, {"bridge", "172.17.0.2"}};
  CHECK(NetworksToConnect(nets, c) == std::vector<std::string>{"kind", "kind3"});
  auto missing = RouterAddresses("r", nets, c);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message() == "r has no address on network kind");
  c.addresses = {{"kind", "172.18.0.2"}, {"kind2", "172.19.0.2"}, {"kind3", ""}};
  CHECK(RouterAddresses("r", nets, c).error().message() == "r has no address on network kind3");
  c.addresses["kind3"] = "172.20.0.2";
  CHECK(*RouterAddresses("r", nets, c) ==
        std::map<std::string, std::string>{
            {"kind", "172.18.0.2"}, {"kind2", "172.19.0.2"}, {"kind3", "172.20.0.2"}});
}

TEST_CASE("kind decisions, dual stack: the router runs with IPv6 on and has an IPv6 address") {
  const auto argv = RouterRunArgv("r", "kind", "img:1", "/s/files/router", /*ipv6=*/true);
  const auto at = std::find(argv.begin(), argv.end(), "net.ipv4.ip_forward=1");
  REQUIRE(at != argv.end());
  CHECK(std::vector<std::string>(at + 1, at + 5) ==
        std::vector<std::string>{"--sysctl", "net.ipv6.conf.all.disable_ipv6=0", "--sysctl",
                                 "net.ipv6.conf.all.forwarding=1"});
  CHECK(argv.size() == RouterRunArgv("r", "kind", "img:1", "/s/files/router").size() + 4);

  const std::vector<NetworkSpec> nets{{"kind", ""}, {"kind2", ""}};
  ContainerInfo c;
  c.addresses = {{"kind", "172.18.0.2"}, {"kind2", "172.19.0.2"}};
  c.addresses_v6 = {{"kind", "fc00:f853:ccd:e793::2"}};
  auto missing = RouterAddressesV6("r", nets, c);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message() ==
        "r has no IPv6 address on network kind2 (was the network made without IPv6? docker "
        "network inspect kind2)");
  c.addresses_v6["kind2"] = "fc00:444c:147a:44ab::2";
  CHECK(*RouterAddressesV6("r", nets, c) ==
        std::map<std::string, std::string>{{"kind", "fc00:f853:ccd:e793::2"},
                                           {"kind2", "fc00:444c:147a:44ab::2"}});
}

TEST_CASE(
    "kind decisions: errors of parallel jobs join into one, the first one's kind and command") {
  const CommandFailure helm{{"helm", "upgrade"}, 1, false, "Error: UPGRADE FAILED"};
  auto one = JoinErrors({Error::Command(helm, "first")});
  CHECK(one == Error::Command(helm, "first"));
  auto two = JoinErrors({Error::Command(helm, "first"), Error::Environment("second")});
  CHECK(two.kind() == ErrorKind::kCommand);
  CHECK(two.message() == "first\nsecond");
  CHECK(*two.command() == helm);
  auto plain = JoinErrors({Error::Failed("a"), Error::Failed("b")});
  CHECK(plain == Error::Failed("a\nb"));
}

}  // namespace
}  // namespace bgpdemo::core::kind
