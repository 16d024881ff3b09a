// The kernel FIB over rtnetlink (libmnl): RTM_NEWROUTE with NLM_F_REPLACE, RTM_DELROUTE,
// and an RTM_GETROUTE dump filtered to our protocol number, in the network namespace of
// the thread that creates it (a test or the lab enters a namespace before).
//
//   route: rtmsg {family, dst_len, table main, protocol 197, scope universe, unicast}
//          RTA_DST, then RTA_GATEWAY (one next hop) or RTA_MULTIPATH {rtnexthop+RTA_GATEWAY}*
//
// Batches: Apply encodes the operations into one reused buffer, many messages per
// sendmsg (up to kChunkBytes, and few enough that the kernel's answers to all of them fit
// in the receive buffer), each with sequence number base + its index. The messages ask for
// no acknowledgement: the kernel answers only the ones it refuses (netlink_rcv_skb acks an
// error always, success only with NLM_F_ACK), and an NLMSG_NOOP with NLM_F_ACK closes the
// chunk, so its acknowledgement says every answer of the chunk has been read. The kernel
// handles a chunk inside the sendmsg call, in order, and goes on past a refused message;
// answers are read in bulk into one reused buffer. NETLINK_CAP_ACK keeps them short (no
// echo of the request) and NETLINK_EXT_ACK adds the kernel's reason ("Nexthop has invalid
// gateway"). As FRR's zebra does in its dataplane thread (zebra/kernel_netlink.c, the
// nl_batch functions: one buffer of requests per sendmsg, acknowledgements read in bulk).
//
// Next hops of the prefix's own family only (an RFC 8950 IPv6 next hop for an IPv4 route
// would need RTA_VIA; not used by the demo). An IPv4-mapped next hop of an IPv6 route (what
// Cilium sends over an IPv4 session) is installed as the node's link-local address on the
// interface toward it (mapped_gateway.h), resolved once per batch. Calls block for the kernel's
// answer (the kernel's work for the whole chunk: about a microsecond a route); not thread-safe.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "bgp/fib/fib.h"
#include "bgp/fib/mapped_gateway.h"

struct mnl_socket;

namespace bgpdemo::bgp::fib {

class NetlinkFib : public Fib {
 public:
  // Requests per sendmsg at most: under the socket's default send buffer (212992 bytes).
  static constexpr std::size_t kChunkBytes = 64 * 1024;

  // Opens the rtnetlink socket; fails without CAP_NET_ADMIN only at the first change.
  static Result<std::unique_ptr<NetlinkFib>, std::string> Open(std::uint32_t table = 254);
  ~NetlinkFib() override;

  Result<void, std::string> Apply(const Batch& batch, std::vector<ItemError>& errors) override;
  Result<std::vector<Route>, std::string> List() override;
  // A dump of our prefixes only (24 bytes a route, where List's routes cost a heap block
  // each), then batches of removals.
  Result<std::size_t, std::string> Flush() override;

 private:
  NetlinkFib(mnl_socket* nl, std::uint32_t table);
  // The dump under List and Flush: routes, or only their prefixes when prefixes is set.
  Result<void, std::string> Dump(std::vector<Route>* routes, std::vector<wire::Prefix>* prefixes);
  // Sends send_[0, len): requests with sequence numbers from base and the NOOP numbered
  // fence; reads the answers up to the fence's. A refused request goes to errors with index
  // offset + (seq - base). False when answers were lost (the receive buffer overflowed).
  Result<bool, std::string> Exchange(const Batch& batch, std::size_t len, std::uint32_t base,
                                     std::uint32_t fence, std::size_t offset,
                                     std::vector<ItemError>& errors);

  // The gateway for an IPv4-mapped next hop, resolved at its first use in a batch.
  const Result<LinkGateway, std::string>& Link(const wire::IpAddress& mapped);
  // Why op cannot be installed (a next hop of another family, a mapped one unresolved).
  std::string Unusable(const Batch::Op& op, std::span<const wire::IpAddress> hops);

  mnl_socket* nl_;
  std::uint32_t portid_;
  std::uint32_t seq_ = 1;
  // Sequence numbers of the resolver's requests: far from the batches' (Exchange reads
  // answers by their range).
  std::uint32_t ask_seq_ = 0x80000000u;
  std::vector<std::pair<wire::IpAddress, Result<LinkGateway, std::string>>> links_;
  std::uint32_t table_;
  std::size_t max_messages_ = 16;  // per chunk, so that every answer fits the receive buffer
  std::vector<char> send_;         // reused across batches
  std::vector<char> recv_;
};

}  // namespace bgpdemo::bgp::fib
