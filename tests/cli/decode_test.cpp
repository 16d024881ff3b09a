// Tests for `bgpdemo decode` (cli/decode_command.cpp), run in-process through cli::Main.
#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/app.h"
#include "core/process.h"
#include "tests/core/capture/frames.h"
#include "tests/test_util.h"

using bgpdemo::test::Bgpdemo;

namespace {

const char* kKeepalive = "ffffffffffffffffffffffffffffffff 0013 04";
// ORIGIN IGP, AS_PATH [65100], NEXT_HOP 10.0.0.2, NLRI 10.241.1.0/24 and 10.11.0.10/32.
const char* kUpdate =
    "ffffffffffffffffffffffffffffffff 0034 02 0000 0014"
    " 40 01 01 00  40 02 06 02 01 0000fe4c  40 03 04 0a000002"
    " 18 0af101  20 0a0b000a";

}  // namespace

TEST_CASE("decode: --hex keepalive prints a JSON array with one object") {
  auto r = Bgpdemo({"decode", "--hex", kKeepalive});
  CHECK(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 1);
  CHECK(j[0]["type"] == "keepalive");
  CHECK(j[0]["offset"] == 0);
  CHECK(j[0]["length"] == 19);
}

TEST_CASE("decode: update JSON carries prefixes as strings and attributes by name") {
  auto r = Bgpdemo({"decode", "--hex", kUpdate});
  CHECK(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j.size() == 1);
  const auto& u = j[0];
  CHECK(u["type"] == "update");
  CHECK(u["nlri"] == nlohmann::json({"10.241.1.0/24", "10.11.0.10/32"}));
  CHECK(u["withdrawn"].empty());
  CHECK(u["attributes"]["origin"] == "igp");
  CHECK(u["attributes"]["next_hop"] == "10.0.0.2");
  CHECK(u["attributes"]["as_path"][0]["type"] == "as_sequence");
  CHECK(u["attributes"]["as_path"][0]["asns"] == nlohmann::json({65100}));
}

TEST_CASE("decode: several messages from standard input, raw bytes") {
  auto bytes = bgpdemo::test::Cat(
      {bgpdemo::test::H(kKeepalive), bgpdemo::test::H(kUpdate), bgpdemo::test::H(kKeepalive)});
  auto r = Bgpdemo({"decode", "-"}, std::string(bytes.begin(), bytes.end()));
  CHECK(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j.size() == 3);
  CHECK(j[1]["offset"] == 19);
  CHECK(j[2]["offset"] == 19 + 0x34);
  CHECK(j[2]["index"] == 2);
}

TEST_CASE("decode: a message that fails prints an error object and exits 1") {
  // KEEPALIVE with length 20: Message Header Error / Bad Message Length.
  auto r = Bgpdemo({"decode", "--hex", "ffffffffffffffffffffffffffffffff 0014 04 00"});
  CHECK(r.code == 1);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j.size() == 1);
  const auto& e = j[0]["error"];
  CHECK(e["code"] == 1);
  CHECK(e["subcode"] == 2);
  CHECK(e["action"] == "session-reset");
  CHECK(e["offset"] == 16);
  CHECK(e["data"] == "0014");
  CHECK(e["message"].get<std::string>().find("KEEPALIVE") != std::string::npos);
}

TEST_CASE("decode: a treat-as-withdraw UPDATE prints in full with its error") {
  // ORIGIN value 3.
  auto r = Bgpdemo({"decode", "--hex",
                    "ffffffffffffffffffffffffffffffff 0034 02 0000 0014"
                    " 40 01 01 03  40 02 06 02 01 0000fe4c  40 03 04 0a000002"
                    " 18 0af101  20 0a0b000a"});
  CHECK(r.code == 1);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j[0]["type"] == "update");
  CHECK(j[0]["action"] == "treat-as-withdraw");
  CHECK(j[0]["error"]["subcode"] == 6);
  CHECK(j[0]["nlri"].size() == 2);
}

TEST_CASE("decode: after a failed message, decoding goes on with the next") {
  auto r =
      Bgpdemo({"decode", "--hex",
               std::string("ffffffffffffffffffffffffffffffff 0017 05 0001 00 01 ") + kKeepalive});
  // ROUTE-REFRESH is fine; now a bad OPEN version followed by a keepalive.
  CHECK(r.code == 0);
  auto bad_open = "ffffffffffffffffffffffffffffffff 001d 01 03 fe4c 005a 0a000002 00 ";
  r = Bgpdemo({"decode", "--hex", std::string(bad_open) + kKeepalive});
  CHECK(r.code == 1);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j.size() == 2);
  CHECK(j[0]["error"]["code"] == 2);
  CHECK(j[0]["error"]["subcode"] == 1);
  CHECK(j[0]["error"]["data"] == "0004");
  CHECK(j[1]["type"] == "keepalive");
}

TEST_CASE("decode: truncated input is an error naming the missing bytes") {
  auto r = Bgpdemo({"decode", "--hex", "ffffffffffffffffffffffffffffffff 0037 02 0000"});
  CHECK(r.code == 1);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j[0]["error"]["message"] == "header says 55 bytes but the input ends after 21");
}

TEST_CASE("decode: text output and summary") {
  auto r = Bgpdemo({"decode", "-o", "text", "--hex", kUpdate});
  CHECK(r.code == 0);
  CHECK(r.out.find("UPDATE") != std::string::npos);
  CHECK(r.out.find("10.241.1.0/24") != std::string::npos);

  r = Bgpdemo({"decode", "--summary", "--hex", std::string(kUpdate) + " " + kKeepalive});
  CHECK(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["messages"] == 2);
  CHECK(j["by_type"]["update"] == 1);
  CHECK(j["by_type"]["keepalive"] == 1);
  CHECK(j["prefixes_announced"] == 2);
  CHECK(j["errors"] == 0);
  CHECK(j.contains("prefixes_per_second"));

  r = Bgpdemo({"decode", "--summary", "-o", "text", "--hex", kUpdate});
  CHECK(r.out.find("prefixes  2 announced, 0 withdrawn") != std::string::npos);
}

TEST_CASE("decode: --no-as4 reads 2-octet AS_PATHs") {
  auto r = Bgpdemo({"decode", "--no-as4", "--hex",
                    "ffffffffffffffffffffffffffffffff 002d 02 0000 0012"
                    " 40 01 01 00  40 02 04 02 01 fe4c  40 03 04 0a000002"
                    " 18 0af101"});
  CHECK(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j[0]["attributes"]["as_path"][0]["asns"] == nlohmann::json({65100}));
}

TEST_CASE("decode: --add-path ipv4 shows path identifiers") {
  auto r = Bgpdemo({"decode", "--add-path", "ipv4", "--hex",
                    "ffffffffffffffffffffffffffffffff 003c 02 0000 0014"
                    " 40 01 01 00  40 02 06 02 01 0000fe4c  40 03 04 0a000002"
                    " 00000007 18 0af101  00000009 20 0a0b000a"});
  CHECK(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j[0]["nlri"][0]["prefix"] == "10.241.1.0/24");
  CHECK(j[0]["nlri"][0]["path_id"] == 7);
  CHECK(j[0]["nlri"][1]["path_id"] == 9);
}

TEST_CASE("decode: input errors exit 3 with a message naming the source") {
  auto r = Bgpdemo({"decode", "/nonexistent/capture.bin"});
  CHECK(r.code == 3);
  CHECK(r.err.find("/nonexistent/capture.bin: cannot open") != std::string::npos);
  r = Bgpdemo({"decode", "--hex", "ff zz"});
  CHECK(r.code == 3);
  CHECK(r.err.find("'z' is not a hex digit") != std::string::npos);
  r = Bgpdemo({"decode", "-"}, "");
  CHECK(r.code == 3);
  CHECK(r.err.find("no bytes to decode") != std::string::npos);
}

TEST_CASE("cli: usage errors exit 2, help and version exit 0") {
  CHECK(Bgpdemo({}).code == 2);
  CHECK(Bgpdemo({"frobnicate"}).code == 2);
  CHECK(Bgpdemo({"decode", "-o", "yaml"}).code == 2);
  auto help = Bgpdemo({"--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("decode") != std::string::npos);
  CHECK(help.out.find("Exit codes") != std::string::npos);
  auto sub_help = Bgpdemo({"decode", "--help"});
  CHECK(sub_help.code == 0);
  CHECK(sub_help.out.find("--add-path") != std::string::npos);
  auto v = Bgpdemo({"version", "-o", "json"});
  CHECK(v.code == 0);
  CHECK(nlohmann::json::parse(v.out).contains("version"));
}

namespace {

// Writes bytes to a new temporary file, gzip-compressed when asked; removed by the caller.
std::string TempFile(const bgpdemo::test::Bytes& bytes, bool gzip) {
  char path[] = "/tmp/bgpdemo-decode-test-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  if (gzip) {
    gzFile gz = gzdopen(fd, "wb");
    REQUIRE(gz != nullptr);
    REQUIRE(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())) ==
            static_cast<int>(bytes.size()));
    gzclose(gz);
  } else {
    REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    close(fd);
  }
  return path;
}

}  // namespace

TEST_CASE("decode: a pcap file is told by its magic number and read as TCP streams") {
  using namespace bgpdemo::test::capture;
  const auto ka = bgpdemo::test::H(kKeepalive);
  const auto update = bgpdemo::test::H(kUpdate);
  const auto stream = bgpdemo::test::Cat({ka, update});
  const std::string path = TempFile(
      PcapFile(
          1,
          {{1700000000, 0, Ethernet(Ipv4("10.0.0.2", "10.0.0.1", Tcp(50179, 179, 1, kSyn, {})))},
           {1700000000, 5,
            Ethernet(Ipv4("10.0.0.2", "10.0.0.1",
                          Tcp(50179, 179, 2, kAck, Bytes(stream.begin(), stream.begin() + 30))))},
           {1700000001, 0,
            Ethernet(Ipv4("10.0.0.2", "10.0.0.1",
                          Tcp(50179, 179, 32, kAck, Bytes(stream.begin() + 30, stream.end()))))}}),
      false);
  auto r = Bgpdemo({"decode", path});
  auto text = Bgpdemo({"decode", "-o", "text", "--summary", path});
  std::remove(path.c_str());
  CHECK(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j.size() == 2);
  CHECK(j[1]["type"] == "update");
  CHECK(j[1]["from"] == "10.0.0.2:50179");
  CHECK(j[1]["to"] == "10.0.0.1:179");
  CHECK(j[1]["frame"] == 3);
  CHECK(j[1]["time"] == "2023-11-14T22:13:21.000000Z");
  CHECK(text.code == 0);
  CHECK(text.out.find("format    pcap") != std::string::npos);
  CHECK(text.out.find("prefixes  2 announced") != std::string::npos);
}

TEST_CASE("decode: a gzip-compressed MRT file, --format, and a broken one") {
  using namespace bgpdemo::test::capture;
  Bytes body;
  Put32(body, 65001);
  Put32(body, 65000);
  Put32(body, 1);  // ifindex 0, AFI 1
  PutIp(body, "192.0.2.2");
  PutIp(body, "192.0.2.1");
  const auto update = bgpdemo::test::H(kUpdate);
  body.insert(body.end(), update.begin(), update.end());
  const Bytes mrt = MrtRecord(1700000000, 16, 4, body);
  const std::string path = TempFile(mrt, true);
  auto r = Bgpdemo({"decode", "--summary", path});
  auto as_bgp = Bgpdemo({"decode", "--format", "bgp", path});
  std::remove(path.c_str());
  CHECK(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["format"] == "mrt");
  CHECK(j["prefixes_announced"] == 2);
  CHECK(j["messages"] == 1);
  CHECK(as_bgp.code == 1);  // the MRT header read as a BGP header: a bad marker

  const std::string cut = TempFile(Bytes(mrt.begin(), mrt.end() - 5), false);
  auto broken = Bgpdemo({"decode", cut});
  std::remove(cut.c_str());
  CHECK(broken.code == 1);
  auto b = nlohmann::json::parse(broken.out);
  CHECK(b[0]["error"]["message"] == "record says 72 bytes but the input ends after 67");
}

TEST_CASE(
    "decode: the process's standard input, a redirected file or a pipe, decodes like "
    "the file named") {
  bgpdemo::test::Bytes many;
  const auto update = bgpdemo::test::H(kUpdate);
  for (int i = 0; i < 40'000; ++i) many.insert(many.end(), update.begin(), update.end());
  const std::string path = TempFile(many, false);  // 2 MB: more than one read block
  const std::vector<std::string> argv = {BGPDEMO_BINARY, "decode", "--summary", "-o", "json"};
  auto with = [&](std::vector<std::string> tail) {
    auto a = argv;
    a.insert(a.end(), tail.begin(), tail.end());
    return a;
  };
  auto named = bgpdemo::core::RunProcess(with({path}));
  auto redirected =
      bgpdemo::core::RunProcess({"sh", "-c", "exec \"$@\" - < " + path, "sh", BGPDEMO_BINARY,
                                 "decode", "--summary", "-o", "json"});
  auto piped = bgpdemo::core::RunProcess(with({"-"}), {.stdin_text = {many.begin(), many.end()}});
  std::remove(path.c_str());
  for (const auto* r : {&named, &redirected, &piped}) {
    REQUIRE(r->has_value());
    INFO((*r)->err);
    CHECK((*r)->exit_code == 0);
    auto j = nlohmann::json::parse((*r)->out);
    CHECK(j["messages"] == 40'000);
    CHECK(j["prefixes_announced"] == 80'000);
    CHECK(j["bytes"] == many.size());
    CHECK(j["errors"] == 0);
  }
}
