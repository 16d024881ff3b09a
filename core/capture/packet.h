// One captured frame down to its TCP segment: link layer, IPv4 or IPv6, TCP.
//
//   Ethernet (802.1Q/802.1ad tags skipped) | Linux cooked SLL or SLL2 | raw IP | BSD loopback
//     -> IPv4 (RFC 791; fragments are not reassembled) | IPv6 (RFC 8200; extension headers
//        skipped, a fragment is not reassembled)
//     -> TCP (RFC 9293 §3.1): ports, sequence number, SYN/FIN/RST, payload
//
// Pure and bounds-checked: a frame that is short, not TCP or not understood is a reason,
// never a read past the end. The payload is a view into the frame.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::core::capture {

struct Endpoint {
  bgp::wire::IpAddress address;
  std::uint16_t port = 0;

  std::string ToString() const;  // "10.0.0.2:179", "[fd00::1]:179"
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
  friend auto operator<=>(const Endpoint& a, const Endpoint& b) {
    if (auto c = a.address.bytes <=> b.address.bytes; c != 0) return c;
    if (auto c = a.address.afi <=> b.address.afi; c != 0) return c;
    return a.port <=> b.port;
  }
};

struct TcpSegment {
  Endpoint src;
  Endpoint dst;
  std::uint32_t seq = 0;
  bool syn = false;
  bool fin = false;
  bool rst = false;
  std::span<const std::uint8_t> payload;
};

// Link-layer header types (pcap-linktype(7)) this reader knows, as libpcap's
// pcap_datalink() reports them.
enum LinkType : int {
  kLinkNull = 0,  // BSD loopback, host-order address family
  kLinkEthernet = 1,
  kLinkRaw = 12,  // DLT_RAW on Linux (LINKTYPE_RAW 101 in the file)
  kLinkRawOpenBsd = 14,
  kLinkRawFile = 101,
  kLinkLoop = 108,  // OpenBSD loopback, network-order address family
  kLinkLinuxSll = 113,
  kLinkIpv4 = 228,
  kLinkIpv6 = 229,
  kLinkLinuxSll2 = 276,
};
bool KnownLinkType(int link_type);

// The TCP segment in a frame, or why there is none ("not TCP", "IPv4 fragment", ...).
Result<TcpSegment, std::string> ParseFrame(int link_type, std::span<const std::uint8_t> frame);

}  // namespace bgpdemo::core::capture
