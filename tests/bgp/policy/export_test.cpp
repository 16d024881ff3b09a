// Tests for bgp/policy/export: the attribute transformation of router and route-server mode.
#include "bgp/policy/export.h"

#include <doctest/doctest.h>

#include "tests/bgp/rib/rib_fixtures.h"

using namespace bgpdemo::bgp;
using namespace bgpdemo::bgp::policy;
using bgpdemo::test::Attrs;
using bgpdemo::test::Ip;

namespace {

ExportTarget RouterToEbgp() {
  return ExportTarget{Mode::kRouter, 65000, 65200, false, Ip("172.19.0.1"), Ip("fd00:19::1")};
}

wire::PathAttributes Received() {
  wire::PathAttributes a = Attrs().Path({65100}).Nh("172.18.0.2").Med(5).Community(0xfde80001);
  a.unknown = {{wire::attr_flag::kOptional | wire::attr_flag::kTransitive, 99, {1}},
               {wire::attr_flag::kOptional, 98, {2}}};
  a.wire_order = {{1, 0x40}, {2, 0x40}};
  return a;
}

const RouteSource kFromEbgp{65100, false};

}  // namespace

TEST_CASE("export: router mode toward eBGP prepends, sets next hop self, strips MED") {
  wire::PathAttributes in = Received();
  in.local_pref = 300;  // as if it came over iBGP
  in.originator_id = 1;
  in.cluster_list = {2};
  auto out = ExportAttributes(RouterToEbgp(), {65000, true}, wire::kIpv4Unicast, in);
  REQUIRE(out);
  CHECK(out->as_path->ToString() == "65000 65100");
  CHECK(out->next_hop == Ip("172.19.0.1"));
  CHECK(!out->med);
  CHECK(!out->local_pref);
  CHECK(!out->originator_id);
  CHECK(out->cluster_list.empty());
  CHECK(out->communities == in.communities);  // transitive: passed on
  REQUIRE(out->unknown.size() == 1);          // RFC 4271 §5: non-transitive unknown dropped
  CHECK(out->unknown[0].type == 99);
  CHECK(out->wire_order.empty());
}

TEST_CASE("export: router mode never sends a route whose AS_PATH holds the peer's AS") {
  auto target = RouterToEbgp();
  target.peer_asn = 65100;
  auto out = ExportAttributes(target, kFromEbgp, wire::kIpv4Unicast, Received());
  REQUIRE(!out);
  CHECK(out.error() == ExportSkip::kAsLoop);
  CHECK(ToString(out.error()) == "as_loop");
  // Anywhere in the path, not only first.
  target.peer_asn = 65300;
  out = ExportAttributes(target, kFromEbgp, wire::kIpv4Unicast, Attrs().Path({65100, 65300, 1}));
  REQUIRE(!out);
}

TEST_CASE("export: router mode toward iBGP: LOCAL_PREF default, MED kept, no prepend") {
  ExportTarget to{Mode::kRouter, 65000, 65000, true, Ip("10.0.0.1"), std::nullopt};
  auto out = ExportAttributes(to, kFromEbgp, wire::kIpv4Unicast, Received());
  REQUIRE(out);
  CHECK(out->as_path->ToString() == "65100");
  CHECK(out->local_pref == 100u);
  CHECK(out->med == 5u);
  CHECK(out->next_hop == Ip("10.0.0.1"));
  // A route learned over iBGP is not sent to another iBGP peer (RFC 4271 §9.2).
  auto again = ExportAttributes(to, {65000, true}, wire::kIpv4Unicast, Received());
  REQUIRE(!again);
  CHECK(again.error() == ExportSkip::kIbgpToIbgp);
}

TEST_CASE("export: router mode IPv6 takes the session's IPv6 address as next hop") {
  wire::PathAttributes in = Attrs().Path({65100});
  in.next_hop.reset();
  in.mp_reach = wire::MpReach{wire::kIpv6Unicast, Ip("fd00:18::2"), Ip("fe80::2"), 0, {}};
  auto out = ExportAttributes(RouterToEbgp(), kFromEbgp, wire::kIpv6Unicast, in);
  REQUIRE(out);
  REQUIRE(out->mp_reach);
  CHECK(out->mp_reach->next_hop == Ip("fd00:19::1"));
  CHECK(!out->mp_reach->link_local);
  CHECK(!out->next_hop);

  auto v4_only = RouterToEbgp();
  v4_only.next_hop_self_v6.reset();
  auto none = ExportAttributes(v4_only, kFromEbgp, wire::kIpv6Unicast, in);
  REQUIRE(!none);
  CHECK(none.error() == ExportSkip::kNoNextHopSelf);
}

TEST_CASE("export: route-server mode passes AS_PATH, NEXT_HOP, MED and optionals untouched") {
  ExportTarget rs{Mode::kRouteServer, 65000, 65200, false, std::nullopt, std::nullopt};
  wire::PathAttributes in = Received();
  auto out = ExportAttributes(rs, kFromEbgp, wire::kIpv4Unicast, in);
  REQUIRE(out);
  CHECK(out->as_path == in.as_path);  // no own AS (RFC 7947 §2.2.2)
  CHECK(out->next_hop == in.next_hop);
  CHECK(out->med == in.med);
  CHECK(out->unknown == in.unknown);  // non-transitive too (RFC 7947 §2.2)
  // The peer's AS in the path is the client's business, not the route server's.
  rs.peer_asn = 65100;
  CHECK(ExportAttributes(rs, kFromEbgp, wire::kIpv4Unicast, in).has_value());
  // LOCAL_PREF never goes to an external peer (RFC 4271 §5.1.5).
  in.local_pref = 200;
  CHECK(!ExportAttributes(rs, kFromEbgp, wire::kIpv4Unicast, in)->local_pref);
}

TEST_CASE("export: route-server targets share a transformation whatever their AS") {
  const ExportTarget a{Mode::kRouteServer, 65000, 65100, false, Ip("172.18.0.1"), std::nullopt};
  const ExportTarget b{Mode::kRouteServer, 65000, 65200, false, Ip("172.19.0.1"), std::nullopt};
  CHECK(TransformKey(a) == TransformKey(b));
  ExportTarget c = a, d = b;
  c.mode = d.mode = Mode::kRouter;
  CHECK(!(TransformKey(c) == TransformKey(d)));
}
