// Tests for bgp/wire/update and the attribute codec: well-formed UPDATEs both ways.
// (Malformed ones are in robustness_*_test.cpp.)
#include "bgp/wire/update.h"

#include <doctest/doctest.h>

#include "bgp/wire/message.h"
#include "tests/test_util.h"

using namespace bgpdemo::bgp::wire;
using bgpdemo::test::Attr;
using bgpdemo::test::Bytes;
using bgpdemo::test::Cat;
using bgpdemo::test::H;
using bgpdemo::test::Msg;
using bgpdemo::test::UpdateBody;

namespace {

Update Decode(const Bytes& msg, const Context& ctx = {}) {
  auto m = DecodeMessage(msg, ctx);
  REQUIRE(m);
  return std::get<Update>(*m);
}

}  // namespace

TEST_CASE("update: IPv4 route with every common attribute, both ways") {
  const Bytes attrs = Cat({
      Attr(0x40, 1, H("00")),                              // ORIGIN IGP
      Attr(0x40, 2, H("02 02 0000fe4c 0000fde8")),         // AS_PATH 65100 65000
      Attr(0x40, 3, H("0a000002")),                        // NEXT_HOP
      Attr(0x80, 4, H("00000064")),                        // MED 100
      Attr(0x40, 5, H("000000c8")),                        // LOCAL_PREF 200
      Attr(0x40, 6, {}),                                   // ATOMIC_AGGREGATE
      Attr(0xc0, 7, H("0000fe4c 0a000002")),               // AGGREGATOR
      Attr(0xc0, 8, H("fe4c0064 ffffff01")),               // COMMUNITIES
      Attr(0x80, 9, H("0a000009")),                        // ORIGINATOR_ID
      Attr(0x80, 10, H("0a000001 0a000002")),              // CLUSTER_LIST
      Attr(0xc0, 16, H("0002fe4c00000064")),               // EXTENDED_COMMUNITIES
      Attr(0xc0, 32, H("0000fe4c 00000001 00000002")),     // LARGE_COMMUNITY
      Attr(0xc0, 35, H("0000fe4c")),                       // OTC
  });
  const Bytes msg = Msg(MessageType::kUpdate, UpdateBody(H("10 0a0b"), attrs, H("18 0af101")));
  const Update u = Decode(msg);
  CHECK(u.action == Action::kNone);
  CHECK(u.withdrawn == std::vector<Prefix>{*Prefix::Parse("10.11.0.0/16")});
  CHECK(u.nlri == std::vector<Prefix>{*Prefix::Parse("10.241.1.0/24")});
  const auto& a = u.attrs;
  CHECK(a.origin == Origin::kIgp);
  CHECK(a.as_path->ToString() == "65100 65000");
  CHECK(a.next_hop->ToString() == "10.0.0.2");
  CHECK(a.med == 100u);
  CHECK(a.local_pref == 200u);
  CHECK(a.atomic_aggregate);
  CHECK(a.aggregator->asn == 65100u);
  CHECK(a.communities == std::vector<std::uint32_t>{0xfe4c0064, 0xffffff01});
  CHECK(a.originator_id == 0x0a000009u);
  CHECK(a.cluster_list.size() == 2);
  CHECK(a.extended_communities.size() == 1);
  CHECK(a.large_communities == std::vector<LargeCommunity>{{65100, 1, 2}});
  CHECK(a.otc == 65100u);
  auto again = EncodeMessage(Message{u}, Context{});
  REQUIRE(again);
  CHECK(*again == msg);
}

TEST_CASE("update: IPv6 in MP_REACH with global and link-local next hops") {
  const Bytes mp = H("0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00"
                     "40 20010db8000a0001  30 fd0000100241");
  const Bytes msg = Msg(MessageType::kUpdate,
                        UpdateBody({}, Cat({Attr(0x90, 14, mp), Attr(0x40, 1, H("00")),
                                            Attr(0x40, 2, H("02 01 0000fe4c"))}),
                                   {}));
  const Update u = Decode(msg);
  CHECK(u.action == Action::kNone);
  REQUIRE(u.attrs.mp_reach);
  const auto& r = *u.attrs.mp_reach;
  CHECK(r.family == kIpv6Unicast);
  CHECK(r.next_hop.ToString() == "2001:db8::1");
  REQUIRE(r.link_local);
  CHECK(r.link_local->ToString() == "fe80::1");
  REQUIRE(r.nlri.size() == 2);
  CHECK(r.nlri[0].ToString() == "2001:db8:a:1::/64");
  CHECK(r.nlri[1].ToString() == "fd00:10:241::/48");
  CHECK(u.AnnouncedCount() == 2);
  auto again = EncodeMessage(Message{u}, Context{});
  REQUIRE(again);
  CHECK(*again == msg);  // Extended Length on MP_REACH is kept as received
}

TEST_CASE("update: IPv6 route with an IPv4-mapped next hop, as Cilium sends it") {
  const Bytes mp = H("0002 01 10 00000000000000000000ffff0a000002 00 40 fd00001002410001");
  const Update u = Decode(Msg(MessageType::kUpdate,
                              UpdateBody({}, Cat({Attr(0x80, 14, mp), Attr(0x40, 1, H("00")),
                                                  Attr(0x40, 2, H("02 01 0000fe4c"))}),
                                         {})));
  REQUIRE(u.attrs.mp_reach);
  CHECK(u.attrs.mp_reach->next_hop.IsV4Mapped());
  CHECK(u.attrs.mp_reach->next_hop.ToString() == "::ffff:10.0.0.2");
}

TEST_CASE("update: IPv4 routes with an IPv6 next hop (RFC 8950)") {
  const Bytes mp = H("0001 01 10 20010db8000000000000000000000001 00 18 0af101");
  const Update u = Decode(Msg(MessageType::kUpdate,
                              UpdateBody({}, Cat({Attr(0x80, 14, mp), Attr(0x40, 1, H("00")),
                                                  Attr(0x40, 2, H("02 01 0000fe4c"))}),
                                         {})));
  CHECK(u.action == Action::kNone);
  CHECK(u.attrs.mp_reach->family == kIpv4Unicast);
  CHECK(u.attrs.mp_reach->next_hop.afi == Afi::kIpv6);
  CHECK(u.attrs.mp_reach->nlri[0].ToString() == "10.241.1.0/24");
}

TEST_CASE("update: End-of-RIB markers for IPv4 and IPv6") {
  const Update v4 = Decode(Msg(MessageType::kUpdate, UpdateBody({}, {}, {})));
  CHECK(v4.EndOfRib() == kIpv4Unicast);
  const Update v6 = Decode(Msg(MessageType::kUpdate,
                               UpdateBody({}, Attr(0x80, 15, H("0002 01")), {})));
  CHECK(v6.EndOfRib() == kIpv6Unicast);
  const Update withdraw = Decode(Msg(MessageType::kUpdate,
                                     UpdateBody({}, Attr(0x80, 15, H("0002 01 40 20010db8000a0001")), {})));
  CHECK_FALSE(withdraw.EndOfRib());
  CHECK(withdraw.WithdrawnCount() == 1);
}

TEST_CASE("update: unknown optional transitive attribute is kept and forwarded with Partial") {
  const Bytes msg = Msg(MessageType::kUpdate,
                        UpdateBody({}, Cat({bgpdemo::test::BasicAttrs(), Attr(0xc0, 99, H("c0ffee"))}),
                                   H("18 0af101")));
  const Update u = Decode(msg);
  CHECK(u.action == Action::kNone);
  REQUIRE(u.attrs.unknown.size() == 1);
  CHECK(u.attrs.unknown[0].type == 99);
  CHECK(u.attrs.unknown[0].value == H("c0ffee"));
  auto again = EncodeMessage(Message{u}, Context{});
  REQUIRE(again);
  Bytes expected = msg;
  // The only change: Partial (0x20) set on the unknown attribute's flags.
  const std::size_t flags_at = expected.size() - 4 /*nlri*/ - 6 /*attr*/;
  REQUIRE(expected[flags_at] == 0xc0);
  expected[flags_at] = 0xe0;
  CHECK(*again == expected);
}

TEST_CASE("update: attributes keep the order and Extended Length they came with") {
  // NEXT_HOP before ORIGIN, and AS_PATH with Extended Length although it is short.
  const Bytes attrs = Cat({Attr(0x40, 3, H("0a000002")), Attr(0x40, 1, H("02")),
                           Attr(0x50, 2, H("02 01 0000fe4c"))});
  const Bytes msg = Msg(MessageType::kUpdate, UpdateBody({}, attrs, H("18 0af101")));
  const Update u = Decode(msg);
  CHECK(u.attrs.origin == Origin::kIncomplete);
  auto again = EncodeMessage(Message{u}, Context{});
  REQUIRE(again);
  CHECK(*again == msg);

  // A value built in code gets the canonical order: MP_* first, then by type code.
  Update built;
  built.attrs = u.attrs;
  built.attrs.wire_order.clear();
  built.nlri = u.nlri;
  auto canonical = EncodeMessage(Message{built}, Context{});
  REQUIRE(canonical);
  CHECK(*canonical == Msg(MessageType::kUpdate,
                          UpdateBody({}, Cat({Attr(0x40, 1, H("02")), Attr(0x40, 2, H("02 01 0000fe4c")),
                                              Attr(0x40, 3, H("0a000002"))}),
                                     H("18 0af101"))));
}

TEST_CASE("update: 2-octet session: AS4_PATH restores the real path (RFC 6793 §4.2.3)") {
  Context two;
  two.four_octet_as = false;
  // AS_PATH 65100 23456 65000; AS4_PATH 4200000001 65000.
  const Bytes attrs = Cat({Attr(0x40, 1, H("00")), Attr(0x40, 2, H("02 03 fe4c 5ba0 fde8")),
                           Attr(0x40, 3, H("0a000002")),
                           Attr(0xc0, 17, H("02 02 fa56ea01 0000fde8"))});
  const Update u = Decode(Msg(MessageType::kUpdate, UpdateBody({}, attrs, H("18 0af101"))), two);
  CHECK(u.action == Action::kNone);
  CHECK(u.attrs.as_path->ToString() == "65100 23456 65000");
  CHECK(u.attrs.EffectivePath().ToString() == "65100 4200000001 65000");
}

TEST_CASE("update: encoding for a 2-octet peer writes AS_TRANS and AS4_PATH") {
  Update u;
  u.attrs.origin = Origin::kIgp;
  u.attrs.as_path = AsPath::Sequence({65100, 4200000001u});
  u.attrs.next_hop = IpAddress::V4(0x0a000002);
  u.attrs.aggregator = Aggregator{4200000001u, 0x0a000002};
  u.nlri = {*Prefix::Parse("10.241.1.0/24")};
  Context two;
  two.four_octet_as = false;
  auto bytes = EncodeMessage(Message{u}, two);
  REQUIRE(bytes);
  CHECK(*bytes == Msg(MessageType::kUpdate,
                      UpdateBody({},
                                 Cat({Attr(0x40, 1, H("00")), Attr(0x40, 2, H("02 02 fe4c 5ba0")),
                                      Attr(0x40, 3, H("0a000002")),
                                      Attr(0xc0, 7, H("5ba0 0a000002")),
                                      Attr(0xc0, 17, H("02 02 0000fe4c fa56ea01")),
                                      Attr(0xc0, 18, H("fa56ea01 0a000002"))}),
                                 H("18 0af101"))));
  auto back = DecodeMessage(*bytes, two);
  REQUIRE(back);
  CHECK(std::get<Update>(*back).attrs.EffectivePath() == *u.attrs.as_path);
  // A 4-octet peer never gets AS4_* attributes.
  auto four = EncodeMessage(Message{u}, Context{});
  REQUIRE(four);
  auto back4 = DecodeMessage(*four, Context{});
  CHECK_FALSE(std::get<Update>(*back4).attrs.as4_path);
}

TEST_CASE("update: ADD-PATH identifiers in the NLRI field and MP_REACH") {
  Context ctx;
  ctx.add_path_ipv4 = true;
  ctx.add_path_ipv6 = true;
  const Bytes mp = H("0002 01 10 20010db8000000000000000000000001 00 00000005 40 20010db8000a0001");
  const Bytes msg = Msg(MessageType::kUpdate,
                        UpdateBody(H("00000003 18 0a0001"),
                                   Cat({Attr(0x90, 14, mp), bgpdemo::test::BasicAttrs()}),
                                   H("00000007 18 0af101")));
  const Update u = Decode(msg, ctx);
  CHECK(u.action == Action::kNone);
  CHECK(u.withdrawn[0].path_id == 3);
  CHECK(u.nlri[0].path_id == 7);
  CHECK(u.attrs.mp_reach->nlri[0].path_id == 5);
  auto again = EncodeMessage(Message{u}, ctx);
  REQUIRE(again);
  CHECK(*again == msg);
}
