// Robustness checklist group D (robustness.md §3): attribute values, table-driven in the
// style of FRR's tests/topotests/bgp_rfc7606_*/cases.py. One row per mutation of one
// attribute; the expected action is robustness.md §1's table (RFC 7606 §7, RFC 6793 §6,
// RFC 7607, RFC 5065 §5, RFC 9234 §5).
//
// Every row puts the attribute under test first (offset 23 from the marker), followed by
// whichever of ORIGIN, AS_PATH [65100] and NEXT_HOP 10.0.0.2 it does not replace, and the
// NLRI 10.0.1.0/24. Zero lengths are in robustness_update_test.cpp (C17).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bgp/wire/message.h"
#include "core/hex.h"
#include "tests/test_util.h"

using namespace bgpdemo::bgp::wire;
using bgpdemo::test::Attr;
using bgpdemo::test::Bytes;
using bgpdemo::test::Cat;
using bgpdemo::test::H;
using bgpdemo::test::Msg;
using bgpdemo::test::UpdateBody;

namespace {

std::string Hex(const Bytes& b) {
  return bgpdemo::core::ToHex(b);
}

const Bytes kNlri = H("18 0a0001");

// Which session the row is received on.
enum class Peer { kAny, kIbgp, kEbgp, kTwoOctet };

Context ContextFor(Peer p) {
  Context ctx;
  if (p == Peer::kIbgp) ctx.peer_type = PeerType::kInternal;
  if (p == Peer::kEbgp) ctx.peer_type = PeerType::kExternal;
  if (p == Peer::kTwoOctet) ctx.four_octet_as = false;
  return ctx;
}

Bytes BasicWithout(std::uint8_t type, Peer p) {
  Bytes out;
  if (type != 1) out = Cat({out, Attr(0x40, 1, {0x00})});
  if (type != 2) {
    out = Cat({out, Attr(0x40, 2, p == Peer::kTwoOctet ? H("02 01 fe4c") : H("02 01 0000fe4c"))});
  }
  if (type != 3) out = Cat({out, Attr(0x40, 3, H("0a000002"))});
  return out;
}

// A row: the attribute, the session, and the outcome. subcode/data only matter when the
// action is not kNone; data is the whole attribute (RFC 4271 §6.3) unless attr_as_data is
// false (Malformed AS_PATH and the RFC 6793 §3 discard carry none).
struct Row {
  const char* name;
  Bytes attr;
  Peer peer;
  std::uint8_t subcode;
  Action action;
  bool attr_as_data = true;
};

void Run(const Row& row) {
  INFO(row.name);
  const std::uint8_t type = row.attr[1];
  const Bytes msg = Msg(MessageType::kUpdate,
                        UpdateBody({}, Cat({row.attr, BasicWithout(type, row.peer)}), kNlri));
  auto m = DecodeMessage(msg, ContextFor(row.peer));
  if (row.action == Action::kSessionReset) {
    REQUIRE_FALSE(m.has_value());
    const Error& e = m.error();
    INFO(Describe(e));
    CHECK(static_cast<int>(e.subcode) == row.subcode);
    CHECK(e.offset == 23);
    return;
  }
  if (!m) FAIL(Describe(m.error()));
  const Update& u = std::get<Update>(*m);
  CHECK(u.nlri.size() == 1);
  if (row.action == Action::kNone) {
    const std::string first = u.problems.empty() ? "" : Describe(u.problems[0]);
    INFO(first);
    CHECK(u.problems.empty());
    CHECK(u.attrs.Has(static_cast<AttrType>(type)));
    return;
  }
  REQUIRE(u.problems.size() == 1);
  const Error& e = u.problems[0];
  INFO(Describe(e));
  CHECK(static_cast<int>(e.code) == 3);
  CHECK(static_cast<int>(e.subcode) == row.subcode);
  CHECK(std::string(ToString(e.action)) == std::string(ToString(row.action)));
  CHECK(std::string(ToString(u.action)) == std::string(ToString(row.action)));
  CHECK(e.offset == 23);
  CHECK(Hex(e.data) == Hex(row.attr_as_data ? row.attr : Bytes{}));
  CHECK_FALSE(u.attrs.Has(static_cast<AttrType>(type)));
}

constexpr Action kTaw = Action::kTreatAsWithdraw;
constexpr Action kAd = Action::kAttributeDiscard;
constexpr Action kOk = Action::kNone;

}  // namespace

TEST_CASE("robustness D24: ORIGIN length +-1 and values 3/255 -> treat-as-withdraw") {
  const Row rows[] = {
      {"ORIGIN IGP", H("40 01 01 00"), Peer::kAny, 0, kOk},
      {"ORIGIN INCOMPLETE", H("40 01 01 02"), Peer::kAny, 0, kOk},
      {"ORIGIN len 2", H("40 01 02 0000"), Peer::kAny, 5, kTaw},
      {"ORIGIN 3", H("40 01 01 03"), Peer::kAny, 6, kTaw},
      {"ORIGIN 255", H("40 01 01 ff"), Peer::kAny, 6, kTaw},
  };
  for (const auto& r : rows) Run(r);
}

TEST_CASE("robustness D24: AS_PATH malformations -> 3/11 treat-as-withdraw") {
  const Row rows[] = {
      {"valid", H("40 02 06 02 01 0000fe4c"), Peer::kAny, 0, kOk},
      {"len -1: segment overruns", H("40 02 05 02 01 0000fe"), Peer::kAny, 11, kTaw, false},
      {"len +1: 1 octet left", H("40 02 07 02 01 0000fe4c 02"), Peer::kAny, 11, kTaw, false},
      {"len 1", H("40 02 01 02"), Peer::kAny, 11, kTaw, false},
      {"segment type 0", H("40 02 06 00 01 0000fe4c"), Peer::kAny, 11, kTaw, false},
      {"segment type 5", H("40 02 06 05 01 0000fe4c"), Peer::kAny, 11, kTaw, false},
      {"segment length 0 (GHSA-frrj-87jh-2772)", H("40 02 02 02 00"), Peer::kAny, 11, kTaw, false},
      {"segment length 0 after a good one", H("40 02 08 02 01 0000fe4c 02 00"), Peer::kAny, 11,
       kTaw, false},
      {"segment length 255 on a short buffer", H("40 02 06 02 ff 0000fe4c"), Peer::kAny, 11, kTaw,
       false},
      {"AS 0 (RFC 7607)", H("40 02 06 02 01 00000000"), Peer::kAny, 11, kTaw, false},
      {"AS 0 inside an AS_SET", H("40 02 0a 01 02 0000fe4c 00000000"), Peer::kAny, 11, kTaw, false},
      {"2-octet ASNs on a 4-octet session", H("40 02 04 02 01 fe4c"), Peer::kAny, 11, kTaw, false},
      {"4-octet ASNs on a 2-octet session", H("40 02 06 02 01 0000fe4c"), Peer::kTwoOctet, 11, kTaw,
       false},
      {"2-octet path on a 2-octet session", H("40 02 04 02 01 fe4c"), Peer::kTwoOctet, 0, kOk},
      {"AS_CONFED_SEQUENCE from eBGP (RFC 5065 §5)", H("40 02 0c 03 01 0000fde8 02 01 0000fe4c"),
       Peer::kEbgp, 11, kTaw, false},
      {"AS_CONFED_SET from eBGP", H("40 02 0c 04 01 0000fde8 02 01 0000fe4c"), Peer::kEbgp, 11,
       kTaw, false},
      {"AS_CONFED_SEQUENCE from iBGP", H("40 02 0c 03 01 0000fde8 02 01 0000fe4c"), Peer::kIbgp, 0,
       kOk},
  };
  for (const auto& r : rows) Run(r);
}

TEST_CASE("robustness D24: AS_PATH first AS != peer -> 3/11 treat-as-withdraw") {
  // NX-OS CVE-2026-20171. RFC 4271 §6.3 lets a speaker check the leftmost AS.
  const Bytes path = H("40 02 0a 02 02 0000fe4c 0000fde8");
  const Bytes msg =
      Msg(MessageType::kUpdate, UpdateBody({}, Cat({path, BasicWithout(2, Peer::kEbgp)}), kNlri));
  Context ctx = ContextFor(Peer::kEbgp);
  ctx.enforce_first_as = 65100;
  CHECK(std::get<Update>(DecodeMessage(msg, ctx).value()).problems.empty());
  for (std::uint32_t peer_as : {65000u, 65001u, 4200000000u}) {
    CAPTURE(peer_as);
    ctx.enforce_first_as = peer_as;
    const Update u = std::get<Update>(DecodeMessage(msg, ctx).value());
    CHECK(u.action == kTaw);
    REQUIRE(u.problems.size() == 1);
    CHECK(u.problems[0].subcode == 11);
    CHECK(u.problems[0].offset == 23);
    CHECK_FALSE(u.attrs.as_path.has_value());
  }
  // An empty AS_PATH or one starting with an AS_SET has no first AS to match.
  for (const Bytes& p : {H("40 02 00"), H("40 02 06 01 01 0000fe4c")}) {
    const Bytes m2 =
        Msg(MessageType::kUpdate, UpdateBody({}, Cat({p, BasicWithout(2, Peer::kEbgp)}), kNlri));
    ctx.enforce_first_as = 65100;
    const Update u = std::get<Update>(DecodeMessage(m2, ctx).value());
    REQUIRE(u.problems.size() == 1);
    CHECK(u.problems[0].subcode == 11);
    CHECK(u.action == kTaw);
  }
}

TEST_CASE("robustness D24: AS_PATH > 255 and > 2048 ASNs decode (BIRD CVE-2026-49943)") {
  // Segments hold at most 255 ASNs, so long paths come as several segments.
  auto path_of = [](std::size_t asns) {
    Bytes v;
    for (std::size_t left = asns, n = 0; left > 0; left -= n) {
      n = std::min<std::size_t>(255, left);
      v.push_back(2);
      v.push_back(static_cast<std::uint8_t>(n));
      for (std::size_t i = 0; i < n; ++i) v.insert(v.end(), {0x00, 0x01, 0x00, 0x01});
    }
    return Attr(0x50, 2, v);
  };
  Context ext;
  ext.extended_message = true;
  for (std::size_t n : {256u, 300u, 2048u, 2049u, 4000u}) {
    CAPTURE(n);
    const Bytes msg = Msg(MessageType::kUpdate,
                          UpdateBody({}, Cat({path_of(n), BasicWithout(2, Peer::kAny)}), kNlri));
    auto m = DecodeMessage(msg, ext);
    REQUIRE(m.has_value());
    const Update& u = std::get<Update>(*m);
    CHECK(u.problems.empty());
    CHECK(u.attrs.as_path->AsnCount() == n);
    CHECK(u.attrs.as_path->PathLength() == n);
  }
}

TEST_CASE("robustness D24: AS4_PATH before AS_PATH (GoBGP CVE-2026-41643)") {
  const Bytes as4 = Attr(0xc0, 17, H("02 01 fa56ea01"));  // [4200000001]
  const Bytes origin = Attr(0x40, 1, {0x00});
  const Bytes next_hop = Attr(0x40, 3, H("0a000002"));
  // A 2-octet session: the order does not matter; the merged path has the 4-octet AS.
  const Bytes two_msg =
      Msg(MessageType::kUpdate,
          UpdateBody({}, Cat({as4, origin, Attr(0x40, 2, H("02 02 fe4c 5ba0")), next_hop}), kNlri));
  const Update two = std::get<Update>(DecodeMessage(two_msg, ContextFor(Peer::kTwoOctet)).value());
  CHECK(two.problems.empty());
  CHECK(two.attrs.as_path->ToString() == "65100 23456");
  CHECK(two.attrs.EffectivePath().ToString() == "65100 4200000001");
  // A 4-octet session: AS4_PATH has no meaning (RFC 6793 §3) and is discarded; AS_PATH stands.
  const Bytes four_msg =
      Msg(MessageType::kUpdate,
          UpdateBody({}, Cat({as4, origin, Attr(0x40, 2, H("02 02 0000fe4c 00005ba0")), next_hop}),
                     kNlri));
  const Update four = std::get<Update>(DecodeMessage(four_msg, ContextFor(Peer::kAny)).value());
  REQUIRE(four.problems.size() == 1);
  CHECK(four.problems[0].subcode == 0);
  CHECK(four.problems[0].offset == 23);
  CHECK(four.problems[0].action == kAd);
  CHECK(four.action == kAd);
  CHECK_FALSE(four.attrs.as4_path.has_value());
  CHECK(four.attrs.EffectivePath().ToString() == "65100 23456");
}

TEST_CASE("robustness D24: NEXT_HOP length +-1 and unusable addresses") {
  const Row rows[] = {
      {"valid", H("40 03 04 0a000002"), Peer::kAny, 0, kOk},
      {"len 3 (GoBGP CVE-2026-30405)", H("40 03 03 0a0000"), Peer::kAny, 5, kTaw},
      {"len 5", H("40 03 05 0a00000200"), Peer::kAny, 5, kTaw},
      {"0.0.0.0", H("40 03 04 00000000"), Peer::kAny, 8, kTaw},
      {"127.0.0.1", H("40 03 04 7f000001"), Peer::kAny, 8, kTaw},
      {"127.255.255.255", H("40 03 04 7fffffff"), Peer::kAny, 8, kTaw},
      {"224.0.0.1", H("40 03 04 e0000001"), Peer::kAny, 8, kTaw},
      {"239.255.255.255", H("40 03 04 efffffff"), Peer::kAny, 8, kTaw},
      {"240.0.0.1 (class E)", H("40 03 04 f0000001"), Peer::kAny, 8, kTaw},
      {"255.255.255.255", H("40 03 04 ffffffff"), Peer::kAny, 8, kTaw},
      {"126.255.255.255", H("40 03 04 7effffff"), Peer::kAny, 0, kOk},
      {"128.0.0.1", H("40 03 04 80000001"), Peer::kAny, 0, kOk},
      {"223.255.255.254", H("40 03 04 dffffffe"), Peer::kAny, 0, kOk},
  };
  for (const auto& r : rows) Run(r);
  // NEXT_HOP = our own address needs the session's address: session layer.
}

TEST_CASE("robustness D24: MED, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR lengths +-1") {
  const Row rows[] = {
      {"MED len 3", H("80 04 03 000064"), Peer::kAny, 5, kTaw},
      {"MED len 5", H("80 04 05 0000006400"), Peer::kAny, 5, kTaw},
      {"MED valid", H("80 04 04 00000064"), Peer::kAny, 0, kOk},
      {"LOCAL_PREF len 3, iBGP", H("40 05 03 000064"), Peer::kIbgp, 5, kTaw},
      {"LOCAL_PREF len 5, iBGP", H("40 05 05 0000006400"), Peer::kIbgp, 5, kTaw},
      {"LOCAL_PREF len 0, iBGP", H("40 05 00"), Peer::kIbgp, 5, kTaw},
      {"LOCAL_PREF valid, iBGP", H("40 05 04 00000064"), Peer::kIbgp, 0, kOk},
      {"LOCAL_PREF len 3, unknown peer type", H("40 05 03 000064"), Peer::kAny, 5, kTaw},
      // RFC 7606 §7.5: from an external peer it is discarded whatever it holds.
      {"LOCAL_PREF valid, eBGP", H("40 05 04 00000064"), Peer::kEbgp, 0, kAd},
      {"LOCAL_PREF len 3, eBGP", H("40 05 03 000064"), Peer::kEbgp, 0, kAd},
      {"ATOMIC_AGGREGATE len 1", H("40 06 01 00"), Peer::kAny, 5, kAd},
      {"AGGREGATOR len 7 (4-octet)", H("c0 07 07 0000fe4c 0a0000"), Peer::kAny, 5, kAd},
      {"AGGREGATOR len 9 (4-octet)", H("c0 07 09 0000fe4c 0a000001 00"), Peer::kAny, 5, kAd},
      {"AGGREGATOR len 6 on a 4-octet session", H("c0 07 06 fe4c 0a000001"), Peer::kAny, 5, kAd},
      {"AGGREGATOR valid (4-octet)", H("c0 07 08 0000fe4c 0a000001"), Peer::kAny, 0, kOk},
      {"AGGREGATOR len 8 on a 2-octet session", H("c0 07 08 0000fe4c 0a000001"), Peer::kTwoOctet, 5,
       kAd},
      {"AGGREGATOR len 5 on a 2-octet session", H("c0 07 05 fe4c 0a0000"), Peer::kTwoOctet, 5, kAd},
      {"AGGREGATOR valid (2-octet)", H("c0 07 06 fe4c 0a000001"), Peer::kTwoOctet, 0, kOk},
  };
  for (const auto& r : rows) Run(r);
}

TEST_CASE("robustness D24: community lists not a multiple of their size -> treat-as-withdraw") {
  const Row rows[] = {
      {"COMMUNITIES len 3", H("c0 08 03 fde800"), Peer::kAny, 5, kTaw},
      {"COMMUNITIES len 5", H("c0 08 05 fde8000100"), Peer::kAny, 5, kTaw},
      {"COMMUNITIES len 8", H("c0 08 08 fde80001 fde80002"), Peer::kAny, 0, kOk},
      {"EXTENDED_COMMUNITIES len 7", H("c0 10 07 00020000fde800"), Peer::kAny, 5, kTaw},
      {"EXTENDED_COMMUNITIES len 9", H("c0 10 09 00020000fde8000100"), Peer::kAny, 5, kTaw},
      {"EXTENDED_COMMUNITIES, unknown type is fine", H("c0 10 08 ff00000000000000"), Peer::kAny, 0,
       kOk},
      {"IPv6 EXT COMMUNITIES len 19", Attr(0xc0, 25, Bytes(19, 0x01)), Peer::kAny, 5, kTaw},
      {"IPv6 EXT COMMUNITIES len 21", Attr(0xc0, 25, Bytes(21, 0x01)), Peer::kAny, 5, kTaw},
      {"IPv6 EXT COMMUNITIES len 20", Attr(0xc0, 25, Bytes(20, 0x01)), Peer::kAny, 0, kOk},
      {"LARGE_COMMUNITY len 11", Attr(0xc0, 32, Bytes(11, 0x01)), Peer::kAny, 5, kTaw},
      {"LARGE_COMMUNITY len 13", Attr(0xc0, 32, Bytes(13, 0x01)), Peer::kAny, 5, kTaw},
      {"LARGE_COMMUNITY len 24", Attr(0xc0, 32, Bytes(24, 0x01)), Peer::kAny, 0, kOk},
  };
  for (const auto& r : rows) Run(r);
}

TEST_CASE(
    "robustness D24: ORIGINATOR_ID and CLUSTER_LIST -> iBGP treat-as-withdraw, eBGP discard") {
  const Row rows[] = {
      {"ORIGINATOR_ID len 3, iBGP", H("80 09 03 0a0000"), Peer::kIbgp, 5, kTaw},
      {"ORIGINATOR_ID len 5, iBGP", H("80 09 05 0a00000100"), Peer::kIbgp, 5, kTaw},
      {"ORIGINATOR_ID len 3, unknown peer", H("80 09 03 0a0000"), Peer::kAny, 5, kTaw},
      {"ORIGINATOR_ID len 3, eBGP", H("80 09 03 0a0000"), Peer::kEbgp, 5, kAd},
      {"ORIGINATOR_ID len 5, eBGP", H("80 09 05 0a00000100"), Peer::kEbgp, 5, kAd},
      {"ORIGINATOR_ID len 0, eBGP", H("80 09 00"), Peer::kEbgp, 5, kAd},
      {"ORIGINATOR_ID valid, iBGP", H("80 09 04 0a000001"), Peer::kIbgp, 0, kOk},
      {"CLUSTER_LIST len 3, iBGP", H("80 0a 03 0a0000"), Peer::kIbgp, 5, kTaw},
      {"CLUSTER_LIST len 5, iBGP", H("80 0a 05 0a00000100"), Peer::kIbgp, 5, kTaw},
      {"CLUSTER_LIST len 0, iBGP", H("80 0a 00"), Peer::kIbgp, 5, kTaw},
      {"CLUSTER_LIST len 5, eBGP", H("80 0a 05 0a00000100"), Peer::kEbgp, 5, kAd},
      {"CLUSTER_LIST len 0, eBGP", H("80 0a 00"), Peer::kEbgp, 5, kAd},
      {"CLUSTER_LIST len 8, iBGP", H("80 0a 08 0a000001 0a000002"), Peer::kIbgp, 0, kOk},
  };
  for (const auto& r : rows) Run(r);
}

TEST_CASE("robustness D24: AS4_PATH and AS4_AGGREGATOR -> attribute discard") {
  const Row rows[] = {
      // RFC 6793 §3: meaningless between two 4-octet speakers, discarded whatever they hold.
      {"AS4_PATH on a 4-octet session", H("c0 11 06 02 01 fa56ea01"), Peer::kAny, 0, kAd, false},
      {"AS4_AGGREGATOR on a 4-octet session", H("c0 12 08 fa56ea01 0a000001"), Peer::kAny, 0, kAd,
       false},
      // RFC 6793 §6 / RFC 7606 §7.7: malformed from a 2-octet peer -> discard.
      {"AS4_PATH valid, 2-octet", H("c0 11 06 02 01 fa56ea01"), Peer::kTwoOctet, 0, kOk},
      {"AS4_PATH len 5, 2-octet", H("c0 11 05 02 01 fa56ea"), Peer::kTwoOctet, 11, kAd, false},
      {"AS4_PATH len 7, 2-octet", H("c0 11 07 02 01 fa56ea01 02"), Peer::kTwoOctet, 11, kAd, false},
      {"AS4_PATH segment length 0, 2-octet", H("c0 11 02 02 00"), Peer::kTwoOctet, 11, kAd, false},
      {"AS4_PATH AS 0, 2-octet", H("c0 11 06 02 01 00000000"), Peer::kTwoOctet, 11, kAd, false},
      {"AS4_PATH with AS_CONFED_SEQUENCE, 2-octet", H("c0 11 06 03 01 fa56ea01"), Peer::kTwoOctet,
       11, kAd, false},
      {"AS4_AGGREGATOR valid, 2-octet", H("c0 12 08 fa56ea01 0a000001"), Peer::kTwoOctet, 0, kOk},
      {"AS4_AGGREGATOR len 0, 2-octet", H("c0 12 00"), Peer::kTwoOctet, 5, kAd},
      {"AS4_AGGREGATOR len 7, 2-octet", H("c0 12 07 fa56ea01 0a0000"), Peer::kTwoOctet, 5, kAd},
      {"AS4_AGGREGATOR len 9, 2-octet", H("c0 12 09 fa56ea01 0a000001 00"), Peer::kTwoOctet, 5,
       kAd},
  };
  for (const auto& r : rows) Run(r);
}

TEST_CASE("robustness D24: OTC length +-1 -> treat-as-withdraw (RFC 9234 §5)") {
  const Row rows[] = {
      {"OTC len 3", H("c0 23 03 0000fe"), Peer::kAny, 5, kTaw},
      {"OTC len 5", H("c0 23 05 0000fe4c00"), Peer::kAny, 5, kTaw},
      {"OTC valid", H("c0 23 04 0000fe4c"), Peer::kAny, 0, kOk},
  };
  for (const auto& r : rows) Run(r);
  // OTC from a Customer or RS-Client (RFC 9234 §5) needs the negotiated role: session layer.
}

TEST_CASE(
    "robustness D25: unimplemented attributes are kept; transitive ones forwarded byte-exact") {
  struct Case {
    const char* name;
    std::uint8_t flags;
    std::uint8_t type;
    Bytes value;
    std::uint8_t sent_flags;  // RFC 4271 §5: Partial added to optional transitive ones;
                              // 0: non-transitive, not to be passed on (export's job)
  };
  const Case cases[] = {
      {"AS_PATHLIMIT 21 (Extreme CVE-2023-40457)", 0xc0, 21, H("ff 0000fe4c"), 0xe0},
      {"PMSI_TUNNEL 22", 0xc0, 22, H("00 00 000000"), 0xe0},
      {"TUNNEL_ENCAP 23 (CVE-2023-38802), garbage", 0xc0, 23, H("0001 ffff 01"), 0xe0},
      {"TRAFFIC_ENGINEERING 24", 0x80, 24, H("01020304"), 0},
      {"AIGP 26, truncated TLV", 0x80, 26, H("01 000b 00"), 0},
      {"BGP-LS 29, corrupted (2023 incident)", 0x80, 29, H("0400 ffff"), 0},
      {"PREFIX_SID 40 (CVE-2024-31948), zero length", 0xc0, 40, H(""), 0xe0},
      {"PREFIX_SID 40, SRv6 L3 service garbage (CVE-2026-7734)", 0xc0, 40, H("05 0100 ff"), 0xe0},
      {"ATTR_SET 128", 0xc0, 128, H("0000fe4c 40010100"), 0xe0},
      {"unknown 99, already Partial", 0xe0, 99, H("abcd"), 0xe0},
      {"unknown 250, Extended Length", 0xd0, 250, H("0102"), 0xf0},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const Bytes attr = Attr(c.flags, c.type, c.value);
    const Bytes msg =
        Msg(MessageType::kUpdate, UpdateBody({}, Cat({bgpdemo::test::BasicAttrs(), attr}), kNlri));
    auto m = DecodeMessage(msg, {});
    REQUIRE(m.has_value());
    const Update& u = std::get<Update>(*m);
    CHECK(u.problems.empty());
    REQUIRE(u.attrs.unknown.size() == 1);
    CHECK(u.attrs.unknown[0].type == c.type);
    CHECK(Hex(u.attrs.unknown[0].value) == Hex(c.value));
    if (c.sent_flags == 0) continue;
    // Re-encoded: the same bytes except the flags octet.
    Bytes expected = msg;
    expected[19 + 4 + 20] = c.sent_flags;
    CHECK(Hex(EncodeMessage(*m, {}).value()) == Hex(expected));
  }
  // The same types marked well-known are unrecognized well-known attributes: 3/2 reset.
  for (std::uint8_t type : {21, 22, 23, 24, 26, 29, 40, 128}) {
    CAPTURE(static_cast<int>(type));
    const Bytes attr = Attr(0x40, type, H("00"));
    const Bytes msg =
        Msg(MessageType::kUpdate, UpdateBody({}, Cat({bgpdemo::test::BasicAttrs(), attr}), kNlri));
    auto m = DecodeMessage(msg, {});
    REQUIRE_FALSE(m.has_value());
    CHECK(m.error().subcode == 2);
    CHECK(m.error().offset == 43);
    CHECK(m.error().action == Action::kSessionReset);
    CHECK(Hex(m.error().data) == Hex(attr));
  }
}
