// Tests for bgp/api/server_api: the control socket's JSON, made from a server's snapshots.
// The JSON is read by `bgpdemo router peers|routes`, the lab and the Python tests, so the
// expected text is written out whole: a key renamed, dropped or retyped fails here.
#include "bgp/api/server_api.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "bgp/api/control_client.h"
#include "bgp/api/control_server.h"
#include "bgp/fib/fib.h"

using namespace bgpdemo::bgp;
using bgpdemo::Result;
using nlohmann::json;
namespace asio = boost::asio;

namespace {

wire::IpAddress Addr(const char* s) {
  return *wire::IpAddress::Parse(s);
}
wire::Prefix P(const char* s) {
  return *wire::Prefix::Parse(s);
}

server::RouterConfig IdleRouter() {
  server::RouterConfig c;
  c.router_id = Addr("127.0.0.1").v4();
  c.local_as = 65000;
  c.listen_port = 0;  // no listener: these tests never connect
  c.originate = {P("192.0.2.0/24")};
  return c;
}

// Runs io until pred holds or 10 s pass.
bool RunUntil(asio::io_context& io, const std::function<bool()>& pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  return true;
}

}  // namespace

TEST_CASE("server api: peers JSON, a peer never established and one established") {
  server::PeerSnapshot idle;
  idle.address = Addr("10.0.0.9");
  idle.name = "nobody";
  idle.local_as = 65000;
  idle.peer_as = 65900;
  idle.state = State::kIdle;
  idle.last_error = "connect: Connection refused";

  server::PeerSnapshot up;
  up.address = Addr("172.22.0.3");
  up.name = "cilium";
  up.dynamic = true;
  up.local_as = 65000;
  up.peer_as = 65100;
  up.state = State::kEstablished;
  up.uptime = std::chrono::seconds(125);
  up.local_address = Addr("172.22.0.254");
  up.messages_received = 12;
  up.messages_sent = 10;
  up.updates_received = 7;
  up.updates_sent = 4;
  up.queued_bytes = 4096;
  up.congested = true;
  up.stale = true;
  up.tcp_md5 = true;  // a key is set: shown as that, never the key
  up.ttl_security = true;
  server::NegotiatedSnapshot n;
  n.router_id = Addr("172.22.0.3").v4();
  n.hostname = "node-a";
  n.hold_time = 90;
  n.graceful_restart = true;
  n.extended_next_hop = true;
  n.extended_message = true;
  n.families = {{wire::kIpv4Unicast, 3, 2, 5}, {wire::kIpv6Unicast, 0, 0, 0}};
  up.negotiated = n;

  const std::vector<server::PeerSnapshot> peers = {idle, up};
  CHECK(api::PeersJson(peers).dump() ==
        "[{\"address\":\"10.0.0.9\",\"congested\":false,\"dynamic\":false,\"families\":[],"
        "\"hostname\":\"\",\"last_error\":\"connect: Connection refused\",\"local_asn\":65000,"
        "\"messages_received\":0,\"messages_sent\":0,\"name\":\"nobody\",\"peer_asn\":65900,"
        "\"queued_bytes\":0,\"stale\":false,\"state\":\"idle\",\"tcp_md5\":false,"
        "\"ttl_security\":false,\"updates_received\":0,"
        "\"updates_sent\":0,\"uptime_seconds\":0},"
        "{\"address\":\"172.22.0.3\",\"congested\":true,\"dynamic\":true,"
        "\"extended_message\":true,\"extended_next_hop\":true,\"families\":["
        "{\"accepted\":2,\"advertised\":5,\"afi\":1,\"family\":\"ipv4-unicast\",\"received\":3,"
        "\"safi\":1},"
        "{\"accepted\":0,\"advertised\":0,\"afi\":2,\"family\":\"ipv6-unicast\",\"received\":0,"
        "\"safi\":1}],"
        "\"graceful_restart\":true,\"hold_time\":90,\"hostname\":\"node-a\",\"last_error\":\"\","
        "\"local_address\":\"172.22.0.254\",\"local_asn\":65000,\"messages_received\":12,"
        "\"messages_sent\":10,\"name\":\"cilium\",\"peer_asn\":65100,\"queued_bytes\":4096,"
        "\"router_id\":\"172.22.0.3\",\"stale\":true,\"state\":\"established\",\"tcp_md5\":true,"
        "\"ttl_security\":true,"
        "\"updates_received\":7,\"updates_sent\":4,\"uptime_seconds\":125}]");
  CHECK(api::PeersJson({}).dump() == "[]");
}

TEST_CASE("server api: peers JSON of a peer_as any neighbor says so") {
  server::PeerSnapshot any;
  any.address = Addr("10.244.1.7");
  any.name = "cluster";
  any.dynamic = true;
  any.local_as = 65000;
  any.peer_as_any = true;  // before its OPEN: no AS yet
  any.state = State::kActive;
  const std::vector<server::PeerSnapshot> before = {any};
  CHECK(api::PeersJson(before).dump() ==
        "[{\"address\":\"10.244.1.7\",\"congested\":false,\"dynamic\":true,\"families\":[],"
        "\"hostname\":\"\",\"last_error\":\"\",\"local_asn\":65000,\"messages_received\":0,"
        "\"messages_sent\":0,\"name\":\"cluster\",\"peer_as_any\":true,\"peer_asn\":0,"
        "\"queued_bytes\":0,\"stale\":false,\"state\":\"active\",\"tcp_md5\":false,"
        "\"ttl_security\":false,\"updates_received\":0,"
        "\"updates_sent\":0,\"uptime_seconds\":0}]");
  any.peer_as = 4200000007u;  // the AS its OPEN announced
  const std::vector<server::PeerSnapshot> after = {any};
  const json j = api::PeersJson(after);
  CHECK(j[0]["peer_asn"] == 4200000007u);
  CHECK(j[0]["peer_as_any"] == true);
}

TEST_CASE("server api: routes JSON, the best path and why, every attribute shown, no best") {
  rib::AttrStore store;
  wire::PathAttributes full;
  full.origin = wire::Origin::kIgp;
  full.as_path = wire::AsPath::Sequence({65100, 65001});
  full.next_hop = Addr("172.22.0.3");
  full.med = 5;
  full.local_pref = 100;
  full.communities = {(65100u << 16) | 10};
  full.large_communities = {{65100, 1, 2}};
  wire::PathAttributes bare;
  bare.next_hop = Addr("10.0.0.1");

  server::RouteSnapshot best{
      P("10.241.1.0/24"), wire::kIpv4Unicast, rib::Reason::kAsPathLength, {}};
  server::PathSnapshot from_peer;
  from_peer.peer = Addr("172.22.0.3");
  from_peer.attrs = store.Intern(full);
  from_peer.best = true;
  from_peer.multipath = true;
  from_peer.accepted = true;
  server::PathSnapshot gone;  // a peer the RIB no longer knows
  gone.attrs = store.Intern(bare);
  gone.stale = true;
  best.paths = {from_peer, gone};

  server::RouteSnapshot none{P("10.242.0.0/24"), wire::kIpv4Unicast, rib::Reason::kNone, {}};
  server::PathSnapshot local;
  local.local = true;
  local.attrs = store.Intern(bare);
  none.paths = {local};

  const std::vector<server::RouteSnapshot> routes = {best, none};
  CHECK(api::RoutesJson(routes).dump() ==
        "[{\"best\":{\"as_path\":\"65100 65001\",\"communities\":[\"65100:10\"],"
        "\"large_communities\":[\"65100:1:2\"],\"local_pref\":100,\"med\":5,"
        "\"next_hop\":\"172.22.0.3\",\"origin\":\"igp\",\"peer\":\"172.22.0.3\","
        "\"reason\":\"as_path_length\"},"
        "\"family\":\"ipv4-unicast\",\"paths\":["
        "{\"accepted\":true,\"as_path\":\"65100 65001\",\"best\":true,"
        "\"communities\":[\"65100:10\"],\"large_communities\":[\"65100:1:2\"],"
        "\"local_pref\":100,\"med\":5,\"multipath\":true,\"next_hop\":\"172.22.0.3\","
        "\"origin\":\"igp\",\"peer\":\"172.22.0.3\",\"stale\":false},"
        "{\"accepted\":false,\"as_path\":\"\",\"best\":false,\"multipath\":false,"
        "\"next_hop\":\"10.0.0.1\",\"origin\":\"incomplete\",\"peer\":\"?\",\"stale\":true}],"
        "\"prefix\":\"10.241.1.0/24\"},"
        "{\"best\":null,\"family\":\"ipv4-unicast\",\"paths\":["
        "{\"accepted\":false,\"as_path\":\"\",\"best\":false,\"multipath\":false,"
        "\"next_hop\":\"10.0.0.1\",\"origin\":\"incomplete\",\"peer\":\"local\","
        "\"stale\":false}],\"prefix\":\"10.242.0.0/24\"}]");
}

TEST_CASE("server api: fib JSON, with no FIB and with routes installed") {
  CHECK(api::FibJson(nullptr).dump() == R"({"enabled":false,"protocol":197,"routes":[]})");

  NullLogger log;
  fib::FakeFib fake;
  server::FibSync sync(fake, log);
  REQUIRE(sync.Start());
  rib::Rib rib(rib::RibOptions{65000, Addr("10.0.0.1").v4()});
  const auto accept = policy::ImportPolicy{policy::Filter::AcceptAll(), std::nullopt};
  (void)rib.SetPeer({1, Addr("172.22.0.2"), 65100, Addr("172.22.0.2").v4(), false}, accept);
  wire::Update u;
  u.attrs.origin = wire::Origin::kIgp;
  u.attrs.as_path = wire::AsPath::Sequence({65100});
  u.attrs.next_hop = Addr("172.22.0.2");
  u.nlri = {P("10.241.1.0/24")};
  sync.OnChanges(rib, rib.Update(1, u));
  sync.Drain();
  const auto snapshot = sync.Snapshot();
  CHECK(api::FibJson(&snapshot).dump() ==
        R"({"enabled":true,"errors":0,"installed":1,"pending":0,"protocol":197,)"
        R"("routes":[{"next_hops":["172.22.0.2"],"prefix":"10.241.1.0/24"}],)"
        R"("unusable_next_hops":0})");
}

TEST_CASE("server api: requests and their replies, announce and withdraw change the server") {
  NullLogger log;
  asio::io_context io;
  server::Server router(io, IdleRouter(), log);
  auto handle = [&](const json& request) { return api::HandleRequest(router, nullptr, request); };

  CHECK(handle({{"command", "ping"}}).dump() == R"({"ok":true,"result":"pong"})");
  CHECK(handle({{"command", "fib"}})["result"]["enabled"] == false);
  const auto routes = handle({{"command", "routes"}});
  CHECK(routes["ok"] == true);
  REQUIRE(routes["result"].size() == 1);
  CHECK(routes["result"][0]["prefix"] == "192.0.2.0/24");
  CHECK(routes["result"][0]["best"]["peer"] == "local");
  CHECK(handle({{"command", "peers"}}).dump() == R"({"ok":true,"result":[]})");

  CHECK(handle({{"command", "announce"}, {"prefixes", {"198.51.100.0/24", "2001:db8::/48"}}})
            .dump() == R"({"ok":true,"result":2})");
  CHECK(router.rib().Best(P("2001:db8::/48")));
  CHECK(handle({{"command", "withdraw"}, {"prefixes", {"192.0.2.0/24"}}}).dump() ==
        R"({"ok":true,"result":1})");
  CHECK_FALSE(router.rib().Best(P("192.0.2.0/24")));
  CHECK(router.config().originate == std::vector{P("198.51.100.0/24"), P("2001:db8::/48")});

  CHECK(handle({{"command", "announce"}})["error"] ==
        "announce needs \"prefixes\": a list like [\"10.241.1.0/24\"]");
  CHECK(handle({{"command", "withdraw"}, {"prefixes", "10.0.0.0/8"}})["error"] ==
        "withdraw needs \"prefixes\": a list like [\"10.241.1.0/24\"]");
  // One bad prefix and nothing is announced.
  CHECK(handle({{"command", "announce"}, {"prefixes", {"203.0.113.0/24", "10.0.0.0/33"}}}).dump() ==
        R"({"error":"\"10.0.0.0/33\" is not a prefix like 10.241.1.0/24","ok":false})");
  CHECK_FALSE(router.rib().Best(P("203.0.113.0/24")));
  CHECK(handle({{"command", "announce"}, {"prefixes", {7}}})["error"] ==
        "7 is not a prefix like 10.241.1.0/24");
  CHECK(
      handle({{"command", "frob"}}).dump() ==
      R"({"error":"unknown command \"frob\"; the commands are ping, peers, routes, fib, journal, announce, withdraw, reload, restart, restart_status","ok":false})");
  CHECK(handle(json::object())["error"] ==
        "unknown command \"\"; the commands are ping, peers, routes, fib, journal, announce, "
        "withdraw, reload, restart, restart_status");
}

TEST_CASE("server api: reload applies a loaded config, or keeps the running one with the error") {
  NullLogger log;
  asio::io_context io;
  server::Server router(io, IdleRouter(), log);
  CHECK(api::HandleRequest(router, nullptr, {{"command", "reload"}})["error"] ==
        "this router was started without a config file to reload");

  Result<server::RouterConfig, std::string> next = bgpdemo::Fail(std::string("r.yaml:3:9: bad"));
  const api::ConfigLoader load = [&] { return next; };
  const auto before = router.config();
  CHECK(api::HandleRequest(router, nullptr, {{"command", "reload"}}, {load}).dump() ==
        R"({"ok":true,"result":{"error":"r.yaml:3:9: bad","reloaded":false}})");
  CHECK(router.config() == before);

  server::RouterConfig changed = before;
  changed.originate = {P("198.51.100.0/24")};
  server::NeighborConfig n;
  n.name = "new";
  n.address = *wire::IpAddress::Parse("192.0.2.9");
  n.peer_as = 65009;
  n.passive = true;
  changed.neighbors.push_back(n);
  next = changed;
  CHECK(api::HandleRequest(router, nullptr, {{"command", "reload"}}, {load}).dump() ==
        R"({"ok":true,"result":{"added":["new"],"changed":[],"everything":false,)"
        R"("not_applied":[],"originated":1,"reloaded":true,"removed":[],"unchanged":[],)"
        R"("withdrawn":1}})");
  CHECK(router.rib().Best(P("198.51.100.0/24")));
  CHECK_FALSE(router.rib().Best(P("192.0.2.0/24")));
  CHECK(router.Peers().size() == 1);
  router.Shutdown("done");
}

TEST_CASE("server api: restart goes to the process's hook, restart_status shows the server's") {
  NullLogger log;
  asio::io_context io;
  server::Server router(io, IdleRouter(), log);
  CHECK(api::HandleRequest(router, nullptr, {{"command", "restart"}})["error"] ==
        "this router cannot restart itself");
  api::ProcessHooks hooks;
  hooks.restart = [](const json& request) { return api::OkReply(request.value("token", "")); };
  CHECK(
      api::HandleRequest(router, nullptr, {{"command", "restart"}, {"token", "x"}}, hooks).dump() ==
      R"({"ok":true,"result":"x"})");
  CHECK(api::HandleRequest(router, nullptr, {{"command", "restart_status"}}).dump() ==
        R"({"ok":true,"result":{"elapsed_ms":0,"end_of_rib":[],"ended_by":"","expected":[],)"
        R"("restarting":false,"token":""}})");
  server::RestartPlan plan;
  plan.peers = {Addr("172.22.0.2")};
  plan.token = "t";
  router.BeginRestart(plan);
  const json st = api::HandleRequest(router, nullptr, {{"command", "restart_status"}})["result"];
  CHECK(st["restarting"] == true);
  CHECK(st["expected"] == json::array({"172.22.0.2"}));
  CHECK(st["token"] == "t");
}

TEST_CASE("server api: the control socket answers a server's requests, refuses a second router") {
  NullLogger log;
  asio::io_context io;
  const std::string path = "/tmp/bgpdemo-test-" + std::to_string(::getpid()) + ".sock";
  server::Server router(io, IdleRouter(), log);
  api::ControlServer control(io, path, api::ServerHandler(router, nullptr), log);
  REQUIRE(control.Start());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  std::optional<Result<json, std::string>> reply;
  std::thread client([&] {
    reply = api::Request(path, {{"command", "announce"}, {"prefixes", {"198.51.100.0/24"}}},
                         std::chrono::seconds(5));
  });
  RunUntil(io, [&] { return reply.has_value(); });
  client.join();
  REQUIRE(reply->has_value());
  CHECK(**reply == 1);
  CHECK(router.rib().Best(P("198.51.100.0/24")));

  reply.reset();
  std::thread bad([&] {
    reply = api::Request(path, {{"command", "frob"}}, std::chrono::seconds(5));
  });
  RunUntil(io, [&] { return reply.has_value(); });
  bad.join();
  REQUIRE_FALSE(reply->has_value());
  CHECK(reply->error().find("unknown command \"frob\"") == 0);

  // A second router on the same socket path is told, not silently replacing the first.
  api::ControlServer second(
      io, path, [](const json&) { return json(); }, log);
  std::optional<Result<void, std::string>> started;
  std::thread t([&] { started = second.Start(); });
  RunUntil(io, [&] { return started.has_value(); });
  t.join();
  REQUIRE_FALSE(started->has_value());
  CHECK(started->error().find("another bgpdemo router is already listening") == 0);
  control.Stop();
  CHECK(::stat(path.c_str(), &st) != 0);  // removed
}
