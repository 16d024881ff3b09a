// Tests for `bgpdemo router` (cli/router_command.cpp), in-process through cli::Main: exit
// codes by error kind, and the peers/routes tables of a running router.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/exit_codes.h"
#include "core/router_service.h"
#include "tests/test_util.h"

using bgpdemo::Error;
using bgpdemo::ErrorKind;
using bgpdemo::test::Bgpdemo;
namespace cli = bgpdemo::cli;

TEST_CASE("exit codes: each error kind has its exit code") {
  CHECK(cli::ExitCodeFor(Error(ErrorKind::kFailed, "x")) == 1);
  CHECK(cli::ExitCodeFor(Error::Usage("x")) == 2);
  CHECK(cli::ExitCodeFor(Error::Input("x")) == 3);
  CHECK(cli::ExitCodeFor(Error::Environment("x")) == 4);
  CHECK(cli::ExitCodeFor(Error::Command({{"false"}, 1, false, ""}, "x")) == 1);
  CHECK(cli::ExitCodeFor(Error::Internal("x")) == 70);
}

TEST_CASE("router: running without --config is a usage error (exit 2)") {
  auto r = Bgpdemo({"router", "--socket", "/tmp/bgpdemo-unused.sock"});
  CHECK(r.code == 2);
  CHECK(r.err ==
        "bgpdemo router: --config FILE is required to run the router (or use `bgpdemo router "
        "peers|routes` to query one)\n");
  CHECK(r.out.empty());
}

TEST_CASE("router: a config file that is missing or invalid exits 3 and names the file") {
  auto r = Bgpdemo({"router", "--config", "/tmp/bgpdemo-no-such-router.yaml", "--socket",
                    "/tmp/bgpdemo-unused.sock"});
  CHECK(r.code == 3);
  CHECK(r.err.find("bgpdemo router: /tmp/bgpdemo-no-such-router.yaml") == 0);

  const std::string path = "/tmp/bgpdemo-router-test-" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << "router_id: 127.0.0.1\nlocal_as: 0\n";
  r = Bgpdemo({"router", "--config", path, "--socket", "/tmp/bgpdemo-unused.sock"});
  ::unlink(path.c_str());
  CHECK(r.code == 3);
  CHECK(r.err.find("bgpdemo router: " + path + ":2:11: local_as: ") == 0);
}

TEST_CASE("router peers: no router on the socket exits 4 and says so") {
  auto r = Bgpdemo({"router", "peers", "--socket", "/tmp/bgpdemo-no-router-here.sock"});
  CHECK(r.code == 4);
  CHECK(r.err.find("bgpdemo router peers: cannot connect to /tmp/bgpdemo-no-router-here.sock: ") ==
        0);
  CHECK(r.out.empty());
}

TEST_CASE("router peers and routes: tables and JSON from a running router") {
  const std::string base = "/tmp/bgpdemo-router-test-" + std::to_string(::getpid());
  const std::string config = base + ".yaml";
  const std::string socket = base + ".sock";
  std::ofstream(config) << "router_id: 127.0.0.1\nlocal_as: 65000\n"
                           "listen:\n  addresses: [127.0.0.1]\n  port: 0\n"
                           "originate: [192.0.2.0/24, 2001:db8::/48]\n";
  std::ostringstream log;  // written by the router's thread, read after it ends
  auto done = std::async(std::launch::async, [&] {
    return bgpdemo::core::RunRouterService({config, socket, "warn"}, log);
  });
  // The router answers once its signal handlers are in place.
  bool up = false;
  for (int i = 0; i < 500 && !up; ++i) {
    if (done.wait_for(std::chrono::milliseconds(20)) == std::future_status::ready) break;
    up = bgpdemo::core::QueryRouter(socket, bgpdemo::core::RouterQuery::kPeers).has_value();
  }
  if (up) {
    auto routes = Bgpdemo({"router", "routes", "--socket", socket});
    CHECK(routes.code == 0);
    CHECK(routes.out ==
          "Prefix         Next Hop   AS Path  From   Reason     Paths\n"
          "192.0.2.0/24   127.0.0.1  (local)  local  only_path  1\n"
          "2001:db8::/48  ::         (local)  local  only_path  1\n");

    auto json = Bgpdemo({"router", "routes", "-o", "json", "--socket", socket});
    CHECK(json.code == 0);
    auto j = nlohmann::json::parse(json.out);
    REQUIRE(j.size() == 2);
    CHECK(j[0]["prefix"] == "192.0.2.0/24");
    CHECK(j[1]["family"] == "ipv6-unicast");
    CHECK(json.out == j.dump(2) + "\n");

    auto peers = Bgpdemo({"router", "peers", "--socket", socket});
    CHECK(peers.code == 0);
    CHECK(peers.out ==  // the header alone: no peers
          "Name  Peer Address  Local AS  Peer AS  State  Uptime  Hostname  Family  Received  "
          "Accepted  Advertised  Info\n");
    ::kill(::getpid(), SIGTERM);
  }
  REQUIRE(done.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto r = done.get();
  ::unlink(config.c_str());
  if (!r) FAIL("the router did not run: ", r.error().message());
  CHECK(up);
  CHECK(log.str().empty());  // warn and above only: a clean run logs nothing
}
