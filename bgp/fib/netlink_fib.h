// The kernel FIB over rtnetlink (libmnl): RTM_NEWROUTE with NLM_F_REPLACE, RTM_DELROUTE,
// and an RTM_GETROUTE dump filtered to our protocol number, in the network namespace of
// the thread that creates it (a test or the lab enters a namespace before).
//
//   route: rtmsg {family, dst_len, table main, protocol 197, scope universe, unicast}
//          RTA_DST, then RTA_GATEWAY (one next hop) or RTA_MULTIPATH {rtnexthop+RTA_GATEWAY}*
//
// Next hops of the prefix's own family only (an RFC 8950 IPv6 next hop for an IPv4 route
// would need RTA_VIA; not used by the demo). Calls block for the kernel's answer (a few
// microseconds); not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "bgp/fib/fib.h"

struct mnl_socket;

namespace bgpdemo::bgp::fib {

class NetlinkFib : public Fib {
 public:
  // Opens the rtnetlink socket; fails without CAP_NET_ADMIN only at the first change.
  static Result<std::unique_ptr<NetlinkFib>, std::string> Open(std::uint32_t table = 254);
  ~NetlinkFib() override;

  Result<void, std::string> Replace(const Route& route) override;
  Result<void, std::string> Remove(const wire::Prefix& prefix) override;
  Result<std::vector<Route>, std::string> List() override;

 private:
  NetlinkFib(mnl_socket* nl, std::uint32_t table);
  Result<void, std::string> Request(void* nlh, const char* what);

  mnl_socket* nl_;
  std::uint32_t portid_;
  std::uint32_t seq_ = 1;
  std::uint32_t table_;
};

}  // namespace bgpdemo::bgp::fib
