// Robustness checklist group C (robustness.md §3): UPDATE structure and RFC 7606 handling
// (§3(b)-(d), (g), (j), §4, §5.2), RFC 4271 §4.3 and §6.3, RFC 4760.
//
// Each case starts from a valid UPDATE (ORIGIN, AS_PATH, NEXT_HOP, NLRI 10.0.1.0/24) and
// changes one thing. With no withdrawn routes the attributes start at offset 23 from the
// marker: ORIGIN 23, AS_PATH 27, NEXT_HOP 36, and the NLRI at 43.
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
  std::uint8_t subcode;  // code 3, UPDATE Message Error
  Action action;
  std::size_t offset;
  Bytes data;
};

void CheckError(const Error& e, const Want& w) {
  INFO(Describe(e));
  CHECK(static_cast<int>(e.code) == 3);
  CHECK(static_cast<int>(e.subcode) == static_cast<int>(w.subcode));
  CHECK(std::string(ToString(e.action)) == std::string(ToString(w.action)));
  CHECK(e.offset == w.offset);
  CHECK(Hex(e.data) == Hex(w.data));
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
  CHECK(m.error().action == Action::kSessionReset);
  CheckError(m.error(), w);
}

const Bytes kNlri = H("18 0a0001");  // 10.0.1.0/24
const Bytes kOrigin = Attr(0x40, 1, {0x00});
const Bytes kAsPath = Attr(0x40, 2, H("02 01 0000fe4c"));
const Bytes kNextHop = Attr(0x40, 3, H("0a000002"));
// IPv6 fd00:10:241:1::/64 via fd00::1, and its withdrawal.
const Bytes kMpReach6 =
    Attr(0x80, 14, H("0002 01 10 fd000000000000000000000000000001 00 40 fd00001002410001"));
const Bytes kMpUnreach6 = Attr(0x80, 15, H("0002 01 40 fd00001002410001"));

// The basic attributes without `type`, in their usual order.
Bytes BasicWithout(std::uint8_t type) {
  Bytes out;
  if (type != 1) out = Cat({out, kOrigin});
  if (type != 2) out = Cat({out, kAsPath});
  if (type != 3) out = Cat({out, kNextHop});
  return out;
}

// One attribute placed first (offset 23) in front of the other basic attributes.
struct AttrCase {
  const char* name;
  Bytes attr;
  std::uint8_t subcode;  // ignored when accepted
  Action action;         // kNone: accepted without a problem
  bool attr_as_data;     // NOTIFICATION data is the attribute (RFC 4271 §6.3)
};

void RunAttrCase(const AttrCase& c, const Context& ctx = {}) {
  INFO(c.name);
  const std::uint8_t type = c.attr[1];
  const Bytes body = UpdateBody({}, Cat({c.attr, BasicWithout(type)}), kNlri);
  const Want want{c.subcode, c.action, 23, c.attr_as_data ? c.attr : Bytes{}};
  if (c.action == Action::kSessionReset) {
    Resets(body, want, ctx);
    return;
  }
  const Update u = Survives(body, ctx);
  CHECK(u.nlri.size() == 1);
  if (c.action == Action::kNone) {
    CHECK(u.problems.empty());
    CHECK(u.action == Action::kNone);
    CHECK(u.attrs.Has(static_cast<AttrType>(type)));
    return;
  }
  REQUIRE(u.problems.size() == 1);
  CheckError(u.problems[0], want);
  CHECK(u.action == c.action);
  CHECK_FALSE(u.attrs.Has(static_cast<AttrType>(type)));  // nothing half-decoded survives
}

}  // namespace

TEST_CASE("robustness C: the valid UPDATE the cases mutate decodes cleanly") {
  const Update u = Survives(UpdateBody({}, BasicAttrs(), kNlri));
  CHECK(u.action == Action::kNone);
  CHECK(u.problems.empty());
  CHECK(u.nlri.size() == 1);
  CHECK(u.attrs.origin == Origin::kIgp);
  CHECK(u.attrs.as_path->ToString() == "65100");
  CHECK(u.attrs.next_hop->ToString() == "10.0.0.2");
}

TEST_CASE("robustness C14: RFC 7606 §3(b) length fields past the message -> 3/1 reset") {
  struct Case {
    const char* name;
    Bytes withdrawn;
    std::size_t field;  // offset in the body of the length field to overwrite
    std::uint16_t value;
    std::size_t offset;
  };
  const Case cases[] = {
      {"Withdrawn Routes Length 65535", {}, 0, 0xffff, 19},
      {"Withdrawn Routes Length leaves no room for Attr Len", {}, 0, 25, 19},
      {"Total Path Attribute Length one past the end", {}, 2, 25, 21},
      {"Total Path Attribute Length 65535", {}, 2, 0xffff, 21},
      {"Attr Len past the end after withdrawn routes", H("18 0a0002"), 6, 0xffff, 25},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Bytes body = UpdateBody(c.withdrawn, BasicAttrs(), kNlri);
    body[c.field] = static_cast<std::uint8_t>(c.value >> 8);
    body[c.field + 1] = static_cast<std::uint8_t>(c.value);
    Resets(body, {1, Action::kSessionReset, c.offset, {}});
  }
}

TEST_CASE("robustness C15: Attr Len 0 with NLRI -> treat-as-withdraw, 3/3 x3 (CVE-2023-41358)") {
  const Update u = Survives(UpdateBody({}, {}, kNlri));
  CHECK(u.action == Action::kTreatAsWithdraw);
  CHECK(u.nlri.size() == 1);  // the routes to withdraw
  CHECK(u.attrs == PathAttributes{});
  REQUIRE(u.problems.size() == 3);
  // RFC 4271 §6.3: Data = the type code of the missing attribute.
  CheckError(u.problems[0], {3, Action::kTreatAsWithdraw, 23, H("01")});
  CheckError(u.problems[1], {3, Action::kTreatAsWithdraw, 23, H("02")});
  CheckError(u.problems[2], {3, Action::kTreatAsWithdraw, 23, H("03")});
}

TEST_CASE("robustness C16: attribute overrun or junk -> treat-as-withdraw, NLRI via Attr Len") {
  struct Case {
    const char* name;
    Bytes attrs;
    Want first;
    std::vector<std::uint8_t> missing;  // then 3/3 for each of these type codes
  };
  const Case cases[] = {
      {"last attribute overruns Attr Len",
       Cat({kOrigin, kAsPath, H("40 03 05 0a000002")}),
       {5, Action::kTreatAsWithdraw, 36, {}},
       {3}},
      {"extended-length attribute overruns",
       Cat({kOrigin, kAsPath, H("50 03 0005 0a000002")}),
       {5, Action::kTreatAsWithdraw, 36, {}},
       {3}},
      {"middle attribute overruns",
       Cat({kOrigin, H("40 02 ff 020100 00fe4c"), kNextHop}),
       {5, Action::kTreatAsWithdraw, 27, {}},
       {2, 3}},
      {"1 junk byte", Cat({BasicAttrs(), H("00")}), {1, Action::kTreatAsWithdraw, 43, {}}, {}},
      {"2 junk bytes", Cat({BasicAttrs(), H("40 01")}), {1, Action::kTreatAsWithdraw, 43, {}}, {}},
      {"3 bytes with Extended Length",
       Cat({BasicAttrs(), H("50 08 00")}),
       {1, Action::kTreatAsWithdraw, 43, {}},
       {}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const Update u = Survives(UpdateBody({}, c.attrs, kNlri));
    CHECK(u.action == Action::kTreatAsWithdraw);
    REQUIRE(u.nlri.size() == 1);  // RFC 7606 §4: found through Total Path Attribute Length
    CHECK(u.nlri[0].ToString() == "10.0.1.0/24");
    REQUIRE(u.problems.size() == 1 + c.missing.size());
    CheckError(u.problems[0], c.first);
    for (std::size_t i = 0; i < c.missing.size(); ++i) {
      CheckError(u.problems[1 + i], {3, Action::kTreatAsWithdraw, 23, {c.missing[i]}});
    }
    CHECK(u.attrs.origin.has_value());  // attributes before the damage are kept
  }
}

TEST_CASE("robustness C16: attribute overrun or junk without NLRI -> session reset") {
  // RFC 7606 §5.2: nothing to withdraw, so treat-as-withdraw becomes a session reset.
  struct Case {
    const char* name;
    Bytes withdrawn;
    Bytes attrs;
    Want want;
  };
  const Case cases[] = {
      {"overrun, no NLRI",
       {},
       Cat({kOrigin, kAsPath, H("40 03 05 0a000002")}),
       {5, Action::kSessionReset, 36, {}}},
      {"junk, no NLRI", {}, Cat({BasicAttrs(), H("00")}), {1, Action::kSessionReset, 43, {}}},
      {"junk, withdrawn routes only",
       H("18 0a0002"),
       Cat({BasicAttrs(), H("00")}),
       {1, Action::kSessionReset, 47, {}}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Resets(UpdateBody(c.withdrawn, c.attrs, {}), c.want);
  }
}

TEST_CASE("robustness C17: zero-length attribute of each type") {
  using A = Action;
  const AttrCase cases[] = {
      {"ORIGIN", H("40 01 00"), 5, A::kTreatAsWithdraw, true},
      {"AS_PATH (empty path is valid)", H("40 02 00"), 0, A::kNone, false},
      {"NEXT_HOP", H("40 03 00"), 5, A::kTreatAsWithdraw, true},
      {"MED", H("80 04 00"), 5, A::kTreatAsWithdraw, true},
      {"LOCAL_PREF", H("40 05 00"), 5, A::kTreatAsWithdraw, true},
      {"ATOMIC_AGGREGATE (length 0 is right)", H("40 06 00"), 0, A::kNone, false},
      {"AGGREGATOR", H("c0 07 00"), 5, A::kAttributeDiscard, true},
      {"COMMUNITIES", H("c0 08 00"), 5, A::kTreatAsWithdraw, true},
      {"ORIGINATOR_ID", H("80 09 00"), 5, A::kTreatAsWithdraw, true},
      {"CLUSTER_LIST", H("80 0a 00"), 5, A::kTreatAsWithdraw, true},
      {"MP_REACH_NLRI", H("80 0e 00"), 9, A::kSessionReset, true},
      {"MP_UNREACH_NLRI", H("80 0f 00"), 9, A::kSessionReset, true},
      {"EXTENDED_COMMUNITIES", H("c0 10 00"), 5, A::kTreatAsWithdraw, true},
      {"AS4_PATH on a 4-octet session", H("c0 11 00"), 0, A::kAttributeDiscard, false},
      {"AS4_AGGREGATOR on a 4-octet session", H("c0 12 00"), 0, A::kAttributeDiscard, false},
      {"IPv6 EXTENDED_COMMUNITIES", H("c0 19 00"), 5, A::kTreatAsWithdraw, true},
      {"LARGE_COMMUNITY", H("c0 20 00"), 5, A::kTreatAsWithdraw, true},
      {"OTC", H("c0 23 00"), 5, A::kTreatAsWithdraw, true},
      {"unknown optional transitive", H("c0 63 00"), 0, A::kNone, false},
  };
  for (const auto& c : cases) RunAttrCase(c);
}

TEST_CASE("robustness C17: Extended Length on a short attribute is accepted, byte-exact") {
  const Bytes body = UpdateBody({}, Cat({H("50 01 0001 02"), kAsPath, kNextHop}), kNlri);
  const Update u = Survives(body);
  CHECK(u.problems.empty());
  CHECK(u.attrs.origin == Origin::kIncomplete);
  const Bytes msg = Msg(MessageType::kUpdate, body);
  CHECK(Hex(EncodeMessage(Message{u}, {}).value()) == Hex(msg));
}

TEST_CASE("robustness C18: duplicate attributes, RFC 7606 §3(g)") {
  SUBCASE("duplicate ORIGIN -> later copy discarded, 3/1 attribute-discard") {
    const Update u = Survives(UpdateBody({}, Cat({BasicAttrs(), Attr(0x40, 1, {0x02})}), kNlri));
    CHECK(u.action == Action::kAttributeDiscard);
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {1, Action::kAttributeDiscard, 43, {}});
    CHECK(u.attrs.origin == Origin::kIgp);  // the first is kept
  }
  SUBCASE("duplicate malformed ORIGIN after a good one -> still just discarded") {
    const Update u = Survives(UpdateBody({}, Cat({BasicAttrs(), H("40 01 02 0000")}), kNlri));
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {1, Action::kAttributeDiscard, 43, {}});
    CHECK(u.attrs.origin == Origin::kIgp);
  }
  SUBCASE("duplicate COMMUNITIES -> first kept") {
    const Update u = Survives(UpdateBody(
        {}, Cat({BasicAttrs(), Attr(0xc0, 8, H("fde80001")), Attr(0xc0, 8, H("fde80002"))}),
        kNlri));
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {1, Action::kAttributeDiscard, 50, {}});
    CHECK(u.attrs.communities == std::vector<std::uint32_t>{0xfde80001});
  }
  SUBCASE("duplicate unknown optional attribute -> first kept") {
    const Update u = Survives(UpdateBody(
        {}, Cat({BasicAttrs(), Attr(0xc0, 99, H("01")), Attr(0xc0, 99, H("02"))}), kNlri));
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {1, Action::kAttributeDiscard, 47, {}});
    REQUIRE(u.attrs.unknown.size() == 1);
    CHECK(u.attrs.unknown[0].value == H("01"));
  }
  SUBCASE("duplicate MP_REACH_NLRI -> 3/1 session reset") {
    Resets(UpdateBody({}, Cat({kMpReach6, kMpReach6, kOrigin, kAsPath}), {}),
           {1, Action::kSessionReset, 23 + kMpReach6.size(), {}});
  }
  SUBCASE("duplicate MP_UNREACH_NLRI -> 3/1 session reset") {
    Resets(UpdateBody({}, Cat({kMpUnreach6, kMpUnreach6}), {}),
           {1, Action::kSessionReset, 23 + kMpUnreach6.size(), {}});
  }
}

TEST_CASE("robustness C19: missing well-known attribute -> 3/3 treat-as-withdraw") {
  for (std::uint8_t type : {1, 2, 3}) {
    CAPTURE(static_cast<int>(type));
    const Update u = Survives(UpdateBody({}, BasicWithout(type), kNlri));
    CHECK(u.action == Action::kTreatAsWithdraw);
    CHECK(u.nlri.size() == 1);
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {3, Action::kTreatAsWithdraw, 23, {type}});
  }
  SUBCASE("MP_REACH_NLRI without ORIGIN -> 3/3") {
    const Update u = Survives(UpdateBody({}, Cat({kMpReach6, kAsPath}), {}));
    CHECK(u.action == Action::kTreatAsWithdraw);
    REQUIRE(u.problems.size() == 1);
    CheckError(u.problems[0], {3, Action::kTreatAsWithdraw, 23, H("01")});
    CHECK(u.attrs.mp_reach->nlri.size() == 1);
  }
}

TEST_CASE("robustness C19: MP-only needs no NEXT_HOP, a lone MP_UNREACH needs nothing") {
  const Update reach = Survives(UpdateBody({}, Cat({kMpReach6, kOrigin, kAsPath}), {}));
  CHECK(reach.action == Action::kNone);
  CHECK(reach.AnnouncedCount() == 1);
  const Update unreach = Survives(UpdateBody({}, kMpUnreach6, {}));
  CHECK(unreach.action == Action::kNone);
  CHECK(unreach.WithdrawnCount() == 1);
  // Withdrawn Routes only, no attributes: a plain withdrawal.
  const Update withdraw = Survives(UpdateBody(H("18 0a0001"), {}, {}));
  CHECK(withdraw.action == Action::kNone);
  CHECK(withdraw.withdrawn.size() == 1);
}

TEST_CASE("robustness C20: unknown transitive attribute + NLRI only -> treat-as-withdraw") {
  // CVE-2023-46753: nothing but an unknown attribute and NLRI.
  const Bytes unknown = Attr(0xc0, 99, H("deadbeef"));
  const Update u = Survives(UpdateBody({}, unknown, kNlri));
  CHECK(u.action == Action::kTreatAsWithdraw);
  CHECK(u.nlri.size() == 1);
  REQUIRE(u.problems.size() == 3);
  for (std::uint8_t t = 1; t <= 3; ++t) {
    CheckError(u.problems[t - 1], {3, Action::kTreatAsWithdraw, 23, {t}});
  }
  REQUIRE(u.attrs.unknown.size() == 1);
  CHECK(u.attrs.unknown[0].value == H("deadbeef"));
}

TEST_CASE("robustness C21: MP_UNREACH + NLRI without mandatory attributes -> treat-as-withdraw") {
  // CVE-2023-47234: the NLRI field still needs ORIGIN, AS_PATH and NEXT_HOP.
  const Update u = Survives(UpdateBody({}, kMpUnreach6, kNlri));
  CHECK(u.action == Action::kTreatAsWithdraw);
  CHECK(u.nlri.size() == 1);
  CHECK(u.attrs.mp_unreach->withdrawn.size() == 1);  // withdrawals stand either way
  REQUIRE(u.problems.size() == 3);
  for (std::uint8_t t = 1; t <= 3; ++t) {
    CheckError(u.problems[t - 1], {3, Action::kTreatAsWithdraw, 23, {t}});
  }
}

TEST_CASE("robustness C21: End-of-RIB with a malformed attribute -> session reset") {
  // CVE-2023-47235. RFC 7606 §5.2: no reachable NLRI, so no treat-as-withdraw.
  Resets(UpdateBody({}, Cat({H("80 0f 03 000201"), H("40 01 02 0000")}), {}),
         {5, Action::kSessionReset, 29, H("40 01 02 0000")});
  Resets(UpdateBody({}, H("40 01 01 05"), {}), {6, Action::kSessionReset, 23, H("40 01 01 05")});
  // A malformed attribute that is only discarded leaves the UPDATE standing.
  const Update u = Survives(UpdateBody({}, Cat({kMpUnreach6, H("c0 07 00")}), {}));
  CHECK(u.action == Action::kAttributeDiscard);
  CHECK(u.WithdrawnCount() == 1);
  // The markers themselves decode as End-of-RIB.
  CHECK(Survives(UpdateBody({}, {}, {})).EndOfRib() == kIpv4Unicast);
  CHECK(Survives(UpdateBody({}, H("80 0f 03 000201"), {})).EndOfRib() == kIpv6Unicast);
}

TEST_CASE("robustness C22: a prefix in Withdrawn and NLRI -> both kept, announced") {
  const Update u = Survives(UpdateBody(kNlri, BasicAttrs(), kNlri));
  CHECK(u.action == Action::kNone);
  REQUIRE(u.withdrawn.size() == 1);
  REQUIRE(u.nlri.size() == 1);
  CHECK(u.withdrawn[0] == u.nlri[0]);
  // RFC 4271 §4.3 order (withdraw, then announce) so it ends installed: RIB layer.
}

TEST_CASE("robustness C23: flags contradicting the type -> 3/4 with the attribute's action") {
  using A = Action;
  const AttrCase cases[] = {
      {"ORIGIN marked optional", H("c0 01 01 00"), 4, A::kTreatAsWithdraw, true},
      {"ORIGIN without Transitive (osrg/gobgp #3392)", H("00 01 01 00"), 4, A::kTreatAsWithdraw,
       true},
      {"ORIGIN with Partial", H("60 01 01 00"), 4, A::kTreatAsWithdraw, true},
      {"AS_PATH marked optional", H("c0 02 06 02 01 0000fe4c"), 4, A::kTreatAsWithdraw, true},
      {"NEXT_HOP non-transitive", H("00 03 04 0a000002"), 4, A::kTreatAsWithdraw, true},
      {"ATOMIC_AGGREGATE marked optional", H("c0 06 00"), 4, A::kAttributeDiscard, true},
      {"MED marked transitive", H("c0 04 04 00000064"), 4, A::kTreatAsWithdraw, true},
      {"MED with Partial", H("a0 04 04 00000064"), 4, A::kTreatAsWithdraw, true},
      {"MED marked well-known", H("40 04 04 00000064"), 4, A::kTreatAsWithdraw, true},
      {"AGGREGATOR non-transitive", H("80 07 08 0000fe4c 0a000001"), 4, A::kAttributeDiscard, true},
      {"COMMUNITIES marked well-known", H("40 08 04 fde80001"), 4, A::kTreatAsWithdraw, true},
      {"MP_REACH_NLRI marked transitive", H("c0 0e 03 000201"), 4, A::kSessionReset, true},
      {"MP_UNREACH_NLRI marked well-known", H("40 0f 03 000201"), 4, A::kSessionReset, true},
      {"unknown type marked well-known (GoBGP CVE-2026-41642)", H("40 63 02 abcd"), 2,
       A::kSessionReset, true},
      {"unknown type, well-known non-transitive", H("00 63 00"), 2, A::kSessionReset, true},
      {"COMMUNITIES with Partial (allowed)", H("e0 08 04 fde80001"), 0, A::kNone, false},
      {"ORIGIN with the low 4 bits set (ignored)", H("4f 01 01 00"), 0, A::kNone, false},
      {"MED with the low 4 bits set", H("8f 04 04 00000064"), 0, A::kNone, false},
      {"unknown optional with the low 4 bits set", H("cf 63 01 00"), 0, A::kNone, false},
  };
  for (const auto& c : cases) RunAttrCase(c);
}

TEST_CASE("robustness C23: LOCAL_PREF flags error depends on the peer type") {
  Context ibgp;
  ibgp.peer_type = PeerType::kInternal;
  RunAttrCase({"LOCAL_PREF marked optional, iBGP", H("80 05 04 00000064"), 4,
               Action::kTreatAsWithdraw, true},
              ibgp);
  Context ebgp;
  ebgp.peer_type = PeerType::kExternal;
  RunAttrCase({"LOCAL_PREF marked optional, eBGP", H("80 05 04 00000064"), 4,
               Action::kAttributeDiscard, true},
              ebgp);
}
