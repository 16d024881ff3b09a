#include "core/capture/mrt.h"

#include <fmt/format.h>

#include <algorithm>

#include "bgp/wire/buffer.h"

namespace bgpdemo::core::capture {

namespace {

using bgp::wire::Afi;
using bgp::wire::IpAddress;
using bgp::wire::Reader;

constexpr std::size_t kMrtHeader = 12;

// TABLE_DUMP_V2 subtypes (RFC 6396 §4.3, RFC 8050 §4).
enum : std::uint16_t {
  kPeerIndexTable = 1,
  kRibIpv4Unicast = 2,
  kRibIpv6Unicast = 4,
  kRibIpv4UnicastAddPath = 8,
  kRibIpv6UnicastAddPath = 10,
};

// BGP4MP subtypes (RFC 6396 §4.4, RFC 8050 §3).
enum : std::uint16_t {
  kStateChange = 0,
  kMessage = 1,
  kMessageAs4 = 4,
  kStateChangeAs4 = 5,
  kMessageLocal = 6,
  kMessageAs4Local = 7,
  kMessageAddPath = 8,
  kMessageAs4AddPath = 9,
  kMessageLocalAddPath = 10,
  kMessageAs4LocalAddPath = 11,
};

bool ReadIp(Reader& r, Afi afi, IpAddress& out) {
  std::span<const std::uint8_t> b;
  if (!r.Bytes(afi == Afi::kIpv4 ? 4 : 16, b)) return false;
  out = IpAddress{};
  out.afi = afi;
  std::copy(b.begin(), b.end(), out.bytes.begin());
  return true;
}

bool ReadAs(Reader& r, bool as4, std::uint32_t& out) {
  if (as4) return r.U32(out);
  std::uint16_t v = 0;
  if (!r.U16(v)) return false;
  out = v;
  return true;
}

// peer_as local_as ifindex afi peer_ip local_ip
bool ReadPeers(Reader& r, bool as4, MrtPeers& p, std::string& why) {
  std::uint16_t afi = 0;
  if (!ReadAs(r, as4, p.peer_as) || !ReadAs(r, as4, p.local_as) || !r.U16(p.ifindex) ||
      !r.U16(afi)) {
    why = "BGP4MP header cut short";
    return false;
  }
  if (afi != 1 && afi != 2) {
    why = fmt::format("BGP4MP address family {} is neither 1 (IPv4) nor 2 (IPv6)", afi);
    return false;
  }
  if (!ReadIp(r, static_cast<Afi>(afi), p.peer_ip) ||
      !ReadIp(r, static_cast<Afi>(afi), p.local_ip)) {
    why = "BGP4MP addresses cut short";
    return false;
  }
  return true;
}

void Bgp4mp(const MrtHeader& h, Reader& r, MrtVisitor& v) {
  const std::uint16_t st = h.subtype;
  std::string why;
  if (st == kStateChange || st == kStateChangeAs4) {
    MrtStateChange s{h, {}, 0, 0};
    if (!ReadPeers(r, st == kStateChangeAs4, s.peers, why)) {
      v.Problem({h, why, false});
    } else if (!r.U16(s.old_state) || !r.U16(s.new_state)) {
      v.Problem({h, "BGP4MP state change cut short", false});
    } else {
      v.StateChange(s);
    }
    return;
  }
  if (st < kMessage || st > kMessageAs4LocalAddPath || st == 2 || st == 3) {
    // 2 ENTRY and 3 SNAPSHOT are deprecated (RFC 6396 §4.4); 12+ unassigned.
    v.Problem({h, fmt::format("BGP4MP subtype {} is not read here", st), true});
    return;
  }
  MrtMessage m;
  m.header = h;
  m.as4 = st == kMessageAs4 || st == kMessageAs4Local || st == kMessageAs4AddPath ||
          st == kMessageAs4LocalAddPath;
  m.local = st == kMessageLocal || st == kMessageAs4Local || st == kMessageLocalAddPath ||
            st == kMessageAs4LocalAddPath;
  m.add_path = st >= kMessageAddPath;
  if (!ReadPeers(r, m.as4, m.peers, why)) {
    v.Problem({h, why, false});
    return;
  }
  m.message = r.Rest();
  v.Message(m);
}

void PeerIndexTable(const MrtHeader& h, Reader& r, MrtVisitor& v) {
  MrtPeerIndex t;
  t.header = h;
  std::uint16_t view_len = 0;
  std::span<const std::uint8_t> view;
  std::uint16_t count = 0;
  if (!r.U32(t.collector_id) || !r.U16(view_len) || !r.Bytes(view_len, view) || !r.U16(count)) {
    v.Problem({h, "PEER_INDEX_TABLE header cut short", false});
    return;
  }
  t.view_name.assign(view.begin(), view.end());
  t.peers.reserve(std::min<std::size_t>(count, r.remaining() / 7));
  for (std::uint16_t i = 0; i < count; ++i) {
    std::uint8_t type = 0;
    MrtPeer p;
    if (!r.U8(type) || !r.U32(p.bgp_id) ||
        !ReadIp(r, (type & 1) != 0 ? Afi::kIpv6 : Afi::kIpv4, p.ip) ||
        !ReadAs(r, (type & 2) != 0, p.as)) {
      v.Problem({h, fmt::format("PEER_INDEX_TABLE entry {} of {} cut short", i, count), false});
      return;
    }
    t.peers.push_back(p);
  }
  v.PeerIndex(t);
}

void RibRecord(const MrtHeader& h, Reader& r, MrtVisitor& v) {
  MrtRib rib;
  rib.header = h;
  const Afi afi =
      h.subtype == kRibIpv4Unicast || h.subtype == kRibIpv4UnicastAddPath ? Afi::kIpv4 : Afi::kIpv6;
  rib.add_path = h.subtype == kRibIpv4UnicastAddPath || h.subtype == kRibIpv6UnicastAddPath;
  std::uint8_t len = 0;
  std::span<const std::uint8_t> bytes;
  rib.prefix.afi = afi;
  if (!r.U32(rib.sequence) || !r.U8(len)) {
    v.Problem({h, "RIB record header cut short", false});
    return;
  }
  if (len > (afi == Afi::kIpv4 ? 32 : 128) || !r.Bytes((len + 7u) / 8u, bytes)) {
    v.Problem({h, fmt::format("RIB prefix length {} is too long or cut short", len), false});
    return;
  }
  rib.prefix.length = len;
  std::copy(bytes.begin(), bytes.end(), rib.prefix.addr.begin());
  if (len % 8 != 0) rib.prefix.addr[len / 8] &= static_cast<std::uint8_t>(0xff00 >> (len % 8));
  std::uint16_t count = 0;
  if (!r.U16(count)) {
    v.Problem({h, "RIB entry count cut short", false});
    return;
  }
  rib.entries.reserve(std::min<std::size_t>(count, r.remaining() / 8));
  for (std::uint16_t i = 0; i < count; ++i) {
    MrtRibEntry e;
    std::uint16_t attr_len = 0;
    if (!r.U16(e.peer_index) || !r.U32(e.originated) || (rib.add_path && !r.U32(e.path_id)) ||
        !r.U16(attr_len) || !r.Bytes(attr_len, e.attributes)) {
      v.Problem({h, fmt::format("RIB entry {} of {} cut short", i, count), false});
      return;
    }
    rib.entries.push_back(e);
  }
  v.Rib(rib);
}

}  // namespace

std::string_view MrtStateName(std::uint16_t state) {
  switch (state) {
    case 1:
      return "Idle";
    case 2:
      return "Connect";
    case 3:
      return "Active";
    case 4:
      return "OpenSent";
    case 5:
      return "OpenConfirm";
    case 6:
      return "Established";
    default:
      return "unknown";
  }
}

std::size_t ReadMrt(std::span<const std::uint8_t> data, MrtVisitor& v) {
  std::size_t offset = 0;
  while (offset < data.size()) {
    Reader hr(data.subspan(offset));
    MrtHeader h;
    std::uint32_t seconds = 0;
    std::uint32_t length = 0;
    h.offset = offset;
    if (!hr.U32(seconds) || !hr.U16(h.type) || !hr.U16(h.subtype) || !hr.U32(length)) {
      v.Problem({h,
                 fmt::format("the input ends with {} bytes, too few for a 12-byte MRT header",
                             data.size() - offset),
                 false});
      return offset;
    }
    h.time = {seconds, 0, 0};
    h.length = kMrtHeader + length;
    Reader r(data.subspan(0, 0));
    if (!hr.Sub(length, r)) {
      v.Problem(
          {h,
           fmt::format("record says {} bytes but the input ends after {}", length, hr.remaining()),
           false});
      return offset;
    }
    offset += h.length;
    if (h.type == kMrtBgp4mpEt) {
      std::uint32_t micros = 0;  // §3: microseconds, counted in the length
      if (!r.U32(micros) || micros > 999999) {
        v.Problem({h, "BGP4MP_ET microsecond timestamp missing or over 999999", false});
        continue;
      }
      h.time.nanos = micros * 1000;
      h.time.digits = 6;
    }
    if (h.type == kMrtBgp4mp || h.type == kMrtBgp4mpEt) {
      Bgp4mp(h, r, v);
    } else if (h.type == kMrtTableDumpV2 && h.subtype == kPeerIndexTable) {
      PeerIndexTable(h, r, v);
    } else if (h.type == kMrtTableDumpV2 &&
               (h.subtype == kRibIpv4Unicast || h.subtype == kRibIpv6Unicast ||
                h.subtype == kRibIpv4UnicastAddPath || h.subtype == kRibIpv6UnicastAddPath)) {
      RibRecord(h, r, v);
    } else {
      v.Problem(
          {h, fmt::format("MRT type {} subtype {} is not read here", h.type, h.subtype), true});
    }
  }
  return offset;
}

std::vector<std::uint8_t> RibAttributes(std::span<const std::uint8_t> attrs, Afi afi) {
  std::vector<std::uint8_t> out;
  out.reserve(attrs.size() + 8);
  Reader r(attrs);
  std::size_t tail = attrs.size();  // where a broken attribute starts, kept as it is
  while (!r.empty()) {
    const std::size_t start = r.pos();
    std::uint8_t flags = 0;
    std::uint8_t type = 0;
    std::uint16_t len = 0;
    bool ok = r.U8(flags) && r.U8(type);
    if (ok && (flags & 0x10) != 0) {  // Extended Length (RFC 4271 §4.3)
      ok = r.U16(len);
    } else if (ok) {
      std::uint8_t len8 = 0;
      ok = r.U8(len8);
      len = len8;
    }
    std::span<const std::uint8_t> value;
    if (!ok || !r.Bytes(len, value)) {
      tail = start;
      break;
    }
    // RFC 6396 §4.3.4: next hop length, next hop; a whole one starts with AFI 0x00 0x0N.
    if (type == 14 && !value.empty() && value[0] != 0 && value[0] + 1u <= value.size()) {
      const std::size_t nh = value[0];
      const std::size_t whole = 2 + 1 + 1 + nh + 1;  // afi safi nh_len nh reserved
      out.push_back(static_cast<std::uint8_t>(flags | 0x10));
      out.push_back(type);
      out.push_back(static_cast<std::uint8_t>(whole >> 8));
      out.push_back(static_cast<std::uint8_t>(whole));
      out.push_back(0);
      out.push_back(static_cast<std::uint8_t>(afi));
      out.push_back(1);  // unicast: the only RIB subtypes read here
      out.insert(out.end(), value.begin(), value.begin() + static_cast<std::ptrdiff_t>(nh + 1));
      out.push_back(0);  // reserved (RFC 4760 §3)
      continue;
    }
    out.insert(out.end(), attrs.begin() + static_cast<std::ptrdiff_t>(start),
               attrs.begin() + static_cast<std::ptrdiff_t>(r.pos()));
  }
  out.insert(out.end(), attrs.begin() + static_cast<std::ptrdiff_t>(tail), attrs.end());
  return out;
}

}  // namespace bgpdemo::core::capture
