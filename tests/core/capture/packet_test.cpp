// Tests for core/capture/packet: frames of every link type down to the TCP segment.
#include "core/capture/packet.h"

#include <doctest/doctest.h>

#include "tests/core/capture/frames.h"
#include "tests/test_util.h"

using namespace bgpdemo::test::capture;
using bgpdemo::core::capture::kLinkEthernet;
using bgpdemo::core::capture::kLinkIpv6;
using bgpdemo::core::capture::kLinkLinuxSll;
using bgpdemo::core::capture::kLinkLinuxSll2;
using bgpdemo::core::capture::kLinkRaw;
using bgpdemo::core::capture::ParseFrame;

namespace {

const Bytes kPayload = {1, 2, 3, 4, 5};

}  // namespace

TEST_CASE("packet: Ethernet with an 802.1Q tag, IPv4, TCP, padding past the datagram dropped") {
  Bytes ip = Ipv4("10.0.0.2", "10.0.0.1", Tcp(50179, 179, 1234, kAck | kPsh, kPayload));
  Bytes frame = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00};
  frame.insert(frame.end(), ip.begin(), ip.end());
  frame.insert(frame.end(), 6, 0);  // Ethernet padding
  auto s = ParseFrame(kLinkEthernet, frame);
  REQUIRE(s.has_value());
  CHECK(s->src.ToString() == "10.0.0.2:50179");
  CHECK(s->dst.ToString() == "10.0.0.1:179");
  CHECK(s->seq == 1234);
  CHECK_FALSE(s->syn);
  CHECK(Bytes(s->payload.begin(), s->payload.end()) == kPayload);
}

TEST_CASE("packet: Linux cooked SLL and SLL2 carry the EtherType in different places") {
  const Bytes ip = Ipv4("10.0.0.2", "10.0.0.1", Tcp(179, 40000, 7, kSyn, {}));
  Bytes sll(14, 0);
  Put16(sll, 0x0800);
  sll.insert(sll.end(), ip.begin(), ip.end());
  auto a = ParseFrame(kLinkLinuxSll, sll);
  REQUIRE(a.has_value());
  CHECK(a->syn);
  CHECK(a->src.port == 179);

  Bytes sll2;
  Put16(sll2, 0x0800);
  sll2.insert(sll2.end(), 18, 0);
  sll2.insert(sll2.end(), ip.begin(), ip.end());
  auto b = ParseFrame(kLinkLinuxSll2, sll2);
  REQUIRE(b.has_value());
  CHECK(b->dst.port == 40000);
}

TEST_CASE("packet: raw IPv6 with a destination options header") {
  Bytes tcp = Tcp(50179, 179, 1, kAck, kPayload);
  Bytes ext = {6, 0, 1, 4, 0, 0, 0, 0};  // next header TCP, 8 bytes, PadN
  Bytes ip = {0x60, 0, 0, 0};
  Put16(ip, static_cast<std::uint32_t>(ext.size() + tcp.size()));
  ip.push_back(60);
  ip.push_back(64);
  PutIp(ip, "fd00::2");
  PutIp(ip, "fd00::1");
  ip.insert(ip.end(), ext.begin(), ext.end());
  ip.insert(ip.end(), tcp.begin(), tcp.end());
  auto s = ParseFrame(kLinkRaw, ip);
  REQUIRE(s.has_value());
  CHECK(s->src.ToString() == "[fd00::2]:50179");
  CHECK(s->payload.size() == kPayload.size());
  CHECK(ParseFrame(kLinkIpv6, Ipv6("fd00::2", "fd00::1", tcp)).has_value());
}

TEST_CASE("packet: what is not a TCP segment is a reason, never a read past the end") {
  Bytes frag = Ipv4("10.0.0.2", "10.0.0.1", Tcp(1, 179, 0, kAck, kPayload));
  frag[6] = 0x20;  // More Fragments
  CHECK(ParseFrame(kLinkRaw, frag).error() == "IPv4 fragment (not reassembled)");
  Bytes udp = Ipv4("10.0.0.2", "10.0.0.1", Tcp(1, 179, 0, kAck, kPayload));
  udp[9] = 17;
  CHECK(ParseFrame(kLinkRaw, udp).error() == "not TCP");
  CHECK(ParseFrame(kLinkEthernet, Ethernet({}, 0x0806)).error() == "EtherType 0x0806 is not IP");
  const Bytes full = Ethernet(Ipv4("10.0.0.2", "10.0.0.1", Tcp(1, 179, 0, kAck, kPayload)));
  for (std::size_t n = 0; n < full.size() - kPayload.size(); ++n) {
    CHECK_FALSE(ParseFrame(kLinkEthernet, std::span(full).first(n)).has_value());
  }
  CHECK_FALSE(ParseFrame(147, full).has_value());
}
