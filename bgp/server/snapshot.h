// What a Server knows, as plain values: each peer's session and counters, each prefix's
// paths. Server::Peers() and Server::Routes() make them; bgp/api turns them into the control
// socket's JSON, and tests read them directly.
//
// A snapshot is a copy taken on the server's thread. It holds no pointer into the server;
// the attribute handles (rib::AttrRef) are counted and keep their entries alive, but a
// handle may be copied or dropped only on the thread that runs the server's RIB.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp/fib/fib.h"
#include "bgp/fsm.h"
#include "bgp/rib/attr_store.h"
#include "bgp/rib/best_path.h"
#include "bgp/wire/constants.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::server {

// One negotiated address family of a peer and its route counts.
struct FamilySnapshot {
  wire::Family family;
  std::size_t received = 0;    // paths held from the peer, rejected ones included
  std::size_t accepted = 0;    // of which passed import policy
  std::size_t advertised = 0;  // prefixes sent to the peer (0 until it is exporting)
};

// What the OPEN exchange settled (session/negotiate.h), as far as people care.
struct NegotiatedSnapshot {
  std::uint32_t router_id = 0;  // the peer's BGP Identifier, host order
  std::string hostname;         // its FQDN capability; empty when it sent none
  std::uint16_t hold_time = 0;
  bool graceful_restart = false;   // the peer sent the capability (RFC 4724)
  bool extended_next_hop = false;  // the peer offered RFC 8950
  bool extended_message = false;   // RFC 8654 negotiated: messages up to 65,535 bytes
  std::vector<FamilySnapshot> families;
};

// One peer: configured, or dynamic (accepted from a neighbor's range).
struct PeerSnapshot {
  wire::IpAddress address;
  std::string name;  // the configuring neighbor's name
  bool dynamic = false;
  std::uint32_t local_as = 0;
  std::uint32_t peer_as = 0;  // the AS it announced once negotiated, else the configured one
  // Its neighbor accepts any external AS (`peer_as: any`): until an OPEN is accepted,
  // peer_as is 0.
  bool peer_as_any = false;
  // Whether the session is protected: a TCP MD5 key is set (never the key itself), GTSM.
  bool tcp_md5 = false;
  bool ttl_security = false;
  State state = State::kIdle;
  // Set once the session has been established: how long ago, and our end's address.
  std::optional<std::chrono::seconds> uptime;
  std::optional<wire::IpAddress> local_address;
  std::string last_error;  // why the session last went down; empty when it never did
  std::uint64_t messages_received = 0;  // of the current session (a new one starts at 0)
  std::uint64_t messages_sent = 0;
  std::uint64_t updates_received = 0;
  std::uint64_t updates_sent = 0;
  std::size_t queued_bytes = 0;  // waiting in the send queue
  bool congested = false;        // the send queue is over its high-water mark
  bool stale = false;            // graceful restart: its routes are kept, marked stale
  std::optional<NegotiatedSnapshot> negotiated;  // unset until an OPEN was accepted
};

// One path of a prefix.
struct PathSnapshot {
  bool local = false;  // originated by this speaker
  // The peer it came from; unset for a local path (and for a peer no longer known).
  std::optional<wire::IpAddress> peer;
  rib::AttrRef attrs;
  bool best = false;
  bool multipath = false;
  bool accepted = false;  // passed import policy
  bool stale = false;
};

// One prefix of the Loc-RIB with every path held for it, the best first.
struct RouteSnapshot {
  wire::Prefix prefix;
  wire::Family family;
  rib::Reason reason = rib::Reason::kNone;  // why the best won; kNone: no usable path
  std::vector<PathSnapshot> paths;
};

// The kernel FIB as FibSync (fib_sync.h) sees it. Routes reach the kernel after a lag, so
// the routes listed are read from the kernel, and pending says how much is still to come.
struct FibSnapshot {
  std::vector<fib::Route> routes;      // of ours in the kernel's table now (a dump), by prefix
  std::string error;                   // why the dump failed (routes then empty)
  std::size_t written = 0;             // prefixes a route was sent for and not removed since
  std::size_t pending = 0;             // changes not yet applied in the kernel
  std::size_t errors = 0;              // changes the kernel refused (each logged with its prefix)
  std::size_t unusable_next_hops = 0;  // next hops left out: of another family than the prefix
};

}  // namespace bgpdemo::bgp::server
