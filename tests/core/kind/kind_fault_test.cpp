// The kind provider's faults (core/kind/kind_fault.cpp) on a FakeRunner: the Docker commands
// each fault starts and ends with, the addresses kept between the two, the static routes put
// back, and Docker's own refusals met as Docker says them.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/kind/kind.h"
#include "tests/core/kind/fake_kind.h"

namespace bgpdemo::core::kind::test {
namespace {

constexpr const char* kNode = "cilium-worker";
constexpr const char* kNetworks =
    R"({"kind":{"IPAddress":"172.30.200.3","GlobalIPv6Address":"fc00:f853:ccd:e793::3"}})";

// A demo of the kind test scenario whose router has .2 on both networks.
Result<KindDemo, Error> OpenDemo(const TempDir& dir, FakeRunner& f) {
  KindState s;
  s.scenario = TestScenario();
  s.router_addresses = {{"kind", "172.30.200.2"}, {"kind2", "172.30.201.2"}};
  REQUIRE(WriteKindState(dir.path(), s));
  f.Expect({"kind", "get", "nodes", "--name", "cilium"})
      .Prints("cilium-control-plane\ncilium-worker\ncilium-worker2\n")
      .Always();
  f.Expect({"kind", "get", "nodes", "--name", "cilium2"})
      .Prints("cilium2-control-plane\ncilium2-worker\ncilium2-worker2\n")
      .Always();
  return KindDemo::Open(dir.path(), {}, f);
}

// What `docker inspect` says of the node's networks before the fault.
void ExpectNetworks(FakeRunner& f) {
  f.Expect({"docker", "inspect", "-f", "{{json .NetworkSettings.Networks}}", kNode})
      .Prints(std::string(kNetworks) + "\n");
}

// The static routes the calls put in `node`, as "to via".
std::vector<std::string> RoutesAdded(const FakeRunner& f, const std::string& node) {
  std::vector<std::string> out;
  for (const auto& c : f.Calls()) {
    if (c.argv.size() == 9 && c.argv[1] == "exec" && c.argv[2] == node && c.argv[5] == "replace") {
      out.push_back(c.argv[6] + " via " + c.argv[8]);
    }
  }
  return out;
}

TEST_CASE(
    "kind fault link-down: disconnect, then connect with the addresses it had, and the "
    "static routes again") {
  TempDir dir;
  FakeRunner f;
  auto demo = OpenDemo(dir, f);
  REQUIRE(demo);
  ExpectNetworks(f);
  f.Expect({"docker", "network", "disconnect", "kind", kNode});
  auto started = demo->Fault({FaultKind::kLinkDown, kNode, 0}, true);
  REQUIRE(started);
  CHECK(*started == "cilium-worker disconnected from kind (docker network disconnect)");
  CHECK(std::filesystem::exists(dir.path() + "/faults/cilium-worker.json"));

  // Docker refuses --ip where it chose the IPv4 subnet itself (kind's network): connect
  // without, and the address it gives is checked.
  f.Expect({"docker", "network", "connect", "--ip", "172.30.200.3", "--ip6",
            "fc00:f853:ccd:e793::3", "kind", kNode})
      .Exits(1,
             "Error response from daemon: user specified IP address is supported only when "
             "connecting to networks with user configured subnets\n");
  f.Expect({"docker", "network", "connect", "kind", kNode});
  f.ExpectPrefix({"docker", "exec", kNode, "ip", "route", "replace"}).Always();
  f.Expect({"docker", "inspect", "-f", "{{(index .NetworkSettings.Networks \"kind\").IPAddress}}",
            kNode})
      .Prints("172.30.200.3\n");
  auto ended = demo->Fault({FaultKind::kLinkDown, kNode, 0}, false);
  REQUIRE(ended);
  const auto routes = RoutesAdded(f, kNode);
  // The other cluster's pod CIDR, service CIDR and LB pool, via the router on kind.
  CHECK(routes == std::vector<std::string>{"10.242.0.0/16 via 172.30.200.2",
                                           "10.12.0.0/16 via 172.30.200.2",
                                           "10.22.0.0/24 via 172.30.200.2"});
  CHECK(*ended == fmt::format("cilium-worker connected to kind again; {} static routes added again",
                              routes.size()));
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/faults/cilium-worker.json"));
  CHECK(f.Problems().empty());
}

TEST_CASE("kind fault node-stop: docker stop, docker start, another address is an error") {
  TempDir dir;
  FakeRunner f;
  auto demo = OpenDemo(dir, f);
  REQUIRE(demo);
  ExpectNetworks(f);
  f.Expect({"docker", "stop", kNode});
  auto started = demo->Fault({FaultKind::kNodeStop, kNode, 0}, true);
  REQUIRE(started);
  CHECK(*started == "cilium-worker stopped (docker stop)");

  f.Expect({"docker", "start", kNode});
  f.ExpectPrefix({"docker", "exec", kNode, "ip", "route", "replace"}).Always();
  f.Expect({"docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
            kNode})
      .Prints("172.30.200.9\n");
  auto ended = demo->Fault({FaultKind::kNodeStop, kNode, 0}, false);
  REQUIRE_FALSE(ended);
  CHECK(ended.error().message() ==
        "cilium-worker came back with address 172.30.200.9 where it had 172.30.200.3: its peers "
        "know the old one");
  CHECK_FALSE(RoutesAdded(f, kNode).empty());
  CHECK(f.Problems().empty());
}

TEST_CASE("kind fault: router-graceful-restart runs `bgpdemo router restart` in its container") {
  TempDir dir;
  FakeRunner f;
  auto demo = OpenDemo(dir, f);
  REQUIRE(demo);
  f.Expect({"docker", "exec", kRouter, "bgpdemo", "router", "restart", "-o", "json"})
      .Prints(R"({"pid":1,"peers":6,"kernel_routes":8,"back_after_ms":150,)"
              R"("restart":{"restarting":false,"expected":["a","b","c","d","e","f"],)"
              R"("end_of_rib":["a","b","c","d","e","f"],"elapsed_ms":4990,)"
              R"("ended_by":"end-of-rib","token":"t"}})");
  CHECK(*demo->Fault({FaultKind::kRouterGracefulRestart, "", 0}, true) ==
        "restarted gracefully (pid 1): answering again after 0.15 s, 8 kernel routes kept "
        "meanwhile; End-of-RIB from 6 of 6 peers, complete after 4.99 s, then every peer got "
        "its table and End-of-RIB");
  CHECK(*demo->Fault({FaultKind::kRouterGracefulRestart, "", 0}, false) ==
        "nothing to end: the restart had completed when it began");
  f.Expect({"docker", "exec", kRouter, "bgpdemo", "router", "restart", "-o", "json"})
      .Exits(1, "bgpdemo router restart: graceful_restart is off in /etc/bgpdemo/router.yaml");
  auto off = demo->Fault({FaultKind::kRouterGracefulRestart, "", 0}, true);
  REQUIRE_FALSE(off);
  CHECK(off.error().message().find("graceful_restart is off") != std::string::npos);
}

TEST_CASE("kind fault: router-restart stops and starts the router's container, the rest refused") {
  TempDir dir;
  FakeRunner f;
  auto demo = OpenDemo(dir, f);
  REQUIRE(demo);
  f.Expect({"docker", "stop", kRouter});
  f.Expect({"docker", "start", kRouter});
  CHECK(*demo->Fault({FaultKind::kRouterRestart, "", 0}, true) ==
        "the router's container bgpdemo-router stopped (docker stop)");
  CHECK(*demo->Fault({FaultKind::kRouterRestart, "", 0}, false) ==
        "the router's container bgpdemo-router started again");

  for (const auto kind : {FaultKind::kSpeakerStop, FaultKind::kPacketLoss}) {
    auto r = demo->Fault({kind, kNode, 30}, true);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == ErrorKind::kUsage);
    CHECK(r.error().message().find("node-stop") != std::string::npos);
    CHECK_FALSE(KindDemo::CanFault({kind, kNode, 30}));
  }
  for (const auto kind : {FaultKind::kNodeStop, FaultKind::kLinkDown, FaultKind::kRouterRestart,
                          FaultKind::kRouterGracefulRestart}) {
    CHECK(KindDemo::CanFault({kind, kNode, 0}));
  }
  auto none = demo->Fault({FaultKind::kNodeStop, "cilium-nothing", 0}, true);
  REQUIRE_FALSE(none);
  CHECK(none.error().kind() == ErrorKind::kUsage);
  CHECK(none.error().message() ==
        "no node \"cilium-nothing\" in this demo; the nodes: cilium-control-plane, "
        "cilium-worker, cilium-worker2, cilium2-control-plane, cilium2-worker, cilium2-worker2");
  // A failing docker stop is the fault's error, with Docker's words.
  ExpectNetworks(f);
  f.Expect({"docker", "stop", kNode}).Exits(1, "Error response from daemon: No such container\n");
  auto failed = demo->Fault({FaultKind::kNodeStop, kNode, 0}, true);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message().find("No such container") != std::string::npos);
  CHECK(f.Problems().empty());
}

}  // namespace
}  // namespace bgpdemo::core::kind::test
