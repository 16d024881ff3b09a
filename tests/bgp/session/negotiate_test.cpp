// Tests for bgp/session/negotiate: the OPEN we send and what two OPENs agree on.
#include "bgp/session/negotiate.h"

#include <doctest/doctest.h>

using namespace bgpdemo::bgp;
using namespace bgpdemo::bgp::wire;
using session::BuildOpen;
using session::kAnyExternalAs;
using session::LocalSpeaker;
using session::Negotiate;

namespace {

LocalSpeaker Router() {
  LocalSpeaker l;
  l.local_as = 65000;
  l.router_id = 0x0a000001;
  l.hold_time = 90;
  l.hostname = "router";
  return l;
}

// What Cilium's GoBGP 3.10 sends (tests/data/wire/golden/gobgp-3.10.0-open.hex).
Open CiliumOpen() {
  Open o;
  o.my_as = 65100;
  o.hold_time = 90;
  o.bgp_id = 0x0a000002;
  o.capabilities = {RouteRefreshCap{},
                    FqdnCap{"kind-worker", ""},
                    MultiprotocolCap{kIpv4Unicast},
                    MultiprotocolCap{kIpv6Unicast},
                    FourOctetAsCap{65100},
                    ExtendedNextHopCap{{{Afi::kIpv4, 1, Afi::kIpv6}}}};
  return o;
}

}  // namespace

TEST_CASE("negotiate: our OPEN offers both families, RR, 4-octet AS, GR helper and FQDN") {
  auto o = BuildOpen(Router());
  CHECK(o.my_as == 65000);
  CHECK(o.Asn() == 65000u);
  CHECK(o.HasFamily(kIpv4Unicast));
  CHECK(o.HasFamily(kIpv6Unicast));
  CHECK(o.Find<RouteRefreshCap>());
  REQUIRE(o.Find<GracefulRestartCap>());
  CHECK(o.Find<GracefulRestartCap>()->families.empty());  // helper only
  CHECK(o.Find<FqdnCap>()->hostname == "router");
  LocalSpeaker big = Router();
  big.local_as = 4200000000u;
  CHECK(BuildOpen(big).my_as == kAsTrans);
  CHECK_FALSE(o.Find<ExtendedNextHopCap>());
}

TEST_CASE("negotiate: a node speaker offers extended next hop for IPv4 as Cilium's GoBGP does") {
  LocalSpeaker node = Router();
  node.extended_next_hop = true;
  const auto o = BuildOpen(node);
  REQUIRE(o.Find<ExtendedNextHopCap>());
  const auto& e = o.Find<ExtendedNextHopCap>()->entries;
  REQUIRE(e.size() == 1);
  CHECK(e[0].afi == Afi::kIpv4);
  CHECK(e[0].safi == 1);
  CHECK(e[0].nexthop_afi == Afi::kIpv6);
}

TEST_CASE("negotiate: extended messages only when both offer them (RFC 8654)") {
  CHECK_FALSE(BuildOpen(Router()).Find<ExtendedMessageCap>());  // not offered by default
  LocalSpeaker offering = Router();
  offering.extended_message = true;
  CHECK(BuildOpen(offering).Find<ExtendedMessageCap>());
  Open peer = CiliumOpen();  // GoBGP offers no extended messages
  auto without = Negotiate(offering, peer, 65100);
  REQUIRE(without);
  CHECK_FALSE(without->extended_message);
  CHECK(without->context.MaxMessageSize() == 4096);
  peer.capabilities.push_back(ExtendedMessageCap{});
  auto both = Negotiate(offering, peer, 65100);
  REQUIRE(both);
  CHECK(both->extended_message);
  CHECK(both->context.MaxMessageSize() == 65535);
  auto only_peer = Negotiate(Router(), peer, 65100);  // the peer offers, we do not
  REQUIRE(only_peer);
  CHECK_FALSE(only_peer->extended_message);
  CHECK(only_peer->context.MaxMessageSize() == 4096);
}

TEST_CASE("negotiate: with Cilium's GoBGP") {
  auto n = Negotiate(Router(), CiliumOpen(), 65100);
  REQUIRE(n);
  CHECK(n->peer_as == 65100u);
  CHECK(n->hold_time == 90);
  CHECK(n->four_octet_as);
  CHECK(n->route_refresh);
  CHECK(n->ipv4);
  CHECK(n->ipv6);
  CHECK(n->peer_hostname == "kind-worker");
  CHECK(n->peer_extended_next_hop);
  CHECK_FALSE(n->peer_graceful_restart);
  CHECK(n->context.peer_type == PeerType::kExternal);
  CHECK(n->context.enforce_first_as == 65100u);
}

TEST_CASE("negotiate: hold time is the smaller, no MP capability means IPv4 only") {
  Open o;
  o.my_as = 65100;
  o.hold_time = 9;
  o.bgp_id = 2;
  auto n = Negotiate(Router(), o, 65100);
  REQUIRE(n);
  CHECK(n->hold_time == 9);
  CHECK(n->ipv4);
  CHECK_FALSE(n->ipv6);
  CHECK_FALSE(n->four_octet_as);
  CHECK_FALSE(n->context.four_octet_as);
}

TEST_CASE("negotiate: refusals are the right OPEN Message Errors") {
  auto wrong_as = Negotiate(Router(), CiliumOpen(), 65200);
  REQUIRE_FALSE(wrong_as);
  CHECK(wrong_as.error().code == NotifyCode::kOpenMessageError);
  CHECK(wrong_as.error().subcode == 2);
  CHECK(wrong_as.error().message == "peer says AS 65100, configured as AS 65200");

  Open ibgp = CiliumOpen();
  ibgp.my_as = 65000;
  ibgp.capabilities.back() = FourOctetAsCap{65000};
  ibgp.capabilities[4] = FourOctetAsCap{65000};
  ibgp.bgp_id = 0x0a000001;  // ours
  auto same_id = Negotiate(Router(), ibgp, 65000);
  REQUIRE_FALSE(same_id);
  CHECK(same_id.error().subcode == 3);

  Open v6only = CiliumOpen();
  v6only.capabilities = {MultiprotocolCap{kIpv6Unicast}, FourOctetAsCap{65100}};
  LocalSpeaker v4 = Router();
  v4.ipv6 = false;
  auto none = Negotiate(v4, v6only, 65100);
  REQUIRE_FALSE(none);
  CHECK(none.error().subcode == 7);
}

TEST_CASE("negotiate: peer_as any accepts any external AS and refuses our own") {
  // A dynamic range with `peer_as: any` (BIRD's `external`, FRR's `remote-as external`).
  auto cilium = Negotiate(Router(), CiliumOpen(), kAnyExternalAs);
  REQUIRE(cilium);
  CHECK(cilium->peer_as == 65100u);
  CHECK(cilium->context.peer_type == PeerType::kExternal);
  CHECK(cilium->context.enforce_first_as == 65100u);

  Open four_octet = CiliumOpen();
  four_octet.my_as = 23456;  // AS_TRANS: the real AS is in the capability
  four_octet.capabilities[4] = FourOctetAsCap{4200000001u};
  auto big = Negotiate(Router(), four_octet, kAnyExternalAs);
  REQUIRE(big);
  CHECK(big->peer_as == 4200000001u);

  Open ours = CiliumOpen();
  ours.my_as = 65000;
  ours.capabilities[4] = FourOctetAsCap{65000};
  auto internal = Negotiate(Router(), ours, kAnyExternalAs);
  REQUIRE_FALSE(internal);
  CHECK(internal.error().code == NotifyCode::kOpenMessageError);
  CHECK(internal.error().subcode == 2);  // Bad Peer AS
  CHECK(internal.error().message ==
        "peer says AS 65000, our own; this neighbor accepts external peers only (peer_as: any)");
}

TEST_CASE("negotiate: a restart-capable router lists its families, R and F only after a restart") {
  LocalSpeaker l = Router();
  l.restart_capable = true;
  l.restart_time = 120;
  const Open first_open = BuildOpen(l);  // Find points into it
  const auto* first = first_open.Find<GracefulRestartCap>();
  REQUIRE(first);
  CHECK(first->flags == 0);  // a plain start: not restarting
  CHECK(first->restart_time == 120);
  CHECK(first->families ==
        std::vector<GracefulRestartCap::Entry>{{kIpv4Unicast, 0}, {kIpv6Unicast, 0}});
  l.restarting = true;
  const Open again_open = BuildOpen(l);
  const auto* again = again_open.Find<GracefulRestartCap>();
  REQUIRE(again);
  CHECK(again->flags == GracefulRestartCap::kRestartState);
  CHECK(again->families == std::vector<GracefulRestartCap::Entry>{
                               {kIpv4Unicast, GracefulRestartCap::kForwardingState},
                               {kIpv6Unicast, GracefulRestartCap::kForwardingState}});
  l.ipv6 = false;  // only what the session carries
  const Open v4_open = BuildOpen(l);
  REQUIRE(v4_open.Find<GracefulRestartCap>());
  CHECK(v4_open.Find<GracefulRestartCap>()->families.size() == 1);
  l.graceful_restart = false;  // the neighbor's helper switch still decides
  CHECK_FALSE(BuildOpen(l).Find<GracefulRestartCap>());
}
