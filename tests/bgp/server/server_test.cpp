// End-to-end tests of bgp/server on loopback, in one process, no root needed: a router and
// two node speakers, each a Server, over real TCP on 127.0.0.0/8.
#include "bgp/server/server.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>

#include "tests/bgp/server/loopback.h"

using namespace bgpdemo::bgp;
using bgpdemo::Result;
using bgpdemo::test::Addr;
using bgpdemo::test::BestAsPath;
using bgpdemo::test::FreePort;
using bgpdemo::test::NodeCfg;
using bgpdemo::test::RouterCfg;
using bgpdemo::test::RunUntil;
using server::Journal;
using server::NeighborConfig;
using server::RouterConfig;
using server::Server;
namespace asio = boost::asio;

TEST_CASE("server: two node speakers exchange routes through the router (loopback)") {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  Server router(io, RouterCfg(port), log);
  Server n1(io, NodeCfg("127.0.0.2", 65100, port, {"10.241.1.0/24", "10.11.0.10/32"}), log);
  Server n2(io, NodeCfg("127.0.0.3", 65200, port, {"10.242.1.0/24"}), log);
  REQUIRE(router.Start());
  REQUIRE(n1.Start());
  REQUIRE(n2.Start());

  REQUIRE(RunUntil(io, [&] { return router.established_count() == 2; }));
  REQUIRE(RunUntil(io, [&] { return BestAsPath(n2, "10.241.1.0/24").has_value(); }));
  // Router mode: the router prepends its AS and sets itself as next hop.
  CHECK(*BestAsPath(n2, "10.241.1.0/24") == "65000 65100");
  CHECK(n2.rib().Best(*wire::Prefix::Parse("10.241.1.0/24"))->attrs->next_hop().ToString() ==
        "127.0.0.1");
  REQUIRE(RunUntil(io, [&] { return BestAsPath(n1, "10.242.1.0/24").has_value(); }));
  CHECK(*BestAsPath(n1, "10.242.1.0/24") == "65000 65200");
  CHECK(*BestAsPath(router, "10.11.0.10/32") == "65100");

  // The snapshots the control API shows.
  auto peers = router.Peers();
  REQUIRE(peers.size() == 2);
  for (const auto& p : peers) {
    CHECK(p.state == State::kEstablished);
    CHECK(p.dynamic);
    CHECK(p.uptime.has_value());
    CHECK(p.local_address == Addr("127.0.0.1"));
    REQUIRE(p.negotiated);
    CHECK(p.negotiated->hostname.rfind("node-", 0) == 0);
    REQUIRE_FALSE(p.negotiated->families.empty());
    CHECK(p.negotiated->families[0].family == wire::kIpv4Unicast);
  }
  CHECK(peers[0].peer_as == 65100);
  CHECK(peers[0].negotiated->families[0].received == 2);
  CHECK(peers[0].negotiated->families[0].accepted == 2);
  // Messages and UPDATEs counted one by one (a chunk of the export holds many): what the
  // router counts as sent, the node counts as received, once nothing is in flight.
  const auto sent_to = [&](const Server& node, const char* address) {
    for (const auto& p : router.Peers()) {
      if (p.address == Addr(address)) {
        const auto mine = node.Peers().at(0);
        return p.updates_sent > 0 && p.updates_sent == mine.updates_received &&
               p.messages_sent == mine.messages_received && p.updates_received == mine.updates_sent;
      }
    }
    return false;
  };
  CHECK(RunUntil(io, [&] { return sent_to(n1, "127.0.0.2") && sent_to(n2, "127.0.0.3"); }));
  auto routes = router.Routes();
  REQUIRE(routes.size() == 3);
  for (const auto& r : routes) {
    CHECK(r.family == wire::kIpv4Unicast);
    CHECK(r.reason != rib::Reason::kNone);
    REQUIRE(r.paths.size() == 1);
    CHECK(r.paths[0].best);
    CHECK_FALSE(r.paths[0].local);
    REQUIRE(r.paths[0].peer);
    CHECK(*r.paths[0].peer ==
          (r.prefix.ToString() == "10.242.1.0/24" ? Addr("127.0.0.3") : Addr("127.0.0.2")));
  }

  // A withdrawal propagates.
  n1.Originate(std::vector{*wire::Prefix::Parse("10.11.0.10/32")}, false);
  REQUIRE(RunUntil(io, [&] { return !BestAsPath(n2, "10.11.0.10/32").has_value(); }));
  CHECK(BestAsPath(n2, "10.241.1.0/24").has_value());

  // A node that shuts down takes its routes with it, and the router says why.
  n1.Shutdown("node drained");
  REQUIRE(RunUntil(io, [&] { return !BestAsPath(n2, "10.241.1.0/24").has_value(); }));
  CHECK_FALSE(BestAsPath(router, "10.241.1.0/24").has_value());
  REQUIRE(RunUntil(io, [&] { return router.established_count() == 1; }));

  // The journal has all of it, in order: the sessions up, best paths, the withdrawal, the
  // node down with the router's reason, its routes withdrawn.
  std::vector<std::string> journal;
  std::uint64_t seq = 0;
  for (const auto& e : router.journal().After(0)) {
    CHECK(e.seq == ++seq);
    const bool route = e.kind == Journal::Kind::kRoute || e.kind == Journal::Kind::kWithdrawn;
    journal.push_back(fmt::format("{} {}{}", ToString(e.kind),
                                  route ? e.prefix.ToString() : e.peer.ToString(),
                                  e.kind == Journal::Kind::kRoute ? " " + e.peer.ToString() : ""));
    if (e.kind == Journal::Kind::kSessionDown)
      CHECK(e.detail.find("node drained") != std::string::npos);
  }
  const auto at = [&](const std::string& what) {
    return std::find(journal.begin(), journal.end(), what) - journal.begin();
  };
  INFO(fmt::format("{}", fmt::join(journal, "; ")));
  CHECK(at("session_up 127.0.0.2") < at("route 10.241.1.0/24 127.0.0.2"));
  CHECK(at("route 10.242.1.0/24 127.0.0.3") < static_cast<long>(journal.size()));
  CHECK(at("withdrawn 10.11.0.10/32") < at("session_down 127.0.0.2"));
  CHECK(at("session_down 127.0.0.2") < at("withdrawn 10.241.1.0/24"));
  CHECK(at("withdrawn 10.241.1.0/24") < static_cast<long>(journal.size()));
  n2.Shutdown("test over");
  router.Shutdown("test over");
  io.run_for(std::chrono::milliseconds(100));
}

TEST_CASE("server: wrong peer AS is refused with OPEN error 2/2") {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  Server router(io, RouterCfg(port), log);
  Server liar(io, NodeCfg("127.0.0.2", 65999, port, {"10.241.1.0/24"}), log);  // expects 65100
  REQUIRE(router.Start());
  REQUIRE(liar.Start());
  REQUIRE(RunUntil(io, [&] {
    auto peers = liar.Peers();
    return !peers.empty() && peers[0].last_error.find("Bad Peer AS") != std::string::npos;
  }));
  CHECK(router.established_count() == 0);
  liar.Shutdown("done");
  router.Shutdown("done");
  io.run_for(std::chrono::milliseconds(50));
}

TEST_CASE("server: announce and withdraw follow into the running config's originate") {
  NullLogger log;
  asio::io_context io;
  RouterConfig c = RouterCfg(FreePort());
  c.originate = {*wire::Prefix::Parse("192.0.2.0/24")};
  Server router(io, c, log);
  REQUIRE(router.Start());
  const auto v6 = *wire::Prefix::Parse("2001:db8::/48");
  router.Announce(std::vector{*wire::Prefix::Parse("198.51.100.0/24"), v6});
  router.Announce(std::vector{v6});  // twice: listed once
  CHECK(router.config().originate.size() == 3);
  auto routes = router.Routes();
  REQUIRE(routes.size() == 3);
  CHECK(routes[2].prefix == v6);  // IPv4 first
  CHECK(routes[2].family == wire::kIpv6Unicast);
  REQUIRE(routes[2].paths.size() == 1);
  CHECK(routes[2].paths[0].local);
  CHECK_FALSE(routes[2].paths[0].peer);

  router.Withdraw(std::vector{*wire::Prefix::Parse("192.0.2.0/24")});
  CHECK(router.config().originate == std::vector{*wire::Prefix::Parse("198.51.100.0/24"), v6});
  CHECK_FALSE(router.rib().Best(*wire::Prefix::Parse("192.0.2.0/24")));
  CHECK(router.Routes().size() == 2);
  router.Shutdown("test over");
}

TEST_CASE("server: max-prefix ends the session with Cease 6/1 and the RFC's data") {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  RouterConfig rc = RouterCfg(port);
  rc.neighbors[0].policy.max_prefix = policy::MaxPrefix{1, true};
  Server router(io, rc, log);
  Server n1(io, NodeCfg("127.0.0.2", 65100, port, {"10.241.1.0/24", "10.241.2.0/24"}), log);
  REQUIRE(router.Start());
  REQUIRE(n1.Start());
  REQUIRE(RunUntil(io, [&] {
    auto peers = n1.Peers();
    return !peers.empty() &&
           peers[0].last_error.find("Maximum Number of Prefixes Reached") != std::string::npos;
  }));
  // The router dropped what it had taken from the peer.
  REQUIRE(RunUntil(io, [&] { return !BestAsPath(router, "10.241.1.0/24").has_value(); }));
  n1.Shutdown("done");
  router.Shutdown("done");
  io.run_for(std::chrono::milliseconds(50));
}

TEST_CASE("server: reload keeps unchanged sessions and drops a removed neighbor with 6/3") {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  Server router(io, RouterCfg(port), log);
  Server n1(io, NodeCfg("127.0.0.2", 65100, port, {"10.241.1.0/24"}), log);
  Server n2(io, NodeCfg("127.0.0.3", 65200, port, {"10.242.1.0/24"}), log);
  REQUIRE(router.Start());
  REQUIRE(n1.Start());
  REQUIRE(n2.Start());
  REQUIRE(RunUntil(io, [&] { return router.established_count() == 2; }));
  REQUIRE(RunUntil(io, [&] { return BestAsPath(n1, "10.242.1.0/24").has_value(); }));
  const auto n1_messages = router.Peers()[0].messages_received;

  RouterConfig next = RouterCfg(port);
  next.neighbors.pop_back();  // the 127.0.0.3/32 range goes
  NeighborConfig added;
  added.name = "late";
  added.address = Addr("127.0.0.9");
  added.peer_as = 65900;
  added.passive = true;  // nobody there: it waits
  next.neighbors.push_back(added);
  next.fib.install = true;  // only a restart applies it
  const auto summary = router.Reload(next);
  CHECK_FALSE(summary.everything);
  CHECK(summary.removed == std::vector<std::string>{"127.0.0.3/32"});
  CHECK(summary.unchanged == std::vector<std::string>{"127.0.0.2/32"});
  CHECK(summary.added == std::vector<std::string>{"late"});
  CHECK(summary.changed.empty());
  CHECK(summary.not_applied.size() == 1);
  CHECK_FALSE(router.config().fib.install);
  REQUIRE(RunUntil(io, [&] {
    auto peers = n2.Peers();
    return peers[0].last_error.find("Peer De-configured") != std::string::npos;
  }));
  // n2's routes left with it; n1's session was never touched.
  REQUIRE(RunUntil(io, [&] { return !BestAsPath(n1, "10.242.1.0/24").has_value(); }));
  auto peers = router.Peers();
  REQUIRE(peers.size() == 2);
  CHECK(peers[0].address == Addr("127.0.0.2"));
  CHECK(peers[0].state == State::kEstablished);
  CHECK(peers[0].messages_received >= n1_messages);
  CHECK(peers[1].name == "late");
  CHECK(peers[1].state == State::kActive);
  CHECK(n1.established_count() == 1);
  n1.Shutdown("done");
  n2.Shutdown("done");
  router.Shutdown("done");
  io.run_for(std::chrono::milliseconds(50));
}

TEST_CASE("server: a peer_as any range takes each node's AS and refuses our own with 2/2") {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  RouterConfig rc = RouterCfg(port);
  rc.neighbors.resize(1);
  rc.neighbors[0].name = "cluster";
  rc.neighbors[0].range = wire::Prefix::Parse("127.0.0.0/29");
  rc.neighbors[0].peer_as = server::kAnyPeerAs;
  Server router(io, rc, log);
  Server n1(io, NodeCfg("127.0.0.2", 65101, port, {"10.241.1.0/24"}), log);
  Server n2(io, NodeCfg("127.0.0.3", 4200000002u, port, {"10.242.1.0/24"}), log);
  Server internal(io, NodeCfg("127.0.0.4", 65000, port, {"10.243.1.0/24"}), log);
  REQUIRE(router.Start());
  REQUIRE(n1.Start());
  REQUIRE(n2.Start());
  REQUIRE(internal.Start());
  REQUIRE(RunUntil(io, [&] { return router.established_count() == 2; }));
  REQUIRE(RunUntil(io, [&] {
    auto peers = internal.Peers();
    return !peers.empty() && peers[0].last_error.find("Bad Peer AS") != std::string::npos;
  }));
  REQUIRE(RunUntil(io, [&] { return BestAsPath(n2, "10.241.1.0/24").has_value(); }));
  CHECK(*BestAsPath(n2, "10.241.1.0/24") == "65000 65101");
  std::map<std::string, std::uint32_t> as_of;
  for (const auto& p : router.Peers()) {
    CHECK(p.peer_as_any);
    if (p.state == State::kEstablished) as_of[p.address.ToString()] = p.peer_as;
  }
  CHECK(as_of ==
        std::map<std::string, std::uint32_t>{{"127.0.0.2", 65101}, {"127.0.0.3", 4200000002u}});
  CHECK(router.established_count() == 2);
  internal.Shutdown("done");
  n1.Shutdown("done");
  n2.Shutdown("done");
  router.Shutdown("done");
  io.run_for(std::chrono::milliseconds(100));
}
