// Robustness checklist group E (robustness.md §3): NLRI and the multiprotocol attributes,
// RFC 4271 §4.3, RFC 4760 §3, §4, §7, RFC 7606 §3(i), §3(j), §5.3, RFC 7911 (ADD-PATH).
//
// IPv4 NLRI problems reset the session (3/10); MP_REACH_NLRI / MP_UNREACH_NLRI problems
// disable the family (Error.family set) unless the attribute cannot even name its family
// (3/9 reset); an unsupported family is discarded.
//
// Offsets: with no withdrawn routes the attributes start at 23; with the basic IPv4
// attributes (20 bytes) the NLRI starts at 43.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bgp/wire/message.h"
#include "core/hex.h"
#include "tests/test_util.h"

using namespace bgpdemo::bgp::wire;
using bgpdemo::test::Attr;
using bgpdemo::test::BasicAttrs;
using bgpdemo::test::Bytes;
using bgpdemo::test::Cat;
using bgpdemo::test::H;
using bgpdemo::test::Msg;
using bgpdemo::test::UpdateBody;

namespace {

std::string Hex(const Bytes& b) {
  return bgpdemo::core::ToHex(b);
}

struct Want {
  std::uint8_t subcode;
  Action action;
  std::size_t offset;
  Bytes data;
  Family family{};
};

void CheckError(const Error& e, const Want& w) {
  INFO(Describe(e));
  CHECK(static_cast<int>(e.code) == 3);
  CHECK(static_cast<int>(e.subcode) == static_cast<int>(w.subcode));
  CHECK(std::string(ToString(e.action)) == std::string(ToString(w.action)));
  CHECK(e.offset == w.offset);
  CHECK(Hex(e.data) == Hex(w.data));
  if (w.action == Action::kAfiSafiDisable || w.action == Action::kAttributeDiscard) {
    CHECK(ToString(e.family) == ToString(w.family));
  }
}

bgpdemo::Result<Message, Error> DecodeBody(const Bytes& body, const Context& ctx) {
  const Bytes m = Msg(MessageType::kUpdate, body);
  return DecodeMessage(m, ctx);
}

Update Survives(const Bytes& body, const Context& ctx = {}) {
  auto m = DecodeBody(body, ctx);
  if (!m) FAIL(Describe(m.error()));
  return std::get<Update>(std::move(m).value());
}

void Resets(const Bytes& body, const Want& w, const Context& ctx = {}) {
  auto m = DecodeBody(body, ctx);
  REQUIRE_FALSE(m.has_value());
  CheckError(m.error(), w);
}

const Bytes kNlri = H("18 0a0001");
const Bytes kOrigin = Attr(0x40, 1, {0x00});
const Bytes kAsPath = Attr(0x40, 2, H("02 01 0000fe4c"));
const Bytes kNh6 = H("fd000000000000000000000000000001");
const Bytes kLinkLocal = H("fe800000000000000000000000000001");
const Bytes kPrefix6 = H("40 fd00001002410001");  // fd00:10:241:1::/64
const Family kFlowspec4{Afi::kIpv4, static_cast<Safi>(133)};
const Family kEvpn{static_cast<Afi>(25), static_cast<Safi>(70)};

Bytes ReachAttr(const Bytes& value) {
  return Attr(0x80, 14, value);
}
Bytes UnreachAttr(const Bytes& value) {
  return Attr(0x80, 15, value);
}

// The valid IPv6 announcement the MP cases mutate: MP_REACH_NLRI first, then ORIGIN and
// AS_PATH, no NLRI field.
Bytes Reach6Value() {
  return Cat({H("0002 01 10"), kNh6, H("00"), kPrefix6});
}
Bytes V6Body(const Bytes& mp_attr) {
  return UpdateBody({}, Cat({mp_attr, kOrigin, kAsPath}), {});
}

}  // namespace

TEST_CASE("robustness E26: IPv4 NLRI length > 32 or truncated -> 3/10 session reset") {
  struct Case {
    const char* name;
    Bytes nlri;
    std::size_t offset;
  };
  const Case cases[] = {
      {"length 33", H("21 0a000100 00"), 43},
      {"length 255", H("ff 0a000100"), 43},
      {"/24 with 2 bytes", H("18 0a00"), 43},
      {"/32 with 0 bytes", H("20"), 43},
      {"second prefix truncated", H("18 0a0001 18 0a"), 47},
      {"second prefix length 33", H("18 0a0001 21 0a000100 00"), 47},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Resets(UpdateBody({}, BasicAttrs(), c.nlri), {10, Action::kSessionReset, c.offset, {}});
  }
}

TEST_CASE("robustness E26: Withdrawn Routes checked like NLRI -> 3/10 session reset") {
  // RFC 7606 §3(i).
  struct Case {
    const char* name;
    Bytes withdrawn;
    std::size_t offset;
  };
  const Case cases[] = {
      {"length 33", H("21 0a000100 00"), 21},
      {"length 255", H("ff 0a"), 21},
      {"truncated", H("18 0a"), 21},
      {"second truncated", H("10 0a01 18 0a"), 24},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Resets(UpdateBody(c.withdrawn, {}, {}), {10, Action::kSessionReset, c.offset, {}});
    // With a valid announcement beside it: still a reset (§3(j) needs parseable NLRI).
    Resets(UpdateBody(c.withdrawn, BasicAttrs(), kNlri), {10, Action::kSessionReset, c.offset, {}});
  }
}

TEST_CASE("robustness E26: bits past the prefix length are accepted and cleared") {
  const Update u = Survives(UpdateBody(H("17 0a0001"), BasicAttrs(), H("17 0a0101 1f 0a0000ff")));
  REQUIRE(u.withdrawn.size() == 1);
  CHECK(u.withdrawn[0].ToString() == "10.0.0.0/23");
  REQUIRE(u.nlri.size() == 2);
  CHECK(u.nlri[0].ToString() == "10.1.0.0/23");
  CHECK(u.nlri[1].ToString() == "10.0.0.254/31");
  CHECK(u.problems.empty());
}

TEST_CASE("robustness E26: IPv6 prefix length 129 or truncated in MP_* -> 3/9 AFI/SAFI disable") {
  struct Case {
    const char* name;
    Bytes attr;
  };
  const Case cases[] = {
      {"MP_REACH /129", ReachAttr(Cat({H("0002 01 10"), kNh6, H("00"), H("81"), Bytes(17, 0xfd)}))},
      {"MP_REACH /64 with 4 bytes", ReachAttr(Cat({H("0002 01 10"), kNh6, H("00 40 fd000010")}))},
      {"MP_UNREACH /129", UnreachAttr(Cat({H("0002 01 81"), Bytes(17, 0xfd)}))},
      {"MP_UNREACH /64 with 7 bytes", UnreachAttr(H("0002 01 40 fd000010024100"))},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const Update u = Survives(V6Body(c.attr));
    CHECK(u.action == Action::kAfiSafiDisable);
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {9, Action::kAfiSafiDisable, 23, c.attr, kIpv6Unicast});
    CHECK_FALSE(u.attrs.mp_reach.has_value());
    CHECK_FALSE(u.attrs.mp_unreach.has_value());
  }
}

TEST_CASE("robustness E27: the valid IPv6 MP_REACH_NLRI the cases mutate") {
  const Update u = Survives(V6Body(ReachAttr(Reach6Value())));
  CHECK(u.problems.empty());
  REQUIRE(u.attrs.mp_reach.has_value());
  CHECK(u.attrs.mp_reach->next_hop.ToString() == "fd00::1");
  CHECK(u.attrs.mp_reach->nlri.at(0).ToString() == "fd00:10:241:1::/64");
  // A 32-byte next hop: global + link-local.
  const Update ll =
      Survives(V6Body(ReachAttr(Cat({H("0002 01 20"), kNh6, kLinkLocal, H("00"), kPrefix6}))));
  CHECK(ll.problems.empty());
  CHECK(ll.attrs.mp_reach->link_local->ToString() == "fe80::1");
}

TEST_CASE("robustness E27: MP_REACH_NLRI malformed -> 3/9 AFI/SAFI disable, family named") {
  struct Case {
    const char* name;
    Bytes value;
    Family family;
  };
  const Bytes nh4 = H("0a000002");
  const Case cases[] = {
      {"IPv6 next hop length 0", Cat({H("0002 01 00 00"), kPrefix6}), kIpv6Unicast},
      {"IPv6 next hop length 4", Cat({H("0002 01 04 0a000002 00"), kPrefix6}), kIpv6Unicast},
      {"IPv6 next hop length 9", Cat({H("0002 01 09"), Bytes(9, 1), H("00"), kPrefix6}),
       kIpv6Unicast},
      {"IPv6 next hop length 24 (VPN size)",
       Cat({H("0002 01 18"), Bytes(24, 1), H("00"), kPrefix6}), kIpv6Unicast},
      {"IPv6 next hop length 33", Cat({H("0002 01 21"), Bytes(33, 1), H("00"), kPrefix6}),
       kIpv6Unicast},
      {"IPv6 next hop length 48 (VPN size)",
       Cat({H("0002 01 30"), Bytes(48, 1), H("00"), kPrefix6}), kIpv6Unicast},
      {"IPv6 next hop length 64", Cat({H("0002 01 40"), Bytes(64, 1), H("00"), kPrefix6}),
       kIpv6Unicast},
      {"IPv4 next hop length 8", Cat({H("0001 01 08"), nh4, nh4, H("00 18 0a0001")}), kIpv4Unicast},
      {"IPv4 next hop length 0", H("0001 01 00 00 18 0a0001"), kIpv4Unicast},
      {"next hop overruns the attribute", Cat({H("0002 01 10"), Bytes(8, 0xfd)}), kIpv6Unicast},
      {"no reserved octet", Cat({H("0002 01 10"), kNh6}), kIpv6Unicast},
      {"3 bytes: ends before the next hop length", H("0002 01"), kIpv6Unicast},
      {"4 bytes: next hop missing", H("0002 01 10"), kIpv6Unicast},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const Bytes attr = ReachAttr(c.value);
    const Update u = Survives(V6Body(attr));
    CHECK(u.action == Action::kAfiSafiDisable);
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {9, Action::kAfiSafiDisable, 23, attr, c.family});
    CHECK_FALSE(u.attrs.mp_reach.has_value());
  }
}

TEST_CASE("robustness E27: MP_REACH_NLRI next hop lengths that are valid") {
  const Bytes nh4 = H("0a000002");
  for (const Bytes& value :
       {Cat({H("0001 01 04"), nh4, H("00 18 0a0001")}),
        Cat({H("0001 01 10"), kNh6, H("00 18 0a0001")}),              // RFC 8950
        Cat({H("0001 01 20"), kNh6, kLinkLocal, H("00 18 0a0001")}),  // RFC 8950
        Cat({H("0002 01 10"), kNh6, H("00"), kPrefix6}),
        Cat({H("0002 01 20"), kNh6, kLinkLocal, H("00"), kPrefix6})}) {
    CAPTURE(Hex(value));
    const Update u = Survives(V6Body(ReachAttr(value)));
    CHECK(u.problems.empty());
    CHECK(u.AnnouncedCount() == 1);
  }
}

TEST_CASE("robustness E27: MP_REACH_NLRI < 3 bytes and MP_UNREACH_NLRI < 3 -> 3/9 reset") {
  for (const Bytes& value : {H(""), H("00"), H("0002")}) {
    CAPTURE(Hex(value));
    const Bytes reach = ReachAttr(value);
    Resets(V6Body(reach), {9, Action::kSessionReset, 23, reach});
    const Bytes unreach = UnreachAttr(value);
    Resets(UpdateBody({}, unreach, {}), {9, Action::kSessionReset, 23, unreach});
    // Beside IPv4 NLRI that could be withdrawn: still a reset (§5.3).
    Resets(UpdateBody({}, Cat({unreach, BasicAttrs()}), kNlri),
           {9, Action::kSessionReset, 23, unreach});
  }
}

TEST_CASE("robustness E27: unsupported family -> attribute discard, un-negotiated -> disable") {
  SUBCASE("MP_REACH for EVPN (25/70) is discarded") {
    const Bytes attr = ReachAttr(H("0019 46 04 0a000002 00 02 21 0000"));
    const Update u = Survives(V6Body(attr));
    CHECK(u.action == Action::kAttributeDiscard);
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {9, Action::kAttributeDiscard, 23, attr, kEvpn});
    CHECK_FALSE(u.attrs.mp_reach.has_value());
  }
  SUBCASE("MP_UNREACH for EVPN is discarded") {
    const Bytes attr = UnreachAttr(H("0019 46 02 21 0000"));
    const Update u = Survives(UpdateBody({}, attr, {}));
    CHECK(u.action == Action::kAttributeDiscard);
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {9, Action::kAttributeDiscard, 23, attr, kEvpn});
  }
  SUBCASE("IPv6 on a session that did not negotiate it -> disable IPv6") {
    Context ctx;
    ctx.ipv6_unicast = false;
    const Bytes attr = ReachAttr(Reach6Value());
    const Update u = Survives(V6Body(attr), ctx);
    CHECK(u.action == Action::kAfiSafiDisable);
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {9, Action::kAfiSafiDisable, 23, attr, kIpv6Unicast});
    const Bytes unreach = UnreachAttr(Cat({H("0002 01"), kPrefix6}));
    const Update w = Survives(UpdateBody({}, unreach, {}), ctx);
    CHECK(w.action == Action::kAfiSafiDisable);
    REQUIRE(w.problems.size() == 1);
    CheckError(w.problems[0], {9, Action::kAfiSafiDisable, 23, unreach, kIpv6Unicast});
  }
  SUBCASE("IPv4 in MP_REACH on a session without IPv4 -> disable IPv4") {
    Context ctx;
    ctx.ipv4_unicast = false;
    const Bytes attr = ReachAttr(H("0001 01 04 0a000002 00 18 0a0001"));
    const Update u = Survives(V6Body(attr), ctx);
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {9, Action::kAfiSafiDisable, 23, attr, kIpv4Unicast});
  }
}

TEST_CASE("robustness E27: a disabled family does not take the IPv4 NLRI with it") {
  const Bytes attr = ReachAttr(Cat({H("0002 01 09"), Bytes(9, 1), H("00"), kPrefix6}));
  const Update u = Survives(UpdateBody({}, Cat({attr, BasicAttrs()}), kNlri));
  CHECK(u.action == Action::kAfiSafiDisable);
  REQUIRE(u.problems.size() == 1);
  CheckError(u.problems[0], {9, Action::kAfiSafiDisable, 23, attr, kIpv6Unicast});
  REQUIRE(u.nlri.size() == 1);
  CHECK(u.attrs.next_hop.has_value());
  // The worse action still wins over a treat-as-withdraw in the same UPDATE (§3(h)).
  const Update both = Survives(
      UpdateBody({}, Cat({attr, H("40 01 01 07"), kAsPath, Attr(0x40, 3, H("0a000002"))}), kNlri));
  CHECK(both.action == Action::kAfiSafiDisable);
  REQUIRE(both.problems.size() == 2);
  CHECK(both.problems[1].subcode == 6);
  CHECK(both.problems[1].action == Action::kTreatAsWithdraw);
}

TEST_CASE("robustness E28: ADD-PATH identifier without negotiation, or missing with it") {
  Context no_ap;
  SUBCASE("path id sent, ADD-PATH not negotiated -> prefix length 100 -> 3/10") {
    // 00 00 00 64 18 0a0001 reads as /0, /0, /0, then /100 at 43 + 3.
    Resets(UpdateBody({}, BasicAttrs(), H("00000064 18 0a0001")),
           {10, Action::kSessionReset, 46, {}}, no_ap);
  }
  Context ap;
  ap.add_path_ipv4 = true;
  SUBCASE("ADD-PATH negotiated, identifier present -> accepted") {
    const Update u =
        Survives(UpdateBody(H("00000002 18 0a0002"), BasicAttrs(), H("00000001 18 0a0001")), ap);
    CHECK(u.problems.empty());
    CHECK(u.nlri.at(0).path_id == 1);
    CHECK(u.withdrawn.at(0).path_id == 2);
  }
  SUBCASE("ADD-PATH negotiated, identifier missing -> 3/10") {
    Resets(UpdateBody({}, BasicAttrs(), kNlri), {10, Action::kSessionReset, 43, {}}, ap);
    Resets(UpdateBody(H("18 0a0002"), {}, {}), {10, Action::kSessionReset, 21, {}}, ap);
  }
  SUBCASE("ADD-PATH for IPv6, identifier missing in MP_REACH -> disable IPv6") {
    Context ap6;
    ap6.add_path_ipv6 = true;
    // "40 fd00 0010 ..." misread: id 0x40fd0000, a /16, then a 2-byte truncated path id.
    const Bytes attr = ReachAttr(Reach6Value());
    const Update u = Survives(V6Body(attr), ap6);
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {9, Action::kAfiSafiDisable, 23, attr, kIpv6Unicast});
  }
}

TEST_CASE("robustness E29: typed NLRI this speaker does not support -> discarded") {
  // Flowspec (SAFI 133) is not implemented: every flowspec MP_* is an unsupported family,
  // whatever its NLRI (zero-length CVE-2023-38406, < 20 bytes CVE-2025-43972).
  struct Case {
    const char* name;
    Bytes attr;
  };
  const Case cases[] = {
      {"flowspec MP_REACH, zero-length NLRI", ReachAttr(H("0001 85 00 00 00"))},
      {"flowspec MP_REACH, short NLRI", ReachAttr(H("0001 85 00 00 05 01 18 0a0001"))},
      {"flowspec MP_REACH, nothing after SAFI", ReachAttr(H("0001 85"))},
      {"flowspec MP_UNREACH, zero-length NLRI", UnreachAttr(H("0001 85 00"))},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const Update u = Survives(V6Body(c.attr));
    CHECK(u.action == Action::kAttributeDiscard);
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {9, Action::kAttributeDiscard, 23, c.attr, kFlowspec4});
  }
  // No other attributes at all (CVE-2023-41909): still only a discard.
  const Bytes lone = ReachAttr(H("0001 85 00 00 00"));
  const Update u = Survives(UpdateBody({}, lone, {}));
  CHECK(u.action == Action::kAttributeDiscard);
  REQUIRE(u.problems.size() == 1);
  CheckError(u.problems[0], {9, Action::kAttributeDiscard, 23, lone, kFlowspec4});
}
