// verify's checks against made-up observations: all good, then each kind of failure with
// the reason it must name; ip -j route parsing; the table, JSON and JUnit outputs.
#include "core/verify.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <sstream>

#include "tests/core/verify_checks.h"

namespace bgpdemo::core {
namespace {

using nlohmann::json;

Topology Demo() {
  Topology t;
  t.router = "bgpdemo-router";
  t.nodes = {{"a-worker", "a", "172.22.0.3", "10.241.1.0/24", true},
             {"a-worker2", "a", "172.22.0.4", "10.241.2.0/24", true},
             {"b-worker", "b", "172.25.0.3", "10.242.1.0/24", true}};
  t.load_balancers = {{"a", "nginx", "10.21.0.1", {"a-worker2", "a-worker"}},
                      {"b", "nginx", "10.22.0.1", {"b-worker"}}};
  t.pods = {{"a", "nginx-1", "a-worker", "10.241.1.10"},
            {"a", "nginx-2", "a-worker2", "10.241.2.10"},
            {"b", "nginx-1", "b-worker", "10.242.1.10"}};
  return t;
}

json Peer(const std::string& address, const std::string& state, const std::string& error = "") {
  return {{"address", address},
          {"state", state},
          {"local_asn", 65000},
          {"peer_asn", 65100},
          {"last_error", error},
          {"families", json::array({{{"afi", 1},
                                     {"safi", 1},
                                     {"family", "ipv4-unicast"},
                                     {"received", 2},
                                     {"advertised", 3}}})}};
}

json Route(const std::string& prefix, const std::vector<std::string>& from) {
  json paths = json::array();
  for (const auto& f : from) paths.push_back({{"peer", f}, {"next_hop", f}});
  return {{"prefix", prefix},
          {"best", {{"next_hop", from.front()}, {"peer", from.front()}, {"reason", "only path"}}},
          {"paths", paths}};
}

Observed Healthy() {
  Observed o;
  o.router_peers =
      json::array({Peer("172.22.0.3", "established"), Peer("172.22.0.4", "established"),
                   Peer("172.25.0.3", "established")});
  for (const auto& [node, addr] :
       std::vector<std::pair<std::string, std::string>>{{"a-worker", "172.22.255.254"},
                                                        {"a-worker2", "172.22.255.254"},
                                                        {"b-worker", "172.25.255.254"}}) {
    o.node_peers.insert_or_assign(node, json::array({Peer(addr, "established")}));
  }
  o.router_routes = json::array(
      {Route("10.241.1.0/24", {"172.22.0.3"}), Route("10.241.2.0/24", {"172.22.0.4"}),
       Route("10.242.1.0/24", {"172.25.0.3"}), Route("10.21.0.1/32", {"172.22.0.3", "172.22.0.4"}),
       Route("10.22.0.1/32", {"172.25.0.3"})});
  o.kernel = std::vector<KernelRoute>{{"10.241.1.0/24", {"172.22.0.3"}},
                                      {"10.241.2.0/24", {"172.22.0.4"}},
                                      {"10.242.1.0/24", {"172.25.0.3"}},
                                      {"10.21.0.1/32", {"172.22.0.3", "172.22.0.4"}},
                                      {"10.22.0.1/32", {"172.25.0.3"}}};
  return o;
}

struct FakeProber {
  std::mutex mu;
  std::vector<std::string> asked;
  std::string refuse;  // an address that does not answer
  Result<HttpResult, Error> operator()(const std::string& from, const std::string& ip,
                                       std::uint16_t port) {
    std::lock_guard lock(mu);
    asked.push_back(from + " " + ip);
    if (ip == refuse) return Fail(fmt::format("connect {}:{}: connection refused", ip, port));
    return HttpResult{200, ip == "10.241.2.10" ? "nginx pod nginx-2\n" : "nginx pod x\n", 0.001};
  }
};

using test::FindCheck;

Prober Wrap(FakeProber& p) {
  return [&p](const std::string& f, const std::string& ip, std::uint16_t port) {
    return p(f, ip, port);
  };
}

TEST_CASE("verify: a healthy demo passes every check, and every expected check is there") {
  FakeProber prober;
  const auto checks = Verify(Demo(), Healthy(), Wrap(prober));
  test::CheckAllPass(checks);
  // 3 nodes x 2 views, 5 prefixes x (rib, kernel), 2 router probes, 2 cross-cluster, 1 pod-pod.
  CHECK(checks.size() == 6 + 10 + 5);
  CHECK(FindCheck(checks, "kernel", "10.21.0.1/32").detail == "via 172.22.0.3, 172.22.0.4 (ECMP)");
  CHECK(FindCheck(checks, "http", "a/nginx-1 -> a/nginx-2 (10.241.2.10)").ok);
  CHECK(FindCheck(checks, "http", "b/nginx-1 -> 10.21.0.1 (a nginx)").ok);
  CHECK(FindCheck(checks, "http", "router -> 10.22.0.1 (b nginx)").ok);
  std::sort(prober.asked.begin(), prober.asked.end());
  CHECK(prober.asked == std::vector<std::string>{"a/nginx-1 10.22.0.1", "a/nginx-1 10.241.2.10",
                                                 "b/nginx-1 10.21.0.1", "router 10.21.0.1",
                                                 "router 10.22.0.1"});
}

TEST_CASE("verify: a stopped node speaker fails its sessions, routes and the probes through it") {
  auto o = Healthy();
  o.router_peers =
      json::array({Peer("172.22.0.3", "established"), Peer("172.22.0.4", "established"),
                   Peer("172.25.0.3", "active", "connection closed by the peer")});
  o.node_peers.insert_or_assign("b-worker",
                                Fail(std::string("connect /run/x.sock: connection refused")));
  o.router_routes =
      json::array({Route("10.241.1.0/24", {"172.22.0.3"}), Route("10.241.2.0/24", {"172.22.0.4"}),
                   Route("10.21.0.1/32", {"172.22.0.3"})});
  o.kernel =
      std::vector<KernelRoute>{{"10.241.1.0/24", {"172.22.0.3"}}, {"10.21.0.1/32", {"172.22.0.3"}}};
  FakeProber prober;
  prober.refuse = "10.22.0.1";
  const auto checks = Verify(Demo(), o, Wrap(prober));
  const auto& router_view = FindCheck(checks, "sessions", "b-worker: router's view");
  CHECK_FALSE(router_view.ok);
  CHECK(router_view.detail ==
        "active, AS 65000 -> AS 65100, last error: connection closed by the peer");
  const auto& node_view = FindCheck(checks, "sessions", "b-worker: node's view");
  CHECK_FALSE(node_view.ok);
  CHECK(node_view.detail ==
        "cannot read the node's peers: connect /run/x.sock: connection refused");
  CHECK(FindCheck(checks, "rib", "10.242.1.0/24").detail ==
        "not in the router's RIB (expected from 172.25.0.3)");
  const auto& lb_rib = FindCheck(checks, "rib", "10.21.0.1/32");
  CHECK_FALSE(lb_rib.ok);
  CHECK(lb_rib.detail.find("no path from 172.22.0.4") != std::string::npos);
  CHECK(FindCheck(checks, "kernel", "10.242.1.0/24").detail == "not in the router's kernel table");
  CHECK(FindCheck(checks, "kernel", "10.21.0.1/32").detail ==
        "via 172.22.0.3; expected via 172.22.0.3, 172.22.0.4");
  CHECK(FindCheck(checks, "http", "router -> 10.22.0.1 (b nginx)").detail ==
        "connect 10.22.0.1:80: connection refused");
  CHECK(FindCheck(checks, "sessions", "a-worker: router's view").ok);

  const auto j = ChecksJson(checks);
  CHECK(j["failed"].get<int>() > 0);
  CHECK(j["passed"].get<int>() + j["failed"].get<int>() == static_cast<int>(checks.size()));
  std::ostringstream table;
  PrintChecksTable(checks, table);
  CHECK(table.str().find("FAIL") != std::string::npos);
  CHECK(table.str().find(fmt::format("{} failed\n", j["failed"].get<int>())) != std::string::npos);
  const auto xml = ChecksJunit(checks, 1.5);
  CHECK(xml.find("<testsuite name=\"bgpdemo verify\"") != std::string::npos);
  CHECK(xml.find("<failure message=\"not in the router&apos;s RIB") == std::string::npos);
  CHECK(xml.find("<failure message=\"not in the router's RIB (expected from 172.25.0.3)\"/>") !=
        std::string::npos);
}

TEST_CASE("verify: sources that cannot be read fail with their error, nothing crashes") {
  Observed o;  // nothing read
  FakeProber prober;
  const auto checks = Verify(Demo(), o, Wrap(prober));
  CHECK(std::none_of(checks.begin(), checks.end(),
                     [](const Check& c) { return c.ok && c.group != "http"; }));
  CHECK(FindCheck(checks, "sessions", "a-worker: router's view").detail ==
        "cannot read the router's peers: not read");
  CHECK(FindCheck(checks, "sessions", "a-worker: node's view").detail ==
        "the node's speaker was not asked");
}

TEST_CASE("sessions not established: none when all are, else each node with both sides") {
  CHECK(SessionsNotEstablished(Demo(), Healthy()).empty());
  auto o = Healthy();
  o.router_peers = json::array(
      {Peer("172.22.0.3", "established"), Peer("172.22.0.4", "active", "connection refused")});
  o.node_peers.insert_or_assign("a-worker2", json::array({Peer("172.22.255.254", "connect")}));
  o.node_peers.insert_or_assign("b-worker", Fail(std::string("speaker not running")));
  CHECK(SessionsNotEstablished(Demo(), o) ==
        std::vector<std::string>{
            "a-worker2: router sees active (connection refused), node sees connect",
            "b-worker: router sees no session, node sees speaker not running"});
  Observed nothing;
  CHECK(SessionsNotEstablished(Demo(), nothing).front() ==
        "a-worker: router sees not read, node sees not asked");
}

TEST_CASE("verify: a router bgpdemo cannot read is judged by the nodes' side alone") {
  auto o = Healthy();
  o.router_readable = false;
  o.router_peers = Fail(std::string("the router is yours"));
  o.router_routes = Fail(std::string("the router is yours"));
  o.kernel = Fail(std::string("the router is yours"));
  FakeProber prober;
  const auto checks = Verify(Demo(), o, Wrap(prober));
  for (const auto& c : checks) {
    CAPTURE(c.name);
    CHECK(c.ok);
    CHECK(c.group != "rib");
    CHECK(c.group != "kernel");
  }
  CHECK(FindCheck(checks, "sessions", "a-worker: router's view").detail ==
        "not checked: the router is not bgpdemo's to read");
  CHECK(std::none_of(prober.asked.begin(), prober.asked.end(),
                     [](const std::string& a) { return a.starts_with("router "); }));
  CHECK(SessionsNotEstablished(Demo(), o).empty());
  o.node_peers.insert_or_assign("b-worker", Fail(std::string("speaker not running")));
  CHECK(
      SessionsNotEstablished(Demo(), o) ==
      std::vector<std::string>{
          "b-worker: router sees nothing (not bgpdemo's to read), node sees speaker not running"});
}

TEST_CASE("ip -j route: single next hop, ECMP, host routes, garbage is an error") {
  const auto routes = ParseIpRouteJson(
      R"([{"dst":"10.241.1.0/24","gateway":"172.22.0.3","dev":"eth0","protocol":"197","flags":[]},
          {"dst":"10.21.0.1","protocol":"197","flags":[],"nexthops":[
             {"gateway":"172.22.0.4","dev":"eth0","weight":1,"flags":[]},
             {"gateway":"172.22.0.3","dev":"eth0","weight":1,"flags":[]}]}])");
  REQUIRE(routes);
  REQUIRE(routes->size() == 2);
  CHECK((*routes)[0].prefix == "10.241.1.0/24");
  CHECK((*routes)[0].next_hops == std::vector<std::string>{"172.22.0.3"});
  CHECK((*routes)[1].prefix == "10.21.0.1/32");
  CHECK((*routes)[1].next_hops == std::vector<std::string>{"172.22.0.3", "172.22.0.4"});
  CHECK_FALSE(ParseIpRouteJson("Error: no such table"));
  CHECK(ParseIpRouteJson("[]")->empty());
}

}  // namespace
}  // namespace bgpdemo::core
