// Property tests of the wire codec, with a logged seed (docs/style.md, Tests):
//
//   - decode(encode(x)) == x for random valid OPEN, UPDATE, NOTIFICATION, ROUTE-REFRESH and
//     KEEPALIVE messages over random contexts (CompareUpdate says exactly what an UPDATE
//     comparison covers);
//   - random mutation of valid encoded messages (bit flips, byte overwrites, insertions,
//     deletions, truncation, with and without a header length that matches) never crashes
//     and gives a value or an Error with an action (the checks of tests/fuzz/targets.h,
//     which also re-encode what decodes cleanly);
//
// The UPDATE generators are in random_update.h; UpdatePacker's property is in
// update_packer_test.cpp.
//
// The seed comes from the environment variable BGPDEMO_SEED when set, else from
// std::random_device; every test prints it. To replay a failure:
//   BGPDEMO_SEED=<seed> build/tests/bgpdemo_tests -tc='property: *'
#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp/wire/message.h"
#include "core/hex.h"
#include "tests/bgp/wire/random_update.h"
#include "tests/fuzz/targets.h"

using namespace bgpdemo::bgp::wire;
using namespace bgpdemo::test;
namespace fuzz = bgpdemo::fuzz;
using bgpdemo::core::ToHex;

namespace {

constexpr int kIterations = 2000;

// Valid UTF-8 of at most max_bytes bytes, mixing 1- to 4-byte characters.
std::string Utf8(Gen& g, std::size_t max_bytes) {
  std::string s;
  while (true) {
    std::uint32_t cp = 0;
    switch (g.Below(4)) {
      case 0:
        cp = static_cast<std::uint32_t>(g.Range(0x20, 0x7e));
        break;
      case 1:
        cp = static_cast<std::uint32_t>(g.Range(0x80, 0x7ff));
        break;
      case 2:
        cp = static_cast<std::uint32_t>(g.Range(0x800, 0xfffd));
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x2713;  // no surrogates
        break;
      default:
        cp = static_cast<std::uint32_t>(g.Range(0x10000, 0x10ffff));
        break;
    }
    std::string c;
    if (cp < 0x80) {
      c += static_cast<char>(cp);
    } else if (cp < 0x800) {
      c += static_cast<char>(0xc0 | cp >> 6);
      c += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      c += static_cast<char>(0xe0 | cp >> 12);
      c += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      c += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      c += static_cast<char>(0xf0 | cp >> 18);
      c += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
      c += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      c += static_cast<char>(0x80 | (cp & 0x3f));
    }
    if (s.size() + c.size() > max_bytes) return s;
    s += c;
  }
}

std::string Printable(Gen& g, std::size_t max_len) {
  std::string s(g.Below(max_len + 1), ' ');
  for (auto& c : s) c = static_cast<char>(g.Range(0x21, 0x7e));
  return s;
}

// ---- OPEN ---------------------------------------------------------------------------------

Family RandomFamily(Gen& g) {
  if (g.Chance(70)) return g.Chance(50) ? kIpv4Unicast : kIpv6Unicast;
  return {static_cast<Afi>(g.U16()), static_cast<Safi>(g.U8())};
}

Capability RandomCapability(Gen& g, std::uint32_t asn, std::uint8_t role, bool small) {
  const std::uint64_t kind =
      small ? g.Pick(std::vector<std::uint64_t>{0, 1, 3, 4, 6, 8}) : g.Below(13);
  switch (kind) {
    case 0:
      return MultiprotocolCap{RandomFamily(g), g.Chance(10) ? g.U8() : std::uint8_t{0}};
    case 1:
      return RouteRefreshCap{};
    case 2: {
      ExtendedNextHopCap c;
      for (std::uint64_t n = g.Range(1, 4); n > 0; --n) {
        c.entries.push_back({static_cast<Afi>(g.U16()), g.U16(), static_cast<Afi>(g.U16())});
      }
      return c;
    }
    case 3:
      return ExtendedMessageCap{};
    case 4:
      return RoleCap{role};
    case 5: {
      GracefulRestartCap c;
      c.flags = g.U8() & 0xf;
      c.restart_time = g.U16() & 0xfff;
      for (std::uint64_t n = g.Range(0, 4); n > 0; --n) {
        c.families.push_back({RandomFamily(g), g.U8()});
      }
      return c;
    }
    case 6:
      return FourOctetAsCap{asn};
    case 7: {
      AddPathCap c;
      for (std::uint64_t n = g.Range(1, 4); n > 0; --n) {
        c.entries.push_back({RandomFamily(g), static_cast<std::uint8_t>(g.Range(1, 3))});
      }
      return c;
    }
    case 8:
      return EnhancedRouteRefreshCap{};
    case 9: {
      LlgrCap c;
      for (std::uint64_t n = g.Range(0, 4); n > 0; --n) {
        c.entries.push_back({RandomFamily(g), g.U8(), g.U32() & 0xffffff});
      }
      return c;
    }
    case 10:
      return FqdnCap{Printable(g, 60), Printable(g, 60)};
    case 11:
      return SoftwareVersionCap{Printable(g, 80)};
    default: {
      static const std::vector<std::uint8_t> kUnknownCodes{0,  3,  4,  7,  8,  10,  63, 66,
                                                           67, 68, 72, 74, 76, 128, 255};
      return RawCapability{g.Pick(kUnknownCodes), g.Bytes(g.Range(0, 20))};
    }
  }
}

Open RandomOpen(Gen& g) {
  Open o;
  o.hold_time = g.Chance(10) ? 0 : static_cast<std::uint16_t>(g.Range(3, 65535));
  o.bgp_id = static_cast<std::uint32_t>(g.Range(1, 0xffffffff));
  const std::uint32_t asn = RandomAsn(g, true);
  o.my_as = asn > 0xffff ? kAsTrans : static_cast<std::uint16_t>(asn);
  const auto role = static_cast<std::uint8_t>(g.Below(5));
  // Now and then more capabilities than fit one byte's count (RFC 9072 parameters hold up
  // to 65535 bytes).
  const bool many = g.Chance(3);
  const std::uint64_t n = many ? g.Range(256, 400) : g.Range(0, 12);
  for (std::uint64_t i = 0; i < n; ++i)
    o.capabilities.push_back(RandomCapability(g, asn, role, many));
  if (!many && n > 0 && g.Chance(30)) {
    // Spread over several Capabilities parameters (2 or more, some maybe empty).
    std::size_t left = n;
    while (left > 0 || o.parameter_sizes.size() < 2) {
      const auto k = static_cast<std::uint8_t>(g.Range(0, left));
      o.parameter_sizes.push_back(k);
      left -= k;
    }
  }
  o.extended_parameters = many || g.Chance(10);
  if (!o.extended_parameters) {
    // RFC 9072 when the parameters need more than 255 bytes.
    std::vector<std::uint8_t> buf(8192);
    Writer w(buf);
    EncodeOpenBody(o, w);
    o.extended_parameters = w.overflowed();
  }
  return o;
}

// ---- NOTIFICATION, ROUTE-REFRESH ----------------------------------------------------------

Notification RandomNotification(Gen& g) {
  if (g.Chance(40)) {
    const auto subcode =
        g.Chance(50) ? CeaseSubcode::kAdministrativeShutdown : CeaseSubcode::kAdministrativeReset;
    return Notification::Shutdown(subcode, Utf8(g, g.Range(0, 300)));
  }
  Notification n;
  n.code = static_cast<NotifyCode>(g.Chance(80) ? g.Range(1, 8) : g.U8());
  n.subcode = g.U8();
  n.data = g.Bytes(g.Range(0, 64));
  return n;
}

RouteRefresh RandomRouteRefresh(Gen& g) {
  return RouteRefresh{{static_cast<Afi>(g.U16()), static_cast<Safi>(g.U8())}, g.U8()};
}

Message RandomMessage(Gen& g, const Context& ctx) {
  const std::uint64_t k = g.Below(100);
  if (k < 50) return RandomUpdate(g, ctx);
  if (k < 70) return RandomOpen(g);
  if (k < 85) return RandomNotification(g);
  if (k < 95) return RandomRouteRefresh(g);
  return Keepalive{};
}

std::vector<std::uint8_t> MustEncode(const Message& m, const Context& ctx) {
  auto bytes = EncodeMessage(m, ctx);
  REQUIRE_MESSAGE(bytes.has_value(), "encoding a valid " << ToString(TypeOf(m)) << " failed: "
                                                         << (bytes ? "" : bytes.error()));
  return *bytes;
}

}  // namespace

TEST_CASE("property: decode(encode(x)) == x for random UPDATE messages") {
  Gen g(LoggedSeed());
  for (int i = 0; i < kIterations; ++i) {
    const Context ctx = RandomContext(g);
    const Update x = RandomUpdate(g, ctx);
    const auto bytes = MustEncode(x, ctx);
    INFO("iteration " << i << ", " << Describe(ctx) << ", encoded " << ToHex(bytes));
    auto decoded = DecodeMessage(bytes, ctx);
    REQUIRE_MESSAGE(decoded.has_value(), Describe(decoded.error()));
    const auto* got = std::get_if<Update>(&*decoded);
    REQUIRE(got != nullptr);
    const std::string diff = CompareUpdate(x, *got, ctx);
    REQUIRE_MESSAGE(diff.empty(), diff);
    // The decoded value, with the order and flags it recorded, re-encodes to the same bytes.
    const auto again = MustEncode(*got, ctx);
    REQUIRE_MESSAGE(again == bytes, "re-encoded as " << ToHex(again));
  }
}

TEST_CASE("property: decode(encode(x)) == x for random OPEN messages") {
  Gen g(LoggedSeed());
  const Context ctx;
  for (int i = 0; i < kIterations; ++i) {
    const Open x = RandomOpen(g);
    const auto bytes = MustEncode(x, ctx);
    INFO("iteration " << i << ", " << x.capabilities.size() << " capabilities, encoded "
                      << ToHex(bytes));
    auto decoded = DecodeMessage(bytes, ctx);
    REQUIRE_MESSAGE(decoded.has_value(), Describe(decoded.error()));
    const auto* got = std::get_if<Open>(&*decoded);
    REQUIRE(got != nullptr);
    CHECK(got->capabilities == x.capabilities);
    CHECK(got->parameter_sizes == x.parameter_sizes);
    REQUIRE(*got == x);
  }
}

TEST_CASE("property: decode(encode(x)) == x for random NOTIFICATION, ROUTE-REFRESH, KEEPALIVE") {
  Gen g(LoggedSeed());
  for (int i = 0; i < kIterations; ++i) {
    const Context ctx = RandomContext(g);
    const std::uint64_t k = g.Below(4);
    const bool shutdown = k == 0;
    const Message x = shutdown
                          ? Message{Notification::Shutdown(CeaseSubcode::kAdministrativeShutdown,
                                                           Utf8(g, g.Range(0, 300)))}
                      : k == 1 ? Message{RandomNotification(g)}
                      : k == 2 ? Message{RandomRouteRefresh(g)}
                               : Message{Keepalive{}};
    const auto bytes = MustEncode(x, ctx);
    INFO("iteration " << i << ", encoded " << ToHex(bytes));
    auto decoded = DecodeMessage(bytes, ctx);
    REQUIRE_MESSAGE(decoded.has_value(), Describe(decoded.error()));
    REQUIRE(*decoded == x);
    if (shutdown) {
      // RFC 8203/9003: valid UTF-8 reads back.
      const auto text = std::get<Notification>(*decoded).ShutdownText();
      CHECK_MESSAGE(text.has_value(), text.error());
    }
  }
}

TEST_CASE("property: random mutations of valid messages never crash and always carry an action") {
  Gen g(LoggedSeed());
  std::size_t values = 0, errors = 0;
  for (int i = 0; i < kIterations; ++i) {
    const Context ctx = RandomContext(g);
    const auto valid = MustEncode(RandomMessage(g, ctx), ctx);
    for (int m = 0; m < 4; ++m) {
      auto bytes = valid;
      for (std::uint64_t n = g.Range(1, 4); n > 0; --n) {
        const std::size_t at = g.Below(bytes.size() + 1);
        switch (g.Below(5)) {
          case 0:  // flip a bit
            if (at < bytes.size()) bytes[at] ^= static_cast<std::uint8_t>(1u << g.Below(8));
            break;
          case 1:  // overwrite a byte
            if (at < bytes.size()) bytes[at] = g.U8();
            break;
          case 2: {  // insert bytes
            const auto ins = g.Bytes(g.Range(1, 8));
            bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), ins.begin(), ins.end());
            break;
          }
          case 3: {  // delete bytes
            const std::size_t n_del = std::min<std::size_t>(g.Range(1, 8), bytes.size() - at);
            bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                        bytes.begin() + static_cast<std::ptrdiff_t>(at + n_del));
            break;
          }
          default:  // truncate
            bytes.resize(g.Below(bytes.size() + 1));
            break;
        }
      }
      // Mostly keep the header's length true, so that the body parsers see the damage.
      if (bytes.size() >= 18 && bytes.size() <= 0xffff && g.Chance(70)) {
        bytes[16] = static_cast<std::uint8_t>(bytes.size() >> 8);
        bytes[17] = static_cast<std::uint8_t>(bytes.size());
      }
      INFO("iteration " << i << ", " << Describe(ctx) << ", valid " << ToHex(valid) << ", mutated "
                        << ToHex(bytes));
      std::string err = fuzz::CheckDecodeMessage(bytes, ctx);
      if (err.empty()) err = fuzz::CheckFraming(bytes, ctx);
      REQUIRE_MESSAGE(err.empty(), err);
      (DecodeMessage(bytes, ctx) ? values : errors)++;
    }
  }
  MESSAGE("mutants that decoded: " << values << ", refused: " << errors);
  CHECK(values > 0);
  CHECK(errors > 0);
}

// Fixed bugs the properties above found, pinned with the smallest input that shows each.

TEST_CASE("property regression: EffectivePath keeps AS_PATH's leading confederation segment") {
  // RFC 6793 §4.2.3: a 2-octet iBGP peer inside a confederation sends "(65001) 23456" with
  // AS4_PATH "4200000001"; the merged path keeps the confederation segment.
  PathAttributes a;
  a.as_path =
      AsPath{{{AsSegmentType::kConfedSequence, {65001}}, {AsSegmentType::kSequence, {kAsTrans}}}};
  a.as4_path = AsPath::Sequence({4200000001});
  CHECK(a.EffectivePath().ToString() == "(65001) 4200000001");
  a.as_path = AsPath{
      {{AsSegmentType::kConfedSet, {65001, 65002}}, {AsSegmentType::kSequence, {65100, kAsTrans}}}};
  CHECK(a.EffectivePath().ToString() == "[65001 65002] 65100 4200000001");
}

TEST_CASE("property regression: OPEN with 256 capabilities in one RFC 9072 parameter round-trips") {
  Open o;
  o.my_as = 65001;
  o.bgp_id = 0x0a000001;
  o.extended_parameters = true;
  o.capabilities.assign(256, RouteRefreshCap{});
  auto bytes = EncodeMessage(o, Context{});
  REQUIRE_MESSAGE(bytes.has_value(), bytes.error());
  CHECK(bytes->size() == 19 + 10 + 3 + 3 + 512);  // one parameter
  auto decoded = DecodeMessage(*bytes, Context{});
  REQUIRE(decoded.has_value());
  CHECK(std::get<Open>(*decoded) == o);
}
