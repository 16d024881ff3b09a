// Tests for core/lab/gobgpd: the Cilium-like gobgpd configuration (checked by gobgpd's own
// dry run when gobgpd is installed), the conversion of `gobgp -j neighbor` to our peer JSON
// (a capture of gobgpd 3.10.0 in tests/data/gobgp/), and a real session between
// `bgpdemo router` and a GobgpdSpeaker in two namespaces (root and gobgpd; skips otherwise).
#include "core/lab/gobgpd.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/lab/netns.h"
#include "core/process.h"
#include "tests/core/lab/lab_fixture.h"
#include "tests/test_util.h"

using namespace bgpdemo;
using namespace bgpdemo::core;
using namespace bgpdemo::core::lab;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

SpeakerConfig WorkerSpeaker(bool graceful_restart = false) {
  SpeakerConfig c;
  c.node = "cilium-worker";
  c.netns = "bgpdemo-lab-cilium-worker";
  c.address = "172.22.0.3";
  c.router_id = "172.22.0.3";
  c.local_as = 65100;
  c.listen_port = 179;
  SpeakerNeighbor n;
  n.address = "172.22.0.254";
  n.peer_as = 65000;
  n.connect_retry = 5;
  n.graceful_restart = graceful_restart;
  n.restart_time = 120;
  c.neighbors.push_back(n);
  c.prefixes = {"10.241.1.0/24", "10.21.0.1/32"};
  return c;
}

// A temporary directory, removed on scope exit.
struct TempDir {
  std::string path = fmt::format("/tmp/bgpdemo-gobgpd-test-{}", ::getpid());
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// Polls fn (at most `limit`) until it returns true.
template <typename F>
bool WaitFor(F fn, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!fn()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

}  // namespace

TEST_CASE("gobgpd: the config is Cilium 1.14's GoBGP setup") {
  CHECK(
      GobgpdConfig(WorkerSpeaker()) ==
      R"(# gobgpd 3.10 for lab node cilium-worker, as Cilium 1.14's BGP Control Plane sets up its GoBGP.
[global.config]
  as = 65100
  router-id = "172.22.0.3"
  port = 179
  local-address-list = ["172.22.0.3"]
# Cilium never uses the routes it receives; GoBGP's global import policy applies to
# local routes too, hence allow-local (Cilium's pkg/bgpv1/gobgp/server.go).
[global.apply-policy.config]
  import-policy-list = ["allow-local"]
  default-import-policy = "reject-route"

[[policy-definitions]]
  name = "allow-local"
  [[policy-definitions.statements]]
    [policy-definitions.statements.conditions.bgp-conditions]
      route-type = "local"
    [policy-definitions.statements.actions]
      route-disposition = "accept-route"

[[neighbors]]
  [neighbors.config]
    neighbor-address = "172.22.0.254"
    peer-as = 65000
  [neighbors.timers.config]
    connect-retry = 5
    hold-time = 90
    keepalive-interval = 30
    idle-hold-time-after-reset = 5
  [neighbors.transport.config]
    passive-mode = false
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
)");
  const std::string gr = GobgpdConfig(WorkerSpeaker(true));
  CHECK(gr.find(R"(  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 120
    notification-enabled = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
)") != std::string::npos);
}

TEST_CASE("gobgpd: gobgpd -d accepts both configs") {
  if (FindProgram("gobgpd").empty()) {
    MESSAGE("skipped: gobgpd is not installed (apt-get install gobgpd)");
    return;
  }
  TempDir dir;
  for (bool gr : {false, true}) {
    const std::string path = dir.path + "/check.toml";
    std::ofstream(path) << GobgpdConfig(WorkerSpeaker(gr));
    auto r = RunProcess({"gobgpd", "-d", "-f", path}, {.timeout = 10s});
    REQUIRE(r);
    CHECK_MESSAGE(r->exit_code == 0, FormatFailure({"gobgpd", "-d", "-f", path}, *r));
  }
}

TEST_CASE("gobgpd: gobgp -j neighbor (3.10.0) becomes our peer JSON") {
  const json established =
      json::parse(test::ReadText(test::DataPath("gobgp/neighbor_established.json")));
  // gobgp gives the time the session came up; we give its age.
  const std::int64_t now =
      established["timers"]["state"]["uptime"]["seconds"].get<std::int64_t>() + 42;
  const json up = PeerJsonFromGobgp(established, "c1n1", now);
  CHECK(up["node"] == "c1n1");
  CHECK(up["address"] == "10.198.3.1");
  CHECK(up["local_asn"] == 65100);
  CHECK(up["peer_asn"] == 65000);
  CHECK(up["state"] == "established");
  CHECK(up["uptime_seconds"] == 42);
  CHECK(up["hostname"] == "route-server");  // the peer's FQDN capability
  CHECK(up["router_id"] == "10.198.3.1");
  CHECK(up["hold_time"] == 90);
  CHECK(up["local_address"] == "10.198.3.2");
  CHECK(up["extended_next_hop"] == false);
  CHECK(up["graceful_restart"] == true);
  CHECK(up["last_error"] == "");
  CHECK(up["messages_received"].get<int>() > 0);
  REQUIRE(up["families"].size() == 2);
  CHECK(up["families"][0] == json{{"afi", 1},
                                  {"safi", 1},
                                  {"family", "ipv4-unicast"},
                                  {"received", 1},
                                  {"accepted", 1},
                                  {"advertised", 2}});
  CHECK(up["families"][1] == json{{"afi", 2},
                                  {"safi", 1},
                                  {"family", "ipv6-unicast"},
                                  {"received", 0},
                                  {"accepted", 0},
                                  {"advertised", 0}});

  // A family configured here that the peer did not offer is not negotiated: not listed.
  json v4_only = established;
  auto& caps = v4_only["state"]["remote_cap"];
  for (auto it = caps.begin(); it != caps.end();) {
    it = (*it)["value"] == "CgQIAhAB" ? caps.erase(it) : it + 1;  // MP ipv6 unicast
  }
  const json v4 = PeerJsonFromGobgp(v4_only, "c1n1", now);
  REQUIRE(v4["families"].size() == 1);
  CHECK(v4["families"][0]["family"] == "ipv4-unicast");

  const json idle = json::parse(test::ReadText(test::DataPath("gobgp/neighbor_active.json")));
  const json down = PeerJsonFromGobgp(idle, "c1n1", 1795666000);
  CHECK(down["state"] == "active");
  CHECK(down["uptime_seconds"] == 0);
  CHECK(down["families"] == json::array());
  CHECK(down["peer_asn"] == 65000);

  // Other gobgp versions print the state as a name.
  CHECK(PeerJsonFromGobgp(json{{"state", {{"session_state", "SESSION_STATE_OPENCONFIRM"}}}}, "n",
                          0)["state"] == "open_confirm");
  CHECK(PeerJsonFromGobgp(json::object(), "n", 0)["state"] == "unknown");
  // Garbage of the wrong types never throws.
  CHECK(PeerJsonFromGobgp(json{{"conf", 3},
                               {"state", {{"session_state", 6}, {"remote_cap", "x"}}},
                               {"afi_safis", {1, 2}},
                               {"timers", nullptr}},
                          "n", 0)["families"] == json::array());
}

TEST_CASE("gobgpd (root, netns): a GobgpdSpeaker peers with bgpdemo router, Stop leaves nothing") {
  if (auto why = test::RootSkipReason(); !why.empty()) {
    MESSAGE("skipped: " << why);
    return;
  }
  if (FindProgram("gobgpd").empty() || FindProgram("gobgp").empty()) {
    MESSAGE("skipped: gobgpd and gobgp are not installed (apt-get install gobgpd)");
    return;
  }
  test::TestNamespaces nss;
  const std::string rns = nss.Make("r");
  const std::string nns = nss.Make("n1");
  REQUIRE(IpBatch(rns, {fmt::format("link add eth0 type veth peer name eth0 netns {}", nns),
                        "addr add 10.198.3.1/24 dev eth0", "link set eth0 up"}));
  REQUIRE(IpBatch(nns, {"addr add 10.198.3.2/24 dev eth0", "link set eth0 up"}));
  TempDir dir;

  SpeakerConfig cfg;
  cfg.node = "c1n1";
  cfg.netns = nns;
  cfg.address = "10.198.3.2";
  cfg.router_id = "10.198.3.2";
  cfg.local_as = 65100;
  cfg.neighbors.push_back({.address = "10.198.3.1", .peer_as = 65000, .connect_retry = 5});
  cfg.prefixes = {"10.241.1.0/24", "10.21.0.1/32"};
  GobgpdSpeaker speaker(cfg);
  const auto t0 = std::chrono::steady_clock::now();
  auto started = speaker.Start(dir.path);
  REQUIRE_MESSAGE(started, (started ? "" : started.error()));
  const pid_t pid = speaker.pid();
  CHECK(pid > 0);
  CHECK(speaker.Running());
  MESSAGE("gobgpd started, API up and 2 prefixes added in "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");

  // Then the router, which dials the node at once (a static neighbor): gobgpd's own first
  // dial waits 5-10 s (GoBGP 3.10: rand(5)+5 s).
  const std::string router_cfg = dir.path + "/router.yaml";
  std::ofstream(router_cfg) << R"(router_id: 10.198.3.1
local_as: 65000
hostname: route-server
listen:
  addresses: [10.198.3.1]
  port: 179
fib:
  install: false
neighbors:
  - name: c1n1
    address: 10.198.3.2
    peer_as: 65100
    import: all
    export: all
)";
  const std::string sock = dir.path + "/router.sock";
  auto router = SpawnDetached({BGPDEMO_BINARY, "router", "--config", router_cfg, "--socket", sock},
                              {.netns = rns, .log_file = dir.path + "/router.log"});
  REQUIRE_MESSAGE(router, (router ? "" : router.error()));
  struct StopRouter {
    pid_t pid;
    ~StopRouter() { (void)StopProcess(pid); }
  } stop_router{*router};
  auto router_peers = [&]() -> json {
    auto r = RunProcess({BGPDEMO_BINARY, "router", "peers", "--socket", sock, "-o", "json"},
                        {.timeout = 5s});
    if (!r || r->exit_code != 0) return json::array();
    return json::parse(r->out, nullptr, false);
  };

  json peers;
  const bool up = WaitFor(
      [&] {
        auto p = speaker.PeersJson();
        if (!p) return false;
        peers = *p;
        return peers.size() == 1 && peers[0]["state"] == "established" &&
               !peers[0]["families"].empty() && peers[0]["families"][0]["advertised"] == 2;
      },
      20s);
  REQUIRE_MESSAGE(up, peers.dump());
  MESSAGE("session established and both prefixes advertised after "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");
  const json& p = peers[0];
  CHECK(p["node"] == "c1n1");
  CHECK(p["address"] == "10.198.3.1");
  CHECK(p["local_asn"] == 65100);
  CHECK(p["peer_asn"] == 65000);
  CHECK(p["hostname"] == "route-server");
  CHECK(p["local_address"] == "10.198.3.2");
  CHECK(p["hold_time"] == 90);

  // The router's side: the session, gobgpd's hostname (its UTS namespace), both prefixes.
  json rp;
  CHECK(WaitFor(
      [&] {
        rp = router_peers();
        return rp.is_array() && rp.size() == 1 && rp[0]["state"] == "established" &&
               !rp[0]["families"].empty() && rp[0]["families"][0]["received"] == 2;
      },
      10s));
  INFO(rp.dump());
  REQUIRE(rp.size() == 1);
  CHECK(rp[0]["hostname"] == "c1n1");
  CHECK(rp[0]["extended_next_hop"] == true);
  std::vector<std::string> families;
  for (const auto& f : rp[0]["families"]) families.push_back(f["family"]);
  CHECK(families == std::vector<std::string>{"ipv4-unicast", "ipv6-unicast"});
  auto routes = RunProcess({BGPDEMO_BINARY, "router", "routes", "--socket", sock, "-o", "json"},
                           {.timeout = 5s});
  REQUIRE(routes);
  const json rj = json::parse(routes->out, nullptr, false);
  std::map<std::string, std::string> best;
  for (const auto& r : rj) {
    for (const auto& path : r["paths"]) {
      if (path["best"] == true) best[r["prefix"]] = path["next_hop"];
    }
  }
  CHECK(best == std::map<std::string, std::string>{{"10.21.0.1/32", "10.198.3.2"},
                                                   {"10.241.1.0/24", "10.198.3.2"}});

  // A withdrawal reaches the router.
  REQUIRE(speaker.Withdraw("10.21.0.1/32"));
  CHECK(WaitFor(
      [&] {
        auto r = router_peers();
        return r.size() == 1 && !r[0]["families"].empty() && r[0]["families"][0]["received"] == 1;
      },
      10s));

  // The router goes away: the node's view says so, with gobgpd's reason.
  REQUIRE(StopProcess(*router));
  CHECK(WaitFor(
      [&] {
        auto p2 = speaker.PeersJson();
        return p2 && (*p2)[0]["state"] != "established" && (*p2)[0]["last_error"] != "";
      },
      10s));
  auto after = speaker.PeersJson();
  REQUIRE(after);
  MESSAGE("after the router stopped: " << (*after)[0].dump());

  REQUIRE(speaker.Stop());
  CHECK(speaker.pid() == 0);
  CHECK_FALSE(ProcessAlive(pid));
  CHECK(NetnsPids(nns).empty());
  CHECK(speaker.Stop());  // idempotent
}

TEST_CASE("gobgpd: Start reports gobgpd exiting at once with its log") {
  if (auto why = test::RootSkipReason(); !why.empty()) {
    MESSAGE("skipped: " << why);
    return;
  }
  if (FindProgram("gobgpd").empty()) {
    MESSAGE("skipped: gobgpd is not installed");
    return;
  }
  test::TestNamespaces nss;
  const std::string nns = nss.Make("bad");
  TempDir dir;
  SpeakerConfig cfg;
  cfg.node = "bad";
  cfg.netns = nns;
  cfg.address = "not-an-address";
  cfg.local_as = 65100;
  GobgpdSpeaker speaker(cfg, {.start_timeout = 5s});
  auto r = speaker.Start(dir.path);
  REQUIRE_FALSE(r);
  CHECK(r.error().find("node bad: gobgpd exited at start; the end of " + dir.path +
                       "/gobgpd-bad.log:") == 0);
  CHECK(speaker.pid() == 0);
  CHECK(NetnsPids(nns).empty());
}
