// Tests for bgp/rib/attr_store: equal sets share one entry, entries go with their last
// handle, canonicalization ignores what it should and nothing else.
#include "bgp/rib/attr_store.h"

#include <doctest/doctest.h>

#include <set>

#include "tests/bgp/rib/rib_fixtures.h"

using namespace bgpdemo::bgp;
using namespace bgpdemo::bgp::rib;
using bgpdemo::test::Attrs;
using bgpdemo::test::Ip;
using bgpdemo::test::P;

TEST_CASE("rib: attr store: equal sets share one entry, freed with the last handle") {
  AttrStore store;
  {
    AttrRef a = store.Intern(Attrs().Path({65001, 65002}).Med(10));
    AttrRef b = store.Intern(Attrs().Path({65001, 65002}).Med(10));
    CHECK(a == b);
    CHECK(a.get() == b.get());
    CHECK(store.size() == 1);
    CHECK(a->refs() == 2);

    AttrRef c = store.Intern(Attrs().Path({65001, 65002}).Med(11));
    CHECK(c != a);
    CHECK(store.size() == 2);

    // A million handles are a million pointers to one entry.
    std::vector<AttrRef> many(1'000'000, a);
    CHECK(a->refs() == 1'000'002);
    CHECK(store.size() == 2);
    many.clear();
    CHECK(a->refs() == 2);

    c.Reset();
    CHECK(store.size() == 1);
    AttrRef moved = std::move(b);
    CHECK(!b);  // NOLINT: checking the moved-from state
    CHECK(a->refs() == 2);
  }
  CHECK(store.size() == 0);
}

TEST_CASE("rib: attr store: wire order and MP NLRI are ignored, the MP next hop is not") {
  AttrStore store;
  wire::PathAttributes base = Attrs().Path({65100}).Community(0xfde80001);
  base.next_hop.reset();
  base.mp_reach =
      wire::MpReach{wire::kIpv6Unicast, Ip("fd00::1"), std::nullopt, 0, {P("fd00:1::/48")}};

  wire::PathAttributes reordered = base;
  reordered.wire_order = {{2, 0x40}, {1, 0x40}, {14, 0x90}, {8, 0xc0}};
  reordered.mp_reach->nlri = {P("fd00:2::/48"), P("fd00:3::/48")};

  wire::PathAttributes with_unreach = base;
  with_unreach.mp_unreach = wire::MpUnreach{wire::kIpv6Unicast, {P("fd00:9::/48")}};

  AttrRef a = store.Intern(base);
  CHECK(store.Intern(reordered) == a);
  CHECK(store.Intern(with_unreach) == a);
  CHECK(store.size() == 1);
  // The stored copy has no routes in it.
  CHECK(a.attrs().mp_reach->nlri.empty());
  CHECK(!a.attrs().mp_unreach);
  CHECK(a.attrs().wire_order.empty());
  CHECK(a->next_hop() == Ip("fd00::1"));

  wire::PathAttributes other_nh = base;
  other_nh.mp_reach->next_hop = Ip("fd00::2");
  AttrRef b = store.Intern(other_nh);
  CHECK(b != a);
  CHECK(b->next_hop() == Ip("fd00::2"));
}

TEST_CASE("rib: attr store: decision inputs are computed once") {
  AttrStore store;
  wire::AsPath path;
  path.segments = {{wire::AsSegmentType::kConfedSequence, {64512, 64513}},
                   {wire::AsSegmentType::kSequence, {65001, 65002}},
                   {wire::AsSegmentType::kSet, {1, 2, 3}}};
  wire::PathAttributes a = Attrs().Origin(wire::Origin::kEgp).Clusters({1, 2});
  a.as_path = path;
  AttrRef r = store.Intern(a);
  CHECK(r->path_length() == 3);  // sequence 2 + set 1, confederation 0
  CHECK(r->neighbor_as() == 65001);
  CHECK(r->med() == 0);  // missing MED counts as 0
  CHECK(!r->local_pref());
  CHECK(r->origin() == wire::Origin::kEgp);
  CHECK(r->cluster_list_length() == 2);
  CHECK(r->next_hop() == Ip("10.0.0.1"));

  AttrRef empty = store.Intern(Attrs().Path({}));
  CHECK(empty->path_length() == 0);
  CHECK(empty->neighbor_as() == 0);
}

TEST_CASE("rib: attr store: every field takes part in the hash") {
  // One change per field from a base set: all hashes distinct from the base and each other.
  std::vector<wire::PathAttributes> sets;
  const wire::PathAttributes base = Attrs();
  auto variant = [&](auto&& change) {
    wire::PathAttributes a = base;
    change(a);
    sets.push_back(a);
  };
  variant([](auto&) {});
  variant([](auto& a) { a.origin = wire::Origin::kEgp; });
  variant([](auto& a) { a.as_path = wire::AsPath::Sequence({65002}); });
  variant([](auto& a) { a.as_path = wire::AsPath::Sequence({65001, 65001}); });
  variant([](auto& a) { a.next_hop = Ip("10.0.0.2"); });
  variant([](auto& a) { a.med = 0; });
  variant([](auto& a) { a.local_pref = 0; });
  variant([](auto& a) { a.atomic_aggregate = true; });
  variant([](auto& a) { a.aggregator = wire::Aggregator{65001, 1}; });
  variant([](auto& a) { a.communities = {1}; });
  variant([](auto& a) { a.originator_id = 1; });
  variant([](auto& a) { a.cluster_list = {1}; });
  variant([](auto& a) { a.extended_communities = {{0, 2, 0, 0, 0, 0, 0, 1}}; });
  variant([](auto& a) { a.large_communities = {{65001, 1, 1}}; });
  variant([](auto& a) { a.otc = 65001; });
  variant([](auto& a) { a.unknown = {{0xc0, 99, {1, 2, 3}}}; });
  variant([](auto& a) { a.unknown = {{0xc0, 99, {1, 2, 4}}}; });
  std::set<std::uint64_t> hashes;
  for (const auto& a : sets) hashes.insert(HashAttributes(a));
  CHECK(hashes.size() == sets.size());

  AttrStore store;
  for (const auto& a : sets) (void)store.Intern(a);
  CHECK(store.size() == 0);  // the handles were temporaries
  std::vector<AttrRef> held;
  for (const auto& a : sets) held.push_back(store.Intern(a));
  CHECK(store.size() == sets.size());
}

TEST_CASE("rib: attr store: a handle may outlive its store") {
  AttrRef kept;
  {
    AttrStore store;
    kept = store.Intern(Attrs().Med(3));
    CHECK(store.size() == 1);
  }
  CHECK(kept->med() == 3);  // still valid; freed with the handle
  kept.Reset();
}
