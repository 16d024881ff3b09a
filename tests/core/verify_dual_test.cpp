// verify on a dual-stack demo: IPv6 pod CIDRs and LoadBalancer IPs expected from the nodes'
// IPv4 sessions, kernel routes through the nodes' link-local addresses counted as those
// nodes, the IPv6 probes; and the `ip -6 -j route` and `ip -j neigh` parsing it rests on
// (samples from a lab demo's router namespace). The IPv4 cases are verify_test.cpp's.
#include <doctest/doctest.h>

#include <algorithm>
#include <mutex>

#include "core/verify.h"
#include "tests/core/verify_checks.h"

namespace bgpdemo::core {
namespace {

using nlohmann::json;

// Two nodes of cluster a (one LoadBalancer on both), one of b; MACs 02:00:00:00:00:0N.
Topology DualDemo() {
  Topology t;
  t.router = "bgpdemo-router";
  t.nodes = {{"a-worker", "a", "172.22.0.3", "10.241.1.0/24", true, "fd00:10:241:1::/64"},
             {"a-worker2", "a", "172.22.0.4", "10.241.2.0/24", true, "fd00:10:241:2::/64"},
             {"b-worker", "b", "172.25.0.3", "10.242.1.0/24", true, "fd00:10:242:1::/64"}};
  t.load_balancers = {{"a", "nginx", "10.21.0.1", {"a-worker", "a-worker2"}},
                      {"a", "nginx", "fd00:10:21::1", {"a-worker", "a-worker2"}},
                      {"b", "nginx", "10.22.0.1", {"b-worker"}},
                      {"b", "nginx", "fd00:10:22::1", {"b-worker"}}};
  t.pods = {{"a", "nginx-1", "a-worker", "10.241.1.10", "fd00:10:241:1::a"},
            {"a", "nginx-2", "a-worker2", "10.241.2.10", "fd00:10:241:2::a"},
            {"b", "nginx-1", "b-worker", "10.242.1.10", "fd00:10:242:1::a"}};
  return t;
}

json Peer(const std::string& address) {
  auto family = [](const char* name) {
    return json{{"family", name}, {"received", 2}, {"advertised", 3}};
  };
  return {{"address", address},
          {"state", "established"},
          {"local_asn", 65000},
          {"peer_asn", 65100},
          {"families", json::array({family("ipv4-unicast"), family("ipv6-unicast")})}};
}

json Route(const std::string& prefix, const std::vector<std::string>& from) {
  json paths = json::array();
  for (const auto& f : from) paths.push_back({{"peer", f}});
  return {{"prefix", prefix},
          {"best", {{"next_hop", "::ffff:" + from.front()}, {"peer", from.front()}}},
          {"paths", paths}};
}

// fe80::EUI-64 of 02:00:00:00:00:0N: the universal/local bit flipped, ff:fe inserted.
std::string LinkLocal(int n) {
  return "fe80::ff:fe00:" + std::to_string(n);
}

Observed DualHealthy() {
  Observed o;
  o.router_peers = json::array({Peer("172.22.0.3"), Peer("172.22.0.4"), Peer("172.25.0.3")});
  o.node_peers.insert_or_assign("a-worker", json::array({Peer("172.22.255.254")}));
  o.node_peers.insert_or_assign("a-worker2", json::array({Peer("172.22.255.254")}));
  o.node_peers.insert_or_assign("b-worker", json::array({Peer("172.25.255.254")}));
  o.router_routes = json::array(
      {Route("10.241.1.0/24", {"172.22.0.3"}), Route("10.241.2.0/24", {"172.22.0.4"}),
       Route("10.242.1.0/24", {"172.25.0.3"}), Route("fd00:10:241:1::/64", {"172.22.0.3"}),
       Route("fd00:10:241:2::/64", {"172.22.0.4"}), Route("fd00:10:242:1::/64", {"172.25.0.3"}),
       Route("10.21.0.1/32", {"172.22.0.3", "172.22.0.4"}),
       Route("fd00:10:21::1/128", {"172.22.0.3", "172.22.0.4"}),
       Route("10.22.0.1/32", {"172.25.0.3"}), Route("fd00:10:22::1/128", {"172.25.0.3"})});
  o.kernel = std::vector<KernelRoute>{{"10.241.1.0/24", {"172.22.0.3"}},
                                      {"10.241.2.0/24", {"172.22.0.4"}},
                                      {"10.242.1.0/24", {"172.25.0.3"}},
                                      {"fd00:10:241:1::/64", {LinkLocal(3)}},
                                      {"fd00:10:241:2::/64", {LinkLocal(4)}},
                                      {"fd00:10:242:1::/64", {LinkLocal(5)}},
                                      {"10.21.0.1/32", {"172.22.0.3", "172.22.0.4"}},
                                      {"fd00:10:21::1/128", {LinkLocal(3), LinkLocal(4)}},
                                      {"10.22.0.1/32", {"172.25.0.3"}},
                                      {"fd00:10:22::1/128", {LinkLocal(5)}}};
  o.link_local_owners = {
      {LinkLocal(3), "172.22.0.3"}, {LinkLocal(4), "172.22.0.4"}, {LinkLocal(5), "172.25.0.3"}};
  return o;
}

using test::FindCheck;

// Verify probes in parallel: what was asked is kept under a lock.
struct Asked {
  std::mutex mu;
  std::vector<std::string> list;
};

Prober Answering(Asked& asked) {
  return [&asked](const std::string& from, const std::string& ip, std::uint16_t) {
    std::lock_guard lock(asked.mu);
    asked.list.push_back(from + " " + ip);
    return Result<HttpResult, Error>(HttpResult{200, "nginx pod nginx-2\n", 0.001});
  };
}

TEST_CASE("verify, dual stack: IPv6 routes via link-local addresses count as their nodes") {
  Asked asked;
  const auto checks = Verify(DualDemo(), DualHealthy(), Answering(asked));
  test::CheckAllPass(checks);
  // 3 nodes x 2 views; 10 prefixes x (rib, kernel); 4 router probes, 4 cross-cluster,
  // 2 pod-pod (one per family).
  CHECK(checks.size() == 6 + 20 + 10);
  CHECK(FindCheck(checks, "kernel", "fd00:10:21::1/128").detail ==
        "via 172.22.0.3 (fe80::ff:fe00:3), 172.22.0.4 (fe80::ff:fe00:4) (ECMP)");
  CHECK(FindCheck(checks, "sessions", "a-worker: router's view").detail ==
        "established, AS 65000 -> AS 65100, ipv4-unicast 2 received, 3 advertised, "
        "ipv6-unicast 2 received, 3 advertised");
  CHECK(FindCheck(checks, "http", "a/nginx-1 -> a/nginx-2 (fd00:10:241:2::a)").ok);
  CHECK(std::count(asked.list.begin(), asked.list.end(), "router fd00:10:22::1") == 1);
  CHECK(std::count(asked.list.begin(), asked.list.end(), "b/nginx-1 fd00:10:21::1") == 1);

  // A link-local next hop of no known node (or of the wrong one) fails, showing both.
  auto o = DualHealthy();
  o.link_local_owners.erase(LinkLocal(4));
  const auto bad = Verify(DualDemo(), o, Answering(asked));
  const auto& c = FindCheck(bad, "kernel", "fd00:10:241:2::/64");
  CHECK_FALSE(c.ok);
  CHECK(c.detail == "via fe80::ff:fe00:4; expected via 172.22.0.4");
  // A node that withdrew its IPv6 pod CIDR: that RIB and kernel check fail, IPv4 holds.
  o = DualHealthy();
  o.router_routes->erase(3);  // fd00:10:241:1::/64
  o.kernel->erase(o.kernel->begin() + 3);
  const auto missing = Verify(DualDemo(), o, Answering(asked));
  CHECK_FALSE(FindCheck(missing, "rib", "fd00:10:241:1::/64").ok);
  CHECK(FindCheck(missing, "kernel", "fd00:10:241:1::/64").detail ==
        "not in the router's kernel table");
  CHECK(FindCheck(missing, "rib", "10.241.1.0/24").ok);
}

TEST_CASE("ip -6 -j route and ip -j neigh as a lab router's namespace prints them") {
  const auto routes = ParseIpRouteJson(
      R"([{"dst":"fd00:10:21::1","metric":1024,"flags":[],"pref":"medium","nexthops":[
            {"gateway":"fe80::18ea:3ff:fe9a:f524","dev":"eth0","weight":1,"flags":[]},
            {"gateway":"fe80::f885:58ff:fe63:1a2e","dev":"eth0","weight":1,"flags":[]}]},
          {"dst":"fd00:10:241::/64","gateway":"fe80::18ea:3ff:fe9a:f524","dev":"eth0",
           "protocol":"197","metric":1024,"flags":[],"pref":"medium"},
          {"dst":"default","gateway":"fd00::1","dev":"eth0","flags":[]}])",
      /*ipv6=*/true);
  REQUIRE(routes);
  REQUIRE(routes->size() == 3);
  CHECK((*routes)[0].prefix == "fd00:10:21::1/128");
  CHECK((*routes)[0].next_hops ==
        std::vector<std::string>{"fe80::18ea:3ff:fe9a:f524", "fe80::f885:58ff:fe63:1a2e"});
  CHECK((*routes)[1].prefix == "fd00:10:241::/64");
  CHECK((*routes)[2].prefix == "::/0");

  const auto owners = ParseNeighbourLinkLocals(
      R"([{"dst":"172.18.0.2","dev":"eth0","lladdr":"1a:ea:03:9a:f5:24","state":["DELAY"]},
          {"dst":"172.18.0.3","dev":"eth0","lladdr":"fa:85:58:63:1a:2e","state":["STALE"]},
          {"dst":"172.18.0.9","dev":"eth0","state":["FAILED"]},
          {"dst":"172.18.0.8","dev":"eth0","lladdr":"fa:85:58:63:1a","state":["STALE"]},
          {"dst":"fe80::1","dev":"eth0","lladdr":"fa:85:58:63:1a:2f","state":["STALE"]}])");
  CHECK(owners == LinkLocalOwners{{"fe80::18ea:3ff:fe9a:f524", "172.18.0.2"},
                                  {"fe80::f885:58ff:fe63:1a2e", "172.18.0.3"}});
  CHECK(ParseNeighbourLinkLocals("Error: nope").empty());
}

}  // namespace
}  // namespace bgpdemo::core
