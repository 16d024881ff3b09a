// Builders for the capture tests: TCP/IP frames and pcap, pcapng and MRT files, by hand
// from the RFCs' and pcap-savefile(5)'s layouts, so that the readers are checked against an
// independent writer.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "bgp/wire/prefix.h"

namespace bgpdemo::test::capture {

using Bytes = std::vector<std::uint8_t>;

inline void Put16(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void Put32(Bytes& b, std::uint32_t v) {
  Put16(b, v >> 16);
  Put16(b, v & 0xffff);
}
inline void PutLe32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void PutLe16(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void PutIp(Bytes& b, std::string_view text) {
  const auto a = *bgp::wire::IpAddress::Parse(text);
  b.insert(b.end(), a.bytes.begin(), a.bytes.begin() + static_cast<std::ptrdiff_t>(a.size()));
}

enum TcpFlags : std::uint8_t { kFin = 0x01, kSyn = 0x02, kAck = 0x10, kPsh = 0x08 };

// A TCP header (20 bytes, no options) and payload.
inline Bytes Tcp(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint8_t flags,
                 const Bytes& payload) {
  Bytes b;
  Put16(b, sport);
  Put16(b, dport);
  Put32(b, seq);
  Put32(b, 0);  // ack
  b.push_back(5 << 4);
  b.push_back(flags);
  Put16(b, 65535);  // window
  Put32(b, 0);      // checksum (not checked), urgent pointer
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

inline Bytes Ipv4(std::string_view src, std::string_view dst, const Bytes& tcp) {
  Bytes b = {0x45, 0};
  Put16(b, static_cast<std::uint32_t>(20 + tcp.size()));
  Put32(b, 0x40000000);  // id 0, DF
  b.push_back(64);
  b.push_back(6);
  Put16(b, 0);
  PutIp(b, src);
  PutIp(b, dst);
  b.insert(b.end(), tcp.begin(), tcp.end());
  return b;
}

inline Bytes Ipv6(std::string_view src, std::string_view dst, const Bytes& tcp) {
  Bytes b = {0x60, 0, 0, 0};
  Put16(b, static_cast<std::uint32_t>(tcp.size()));
  b.push_back(6);
  b.push_back(64);
  PutIp(b, src);
  PutIp(b, dst);
  b.insert(b.end(), tcp.begin(), tcp.end());
  return b;
}

inline Bytes Ethernet(const Bytes& ip, std::uint16_t ethertype = 0x0800) {
  Bytes b = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
  Put16(b, ethertype);
  b.insert(b.end(), ip.begin(), ip.end());
  return b;
}

struct Frame {
  std::uint32_t seconds = 0;
  std::uint32_t micros = 0;
  Bytes data;
};

// pcap-savefile(5): little-endian, microsecond timestamps.
inline Bytes PcapFile(std::uint32_t link_type, const std::vector<Frame>& frames) {
  Bytes b;
  PutLe32(b, 0xa1b2c3d4);
  PutLe16(b, 2);
  PutLe16(b, 4);
  PutLe32(b, 0);
  PutLe32(b, 0);
  PutLe32(b, 262144);
  PutLe32(b, link_type);
  for (const auto& f : frames) {
    PutLe32(b, f.seconds);
    PutLe32(b, f.micros);
    PutLe32(b, static_cast<std::uint32_t>(f.data.size()));
    PutLe32(b, static_cast<std::uint32_t>(f.data.size()));
    b.insert(b.end(), f.data.begin(), f.data.end());
  }
  return b;
}

// pcapng (draft-ietf-opsawg-pcapng): SHB, one IDB (microseconds), one EPB per frame.
inline Bytes PcapngFile(std::uint16_t link_type, const std::vector<Frame>& frames) {
  Bytes b;
  auto block = [&](std::uint32_t type, const Bytes& body) {
    const std::uint32_t len = static_cast<std::uint32_t>(12 + body.size());
    PutLe32(b, type);
    PutLe32(b, len);
    b.insert(b.end(), body.begin(), body.end());
    PutLe32(b, len);
  };
  Bytes shb;
  PutLe32(shb, 0x1a2b3c4d);
  PutLe16(shb, 1);
  PutLe16(shb, 0);
  PutLe32(shb, 0xffffffff);  // section length unknown
  PutLe32(shb, 0xffffffff);
  block(0x0a0d0d0a, shb);
  Bytes idb;
  PutLe16(idb, link_type);
  PutLe16(idb, 0);
  PutLe32(idb, 262144);
  block(1, idb);
  for (const auto& f : frames) {
    Bytes epb;
    const std::uint64_t ts = std::uint64_t{f.seconds} * 1000000 + f.micros;
    PutLe32(epb, 0);
    PutLe32(epb, static_cast<std::uint32_t>(ts >> 32));
    PutLe32(epb, static_cast<std::uint32_t>(ts));
    PutLe32(epb, static_cast<std::uint32_t>(f.data.size()));
    PutLe32(epb, static_cast<std::uint32_t>(f.data.size()));
    epb.insert(epb.end(), f.data.begin(), f.data.end());
    while (epb.size() % 4 != 0) epb.push_back(0);
    block(6, epb);
  }
  return b;
}

// RFC 6396 §2: one MRT record.
inline Bytes MrtRecord(std::uint32_t seconds, std::uint16_t type, std::uint16_t subtype,
                       const Bytes& body) {
  Bytes b;
  Put32(b, seconds);
  Put16(b, type);
  Put16(b, subtype);
  Put32(b, static_cast<std::uint32_t>(body.size()));
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

}  // namespace bgpdemo::test::capture
