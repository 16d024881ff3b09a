// Tests for bgp/wire/notification: RFC 8203/9003 shutdown communications and UTF-8 checks.
#include "bgp/wire/notification.h"

#include <doctest/doctest.h>

#include "bgp/wire/message.h"
#include "tests/test_util.h"

using namespace bgpdemo::bgp::wire;
using bgpdemo::test::H;

TEST_CASE("notification: Cease with a shutdown communication, exact bytes") {
  auto n = Notification::Shutdown(CeaseSubcode::kAdministrativeShutdown, "maintenance");
  auto bytes = EncodeMessage(Message{n}, Context{});
  REQUIRE(bytes);
  CHECK(*bytes == H("ffffffffffffffffffffffffffffffff 0021 03 06 02 0b"
                    "6d61696e74656e616e6365"));
  auto back = DecodeMessage(*bytes, Context{});
  REQUIRE(back);
  const auto& d = std::get<Notification>(*back);
  REQUIRE(d.ShutdownText());
  CHECK(*d.ShutdownText() == "maintenance");
}

TEST_CASE("notification: shutdown text is cut at 255 bytes on a character boundary") {
  std::string text(254, 'a');
  text += "\xc3\xa9";  // é straddles byte 255
  auto n = Notification::Shutdown(CeaseSubcode::kAdministrativeReset, text);
  CHECK(n.data[0] == 254);
  REQUIRE(n.ShutdownText());
  CHECK(n.ShutdownText()->size() == 254);
}

TEST_CASE("notification: malformed shutdown text is reported, never fatal") {
  // Length 10 with 3 bytes of text (BIRD CVE-2019-16159's shape).
  auto m = DecodeMessage(H("ffffffffffffffffffffffffffffffff 001a 03 06 02 0a 616263 00"),
                         Context{});
  REQUIRE(m);
  const auto& n = std::get<Notification>(*m);
  auto text = n.ShutdownText();
  REQUIRE_FALSE(text);
  CHECK(text.error() == "shutdown communication length 10 overruns the 4 data bytes");

  auto bad_utf8 =
      DecodeMessage(H("ffffffffffffffffffffffffffffffff 0018 03 06 04 02 c328"), Context{});
  REQUIRE(bad_utf8);
  CHECK(std::get<Notification>(*bad_utf8).ShutdownText().error() ==
        "shutdown communication is not valid UTF-8");
}

TEST_CASE("notification: unknown codes and empty data decode as they are") {
  auto m = DecodeMessage(H("ffffffffffffffffffffffffffffffff 0015 03 63 07"), Context{});
  REQUIRE(m);
  const auto& n = std::get<Notification>(*m);
  CHECK(static_cast<int>(n.code) == 0x63);
  CHECK(n.subcode == 7);
  CHECK(n.data.empty());
  CHECK_FALSE(n.HasShutdownCommunication());
}

TEST_CASE("notification: UTF-8 validation follows RFC 3629") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("\xc3\xa9t\xc3\xa9"));
  CHECK(IsValidUtf8("\xf0\x9f\x98\x80"));       // U+1F600
  CHECK_FALSE(IsValidUtf8("\xc0\xaf"));         // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));     // surrogate
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xe2\x82"));         // truncated
  CHECK_FALSE(IsValidUtf8("\xff"));
}
