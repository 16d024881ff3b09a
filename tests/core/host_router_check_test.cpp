// Tests for core/host_router_check: the report on running the route server on this machine,
// with ip and ss scripted in FakeRunner (their output as iproute2 6.1.0 prints it) and the
// bind faked.
#include "core/host_router_check.h"

#include <doctest/doctest.h>

#include <cerrno>
#include <map>

#include "core/fake_runner.h"

namespace bgpdemo::core {
namespace {

using bgp::wire::IpAddress;

IpAddress Ip(const char* text) {
  return *IpAddress::Parse(text);
}

// This machine: lo, eth0 192.168.1.10/24 (the way out), br-a 172.18.0.1/16 with
// 172.18.0.250 added, br-b 172.19.0.250/16.
constexpr const char* kAddresses = R"([
 {"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
 {"ifindex":2,"ifname":"eth0","addr_info":[{"family":"inet","local":"192.168.1.10","prefixlen":24}]},
 {"ifindex":3,"ifname":"br-a","addr_info":[{"family":"inet","local":"172.18.0.1","prefixlen":16},
                                           {"family":"inet","local":"172.18.0.250","prefixlen":16}]},
 {"ifindex":4,"ifname":"br-b","addr_info":[{"family":"inet","local":"172.19.0.250","prefixlen":16}]}])";

// Binds as scripted: errno by address, 0 for the others; remembers what it was asked.
class FakeBinder final : public PortBinder {
 public:
  std::map<std::string, int> errors;
  std::vector<std::string> asked;
  int TryBind(const IpAddress& address, std::uint16_t port) override {
    asked.push_back(address.ToString() + ":" + std::to_string(port));
    const auto it = errors.find(address.ToString());
    return it == errors.end() ? 0 : it->second;
  }
};

void ExpectAddresses(FakeRunner& f) {
  f.Expect({"ip", "-j", "addr", "show"}).Prints(kAddresses);
}

// `ip -j route get NODE from ADDR` answers on-link on `dev`.
void OnLink(FakeRunner& f, const std::string& node, const std::string& from,
            const std::string& dev) {
  f.Expect({"ip", "-j", "route", "get", node, "from", from})
      .Prints(R"([{"dst":")" + node + R"(","from":")" + from + R"(","dev":")" + dev +
              R"(","flags":[],"uid":0,"cache":[]}])" + "\n");
}

std::vector<RouterNode> TwoClusters() {
  return {{"cilium", "cilium-control-plane", Ip("172.18.0.2")},
          {"cilium", "cilium-worker", Ip("172.18.0.3")},
          {"cilium2", "cilium2-control-plane", Ip("172.19.0.2")}};
}

RouterPlacement Host(const std::string& value) {
  auto p = ParseRouterPlacement(value);
  REQUIRE(p);
  return *p;
}

TEST_CASE("host router check: each cluster gets the address on its subnet, all on-link") {
  FakeRunner f;
  FakeBinder b;
  ExpectAddresses(f);
  OnLink(f, "172.18.0.2", "172.18.0.250", "br-a");
  OnLink(f, "172.18.0.3", "172.18.0.250", "br-a");
  OnLink(f, "172.19.0.2", "172.19.0.250", "br-b");
  auto r = CheckHostRouter(f, b, Host("host:172.18.0.250,172.19.0.250"), TwoClusters());
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
  CHECK(f.Problems().empty());
  CHECK(r->Ok());
  CHECK(r->problems.empty());
  CHECK(r->Format().empty());
  CHECK(b.asked == std::vector<std::string>{"172.18.0.250:179", "172.19.0.250:179"});
  REQUIRE(r->addresses.size() == 2);
  CHECK(r->addresses[0] == HostAddress{Ip("172.18.0.250"), 16, "br-a"});
  CHECK(r->addresses[1] == HostAddress{Ip("172.19.0.250"), 16, "br-b"});
  CHECK(r->cluster_address == std::map<std::string, IpAddress>{{"cilium", Ip("172.18.0.250")},
                                                               {"cilium2", Ip("172.19.0.250")}});
  REQUIRE(r->nodes.size() == 3);
  CHECK(r->nodes[2].node.node == "cilium2-control-plane");
  CHECK(r->nodes[2].from == Ip("172.19.0.250"));
  CHECK(r->nodes[2].route == RouteLookup{true, "br-b", "", ""});
}

TEST_CASE("host router check: an address that is not this machine's, listing its addresses") {
  FakeRunner f;
  FakeBinder b;
  ExpectAddresses(f);
  auto r = CheckHostRouter(f, b, Host("host:10.9.9.9"), TwoClusters());
  REQUIRE(r);
  CHECK(f.Problems().empty());
  CHECK_FALSE(r->Ok());
  CHECK(b.asked.empty());
  CHECK(r->nodes.empty());
  REQUIRE(r->problems.size() == 1);
  CHECK(r->problems[0] ==
        HostProblem{"--router host:10.9.9.9: 10.9.9.9 is not an address of this machine (its "
                    "addresses: 127.0.0.1/8 on lo, 192.168.1.10/24 on eth0, 172.18.0.1/16 on "
                    "br-a, 172.18.0.250/16 on br-a, 172.19.0.250/16 on br-b)",
                    "give addresses of this machine on the clusters' node subnets, or run the "
                    "router elsewhere (--router container:DOCKER_HOST or external:ADDR,AS)",
                    true});
  const auto e = r->ToError(Host("host:10.9.9.9"));
  CHECK(e.kind() == ErrorKind::kEnvironment);
  CHECK(
      e.message().starts_with("--router host:10.9.9.9: the route server cannot run here:\n"
                              "  - --router host:10.9.9.9: 10.9.9.9 is not an address"));
  CHECK(e.message().ends_with(
      "\n    fix: give addresses of this machine on the clusters' node subnets, or run the "
      "router elsewhere (--router container:DOCKER_HOST or external:ADDR,AS)\n"));
}

TEST_CASE("host router check: port 179 in use names its holder, or how to find it, and EACCES") {
  FakeRunner f;
  FakeBinder b;
  b.errors = {{"172.18.0.250", EADDRINUSE}, {"172.19.0.250", EADDRINUSE}, {"172.18.0.1", EACCES}};
  ExpectAddresses(f);
  // bird holds 172.18.0.250:179; ss shows another user's socket on 172.19.0.250 without its
  // process (we are not root).
  f.Expect({"ss", "-ltnpH", "sport = :179"})
      .Prints(
          "LISTEN 0      128    172.18.0.250:179 0.0.0.0:* users:((\"bird\",pid=812,fd=7))\n"
          "LISTEN 0      128    172.19.0.250:179 0.0.0.0:*\n")
      .Times(2);
  OnLink(f, "172.18.0.2", "172.18.0.250", "br-a");
  OnLink(f, "172.19.0.2", "172.19.0.250", "br-b");
  auto r =
      CheckHostRouter(f, b, Host("host:172.18.0.250,172.19.0.250,172.18.0.1"),
                      {{"cilium", "n1", Ip("172.18.0.2")}, {"cilium2", "n2", Ip("172.19.0.2")}});
  REQUIRE(r);
  CHECK(f.Problems().empty());
  CHECK_FALSE(r->Ok());
  REQUIRE(r->problems.size() == 4);
  CHECK(r->problems[0] ==
        HostProblem{"TCP port 179 on 172.18.0.250 is in use by bird (pid 812, listening on "
                    "172.18.0.250:179)",
                    "stop bird (pid 812), or give another address of this machine", true});
  CHECK(r->problems[1] ==
        HostProblem{"TCP port 179 on 172.19.0.250 is in use",
                    "find the holder with `sudo ss -ltnp 'sport = :179'` and stop it, or give "
                    "another address of this machine",
                    true});
  CHECK(r->problems[2] ==
        HostProblem{"binding TCP port 179 (172.18.0.1:179) needs root or CAP_NET_BIND_SERVICE",
                    "run bgpdemo with sudo", true});
  // 172.18.0.1 shares br-a's subnet with 172.18.0.250, which cluster cilium took first.
  CHECK(r->problems[3] ==
        HostProblem{"172.18.0.1/16 on br-a is on no cluster's node subnet: the router listens "
                    "there, but no cluster peers with it",
                    "drop 172.18.0.1 from --router", false});
}

TEST_CASE("host router check: unreachable and gateway nodes are blocking, with their fix") {
  FakeRunner f;
  FakeBinder b;
  ExpectAddresses(f);
  f.Expect({"ip", "-j", "route", "get", "10.20.0.5", "from", "192.168.1.10"})
      .Prints(
          R"([{"dst":"10.20.0.5","from":"192.168.1.10","gateway":"192.168.1.1","dev":"eth0"}])");
  f.Expect({"ip", "-j", "route", "get", "10.30.0.5", "from", "192.168.1.10"})
      .Exits(2, "RTNETLINK answers: Network is unreachable\n");
  auto r = CheckHostRouter(f, b, Host("host:192.168.1.10"),
                           {{"prod", "p1", Ip("10.20.0.5")}, {"prod", "p2", Ip("10.30.0.5")}});
  REQUIRE(r);
  CHECK(f.Problems().empty());
  CHECK_FALSE(r->Ok());
  CHECK(r->cluster_address.at("prod") == Ip("192.168.1.10"));
  REQUIRE(r->problems.size() == 3);
  CHECK(r->problems[0] ==
        HostProblem{"cluster prod's nodes are on none of the router's IPv4 subnets "
                    "(192.168.1.0/24); it would use 192.168.1.10, which its nodes reach only "
                    "through a gateway",
                    "give an IPv4 address of this machine on cluster prod's node subnet", true});
  CHECK(r->problems[1] ==
        HostProblem{"node p1 (cluster prod, 10.20.0.5) is reached from 192.168.1.10 via gateway "
                    "192.168.1.1 on eth0, not on-link: Cilium's eBGP session keeps TTL 1 and the "
                    "nodes' static routes need the router on their link",
                    "give an address of this machine on 10.20.0.5's subnet", true});
  CHECK(r->problems[2] ==
        HostProblem{"node p2 (cluster prod, 10.30.0.5) is not reachable from 192.168.1.10: "
                    "Network is unreachable",
                    "give an address of this machine on the node's subnet, or route the node's "
                    "subnet to this machine",
                    true});
  CHECK(r->nodes.size() == 2);
  CHECK(r->nodes[1].route.error == "Network is unreachable");
}

TEST_CASE("host router check: a node on-link on another interface is a warning") {
  FakeRunner f;
  FakeBinder b;
  ExpectAddresses(f);
  OnLink(f, "172.18.0.2", "172.18.0.250", "br-a");
  OnLink(f, "172.19.0.9", "172.18.0.250", "br-b");
  auto r = CheckHostRouter(f, b, Host("host:172.18.0.250"),
                           {{"c", "a", Ip("172.18.0.2")}, {"c", "b", Ip("172.19.0.9")}});
  REQUIRE(r);
  CHECK(r->Ok());
  REQUIRE(r->problems.size() == 1);
  CHECK(r->problems[0] ==
        HostProblem{"node b (cluster c, 172.19.0.9) is on-link on br-b but outside "
                    "172.18.0.250's subnet 172.18.0.0/16",
                    "give this machine's address on br-b too, so that the node has a next hop on "
                    "its own subnet",
                    false});
  CHECK(r->Format() ==
        "  - (warning) node b (cluster c, 172.19.0.9) is on-link on br-b but outside "
        "172.18.0.250's subnet 172.18.0.0/16\n"
        "    fix: give this machine's address on br-b too, so that the node has a next hop on its "
        "own subnet\n");
}

TEST_CASE("host router check: a cluster on-link only from another subnet's address is refused") {
  // The router's machine has a leg on both networks, but --router names only the first
  // address: cluster c2's nodes answer on-link through br-b, yet they would have to reach
  // 172.18.0.250 through their gateway (found by tests/kind/kube_e2e_test.py: up went on
  // and waited for sessions that never came).
  FakeRunner f;
  FakeBinder b;
  ExpectAddresses(f);
  OnLink(f, "172.18.0.2", "172.18.0.250", "br-a");
  OnLink(f, "172.19.0.2", "172.18.0.250", "br-b");
  OnLink(f, "172.19.0.3", "172.18.0.250", "br-b");
  auto r = CheckHostRouter(f, b, Host("host:172.18.0.250"),
                           {{"c1", "a", Ip("172.18.0.2")},
                            {"c2", "b", Ip("172.19.0.2")},
                            {"c2", "c", Ip("172.19.0.3")}});
  REQUIRE(r);
  CHECK_FALSE(r->Ok());
  REQUIRE(r->problems.size() == 1);
  CHECK(r->problems[0] ==
        HostProblem{"cluster c2's nodes are on none of the router's IPv4 subnets (172.18.0.0/16); "
                    "it would use 172.18.0.250, which its nodes reach only through a gateway",
                    "give an IPv4 address of this machine on cluster c2's node subnet", true});
}

TEST_CASE("host router check: ip that cannot run is an Error, not a report") {
  FakeRunner f;
  FakeBinder b;
  f.Expect({"ip", "-j", "addr", "show"}).CannotStart("ip: not found in PATH");
  auto r = CheckHostRouter(f, b, Host("host:172.18.0.250"), TwoClusters());
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == ErrorKind::kEnvironment);
  CHECK(f.Problems().empty());
}

}  // namespace
}  // namespace bgpdemo::core
