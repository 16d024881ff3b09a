// Tests for core/router_config: the route server's YAML, and every error's exact message.
#include "core/router_config.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/test_util.h"

using bgpdemo::core::ParseRouterConfig;
using namespace bgpdemo::bgp::server;

namespace {

std::string ErrorOf(const std::string& yaml) {
  auto r = ParseRouterConfig(yaml, "router.yaml");
  REQUIRE_FALSE(r);
  return r.error();
}

}  // namespace

TEST_CASE("router config: the demo's example parses to what it says") {
  auto c = bgpdemo::core::LoadRouterConfig(std::string(BGPDEMO_SOURCE_DIR) +
                                           "/examples/router/demo.yaml");
  REQUIRE(c);
  CHECK(c->local_as == 65000);
  CHECK(c->mode == bgpdemo::bgp::policy::Mode::kRouter);
  CHECK(c->listen_port == 179);
  CHECK(c->listen_addresses.empty());
  REQUIRE(c->neighbors.size() == 2);
  CHECK(c->neighbors[0].name == "cilium");
  CHECK(c->neighbors[0].range->ToString() == "172.22.0.0/16");
  CHECK(c->neighbors[0].peer_as == 65100);
  CHECK(c->neighbors[0].passive);
  CHECK(c->neighbors[0].policy.import_filter == bgpdemo::bgp::policy::Filter::AcceptAll());
  CHECK(c->neighbors[0].policy.export_filter == bgpdemo::bgp::policy::Filter::AcceptAll());
  CHECK(c->neighbors[1].range->ToString() == "172.25.0.0/16");
  CHECK(c->neighbors[1].peer_as == 65200);
}

TEST_CASE("router config: the route-server example parses, with prefix lists and MD5") {
  // It holds a password: refused while group or others may read it, with the fix.
  const bgpdemo::test::TempDir dir;
  const std::string path = dir.path + "/route-server.yaml";
  {
    std::ofstream(path) << bgpdemo::test::ReadText(std::string(BGPDEMO_SOURCE_DIR) +
                                                   "/examples/router/route-server.yaml");
  }
  for (const auto& entry :
       {std::pair{0644, "group and others"}, {0640, "its group"}, {0602, "others"}}) {
    const int mode = entry.first;
    const char* who = entry.second;
    CAPTURE(mode);
    REQUIRE(::chmod(path.c_str(), static_cast<mode_t>(mode)) == 0);
    auto refused = bgpdemo::core::LoadRouterConfig(path);
    REQUIRE_FALSE(refused);
    CHECK(refused.error() ==
          fmt::format("{0}: holds TCP MD5 passwords (neighbor \"member-b\") and is readable or "
                      "writable by {1} (mode {2:04o}); the router does not run with keys others "
                      "can read. Fix: chmod 0600 {0}",
                      path, who, mode));
    CHECK(refused.error().find("shared secret") == std::string::npos);
  }
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  auto c = bgpdemo::core::LoadRouterConfig(path);
  REQUIRE(c);
  CHECK(c->mode == bgpdemo::bgp::policy::Mode::kRouteServer);
  REQUIRE(c->neighbors.size() == 3);
  const auto& a = c->neighbors[0];
  CHECK(a.address->ToString() == "10.0.0.11");
  REQUIRE(a.policy.max_prefix);
  CHECK(a.policy.max_prefix->limit == 1000u);
  REQUIRE(a.policy.import_filter);
  REQUIRE(a.policy.import_filter->kind == bgpdemo::bgp::policy::FilterKind::kPrefixList);
  REQUIRE(a.policy.import_filter->list.entries.size() == 2);
  CHECK(a.policy.import_filter->list.entries[1].le == 24);
  CHECK(a.policy.import_filter->Permits(*bgpdemo::bgp::wire::Prefix::Parse("10.241.7.0/24")));
  CHECK_FALSE(a.policy.import_filter->Permits(*bgpdemo::bgp::wire::Prefix::Parse("10.241.7.0/25")));
  CHECK(c->neighbors[1].password == "shared secret");
  CHECK(c->neighbors[1].ttl_security);
  CHECK_FALSE(c->neighbors[0].ttl_security);
  CHECK(c->neighbors[2].passive);
}

TEST_CASE("router config: graceful restart of the router itself, off unless asked for") {
  auto plain = ParseRouterConfig("router_id: 10.0.0.1\nlocal_as: 65000\n", "router.yaml");
  REQUIRE(plain);
  CHECK_FALSE(plain->graceful_restart);
  CHECK(plain->restart_time == 120);
  auto on = ParseRouterConfig(
      "router_id: 10.0.0.1\nlocal_as: 65000\ngraceful_restart: true\nrestart_time: 60\n",
      "router.yaml");
  REQUIRE(on);
  CHECK(on->graceful_restart);
  CHECK(on->restart_time == 60);
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 65000\nrestart_time: 4096\n") ==
        "router.yaml:3:15: restart_time: \"4096\" is not a restart time in seconds (1..4095)");
}

TEST_CASE("router config: extended messages (RFC 8654), off unless asked for") {
  auto plain = ParseRouterConfig("router_id: 10.0.0.1\nlocal_as: 65000\n", "router.yaml");
  REQUIRE(plain);
  CHECK_FALSE(plain->offer_extended_message);
  auto on = ParseRouterConfig("router_id: 10.0.0.1\nlocal_as: 65000\nextended_messages: true\n",
                              "router.yaml");
  REQUIRE(on);
  CHECK(on->offer_extended_message);
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 65000\nextended_messages: 65535\n") ==
        "router.yaml:3:20: extended_messages: \"65535\" is not true or false");
}

TEST_CASE("router config: errors name file, line, column, field and what is valid") {
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 0\n") ==
        "router.yaml:2:11: local_as: \"0\" is not a valid AS number (1..4294967295)");
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 23456\n") ==
        "router.yaml:2:11: local_as: 23456 is AS_TRANS (RFC 6793), not a real AS; expected "
        "1..4294967295");
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 65000\nmode: bird\n") ==
        "router.yaml:3:7: mode: \"bird\" is not router or route-server");
  CHECK(ErrorOf("router_id: fd00::1\nlocal_as: 65000\n") ==
        "router.yaml:1:12: router_id: must be a non-zero IPv4 address (RFC 6286)");
  CHECK(ErrorOf("local_as: 65000\n") ==
        "router.yaml:1:1: router_id: missing (an IPv4 address, e.g. 10.0.0.1)");
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 65000\nneighbours: []\n") ==
        "router.yaml:3:1: neighbours: unknown key; valid keys here: router_id, local_as, mode, "
        "listen, timers, neighbors, hostname, originate, fib, extended_next_hop, "
        "extended_messages, graceful_restart, restart_time");
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 65000\nneighbors:\n  - range: 172.22.0.1/16\n"
                "    peer_as: 65100\n") ==
        "router.yaml:4:12: neighbors[0].range: \"172.22.0.1/16\" is not a prefix like "
        "172.22.0.0/16 (no host bits set)");
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 65000\nneighbors:\n  - address: 10.0.0.2\n") ==
        "router.yaml:4:5: neighbors[0]: missing peer_as");
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 65000\nneighbors:\n"
                "  - {address: 10.0.0.2, peer_as: 1}\n  - {address: 10.0.0.2, peer_as: 2, "
                "name: b}\n") ==
        "router.yaml:5:5: neighbors[1].address: 10.0.0.2 is already the address of neighbor "
        "\"10.0.0.2\"");
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 65000\nneighbors:\n"
                "  - {range: 10.0.0.0/8, peer_as: 1, passive: false}\n") ==
        "router.yaml:4:46: neighbors[0].passive: a range of dynamic neighbors is always passive");
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 65000\ntimers: {hold_time: 2}\n") ==
        "router.yaml:3:21: timers.hold_time: hold time must be 0 or at least 3 seconds "
        "(RFC 4271 §4.2)");
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 65000\nneighbors:\n"
                "  - {address: 10.0.0.2, peer_as: 1, import: [10.0.0.0/8 le 4]}\n") ==
        "router.yaml:4:46: neighbors[0].import[0]: le 4 is shorter than the prefix length 8 of "
        "10.0.0.0/8; use a value from 8 to 32");
  CHECK(ErrorOf("router_id: [1\n") .find("router.yaml:") == 0);  // YAML syntax, with position
  CHECK(ErrorOf("") == "router.yaml: the file is empty");
}

TEST_CASE("router config: peer_as any on a range, refused on one peer") {
  auto c = ParseRouterConfig(
      "router_id: 10.0.0.1\nlocal_as: 65000\nneighbors:\n"
      "  - {name: cluster, range: 10.244.0.0/16, peer_as: any}\n"
      "  - {address: 10.0.0.2, peer_as: 65001}\n",
      "router.yaml");
  REQUIRE(c);
  REQUIRE(c->neighbors.size() == 2);
  CHECK(c->neighbors[0].peer_as == kAnyPeerAs);
  CHECK(c->neighbors[0].passive);
  CHECK(c->neighbors[1].peer_as == 65001);
  CHECK(ErrorOf("router_id: 10.0.0.1\nlocal_as: 65000\nneighbors:\n"
                "  - {address: 10.0.0.2, peer_as: any}\n") ==
        "router.yaml:4:34: neighbors[0].peer_as: any is for a range of dynamic neighbors; one "
        "peer address needs its AS number");
}
