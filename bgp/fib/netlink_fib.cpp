#include "bgp/fib/netlink_fib.h"

#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace bgpdemo::bgp::fib {

namespace {

int Family(wire::Afi afi) {
  return afi == wire::Afi::kIpv4 ? AF_INET : AF_INET6;
}

std::size_t AddrLen(wire::Afi afi) {
  return afi == wire::Afi::kIpv4 ? 4 : 16;
}

nlmsghdr* RouteHeader(char* buf, std::uint16_t type, std::uint16_t flags, std::uint32_t seq,
                      const wire::Prefix& p, std::uint32_t table) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
  nlh->nlmsg_seq = seq;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = static_cast<unsigned char>(Family(p.afi));
  rtm->rtm_dst_len = p.length;
  rtm->rtm_table =
      table < 256 ? static_cast<unsigned char>(table) : static_cast<unsigned char>(RT_TABLE_UNSPEC);
  rtm->rtm_protocol = kProtocol;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  if (table >= 256) mnl_attr_put_u32(nlh, RTA_TABLE, table);
  mnl_attr_put(nlh, RTA_DST, AddrLen(p.afi), p.addr.data());
  return nlh;
}

struct DumpState {
  std::uint32_t table;
  std::vector<Route>* out;              // or
  std::vector<wire::Prefix>* prefixes;  // then next hops are not read
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
  for (; mnl_attr_ok(attr,
                     static_cast<int>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh)) -
                                      reinterpret_cast<const char*>(attr)));
       attr = mnl_attr_next(attr)) {
    switch (mnl_attr_get_type(attr)) {
      case RTA_TABLE:
        table = mnl_attr_get_u32(attr);
        break;
      case RTA_DST:
        std::memcpy(r.prefix.addr.data(), mnl_attr_get_payload(attr), AddrLen(r.prefix.afi));
        break;
      case RTA_GATEWAY:
        if (st->prefixes != nullptr) break;
        r.next_hops.push_back(AddressFrom(rtm->rtm_family, mnl_attr_get_payload(attr)));
        break;
      case RTA_MULTIPATH: {
        if (st->prefixes != nullptr) break;
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
      default:
        break;
    }
  }
  if (table != st->table) return MNL_CB_OK;
  if (st->prefixes != nullptr) {
    st->prefixes->push_back(r.prefix);
    return MNL_CB_OK;
  }
  std::sort(r.next_hops.begin(), r.next_hops.end(), [](const auto& a, const auto& b) {
    return std::tie(a.afi, a.bytes) < std::tie(b.afi, b.bytes);
  });
  st->out->push_back(std::move(r));
  return MNL_CB_OK;
}

// The most an operation's message can take (header, rtmsg, table, destination, next hops).
std::size_t MaxMessageBytes(const Batch::Op& op) {
  return MNL_ALIGN(sizeof(nlmsghdr)) + MNL_ALIGN(sizeof(rtmsg)) + 8 + 20 + 4 +
         static_cast<std::size_t>(op.hop_count) * (MNL_ALIGN(sizeof(rtnexthop)) + 20);
}

// Encodes op at buf with sequence number seq; returns the message's length. link gives the
// link-local gateway and interface for an IPv4-mapped next hop (resolved before).
template <typename Link>
std::size_t EncodeOp(char* buf, const Batch& batch, const Batch::Op& op, std::uint32_t seq,
                     std::uint32_t table, const Link& link) {
  if (op.remove()) return RouteHeader(buf, RTM_DELROUTE, 0, seq, op.prefix, table)->nlmsg_len;
  nlmsghdr* nlh =
      RouteHeader(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, seq, op.prefix, table);
  const std::size_t alen = AddrLen(op.prefix.afi);
  const auto hops = batch.NextHops(op);
  if (hops.size() == 1) {
    if (const LinkGateway* gw = hops[0].IsV4Mapped() ? &link(hops[0]) : nullptr) {
      mnl_attr_put(nlh, RTA_GATEWAY, alen, gw->address.bytes.data());
      mnl_attr_put_u32(nlh, RTA_OIF, gw->ifindex);
    } else {
      mnl_attr_put(nlh, RTA_GATEWAY, alen, hops[0].bytes.data());
    }
    return nlh->nlmsg_len;
  }
  nlattr* nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
  for (const auto& nh : hops) {
    auto* rtnh = static_cast<rtnexthop*>(mnl_nlmsg_get_payload_tail(nlh));
    nlh->nlmsg_len += MNL_ALIGN(sizeof(rtnexthop));
    std::memset(rtnh, 0, sizeof *rtnh);
    if (const LinkGateway* gw = nh.IsV4Mapped() ? &link(nh) : nullptr) {
      rtnh->rtnh_ifindex = static_cast<int>(gw->ifindex);
      mnl_attr_put(nlh, RTA_GATEWAY, alen, gw->address.bytes.data());
    } else {
      mnl_attr_put(nlh, RTA_GATEWAY, alen, nh.bytes.data());
    }
    rtnh->rtnh_len = static_cast<unsigned short>(
        static_cast<char*>(mnl_nlmsg_get_payload_tail(nlh)) - reinterpret_cast<char*>(rtnh));
  }
  mnl_attr_nest_end(nlh, nest);
  return nlh->nlmsg_len;
}

// The kernel's reason for an error answer: strerror, and the extended ack's message when
// there is one (NLM_F_ACK_TLVS after the nlmsgerr, capped by NETLINK_CAP_ACK or not).
std::string ErrorText(const nlmsghdr* nlh, const nlmsgerr* err) {
  std::string text = std::strerror(-err->error);
  if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) == 0) return text;
  std::size_t off = MNL_ALIGN(sizeof(nlmsgerr));
  if ((nlh->nlmsg_flags & NLM_F_CAPPED) == 0)
    off += err->msg.nlmsg_len - MNL_ALIGN(sizeof(nlmsghdr));
  const auto* payload = static_cast<const char*>(mnl_nlmsg_get_payload(nlh));
  const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  if (payload + off >= tail) return text;
  const auto* attr = reinterpret_cast<const nlattr*>(payload + off);
  for (; mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr)));
       attr = mnl_attr_next(attr)) {
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_get_payload_len(attr) > 1) {
      const auto* msg = static_cast<const char*>(mnl_attr_get_payload(attr));
      text += fmt::format(" ({})", std::string(msg, strnlen(msg, mnl_attr_get_payload_len(attr))));
    }
  }
  return text;
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
    : nl_(nl), portid_(mnl_socket_get_portid(nl)), table_(table) {
  const int fd = mnl_socket_get_fd(nl_);
  const int on = 1;
  // Short answers with the kernel's reason; both are best effort (kernels before 4.12).
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
  // Room for an answer to every request of a chunk: 4 MiB with CAP_NET_ADMIN (which
  // installing needs anyway), else what rmem_max allows; chunks shrink to fit.
  const int want = 4 << 20;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want) != 0) {
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
  }
  int got = 0;
  socklen_t len = sizeof got;
  if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) != 0) got = 212992;
  // An answer costs its skb's truesize in the receive buffer: at most 2 KiB.
  max_messages_ = std::clamp<std::size_t>(static_cast<std::size_t>(got) / 2048, 16, 4096);
  // The kernel answers inside our sendmsg; a read that waits longer is a bug, not a load.
  timeval tv{30, 0};
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  send_.resize(kChunkBytes + 4096);
  recv_.resize(64 * 1024);
}

NetlinkFib::~NetlinkFib() {
  mnl_socket_close(nl_);
}

const Result<LinkGateway, std::string>& NetlinkFib::Link(const wire::IpAddress& mapped) {
  for (const auto& [address, link] : links_) {
    if (address == mapped) return link;
  }
  return links_.emplace_back(mapped, ResolveMapped(nl_, ask_seq_, recv_, mapped)).second;
}

// The first of op's next hops that cannot be installed, and why; empty when none.
std::string NetlinkFib::Unusable(const Batch::Op& op, std::span<const wire::IpAddress> hops) {
  for (const auto& nh : hops) {
    if (nh.afi != op.prefix.afi) {
      return fmt::format("next hop {} is of another family", nh.ToString());
    }
    if (!nh.IsV4Mapped()) continue;
    if (const auto& link = Link(nh); !link) {
      return fmt::format("next hop {}: {}", nh.ToString(), link.error());
    }
  }
  return {};
}

Result<void, std::string> NetlinkFib::Apply(const Batch& batch, std::vector<ItemError>& errors) {
  const auto& ops = batch.ops();
  links_.clear();  // resolved again for every batch: a node's MAC may change
  auto link = [this](const wire::IpAddress& mapped) -> const LinkGateway& { return *Link(mapped); };
  std::size_t i = 0;
  while (i < ops.size()) {
    const std::size_t errors_before = errors.size();
    const std::uint32_t base = seq_;
    std::size_t used = 0;
    std::size_t j = i;
    while (j < ops.size() && j - i < max_messages_) {
      const Batch::Op& op = ops[j];
      const std::size_t need = MaxMessageBytes(op);
      if (j > i && used + need > kChunkBytes) break;
      if (send_.size() < used + need + MNL_ALIGN(sizeof(nlmsghdr))) {
        send_.resize(used + need + MNL_ALIGN(sizeof(nlmsghdr)));
      }
      if (auto why = Unusable(op, batch.NextHops(op)); !why.empty()) {
        errors.push_back({j, std::move(why)});
      } else {
        used += EncodeOp(send_.data() + used, batch, op, base + static_cast<std::uint32_t>(j - i),
                         table_, link);
      }
      ++j;
    }
    const auto fence = base + static_cast<std::uint32_t>(j - i);
    seq_ = fence + 1;
    if (used == 0) {
      i = j;
      continue;
    }
    nlmsghdr* noop = mnl_nlmsg_put_header(send_.data() + used);
    noop->nlmsg_type = NLMSG_NOOP;
    noop->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    noop->nlmsg_seq = fence;
    used += noop->nlmsg_len;
    auto done = Exchange(batch, used, base, fence, i, errors);
    if (!done) return Fail(done.error());
    if (!*done) {
      // Answers were lost (the receive buffer overflowed): the chunk again, in halves.
      // Applying a chunk twice leaves what applying it once does.
      errors.resize(errors_before);
      max_messages_ = std::max<std::size_t>(1, max_messages_ / 2);
      continue;
    }
    i = j;
  }
  return {};
}

Result<bool, std::string> NetlinkFib::Exchange(const Batch& batch, std::size_t len,
                                               std::uint32_t base, std::uint32_t fence,
                                               std::size_t offset, std::vector<ItemError>& errors) {
  if (mnl_socket_sendto(nl_, send_.data(), len) < 0) {
    return Fail(fmt::format("route changes: sendto: {}", std::strerror(errno)));
  }
  while (true) {
    const ssize_t n = mnl_socket_recvfrom(nl_, recv_.data(), recv_.size());
    if (n < 0 && errno == ENOBUFS) return false;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return Fail(std::string("route changes: no answer from the kernel in 30 s"));
    }
    if (n < 0) return Fail(fmt::format("route changes: recv: {}", std::strerror(errno)));
    int left = static_cast<int>(n);
    bool fenced = false;
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(recv_.data()); mnl_nlmsg_ok(nlh, left);
         nlh = mnl_nlmsg_next(nlh, &left)) {
      // Answers to an earlier, overflowed exchange carry older sequence numbers.
      if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq < base || nlh->nlmsg_seq > fence) {
        continue;
      }
      if (nlh->nlmsg_seq == fence) {
        fenced = true;
        continue;
      }
      const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      if (err->error == 0) continue;
      const std::size_t index = offset + (nlh->nlmsg_seq - base);
      const auto& op = batch.ops()[index];
      if (op.remove() && (err->error == -ESRCH || err->error == -ENOENT)) continue;  // not there
      errors.push_back({index, ErrorText(nlh, err)});
    }
    if (fenced) return true;
  }
}

Result<std::vector<Route>, std::string> NetlinkFib::List() {
  std::vector<Route> out;
  if (auto r = Dump(&out, nullptr); !r) return Fail(r.error());
  return out;
}

Result<std::size_t, std::string> NetlinkFib::Flush() {
  std::vector<wire::Prefix> prefixes;
  if (auto r = Dump(nullptr, &prefixes); !r) return Fail(r.error());
  Batch b;
  std::vector<ItemError> errors;
  for (std::size_t i = 0; i < prefixes.size(); i += 65536) {
    b.Clear();
    for (std::size_t j = i; j < std::min(prefixes.size(), i + 65536); ++j) b.Remove(prefixes[j]);
    if (auto r = Apply(b, errors); !r) return Fail(r.error());
    if (!errors.empty()) {
      return Fail(fmt::format("remove route {}: {}", b.ops()[errors[0].index].prefix.ToString(),
                              errors[0].error));
    }
  }
  return prefixes.size();
}

Result<void, std::string> NetlinkFib::Dump(std::vector<Route>* routes,
                                           std::vector<wire::Prefix>* prefixes) {
  for (int family : {AF_INET, AF_INET6}) {
    char buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(rtmsg))] = {};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = seq_++;
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = static_cast<unsigned char>(family);
    if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) {
      return Fail(fmt::format("list routes: sendto: {}", std::strerror(errno)));
    }
    DumpState st{table_, routes, prefixes};
    const std::uint32_t seq = nlh->nlmsg_seq;
    while (true) {
      const ssize_t n = mnl_socket_recvfrom(nl_, recv_.data(), recv_.size());
      if (n < 0) return Fail(fmt::format("list routes: recv: {}", std::strerror(errno)));
      const int r =
          mnl_cb_run(recv_.data(), static_cast<std::size_t>(n), seq, portid_, OnRoute, &st);
      if (r == MNL_CB_ERROR) return Fail(fmt::format("list routes: {}", std::strerror(errno)));
      if (r <= MNL_CB_STOP) break;
    }
  }
  return {};
}

}  // namespace bgpdemo::bgp::fib
