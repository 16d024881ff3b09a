// Robustness checklist group B (robustness.md §3): the OPEN message, RFC 4271 §4.2 and
// §6.2, capabilities (RFC 5492), RFC 9072 extended parameters, RFC 6793, RFC 7607,
// RFC 9234 roles, RFC 4724 graceful restart.
//
// Each case starts from a valid OPEN and changes one thing. Offsets count from the marker:
// version 19, My AS 20, Hold Time 22, BGP Identifier 24, Opt Parm Len 28, first parameter
// 29, first capability 31.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bgp/wire/message.h"
#include "core/hex.h"
#include "tests/test_util.h"

using namespace bgpdemo::bgp::wire;
using bgpdemo::test::Bytes;
using bgpdemo::test::Cat;
using bgpdemo::test::H;
using bgpdemo::test::Msg;

namespace {

std::string Hex(const Bytes& b) {
  return bgpdemo::core::ToHex(b);
}

struct Want {
  std::uint8_t subcode;  // code is always 2 (OPEN Message Error), action session reset
  std::size_t offset;
  Bytes data;
};

void CheckOpenError(const Bytes& msg, const Want& w) {
  auto m = DecodeMessage(msg, {});
  REQUIRE_FALSE(m.has_value());
  const Error& e = m.error();
  INFO(Describe(e));
  CHECK(static_cast<int>(e.code) == 2);
  CHECK(static_cast<int>(e.subcode) == static_cast<int>(w.subcode));
  CHECK(e.action == Action::kSessionReset);
  CHECK(e.offset == w.offset);
  CHECK(Hex(e.data) == Hex(w.data));
}

Open DecodeOk(const Bytes& msg) {
  auto m = DecodeMessage(msg, {});
  if (!m) FAIL(Describe(m.error()));
  return std::get<Open>(std::move(m).value());
}

Bytes Cap(std::uint8_t code, const Bytes& value) {
  return Cat({{code, static_cast<std::uint8_t>(value.size())}, value});
}
Bytes Param(std::uint8_t type, const Bytes& value) {
  return Cat({{type, static_cast<std::uint8_t>(value.size())}, value});
}

const Bytes kMp4 = Cap(1, H("0001 00 01"));  // IPv4 unicast
const Bytes kRr = Cap(2, {});                // route refresh
const Bytes kAs4 = Cap(65, H("0000fe4c"));   // 4-octet AS 65100

// version(1) my_as(2) hold(2) id(4) opt_len(1) params
Bytes OpenMsg(std::uint8_t version, std::uint16_t my_as, std::uint16_t hold, std::uint32_t id,
              const Bytes& params) {
  Bytes b{version,
          static_cast<std::uint8_t>(my_as >> 8),
          static_cast<std::uint8_t>(my_as),
          static_cast<std::uint8_t>(hold >> 8),
          static_cast<std::uint8_t>(hold),
          static_cast<std::uint8_t>(id >> 24),
          static_cast<std::uint8_t>(id >> 16),
          static_cast<std::uint8_t>(id >> 8),
          static_cast<std::uint8_t>(id),
          static_cast<std::uint8_t>(params.size())};
  b.insert(b.end(), params.begin(), params.end());
  return Msg(MessageType::kOpen, b);
}

// The valid OPEN every case mutates: AS 65100, hold 90, ID 10.0.0.1, one Capabilities
// parameter with MP IPv4 unicast, route refresh and 4-octet AS.
Bytes ValidOpen() {
  return OpenMsg(4, 65100, 90, 0x0a000001, Param(2, Cat({kMp4, kRr, kAs4})));
}

// An OPEN whose one Capabilities parameter holds exactly `caps` (first capability at 31).
Bytes OpenWithCaps(const Bytes& caps) {
  return OpenMsg(4, 65100, 90, 0x0a000001, Param(2, caps));
}

// Replaces Opt Parm Len (offset 28) and the bytes after it with `tail`, keeping the rest.
Bytes WithOptionalPart(const Bytes& tail) {
  Bytes m = ValidOpen();
  m.resize(28);
  m.insert(m.end(), tail.begin(), tail.end());
  m[16] = static_cast<std::uint8_t>(m.size() >> 8);
  m[17] = static_cast<std::uint8_t>(m.size());
  return m;
}

}  // namespace

TEST_CASE("robustness B: the valid OPEN the cases mutate decodes") {
  const Open o = DecodeOk(ValidOpen());
  CHECK(o.my_as == 65100);
  CHECK(o.hold_time == 90);
  CHECK(o.Asn() == 65100);
  CHECK(o.HasFamily(kIpv4Unicast));
  CHECK(o.capabilities.size() == 3);
}

TEST_CASE("robustness B6: version 3 or 5 -> 2/1 with data 0x0004") {
  for (std::uint8_t v : {0, 1, 3, 5, 255}) {
    CAPTURE(static_cast<int>(v));
    Bytes m = ValidOpen();
    m[19] = v;
    // RFC 4271 §6.2: Data = the largest locally supported version, 2 octets.
    CheckOpenError(m, {1, 19, H("0004")});
  }
}

TEST_CASE("robustness B7: hold time 1 or 2 -> 2/6, 0 and 3 accepted") {
  for (std::uint16_t hold : {1, 2}) {
    CAPTURE(hold);
    CheckOpenError(OpenMsg(4, 65100, hold, 0x0a000001, Param(2, Cat({kMp4, kRr, kAs4}))),
                   {6, 22, {}});
  }
  for (std::uint16_t hold : {0, 3, 65535}) {
    CAPTURE(hold);
    CHECK(
        DecodeOk(OpenMsg(4, 65100, hold, 0x0a000001, Param(2, Cat({kMp4, kRr, kAs4})))).hold_time ==
        hold);
  }
  // "Below the configured local minimum" needs the configuration: session layer.
}

TEST_CASE("robustness B8: BGP Identifier 0 -> 2/3") {
  CheckOpenError(OpenMsg(4, 65100, 90, 0, Param(2, Cat({kMp4, kRr, kAs4}))), {3, 24, {}});
  // Any other value, 255.255.255.255 included, is the session's to compare with its own.
  CHECK(DecodeOk(OpenMsg(4, 65100, 90, 0xffffffff, Param(2, Cat({kMp4, kRr, kAs4})))).bgp_id ==
        0xffffffff);
}

TEST_CASE("robustness B9: AS 0 and AS4 capability vs My AS -> 2/2") {
  struct Case {
    const char* name;
    std::uint16_t my_as;
    Bytes as4_value;
    std::size_t offset;
  };
  const Case cases[] = {
      {"My AS 0 (RFC 7607)", 0, H("0000fe4c"), 20},
      {"4-octet AS 0 (RFC 7607)", 65100, H("00000000"), 28},
      {"4-octet AS 4200000000 with My AS 65100", 65100, H("fa56ea00"), 20},
      {"4-octet AS 65536 with My AS 65100", 65100, H("00010000"), 20},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CheckOpenError(OpenMsg(4, c.my_as, 90, 0x0a000001, Param(2, Cat({kMp4, Cap(65, c.as4_value)}))),
                   {2, c.offset, {}});
  }
  // RFC 6793 §4.1: a 4-octet AS goes with My AS = AS_TRANS.
  const Open o =
      DecodeOk(OpenMsg(4, kAsTrans, 90, 0x0a000001, Param(2, Cat({kMp4, Cap(65, H("fa56ea00"))}))));
  CHECK(o.Asn() == 4200000000u);
  // A mappable AS with AS_TRANS is odd but not refused here; the peer-AS check is the
  // session's ("wrong AS": session layer).
}

TEST_CASE("robustness B10: optional parameter framing -> 2/0, no crash") {
  struct Case {
    const char* name;
    Bytes tail;  // from Opt Parm Len (offset 28) to the end of the message
    std::size_t offset;
  };
  const Bytes caps = Cat({kMp4, kRr, kAs4});  // 14 bytes
  const Case cases[] = {
      {"Opt Parm Len overruns the message", Cat({{18}, Param(2, caps)}), 28},
      {"Opt Parm Len short of the message", Cat({{10}, Param(2, caps)}), 28},
      {"OPEN ends after Opt Parm Len (CVE-2022-43681)", H("08"), 28},
      {"parameter length overruns the parameters", H("04 02 05 0200"), 29},
      {"parameter header truncated", H("01 02"), 29},
      {"type 255 without Opt Parm Len 255 (CVE-2022-40318)", H("04 ff 0002 00"), 28},
      {"RFC 9072 length truncated", H("ff ff 00"), 28},
      {"RFC 9072 length short of the message", Cat({H("ff ff 0004 02 0011"), caps}), 28},
      {"RFC 9072 length past the message", Cat({H("ff ff 0020 02 000e"), caps}), 28},
      {"RFC 9072 parameter length overruns", Cat({H("ff ff 0011 02 0020"), caps}), 32},
      {"RFC 9072 parameter header truncated", H("ff ff 0002 02 00"), 32},
      {"capability header truncated", H("03 02 01 41"), 31},
      {"4-octet AS capability overruns (CVE-2022-36440 peek)", H("06 02 04 41 04 0000"), 31},
      {"capability length overruns the parameter",
       Cat({{14}, Param(2, Cat({kMp4, H("41 09"), H("0000fe4c")}))}), 37},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CheckOpenError(WithOptionalPart(c.tail), {0, c.offset, {}});
  }
}

TEST_CASE("robustness B10: RFC 9072 extended parameters are accepted") {
  const Bytes caps = Cat({kMp4, kRr, kAs4});
  const Open o = DecodeOk(WithOptionalPart(Cat({H("ff ff 0011 02 000e"), caps})));
  CHECK(o.extended_parameters);
  CHECK(o.capabilities.size() == 3);
  CHECK(o.Asn() == 65100);
  // Opt Parm Len 0 with nothing after it is the smallest valid OPEN.
  CHECK(DecodeOk(WithOptionalPart(H("00"))).capabilities.empty());
}

TEST_CASE("robustness B11: unknown optional parameter -> 2/4") {
  for (std::uint8_t type : {1, 3, 254}) {
    CAPTURE(static_cast<int>(type));
    // A valid Capabilities parameter first, then the unknown one at 29 + 16 = 45.
    CheckOpenError(OpenMsg(4, 65100, 90, 0x0a000001,
                           Cat({Param(2, Cat({kMp4, kRr, kAs4})), Param(type, H("0102"))})),
                   {4, 45, {}});
  }
  // The unknown parameter first: offset 29.
  CheckOpenError(OpenMsg(4, 65100, 90, 0x0a000001, Cat({Param(1, H("00")), Param(2, kMp4)})),
                 {4, 29, {}});
}

TEST_CASE("robustness B12: malformed capability lengths -> 2/0 at the capability") {
  struct Case {
    const char* name;
    Bytes cap;
  };
  const Case cases[] = {
      {"multiprotocol len 3", Cap(1, H("000100"))},
      {"multiprotocol len 5", Cap(1, H("0001000100"))},
      {"route refresh len 1", Cap(2, H("00"))},
      {"extended next hop len 0", Cap(5, {})},
      {"extended next hop len 5", Cap(5, H("0001000100"))},
      {"extended message len 1", Cap(6, H("00"))},
      {"role len 0", Cap(9, {})},
      {"role len 2", Cap(9, H("0000"))},
      {"graceful restart len 0 (CVE-2023-31489)", Cap(64, {})},
      {"graceful restart len 1", Cap(64, H("00"))},
      {"graceful restart len 3", Cap(64, H("0078 00"))},
      {"graceful restart len 5", Cap(64, H("0078 000101"))},
      {"4-octet AS len 3", Cap(65, H("00fe4c"))},
      {"4-octet AS len 5", Cap(65, H("0000fe4c00"))},
      {"add-path len 0", Cap(69, {})},
      {"add-path len 3", Cap(69, H("000101"))},
      {"add-path len 5", Cap(69, H("0001010300"))},
      {"enhanced route refresh len 1", Cap(70, H("00"))},
      {"LLGR len 6 (CVE-2023-41359)", Cap(71, H("000101800000"))},
      {"LLGR len 8", Cap(71, H("00010180000e1000"))},
      {"FQDN len 0", Cap(73, {})},
      {"FQDN hostname overruns", Cap(73, H("05 6868"))},
      {"FQDN domain missing", Cap(73, H("01 68"))},
      {"FQDN trailing byte", Cap(73, H("01 68 00 00"))},
      {"software version len 0 (GoBGP CVE-2025-43971)", Cap(75, {})},
      {"software version overruns", Cap(75, H("05 4142"))},
      {"software version short of the capability", Cap(75, H("01 4142"))},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CheckOpenError(OpenWithCaps(c.cap), {0, 31, {}});
    // The same capability after a valid one: the offset moves with it.
    CheckOpenError(OpenWithCaps(Cat({kMp4, c.cap})), {0, 37, {}});
  }
}

TEST_CASE("robustness B12: well-formed edge lengths and unknown codes are accepted") {
  CHECK(std::get<GracefulRestartCap>(DecodeOk(OpenWithCaps(Cap(64, H("0078")))).capabilities[0])
            .restart_time == 120);
  CHECK(std::get<LlgrCap>(DecodeOk(OpenWithCaps(Cap(71, {}))).capabilities[0]).entries.empty());
  CHECK(std::get<SoftwareVersionCap>(DecodeOk(OpenWithCaps(Cap(75, H("00")))).capabilities[0])
            .version.empty());
  const auto fqdn =
      std::get<FqdnCap>(DecodeOk(OpenWithCaps(Cap(73, H("01 68 00")))).capabilities[0]);
  CHECK(fqdn.hostname == "h");
  CHECK(fqdn.domain.empty());
  // ORF (code 3) and any other unimplemented code: kept raw whatever its length.
  for (const Bytes& value : {H(""), H("01"), H("0001000101020304")}) {
    for (std::uint8_t code : {3, 128, 255}) {
      CAPTURE(static_cast<int>(code));
      const Open o = DecodeOk(OpenWithCaps(Cat({Cap(code, value), kAs4})));
      REQUIRE(o.capabilities.size() == 2);
      const auto* raw = std::get_if<RawCapability>(&o.capabilities[0]);
      REQUIRE(raw != nullptr);
      CHECK(raw->code == code);
      CHECK(raw->value == value);
      CHECK(o.Asn() == 65100);
    }
  }
}

TEST_CASE("robustness B12: duplicate graceful restart -> both kept, the last wins") {
  // RFC 4724 §3: the receiver ignores all but the last instance.
  const Open o = DecodeOk(
      OpenWithCaps(Cat({Cap(64, H("0078 0001 01 80")), kMp4, Cap(64, H("812c 0002 01 00"))})));
  CHECK(o.capabilities.size() == 3);
  const auto* gr = o.Find<GracefulRestartCap>();
  REQUIRE(gr != nullptr);
  CHECK(gr->restart_time == 300);
  CHECK(gr->flags == GracefulRestartCap::kRestartState);
  REQUIRE(gr->families.size() == 1);
  CHECK(gr->families[0].family == kIpv6Unicast);
}

TEST_CASE("robustness B12: conflicting BGP Role capabilities -> 2/11") {
  // RFC 9234 §4.2: several Role capabilities that differ are a Role Mismatch.
  CheckOpenError(OpenWithCaps(Cat({Cap(9, H("00")), kMp4, Cap(9, H("03"))})), {11, 28, {}});
  CheckOpenError(OpenMsg(4, 65100, 90, 0x0a000001,
                         Cat({Param(2, Cap(9, H("04"))), Param(2, Cap(9, H("01")))})),
                 {11, 28, {}});
  // The same role twice is not a conflict.
  const Open o = DecodeOk(OpenWithCaps(Cat({Cap(9, H("03")), Cap(9, H("03"))})));
  CHECK(o.Find<RoleCap>()->role == RoleCap::kCustomer);
  // Role pairs (Provider-Customer, ...) and "required capability missing -> 2/7" need the
  // local configuration: session layer.
}

TEST_CASE("robustness B13: multiprotocol capability for an unknown family is kept") {
  const Open o = DecodeOk(OpenWithCaps(Cat({Cap(1, H("0019 00 46")), kMp4, kAs4})));
  REQUIRE(o.capabilities.size() == 3);
  const auto& mp = std::get<MultiprotocolCap>(o.capabilities[0]);
  CHECK(static_cast<int>(mp.family.afi) == 25);
  CHECK(static_cast<int>(mp.family.safi) == 70);
  CHECK(o.HasFamily(Family{static_cast<Afi>(25), static_cast<Safi>(70)}));
  CHECK(o.HasFamily(kIpv4Unicast));
  CHECK_FALSE(o.HasFamily(kIpv6Unicast));
}
