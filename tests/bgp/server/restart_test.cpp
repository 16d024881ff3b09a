// Graceful restart of the router itself (RFC 4724 §4.1, bgp/server/restart.cpp) on
// loopback: a route server whose Server object goes away without a NOTIFICATION (as the
// process image before an exec does) and a new one with the plan, between two node
// speakers that help (keep its routes as stale). No root needed.
#include <doctest/doctest.h>

#include <memory>

#include "bgp/server/server.h"
#include "tests/bgp/server/loopback.h"

using namespace bgpdemo::bgp;
using bgpdemo::test::Addr;
using bgpdemo::test::BestAsPath;
using bgpdemo::test::FreePort;
using bgpdemo::test::NodeCfg;
using bgpdemo::test::RouterCfg;
using bgpdemo::test::RunUntil;
using server::RestartPlan;
using server::RouterConfig;
using server::Server;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct Completions : server::RouteObserver {
  int count = 0;
  void OnChanges(const rib::Rib& /*rib*/, const rib::ChangeSet& /*changes*/) override {}
  void OnRestartComplete(const rib::Rib& /*rib*/) override { ++count; }
};

RouterConfig Restartable(std::uint16_t port) {
  RouterConfig c = RouterCfg(port);
  c.graceful_restart = true;
  c.restart_time = 30;  // how long the nodes keep its routes
  return c;
}

// A node that dials again a second after its session ends.
RouterConfig Node(const char* address, std::uint32_t as, std::uint16_t port, const char* route) {
  RouterConfig c = NodeCfg(address, as, port, {route});
  c.neighbors[0].timers.connect_retry = 1;
  return c;
}

}  // namespace

TEST_CASE("restart: the router comes back, the nodes keep its routes throughout, then fresh") {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  Server n1(io, Node("127.0.0.2", 65100, port, "10.241.1.0/24"), log);
  Server n2(io, Node("127.0.0.3", 65200, port, "10.242.1.0/24"), log);
  auto router = std::make_unique<Server>(io, Restartable(port), log);
  REQUIRE(router->Start());
  REQUIRE(n1.Start());
  REQUIRE(n2.Start());
  auto both = [&] {
    return BestAsPath(n2, "10.241.1.0/24").has_value() &&
           BestAsPath(n1, "10.242.1.0/24").has_value();
  };
  REQUIRE(RunUntil(io, both));

  RestartPlan plan;
  plan.peers = router->GracefulPeers();
  plan.deferral = 10s;
  plan.token = "t1";
  CHECK(plan.peers == std::vector{Addr("127.0.0.2"), Addr("127.0.0.3")});
  router.reset();  // no NOTIFICATION: the nodes keep what it sent, as stale
  REQUIRE(RunUntil(io, [&] { return n1.established_count() + n2.established_count() == 0; }));
  CHECK(both());
  CHECK(n2.Peers()[0].stale);

  Completions done;
  router = std::make_unique<Server>(io, Restartable(port), log);
  router->AddRouteObserver(&done);
  router->BeginRestart(plan);
  REQUIRE(router->Start());
  bool lost = false, early = false;
  REQUIRE(RunUntil(io, [&] {
    lost = lost || !both();
    if (router->restart_status().restarting) {
      // Nothing goes to a peer before the restart completes, End-of-RIB included.
      for (const Server* n : {&n1, &n2}) {
        const auto peer = n->Peers()[0];  // the counters are the new session's once it is up
        early = early || (peer.state == State::kEstablished && peer.updates_received > 0);
      }
    }
    return !router->restart_status().restarting;
  }));
  CHECK_FALSE(lost);
  CHECK_FALSE(early);
  const auto st = router->restart_status();
  CHECK(st.ended_by == "end-of-rib");
  CHECK(st.end_of_rib.size() == 2);
  CHECK(st.token == "t1");
  CHECK(done.count == 1);
  // The tables and End-of-RIB went out: the nodes' stale paths are replaced.
  REQUIRE(RunUntil(io, [&] { return !n1.Peers()[0].stale && !n2.Peers()[0].stale; }));
  CHECK(*BestAsPath(n2, "10.241.1.0/24") == "65000 65100");
  CHECK(*BestAsPath(n1, "10.242.1.0/24") == "65000 65200");
  CHECK_FALSE(lost);
  for (const Server* n : {&n1, &n2}) {
    REQUIRE(n->Peers()[0].negotiated);
    CHECK(n->Peers()[0].negotiated->graceful_restart);
  }
  n1.Shutdown("done");
  n2.Shutdown("done");
  router->Shutdown("done");
  io.run_for(50ms);
}

TEST_CASE("restart: a planned peer that never comes back, the deferral timer ends the wait") {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  Server n1(io, Node("127.0.0.2", 65100, port, "10.241.1.0/24"), log);
  Server router(io, Restartable(port), log);
  RestartPlan plan;
  plan.peers = {Addr("127.0.0.2"), Addr("127.0.0.9")};
  plan.deferral = 1s;
  router.BeginRestart(plan);
  REQUIRE(router.Start());
  REQUIRE(n1.Start());
  REQUIRE(RunUntil(io, [&] { return BestAsPath(router, "10.241.1.0/24").has_value(); }));
  CHECK(router.restart_status().restarting);  // 127.0.0.9 is still awaited
  CHECK(n1.Peers()[0].updates_received == 0);
  REQUIRE(RunUntil(
      io, [&] { return !router.restart_status().restarting; }, 5s));
  const auto st = router.restart_status();
  CHECK(st.ended_by == "deferral timer");
  CHECK(st.end_of_rib == std::vector{Addr("127.0.0.2")});
  CHECK(st.elapsed >= 1s);
  // The waiting peer gets its table and End-of-RIB now.
  REQUIRE(RunUntil(io, [&] { return n1.Peers()[0].updates_received > 0; }));
  n1.Shutdown("done");
  router.Shutdown("done");
  io.run_for(50ms);
}

TEST_CASE("restart: with nobody to wait for it completes at once, and new OPENs are plain") {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  Server router(io, Restartable(port), log);
  router.BeginRestart(RestartPlan{});
  REQUIRE(router.Start());
  REQUIRE(RunUntil(
      io, [&] { return !router.restart_status().restarting; }, 1s));
  CHECK(router.restart_status().ended_by == "end-of-rib");
  Server n1(io, Node("127.0.0.2", 65100, port, "10.241.1.0/24"), log);
  REQUIRE(n1.Start());
  REQUIRE(RunUntil(io, [&] { return n1.Peers()[0].updates_received > 0; }));
  n1.Shutdown("done");
  router.Shutdown("done");
  io.run_for(50ms);
}
