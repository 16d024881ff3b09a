// Robustness checklist group G (robustness.md §3, item 35): what we send. RFC 4271 §4.1,
// §4.3, §5, RFC 8654 (message size), RFC 6793 §4.2.2 (2-octet peers), RFC 7606 §5.1
// (MP_* first, one NLRI-bearing field), and the UpdatePacker that fills messages.
//
// Every message produced here is also decoded again: the sender must never produce what
// our own receiver (or any RFC 7606 receiver) would call malformed.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bgp/wire/message.h"
#include "bgp/wire/update_packer.h"
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

struct WireAttr {
  std::uint8_t flags;
  std::uint8_t type;
  std::size_t length;
  std::size_t offset;
};

// The attributes of an encoded UPDATE as they sit on the wire (a test-side parser).
std::vector<WireAttr> WalkAttributes(std::span<const std::uint8_t> msg) {
  std::vector<WireAttr> out;
  const std::size_t wlen = static_cast<std::size_t>(msg[19] << 8 | msg[20]);
  std::size_t at = 21 + wlen;
  const std::size_t alen = static_cast<std::size_t>(msg[at] << 8 | msg[at + 1]);
  at += 2;
  const std::size_t end = at + alen;
  while (at < end) {
    WireAttr a{msg[at], msg[at + 1], 0, at};
    std::size_t hdr = 3;
    if (a.flags & attr_flag::kExtendedLength) {
      a.length = static_cast<std::size_t>(msg[at + 2] << 8 | msg[at + 3]);
      hdr = 4;
    } else {
      a.length = msg[at + 2];
    }
    out.push_back(a);
    at += hdr + a.length;
  }
  return out;
}

Update DecodeUpdateMsg(std::span<const std::uint8_t> msg, const Context& ctx) {
  auto m = DecodeMessage(msg, ctx);
  if (!m) FAIL(Describe(m.error()));
  return std::get<Update>(std::move(m).value());
}

PathAttributes Basic() {
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = AsPath::Sequence({65100});
  a.next_hop = IpAddress::V4(0x0a000002);
  return a;
}

std::vector<Prefix> V4Prefixes(std::size_t n) {
  std::vector<Prefix> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(Prefix::V4(0x0a000000u | static_cast<std::uint32_t>(i) << 8, 24));
  }
  return out;
}

std::vector<Prefix> V6Prefixes(std::size_t n) {
  std::vector<Prefix> out;
  for (std::size_t i = 0; i < n; ++i) {
    Prefix p = *Prefix::Parse("fd00:10::/64");
    p.addr[4] = static_cast<std::uint8_t>(i >> 8);
    p.addr[5] = static_cast<std::uint8_t>(i);
    out.push_back(p);
  }
  return out;
}

// Splits a packer's output into messages, checking each against the size limit.
std::vector<Bytes> SplitMessages(const Bytes& out, const Context& ctx) {
  std::vector<Bytes> msgs;
  std::span<const std::uint8_t> rest(out);
  while (!rest.empty()) {
    auto n = FrameLength(rest, ctx);
    REQUIRE(n.has_value());
    REQUIRE(*n > 0);
    CHECK(*n <= ctx.MaxMessageSize());
    msgs.emplace_back(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(*n));
    rest = rest.subspan(*n);
  }
  return msgs;
}

}  // namespace

TEST_CASE("robustness G35: the encoder never exceeds 4096 unless extended messages") {
  // An UPDATE of exactly 4096 bytes: 1018 withdrawn /24s and one /0.
  Update u;
  u.withdrawn = V4Prefixes(1018);
  u.withdrawn.push_back(Prefix::V4(0, 0));
  auto max = EncodeMessage(Message{u}, {});
  REQUIRE(max.has_value());
  CHECK(max->size() == 4096);

  u.withdrawn.push_back(Prefix::V4(0, 0));  // 4097
  auto over = EncodeMessage(Message{u}, {});
  REQUIRE_FALSE(over.has_value());
  CHECK(over.error().find("4097 bytes exceeds the 4096-byte maximum") != std::string::npos);
  // Into a caller's buffer the same.
  Bytes buf(8192);
  CHECK_FALSE(EncodeMessage(Message{u}, {}, buf).has_value());

  Context ext;
  ext.extended_message = true;
  auto big = EncodeMessage(Message{u}, ext);
  REQUIRE(big.has_value());
  CHECK(big->size() == 4097);
  CHECK(DecodeUpdateMsg(*big, ext).withdrawn.size() == 1020);

  // Past 65535 even an extended message is refused.
  Update huge;
  huge.withdrawn = V4Prefixes(16400);
  CHECK_FALSE(EncodeMessage(Message{huge}, ext).has_value());

  // Other types obey the same limit.
  Notification n;
  n.code = NotifyCode::kCease;
  n.data.assign(4096 - 21 + 1, 0x41);
  CHECK_FALSE(EncodeMessage(Message{n}, {}).has_value());
  n.data.pop_back();
  CHECK(EncodeMessage(Message{n}, {}).value().size() == 4096);
}

TEST_CASE("robustness G35: UpdatePacker fills IPv4 messages and never exceeds the maximum") {
  for (bool extended : {false, true}) {
    for (bool add_path : {false, true}) {
      CAPTURE(extended);
      CAPTURE(add_path);
      Context ctx;
      ctx.extended_message = extended;
      ctx.add_path_ipv4 = add_path;
      const auto prefixes = V4Prefixes(20000);
      Bytes out;
      auto n = UpdatePacker(ctx).Announce(Basic(), prefixes, out);
      REQUIRE(n.has_value());
      const auto msgs = SplitMessages(out, ctx);
      CHECK(msgs.size() == *n);
      std::vector<Prefix> got;
      for (std::size_t i = 0; i < msgs.size(); ++i) {
        const Update u = DecodeUpdateMsg(msgs[i], ctx);
        CHECK(u.action == Action::kNone);
        CHECK(u.withdrawn.empty());
        CHECK_FALSE(u.attrs.mp_reach.has_value());  // one NLRI-bearing field (RFC 7606 §5.1)
        got.insert(got.end(), u.nlri.begin(), u.nlri.end());
        if (i + 1 < msgs.size()) {
          // Full: the next prefix would not have fitted.
          CHECK(msgs[i].size() + NlriSize(prefixes[got.size()], add_path) > ctx.MaxMessageSize());
        }
      }
      CHECK(got == prefixes);
    }
  }
}

TEST_CASE("robustness G35: UpdatePacker IPv6 puts MP_REACH_NLRI first and fills messages") {
  Context ctx;
  PathAttributes attrs = Basic();
  attrs.next_hop.reset();
  attrs.mp_reach =
      MpReach{kIpv6Unicast, *IpAddress::Parse("fd00::1"), IpAddress::Parse("fe80::1"), 0, {}};
  const auto prefixes = V6Prefixes(2000);
  Bytes out;
  REQUIRE(UpdatePacker(ctx).Announce(attrs, prefixes, out).has_value());
  const auto msgs = SplitMessages(out, ctx);
  CHECK(msgs.size() > 1);
  std::vector<Prefix> got;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    const auto wire = WalkAttributes(msgs[i]);
    REQUIRE(!wire.empty());
    CHECK(wire[0].type == 14);
    CHECK(wire[0].offset == 23);
    const Update u = DecodeUpdateMsg(msgs[i], ctx);
    CHECK(u.action == Action::kNone);
    CHECK(u.nlri.empty());
    CHECK(u.withdrawn.empty());
    CHECK(u.attrs.mp_reach->link_local.has_value());
    got.insert(got.end(), u.attrs.mp_reach->nlri.begin(), u.attrs.mp_reach->nlri.end());
    if (i + 1 < msgs.size()) {
      CHECK(msgs[i].size() + NlriSize(prefixes[got.size()], false) > 4096);
    }
  }
  CHECK(got == prefixes);
}

TEST_CASE("robustness G35: UpdatePacker withdrawals fill messages, MP_UNREACH_NLRI alone") {
  Context ctx;
  Bytes out4;
  const auto v4 = V4Prefixes(3000);
  REQUIRE(UpdatePacker(ctx).Withdraw(kIpv4Unicast, v4, out4).has_value());
  std::vector<Prefix> got4;
  const auto msgs4 = SplitMessages(out4, ctx);
  for (std::size_t i = 0; i < msgs4.size(); ++i) {
    CHECK(WalkAttributes(msgs4[i]).empty());
    const Update u = DecodeUpdateMsg(msgs4[i], ctx);
    CHECK(u.action == Action::kNone);
    got4.insert(got4.end(), u.withdrawn.begin(), u.withdrawn.end());
    if (i + 1 < msgs4.size()) CHECK(msgs4[i].size() + 4 > 4096);
  }
  CHECK(got4 == v4);

  Bytes out6;
  const auto v6 = V6Prefixes(1000);
  REQUIRE(UpdatePacker(ctx).Withdraw(kIpv6Unicast, v6, out6).has_value());
  std::vector<Prefix> got6;
  for (const auto& m : SplitMessages(out6, ctx)) {
    const auto wire = WalkAttributes(m);
    REQUIRE(wire.size() == 1);
    CHECK(wire[0].type == 15);
    const Update u = DecodeUpdateMsg(m, ctx);
    CHECK(u.action == Action::kNone);
    got6.insert(got6.end(), u.attrs.mp_unreach->withdrawn.begin(),
                u.attrs.mp_unreach->withdrawn.end());
  }
  CHECK(got6 == v6);
}

TEST_CASE("robustness G35: UpdatePacker refuses attributes that leave no room for a prefix") {
  PathAttributes attrs = Basic();
  for (std::uint32_t i = 0; i < 1100; ++i) attrs.communities.push_back(0xfde80000u + i);
  Bytes out;
  auto n = UpdatePacker({}).Announce(attrs, V4Prefixes(10), out);
  REQUIRE_FALSE(n.has_value());
  CHECK(out.empty());
  // With RFC 8654 the same attributes fit.
  Context ext;
  ext.extended_message = true;
  REQUIRE(UpdatePacker(ext).Announce(attrs, V4Prefixes(10), out).value() == 1);
  CHECK(DecodeUpdateMsg(out, ext).attrs.communities.size() == 1100);
}

TEST_CASE("robustness G35: UpdatePacker End-of-RIB markers") {
  Bytes v4, v6;
  UpdatePacker({}).EndOfRib(kIpv4Unicast, v4);
  UpdatePacker({}).EndOfRib(kIpv6Unicast, v6);
  CHECK(Hex(v4) == Hex(Msg(MessageType::kUpdate, H("0000 0000"))));
  CHECK(Hex(v6) == Hex(Msg(MessageType::kUpdate, UpdateBody({}, H("80 0f 03 000201"), {}))));
  CHECK(DecodeUpdateMsg(v6, {}).EndOfRib() == kIpv6Unicast);
}

TEST_CASE("robustness G35: AS_PATH segments are split at 255 ASNs") {
  struct Case {
    std::size_t asns;
    std::vector<std::size_t> segments;
  };
  const Case cases[] = {
      {255, {255}}, {256, {255, 1}}, {600, {255, 255, 90}}, {765, {255, 255, 255}}};
  for (bool four_octet : {true, false}) {
    for (const auto& c : cases) {
      CAPTURE(four_octet);
      CAPTURE(c.asns);
      Context ctx;
      ctx.four_octet_as = four_octet;
      Update u;
      u.attrs = Basic();
      std::vector<std::uint32_t> asns;
      for (std::size_t i = 0; i < c.asns; ++i)
        asns.push_back(64512 + static_cast<std::uint32_t>(i % 1000));
      u.attrs.as_path = AsPath::Sequence(asns);
      u.nlri = V4Prefixes(1);
      const auto bytes = EncodeMessage(Message{u}, ctx);
      REQUIRE(bytes.has_value());
      const Update back = DecodeUpdateMsg(*bytes, ctx);
      CHECK(back.problems.empty());
      std::vector<std::size_t> sizes;
      for (const auto& s : back.attrs.as_path->segments) {
        CHECK(s.type == AsSegmentType::kSequence);
        sizes.push_back(s.asns.size());
      }
      CHECK(sizes == c.segments);
      CHECK(back.attrs.as_path->PathLength() == c.asns);
      CHECK_FALSE(back.attrs.as4_path.has_value());  // every ASN fits 2 octets
    }
  }
}

TEST_CASE("robustness G35: an empty AS_PATH segment is never sent") {
  // A segment of length 0 is malformed to every RFC 7606 receiver (GHSA-frrj-87jh-2772).
  Update u;
  u.attrs = Basic();
  u.attrs.as_path->segments.insert(u.attrs.as_path->segments.begin(),
                                   AsSegment{AsSegmentType::kSequence, {}});
  u.attrs.as_path->segments.push_back(AsSegment{AsSegmentType::kSet, {}});
  u.nlri = V4Prefixes(1);
  const auto bytes = EncodeMessage(Message{u}, {});
  REQUIRE(bytes.has_value());
  const Update back = DecodeUpdateMsg(*bytes, {});
  CHECK(back.problems.empty());
  CHECK(back.attrs.as_path->ToString() == "65100");
  const auto wire = WalkAttributes(*bytes);
  REQUIRE(wire.size() == 3);
  CHECK(wire[1].type == 2);
  CHECK(wire[1].length == 6);
}

TEST_CASE("robustness G35: 2-octet peers get AS_TRANS with AS4_PATH and AS4_AGGREGATOR") {
  Context two;
  two.four_octet_as = false;
  Update u;
  u.attrs = Basic();
  u.attrs.as_path = AsPath{{{AsSegmentType::kConfedSequence, {65010}},
                            {AsSegmentType::kSequence, {4200000001u, 65001, 4200000002u}}}};
  u.attrs.aggregator = Aggregator{4200000003u, 0x0a000009};
  u.nlri = V4Prefixes(1);
  const auto bytes = EncodeMessage(Message{u}, two);
  REQUIRE(bytes.has_value());
  const std::string hex = Hex(*bytes);
  // AS_PATH with 2-octet ASNs, 4-octet ones as AS_TRANS (23456 = 5ba0).
  CHECK(hex.find("40020c0301fdf202035ba0fde95ba0") != std::string::npos);
  // AGGREGATOR: 6 bytes, AS_TRANS.
  CHECK(hex.find("c007065ba00a000009") != std::string::npos);
  // AS4_PATH without the confederation segment (RFC 6793 §4.2.2), AS4_AGGREGATOR real.
  CHECK(hex.find("c0110e0203fa56ea010000fde9fa56ea02") != std::string::npos);
  CHECK(hex.find("c01208fa56ea030a000009") != std::string::npos);

  const Update back = DecodeUpdateMsg(*bytes, two);
  CHECK(back.problems.empty());
  CHECK(back.attrs.as_path->ToString() == "(65010) 23456 65001 23456");
  CHECK(back.attrs.as4_path->ToString() == "4200000001 65001 4200000002");
  CHECK(back.attrs.aggregator->asn == kAsTrans);
  CHECK(back.attrs.as4_aggregator->asn == 4200000003u);

  // Without the confederation segment the receiver rebuilds the exact path.
  Update plain = u;
  plain.attrs.as_path = AsPath::Sequence({4200000001u, 65001, 4200000002u});
  const Update plain_back = DecodeUpdateMsg(EncodeMessage(Message{plain}, two).value(), two);
  CHECK(plain_back.attrs.as_path->ToString() == "23456 65001 23456");
  CHECK(plain_back.attrs.EffectivePath() == plain.attrs.as_path);

  // All ASNs mappable: no AS4_* at all.
  Update small = u;
  small.attrs.as_path = AsPath::Sequence({65100, 65001});
  small.attrs.aggregator = Aggregator{65001, 0x0a000009};
  const auto small_bytes = EncodeMessage(Message{small}, two);
  for (const auto& a : WalkAttributes(*small_bytes)) {
    CHECK(a.type != 17);
    CHECK(a.type != 18);
  }
  // A 4-octet peer never gets AS4_*, even when the attributes carry them.
  Update four = u;
  four.attrs.as4_path = AsPath::Sequence({4200000001u});
  four.attrs.as4_aggregator = Aggregator{4200000003u, 0x0a000009};
  const auto four_bytes = EncodeMessage(Message{four}, {});
  for (const auto& a : WalkAttributes(*four_bytes)) {
    CHECK(a.type != 17);
    CHECK(a.type != 18);
  }
  CHECK(DecodeUpdateMsg(*four_bytes, {}).attrs.as_path == u.attrs.as_path);
}

TEST_CASE("robustness G35: the low 4 flag bits are sent as 0") {
  // Received with the unused bits set (RFC 4271 §4.3: ignored on receipt, sent as 0).
  const Bytes body =
      UpdateBody({},
                 Cat({H("9f 0f 0003 000201"), H("4f 01 01 00"), H("41 02 06 02 01 0000fe4c"),
                      H("48 03 04 0a000002"), H("8f 04 04 00000064"), H("c3 08 04 fde80001"),
                      H("cf 63 02 abcd")}),
                 H("18 0a0001"));
  const Bytes msg = Msg(MessageType::kUpdate, body);
  const Update u = DecodeUpdateMsg(msg, {});
  REQUIRE(u.problems.empty());
  const auto out = EncodeMessage(Message{u}, {});
  REQUIRE(out.has_value());
  for (const auto& a : WalkAttributes(*out)) {
    CAPTURE(static_cast<int>(a.type));
    CHECK((a.flags & attr_flag::kUnusedMask) == 0);
  }
  CHECK(
      Hex(*out) ==
      Hex(Msg(MessageType::kUpdate,
              UpdateBody({},
                         Cat({H("90 0f 0003 000201"), H("40 01 01 00"),
                              H("40 02 06 02 01 0000fe4c"), H("40 03 04 0a000002"),
                              H("80 04 04 00000064"), H("c0 08 04 fde80001"), H("e0 63 02 abcd")}),
                         H("18 0a0001")))));
}

TEST_CASE("robustness G35: MP_REACH_NLRI and MP_UNREACH_NLRI are encoded first") {
  Update u;
  u.attrs = Basic();
  u.attrs.next_hop.reset();
  u.attrs.communities = {0xfde80001};
  u.attrs.mp_reach =
      MpReach{kIpv6Unicast, *IpAddress::Parse("fd00::1"), std::nullopt, 0, V6Prefixes(2)};
  const auto bytes = EncodeMessage(Message{u}, {});
  REQUIRE(bytes.has_value());
  auto wire = WalkAttributes(*bytes);
  REQUIRE(wire.size() == 4);
  CHECK(wire[0].type == 14);
  CHECK(wire[0].offset == 23);

  u.attrs.mp_unreach = MpUnreach{kIpv6Unicast, V6Prefixes(1)};
  const auto both = EncodeMessage(Message{u}, {});
  wire = WalkAttributes(*both);
  REQUIRE(wire.size() == 5);
  CHECK(wire[0].type == 14);
  CHECK(wire[1].type == 15);
  CHECK(DecodeUpdateMsg(*both, {}).problems.empty());
}

TEST_CASE("robustness G35: forwarded unknown optional transitive attributes get Partial") {
  Update u;
  u.attrs = Basic();
  u.attrs.unknown = {{0xc0, 99, H("0102")},  // optional transitive -> Partial set
                     {0xe0, 100, H("03")}};  // already Partial: kept
  u.attrs.communities = {0xfde80001};
  u.nlri = V4Prefixes(1);
  const auto bytes = EncodeMessage(Message{u}, {});
  REQUIRE(bytes.has_value());
  std::vector<std::pair<int, int>> flags;
  for (const auto& a : WalkAttributes(*bytes)) flags.emplace_back(a.type, a.flags);
  CHECK(flags == std::vector<std::pair<int, int>>{
                     {1, 0x40}, {2, 0x40}, {3, 0x40}, {8, 0xc0}, {99, 0xe0}, {100, 0xe0}});
  const Update back = DecodeUpdateMsg(*bytes, {});
  CHECK(back.problems.empty());
  REQUIRE(back.attrs.unknown.size() == 2);
  CHECK(back.attrs.unknown[0].value == H("0102"));

  // Partial on a known optional transitive attribute is never cleared when it is passed on.
  const Bytes msg = Msg(
      MessageType::kUpdate,
      UpdateBody({}, Cat({bgpdemo::test::BasicAttrs(), H("e0 08 04 fde80001")}), H("18 0a0001")));
  const auto again = EncodeMessage(DecodeMessage(msg, {}).value(), {});
  CHECK(Hex(*again) == Hex(msg));
}
