// Golden wire messages: real BGP messages captured from gobgpd 3.10.0, BIRD 2.0.12 and
// FRR 8.4.4 sessions (tests/data/wire/golden, see MANIFEST.md there).
//
// Every file must decode with no error and re-encode to exactly its own bytes, and each one
// must decode to the values tshark dissected from the capture. The expected values below are
// copied from MANIFEST.md's "facts to assert" column (tshark's dissection), never from our
// decoder's output.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "bgp/wire/message.h"
#include "cli/app.h"
#include "tests/test_util.h"

using namespace bgpdemo::bgp::wire;
using bgpdemo::test::Bytes;
using bgpdemo::test::DataHex;
using bgpdemo::test::ReadText;

using bgpdemo::test::Bgpdemo;

namespace {

namespace fs = std::filesystem;

const std::string kGoldenDir = BGPDEMO_TEST_DATA "/wire/golden";

// The *.hex files in the golden directory, by name, sorted.
std::vector<std::string> GoldenFiles() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".hex") {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// One row of MANIFEST.md's file table: the .hex file it describes and the message type and
// length tshark gave it.
struct ManifestRow {
  std::string file;
  int type = 0;
  std::size_t length = 0;
};

std::vector<ManifestRow> ManifestRows() {
  std::istringstream in(ReadText(kGoldenDir + "/MANIFEST.md"));
  static const std::regex kFile(R"(^\| `([^`]+\.hex)`)");
  static const std::regex kType(R"(\| type (\d+) [A-Z]+ Message<br>length (\d+))");
  std::vector<ManifestRow> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::smatch file;
    if (!std::regex_search(line, file, kFile)) continue;
    ManifestRow row;
    row.file = file[1];
    std::smatch type;
    if (std::regex_search(line, type, kType)) {
      row.type = std::stoi(type[1]);
      row.length = std::stoul(type[2]);
    }
    rows.push_back(row);
  }
  return rows;
}

// Index of the first byte where a and b differ (the shorter size when one is a prefix).
std::size_t FirstDifference(const Bytes& a, const Bytes& b) {
  const auto n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return i;
  }
  return n;
}

// A golden file's bytes (kept alive beside what was decoded from them) and its message.
struct Golden {
  std::string name;
  Bytes bytes;
  Message msg;
};

Golden Load(const std::string& name) {
  Golden g{name, DataHex("wire/golden/" + name + ".hex"), Keepalive{}};
  INFO("golden file ", name);
  REQUIRE(g.bytes.size() >= kHeaderSize);
  auto decoded = DecodeMessage(g.bytes, Context{});
  if (!decoded) FAIL("decode failed: ", Describe(decoded.error()));
  g.msg = std::move(decoded).value();
  return g;
}

// tshark's "Type" and "Length" header fields, as our header decoder reads them, and the
// message's size.
void CheckHeader(const Golden& g, MessageType type, std::size_t length) {
  INFO("golden file ", g.name);
  CHECK(g.bytes.size() == length);
  auto h = DecodeHeader(g.bytes, Context{});
  REQUIRE(h);
  CHECK(h->type == type);
  CHECK(h->length == length);
  CHECK(TypeOf(g.msg) == type);
}

template <typename T>
const T& As(const Golden& g) {
  INFO("golden file ", g.name);
  REQUIRE(std::holds_alternative<T>(g.msg));
  return std::get<T>(g.msg);
}

// An UPDATE that decoded clean (no RFC 7606 problem of any kind).
const Update& AsUpdate(const Golden& g) {
  const Update& u = As<Update>(g);
  CHECK(u.action == Action::kNone);
  CHECK(u.problems.empty());
  return u;
}

std::uint16_t U16At(const Bytes& b, std::size_t at) {
  REQUIRE(at + 2 <= b.size());
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

// tshark's "Withdrawn Routes Length" and "Total Path Attribute Length" (wire fields our
// decoded Update does not keep).
void CheckUpdateLengths(const Golden& g, std::uint16_t withdrawn_len, std::uint16_t attr_len) {
  CHECK(U16At(g.bytes, kHeaderSize) == withdrawn_len);
  CHECK(U16At(g.bytes, kHeaderSize + 2 + withdrawn_len) == attr_len);
}

// tshark's "Optional Parameters Length" (the OPEN's opt_len octet).
std::uint8_t OptParamLength(const Golden& g) {
  REQUIRE(g.bytes.size() > 28);
  return g.bytes[28];
}

template <typename T>
const T& Cap(const Open& o, std::size_t i) {
  INFO("capability #", i);
  REQUIRE(i < o.capabilities.size());
  REQUIRE(std::holds_alternative<T>(o.capabilities[i]));
  return std::get<T>(o.capabilities[i]);
}

std::vector<std::string> Strings(const std::vector<Prefix>& prefixes) {
  std::vector<std::string> out;
  for (const auto& p : prefixes) out.push_back(p.ToString());
  return out;
}

using Strs = std::vector<std::string>;
using Slots = std::vector<AttrSlot>;

std::string Ip4(std::uint32_t host_order) { return IpAddress::V4(host_order).ToString(); }

// AS_PATH "AS Path segment: <asns>; Segment type: AS_SEQUENCE (2)", one segment.
void CheckSequence(const PathAttributes& a, const std::vector<std::uint32_t>& asns) {
  REQUIRE(a.as_path);
  REQUIRE(a.as_path->segments.size() == 1);
  CHECK(a.as_path->segments[0].type == AsSegmentType::kSequence);
  CHECK(a.as_path->segments[0].asns == asns);
}

// The shutdown communication's length octet and text (RFC 8203).
void CheckShutdown(const Notification& n, std::size_t text_length, const std::string& text) {
  CHECK(n.HasShutdownCommunication());
  REQUIRE(!n.data.empty());
  CHECK(n.data[0] == text_length);
  auto t = n.ShutdownText();
  REQUIRE(t);
  CHECK(*t == text);
  CHECK(t->size() == text_length);
}

// The End-of-RIB UPDATE for IPv4 unicast: nothing at all after the two zero lengths.
void CheckIpv4EndOfRib(const std::string& name) {
  auto g = Load(name);
  CheckHeader(g, MessageType::kUpdate, 23);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 0);
  CHECK(u.withdrawn.empty());
  CHECK(u.nlri.empty());
  CHECK(u.attrs == PathAttributes{});
  CHECK(u.EndOfRib() == kIpv4Unicast);
}

// The End-of-RIB UPDATE for IPv6 unicast: one empty MP_UNREACH_NLRI.
void CheckIpv6EndOfRib(const std::string& name) {
  auto g = Load(name);
  CheckHeader(g, MessageType::kUpdate, 29);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 6);
  CHECK(u.attrs.wire_order == Slots{{15, 0x80}});
  REQUIRE(u.attrs.mp_unreach);
  CHECK(u.attrs.mp_unreach->family == kIpv6Unicast);
  CHECK(u.attrs.mp_unreach->withdrawn.empty());
  CHECK(u.withdrawn.empty());
  CHECK(u.nlri.empty());
  CHECK(u.EndOfRib() == kIpv6Unicast);
}

void CheckKeepalive(const std::string& name) {
  auto g = Load(name);
  CheckHeader(g, MessageType::kKeepalive, 19);
  CHECK(std::holds_alternative<Keepalive>(g.msg));
}

// gobgpd's first six capabilities, the same in all its OPENs (GR goes in before the last).
void CheckGobgpCommonCapabilities(const Open& o) {
  Cap<RouteRefreshCap>(o, 0);
  const auto& fqdn = Cap<FqdnCap>(o, 1);
  CHECK(fqdn.hostname == "bgpdg-n1");
  CHECK(fqdn.domain == "");
  CHECK(Cap<MultiprotocolCap>(o, 2).family == kIpv4Unicast);
  CHECK(Cap<MultiprotocolCap>(o, 2).reserved == 0);
  CHECK(Cap<MultiprotocolCap>(o, 3).family == kIpv6Unicast);
  CHECK(Cap<MultiprotocolCap>(o, 3).reserved == 0);
  CHECK(Cap<FourOctetAsCap>(o, 4).asn == 65100);
}

void CheckGobgpOpenHeader(const Golden& g, std::size_t length, std::uint8_t opt_len) {
  CheckHeader(g, MessageType::kOpen, length);
  const Open& o = As<Open>(g);
  CHECK(o.version == 4);
  CHECK(o.my_as == 65100);
  CHECK(o.Asn() == 65100);
  CHECK(o.hold_time == 90);
  CHECK(Ip4(o.bgp_id) == "10.0.0.2");
  CHECK(OptParamLength(g) == opt_len);
  CHECK(o.parameter_sizes.empty());  // one Capabilities parameter holding them all
  CHECK_FALSE(o.extended_parameters);
}

const ExtendedNextHopCap::Entry kIpv4OverIpv6{Afi::kIpv4, 1, Afi::kIpv6};

std::string JsonType(int type) {
  switch (type) {
    case 1: return "open";
    case 2: return "update";
    case 3: return "notification";
    case 4: return "keepalive";
    case 5: return "route-refresh";
  }
  return "?";
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Every file, generically.

TEST_CASE("golden: MANIFEST.md lists every .hex file, and every listed file is there") {
  const auto files = GoldenFiles();
  const auto rows = ManifestRows();
  CHECK(files.size() >= 32);
  CHECK(files.size() == rows.size());
  std::set<std::string> listed;
  for (const auto& r : rows) {
    CAPTURE(r.file);
    CHECK(listed.insert(r.file).second);  // no file listed twice
    CHECK(r.type != 0);                   // the facts column starts with type and length
    CHECK(r.length >= kHeaderSize);
  }
  CHECK(listed == std::set<std::string>(files.begin(), files.end()));
}

TEST_CASE("golden: every file decodes clean and re-encodes byte-exact") {
  const auto files = GoldenFiles();
  REQUIRE(files.size() >= 32);
  std::map<std::string, ManifestRow> manifest;
  for (const auto& r : ManifestRows()) manifest[r.file] = r;
  for (const auto& file : files) {
    CAPTURE(file);
    const Bytes bytes = DataHex("wire/golden/" + file);
    const Context ctx;
    auto decoded = DecodeMessage(bytes, ctx);
    if (!decoded) {
      const std::string error = Describe(decoded.error());
      CAPTURE(error);
      CHECK(decoded.has_value());
      continue;
    }
    const Message& msg = *decoded;
    if (const auto* u = std::get_if<Update>(&msg)) {
      CHECK(u->action == Action::kNone);
      CHECK(u->problems.empty());
    }
    if (auto it = manifest.find(file); it != manifest.end()) {
      CHECK(static_cast<int>(TypeOf(msg)) == it->second.type);
      CHECK(bytes.size() == it->second.length);
    }
    auto encoded = EncodeMessage(msg, ctx);
    if (!encoded) {
      const std::string& error = encoded.error();
      CAPTURE(error);
      CHECK(encoded.has_value());
      continue;
    }
    const Bytes& out = *encoded;
    const std::size_t first_difference = FirstDifference(out, bytes);
    CAPTURE(first_difference);
    CHECK(out.size() == bytes.size());
    CHECK(out == bytes);
  }
}

TEST_CASE("golden: bgpdemo decode prints every file as one JSON message of its type") {
  const auto rows = ManifestRows();
  REQUIRE(rows.size() >= 32);
  for (const auto& r : rows) {
    CAPTURE(r.file);
    const auto run = Bgpdemo({"decode", kGoldenDir + "/" + r.file});
    CAPTURE(run.err);
    CHECK(run.code == 0);
    auto j = nlohmann::json::parse(run.out, nullptr, /*allow_exceptions=*/false);
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 1);
    CHECK(j[0]["type"] == JsonType(r.type));
    CHECK(j[0]["length"] == r.length);
    CHECK(j[0]["offset"] == 0);
    CHECK_FALSE(j[0].contains("error"));
  }
}

TEST_CASE("golden: gobgp-3.10.0-update-ipv6-mapped-nexthop: the next hop is IPv4-mapped") {
  auto g = Load("gobgp-3.10.0-update-ipv6-mapped-nexthop");
  const Update& u = AsUpdate(g);
  REQUIRE(u.attrs.mp_reach);
  const IpAddress& nh = u.attrs.mp_reach->next_hop;
  CHECK(nh.afi == Afi::kIpv6);
  CHECK(nh.IsV4Mapped());
  CHECK(nh.ToString() == "::ffff:10.0.0.2");

  // The same route over the IPv6 session carries a plain IPv6 next hop.
  auto plain = Load("gobgp-3.10.0-update-ipv6-mp-reach");
  REQUIRE(AsUpdate(plain).attrs.mp_reach);
  CHECK_FALSE(AsUpdate(plain).attrs.mp_reach->next_hop.IsV4Mapped());

  // And `bgpdemo decode` says so.
  const auto run = Bgpdemo({"decode", kGoldenDir + "/gobgp-3.10.0-update-ipv6-mapped-nexthop.hex"});
  CHECK(run.code == 0);
  auto j = nlohmann::json::parse(run.out, nullptr, false);
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 1);
  const auto& m = j[0]["attributes"]["mp_reach_nlri"];
  CHECK(m["next_hop"] == "::ffff:10.0.0.2");
  CHECK(m["next_hop_ipv4_mapped"] == true);
}

// ---------------------------------------------------------------------------------------
// gobgpd 3.10.0

TEST_CASE("golden: gobgp-3.10.0-open: Cilium's capabilities") {
  auto g = Load("gobgp-3.10.0-open");
  CheckGobgpOpenHeader(g, 71, 42);
  const Open& o = As<Open>(g);
  REQUIRE(o.capabilities.size() == 6);
  CheckGobgpCommonCapabilities(o);
  CHECK(Cap<ExtendedNextHopCap>(o, 5).entries == std::vector{kIpv4OverIpv6});
  CHECK(o.Find<GracefulRestartCap>() == nullptr);  // no graceful restart (Cilium 1.14 default)
  REQUIRE(o.Find<FqdnCap>() != nullptr);
  CHECK(o.Find<FqdnCap>()->hostname == "bgpdg-n1");
  CHECK(o.HasFamily(kIpv4Unicast));
  CHECK(o.HasFamily(kIpv6Unicast));
}

TEST_CASE("golden: gobgp-3.10.0-keepalive: header only") {
  CheckKeepalive("gobgp-3.10.0-keepalive");
}

TEST_CASE("golden: gobgp-3.10.0-update-ipv4: classic NLRI with NEXT_HOP") {
  auto g = Load("gobgp-3.10.0-update-ipv4");
  CheckHeader(g, MessageType::kUpdate, 52);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 20);
  CHECK(u.withdrawn.empty());
  CHECK(u.attrs.wire_order == Slots{{1, 0x40}, {2, 0x40}, {3, 0x40}});
  CHECK(u.attrs.origin == Origin::kIgp);
  CheckSequence(u.attrs, {65100});
  REQUIRE(u.attrs.next_hop);
  CHECK(u.attrs.next_hop->ToString() == "10.0.0.2");
  CHECK_FALSE(u.attrs.mp_reach);
  CHECK_FALSE(u.attrs.mp_unreach);
  CHECK(Strings(u.nlri) == Strs{"10.241.1.0/24", "10.11.0.10/32"});
  CHECK_FALSE(u.EndOfRib());
}

TEST_CASE("golden: gobgp-3.10.0-update-ipv6-mapped-nexthop: IPv6 route over the IPv4 session") {
  auto g = Load("gobgp-3.10.0-update-ipv6-mapped-nexthop");
  CheckHeader(g, MessageType::kUpdate, 69);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 46);
  CHECK(u.withdrawn.empty());
  CHECK(u.nlri.empty());
  CHECK(u.attrs.wire_order == Slots{{1, 0x40}, {2, 0x40}, {14, 0x80}});
  CHECK(u.attrs.origin == Origin::kIgp);
  CheckSequence(u.attrs, {65100});
  CHECK_FALSE(u.attrs.next_hop);
  REQUIRE(u.attrs.mp_reach);
  const MpReach& m = *u.attrs.mp_reach;
  CHECK(m.family == kIpv6Unicast);
  CHECK(m.next_hop.ToString() == "::ffff:10.0.0.2");  // next hop length 16
  CHECK_FALSE(m.link_local);
  CHECK(m.reserved == 0);  // Number of SNPAs: 0
  CHECK(Strings(m.nlri) == Strs{"fd00:10:241:1::/64"});
}

TEST_CASE("golden: gobgp-3.10.0-withdraw-ipv4: classic withdrawn routes") {
  auto g = Load("gobgp-3.10.0-withdraw-ipv4");
  CheckHeader(g, MessageType::kUpdate, 28);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 5, 0);
  CHECK(Strings(u.withdrawn) == Strs{"10.11.0.10/32"});
  CHECK(u.attrs == PathAttributes{});
  CHECK(u.nlri.empty());
  CHECK_FALSE(u.EndOfRib());
}

TEST_CASE("golden: gobgp-3.10.0-withdraw-ipv6-mp-unreach: MP_UNREACH_NLRI withdrawal") {
  auto g = Load("gobgp-3.10.0-withdraw-ipv6-mp-unreach");
  CheckHeader(g, MessageType::kUpdate, 38);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 15);
  CHECK(u.withdrawn.empty());
  CHECK(u.nlri.empty());
  CHECK(u.attrs.wire_order == Slots{{15, 0x80}});
  REQUIRE(u.attrs.mp_unreach);
  CHECK(u.attrs.mp_unreach->family == kIpv6Unicast);
  CHECK(Strings(u.attrs.mp_unreach->withdrawn) == Strs{"fd00:10:241:1::/64"});
  CHECK_FALSE(u.EndOfRib());
}

TEST_CASE("golden: gobgp-3.10.0-open-gr: graceful restart the Cilium way (R, N, F bits)") {
  auto g = Load("gobgp-3.10.0-open-gr");
  CheckGobgpOpenHeader(g, 83, 54);
  const Open& o = As<Open>(g);
  REQUIRE(o.capabilities.size() == 7);
  CheckGobgpCommonCapabilities(o);
  // Restart Timers 0xc078: Restart state Yes, Graceful notification Yes, Time 120.
  const auto& gr = Cap<GracefulRestartCap>(o, 5);
  CHECK(gr.flags == (GracefulRestartCap::kRestartState | GracefulRestartCap::kNotification));
  CHECK(gr.restart_time == 120);
  CHECK(gr.families == std::vector<GracefulRestartCap::Entry>{
                           {kIpv4Unicast, GracefulRestartCap::kForwardingState},
                           {kIpv6Unicast, GracefulRestartCap::kForwardingState}});
  CHECK(Cap<ExtendedNextHopCap>(o, 6).entries == std::vector{kIpv4OverIpv6});
  CHECK(o.Find<GracefulRestartCap>() == &gr);
}

TEST_CASE("golden: gobgp-3.10.0-open-gr-after-reset: graceful restart, no longer restarting") {
  auto g = Load("gobgp-3.10.0-open-gr-after-reset");
  CheckGobgpOpenHeader(g, 83, 54);
  const Open& o = As<Open>(g);
  REQUIRE(o.capabilities.size() == 7);
  CheckGobgpCommonCapabilities(o);
  // Restart Timers 0x4078: Restart state No, Graceful notification Yes, Time 120; F bits 0.
  const auto& gr = Cap<GracefulRestartCap>(o, 5);
  CHECK(gr.flags == GracefulRestartCap::kNotification);
  CHECK(gr.restart_time == 120);
  CHECK(gr.families ==
        std::vector<GracefulRestartCap::Entry>{{kIpv4Unicast, 0x00}, {kIpv6Unicast, 0x00}});
  CHECK(Cap<ExtendedNextHopCap>(o, 6).entries == std::vector{kIpv4OverIpv6});
}

TEST_CASE("golden: gobgp-3.10.0-eor-ipv4: End-of-RIB for IPv4 unicast") {
  CheckIpv4EndOfRib("gobgp-3.10.0-eor-ipv4");
}

TEST_CASE("golden: gobgp-3.10.0-eor-ipv6: End-of-RIB for IPv6 unicast") {
  CheckIpv6EndOfRib("gobgp-3.10.0-eor-ipv6");
}

TEST_CASE("golden: gobgp-3.10.0-notification-cease-admin-reset: hard reset with a reason") {
  auto g = Load("gobgp-3.10.0-notification-cease-admin-reset");
  CheckHeader(g, MessageType::kNotification, 48);
  const auto& n = As<Notification>(g);
  CHECK(n.code == NotifyCode::kCease);
  CHECK(n.subcode == static_cast<std::uint8_t>(CeaseSubcode::kAdministrativeReset));
  CHECK(n.subcode == 4);
  CheckShutdown(n, 26, "Peer configuration changed");
}

TEST_CASE("golden: gobgp-3.10.0-notification-cease-shutdown: shutdown communication") {
  auto g = Load("gobgp-3.10.0-notification-cease-shutdown");
  CheckHeader(g, MessageType::kNotification, 58);
  const auto& n = As<Notification>(g);
  CHECK(n.code == NotifyCode::kCease);
  CHECK(n.subcode == static_cast<std::uint8_t>(CeaseSubcode::kAdministrativeShutdown));
  CHECK(n.subcode == 2);
  CheckShutdown(n, 36, "bgpdemo golden capture: node drained");
}

TEST_CASE("golden: gobgp-3.10.0-update-ipv6-mp-reach: IPv6 route over the IPv6 session") {
  auto g = Load("gobgp-3.10.0-update-ipv6-mp-reach");
  CheckHeader(g, MessageType::kUpdate, 69);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 46);
  CHECK(u.withdrawn.empty());
  CHECK(u.nlri.empty());
  CHECK(u.attrs.wire_order == Slots{{1, 0x40}, {2, 0x40}, {14, 0x80}});
  CHECK(u.attrs.origin == Origin::kIgp);
  CheckSequence(u.attrs, {65100});
  CHECK_FALSE(u.attrs.next_hop);
  REQUIRE(u.attrs.mp_reach);
  const MpReach& m = *u.attrs.mp_reach;
  CHECK(m.family == kIpv6Unicast);
  CHECK(m.next_hop.ToString() == "fd00::2");  // next hop length 16
  CHECK_FALSE(m.link_local);
  CHECK(m.reserved == 0);
  CHECK(Strings(m.nlri) == Strs{"fd00:10:241:1::/64"});
}

TEST_CASE("golden: gobgp-3.10.0-update-ipv4-mp-reach-ipv6-nexthop: RFC 8950 IPv4 route") {
  auto g = Load("gobgp-3.10.0-update-ipv4-mp-reach-ipv6-nexthop");
  CheckHeader(g, MessageType::kUpdate, 64);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 41);
  CHECK(u.withdrawn.empty());
  CHECK(u.nlri.empty());
  CHECK(u.attrs.wire_order == Slots{{1, 0x40}, {2, 0x40}, {14, 0x80}});
  CHECK(u.attrs.origin == Origin::kIgp);
  CheckSequence(u.attrs, {65100});
  CHECK_FALSE(u.attrs.next_hop);
  REQUIRE(u.attrs.mp_reach);
  const MpReach& m = *u.attrs.mp_reach;
  CHECK(m.family == kIpv4Unicast);
  CHECK(m.next_hop.afi == Afi::kIpv6);
  CHECK(m.next_hop.ToString() == "fd00::2");  // next hop length 16
  CHECK_FALSE(m.link_local);
  CHECK(m.reserved == 0);
  CHECK(Strings(m.nlri) == Strs{"10.241.1.0/24"});
}

TEST_CASE("golden: gobgp-3.10.0-notification-cease-deconfigured: peer removed") {
  auto g = Load("gobgp-3.10.0-notification-cease-deconfigured");
  CheckHeader(g, MessageType::kNotification, 21);
  const auto& n = As<Notification>(g);
  CHECK(n.code == NotifyCode::kCease);
  CHECK(n.subcode == static_cast<std::uint8_t>(CeaseSubcode::kPeerDeconfigured));
  CHECK(n.subcode == 3);
  CHECK(n.data.empty());
  CHECK_FALSE(n.HasShutdownCommunication());
}

// ---------------------------------------------------------------------------------------
// BIRD 2.0.12

TEST_CASE("golden: bird-2.0.12-open: default channel options") {
  auto g = Load("bird-2.0.12-open");
  CheckHeader(g, MessageType::kOpen, 59);
  const Open& o = As<Open>(g);
  CHECK(o.version == 4);
  CHECK(o.my_as == 65000);
  CHECK(o.Asn() == 65000);
  CHECK(o.hold_time == 90);
  CHECK(Ip4(o.bgp_id) == "10.0.0.1");
  CHECK(OptParamLength(g) == 30);
  CHECK(o.parameter_sizes.empty());
  CHECK_FALSE(o.extended_parameters);
  REQUIRE(o.capabilities.size() == 7);
  CHECK(Cap<MultiprotocolCap>(o, 0).family == kIpv4Unicast);
  CHECK(Cap<MultiprotocolCap>(o, 1).family == kIpv6Unicast);
  Cap<RouteRefreshCap>(o, 2);
  // Restart Timers 0x0078: Restart state No, Graceful notification No, Time 120; length 2.
  const auto& gr = Cap<GracefulRestartCap>(o, 3);
  CHECK(gr.flags == 0);
  CHECK(gr.restart_time == 120);
  CHECK(gr.families.empty());
  CHECK(Cap<FourOctetAsCap>(o, 4).asn == 65000);
  Cap<EnhancedRouteRefreshCap>(o, 5);
  CHECK(Cap<LlgrCap>(o, 6).entries.empty());  // length 0
  CHECK(o.Find<ExtendedNextHopCap>() == nullptr);
}

TEST_CASE("golden: bird-2.0.12-open-extended-nexthop: IPv4 over the IPv6 session") {
  auto g = Load("bird-2.0.12-open-extended-nexthop");
  CheckHeader(g, MessageType::kOpen, 67);
  const Open& o = As<Open>(g);
  CHECK(o.version == 4);
  CHECK(o.my_as == 65000);
  CHECK(o.hold_time == 90);
  CHECK(Ip4(o.bgp_id) == "10.0.0.1");
  CHECK(OptParamLength(g) == 38);
  CHECK(o.parameter_sizes.empty());
  CHECK_FALSE(o.extended_parameters);
  REQUIRE(o.capabilities.size() == 8);
  CHECK(Cap<MultiprotocolCap>(o, 0).family == kIpv4Unicast);
  CHECK(Cap<MultiprotocolCap>(o, 1).family == kIpv6Unicast);
  Cap<RouteRefreshCap>(o, 2);
  CHECK(Cap<ExtendedNextHopCap>(o, 3).entries == std::vector{kIpv4OverIpv6});
  const auto& gr = Cap<GracefulRestartCap>(o, 4);
  CHECK(gr.flags == 0);
  CHECK(gr.restart_time == 120);
  CHECK(gr.families.empty());
  CHECK(Cap<FourOctetAsCap>(o, 5).asn == 65000);
  Cap<EnhancedRouteRefreshCap>(o, 6);
  CHECK(Cap<LlgrCap>(o, 7).entries.empty());
}

TEST_CASE("golden: bird-2.0.12-keepalive: header only") {
  CheckKeepalive("bird-2.0.12-keepalive");
}

TEST_CASE("golden: bird-2.0.12-update-ipv4: classic NLRI with NEXT_HOP") {
  auto g = Load("bird-2.0.12-update-ipv4");
  CheckHeader(g, MessageType::kUpdate, 55);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 20);
  CHECK(u.withdrawn.empty());
  CHECK(u.attrs.wire_order == Slots{{1, 0x40}, {2, 0x40}, {3, 0x40}});
  CHECK(u.attrs.origin == Origin::kIgp);
  CheckSequence(u.attrs, {65000});
  REQUIRE(u.attrs.next_hop);
  CHECK(u.attrs.next_hop->ToString() == "10.0.0.1");
  CHECK(Strings(u.nlri) == Strs{"10.100.9.0/24", "10.100.0.0/24", "10.100.1.0/24"});
}

TEST_CASE("golden: bird-2.0.12-update-ipv6-mp-reach: 32-byte next hop, Extended Length") {
  auto g = Load("bird-2.0.12-update-ipv6-mp-reach");
  CheckHeader(g, MessageType::kUpdate, 104);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 81);
  CHECK(u.withdrawn.empty());
  CHECK(u.nlri.empty());
  // MP_REACH_NLRI first, with flags 0x90 (Optional, Extended-Length).
  CHECK(u.attrs.wire_order == Slots{{14, 0x90}, {1, 0x40}, {2, 0x40}});
  CHECK(u.attrs.origin == Origin::kIgp);
  CheckSequence(u.attrs, {65000});
  CHECK_FALSE(u.attrs.next_hop);
  REQUIRE(u.attrs.mp_reach);
  const MpReach& m = *u.attrs.mp_reach;
  CHECK(m.family == kIpv6Unicast);
  CHECK(m.next_hop.ToString() == "fd00::1");
  REQUIRE(m.link_local);
  CHECK(m.link_local->ToString() == "fe80::ff:fe00:1");
  CHECK(m.reserved == 0);
  CHECK(Strings(m.nlri) == Strs{"fd00:100::/64", "fd00:100:1::/64", "fd00:100:9::/64"});
}

TEST_CASE("golden: bird-2.0.12-update-ipv4-mp-reach-ipv6-nexthop: RFC 8950, 32-byte next hop") {
  auto g = Load("bird-2.0.12-update-ipv4-mp-reach-ipv6-nexthop");
  CheckHeader(g, MessageType::kUpdate, 89);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 66);
  CHECK(u.withdrawn.empty());
  CHECK(u.nlri.empty());
  CHECK(u.attrs.wire_order == Slots{{14, 0x90}, {1, 0x40}, {2, 0x40}});
  CHECK(u.attrs.origin == Origin::kIgp);
  CheckSequence(u.attrs, {65000});
  CHECK_FALSE(u.attrs.next_hop);
  REQUIRE(u.attrs.mp_reach);
  const MpReach& m = *u.attrs.mp_reach;
  CHECK(m.family == kIpv4Unicast);
  CHECK(m.next_hop.afi == Afi::kIpv6);
  CHECK(m.next_hop.ToString() == "fd00::1");
  REQUIRE(m.link_local);
  CHECK(m.link_local->ToString() == "fe80::ff:fe00:1");
  CHECK(m.reserved == 0);
  CHECK(Strings(m.nlri) == Strs{"10.100.9.0/24", "10.100.0.0/24", "10.100.1.0/24"});
}

TEST_CASE("golden: bird-2.0.12-eor-ipv4: End-of-RIB for IPv4 unicast") {
  CheckIpv4EndOfRib("bird-2.0.12-eor-ipv4");
}

TEST_CASE("golden: bird-2.0.12-eor-ipv6: End-of-RIB for IPv6 unicast") {
  CheckIpv6EndOfRib("bird-2.0.12-eor-ipv6");
}

TEST_CASE("golden: bird-2.0.12-withdraw-ipv4: classic withdrawn routes") {
  auto g = Load("bird-2.0.12-withdraw-ipv4");
  CheckHeader(g, MessageType::kUpdate, 27);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 4, 0);
  CHECK(Strings(u.withdrawn) == Strs{"10.100.9.0/24"});
  CHECK(u.attrs == PathAttributes{});
  CHECK(u.nlri.empty());
  CHECK_FALSE(u.EndOfRib());
}

TEST_CASE("golden: bird-2.0.12-withdraw-ipv6-mp-unreach: Extended Length MP_UNREACH_NLRI") {
  auto g = Load("bird-2.0.12-withdraw-ipv6-mp-unreach");
  CheckHeader(g, MessageType::kUpdate, 39);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 16);
  CHECK(u.withdrawn.empty());
  CHECK(u.nlri.empty());
  CHECK(u.attrs.wire_order == Slots{{15, 0x90}});
  REQUIRE(u.attrs.mp_unreach);
  CHECK(u.attrs.mp_unreach->family == kIpv6Unicast);
  CHECK(Strings(u.attrs.mp_unreach->withdrawn) == Strs{"fd00:100:9::/64"});
  CHECK_FALSE(u.EndOfRib());
}

TEST_CASE("golden: bird-2.0.12-notification-cease-shutdown: shutdown communication") {
  auto g = Load("bird-2.0.12-notification-cease-shutdown");
  CheckHeader(g, MessageType::kNotification, 70);
  const auto& n = As<Notification>(g);
  CHECK(n.code == NotifyCode::kCease);
  CHECK(n.subcode == static_cast<std::uint8_t>(CeaseSubcode::kAdministrativeShutdown));
  CHECK(n.subcode == 2);
  CheckShutdown(n, 48, "bgpdemo golden capture: route server maintenance");
}

// ---------------------------------------------------------------------------------------
// FRR 8.4.4

TEST_CASE("golden: frr-8.4.4-open: one capability per optional parameter") {
  auto g = Load("frr-8.4.4-open");
  CheckHeader(g, MessageType::kOpen, 100);
  const Open& o = As<Open>(g);
  CHECK(o.version == 4);
  CHECK(o.my_as == 65200);
  CHECK(o.Asn() == 65200);
  CHECK(o.hold_time == 180);
  CHECK(Ip4(o.bgp_id) == "10.0.0.4");
  CHECK(OptParamLength(g) == 71);
  // 10 optional parameters of type 2, one capability each.
  CHECK(o.parameter_sizes == std::vector<std::uint8_t>(10, 1));
  CHECK_FALSE(o.extended_parameters);
  REQUIRE(o.capabilities.size() == 10);
  CHECK(Cap<MultiprotocolCap>(o, 0).family == kIpv4Unicast);
  CHECK(Cap<MultiprotocolCap>(o, 0).reserved == 0);
  // 128: Route refresh capability (Cisco), length 0, kept raw.
  CHECK(Cap<RawCapability>(o, 1) == RawCapability{128, {}});
  Cap<RouteRefreshCap>(o, 2);
  Cap<EnhancedRouteRefreshCap>(o, 3);
  CHECK(Cap<FourOctetAsCap>(o, 4).asn == 65200);
  Cap<ExtendedMessageCap>(o, 5);
  CHECK(Cap<AddPathCap>(o, 6).entries ==
        std::vector<AddPathCap::Entry>{{kIpv4Unicast, AddPathCap::kReceive}});
  const auto& fqdn = Cap<FqdnCap>(o, 7);
  CHECK(fqdn.hostname == "bgpdg-n3");
  CHECK(fqdn.domain == "");
  // Restart Timers 0xc078: Restart state Yes, Graceful notification Yes, Time 120; length 2.
  const auto& gr = Cap<GracefulRestartCap>(o, 8);
  CHECK(gr.flags == (GracefulRestartCap::kRestartState | GracefulRestartCap::kNotification));
  CHECK(gr.restart_time == 120);
  CHECK(gr.families.empty());
  // LLGR length 7, tshark "Unknown: 00010180000000": AFI 1, SAFI 1, flags 0x80, stale time 0.
  CHECK(Cap<LlgrCap>(o, 9).entries == std::vector<LlgrCap::Entry>{{kIpv4Unicast, 0x80, 0}});
}

TEST_CASE("golden: frr-8.4.4-keepalive: header only") {
  CheckKeepalive("frr-8.4.4-keepalive");
}

TEST_CASE("golden: frr-8.4.4-update-ipv4: Extended Length AS_PATH and MED") {
  auto g = Load("frr-8.4.4-update-ipv4");
  CheckHeader(g, MessageType::kUpdate, 55);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 28);
  CHECK(u.withdrawn.empty());
  // AS_PATH with flags 0x50 (Transitive, Extended-Length) although it is 6 bytes long.
  CHECK(u.attrs.wire_order == Slots{{1, 0x40}, {2, 0x50}, {3, 0x40}, {4, 0x80}});
  CHECK(u.attrs.origin == Origin::kIgp);
  CheckSequence(u.attrs, {65200});
  REQUIRE(u.attrs.next_hop);
  CHECK(u.attrs.next_hop->ToString() == "10.0.0.4");
  CHECK(u.attrs.med == 0u);
  CHECK(Strings(u.nlri) == Strs{"10.245.2.0/24"});
}

TEST_CASE("golden: frr-8.4.4-update-ipv4-echo: AS_PATH of two ASes") {
  auto g = Load("frr-8.4.4-update-ipv4-echo");
  CheckHeader(g, MessageType::kUpdate, 60);
  const Update& u = AsUpdate(g);
  CheckUpdateLengths(g, 0, 25);
  CHECK(u.withdrawn.empty());
  CHECK(u.attrs.wire_order == Slots{{1, 0x40}, {2, 0x50}, {3, 0x40}});
  CHECK(u.attrs.origin == Origin::kIgp);
  CheckSequence(u.attrs, {65200, 65000});
  REQUIRE(u.attrs.next_hop);
  CHECK(u.attrs.next_hop->ToString() == "10.0.0.4");
  CHECK_FALSE(u.attrs.med);
  CHECK(Strings(u.nlri) == Strs{"10.100.0.0/24", "10.100.9.0/24", "10.100.1.0/24"});
}

TEST_CASE("golden: frr-8.4.4-eor-ipv4: End-of-RIB for IPv4 unicast") {
  CheckIpv4EndOfRib("frr-8.4.4-eor-ipv4");
}

TEST_CASE("golden: frr-8.4.4-notification-cease-shutdown: shutdown communication") {
  auto g = Load("frr-8.4.4-notification-cease-shutdown");
  CheckHeader(g, MessageType::kNotification, 62);
  const auto& n = As<Notification>(g);
  CHECK(n.code == NotifyCode::kCease);
  CHECK(n.subcode == static_cast<std::uint8_t>(CeaseSubcode::kAdministrativeShutdown));
  CHECK(n.subcode == 2);
  CheckShutdown(n, 40, "bgpdemo golden capture: frr node leaving");
}
