#include "bgp/fib/netlink_fib.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace bgpdemo::bgp::fib {

namespace {

int Family(wire::Afi afi) { return afi == wire::Afi::kIpv4 ? AF_INET : AF_INET6; }

std::size_t AddrLen(wire::Afi afi) { return afi == wire::Afi::kIpv4 ? 4 : 16; }

nlmsghdr* RouteHeader(char* buf, std::uint16_t type, std::uint16_t flags, std::uint32_t seq,
                      const wire::Prefix& p, std::uint32_t table) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  nlh->nlmsg_seq = seq;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = static_cast<unsigned char>(Family(p.afi));
  rtm->rtm_dst_len = p.length;
  rtm->rtm_table = table < 256 ? static_cast<unsigned char>(table)
                               : static_cast<unsigned char>(RT_TABLE_UNSPEC);
  rtm->rtm_protocol = kProtocol;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  if (table >= 256) mnl_attr_put_u32(nlh, RTA_TABLE, table);
  mnl_attr_put(nlh, RTA_DST, AddrLen(p.afi), p.addr.data());
  return nlh;
}

struct DumpState {
  std::uint32_t table;
  std::vector<Route>* out;
};

wire::IpAddress AddressFrom(int family, const void* data) {
  wire::IpAddress a;
  a.afi = family == AF_INET ? wire::Afi::kIpv4 : wire::Afi::kIpv6;
  std::memcpy(a.bytes.data(), data, AddrLen(a.afi));
  return a;
}

int OnRoute(const nlmsghdr* nlh, void* data) {
  auto* st = static_cast<DumpState*>(data);
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_protocol != kProtocol) return MNL_CB_OK;
  if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) return MNL_CB_OK;
  std::uint32_t table = rtm->rtm_table;
  Route r;
  r.prefix.afi = rtm->rtm_family == AF_INET ? wire::Afi::kIpv4 : wire::Afi::kIpv6;
  r.prefix.length = rtm->rtm_dst_len;
  // mnl_attr_for_each, spelled out: its macro casts away const, which C++ refuses.
  const auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(*rtm)));
  for (; mnl_attr_ok(attr, static_cast<int>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh)) -
                                            reinterpret_cast<const char*>(attr)));
       attr = mnl_attr_next(attr)) {
    switch (mnl_attr_get_type(attr)) {
      case RTA_TABLE: table = mnl_attr_get_u32(attr); break;
      case RTA_DST:
        std::memcpy(r.prefix.addr.data(), mnl_attr_get_payload(attr), AddrLen(r.prefix.afi));
        break;
      case RTA_GATEWAY:
        r.next_hops.push_back(AddressFrom(rtm->rtm_family, mnl_attr_get_payload(attr)));
        break;
      case RTA_MULTIPATH: {
        const auto* nh = static_cast<const rtnexthop*>(mnl_attr_get_payload(attr));
        int left = mnl_attr_get_payload_len(attr);
        while (left >= static_cast<int>(sizeof(rtnexthop)) && nh->rtnh_len <= left &&
               nh->rtnh_len >= sizeof(rtnexthop)) {
          const auto* a = reinterpret_cast<const nlattr*>(RTNH_DATA(nh));
          int alen = nh->rtnh_len - static_cast<int>(RTNH_LENGTH(0));
          while (mnl_attr_ok(a, alen)) {
            if (mnl_attr_get_type(a) == RTA_GATEWAY) {
              r.next_hops.push_back(AddressFrom(rtm->rtm_family, mnl_attr_get_payload(a)));
            }
            alen -= static_cast<int>(MNL_ALIGN(a->nla_len));
            a = mnl_attr_next(a);
          }
          left -= RTNH_ALIGN(nh->rtnh_len);
          nh = RTNH_NEXT(nh);
        }
        break;
      }
      default: break;
    }
  }
  if (table != st->table) return MNL_CB_OK;
  std::sort(r.next_hops.begin(), r.next_hops.end(), [](const auto& a, const auto& b) {
    return std::tie(a.afi, a.bytes) < std::tie(b.afi, b.bytes);
  });
  st->out->push_back(std::move(r));
  return MNL_CB_OK;
}

}  // namespace

Result<std::unique_ptr<NetlinkFib>, std::string> NetlinkFib::Open(std::uint32_t table) {
  mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
  if (nl == nullptr) return Fail(fmt::format("rtnetlink socket: {}", std::strerror(errno)));
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    const int e = errno;
    mnl_socket_close(nl);
    return Fail(fmt::format("rtnetlink bind: {}", std::strerror(e)));
  }
  return std::unique_ptr<NetlinkFib>(new NetlinkFib(nl, table));
}

NetlinkFib::NetlinkFib(mnl_socket* nl, std::uint32_t table)
    : nl_(nl), portid_(mnl_socket_get_portid(nl)), table_(table) {}

NetlinkFib::~NetlinkFib() { mnl_socket_close(nl_); }

Result<void, std::string> NetlinkFib::Request(void* msg, const char* what) {
  auto* nlh = static_cast<nlmsghdr*>(msg);
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) {
    return Fail(fmt::format("{}: sendto: {}", what, std::strerror(errno)));
  }
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  const std::uint32_t seq = nlh->nlmsg_seq;
  while (true) {
    const ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0) return Fail(fmt::format("{}: recv: {}", what, std::strerror(errno)));
    const int r = mnl_cb_run(buf.data(), static_cast<std::size_t>(n), seq, portid_, nullptr, nullptr);
    if (r == MNL_CB_ERROR) return Fail(fmt::format("{}: {}", what, std::strerror(errno)));
    if (r <= MNL_CB_STOP) return {};
  }
}

Result<void, std::string> NetlinkFib::Replace(const Route& route) {
  if (route.next_hops.empty()) return Remove(route.prefix);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = RouteHeader(buf.data(), RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, seq_++,
                              route.prefix, table_);
  const std::size_t alen = AddrLen(route.prefix.afi);
  for (const auto& nh : route.next_hops) {
    if (nh.afi != route.prefix.afi) {
      return Fail(fmt::format("route {}: next hop {} is of another family", route.prefix.ToString(),
                              nh.ToString()));
    }
  }
  if (route.next_hops.size() == 1) {
    mnl_attr_put(nlh, RTA_GATEWAY, alen, route.next_hops[0].bytes.data());
  } else {
    nlattr* nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
    for (const auto& nh : route.next_hops) {
      auto* rtnh = static_cast<rtnexthop*>(mnl_nlmsg_get_payload_tail(nlh));
      nlh->nlmsg_len += MNL_ALIGN(sizeof(rtnexthop));
      std::memset(rtnh, 0, sizeof *rtnh);
      mnl_attr_put(nlh, RTA_GATEWAY, alen, nh.bytes.data());
      rtnh->rtnh_len = static_cast<unsigned short>(
          static_cast<char*>(mnl_nlmsg_get_payload_tail(nlh)) - reinterpret_cast<char*>(rtnh));
    }
    mnl_attr_nest_end(nlh, nest);
  }
  return Request(nlh, fmt::format("replace route {}", route.prefix.ToString()).c_str());
}

Result<void, std::string> NetlinkFib::Remove(const wire::Prefix& prefix) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = RouteHeader(buf.data(), RTM_DELROUTE, 0, seq_++, prefix, table_);
  auto r = Request(nlh, "remove route");
  if (!r && (r.error().find(std::strerror(ESRCH)) != std::string::npos ||
             r.error().find(std::strerror(ENOENT)) != std::string::npos)) {
    return {};  // not there: nothing to remove
  }
  if (!r) return Fail(fmt::format("remove route {}: {}", prefix.ToString(), r.error()));
  return {};
}

Result<std::vector<Route>, std::string> NetlinkFib::List() {
  std::vector<Route> out;
  for (int family : {AF_INET, AF_INET6}) {
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = seq_++;
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = static_cast<unsigned char>(family);
    if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) {
      return Fail(fmt::format("list routes: sendto: {}", std::strerror(errno)));
    }
    DumpState st{table_, &out};
    const std::uint32_t seq = nlh->nlmsg_seq;
    while (true) {
      const ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
      if (n < 0) return Fail(fmt::format("list routes: recv: {}", std::strerror(errno)));
      const int r = mnl_cb_run(buf.data(), static_cast<std::size_t>(n), seq, portid_, OnRoute, &st);
      if (r == MNL_CB_ERROR) return Fail(fmt::format("list routes: {}", std::strerror(errno)));
      if (r <= MNL_CB_STOP) break;
    }
  }
  return out;
}

}  // namespace bgpdemo::bgp::fib
