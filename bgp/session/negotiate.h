// The OPEN we send and what a session negotiates from the two OPENs (RFC 4271 §4.2, §6.2;
// RFC 5492; RFC 4760 §8; RFC 6793 §4.1; RFC 2918; RFC 4724 §3; RFC 8654; RFC 8950).
//
// Pure: a session calls BuildOpen before it sends, and Negotiate when the peer's OPEN has
// decoded. A refusal is the NOTIFICATION to send (OPEN Message Error, RFC 4271 §6.2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "bgp/wire/context.h"
#include "bgp/wire/error.h"
#include "bgp/wire/open.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::session {

// What this speaker offers on one session.
struct LocalSpeaker {
  std::uint32_t local_as = 0;
  std::uint32_t router_id = 0;  // host order
  std::uint16_t hold_time = 90;
  bool ipv4 = true;
  bool ipv6 = true;
  bool graceful_restart = true;  // RFC 4724 receiving speaker (helper): no families...
  std::uint16_t restart_time = 120;
  // ...and, with restart_capable, a restarting speaker too: the capability lists the
  // families carried, so that helpers keep our routes while we restart (RFC 4724 §4.2).
  bool restart_capable = false;
  // The OPEN right after a graceful restart: Restart State (R) set, and Forwarding State
  // (F) for every family, the kernel routes having been kept (RFC 4724 §3, §4.1).
  bool restarting = false;
  std::string hostname;  // FQDN capability; empty: not sent
  // Offer RFC 8950 for IPv4 unicast with IPv6 next hops, as Cilium's GoBGP does on every
  // session. Only offered: this speaker never sends an IPv6 next hop for IPv4.
  bool extended_next_hop = false;
  // Offer RFC 8654 extended messages: with a peer that offers them too, UPDATEs and
  // NOTIFICATIONs up to 65,535 bytes both ways (OPEN and KEEPALIVE stay within 4,096).
  bool extended_message = false;
};

// What both sides agreed on.
struct Negotiated {
  std::uint32_t peer_as = 0;
  std::uint32_t peer_router_id = 0;
  std::uint16_t hold_time = 90;  // min of the two; 0: no keepalives
  bool four_octet_as = false;
  bool route_refresh = false;
  bool extended_message = false;  // RFC 8654: both offered it
  bool ipv4 = false;  // IPv4 unicast carried
  bool ipv6 = false;  // IPv6 unicast carried
  // The peer's graceful restart capability (RFC 4724): its restart time and which
  // families it keeps forwarding state for.
  std::optional<wire::GracefulRestartCap> peer_graceful_restart;
  std::string peer_hostname;  // FQDN capability (shown, never trusted)
  std::string peer_domain;
  bool peer_extended_next_hop = false;  // RFC 8950 offered (shown)
  wire::Context context;  // for decoding what the peer sends and encoding what we send

  std::vector<wire::Family> Families() const;
};

wire::Open BuildOpen(const LocalSpeaker& local);

// The expected peer AS of a neighbor that accepts any external peer (`peer_as: any`, as
// BIRD's `neighbor range ... external` and FRR's `remote-as external`): any AS but ours.
inline constexpr std::uint32_t kAnyExternalAs = 0;

// expected_peer_as: the configured AS of the neighbor, or kAnyExternalAs; another AS is
// refused with 2/2 Bad Peer AS (RFC 4271 §6.2). ibgp: same AS as ours, which also forbids
// the peer's BGP ID being ours (RFC 6286 §2.2).
Result<Negotiated, wire::Error> Negotiate(const LocalSpeaker& local, const wire::Open& peer,
                                          std::uint32_t expected_peer_as);

}  // namespace bgpdemo::bgp::session
