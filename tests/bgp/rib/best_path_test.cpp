// Tests for bgp/rib/best_path through the Rib: one row per step of RFC 4271 §9.1.2.2, each
// with a loser that is better on every later step, asserting the winner and the reason.
#include "bgp/rib/best_path.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "bgp/rib/rib.h"
#include "tests/bgp/rib/rib_fixtures.h"

using namespace bgpdemo::bgp;
using namespace bgpdemo::bgp::rib;
using namespace bgpdemo::test;

namespace {

const auto kAccept = policy::ImportPolicy{policy::Filter::AcceptAll(), std::nullopt};

struct Side {
  PeerInfo peer;
  wire::PathAttributes attrs;
};

struct Row {
  const char* name;
  Side a;
  Side b;
  char winner;  // 'a' or 'b'
  Reason reason;
};

wire::AsSegment Seq(std::vector<std::uint32_t> asns) {
  return {wire::AsSegmentType::kSequence, std::move(asns)};
}
wire::AsSegment Set(std::vector<std::uint32_t> asns) {
  return {wire::AsSegmentType::kSet, std::move(asns)};
}

std::vector<Row> Rows() {
  return {
      {"local_pref: highest wins, before a shorter AS_PATH",
       {Peer(1, "10.0.0.2", 65000, "9.9.9.9", true), Attrs().LocalPref(200).Path({65001, 65002})},
       {Peer(2, "10.0.0.3", 65000, "1.1.1.1", true), Attrs().LocalPref(100).Path({65001})},
       'a',
       Reason::kLocalPref},
      {"local_pref: absent counts as 100",
       {Peer(1, "10.0.0.2", 65000, "9.9.9.9", true), Attrs().LocalPref(101)},
       {Peer(2, "10.0.0.3", 65000, "1.1.1.1", true), Attrs()},
       'a',
       Reason::kLocalPref},
      {"local_pref: ignored from eBGP (RFC 4271 §5.1.5)",
       {Peer(1, "10.0.0.2", 65001, "1.1.1.1"), Attrs().LocalPref(50)},
       {Peer(2, "10.0.0.3", 65002, "2.2.2.2"), Attrs().LocalPref(500).Path({65002})},
       'a',
       Reason::kRouterId},
      {"as_path_length: shortest wins, before a lower ORIGIN",
       {Peer(1, "10.0.0.2", 65001, "9.9.9.9"),
        Attrs().Path({65001}).Origin(wire::Origin::kIncomplete)},
       {Peer(2, "10.0.0.3", 65002, "1.1.1.1"), Attrs().Path({65002, 65003})},
       'a',
       Reason::kAsPathLength},
      {"as_path_length: an AS_SET counts 1",
       {Peer(1, "10.0.0.2", 65001, "9.9.9.9"), Attrs().Segments({Seq({65001}), Set({1, 2, 3})})},
       {Peer(2, "10.0.0.3", 65002, "1.1.1.1"), Attrs().Path({65002, 65003, 65004})},
       'a',
       Reason::kAsPathLength},
      {"origin: IGP over EGP, before MED",
       {Peer(1, "10.0.0.2", 65001, "9.9.9.9"), Attrs().Path({65001}).Med(100)},
       {Peer(2, "10.0.0.3", 65001, "1.1.1.1"),
        Attrs().Path({65001}).Origin(wire::Origin::kEgp).Med(0)},
       'a',
       Reason::kOrigin},
      {"med: lowest wins within one neighbour AS, before eBGP over iBGP",
       {Peer(1, "10.0.0.2", 65000, "9.9.9.9", true), Attrs().Path({65001}).Med(10)},
       {Peer(2, "10.0.0.3", 65001, "1.1.1.1"), Attrs().Path({65001}).Med(20)},
       'a',
       Reason::kMed},
      {"med: missing counts as 0",
       {Peer(1, "10.0.0.2", 65001, "9.9.9.9"), Attrs().Path({65001})},
       {Peer(2, "10.0.0.3", 65001, "1.1.1.1"), Attrs().Path({65001}).Med(5)},
       'a',
       Reason::kMed},
      {"med: not compared across neighbour ASes",
       {Peer(1, "10.0.0.2", 65001, "1.1.1.1"), Attrs().Path({65001}).Med(50)},
       {Peer(2, "10.0.0.3", 65002, "2.2.2.2"), Attrs().Path({65002}).Med(10)},
       'a',
       Reason::kRouterId},
      {"ebgp_over_ibgp: external wins, before a lower router id",
       {Peer(1, "10.0.0.2", 65001, "9.9.9.9"), Attrs().Path({65001})},
       {Peer(2, "10.0.0.3", 65000, "1.1.1.1", true), Attrs().Path({65002})},
       'a',
       Reason::kEbgpOverIbgp},
      {"router_id: lowest BGP Identifier, before a shorter CLUSTER_LIST",
       {Peer(1, "10.0.0.3", 65000, "1.1.1.1", true), Attrs().Clusters({1, 2, 3})},
       {Peer(2, "10.0.0.2", 65000, "2.2.2.2", true), Attrs()},
       'a',
       Reason::kRouterId},
      {"router_id: ORIGINATOR_ID stands in for the peer's (RFC 4456 §9)",
       {Peer(1, "10.0.0.2", 65000, "9.9.9.9", true), Attrs().Originator("1.0.0.1")},
       {Peer(2, "10.0.0.3", 65000, "5.5.5.5", true), Attrs()},
       'a',
       Reason::kRouterId},
      {"cluster_list: shortest wins, before a lower peer address",
       {Peer(1, "10.0.0.3", 65000, "9.9.9.9", true), Attrs().Originator("7.7.7.7").Clusters({1})},
       {Peer(2, "10.0.0.2", 65000, "8.8.8.8", true),
        Attrs().Originator("7.7.7.7").Clusters({1, 2})},
       'a',
       Reason::kClusterList},
      {"peer_address: lowest wins when all else ties",
       {Peer(1, "10.0.0.2", 65001, "1.1.1.1"), Attrs()},
       {Peer(2, "10.0.0.3", 65001, "1.1.1.1"), Attrs()},
       'a',
       Reason::kPeerAddress},
  };
}

// The best of the two sides, announced in the given order.
std::optional<BestPath> Decide(const Row& row, bool a_first) {
  Rib rib;
  REQUIRE(rib.SetPeer(row.a.peer, kAccept).empty());
  REQUIRE(rib.SetPeer(row.b.peer, kAccept).empty());
  const Side& first = a_first ? row.a : row.b;
  const Side& second = a_first ? row.b : row.a;
  (void)rib.Update(first.peer.id, Announce(first.attrs, {"10.0.0.0/24"}));
  (void)rib.Update(second.peer.id, Announce(second.attrs, {"10.0.0.0/24"}));
  return rib.Best(P("10.0.0.0/24"));
}

}  // namespace

TEST_CASE("rib: best path: one row per decision step") {
  for (const Row& row : Rows()) {
    CAPTURE(row.name);
    for (bool a_first : {true, false}) {
      CAPTURE(a_first);
      auto best = Decide(row, a_first);
      REQUIRE(best.has_value());
      const PeerId expected = row.winner == 'a' ? row.a.peer.id : row.b.peer.id;
      CHECK(best->peer == expected);
      CHECK(ToString(best->reason) == ToString(row.reason));
    }
  }
}

TEST_CASE("rib: best path: a single candidate is only_path, none is none") {
  Rib rib;
  (void)rib.SetPeer(Peer(1, "10.0.0.2", 65001, "1.1.1.1"), kAccept);
  (void)rib.Update(1, Announce(Attrs(), {"10.0.0.0/24"}));
  CHECK(rib.Best(P("10.0.0.0/24"))->reason == Reason::kOnlyPath);
  CHECK(ToString(Reason::kOnlyPath) == "only_path");
  CHECK(!rib.Best(P("10.9.0.0/24")));
  CHECK(ToString(Reason::kNone) == "none");
}

TEST_CASE("rib: best path: the result does not depend on arrival order (MED is not transitive)") {
  // A and R share neighbour AS 65001; B is from 65002. Pairwise: B beats A (router id), A
  // beats R (MED), R beats B (router id): a cycle. RFC 4271 §9.1.2.2 eliminates R first (A has
  // the lower MED in their AS), then B beats A.
  const std::array<Side, 3> sides = {{
      {Peer(1, "10.0.0.2", 65001, "9.9.9.9"), Attrs().Path({65001}).Med(5)},   // A
      {Peer(2, "10.0.0.3", 65001, "1.1.1.1"), Attrs().Path({65001}).Med(10)},  // R
      {Peer(3, "10.0.0.4", 65002, "2.2.2.2"), Attrs().Path({65002})},          // B
  }};
  std::array<int, 3> order = {0, 1, 2};
  do {
    Rib rib;
    for (const auto& s : sides) (void)rib.SetPeer(s.peer, kAccept);
    for (int i : order)
      (void)rib.Update(sides[i].peer.id, Announce(sides[i].attrs, {"10.0.0.0/24"}));
    auto best = rib.Best(P("10.0.0.0/24"));
    REQUIRE(best);
    CHECK(best->peer == 3);
    // The runner-up is A (R loses to A on MED), which B beats on router id.
    CHECK(best->reason == Reason::kRouterId);
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST_CASE("rib: best path: ADD-PATH paths of one peer tie-break on the path id") {
  Rib rib;
  (void)rib.SetPeer(Peer(1, "10.0.0.2", 65001, "1.1.1.1"), kAccept);
  wire::Update u = Announce(Attrs(), {"10.0.0.0/24"});
  u.nlri[0].path_id = 7;
  (void)rib.Update(1, u);
  u.nlri[0].path_id = 3;
  u.attrs.next_hop = Ip("10.0.0.9");
  (void)rib.Update(1, u);
  CHECK(rib.Paths(P("10.0.0.0/24")).size() == 2);
  auto best = rib.Best(P("10.0.0.0/24"));
  REQUIRE(best);
  CHECK(best->path_id == 3);
  CHECK(best->reason == Reason::kPathId);
  CHECK(rib.Counts(1, wire::kIpv4Unicast).received == 2);
}

TEST_CASE("rib: multipath: equal up to the router id, distinct next hops") {
  // Three nodes of one cluster announce a service IP (the demo's ECMP case), a fourth path
  // is longer, a fifth repeats a next hop.
  Rib rib;
  for (PeerId id = 1; id <= 5; ++id) {
    (void)rib.SetPeer(
        Peer(id, fmt::format("172.18.0.{}", id + 1), 65100, fmt::format("{}.0.0.1", 10 - id)),
        kAccept);
  }
  const auto svc = P("10.11.0.10/32");
  auto cs = rib.Update(1, Announce(Attrs().Path({65100}).Nh("172.18.0.2"), {"10.11.0.10/32"}));
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].best_changed);
  cs = rib.Update(2, Announce(Attrs().Path({65100}).Nh("172.18.0.3"), {"10.11.0.10/32"}));
  REQUIRE(cs.changes.size() == 1);
  // Peer 2 has the lower router id: a new best, and a second next hop.
  CHECK(cs.changes[0].best_changed);
  CHECK(cs.changes[0].multipath_changed);
  cs = rib.Update(3, Announce(Attrs().Path({65100}).Nh("172.18.0.4"), {"10.11.0.10/32"}));
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].best_changed);  // 7.0.0.1 < 8.0.0.1
  cs = rib.Update(4, Announce(Attrs().Path({65100, 65100}).Nh("172.18.0.5"), {"10.11.0.10/32"}));
  REQUIRE(cs.changes.size() == 1);
  CHECK(!cs.changes[0].best_changed);
  CHECK(!cs.changes[0].multipath_changed);
  cs = rib.Update(5, Announce(Attrs().Path({65100}).Nh("172.18.0.2"), {"10.11.0.10/32"}));
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].best_changed);        // 5.0.0.1 is now the lowest router id
  CHECK(!cs.changes[0].multipath_changed);  // the same three next hops

  auto mp = rib.Multipath(svc);
  REQUIRE(mp.size() == 3);
  CHECK(mp[0].peer == 5);  // the best first
  CHECK(mp[0].best);
  std::vector<std::string> hops;
  for (const auto& p : mp) hops.push_back(p.attrs->next_hop().ToString());
  std::sort(hops.begin(), hops.end());
  CHECK(hops == std::vector<std::string>{"172.18.0.2", "172.18.0.3", "172.18.0.4"});
  CHECK(rib.Best(svc)->reason == Reason::kRouterId);

  // One next hop goes: the set changes, the best does not.
  cs = rib.Update(3, Withdraw({"10.11.0.10/32"}));
  REQUIRE(cs.changes.size() == 1);
  CHECK(!cs.changes[0].best_changed);
  CHECK(cs.changes[0].multipath_changed);
  CHECK(rib.Multipath(svc).size() == 2);
}
