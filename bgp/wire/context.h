// What a session negotiated that changes how bytes are read and written.
//
// The codec is stateless; a session passes one Context to every decode and encode call.
// The defaults suit a standalone decoder looking at a capture of a modern session:
// 4-octet AS, no extended messages, no ADD-PATH, peer type unknown.
#pragma once

#include <cstdint>
#include <optional>

#include "bgp/wire/constants.h"

namespace bgpdemo::bgp::wire {

enum class PeerType : std::uint8_t {
  kUnknown,   // a capture: no eBGP/iBGP-specific rule applies
  kInternal,  // iBGP
  kExternal,  // eBGP
};

struct Context {
  bool four_octet_as = true;     // RFC 6793 capability on both sides
  bool extended_message = false;  // RFC 8654: messages up to 65535 bytes
  // RFC 7911: families whose NLRI carry a path identifier in this direction.
  bool add_path_ipv4 = false;
  bool add_path_ipv6 = false;
  // Families this session carries; an MP_REACH/MP_UNREACH for another is an error.
  bool ipv4_unicast = true;
  bool ipv6_unicast = true;
  bool route_refresh = true;  // ROUTE-REFRESH was negotiated (RFC 2918 §3)
  PeerType peer_type = PeerType::kUnknown;
  // A session between two speakers on one host's loopback: 127/8 next hops are real there.
  bool loopback_next_hops = false;
  // eBGP first-AS check (RFC 4271 §6.3): the leftmost AS must be the peer's.
  std::optional<std::uint32_t> enforce_first_as;

  std::size_t MaxMessageSize() const {
    return extended_message ? kMaxExtendedMessageSize : kMaxMessageSize;
  }
  bool AddPath(Family f) const {
    if (f == kIpv4Unicast) return add_path_ipv4;
    if (f == kIpv6Unicast) return add_path_ipv6;
    return false;
  }
  bool Carries(Family f) const {
    if (f == kIpv4Unicast) return ipv4_unicast;
    if (f == kIpv6Unicast) return ipv6_unicast;
    return false;
  }
};

}  // namespace bgpdemo::bgp::wire
