#include "bgp/fib/mapped_gateway.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace bgpdemo::bgp::fib {

namespace {

// Sends the request at nlh and hands each answer with its sequence number to visit
// (answers to earlier requests on the socket are passed over) until visit returns true or
// the kernel says NLMSG_DONE (the end of a dump): then Ok. The kernel's error fails.
template <typename F>
Result<void, std::string> Exchange(mnl_socket* nl, std::vector<char>& buf, nlmsghdr* nlh,
                                   F&& visit) {
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
    return Fail(fmt::format("sendto: {}", std::strerror(errno)));
  }
  const std::uint32_t seq = nlh->nlmsg_seq;
  while (true) {
    const ssize_t n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
    if (n < 0) return Fail(fmt::format("recv: {}", std::strerror(errno)));
    int left = static_cast<int>(n);
    for (auto* m = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(m, left);
         m = mnl_nlmsg_next(m, &left)) {
      if (m->nlmsg_seq != seq) continue;
      if (m->nlmsg_type == NLMSG_DONE) return {};
      if (m->nlmsg_type == NLMSG_ERROR) {
        const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(m));
        return Fail(std::string(std::strerror(-err->error)));
      }
      if (visit(m)) return {};
    }
  }
}

// One request, one answer: the message of type want (a pointer into buf).
Result<const nlmsghdr*, std::string> Ask(mnl_socket* nl, std::vector<char>& buf, nlmsghdr* nlh,
                                         std::uint16_t want) {
  const nlmsghdr* found = nullptr;
  auto r = Exchange(nl, buf, nlh, [&](const nlmsghdr* m) {
    if (m->nlmsg_type == want) found = m;
    return found != nullptr;
  });
  if (!r) return Fail(r.error());
  if (found == nullptr) return Fail(std::string("the kernel's answer ended without one"));
  return found;
}

// mnl_attr_for_each over a message's attributes after its fixed header, for const data.
template <typename F>
void ForEachAttr(const nlmsghdr* m, std::size_t header, F&& f) {
  const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(m));
  for (const auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(m, header));
       mnl_attr_ok(a, static_cast<int>(tail - reinterpret_cast<const char*>(a)));
       a = mnl_attr_next(a)) {
    f(a);
  }
}

}  // namespace

wire::IpAddress Eui64LinkLocal(const std::array<std::uint8_t, 6>& mac) {
  std::array<std::uint8_t, 16> b{0xfe, 0x80};
  b[8] = mac[0] ^ 0x02;
  b[9] = mac[1];
  b[10] = mac[2];
  b[11] = 0xff;
  b[12] = 0xfe;
  b[13] = mac[3];
  b[14] = mac[4];
  b[15] = mac[5];
  return wire::IpAddress::V6(b);
}

Result<std::vector<Neighbour>, std::string> ListNeighbours() {
  mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
  if (nl == nullptr) return Fail(fmt::format("netlink socket: {}", std::strerror(errno)));
  struct Closer {
    mnl_socket* nl;
    ~Closer() { mnl_socket_close(nl); }
  } closer{nl};
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    return Fail(fmt::format("netlink bind: {}", std::strerror(errno)));
  }
  char req[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = mnl_nlmsg_put_header(req);
  nlh->nlmsg_type = RTM_GETNEIGH;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = 1;
  auto* ndm = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  ndm->ndm_family = AF_INET;
  std::vector<Neighbour> out;
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  auto r = Exchange(nl, buf, nlh, [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWNEIGH) return false;
    const auto* got = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(m));
    // As `ip neigh show`: no NOARP entries (lo's), no unresolved ones.
    if (got->ndm_family != AF_INET ||
        (got->ndm_state & (NUD_FAILED | NUD_INCOMPLETE | NUD_NOARP)) != 0) {
      return false;
    }
    Neighbour nb;
    bool dst = false, mac = false;
    ForEachAttr(m, sizeof(ndmsg), [&](const nlattr* a) {
      if (mnl_attr_get_type(a) == NDA_DST && mnl_attr_get_payload_len(a) == 4) {
        std::uint32_t v = 0;
        std::memcpy(&v, mnl_attr_get_payload(a), 4);
        nb.address = wire::IpAddress::V4(ntohl(v));
        dst = true;
      }
      if (mnl_attr_get_type(a) == NDA_LLADDR && mnl_attr_get_payload_len(a) == nb.mac.size()) {
        std::memcpy(nb.mac.data(), mnl_attr_get_payload(a), nb.mac.size());
        mac = true;
      }
    });
    if (dst && mac) out.push_back(nb);
    return false;  // the whole dump, until NLMSG_DONE
  });
  if (!r) return Fail(r.error());
  return out;
}

Result<LinkGateway, std::string> ResolveMapped(mnl_socket* nl, std::uint32_t& seq,
                                               std::vector<char>& buf,
                                               const wire::IpAddress& mapped) {
  const std::uint8_t* v4 = mapped.bytes.data() + 12;
  const std::string name = fmt::format("{}.{}.{}.{}", v4[0], v4[1], v4[2], v4[3]);
  char req[MNL_SOCKET_BUFFER_SIZE];

  // The route the kernel would take to the IPv4 address: its interface, and no gateway.
  nlmsghdr* nlh = mnl_nlmsg_put_header(req);
  nlh->nlmsg_type = RTM_GETROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  nlh->nlmsg_seq = seq++;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = 32;
  mnl_attr_put(nlh, RTA_DST, 4, v4);
  auto route = Ask(nl, buf, nlh, RTM_NEWROUTE);
  if (!route) return Fail(fmt::format("no route to {}: {}", name, route.error()));
  LinkGateway out;
  bool via = false;
  ForEachAttr(*route, sizeof(rtmsg), [&](const nlattr* a) {
    if (mnl_attr_get_type(a) == RTA_OIF) out.ifindex = mnl_attr_get_u32(a);
    if (mnl_attr_get_type(a) == RTA_GATEWAY) via = true;
  });
  if (via || out.ifindex == 0) {
    return Fail(fmt::format("{} is not a direct neighbour (its route has a gateway)", name));
  }

  // Its neighbour entry on that interface: the MAC, unless resolution failed.
  nlh = mnl_nlmsg_put_header(req);
  nlh->nlmsg_type = RTM_GETNEIGH;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  nlh->nlmsg_seq = seq++;
  auto* ndm = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  ndm->ndm_family = AF_INET;
  ndm->ndm_ifindex = static_cast<int>(out.ifindex);
  mnl_attr_put(nlh, NDA_DST, 4, v4);
  auto neigh = Ask(nl, buf, nlh, RTM_NEWNEIGH);
  if (!neigh) return Fail(fmt::format("no ARP entry for {}: {}", name, neigh.error()));
  const auto* got = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(*neigh));
  std::array<std::uint8_t, 6> mac{};
  bool have_mac = false;
  ForEachAttr(*neigh, sizeof(ndmsg), [&](const nlattr* a) {
    if (mnl_attr_get_type(a) == NDA_LLADDR && mnl_attr_get_payload_len(a) == mac.size()) {
      std::memcpy(mac.data(), mnl_attr_get_payload(a), mac.size());
      have_mac = true;
    }
  });
  if (!have_mac || (got->ndm_state & (NUD_FAILED | NUD_INCOMPLETE)) != 0) {
    return Fail(fmt::format("no MAC address known for {} (its ARP entry is unresolved)", name));
  }
  out.address = Eui64LinkLocal(mac);
  return out;
}

}  // namespace bgpdemo::bgp::fib
