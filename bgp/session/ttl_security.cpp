#include "bgp/session/ttl_security.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace bgpdemo::bgp::session {

namespace {

Result<void, std::string> Set(int fd, int level, int option, const char* name, int value) {
  if (setsockopt(fd, level, option, &value, sizeof value) != 0) {
    return Fail(fmt::format("setsockopt({}, {}): {}", name, value, std::strerror(errno)));
  }
  return {};
}

}  // namespace

Result<void, std::string> SetTtlSecurity(int fd, const wire::IpAddress& peer) {
  if (peer.afi == wire::Afi::kIpv4) {
    // SOL_IP options reach the IPv4 half of an IPv6 socket too (a v4-mapped peer).
    if (auto r = Set(fd, IPPROTO_IP, IP_TTL, "IP_TTL", kGtsmTtl); !r) return r;
    return Set(fd, IPPROTO_IP, IP_MINTTL, "IP_MINTTL", kGtsmMinTtl);
  }
  if (auto r = Set(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS", kGtsmTtl); !r) {
    return r;
  }
  return Set(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, "IPV6_MINHOPCOUNT", kGtsmMinTtl);
}

Result<void, std::string> SetListenerTtl(int fd, bool ipv6_socket, bool send_255, bool drop_far) {
  const int ttl = send_255 ? kGtsmTtl : -1;    // -1: the system's default (ip(7), ipv6(7))
  const int min = drop_far ? kGtsmMinTtl : 0;  // 0: no minimum
  if (auto r = Set(fd, IPPROTO_IP, IP_TTL, "IP_TTL", ttl); !r) return r;
  if (auto r = Set(fd, IPPROTO_IP, IP_MINTTL, "IP_MINTTL", min); !r) return r;
  if (!ipv6_socket) return {};
  if (auto r = Set(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS", ttl); !r) return r;
  return Set(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, "IPV6_MINHOPCOUNT", min);
}

}  // namespace bgpdemo::bgp::session
