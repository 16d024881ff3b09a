#include "bgp/session/negotiate.h"

#include <algorithm>

#include <fmt/format.h>

namespace bgpdemo::bgp::session {

using namespace wire;

std::vector<Family> Negotiated::Families() const {
  std::vector<Family> out;
  if (ipv4) out.push_back(kIpv4Unicast);
  if (ipv6) out.push_back(kIpv6Unicast);
  return out;
}

Open BuildOpen(const LocalSpeaker& local) {
  Open o;
  o.my_as = local.local_as > 0xffff ? kAsTrans : static_cast<std::uint16_t>(local.local_as);
  o.hold_time = local.hold_time;
  o.bgp_id = local.router_id;
  if (local.ipv4) o.capabilities.push_back(MultiprotocolCap{kIpv4Unicast});
  if (local.ipv6) o.capabilities.push_back(MultiprotocolCap{kIpv6Unicast});
  o.capabilities.push_back(RouteRefreshCap{});
  o.capabilities.push_back(FourOctetAsCap{local.local_as});
  if (local.graceful_restart) {
    // No families: we keep no forwarding state of our own; we only help restarting peers.
    GracefulRestartCap gr{0, local.restart_time, {}};
    if (local.restart_capable) {
      const std::uint8_t f = local.restarting ? GracefulRestartCap::kForwardingState : 0;
      if (local.ipv4) gr.families.push_back({kIpv4Unicast, f});
      if (local.ipv6) gr.families.push_back({kIpv6Unicast, f});
      if (local.restarting) gr.flags = GracefulRestartCap::kRestartState;
    }
    o.capabilities.push_back(gr);
  }
  if (!local.hostname.empty()) o.capabilities.push_back(FqdnCap{local.hostname, ""});
  if (local.extended_next_hop) {
    o.capabilities.push_back(ExtendedNextHopCap{{{Afi::kIpv4, 1, Afi::kIpv6}}});
  }
  if (local.extended_message) o.capabilities.push_back(ExtendedMessageCap{});
  return o;
}

Result<Negotiated, Error> Negotiate(const LocalSpeaker& local, const Open& peer,
                                    std::uint32_t expected_peer_as) {
  auto open_error = [](OpenSubcode sub, std::vector<std::uint8_t> data, std::string msg) {
    return Fail(Error{NotifyCode::kOpenMessageError, static_cast<std::uint8_t>(sub),
                      std::move(data), wire::Action::kSessionReset, 0, std::move(msg)});
  };
  Negotiated n;
  n.peer_as = peer.Asn();
  n.peer_router_id = peer.bgp_id;
  if (expected_peer_as == kAnyExternalAs) {
    // External only, as BIRD refuses an `external` neighbor's OPEN carrying its own AS
    // (proto/bgp/packets.c, bgp_rx_open): one AS of ours on a range is a mistake, not iBGP.
    if (n.peer_as == local.local_as) {
      return open_error(OpenSubcode::kBadPeerAs, {},
                        fmt::format("peer says AS {}, our own; this neighbor accepts external "
                                    "peers only (peer_as: any)",
                                    n.peer_as));
    }
  } else if (n.peer_as != expected_peer_as) {
    return open_error(OpenSubcode::kBadPeerAs, {},
                      fmt::format("peer says AS {}, configured as AS {}", n.peer_as,
                                  expected_peer_as));
  }
  const bool ibgp = n.peer_as == local.local_as;
  if (ibgp && peer.bgp_id == local.router_id) {
    return open_error(OpenSubcode::kBadBgpIdentifier, {},
                      fmt::format("internal peer uses our own BGP identifier {}",
                                  IpAddress::V4(peer.bgp_id).ToString()));
  }
  n.hold_time = std::min(local.hold_time, peer.hold_time);

  // RFC 4760 §8: a speaker that sends no Multiprotocol capability carries IPv4 unicast only.
  bool any_mp = false;
  bool peer_v4 = false, peer_v6 = false;
  for (const auto& c : peer.capabilities) {
    if (const auto* mp = std::get_if<MultiprotocolCap>(&c)) {
      any_mp = true;
      peer_v4 = peer_v4 || mp->family == kIpv4Unicast;
      peer_v6 = peer_v6 || mp->family == kIpv6Unicast;
    } else if (std::holds_alternative<RouteRefreshCap>(c) ||
               std::holds_alternative<EnhancedRouteRefreshCap>(c)) {
      n.route_refresh = true;
    } else if (std::holds_alternative<FourOctetAsCap>(c)) {
      n.four_octet_as = true;
    } else if (std::holds_alternative<ExtendedMessageCap>(c)) {
      n.extended_message = local.extended_message;  // RFC 8654 §3: when both offer it
    } else if (const auto* f = std::get_if<FqdnCap>(&c)) {
      n.peer_hostname = f->hostname;
      n.peer_domain = f->domain;
    } else if (std::holds_alternative<ExtendedNextHopCap>(c)) {
      n.peer_extended_next_hop = true;
    }
  }
  if (!any_mp) peer_v4 = true;
  n.ipv4 = local.ipv4 && peer_v4;
  n.ipv6 = local.ipv6 && peer_v6;
  if (!n.ipv4 && !n.ipv6) {
    return open_error(OpenSubcode::kUnsupportedCapability, {},
                      "no address family in common (we carry " +
                          std::string(local.ipv4 ? "ipv4-unicast " : "") +
                          (local.ipv6 ? "ipv6-unicast" : "") + ")");
  }
  if (local.graceful_restart) {
    if (const auto* gr = peer.Find<GracefulRestartCap>()) n.peer_graceful_restart = *gr;
  }

  n.context.four_octet_as = n.four_octet_as;
  n.context.extended_message = n.extended_message;
  n.context.ipv4_unicast = n.ipv4;
  n.context.ipv6_unicast = n.ipv6;
  n.context.route_refresh = true;  // we always offer it, so the peer may send it (RFC 2918 §3)
  n.context.peer_type = ibgp ? PeerType::kInternal : PeerType::kExternal;
  // RFC 4271 §6.3: an external peer's routes must start with its own AS.
  if (!ibgp) n.context.enforce_first_as = n.peer_as;
  return n;
}

}  // namespace bgpdemo::bgp::session
