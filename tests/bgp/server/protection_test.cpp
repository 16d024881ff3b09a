// Session protection on loopback, no root needed: TCP MD5 keys (RFC 2385) that never show in
// a log line or the control API, and GTSM (RFC 5082) that drops what arrives below TTL 254.
//
// On loopback no hop decrements the TTL, so a sender's TTL arrives as sent: a speaker
// without GTSM sends with the default 64, which a GTSM speaker must drop.
#include <doctest/doctest.h>

#include <sstream>

#include "bgp/api/server_api.h"
#include "bgp/server/server.h"
#include "tests/bgp/server/loopback.h"

using namespace bgpdemo::bgp;
using bgpdemo::test::Addr;
using bgpdemo::test::BestAsPath;
using bgpdemo::test::FreePort;
using bgpdemo::test::NodeCfg;
using bgpdemo::test::RouterCfg;
using bgpdemo::test::RunUntil;
using server::RouterConfig;
using server::Server;
namespace asio = boost::asio;

namespace {

constexpr const char* kKey = "k3y-that-must-never-show";

// How long a session that should not come up is given: loopback sessions come up in ms.
constexpr std::chrono::milliseconds kQuiet{1500};

bool Established(const Server& s) {
  return s.established_count() > 0;
}

// Runs io for `d` and says whether `s` ever had an established session in that time.
bool EverEstablished(asio::io_context& io, const Server& s, std::chrono::milliseconds d) {
  return RunUntil(
      io, [&] { return Established(s); }, d);
}

}  // namespace

TEST_CASE("protection: an MD5 key brings the session up and is in no log line or peers JSON") {
  std::ostringstream log_text;
  StreamLogger log{log_text, LogLevel::kDebug};
  asio::io_context io;
  const auto port = FreePort();
  RouterConfig rc = RouterCfg(port);
  rc.neighbors[0].password = kKey;               // 127.0.0.2: the same key
  rc.neighbors[1].password = "a-different-key";  // 127.0.0.3: a wrong one
  RouterConfig good = NodeCfg("127.0.0.2", 65100, port, {"10.241.1.0/24"});
  good.neighbors[0].password = kKey;
  RouterConfig wrong = NodeCfg("127.0.0.3", 65200, port, {"10.242.1.0/24"});
  wrong.neighbors[0].password = kKey;
  wrong.neighbors[0].timers.connect_retry = 1;  // it retries, and is dropped each time
  Server router(io, rc, log);
  Server n1(io, good, log);
  Server n2(io, wrong, log);
  REQUIRE(router.Start());
  REQUIRE(n1.Start());
  REQUIRE(n2.Start());

  REQUIRE(RunUntil(io, [&] { return BestAsPath(router, "10.241.1.0/24").has_value(); }));
  // A mismatched key is dropped silently by the kernel, like an unreachable peer.
  CHECK_FALSE(EverEstablished(io, n2, kQuiet));
  CHECK(router.established_count() == 1);

  const std::string peers = api::PeersJson(router.Peers()).dump();
  CHECK(peers.find("\"tcp_md5\":true") != std::string::npos);
  CHECK(peers.find(kKey) == std::string::npos);
  CHECK(peers.find("a-different-key") == std::string::npos);
  CHECK(api::PeersJson(n2.Peers()).dump().find(kKey) == std::string::npos);
  n1.Shutdown("done");
  n2.Shutdown("done");
  router.Shutdown("done");
  io.run_for(std::chrono::milliseconds(50));
  // Debug level: every event the sessions logged, the failing connects' included.
  REQUIRE(log_text.str().find("established") != std::string::npos);
  CHECK(log_text.str().find(kKey) == std::string::npos);
  CHECK(log_text.str().find("a-different-key") == std::string::npos);
}

TEST_CASE("protection: GTSM neighbors only, a TTL 64 sender never gets a handshake") {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  RouterConfig rc = RouterCfg(port);
  for (auto& n : rc.neighbors) n.ttl_security = true;  // the listener drops far SYNs
  RouterConfig near = NodeCfg("127.0.0.2", 65100, port, {"10.241.1.0/24"});
  near.neighbors[0].ttl_security = true;
  RouterConfig far = NodeCfg("127.0.0.3", 65200, port, {"10.242.1.0/24"});  // sends at 64
  far.neighbors[0].timers.connect_retry = 1;
  Server router(io, rc, log);
  Server n1(io, near, log);
  Server n2(io, far, log);
  REQUIRE(router.Start());
  REQUIRE(n1.Start());
  REQUIRE(n2.Start());
  REQUIRE(RunUntil(io, [&] { return BestAsPath(router, "10.241.1.0/24").has_value(); }));
  CHECK_FALSE(EverEstablished(io, n2, kQuiet));
  CHECK(router.established_count() == 1);
  CHECK_FALSE(BestAsPath(router, "10.242.1.0/24").has_value());
  for (const auto& p : router.Peers()) CHECK(p.ttl_security);
  n1.Shutdown("done");
  n2.Shutdown("done");
  router.Shutdown("done");
  io.run_for(std::chrono::milliseconds(50));
}

TEST_CASE("protection: GTSM on one neighbor of a shared listener leaves the other alone") {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  RouterConfig rc = RouterCfg(port);
  rc.neighbors[0].ttl_security = true;  // 127.0.0.2 must be one hop away; 127.0.0.3 need not
  Server router(io, rc, log);
  Server far(io, NodeCfg("127.0.0.2", 65100, port, {"10.241.1.0/24"}), log);
  Server plain(io, NodeCfg("127.0.0.3", 65200, port, {"10.242.1.0/24"}), log);
  REQUIRE(router.Start());
  REQUIRE(far.Start());
  REQUIRE(plain.Start());
  REQUIRE(RunUntil(io, [&] { return BestAsPath(router, "10.242.1.0/24").has_value(); }));
  // The shared listener lets 127.0.0.2 shake hands; its segments after the accept are
  // dropped, so at the least its KEEPALIVE never arrives and the router never gets to
  // Established with it, nor learns its routes.
  CHECK_FALSE(RunUntil(
      io, [&] { return router.established_count() == 2; }, kQuiet));
  CHECK_FALSE(BestAsPath(router, "10.241.1.0/24").has_value());
  for (const auto& p : router.Peers()) {
    CHECK(p.ttl_security == (p.address == Addr("127.0.0.2")));
    if (p.address == Addr("127.0.0.2")) CHECK(p.state != State::kEstablished);
  }
  far.Shutdown("done");
  plain.Shutdown("done");
  router.Shutdown("done");
  io.run_for(std::chrono::milliseconds(50));
}

TEST_CASE("protection: a GTSM speaker drops a TTL 64 SYN-ACK: it never connects") {
  NullLogger log;
  asio::io_context io;
  const auto port = FreePort();
  Server router(io, RouterCfg(port), log);  // no GTSM anywhere: it answers at TTL 64
  RouterConfig node = NodeCfg("127.0.0.2", 65100, port, {"10.241.1.0/24"});
  node.neighbors[0].ttl_security = true;
  node.neighbors[0].timers.connect_retry = 1;
  Server n1(io, node, log);
  REQUIRE(router.Start());
  REQUIRE(n1.Start());
  CHECK_FALSE(EverEstablished(io, n1, kQuiet));
  CHECK_FALSE(Established(router));
  n1.Shutdown("done");
  router.Shutdown("done");
  io.run_for(std::chrono::milliseconds(50));
}
