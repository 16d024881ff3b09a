// The IPv6 gateway the kernel can use for an IPv4-mapped next hop (::ffff:a.b.c.d).
//
// Cilium's GoBGP sends IPv6 routes over an IPv4 session with the session's address as an
// IPv4-mapped IPv6 next hop (docs/reference/bgp-interop.md, cilium #37831). Linux installs
// no IPv6 route through an IPv4 gateway (RTA_VIA is for IPv4 routes only: "IPv6 does not
// support RTA_VIA attribute"), so the route goes through the same node's IPv6 link-local
// address instead. The node is a direct neighbour (the sessions are eBGP, one hop): the
// kernel's route to a.b.c.d names the interface, its ARP entry the node's MAC, and the
// node's link-local address is made from that MAC (modified EUI-64, RFC 4291 Appendix A:
// what Linux's default addr_gen_mode gives every Ethernet and veth link).
//
// A node whose link-local address is made otherwise (stable privacy, RFC 7217) does not
// answer neighbour discovery for the derived address, and traffic over the route fails:
// `verify` shows it. BIRD 2 refuses such routes ("mismatched address family"); FRR keeps
// them unresolved.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "bgp/wire/prefix.h"

struct mnl_socket;

namespace bgpdemo::bgp::fib {

struct LinkGateway {
  wire::IpAddress address;  // fe80::/64 with the interface identifier from the MAC
  std::uint32_t ifindex = 0;
  friend bool operator==(const LinkGateway&, const LinkGateway&) = default;
};

// An IPv4 neighbour of this network namespace with a MAC the kernel knows.
struct Neighbour {
  wire::IpAddress address;
  std::array<std::uint8_t, 6> mac{};
  friend bool operator==(const Neighbour&, const Neighbour&) = default;
};

// Every IPv4 neighbour entry with a MAC (failed and incomplete ones left out), from an
// rtnetlink dump on a socket of its own: whom the link-local next hops of ResolveMapped
// belong to, for `bgpdemo router neighbours` in a router image without iproute2.
Result<std::vector<Neighbour>, std::string> ListNeighbours();

// fe80::, then the MAC with the universal/local bit inverted and ff:fe in its middle.
wire::IpAddress Eui64LinkLocal(const std::array<std::uint8_t, 6>& mac);

// Asks the kernel (over nl, an rtnetlink socket; seq is advanced, buf holds the answers)
// for the interface of the route to mapped's IPv4 address and that neighbour's MAC.
// Fails, naming the address, when the route goes through a gateway (not a neighbour), the
// kernel has no MAC for it, or the kernel cannot be asked.
// REQUIRES: mapped.IsV4Mapped().
Result<LinkGateway, std::string> ResolveMapped(mnl_socket* nl, std::uint32_t& seq,
                                               std::vector<char>& buf,
                                               const wire::IpAddress& mapped);

}  // namespace bgpdemo::bgp::fib
