// Tests for core/decode: a stream of messages into records and counts.
#include "core/decode.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/test_util.h"

using bgpdemo::core::DecodeFormat;
using bgpdemo::core::DecodeMessages;
using bgpdemo::core::DecodeSettings;
using bgpdemo::test::Cat;
using bgpdemo::test::H;

namespace {

const char* kKeepalive = "ffffffffffffffffffffffffffffffff 0013 04";
// ORIGIN IGP, AS_PATH [65100], NEXT_HOP 10.0.0.2, NLRI 10.241.1.0/24 and 10.11.0.10/32.
const char* kUpdate =
    "ffffffffffffffffffffffffffffffff 0034 02 0000 0014"
    " 40 01 01 00  40 02 06 02 01 0000fe4c  40 03 04 0a000002"
    " 18 0af101  20 0a0b000a";

}  // namespace

TEST_CASE("decode stream: records in order, counts, and a truncated tail ends it") {
  const auto data = Cat({H(kKeepalive), H(kUpdate), H("ffffffffffffffffffffffffffffffff 0013")});
  std::vector<std::string> records;
  const auto summary = DecodeMessages(data, DecodeSettings{}, DecodeFormat::kJson,
                                      [&](std::string_view r) { records.emplace_back(r); });
  REQUIRE(records.size() == 3);
  CHECK(records[0] == R"({"index":0,"length":19,"offset":0,"type":"keepalive"})");
  const auto update = nlohmann::json::parse(records[1]);
  CHECK(update["offset"] == 19);
  CHECK(update["nlri"] == nlohmann::json({"10.241.1.0/24", "10.11.0.10/32"}));
  const auto tail = nlohmann::json::parse(records[2]);
  CHECK(tail["index"] == 2);
  CHECK(tail["offset"] == 19 + 0x34);
  CHECK(tail["error"]["message"] == "input ends with 18 bytes, too few for a 19-byte header");
  CHECK(summary.messages == 2);
  CHECK(summary.by_type == std::map<std::string, std::size_t>{{"keepalive", 1}, {"update", 1}});
  CHECK(summary.announced == 2);
  CHECK(summary.withdrawn == 0);
  CHECK(summary.errors == 1);
  CHECK(summary.bytes == 19 + 0x34);
}

TEST_CASE("decode stream: text records, and a summary alone makes no records") {
  const auto data = Cat({H(kUpdate), H(kKeepalive)});
  std::vector<std::string> text;
  (void)DecodeMessages(data, DecodeSettings{}, DecodeFormat::kText,
                       [&](std::string_view r) { text.emplace_back(r); });
  REQUIRE(text.size() == 2);
  CHECK(text[0].rfind("#0 at byte 0, 52 bytes: ", 0) == 0);
  CHECK(text[1].rfind("#1 at byte 52, 19 bytes: ", 0) == 0);

  std::size_t calls = 0;
  const auto summary =
      DecodeMessages(data, DecodeSettings{}, std::nullopt, [&](std::string_view) { ++calls; });
  CHECK(calls == 0);
  CHECK(summary.messages == 2);
  CHECK(summary.announced == 2);
  CHECK(summary.errors == 0);
  CHECK(summary.bytes == 71);
}

TEST_CASE("decode stream: 2-octet AS settings change how an AS_PATH reads") {
  // The same UPDATE read as from a 2-octet session: the 4-byte ASN is two 2-byte ones, and
  // the AS_PATH length no longer matches, an error.
  DecodeSettings two_octet;
  two_octet.four_octet_as = false;
  const auto summary = DecodeMessages(H(kUpdate), two_octet, std::nullopt, {});
  CHECK(summary.messages == 1);
  CHECK(summary.errors == 1);
  CHECK(DecodeMessages(H(kUpdate), DecodeSettings{}, std::nullopt, {}).errors == 0);
}
