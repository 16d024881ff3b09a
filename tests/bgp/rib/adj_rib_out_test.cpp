// Tests for bgp/rib/adj_rib_out and export_group: what each peer is sent, in router and
// route-server mode, checked by decoding the bytes with wire::DecodeMessage.
//
// The cast is the demo's: the route server (AS 65000) on two networks, cluster 1's nodes A
// and B (AS 65100, 172.18.0.0/16), cluster 2's node C (AS 65200, 172.19.0.0/16) and a
// monitor M (AS 65300).
#include "bgp/rib/adj_rib_out.h"

#include <doctest/doctest.h>

#include <map>
#include <set>

#include "tests/bgp/rib/rib_fixtures.h"

using namespace bgpdemo::bgp;
using namespace bgpdemo::bgp::rib;
using namespace bgpdemo::test;

namespace {

constexpr PeerId kA = 1, kB = 2, kC = 3, kM = 4;
const auto kAcceptImport = policy::ImportPolicy{policy::Filter::AcceptAll(), std::nullopt};

// What a stream of UPDATEs says, per prefix.
struct Seen {
  std::map<std::string, wire::PathAttributes> announced;
  std::set<std::string> withdrawn;
  std::vector<wire::Family> end_of_rib;
  std::size_t messages = 0;
};

Seen Read(const std::vector<std::uint8_t>& bytes, const wire::Context& ctx = {}) {
  Seen s;
  for (auto& u : Updates(bytes, ctx)) {
    ++s.messages;
    CHECK(u.action == wire::Action::kNone);
    if (auto f = u.EndOfRib()) {
      s.end_of_rib.push_back(*f);
      continue;
    }
    for (const auto& p : u.withdrawn) s.withdrawn.insert(p.ToString());
    if (u.attrs.mp_unreach) {
      for (const auto& p : u.attrs.mp_unreach->withdrawn) s.withdrawn.insert(p.ToString());
    }
    for (const auto& p : u.nlri) CHECK(s.announced.emplace(p.ToString(), u.attrs).second);
    if (u.attrs.mp_reach) {
      for (const auto& p : u.attrs.mp_reach->nlri) {
        CHECK(s.announced.emplace(p.ToString(), u.attrs).second);
      }
    }
  }
  return s;
}

struct Speaker {
  Rib rib{RibOptions{65000, Id("10.255.0.1")}};
  AdjRibOut out{rib};

  void Add(const PeerInfo& info, policy::ExportTarget target,
           policy::Filter filter = policy::Filter::AcceptAll(), wire::Context ctx = {}) {
    REQUIRE(rib.SetPeer(info, kAcceptImport).empty());
    out.AddPeer(ExportPeer{info.id, target, std::move(filter), ctx});
  }
  // Feeds an UPDATE from a peer; returns what each peer is sent.
  std::map<PeerId, std::shared_ptr<const std::vector<std::uint8_t>>> Feed(PeerId from,
                                                                          const wire::Update& u) {
    return Send(rib.Update(from, u));
  }
  std::map<PeerId, std::shared_ptr<const std::vector<std::uint8_t>>> Send(const ChangeSet& cs) {
    std::map<PeerId, std::shared_ptr<const std::vector<std::uint8_t>>> sent;
    for (auto& o : out.Apply(cs)) {
      REQUIRE(o.bytes);
      CHECK(!o.bytes->empty());
      CHECK(sent.emplace(o.peer, o.bytes).second);
    }
    // As the server does: the groups' arrays follow the Rib's items as they move.
    rib.Compact([this](wire::Afi afi, std::size_t from, std::size_t to) { out.Move(afi, from, to); });
    return sent;
  }
};

policy::ExportTarget Router(std::uint32_t peer_asn, std::string_view self_v4,
                            std::string_view self_v6 = "") {
  policy::ExportTarget t{policy::Mode::kRouter, 65000, peer_asn, false, Ip(self_v4), std::nullopt};
  if (!self_v6.empty()) t.next_hop_self_v6 = Ip(self_v6);
  return t;
}

policy::ExportTarget RouteServer(std::uint32_t peer_asn) {
  return {policy::Mode::kRouteServer, 65000, peer_asn, false, std::nullopt, std::nullopt};
}

// The demo in route-server mode, every session up and given its (empty) table.
struct RouteServerDemo : Speaker {
  RouteServerDemo() {
    Add(Peer(kA, "172.18.0.2", 65100, "2.2.2.2"), RouteServer(65100));
    Add(Peer(kB, "172.18.0.3", 65100, "1.1.1.1"), RouteServer(65100));
    Add(Peer(kC, "172.19.0.2", 65200, "3.3.3.3"), RouteServer(65200));
    Add(Peer(kM, "172.19.0.9", 65300, "4.4.4.4"), RouteServer(65300));
    for (PeerId id : {kA, kB, kC, kM}) (void)out.FullTable(id);
  }
};

}  // namespace

TEST_CASE("export: router mode prepends, sets next hop self, never back to the source") {
  Speaker s;
  s.Add(Peer(kA, "172.18.0.2", 65100, "172.18.0.2"), Router(65100, "172.18.0.1"));
  s.Add(Peer(kB, "172.18.0.3", 65100, "172.18.0.3"), Router(65100, "172.18.0.1"));
  s.Add(Peer(kC, "172.19.0.2", 65200, "172.19.0.2"), Router(65200, "172.19.0.1"));
  s.Add(Peer(kM, "172.19.0.9", 65300, "172.19.0.9"), Router(65300, "172.19.0.1"));
  // A and B: same AS, same local address: one group. C and M differ by AS (loop check).
  CHECK(s.out.GroupCount() == 3);
  CHECK(s.out.SameGroup(kA, kB));
  CHECK(!s.out.SameGroup(kC, kM));

  // The initial table of an empty RIB is End-of-RIB for each family.
  const Seen initial = Read(s.out.FullTable(kC));
  CHECK(initial.messages == 2);
  CHECK(initial.end_of_rib == std::vector<wire::Family>{wire::kIpv4Unicast, wire::kIpv6Unicast});
  for (PeerId id : {kA, kB, kM}) (void)s.out.FullTable(id);

  auto sent = s.Feed(kA, Announce(Attrs().Path({65100}).Nh("172.18.0.2").Med(5),
                                  {"10.241.0.0/24", "10.241.1.0/24"}));
  // A is the source; B would see its own AS in the path (a loop).
  REQUIRE(sent.size() == 2);
  REQUIRE(sent.count(kC));
  const Seen to_c = Read(*sent[kC]);
  CHECK(to_c.messages == 1);
  REQUIRE(to_c.announced.size() == 2);
  const auto& attrs = to_c.announced.at("10.241.0.0/24");
  CHECK(attrs.as_path->ToString() == "65000 65100");
  CHECK(attrs.next_hop == Ip("172.19.0.1"));
  CHECK(!attrs.med);
  CHECK(!attrs.local_pref);
  CHECK(Read(*sent[kM]).announced.size() == 2);
  CHECK(s.out.Advertised(kC, wire::kIpv4Unicast) == 2);
  CHECK(s.out.Advertised(kA, wire::kIpv4Unicast) == 0);
  CHECK(s.out.Advertised(kB, wire::kIpv4Unicast) == 0);

  // Cluster 2's route goes to A and B with their own next hop self, as one shared buffer.
  sent = s.Feed(kC, Announce(Attrs().Path({65200}).Nh("172.19.0.2"), {"10.12.0.0/16"}));
  REQUIRE(sent.count(kA));
  REQUIRE(sent.count(kB));
  CHECK(!sent.count(kC));
  CHECK(sent[kA] == sent[kB]);  // the same bytes, computed once
  const auto to_a = Read(*sent[kA]).announced.at("10.12.0.0/16");
  CHECK(to_a.as_path->ToString() == "65000 65200");
  CHECK(to_a.next_hop == Ip("172.18.0.1"));
  CHECK(Read(*sent[kM]).announced.at("10.12.0.0/16").next_hop == Ip("172.19.0.1"));

  // A withdraws: only those who have it hear of it.
  sent = s.Feed(kA, Withdraw({"10.241.0.0/24"}));
  CHECK(sent.size() == 2);
  CHECK(Read(*sent[kC]).withdrawn == std::set<std::string>{"10.241.0.0/24"});
  CHECK(Read(*sent[kM]).withdrawn == std::set<std::string>{"10.241.0.0/24"});
  CHECK(s.out.Advertised(kC, wire::kIpv4Unicast) == 1);  // 10.241.1.0/24; 10.12.0.0/16 is C's
  CHECK(s.out.Advertised(kM, wire::kIpv4Unicast) == 2);
}

TEST_CASE("export: route-server mode: transparent, per-client views, never back to the source") {
  RouteServerDemo s;
  CHECK(s.out.GroupCount() == 1);  // one computation for every client
  const auto svc = "10.11.0.10/32";

  auto sent = s.Feed(kA, Announce(Attrs().Path({65100}).Nh("172.18.0.2").Med(5), {svc}));
  CHECK(sent.size() == 3);
  CHECK(!sent.count(kA));
  CHECK(sent[kB] == sent[kC]);
  CHECK(sent[kC] == sent[kM]);
  const auto attrs = Read(*sent[kC]).announced.at(svc);
  CHECK(attrs.as_path->ToString() == "65100");  // RFC 7947 §2.2.2: no own AS
  CHECK(attrs.next_hop == Ip("172.18.0.2"));    // §2.2.1: next hop untouched
  CHECK(attrs.med == 5u);                       // §2.2.3: MED passed on

  // B announces the same service and wins (no MED counts as 0). A's own view is the best of the
  // others' paths: B's. B's view stays A's path, so B is sent nothing.
  sent = s.Feed(kB, Announce(Attrs().Path({65100}).Nh("172.18.0.3"), {svc}));
  CHECK(s.rib.Best(P(svc))->peer == kB);
  REQUIRE(sent.count(kA));
  CHECK(!sent.count(kB));
  CHECK(Read(*sent[kA]).announced.at(svc).next_hop == Ip("172.18.0.3"));
  CHECK(Read(*sent[kC]).announced.at(svc).next_hop == Ip("172.18.0.3"));
  CHECK(sent[kC] == sent[kM]);
  for (PeerId id : {kA, kB, kC, kM}) CHECK(s.out.Advertised(id, wire::kIpv4Unicast) == 1);

  // A withdraws: B's path stays best. A already has it; B loses its view (A's path).
  sent = s.Feed(kA, Withdraw({svc}));
  REQUIRE(sent.size() == 1);
  REQUIRE(sent.count(kB));
  const Seen to_b = Read(*sent[kB]);
  CHECK(to_b.withdrawn == std::set<std::string>{svc});
  CHECK(to_b.announced.empty());
  CHECK(s.out.Advertised(kB, wire::kIpv4Unicast) == 0);
  CHECK(s.out.Advertised(kA, wire::kIpv4Unicast) == 1);

  // B withdraws too: withdrawn from those that have it, and not from B.
  sent = s.Feed(kB, Withdraw({svc}));
  CHECK(sent.size() == 3);
  CHECK(!sent.count(kB));
  for (PeerId id : {kA, kB, kC, kM}) CHECK(s.out.Advertised(id, wire::kIpv4Unicast) == 0);
}

TEST_CASE("export: route-server mode keeps an IPv6 route's MP next hop, router mode sets its own") {
  RouteServerDemo s;
  auto sent = s.Feed(kC, Announce(Attrs().Path({65200}), {"fd00:12::/64"}, "fd00:19::2"));
  REQUIRE(sent.count(kA));
  const auto rs = Read(*sent[kA]).announced.at("fd00:12::/64");
  REQUIRE(rs.mp_reach);
  CHECK(rs.mp_reach->next_hop == Ip("fd00:19::2"));
  CHECK(s.out.Advertised(kA, wire::kIpv6Unicast) == 1);

  Speaker r;
  r.Add(Peer(kA, "172.18.0.2", 65100, "2.2.2.2"), Router(65100, "172.18.0.1", "fd00:18::1"));
  r.Add(Peer(kC, "172.19.0.2", 65200, "3.3.3.3"), Router(65200, "172.19.0.1"));
  (void)r.out.FullTable(kA);
  (void)r.out.FullTable(kC);
  sent = r.Feed(kC, Announce(Attrs().Path({65200}), {"fd00:12::/64"}, "fd00:19::2"));
  REQUIRE(sent.count(kA));
  const auto router = Read(*sent[kA]).announced.at("fd00:12::/64");
  CHECK(router.mp_reach->next_hop == Ip("fd00:18::1"));
  CHECK(router.as_path->ToString() == "65000 65200");
  // C's session has no IPv6 address: C could not be sent an IPv6 route from A.
  sent = r.Feed(kA, Announce(Attrs().Path({65100}), {"fd00:11::/64"}, "fd00:18::2"));
  CHECK(sent.empty());
}

TEST_CASE("export: prefixes are packed into as few UPDATEs as fit, by attribute set") {
  RouteServerDemo s;
  wire::Update x = Announce(Attrs().Path({65100}).Nh("172.18.0.2").Community(1), {});
  wire::Update y = Announce(Attrs().Path({65100, 65101}).Nh("172.18.0.2").Med(7), {});
  for (std::uint32_t i = 0; i < 1500; ++i) {
    x.nlri.push_back(wire::Prefix::V4(0x0a000000u + i * 256u, 24));
    y.nlri.push_back(wire::Prefix::V4(0x0b000000u + i * 256u, 24));
  }
  // Both sets in one ChangeSet: one run of UPDATEs per set.
  ChangeSet cs = s.rib.Update(kA, x);
  cs.Append(s.rib.Update(kA, y));
  auto sent = s.Send(cs);
  REQUIRE(sent.count(kC));
  const Seen seen = Read(*sent[kC]);
  CHECK(seen.announced.size() == 3000);
  // 4 bytes per /24 and about 4,050 bytes of room per message: 2 messages per set.
  CHECK(seen.messages == 4);
  for (const auto& [prefix, attrs] : seen.announced) {
    if (prefix.rfind("10.", 0) == 0) {
      CHECK(attrs.communities == std::vector<std::uint32_t>{1});
    } else {
      CHECK(attrs.med == 7u);
    }
  }
  // Withdrawing all of them: 3,000 withdrawals in 3 messages.
  wire::Update w;
  w.withdrawn = x.nlri;
  w.withdrawn.insert(w.withdrawn.end(), y.nlri.begin(), y.nlri.end());
  sent = s.Feed(kA, w);
  const Seen gone = Read(*sent[kC]);
  CHECK(gone.withdrawn.size() == 3000);
  CHECK(gone.messages == 3);
  CHECK(s.out.Advertised(kC, wire::kIpv4Unicast) == 0);
}

TEST_CASE("export: full table for a new peer and for ROUTE-REFRESH, with End-of-RIB") {
  Speaker s;
  s.Add(Peer(kA, "172.18.0.2", 65100, "2.2.2.2"), RouteServer(65100));
  (void)s.rib.Update(kA, Announce(Attrs().Path({65100}).Nh("172.18.0.2"),
                                  {"10.241.0.0/24", "10.241.1.0/24", "fd00:1::/48"}));
  (void)s.rib.Update(kA, Announce(Attrs().Path({65100}).Nh("172.18.0.5"), {"10.11.0.10/32"}));
  s.Add(Peer(kM, "172.19.0.9", 65300, "4.4.4.4"), RouteServer(65300));
  const auto table = s.out.FullTable(kM);
  const Seen seen = Read(table);
  CHECK(seen.announced.size() == 4);
  CHECK(seen.messages == 3 + 2);  // two IPv4 sets, one IPv6, two End-of-RIB
  CHECK(seen.end_of_rib == std::vector<wire::Family>{wire::kIpv4Unicast, wire::kIpv6Unicast});
  CHECK(s.out.Advertised(kM, wire::kIpv4Unicast) == 3);
  CHECK(s.out.Advertised(kM, wire::kIpv6Unicast) == 1);
  // A ROUTE-REFRESH gets the same again.
  CHECK(s.out.FullTable(kM) == table);
  CHECK(s.out.Advertised(kM, wire::kIpv4Unicast) == 3);
  // A holds nothing but its own routes: only End-of-RIB.
  CHECK(Read(s.out.FullTable(kA)).messages == 2);
  CHECK(s.out.Advertised(kA, wire::kIpv4Unicast) == 0);
  // And then is kept in step.
  auto sent = s.Feed(kM, Announce(Attrs().Path({65300}).Nh("172.19.0.9"), {"10.99.0.0/24"}));
  REQUIRE(sent.count(kA));
  CHECK(s.out.Advertised(kA, wire::kIpv4Unicast) == 1);
}

TEST_CASE("export: RFC 8212: an eBGP peer without export policy is sent nothing") {
  RouteServerDemo s;
  s.Add(Peer(5, "172.19.0.10", 65400, "5.5.5.5"), RouteServer(65400),
        policy::EffectiveExport({}, /*ibgp=*/false));
  CHECK(s.out.GroupCount() == 2);
  CHECK(Read(s.out.FullTable(5)).messages == 2);  // End-of-RIB only
  auto sent = s.Feed(kA, Announce(Attrs().Path({65100}), {"10.241.0.0/24"}));
  CHECK(!sent.count(5));
  CHECK(sent.count(kM));
}

TEST_CASE("export: an export prefix list sends only the prefixes it permits") {
  RouteServerDemo s;
  auto entry = policy::ParsePrefixListEntry("permit 10.241.0.0/16 le 24");
  REQUIRE(entry);
  s.Add(Peer(5, "172.19.0.10", 65400, "5.5.5.5"), RouteServer(65400),
        policy::Filter::Prefixes(policy::PrefixList{{*entry}}));
  (void)s.out.FullTable(5);
  auto sent = s.Feed(kA, Announce(Attrs().Path({65100}), {"10.241.0.0/24", "10.242.0.0/24"}));
  REQUIRE(sent.count(5));
  const Seen seen = Read(*sent[5]);
  CHECK(seen.announced.size() == 1);
  CHECK(seen.announced.count("10.241.0.0/24"));
  CHECK(Read(*sent[kM]).announced.size() == 2);
}

TEST_CASE("export: a peer that goes down is forgotten and its routes withdrawn from the others") {
  RouteServerDemo s;
  (void)s.Feed(kA, Announce(Attrs().Path({65100}), {"10.241.0.0/24"}));
  s.out.RemovePeer(kA);
  CHECK(!s.out.HasPeer(kA));
  auto sent = s.Send(s.rib.PeerDown(kA));
  CHECK(sent.size() == 3);
  CHECK(!sent.count(kA));
  CHECK(Read(*sent[kC]).withdrawn == std::set<std::string>{"10.241.0.0/24"});
  CHECK(s.out.Advertised(kA, wire::kIpv4Unicast) == 0);
  // It comes back: a new member of the same group, in step after its full table.
  s.out.AddPeer(ExportPeer{kA, RouteServer(65100), policy::Filter::AcceptAll(), {}});
  CHECK(s.out.GroupCount() == 1);
  (void)s.Feed(kC, Announce(Attrs().Path({65200}), {"10.12.0.0/16"}));
  CHECK(Read(s.out.FullTable(kA)).announced.count("10.12.0.0/16"));
}

TEST_CASE("export: withdrawals stay exact while the Rib compacts its items under the Adj-RIB-Out") {
  // The fixture compacts after every export, so the Adj-RIB-Out's arrays follow each move.
  RouteServerDemo s;
  (void)s.Feed(kA, Announce(Attrs().Path({65100}), {"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24",
                                                    "10.0.3.0/24", "10.0.4.0/24"}));
  (void)s.Feed(kC, Announce(Attrs().Path({65200}), {"10.9.0.0/24"}));
  CHECK(s.out.Advertised(kM, wire::kIpv4Unicast) == 6);
  auto sent = s.Send(s.rib.Update(kA, Withdraw({"10.0.0.0/24", "10.0.2.0/24"})));
  CHECK(Read(*sent[kM]).withdrawn == std::set<std::string>{"10.0.0.0/24", "10.0.2.0/24"});
  CHECK(!sent.count(kA));  // it never had its own routes
  CHECK(s.out.Advertised(kM, wire::kIpv4Unicast) == 4);
  CHECK(s.out.Advertised(kA, wire::kIpv4Unicast) == 1);  // C's route only
  // What moved is still known as sent: withdrawing it reaches M, and A stays excluded.
  sent = s.Send(s.rib.Update(kA, Withdraw({"10.0.1.0/24", "10.0.3.0/24", "10.0.4.0/24"})));
  CHECK(Read(*sent[kM]).withdrawn ==
        std::set<std::string>{"10.0.1.0/24", "10.0.3.0/24", "10.0.4.0/24"});
  CHECK(!sent.count(kA));
  CHECK(s.out.Advertised(kM, wire::kIpv4Unicast) == 1);
  sent = s.Send(s.rib.Update(kC, Withdraw({"10.9.0.0/24"})));
  CHECK(Read(*sent[kA]).withdrawn == std::set<std::string>{"10.9.0.0/24"});
  CHECK(!sent.count(kC));
  CHECK(s.out.Advertised(kA, wire::kIpv4Unicast) == 0);
  CHECK(s.rib.TableSize(wire::Afi::kIpv4) == 0);
}

TEST_CASE("export: a 2-octet AS session is its own group and gets AS_TRANS with AS4_PATH") {
  RouteServerDemo s;
  wire::Context old;
  old.four_octet_as = false;
  s.Add(Peer(5, "172.19.0.10", 65400, "5.5.5.5"), RouteServer(65400), policy::Filter::AcceptAll(),
        old);
  CHECK(s.out.GroupCount() == 2);
  (void)s.out.FullTable(5);
  auto sent = s.Feed(kA, Announce(Attrs().Path({4200000001u, 65100}), {"10.241.0.0/24"}));
  REQUIRE(sent.count(5));
  auto updates = Updates(*sent[5], old);
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].attrs.as_path->ToString() == "23456 65100");
  CHECK(updates[0].attrs.EffectivePath().ToString() == "4200000001 65100");
}
