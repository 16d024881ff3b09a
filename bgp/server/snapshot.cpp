// Server::Peers and Server::Routes (bgp/server/snapshot.h), and the originate actions the
// control socket offers.
#include <algorithm>

#include "bgp/server/server.h"

namespace bgpdemo::bgp::server {

std::vector<PeerSnapshot> Server::Peers() const {
  std::vector<PeerSnapshot> out;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& p : peers_) {
    if (!p) continue;
    const auto& s = *p->session;
    PeerSnapshot v;
    v.address = p->address;
    v.name = p->neighbor;
    v.dynamic = p->dynamic;
    v.local_as = config_.local_as;
    v.peer_as = s.config().peer_as;
    v.peer_as_any = s.config().peer_as == kAnyPeerAs;
    v.tcp_md5 = !s.config().password.empty();
    v.ttl_security = s.config().ttl_security;
    v.state = s.state();
    if (auto at = s.established_at()) {
      v.uptime = std::chrono::duration_cast<std::chrono::seconds>(now - *at);
      v.local_address = s.local_address();
    }
    v.last_error = s.last_error();
    v.messages_received = s.messages_received();
    v.messages_sent = s.messages_sent();
    v.updates_received = s.updates_received();
    v.updates_sent = s.updates_sent();
    v.queued_bytes = s.bytes_queued();
    v.congested = p->congested;
    v.stale = p->stale;
    if (const auto& n = s.negotiated()) {
      v.peer_as = n->peer_as;
      NegotiatedSnapshot ns;
      ns.router_id = n->peer_router_id;
      ns.hostname = n->peer_hostname;
      ns.hold_time = n->hold_time;
      ns.graceful_restart = n->peer_graceful_restart.has_value();
      ns.extended_next_hop = n->peer_extended_next_hop;
      ns.extended_message = n->extended_message;
      for (auto f : n->Families()) {
        const auto counts = rib_->Counts(p->id, f);
        ns.families.push_back(
            {f, counts.received, counts.accepted, p->exporting ? out_->Advertised(p->id, f) : 0});
      }
      v.negotiated = std::move(ns);
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<RouteSnapshot> Server::Routes() const {
  std::vector<RouteSnapshot> out;
  for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
    for (auto& r : rib_->Routes(family)) {
      RouteSnapshot v{r.prefix, family, r.reason, {}};
      v.paths.reserve(r.paths.size());
      for (auto& p : r.paths) {
        PathSnapshot ps;
        ps.local = p.peer == kLocalPeer;
        if (!ps.local) {
          if (const auto* info = rib_->Peer(p.peer)) ps.peer = info->address;
        }
        ps.attrs = std::move(p.attrs);
        ps.best = p.best;
        ps.multipath = p.multipath;
        ps.accepted = p.accepted;
        ps.stale = p.stale;
        v.paths.push_back(std::move(ps));
      }
      out.push_back(std::move(v));
    }
  }
  return out;
}

void Server::Announce(std::span<const wire::Prefix> prefixes) {
  Originate(prefixes, true);
  auto& list = config_.originate;
  for (const auto& p : prefixes) {
    if (std::find(list.begin(), list.end(), p) == list.end()) list.push_back(p);
  }
}

void Server::Withdraw(std::span<const wire::Prefix> prefixes) {
  Originate(prefixes, false);
  auto& list = config_.originate;
  for (const auto& p : prefixes) {
    if (const auto pos = std::find(list.begin(), list.end(), p); pos != list.end()) list.erase(pos);
  }
}

}  // namespace bgpdemo::bgp::server
