// Tests for core/capture/mrt: RFC 6396 records into their parts.
#include "core/capture/mrt.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/core/capture/frames.h"
#include "tests/test_util.h"

using namespace bgpdemo::test::capture;
using bgpdemo::bgp::wire::Afi;
using bgpdemo::core::capture::MrtMessage;
using bgpdemo::core::capture::MrtPeerIndex;
using bgpdemo::core::capture::MrtProblem;
using bgpdemo::core::capture::MrtRib;
using bgpdemo::core::capture::MrtStateChange;
using bgpdemo::core::capture::MrtVisitor;
using bgpdemo::core::capture::ReadMrt;
using bgpdemo::core::capture::RibAttributes;
using bgpdemo::test::H;

namespace {

struct Seen : MrtVisitor {
  std::vector<MrtMessage> messages;
  std::vector<MrtStateChange> states;
  std::vector<MrtPeerIndex> tables;
  std::vector<MrtRib> ribs;
  std::vector<MrtProblem> problems;
  void Message(const MrtMessage& m) override { messages.push_back(m); }
  void StateChange(const MrtStateChange& s) override { states.push_back(s); }
  void PeerIndex(const MrtPeerIndex& p) override { tables.push_back(p); }
  void Rib(const MrtRib& r) override { ribs.push_back(r); }
  void Problem(const MrtProblem& p) override { problems.push_back(p); }
};

const Bytes kKeepalive = H("ffffffffffffffffffffffffffffffff 0013 04");

Bytes Bgp4mpPeers(bool as4, std::uint32_t peer_as, std::uint32_t local_as) {
  Bytes b;
  if (as4) {
    Put32(b, peer_as);
    Put32(b, local_as);
  } else {
    Put16(b, peer_as);
    Put16(b, local_as);
  }
  Put16(b, 3);  // ifindex
  Put16(b, 1);  // AFI IPv4
  PutIp(b, "192.0.2.2");
  PutIp(b, "192.0.2.1");
  return b;
}

}  // namespace

TEST_CASE("mrt: BGP4MP messages, 2- and 4-octet, _LOCAL and _ET, and a state change") {
  Bytes as4 = Bgp4mpPeers(true, 4200000001, 65000);
  as4.insert(as4.end(), kKeepalive.begin(), kKeepalive.end());
  Bytes as2 = Bgp4mpPeers(false, 65001, 65000);
  as2.insert(as2.end(), kKeepalive.begin(), kKeepalive.end());
  Bytes et = {0x00, 0x07, 0xa1, 0x20};  // 500000 microseconds
  et.insert(et.end(), as4.begin(), as4.end());
  Bytes state = Bgp4mpPeers(true, 4200000001, 65000);
  Put16(state, 1);
  Put16(state, 2);
  const Bytes file =
      bgpdemo::test::Cat({MrtRecord(1700000000, 16, 4, as4), MrtRecord(1700000001, 16, 1, as2),
                          MrtRecord(1700000002, 17, 7, et), MrtRecord(1700000003, 16, 5, state)});
  Seen seen;
  CHECK(ReadMrt(file, seen) == file.size());
  REQUIRE(seen.messages.size() == 3);
  CHECK(seen.messages[0].as4);
  CHECK(seen.messages[0].peers.peer_as == 4200000001u);
  CHECK(seen.messages[0].peers.peer_ip.ToString() == "192.0.2.2");
  CHECK(Bytes(seen.messages[0].message.begin(), seen.messages[0].message.end()) == kKeepalive);
  CHECK_FALSE(seen.messages[1].as4);
  CHECK(seen.messages[1].peers.peer_as == 65001);
  CHECK(seen.messages[2].local);
  CHECK(seen.messages[2].header.time.nanos == 500000000);
  CHECK(seen.messages[2].header.time.ToString() == "2023-11-14T22:13:22.500000Z");
  REQUIRE(seen.states.size() == 1);
  CHECK(seen.states[0].old_state == 1);
  CHECK(seen.states[0].new_state == 2);
  CHECK(seen.problems.empty());
}

TEST_CASE("mrt: TABLE_DUMP_V2 peer index and RIB records, ADD-PATH path identifiers") {
  Bytes table;
  Put32(table, 0x0a000001);
  Put16(table, 4);
  table.insert(table.end(), {'v', 'i', 'e', 'w'});
  Put16(table, 2);
  table.push_back(2);  // IPv4, AS4
  Put32(table, 0x0a000002);
  PutIp(table, "192.0.2.2");
  Put32(table, 4200000001);
  table.push_back(1);  // IPv6, AS2
  Put32(table, 0x0a000003);
  PutIp(table, "2001:db8::3");
  Put16(table, 65003);

  const Bytes attrs = H("40 01 01 00  40 02 06 02 01 0000fe4c");
  Bytes rib;
  Put32(rib, 7);
  rib.insert(rib.end(), {20, 0x0a, 0xf1, 0x1f});  // 10.241.16.0/20, host bits set
  Put16(rib, 1);
  Put16(rib, 0);           // peer index
  Put32(rib, 1700000000);  // originated
  Put32(rib, 42);          // path id (subtype 8)
  Put16(rib, static_cast<std::uint32_t>(attrs.size()));
  rib.insert(rib.end(), attrs.begin(), attrs.end());

  const Bytes file = bgpdemo::test::Cat({MrtRecord(1, 13, 1, table), MrtRecord(2, 13, 8, rib)});
  Seen seen;
  CHECK(ReadMrt(file, seen) == file.size());
  REQUIRE(seen.tables.size() == 1);
  CHECK(seen.tables[0].view_name == "view");
  REQUIRE(seen.tables[0].peers.size() == 2);
  CHECK(seen.tables[0].peers[0].as == 4200000001u);
  CHECK(seen.tables[0].peers[1].ip.ToString() == "2001:db8::3");
  CHECK(seen.tables[0].peers[1].as == 65003);
  REQUIRE(seen.ribs.size() == 1);
  CHECK(seen.ribs[0].prefix.ToString() == "10.241.16.0/20");
  CHECK(seen.ribs[0].add_path);
  REQUIRE(seen.ribs[0].entries.size() == 1);
  CHECK(seen.ribs[0].entries[0].path_id == 42);
  CHECK(Bytes(seen.ribs[0].entries[0].attributes.begin(),
              seen.ribs[0].entries[0].attributes.end()) == attrs);
}

TEST_CASE("mrt: other types are skipped by name, a cut record ends the reading") {
  const Bytes file =
      bgpdemo::test::Cat({MrtRecord(1, 12, 1, Bytes(20, 0)), MrtRecord(2, 13, 6, Bytes(4, 0)),
                          H("00000003 0010 0004 00000030 ff")});
  Seen seen;
  CHECK(ReadMrt(file, seen) == file.size() - 13);
  REQUIRE(seen.problems.size() == 3);
  CHECK(seen.problems[0].skipped);
  CHECK(seen.problems[0].message == "MRT type 12 subtype 1 is not read here");
  CHECK(seen.problems[1].skipped);
  CHECK_FALSE(seen.problems[2].skipped);
  CHECK(seen.problems[2].message == "record says 48 bytes but the input ends after 1");
}

TEST_CASE("mrt: an abbreviated MP_REACH_NLRI in a RIB entry becomes a whole one") {
  // ORIGIN, then MP_REACH_NLRI as RFC 6396 §4.3.4 has it: next hop length 16, fd00::1.
  const Bytes abbreviated = H("40 01 01 00  80 0e 11 10 fd000000000000000000000000000001");
  const Bytes whole = RibAttributes(abbreviated, Afi::kIpv6);
  CHECK(whole == H("40 01 01 00  90 0e 0015 0002 01 10 fd000000000000000000000000000001 00"));
  // A whole one (AFI high byte 0) and a broken tail are left as they are.
  const Bytes full = H("80 0e 15 0002 01 10 fd000000000000000000000000000001 00 40 01");
  CHECK(RibAttributes(full, Afi::kIpv6) == full);
}
