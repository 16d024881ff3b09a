// Tests for bgp/rib/rib: withdrawals of every kind, peer down, graceful restart, import
// policy and max-prefix, counts, and what a ChangeSet says.
#include "bgp/rib/rib.h"

#include <doctest/doctest.h>

#include "tests/alloc_counter.h"
#include "tests/bgp/rib/rib_fixtures.h"
#include "tests/test_util.h"

using namespace bgpdemo::bgp;
using namespace bgpdemo::bgp::rib;
using namespace bgpdemo::test;

namespace {

const auto kAccept = policy::ImportPolicy{policy::Filter::AcceptAll(), std::nullopt};
// Functions, not globals: the builders use doctest assertions.
PeerInfo PeerA() {
  return Peer(1, "172.18.0.2", 65100, "1.1.1.1");
}
PeerInfo PeerB() {
  return Peer(2, "172.18.0.3", 65100, "2.2.2.2");
}

struct TwoPeers {
  Rib rib{RibOptions{65000, Id("10.255.0.1")}};
  TwoPeers() {
    (void)rib.SetPeer(PeerA(), kAccept);
    (void)rib.SetPeer(PeerB(), kAccept);
  }
};

}  // namespace

TEST_CASE("rib: announce then withdraw") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  auto cs = rib.Update(1, Announce(Attrs().Path({65100}), {"10.241.0.0/24", "10.241.1.0/24"}));
  REQUIRE(cs.changes.size() == 2);
  CHECK(cs.changes[0].prefix == P("10.241.0.0/24"));
  REQUIRE(cs.changes[0].best);
  CHECK(cs.changes[0].best->peer == 1);
  CHECK(cs.changes[0].best->reason == Reason::kOnlyPath);
  CHECK(cs.changes[0].best_changed);
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == 2);
  CHECK(rib.attr_store().size() == 1);  // both prefixes share one set
  CHECK(rib.Counts(1, wire::kIpv4Unicast).received == 2);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).accepted == 2);

  cs = rib.Update(1, Withdraw({"10.241.0.0/24"}));
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].prefix == P("10.241.0.0/24"));
  CHECK(!cs.changes[0].best);
  CHECK(cs.changes[0].best_changed);
  CHECK(rib.Paths(P("10.241.0.0/24")).empty());
  CHECK(rib.Counts(1, wire::kIpv4Unicast).received == 1);

  // Withdrawing what is not there, or what another peer has, changes nothing.
  CHECK(rib.Update(1, Withdraw({"10.241.0.0/24", "192.0.2.0/24"})).empty());
  CHECK(rib.Update(2, Withdraw({"10.241.1.0/24"})).empty());
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == 1);

  cs = rib.Update(1, Withdraw({"10.241.1.0/24"}));
  CHECK(cs.changes.size() == 1);
  CHECK(rib.attr_store().size() == 0);  // the last route with the set is gone
}

TEST_CASE("rib: implicit withdraw replaces the peer's path") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  (void)rib.Update(1, Announce(Attrs().Med(10), {"10.241.0.0/24"}));
  auto cs = rib.Update(1, Announce(Attrs().Med(20), {"10.241.0.0/24"}));
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].best_changed);
  CHECK(cs.changes[0].best->attrs->med() == 20);
  CHECK(rib.Paths(P("10.241.0.0/24")).size() == 1);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).received == 1);
  CHECK(rib.attr_store().size() == 1);  // the MED 10 set went with its last route

  // The same announcement again is not a change.
  CHECK(rib.Update(1, Announce(Attrs().Med(20), {"10.241.0.0/24"})).empty());
}

TEST_CASE("rib: treat-as-withdraw withdraws every prefix the UPDATE carries") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  (void)rib.Update(1, Announce(Attrs(), {"10.241.0.0/24", "10.241.1.0/24", "fd00:1::/48"}));
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == 2);
  CHECK(rib.PrefixCount(wire::kIpv6Unicast) == 1);
  // RFC 7606 §2: e.g. a malformed COMMUNITIES in an UPDATE re-announcing the routes.
  wire::Update bad = Announce(Attrs().Community(1), {"10.241.0.0/24", "fd00:1::/48"});
  bad.action = wire::Action::kTreatAsWithdraw;
  auto cs = rib.Update(1, bad);
  CHECK(cs.changes.size() == 2);
  for (const auto& c : cs.changes) CHECK(!c.best);
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == 1);
  CHECK(rib.PrefixCount(wire::kIpv6Unicast) == 0);
  // A treat-as-withdraw for routes never announced changes nothing.
  bad.nlri = {P("192.0.2.0/24")};
  bad.attrs.mp_reach.reset();
  CHECK(rib.Update(1, bad).empty());
}

TEST_CASE("rib: IPv6 through MP_REACH and MP_UNREACH, IPv4 through MP_REACH") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  auto cs = rib.Update(1, Announce(Attrs(), {"fd00:10::/64"}, "fd00::2"));
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].prefix == P("fd00:10::/64"));
  const auto& attrs = cs.changes[0].best->attrs;
  CHECK(attrs->next_hop() == Ip("fd00::2"));
  CHECK(!attrs.attrs().next_hop);  // RFC 4760 §3: NEXT_HOP is not an MP route's
  CHECK(rib.Counts(1, wire::kIpv6Unicast).accepted == 1);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).accepted == 0);

  // IPv4 unicast carried in MP_REACH with an IPv4 next hop is the same as NEXT_HOP.
  wire::Update v4mp;
  v4mp.attrs = Attrs().Nh("10.0.0.7");
  v4mp.attrs.next_hop.reset();
  v4mp.attrs.mp_reach =
      wire::MpReach{wire::kIpv4Unicast, Ip("10.0.0.7"), std::nullopt, 0, {P("10.241.9.0/24")}};
  (void)rib.Update(2, v4mp);
  (void)rib.Update(2, Announce(Attrs().Nh("10.0.0.7"), {"10.241.8.0/24"}));
  CHECK(rib.Best(P("10.241.9.0/24"))->attrs == rib.Best(P("10.241.8.0/24"))->attrs);

  cs = rib.Update(1, Withdraw({"fd00:10::/64"}));
  REQUIRE(cs.changes.size() == 1);
  CHECK(!cs.changes[0].best);
  CHECK(rib.PrefixCount(wire::kIpv6Unicast) == 0);
}

TEST_CASE("rib: a prefix both withdrawn and announced in one UPDATE ends up installed") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  wire::Update u = Announce(Attrs(), {"10.241.0.0/24"});
  u.withdrawn = {P("10.241.0.0/24")};
  (void)rib.Update(1, u);
  CHECK(rib.Best(P("10.241.0.0/24")));
}

TEST_CASE("rib: the second-best path takes over when the best is withdrawn") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  (void)rib.Update(2, Announce(Attrs().Nh("172.18.0.3"), {"10.241.0.0/24"}));
  auto cs = rib.Update(1, Announce(Attrs().Nh("172.18.0.2"), {"10.241.0.0/24"}));
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].best->peer == 1);  // lower router id
  CHECK(cs.changes[0].best->reason == Reason::kRouterId);
  cs = rib.Update(1, Withdraw({"10.241.0.0/24"}));
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].best->peer == 2);
  CHECK(cs.changes[0].best->reason == Reason::kOnlyPath);
}

TEST_CASE("rib: a change to a path that is not best is reported without best_changed") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  (void)rib.Update(1, Announce(Attrs(), {"10.241.0.0/24"}));
  (void)rib.Update(2, Announce(Attrs().Path({65100, 65100}), {"10.241.0.0/24"}));
  auto cs = rib.Update(2, Announce(Attrs().Path({65100, 65100, 65100}), {"10.241.0.0/24"}));
  REQUIRE(cs.changes.size() == 1);
  CHECK(!cs.changes[0].best_changed);
  CHECK(!cs.changes[0].multipath_changed);
  CHECK(cs.changes[0].best->peer == 1);
}

TEST_CASE("rib: peer down removes all its routes, the others take over") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  (void)rib.Update(1, Announce(Attrs(), {"10.241.0.0/24", "10.241.1.0/24", "fd00:1::/48"}));
  (void)rib.Update(2, Announce(Attrs().Nh("172.18.0.3"), {"10.241.1.0/24", "10.242.0.0/24"}));
  auto cs = rib.PeerDown(1);
  CHECK(cs.changes.size() == 3);
  int withdrawn = 0, moved = 0;
  for (const auto& c : cs.changes) {
    if (!c.best) ++withdrawn;
    if (c.best && c.best->peer == 2) ++moved;
  }
  CHECK(withdrawn == 2);
  CHECK(moved == 1);
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == 2);
  CHECK(rib.PrefixCount(wire::kIpv6Unicast) == 0);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).received == 0);
  CHECK(rib.Counts(2, wire::kIpv4Unicast).received == 2);
  CHECK(rib.Peer(1) != nullptr);  // still registered
  CHECK(rib.PeerDown(1).empty());

  cs = rib.RemovePeer(2);
  CHECK(cs.changes.size() == 2);
  CHECK(rib.Peer(2) == nullptr);
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == 0);
  CHECK(rib.attr_store().size() == 0);
}

TEST_CASE("rib: graceful restart keeps stale routes until End-of-RIB sweeps them") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  (void)rib.Update(1, Announce(Attrs(), {"10.241.0.0/24", "10.241.1.0/24", "fd00:1::/48"}));
  // RFC 4724 §4.2: the session drops, the peer is restarting.
  CHECK(rib.MarkStale(1) == 3);
  CHECK(rib.Best(P("10.241.0.0/24")));  // still used for forwarding
  CHECK(rib.Route(P("10.241.0.0/24"))->paths[0].stale);
  // After the restart it announces one of them again (with the same attributes): no change,
  // but no longer stale.
  CHECK(rib.Update(1, Announce(Attrs(), {"10.241.0.0/24"})).empty());
  CHECK(!rib.Route(P("10.241.0.0/24"))->paths[0].stale);
  // End-of-RIB for IPv4: the other IPv4 route was not re-announced.
  auto cs = rib.SweepStale(1, wire::kIpv4Unicast);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].prefix == P("10.241.1.0/24"));
  CHECK(!cs.changes[0].best);
  CHECK(rib.Best(P("fd00:1::/48")));  // IPv6 waits for its own End-of-RIB or the timer
  cs = rib.SweepStale(1, wire::kIpv6Unicast);
  CHECK(cs.changes.size() == 1);
  CHECK(rib.PrefixCount(wire::kIpv6Unicast) == 0);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).received == 1);
}

TEST_CASE("rib: RFC 8212 default deny for eBGP keeps routes out of the Loc-RIB") {
  Rib rib;
  (void)rib.SetPeer(PeerA(), policy::EffectiveImport({}, /*ibgp=*/false));
  auto cs = rib.Update(1, Announce(Attrs(), {"10.241.0.0/24", "10.241.1.0/24"}));
  CHECK(cs.empty());
  CHECK(!rib.Best(P("10.241.0.0/24")));
  CHECK(rib.Counts(1, wire::kIpv4Unicast).received == 2);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).accepted == 0);
  const auto route = rib.Route(P("10.241.0.0/24"));
  REQUIRE(route);
  CHECK(route->reason == Reason::kNone);
  CHECK(!route->paths[0].accepted);

  // Configuring a policy re-evaluates what the peer sent, without a ROUTE-REFRESH.
  auto entry = policy::ParsePrefixListEntry("permit 10.241.0.0/24");
  REQUIRE(entry);
  policy::PeerPolicyConfig config;
  config.import_filter = policy::Filter::Prefixes(policy::PrefixList{{*entry}});
  cs = rib.SetPeer(PeerA(), policy::EffectiveImport(config, false));
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].prefix == P("10.241.0.0/24"));
  CHECK(cs.changes[0].best);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).accepted == 1);

  // An iBGP peer with no policy accepts.
  (void)rib.SetPeer(Peer(3, "10.0.0.3", 0, "3.3.3.3", true), policy::EffectiveImport({}, true));
  (void)rib.Update(3, Announce(Attrs().Path({}), {"10.9.0.0/24"}));
  CHECK(rib.Best(P("10.9.0.0/24")));
}

TEST_CASE("rib: own AS in the AS_PATH and own ORIGINATOR_ID are loops") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  (void)rib.SetPeer(Peer(3, "10.0.0.3", 65000, "3.3.3.3", true), kAccept);
  (void)rib.Update(1, Announce(Attrs().Path({65100, 65000, 65200}), {"10.1.0.0/24"}));
  (void)rib.Update(3, Announce(Attrs().Path({}).Originator("10.255.0.1"), {"10.2.0.0/24"}));
  CHECK(!rib.Best(P("10.1.0.0/24")));
  CHECK(!rib.Best(P("10.2.0.0/24")));
  CHECK(rib.Counts(1, wire::kIpv4Unicast).received == 1);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).accepted == 0);
}

TEST_CASE("rib: max-prefix with teardown asks for Cease 6/1 with AFI, SAFI and the bound") {
  Rib rib;
  policy::ImportPolicy import = kAccept;
  import.max_prefix = policy::MaxPrefix{2, true};
  (void)rib.SetPeer(PeerA(), import);
  auto cs = rib.Update(1, Announce(Attrs(), {"10.0.0.0/24", "10.0.1.0/24"}));
  CHECK(!cs.cease);
  // Re-announcing a held prefix does not count again.
  CHECK(!rib.Update(1, Announce(Attrs().Med(1), {"10.0.1.0/24"})).cease);
  cs = rib.Update(1, Announce(Attrs(), {"10.0.2.0/24", "10.0.3.0/24"}));
  REQUIRE(cs.cease);
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == 2);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).discarded == 2);
  auto bytes = wire::EncodeMessage(wire::Message{*cs.cease}, wire::Context{});
  REQUIRE(bytes);
  CHECK(*bytes == Cat({Bytes(16, 0xff), H("001c 03 06 01 0001 01 00000002")}));

  // IPv6 counts on its own: AFI 2 in the data.
  import.max_prefix = policy::MaxPrefix{1, true};
  (void)rib.SetPeer(PeerB(), import);
  cs = rib.Update(2, Announce(Attrs(), {"fd00:1::/48", "fd00:2::/48"}));
  REQUIRE(cs.cease);
  CHECK(cs.cease->data == H("0002 01 00000001"));
}

TEST_CASE("rib: max-prefix without teardown discards past the limit and keeps going") {
  Rib rib;
  policy::ImportPolicy import = kAccept;
  import.max_prefix = policy::MaxPrefix{2, false};
  (void)rib.SetPeer(PeerA(), import);
  auto cs = rib.Update(1, Announce(Attrs(), {"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}));
  CHECK(!cs.cease);
  CHECK(cs.changes.size() == 2);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).accepted == 2);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).discarded == 1);
  // Room again after a withdraw.
  (void)rib.Update(1, Withdraw({"10.0.0.0/24"}));
  CHECK(rib.Update(1, Announce(Attrs(), {"10.0.2.0/24"})).changes.size() == 1);
}

TEST_CASE("rib: control API lookups list every path with its flags") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  (void)rib.Update(1, Announce(Attrs().Nh("172.18.0.2"), {"10.241.0.0/24"}));
  (void)rib.Update(2, Announce(Attrs().Nh("172.18.0.3"), {"10.241.0.0/24", "10.242.0.0/24"}));
  auto routes = rib.Routes(wire::kIpv4Unicast);
  REQUIRE(routes.size() == 2);
  const auto r = rib.Route(P("10.241.0.0/24"));
  REQUIRE(r);
  CHECK(r->reason == Reason::kRouterId);
  REQUIRE(r->paths.size() == 2);
  CHECK(r->paths[0].best);
  CHECK(r->paths[0].peer == 1);
  CHECK(r->paths[0].multipath);
  CHECK(r->paths[1].multipath);  // equal up to the router id, another next hop
  CHECK(!r->paths[1].best);
  std::size_t seen = 0;
  rib.ForEach(wire::kIpv4Unicast,
              [&](const wire::Prefix&, std::span<const Path> paths, Reason reason) {
                ++seen;
                CHECK(!paths.empty());
                CHECK(reason != Reason::kNone);
              });
  CHECK(seen == 2);
}

TEST_CASE("rib: announcing allocates per UPDATE, not per prefix") {
  Rib rib;
  (void)rib.SetPeer(PeerA(), kAccept);
  std::vector<wire::Update> updates(100);
  for (std::size_t u = 0; u < updates.size(); ++u) {
    updates[u].attrs = Attrs().Med(static_cast<std::uint32_t>(u));
    for (std::uint32_t i = 0; i < 1000; ++i) {
      updates[u].nlri.push_back(
          wire::Prefix::V4(0x0a000000u + static_cast<std::uint32_t>(u * 1000 + i) * 256u, 24));
    }
  }
  std::size_t allocations = 0;
  {
    CountAllocations counter;
    for (const auto& u : updates) (void)rib.Update(1, u);
    allocations = counter.count();
  }
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == 100'000);
  MESSAGE("allocations for 100,000 prefixes in 100 UPDATEs: ", allocations);
  CHECK(allocations < 100 * 20 + 200);
}

TEST_CASE("rib: changes name their item, Compact erases emptied items and reports moves") {
  TwoPeers fixture;
  Rib& rib = fixture.rib;
  auto cs = rib.Update(1, Announce(Attrs().Path({65100}), {"10.0.0.0/24", "10.0.1.0/24",
                                                           "10.0.2.0/24", "10.0.3.0/24"}));
  REQUIRE(cs.changes.size() == 4);
  for (const auto& c : cs.changes) {
    CHECK(rib.PrefixAt(wire::Afi::kIpv4, c.index) == c.prefix);
    CHECK(rib.At(wire::Afi::kIpv4, c.index).has_best());
  }
  // Withdrawn: the items stay, empty, until Compact; lookups no longer see them.
  cs = rib.Update(1, Withdraw({"10.0.0.0/24", "10.0.2.0/24"}));
  REQUIRE(cs.changes.size() == 2);
  CHECK(rib.At(wire::Afi::kIpv4, cs.changes[0].index).paths.empty());
  CHECK(rib.TableSize(wire::Afi::kIpv4) == 4);
  CHECK(rib.PrefixCount(wire::kIpv4Unicast) == 2);
  CHECK(rib.Paths(P("10.0.0.0/24")).empty());
  std::size_t routes = 0;
  rib.ForEach(wire::kIpv4Unicast, [&](const wire::Prefix&, auto, Reason) { ++routes; });
  CHECK(routes == 2);

  // A follower (the export's parallel arrays) that applies each move in turn ends with
  // the RIB's order: here 10.0.3 moves into 2, then on into 0.
  std::vector<std::pair<std::size_t, std::size_t>> moves;
  std::vector<wire::Prefix> follower;
  for (std::size_t i = 0; i < rib.TableSize(wire::Afi::kIpv4); ++i) {
    follower.push_back(rib.PrefixAt(wire::Afi::kIpv4, i));
  }
  rib.Compact([&](wire::Afi afi, std::size_t from, std::size_t to) {
    CHECK(afi == wire::Afi::kIpv4);
    moves.emplace_back(from, to);
    follower[to] = follower[from];
  });
  CHECK(rib.TableSize(wire::Afi::kIpv4) == 2);
  CHECK(moves == std::vector<std::pair<std::size_t, std::size_t>>{{3, 2}, {2, 0}});
  follower.resize(rib.TableSize(wire::Afi::kIpv4));
  for (std::size_t i = 0; i < follower.size(); ++i) {
    CHECK(follower[i] == rib.PrefixAt(wire::Afi::kIpv4, i));
  }
  CHECK(rib.PrefixAt(wire::Afi::kIpv4, 0) == P("10.0.3.0/24"));
  CHECK(rib.Best(P("10.0.1.0/24")).has_value());
  CHECK(rib.Best(P("10.0.3.0/24")).has_value());

  // Emptied and announced again before Compact: the item stays where it is.
  (void)rib.Update(1, Withdraw({"10.0.1.0/24"}));
  cs = rib.Update(2, Announce(Attrs().Path({65100}), {"10.0.1.0/24"}));
  REQUIRE(cs.changes.size() == 1);
  moves.clear();
  rib.Compact([&](wire::Afi, std::size_t from, std::size_t to) { moves.emplace_back(from, to); });
  CHECK(moves.empty());
  CHECK(rib.PrefixAt(wire::Afi::kIpv4, cs.changes[0].index) == P("10.0.1.0/24"));
  CHECK(rib.Best(P("10.0.1.0/24"))->peer == 2);
}
