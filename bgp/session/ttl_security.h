// The Generalized TTL Security Mechanism (GTSM, RFC 5082) on Linux sockets.
//
// A directly connected peer's packets arrive with TTL (IPv6: hop limit) 255 when it sends
// them with 255; anything from further away arrives with less. So both sides send with 255
// and drop what arrives below 254 (one hop, as FRR's `ttl-security hops 1` and GoBGP's
// `ttl-security` do). Linux checks the minimum in the kernel: IP_MINTTL, IPV6_MINHOPCOUNT.
//
// Set it on a socket before connect() (the peer's SYN-ACK is checked too) and on an
// accepted socket. A listener sends with 255 too (its SYN-ACKs leave with its TTL, and the
// connections it accepts inherit it). When every neighbor on it uses GTSM the listener
// also keeps the minimum, so that a far sender's SYN is dropped before a handshake. When
// some do not, only the accepted socket gets the minimum, once the connection is known to
// be a GTSM neighbor's; a segment that arrived before that (the peer's OPEN) was not
// checked. Such a far sender still fails: our OPEN's answer, its KEEPALIVE, is dropped, so
// the session never reaches Established on our side. (BIRD and FRR also set it per
// accepted socket.)
#pragma once

#include <string>

#include "base/result.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::session {

inline constexpr int kGtsmTtl = 255;
inline constexpr int kGtsmMinTtl = 254;  // one hop: RFC 5082 §3 with a trusted hop count of 1

// Sends with TTL 255 and drops arrivals below 254 on socket fd, for a peer of `peer`'s
// family (an IPv4 peer on an IPv6 socket, ::ffff:a.b.c.d, uses the IPv4 options).
Result<void, std::string> SetTtlSecurity(int fd, const wire::IpAddress& peer);

// For a listener (IPv4 and, on an IPv6 socket, IPv6 options): with `send_255` it sends with
// TTL 255, else with the system's default; with `drop_far` it drops what arrives below 254,
// SYNs included, else nothing. Calling it again with other flags undoes the last call.
Result<void, std::string> SetListenerTtl(int fd, bool ipv6_socket, bool send_255, bool drop_far);

}  // namespace bgpdemo::bgp::session
