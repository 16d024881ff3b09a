// The route server's configuration, as plain values (no YAML: core/router_config parses
// the file and reports errors with file:line).
//
// A neighbor is either one peer address (dialled out unless passive) or a range of
// addresses accepted as dynamic neighbors with a given AS, or with any AS but ours
// (passive, like BIRD's `neighbor range` and GoBGP's dynamic-neighbors; `peer_as: any` as
// BIRD's `external` and FRR's `remote-as external`). RFC 8212: an eBGP neighbor with no
// import or export filter configured exchanges no routes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp/policy/policy.h"
#include "bgp/session/negotiate.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::server {

struct Timers {
  std::uint16_t hold_time = 90;
  std::uint16_t keepalive = 30;
  std::uint16_t connect_retry = 120;
  friend bool operator==(const Timers&, const Timers&) = default;
};

inline constexpr std::uint32_t kAnyPeerAs = session::kAnyExternalAs;

struct NeighborConfig {
  std::string name;                      // for logs and tables; defaults to the address
  std::optional<wire::IpAddress> address;  // one peer...
  std::optional<wire::Prefix> range;       // ...or a dynamic-neighbor range
  // The peer's AS, or kAnyPeerAs (`peer_as: any`, ranges only): any AS but ours, each
  // session showing the AS its peer announced.
  std::uint32_t peer_as = 0;
  bool passive = false;  // always true for ranges
  std::uint16_t port = 179;
  std::optional<wire::IpAddress> local_address;  // bind outgoing connections to it
  std::string password;  // TCP MD5 (RFC 2385); empty: none
  bool ttl_security = false;        // GTSM (RFC 5082): TTL 255 out, below 254 dropped
  policy::PeerPolicyConfig policy;  // import/export filters (unset: RFC 8212), max-prefix
  bool ipv4 = true;
  bool ipv6 = true;
  bool graceful_restart = true;  // act as RFC 4724 receiving speaker (helper)
  Timers timers;
  friend bool operator==(const NeighborConfig&, const NeighborConfig&) = default;
};

// Kernel route programming (bgp/fib); off unless asked for, so that running a router on a
// workstation never touches its routing table by surprise.
struct FibConfig {
  bool install = false;       // program best routes into the kernel (needs CAP_NET_ADMIN)
  bool keep_on_exit = false;  // leave them in place after a clean stop
  std::uint32_t table = 254;  // main
  friend bool operator==(const FibConfig&, const FibConfig&) = default;
};

// This machine's host name (gethostname), "bgpdemo" when it has none: the default hostname.
std::string MachineHostname();

struct RouterConfig {
  std::uint32_t router_id = 0;  // host order
  std::uint32_t local_as = 0;
  policy::Mode mode = policy::Mode::kRouter;
  std::vector<wire::IpAddress> listen_addresses;  // empty: every address (IPv4 and IPv6)
  std::uint16_t listen_port = 179;
  Timers timers;  // defaults for neighbors that set none
  std::vector<NeighborConfig> neighbors;
  // Routes this speaker originates itself (ORIGIN IGP, empty AS_PATH, next hop self on
  // export): what a node speaker announces for its pod CIDR and service IPs.
  std::vector<wire::Prefix> originate;
  FibConfig fib;
  std::string hostname;  // sent in the FQDN capability; empty: the machine's
  // Offer the extended next hop capability (RFC 8950) for IPv4 unicast, as Cilium's GoBGP
  // does: what the lab's node speakers do to look like Cilium on the wire.
  bool offer_extended_next_hop = false;
  // Offer extended messages (RFC 8654) on every session: with the peers that offer them too,
  // routes whose attributes need more than 4,096 bytes pass (up to 65,535); a peer without
  // them never gets such a route (bgp/rib/export_group.cpp, Fits).
  bool offer_extended_message = false;
  // This router restarts gracefully (RFC 4724 restarting speaker, `bgpdemo router
  // restart`): its capability lists the families it carries, so that helpers keep its
  // routes for restart_time seconds while it is away (each neighbor's graceful_restart
  // still decides whether the capability is sent at all).
  bool graceful_restart = false;
  std::uint16_t restart_time = 120;  // 1..4095 (12 bits)
  friend bool operator==(const RouterConfig&, const RouterConfig&) = default;
};

}  // namespace bgpdemo::bgp::server
