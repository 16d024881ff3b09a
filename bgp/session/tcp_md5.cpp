#include "bgp/session/tcp_md5.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>  // tcp_md5sig; linux/tcp.h would clash with Asio's includes
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace bgpdemo::bgp::session {
namespace {

void FillAddress(const wire::IpAddress& a, sockaddr_storage& ss, int socket_family) {
  std::memset(&ss, 0, sizeof ss);
  if (a.afi == wire::Afi::kIpv4 && socket_family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, a.bytes.data(), 4);
  } else {
    // An IPv6 socket sees IPv4 peers as ::ffff:a.b.c.d.
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    if (a.afi == wire::Afi::kIpv4) {
      sin6->sin6_addr.s6_addr[10] = 0xff;
      sin6->sin6_addr.s6_addr[11] = 0xff;
      std::memcpy(&sin6->sin6_addr.s6_addr[12], a.bytes.data(), 4);
    } else {
      std::memcpy(&sin6->sin6_addr, a.bytes.data(), 16);
    }
  }
}

int SocketFamily(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return AF_INET;
  return ss.ss_family;
}

Result<void, std::string> Apply(int fd, const wire::IpAddress& addr, int prefix_len,
                                std::string_view key) {
  if (key.size() > kMaxMd5KeyLength) {
    return Fail(fmt::format("TCP MD5 key of {} bytes is longer than the {} Linux allows",
                            key.size(), kMaxMd5KeyLength));
  }
  tcp_md5sig sig{};
  const int family = SocketFamily(fd);
  FillAddress(addr, *reinterpret_cast<sockaddr_storage*>(&sig.tcpm_addr), family);
  sig.tcpm_keylen = static_cast<std::uint16_t>(key.size());
  std::memcpy(sig.tcpm_key, key.data(), key.size());
  int opt = TCP_MD5SIG;
  if (prefix_len >= 0) {
    opt = TCP_MD5SIG_EXT;
    sig.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
    // The IPv4 prefix length even on an IPv6 socket: Linux stores a key for ::ffff:a.b.c.d
    // as an AF_INET key and refuses (EINVAL) a v4-mapped prefix longer than 32
    // (net/ipv6/tcp_ipv6.c tcp_v6_parse_md5_keys).
    sig.tcpm_prefixlen = static_cast<std::uint8_t>(prefix_len);
  }
  if (setsockopt(fd, IPPROTO_TCP, opt, &sig, sizeof sig) != 0) {
    return Fail(fmt::format("setsockopt(TCP_MD5SIG{}) for {}: {}",
                            prefix_len >= 0 ? "_EXT" : "", addr.ToString(), std::strerror(errno)));
  }
  return {};
}

}  // namespace

Result<void, std::string> SetTcpMd5(int fd, const wire::IpAddress& peer, std::string_view key) {
  return Apply(fd, peer, -1, key);
}

Result<void, std::string> SetTcpMd5(int fd, const wire::Prefix& peers, std::string_view key) {
  wire::IpAddress a;
  a.afi = peers.afi;
  a.bytes = peers.addr;
  return Apply(fd, a, peers.length, key);
}

}  // namespace bgpdemo::bgp::session
