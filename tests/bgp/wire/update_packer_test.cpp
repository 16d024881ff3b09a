// Tests for bgp/wire/update_packer: full messages, never over the maximum, nothing lost.
#include "bgp/wire/update_packer.h"

#include <doctest/doctest.h>

#include "bgp/wire/message.h"
#include "tests/bgp/wire/random_update.h"
#include "tests/test_util.h"

using namespace bgpdemo::bgp::wire;
using namespace bgpdemo::test;

namespace {

std::vector<Prefix> V4Prefixes(std::size_t n) {
  std::vector<Prefix> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(Prefix::V4(0x0a000000u + static_cast<std::uint32_t>(i) * 256u, 24));
  }
  return out;
}

std::vector<Prefix> V6Prefixes(std::size_t n) {
  std::vector<Prefix> out;
  for (std::size_t i = 0; i < n; ++i) {
    Prefix p;
    p.afi = Afi::kIpv6;
    p.length = 64;
    p.addr = {0xfd, 0, 0, 0x10, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    out.push_back(p);
  }
  return out;
}

PathAttributes V4Attrs() {
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = AsPath::Sequence({65000, 65100});
  a.next_hop = IpAddress::V4(0x0a000001);
  a.communities = {0xfde80001};
  return a;
}

// Splits a packed stream back into UPDATEs, checking each one's size against max.
std::vector<Update> Unpack(const std::vector<std::uint8_t>& bytes, const Context& ctx,
                           std::size_t max) {
  std::vector<Update> out;
  std::size_t off = 0;
  while (off < bytes.size()) {
    auto len = FrameLength(std::span(bytes).subspan(off), ctx);
    REQUIRE(len);
    REQUIRE(*len > 0);
    CHECK(*len <= max);
    auto m = DecodeMessage(std::span(bytes).subspan(off, *len), ctx);
    REQUIRE(m);
    out.push_back(std::get<Update>(*m));
    CHECK(out.back().action == Action::kNone);
    off += *len;
  }
  return out;
}

}  // namespace

TEST_CASE("packer: 3000 IPv4 /24s fill 4096-byte UPDATEs and all arrive in order") {
  const Context ctx;
  const auto prefixes = V4Prefixes(3000);
  std::vector<std::uint8_t> out;
  auto n = UpdatePacker(ctx).Announce(V4Attrs(), prefixes, out);
  REQUIRE(n);
  const auto updates = Unpack(out, ctx, 4096);
  CHECK(updates.size() == *n);
  std::vector<Prefix> seen;
  for (const auto& u : updates) {
    CHECK(u.attrs.as_path->ToString() == "65000 65100");
    seen.insert(seen.end(), u.nlri.begin(), u.nlri.end());
  }
  CHECK(seen == prefixes);
  // Every message but the last is full: one more /24 (4 bytes) would not have fitted.
  std::size_t off = 0;
  for (std::size_t i = 0; i + 1 < updates.size(); ++i) {
    const std::size_t len = static_cast<std::size_t>(out[off + 16] << 8 | out[off + 17]);
    CHECK(len + 4 > 4096);
    off += len;
  }
  CHECK(*n == (3000 + 1017) / 1018);  // (4096 - 19 - 4 - 28 bytes of attributes) / 4
}

TEST_CASE("packer: IPv6 goes in MP_REACH_NLRI, placed first") {
  const Context ctx;
  PathAttributes a = V4Attrs();
  a.next_hop.reset();
  MpReach mp;
  mp.family = kIpv6Unicast;
  mp.next_hop = *IpAddress::Parse("2001:db8::1");
  mp.link_local = *IpAddress::Parse("fe80::1");
  a.mp_reach = mp;
  const auto prefixes = V6Prefixes(1000);
  std::vector<std::uint8_t> out;
  auto n = UpdatePacker(ctx).Announce(a, prefixes, out);
  REQUIRE(n);
  CHECK(*n == 3);  // 1000 x 9 bytes over about 4000 bytes per message
  CHECK(out[19 + 4 + 1] == static_cast<std::uint8_t>(AttrType::kMpReachNlri));
  std::vector<Prefix> seen;
  for (const auto& u : Unpack(out, ctx, 4096)) {
    REQUIRE(u.attrs.mp_reach);
    CHECK(u.attrs.mp_reach->link_local->ToString() == "fe80::1");
    CHECK(u.attrs.communities == std::vector<std::uint32_t>{0xfde80001});
    seen.insert(seen.end(), u.attrs.mp_reach->nlri.begin(), u.attrs.mp_reach->nlri.end());
  }
  CHECK(seen == prefixes);
}

TEST_CASE("packer: withdrawals for both families, and End-of-RIB") {
  const Context ctx;
  std::vector<std::uint8_t> out;
  const auto v4 = V4Prefixes(2000);
  const auto v6 = V6Prefixes(600);
  REQUIRE(UpdatePacker(ctx).Withdraw(kIpv4Unicast, v4, out));
  REQUIRE(UpdatePacker(ctx).Withdraw(kIpv6Unicast, v6, out));
  UpdatePacker(ctx).EndOfRib(kIpv4Unicast, out);
  UpdatePacker(ctx).EndOfRib(kIpv6Unicast, out);
  std::vector<Prefix> seen4, seen6;
  std::vector<Family> eors;
  for (const auto& u : Unpack(out, ctx, 4096)) {
    seen4.insert(seen4.end(), u.withdrawn.begin(), u.withdrawn.end());
    if (u.attrs.mp_unreach) {
      seen6.insert(seen6.end(), u.attrs.mp_unreach->withdrawn.begin(),
                   u.attrs.mp_unreach->withdrawn.end());
    }
    if (auto f = u.EndOfRib()) eors.push_back(*f);
  }
  CHECK(seen4 == v4);
  CHECK(seen6 == v6);
  CHECK(eors == std::vector<Family>{kIpv4Unicast, kIpv6Unicast});
}

TEST_CASE("packer: extended messages carry up to 65535 bytes") {
  Context ctx;
  ctx.extended_message = true;
  std::vector<std::uint8_t> out;
  auto n = UpdatePacker(ctx).Announce(V4Attrs(), V4Prefixes(30000), out);
  REQUIRE(n);
  CHECK(*n == 2);
  Unpack(out, ctx, 65535);
}

TEST_CASE("packer: ADD-PATH identifiers are packed and counted in the size") {
  Context ctx;
  ctx.add_path_ipv4 = true;
  auto prefixes = V4Prefixes(1500);
  for (std::size_t i = 0; i < prefixes.size(); ++i) prefixes[i].path_id = static_cast<std::uint32_t>(i);
  std::vector<std::uint8_t> out;
  REQUIRE(UpdatePacker(ctx).Announce(V4Attrs(), prefixes, out));
  std::vector<Prefix> seen;
  for (const auto& u : Unpack(out, ctx, 4096)) seen.insert(seen.end(), u.nlri.begin(), u.nlri.end());
  CHECK(seen == prefixes);
}

TEST_CASE("packer: attributes too large for any message are refused") {
  PathAttributes a = V4Attrs();
  a.communities.assign(1100, 0xfde80001);  // 4400 bytes
  std::vector<std::uint8_t> out;
  auto n = UpdatePacker(Context{}).Announce(a, V4Prefixes(1), out);
  REQUIRE_FALSE(n);
  CHECK(out.empty());
}

// A property, with a logged seed (random_update.h): random attribute sets and contexts, some
// of them leaving only a few bytes a message for NLRI.
TEST_CASE("property: UpdatePacker messages decode to exactly the prefixes given") {
  Gen g(LoggedSeed());
  std::size_t near_limit_runs = 0, refused = 0;
  for (int i = 0; i < 500; ++i) {
    Context ctx = RandomContext(g);
    const Family family = g.Chance(50) ? kIpv4Unicast : kIpv6Unicast;
    PathAttributes attrs = RandomUpdate(g, ctx).attrs;
    attrs.mp_unreach.reset();
    if (!attrs.origin) attrs.origin = Origin::kIncomplete;
    if (!attrs.as_path) attrs.as_path = AsPath::Sequence({RandomAsn(g, ctx.four_octet_as)});
    if (family == kIpv6Unicast || g.Chance(30)) {
      MpReach mp = RandomMpReach(g, ctx);
      if (family == kIpv6Unicast && mp.next_hop.afi == Afi::kIpv4) mp.next_hop = RandomV6(g);
      mp.family = family;
      attrs.mp_reach = mp;  // its NLRI are ignored
    } else {
      attrs.mp_reach.reset();
      if (!attrs.next_hop) attrs.next_hop = RandomV4Unicast(g);
    }
    // Now and then pad the attributes with COMMUNITIES to leave only a few bytes per message
    // for NLRI, so that prefixes of different sizes meet a nearly full message.
    bool near_limit = false;
    if (!ctx.extended_message && g.Chance(20)) {
      PathAttributes others = attrs;
      others.mp_reach.reset();
      others.communities.clear();
      std::vector<std::uint8_t> buf(70000);
      Writer w(buf);
      EncodeAttributes(others, ctx, w);
      const std::size_t mp_size = attrs.mp_reach ? 4 + 5 + attrs.mp_reach->next_hop.size() +
                                                       (attrs.mp_reach->link_local ? 16 : 0)
                                                 : 0;
      const std::size_t used = kHeaderSize + 4 + w.size() + mp_size + 4;  // + COMMUNITIES header
      const std::size_t room = g.Range(1, 24);
      if (used + room + 4 < ctx.MaxMessageSize()) {
        attrs.communities.assign((ctx.MaxMessageSize() - used - room) / 4, 0xfffffff0u);
        near_limit = true;
      }
    }
    const bool add_path = ctx.AddPath(family);
    const auto prefixes = RandomPrefixes(g, family.afi, add_path, 1, 400);
    INFO("iteration " << i << ", " << Describe(ctx) << ", family " << ToString(family) << ", "
                      << prefixes.size() << " prefixes"
                      << std::string(near_limit ? ", near the limit" : ""));

    const UpdatePacker packer(ctx);
    std::vector<std::uint8_t> out;
    auto sent = packer.Announce(attrs, prefixes, out);
    near_limit_runs += near_limit;
    if (!sent) {
      // Only a nearly full message may leave no room for some prefix.
      REQUIRE_MESSAGE(near_limit, sent.error());
      CHECK(out.empty());
      ++refused;
      continue;
    }
    const auto announced = Unpack(out, ctx, ctx.MaxMessageSize());
    REQUIRE(announced.size() == *sent);
    std::vector<Prefix> got;
    PathAttributes want = attrs;
    if (want.mp_reach) {
      want.mp_reach->nlri.clear();
      want.mp_reach->reserved = 0;  // the packer sends the reserved octet as 0 (RFC 4760 §3)
    }
    for (const auto& u : announced) {
      REQUIRE(u.action == Action::kNone);
      REQUIRE(u.withdrawn.empty());
      PathAttributes a = u.attrs;
      if (a.mp_reach) {
        got.insert(got.end(), a.mp_reach->nlri.begin(), a.mp_reach->nlri.end());
        a.mp_reach->nlri.clear();
      }
      got.insert(got.end(), u.nlri.begin(), u.nlri.end());
      const std::string diff = CompareAttrs(want, a, ctx);
      REQUIRE_MESSAGE(diff.empty(), diff);
    }
    REQUIRE(got == prefixes);

    out.clear();
    sent = packer.Withdraw(family, prefixes, out);
    REQUIRE_MESSAGE(sent.has_value(), sent.error());
    got.clear();
    for (const auto& u : Unpack(out, ctx, ctx.MaxMessageSize())) {
      REQUIRE(u.action == Action::kNone);
      got.insert(got.end(), u.withdrawn.begin(), u.withdrawn.end());
      if (u.attrs.mp_unreach) {
        got.insert(got.end(), u.attrs.mp_unreach->withdrawn.begin(),
                   u.attrs.mp_unreach->withdrawn.end());
      }
    }
    REQUIRE(got == prefixes);

    out.clear();
    packer.EndOfRib(family, out);
    const auto eor = Unpack(out, ctx, ctx.MaxMessageSize());
    REQUIRE(eor.size() == 1);
    CHECK(eor[0].EndOfRib() == family);
  }
  MESSAGE("nearly full attribute sets: " << near_limit_runs << ", refused for a prefix that fits "
                                         << "no message: " << refused);
}

TEST_CASE("property regression: UpdatePacker refuses a prefix that fits no message, not loops") {
  // The attributes leave one byte per message for NLRI: the /0 (1 byte) fits, the /24
  // (4 bytes) never does; the packer used to start empty messages until memory ran out.
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = AsPath::Sequence({65001});
  a.next_hop = IpAddress::V4(0x0a000001);
  // 19 header + 4 lengths + ORIGIN 4 + AS_PATH 9 + NEXT_HOP 7 + COMMUNITIES 4 + 4 * 1012.
  a.communities.assign(1012, 0xfde80001u);
  const std::vector<Prefix> prefixes{Prefix::V4(0, 0), Prefix::V4(0x0a000000, 24)};
  std::vector<std::uint8_t> out;
  auto n = UpdatePacker(Context{}).Announce(a, prefixes, out);
  REQUIRE_FALSE(n.has_value());
  CHECK(n.error() ==
        "attributes of 4095 bytes leave no room for a 4-byte NLRI entry in a "
        "4096-byte message");
  CHECK(out.empty());
  // The /0 alone still goes out.
  REQUIRE(UpdatePacker(Context{}).Announce(a, std::span(prefixes).first(1), out).value() == 1);
  CHECK(out.size() == 4096);
}
