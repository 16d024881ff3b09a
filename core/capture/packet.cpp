#include "core/capture/packet.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/capture/big_endian.h"

namespace bgpdemo::core::capture {

namespace {

using bgp::wire::Afi;
using bgp::wire::IpAddress;
using Bytes = std::span<const std::uint8_t>;

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;  // IEEE 802.1Q
constexpr std::uint16_t kEtherQinQ = 0x88a8;  // IEEE 802.1ad
constexpr std::uint8_t kProtoTcp = 6;

IpAddress Address(Bytes b, Afi afi) {
  IpAddress a;
  a.afi = afi;
  std::copy(b.begin(), b.end(), a.bytes.begin());
  return a;
}

// RFC 9293 §3.1: data offset in 32-bit words, flags, the payload after the options.
Result<TcpSegment, std::string> Tcp(Bytes b, const IpAddress& src, const IpAddress& dst) {
  if (b.size() < 20) return Fail(fmt::format("TCP header cut short ({} bytes)", b.size()));
  const std::size_t header = static_cast<std::size_t>(b[12] >> 4) * 4;
  if (header < 20 || header > b.size()) {
    return Fail(fmt::format("TCP data offset {} does not fit the {} bytes", header, b.size()));
  }
  TcpSegment s;
  s.src = {src, Be16(b, 0)};
  s.dst = {dst, Be16(b, 2)};
  s.seq = Be32(b, 4);
  s.fin = (b[13] & 0x01) != 0;
  s.syn = (b[13] & 0x02) != 0;
  s.rst = (b[13] & 0x04) != 0;
  s.payload = b.subspan(header);
  return s;
}

Result<TcpSegment, std::string> Ipv4(Bytes b) {
  if (b.size() < 20) return Fail(fmt::format("IPv4 header cut short ({} bytes)", b.size()));
  if ((b[0] >> 4) != 4) return Fail(std::string("not IPv4"));
  const std::size_t header = static_cast<std::size_t>(b[0] & 0x0f) * 4;
  const std::size_t total = Be16(b, 2);
  if (header < 20 || total < header || header > b.size()) {
    return Fail(fmt::format("IPv4 header length {} or total length {} is wrong", header, total));
  }
  // A datagram cut by the capture's snap length would put a hole in the stream: refuse it
  // (the reassembler then reports a gap). Ethernet padding past the datagram is dropped.
  if (total > b.size()) {
    return Fail(
        fmt::format("IPv4 datagram of {} bytes cut to {} by the snap length", total, b.size()));
  }
  b = b.first(total);
  if ((Be16(b, 6) & 0x3fff) != 0) return Fail(std::string("IPv4 fragment (not reassembled)"));
  if (b[9] != kProtoTcp) return Fail(std::string("not TCP"));
  return Tcp(b.subspan(header), Address(b.subspan(12, 4), Afi::kIpv4),
             Address(b.subspan(16, 4), Afi::kIpv4));
}

Result<TcpSegment, std::string> Ipv6(Bytes b) {
  if (b.size() < 40) return Fail(fmt::format("IPv6 header cut short ({} bytes)", b.size()));
  if ((b[0] >> 4) != 6) return Fail(std::string("not IPv6"));
  const std::size_t payload = Be16(b, 4);
  const IpAddress src = Address(b.subspan(8, 16), Afi::kIpv6);
  const IpAddress dst = Address(b.subspan(24, 16), Afi::kIpv6);
  std::uint8_t next = b[6];
  b = b.subspan(40);
  if (payload > b.size()) {
    return Fail(
        fmt::format("IPv6 payload of {} bytes cut to {} by the snap length", payload, b.size()));
  }
  b = b.first(payload);
  // RFC 8200 §4: hop-by-hop (0), routing (43) and destination options (60) are skipped;
  // a fragment (44) is not reassembled.
  while (next == 0 || next == 43 || next == 60) {
    if (b.size() < 8) return Fail(std::string("IPv6 extension header cut short"));
    const std::size_t len = (static_cast<std::size_t>(b[1]) + 1) * 8;
    if (len > b.size()) return Fail(std::string("IPv6 extension header cut short"));
    next = b[0];
    b = b.subspan(len);
  }
  if (next == 44) return Fail(std::string("IPv6 fragment (not reassembled)"));
  if (next != kProtoTcp) return Fail(std::string("not TCP"));
  return Tcp(b, src, dst);
}

Result<TcpSegment, std::string> ByEtherType(std::uint16_t type, Bytes b) {
  if (type == kEtherIpv4) return Ipv4(b);
  if (type == kEtherIpv6) return Ipv6(b);
  return Fail(fmt::format("EtherType 0x{:04x} is not IP", type));
}

Result<TcpSegment, std::string> RawIp(Bytes b) {
  if (b.empty()) return Fail(std::string("empty frame"));
  if ((b[0] >> 4) == 4) return Ipv4(b);
  if ((b[0] >> 4) == 6) return Ipv6(b);
  return Fail(fmt::format("IP version {} is neither 4 nor 6", b[0] >> 4));
}

}  // namespace

std::string Endpoint::ToString() const {
  if (address.afi == Afi::kIpv6) return fmt::format("[{}]:{}", address.ToString(), port);
  return fmt::format("{}:{}", address.ToString(), port);
}

bool KnownLinkType(int t) {
  switch (t) {
    case kLinkNull:
    case kLinkEthernet:
    case kLinkRaw:
    case kLinkRawOpenBsd:
    case kLinkRawFile:
    case kLinkLoop:
    case kLinkLinuxSll:
    case kLinkIpv4:
    case kLinkIpv6:
    case kLinkLinuxSll2:
      return true;
    default:
      return false;
  }
}

Result<TcpSegment, std::string> ParseFrame(int link_type, Bytes b) {
  switch (link_type) {
    case kLinkEthernet: {
      if (b.size() < 14) return Fail(fmt::format("Ethernet header cut short ({} bytes)", b.size()));
      std::size_t at = 12;
      std::uint16_t type = Be16(b, at);
      while ((type == kEtherVlan || type == kEtherQinQ) && b.size() >= at + 6) {
        at += 4;
        type = Be16(b, at);
      }
      return ByEtherType(type, b.subspan(at + 2));
    }
    case kLinkLinuxSll:  // 16 bytes; protocol (EtherType) in the last two
      if (b.size() < 16) return Fail(fmt::format("SLL header cut short ({} bytes)", b.size()));
      return ByEtherType(Be16(b, 14), b.subspan(16));
    case kLinkLinuxSll2:  // 20 bytes; protocol first
      if (b.size() < 20) return Fail(fmt::format("SLL2 header cut short ({} bytes)", b.size()));
      return ByEtherType(Be16(b, 0), b.subspan(20));
    case kLinkRaw:
    case kLinkRawOpenBsd:
    case kLinkRawFile:
      return RawIp(b);
    case kLinkIpv4:
      return Ipv4(b);
    case kLinkIpv6:
      return Ipv6(b);
    case kLinkNull:
    case kLinkLoop:  // a 4-byte address family; the IP version byte says the rest
      if (b.size() < 4) return Fail(std::string("loopback header cut short"));
      return RawIp(b.subspan(4));
    default:
      return Fail(fmt::format("link-layer type {} is not one bgpdemo reads", link_type));
  }
}

}  // namespace bgpdemo::core::capture
