// Tests for core/decode_capture: pcap, pcapng and MRT through the decoder, labelled records.
#include "core/decode_capture.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/core/capture/frames.h"
#include "tests/test_util.h"

using namespace bgpdemo::test::capture;
using bgpdemo::core::DecodeFormat;
using bgpdemo::core::DecodeMrt;
using bgpdemo::core::DecodePcap;
using bgpdemo::core::DecodeSettings;
using bgpdemo::test::Cat;
using bgpdemo::test::H;
using nlohmann::json;

namespace {

const Bytes kKeepalive = H("ffffffffffffffffffffffffffffffff 0013 04");
// ORIGIN IGP, AS_PATH [65100] with 2-octet ASNs, NEXT_HOP 10.0.0.2, NLRI 10.241.1.0/24.
const Bytes kUpdate2 =
    H("ffffffffffffffffffffffffffffffff 002d 02 0000 0012"
      " 40 01 01 00  40 02 04 02 01 fe4c  40 03 04 0a000002  18 0af101");
// OPEN AS 65100, hold 90, id 10.0.0.2, only the IPv4 unicast capability (no 4-octet AS).
const Bytes kOpen2 =
    H("ffffffffffffffffffffffffffffffff 0025 01 04 fe4c 005a 0a000002 08"
      " 02 06 01 04 0001 0001");

std::vector<json> Records(const std::vector<std::string>& lines) {
  std::vector<json> out;
  for (const auto& l : lines) out.push_back(json::parse(l));
  return out;
}

Frame Seg(std::uint32_t t, std::string_view src, std::uint16_t sport, std::string_view dst,
          std::uint16_t dport, std::uint32_t seq, std::uint8_t flags, const Bytes& payload) {
  return {1700000000, t, Ethernet(Ipv4(src, dst, Tcp(sport, dport, seq, flags, payload)))};
}

// A 2-octet AS session: both OPENs, an UPDATE split over two segments, a KEEPALIVE.
std::vector<Frame> Session() {
  const std::string_view a = "10.0.0.2";
  const std::string_view b = "10.0.0.1";
  return {
      Seg(1, a, 50179, b, 179, 100, kSyn, {}),
      Seg(2, b, 179, a, 50179, 900, kSyn | kAck, {}),
      Seg(3, a, 50179, b, 179, 101, kAck | kPsh, kOpen2),
      Seg(4, b, 179, a, 50179, 901, kAck | kPsh, kOpen2),
      Seg(5, a, 50179, b, 179, 101 + 37, kAck | kPsh,
          Bytes(kUpdate2.begin(), kUpdate2.begin() + 20)),
      Seg(6, a, 50179, b, 179, 101 + 37 + 20, kAck | kPsh,
          Cat({Bytes(kUpdate2.begin() + 20, kUpdate2.end()), kKeepalive})),
      {1700000000, 7, Ethernet(Bytes(30, 0), 0x0806)},  // ARP: not TCP
  };
}

}  // namespace

TEST_CASE("decode capture: pcap messages labelled with endpoints, time and frame") {
  std::vector<std::string> lines;
  auto summary =
      DecodePcap(PcapFile(1, Session()), "test.pcap", 179, DecodeSettings{}, DecodeFormat::kJson,
                 [&](std::string_view r) { lines.emplace_back(r); });
  REQUIRE(summary.has_value());
  const auto records = Records(lines);
  REQUIRE(records.size() == 4);
  CHECK(records[0]["type"] == "open");
  CHECK(records[0]["from"] == "10.0.0.2:50179");
  CHECK(records[0]["to"] == "10.0.0.1:179");
  CHECK(records[0]["frame"] == 3);
  CHECK(records[0]["time"] == "2023-11-14T22:13:20.000003Z");
  CHECK(records[1]["from"] == "10.0.0.1:179");
  // The OPENs carry no 4-octet AS capability: the UPDATE's AS_PATH reads as 2-octet.
  CHECK(records[2]["type"] == "update");
  CHECK(records[2]["frame"] == 6);
  CHECK(records[2]["attributes"]["as_path"][0]["asns"] == json({65100}));
  CHECK_FALSE(records[2].contains("error"));
  CHECK(records[3]["type"] == "keepalive");
  CHECK(summary->messages == 4);
  CHECK(summary->announced == 1);
  CHECK(summary->errors == 0);
}

TEST_CASE("decode capture: pcapng reads the same, text output names both ends") {
  std::vector<std::string> lines;
  auto summary =
      DecodePcap(PcapngFile(1, Session()), "test.pcapng", 179, DecodeSettings{},
                 DecodeFormat::kText, [&](std::string_view r) { lines.emplace_back(r); });
  REQUIRE(summary.has_value());
  REQUIRE(lines.size() == 4);
  CHECK(lines[2].rfind("#2 2023-11-14T22:13:20.000006000Z 10.0.0.2:50179 > 10.0.0.1:179 frame 6, "
                       "45 bytes: UPDATE",
                       0) == 0);
}

TEST_CASE("decode capture: a capture that starts mid-stream says what it skipped") {
  const Bytes stream = Cat({kUpdate2, kKeepalive});
  std::vector<Frame> frames = {Seg(1, "10.0.0.2", 50179, "10.0.0.1", 179, 5000, kAck,
                                   Bytes(stream.begin() + 10, stream.end()))};
  std::vector<std::string> lines;
  DecodeSettings s;
  auto summary = DecodePcap(PcapFile(1, frames), "t", 179, s, DecodeFormat::kJson,
                            [&](std::string_view r) { lines.emplace_back(r); });
  REQUIRE(summary.has_value());
  const auto records = Records(lines);
  REQUIRE(records.size() == 2);
  CHECK(records[0]["note"] == "resync");
  CHECK(records[0]["bytes"] == 35);
  CHECK(records[1]["type"] == "keepalive");
  CHECK(summary->skipped.at("resync") == 1);
}

TEST_CASE("decode capture: libpcap's refusal and an unknown link type are input errors") {
  Bytes broken = PcapFile(1, {});
  broken[4] = 9;  // major version 9
  auto r = DecodePcap(broken, "bad.pcap", 179, DecodeSettings{}, std::nullopt, {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message().rfind("bad.pcap: libpcap cannot read it: ", 0) == 0);
  r = DecodePcap(PcapFile(147, {}), "user.pcap", 179, DecodeSettings{}, std::nullopt, {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message().find("link-layer type 147") != std::string::npos);
}

TEST_CASE("decode capture: MRT messages, state changes and RIB entries as records") {
  Bytes msg;
  Put16(msg, 65001);
  Put16(msg, 65000);
  Put16(msg, 0);
  Put16(msg, 1);
  PutIp(msg, "192.0.2.2");
  PutIp(msg, "192.0.2.1");
  msg.insert(msg.end(), kUpdate2.begin(), kUpdate2.end());  // BGP4MP_MESSAGE: 2-octet AS

  Bytes table;
  Put32(table, 0x0a000001);
  Put16(table, 0);
  Put16(table, 1);
  table.push_back(3);  // IPv6, AS4
  Put32(table, 0x0a000002);
  PutIp(table, "2001:db8::2");
  Put32(table, 65002);
  const Bytes attrs =
      H("40 01 01 00  40 02 06 02 01 0000fdea  80 0e 11 10 20010db8000000000000000000000002");
  Bytes rib;
  Put32(rib, 0);
  rib.insert(rib.end(), {32, 0x20, 0x01, 0x0d, 0xb8});
  Put16(rib, 1);
  Put16(rib, 0);
  Put32(rib, 1700000000);
  Put16(rib, static_cast<std::uint32_t>(attrs.size()));
  rib.insert(rib.end(), attrs.begin(), attrs.end());

  const Bytes file =
      Cat({MrtRecord(1700000000, 16, 1, msg), MrtRecord(1700000001, 13, 1, table),
           MrtRecord(1700000001, 13, 4, rib), MrtRecord(1700000002, 12, 2, Bytes(8, 0)),
           MrtRecord(1700000002, 12, 2, Bytes(8, 0))});
  std::vector<std::string> lines;
  const auto summary = DecodeMrt(file, DecodeSettings{}, DecodeFormat::kJson,
                                 [&](std::string_view r) { lines.emplace_back(r); });
  const auto records = Records(lines);
  REQUIRE(records.size() == 4);  // the second skipped record is only counted
  CHECK(records[0]["type"] == "update");
  CHECK(records[0]["from"] == "192.0.2.2");
  CHECK(records[0]["from_as"] == 65001);
  CHECK(records[0]["to_as"] == 65000);
  CHECK(records[0]["offset"] == 0);
  CHECK(records[0]["attributes"]["as_path"][0]["asns"] == json({65100}));
  CHECK(records[1]["type"] == "peer_index_table");
  CHECK(records[1]["peers"][0]["ip"] == "2001:db8::2");
  CHECK(records[2]["type"] == "rib");
  CHECK(records[2]["prefix"] == "2001:db8::/32");
  CHECK(records[2]["entries"][0]["peer_as"] == 65002);
  CHECK(records[2]["entries"][0]["attributes"]["as_path"][0]["asns"] == json({65002}));
  CHECK(records[2]["entries"][0]["attributes"]["mp_reach_nlri"]["next_hop"] == "2001:db8::2");
  CHECK_FALSE(records[2]["entries"][0].contains("error"));
  CHECK(records[3]["note"] == "skipped");
  CHECK(summary.messages == 1);
  CHECK(summary.rib_prefixes == 1);
  CHECK(summary.rib_entries == 1);
  CHECK(summary.skipped.at("mrt-12-2") == 2);
  CHECK(summary.errors == 0);
  CHECK(summary.bytes == file.size());
}
