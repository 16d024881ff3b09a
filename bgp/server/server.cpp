#include "bgp/server/server.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "bgp/policy/export.h"
#include "bgp/session/tcp_md5.h"
#include "bgp/session/ttl_security.h"

namespace bgpdemo::bgp::server {

namespace {

// ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
wire::IpAddress V4Mapped(const wire::IpAddress& v4) {
  std::array<std::uint8_t, 16> b{};
  b[10] = b[11] = 0xff;
  std::copy_n(v4.bytes.begin(), 4, b.begin() + 12);
  return wire::IpAddress::V6(b);
}

bool Contains(const wire::Prefix& range, const wire::IpAddress& a) {
  if (range.afi != a.afi) return false;
  for (std::size_t bit = 0; bit < range.length; ++bit) {
    const std::uint8_t mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    if ((range.addr[bit / 8] & mask) != (a.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

// RFC 4724 §4.2: whether the peer's OPEN lists family in its graceful restart capability
// (with the Forwarding State bit set, when forwarding is asked for).
bool GrPreserves(const session::Negotiated& n, wire::Family family, bool forwarding) {
  if (!n.peer_graceful_restart) return false;
  for (const auto& e : n.peer_graceful_restart->families) {
    if (e.family == family &&
        (!forwarding || (e.flags & wire::GracefulRestartCap::kForwardingState) != 0)) {
      return true;
    }
  }
  return false;
}

bool HasStalePaths(const rib::Rib& rib, rib::PeerId peer) {
  bool found = false;
  for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
    rib.ForEach(family, [&](const wire::Prefix&, std::span<const rib::Path> paths, rib::Reason) {
      for (const auto& path : paths) found = found || (path.peer == peer && path.stale());
    });
  }
  return found;
}

}  // namespace

std::string MachineHostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "bgpdemo";
  return buf;
}

Server::Server(asio::io_context& io, RouterConfig config, Logger& log)
    : io_(io), config_(std::move(config)), log_(log) {
  if (config_.hostname.empty()) config_.hostname = MachineHostname();
  route_observers_.push_back(&journal_);
  ResetRib();
}

void Server::ResetRib() {
  pending_ = {};  // its item indexes are the old RIB's
  out_.reset();
  rib_ = std::make_unique<rib::Rib>(rib::RibOptions{config_.local_as, config_.router_id});
  out_ = std::make_unique<rib::AdjRibOut>(*rib_);
  // Observers holding on to the old RIB (the FIB's dirty flags) move to the new one.
  for (auto* obs : route_observers_) obs->OnChanges(*rib_, rib::ChangeSet{});
  const auto id = wire::IpAddress::V4(config_.router_id);
  (void)rib_->SetPeer(rib::PeerInfo{kLocalPeer, id, config_.local_as, config_.router_id, false},
                      policy::ImportPolicy{policy::Filter::AcceptAll(), std::nullopt});
  if (peers_.empty()) peers_.emplace_back();  // index 0: the local routes, no session
  Originate(config_.originate, true);
}

void Server::Originate(std::span<const wire::Prefix> prefixes, bool announce) {
  wire::Update v4, v6;
  for (const auto& p : prefixes) {
    auto& target = p.afi == wire::Afi::kIpv4 ? v4 : v6;
    if (p.afi == wire::Afi::kIpv4) {
      (announce ? target.nlri : target.withdrawn).push_back(p);
    } else if (announce) {
      if (!target.attrs.mp_reach) {
        target.attrs.mp_reach = wire::MpReach{wire::kIpv6Unicast, {}, {}, 0, {}};
        target.attrs.mp_reach->next_hop.afi = wire::Afi::kIpv6;  // ::, replaced on export
      }
      target.attrs.mp_reach->nlri.push_back(p);
    } else {
      if (!target.attrs.mp_unreach) target.attrs.mp_unreach = wire::MpUnreach{wire::kIpv6Unicast, {}};
      target.attrs.mp_unreach->withdrawn.push_back(p);
    }
  }
  for (auto* u : {&v4, &v6}) {
    if (u->nlri.empty() && u->withdrawn.empty() && !u->attrs.mp_reach && !u->attrs.mp_unreach) {
      continue;
    }
    if (announce) {
      u->attrs.origin = wire::Origin::kIgp;
      u->attrs.as_path = wire::AsPath{};
      if (u == &v4) u->attrs.next_hop = wire::IpAddress::V4(config_.router_id);
    }
    Distribute(rib_->Update(kLocalPeer, *u));
  }
}

Server::~Server() {
  *alive_ = false;
  CloseListeners();
  // Sessions go first: their destructors close connections without calling back.
  for (auto& p : peers_) {
    if (p) p->session.reset();
  }
}

Result<void, std::string> Server::Start() {
  if (auto r = OpenListeners(); !r) return r;
  log_.Info("router_start", {{"router_id", wire::IpAddress::V4(config_.router_id).ToString()},
                             {"local_as", std::to_string(config_.local_as)},
                             {"mode", std::string(policy::ToString(config_.mode))},
                             {"neighbors", std::to_string(config_.neighbors.size())}});
  StartAll();
  return {};
}

void Server::StartAll() {
  for (const auto& n : config_.neighbors) {
    if (!n.address) continue;
    CreatePeer(n, *n.address, false).session->Start();
  }
}

std::vector<std::uint16_t> Server::listening_ports() const {
  std::vector<std::uint16_t> out;
  for (const auto& l : listeners_) {
    boost::system::error_code ec;
    out.push_back(l->local_endpoint(ec).port());
  }
  return out;
}

void Server::Accept(asio::ip::tcp::acceptor& acceptor) {
  acceptor.async_accept([this, alive = alive_, &acceptor](const boost::system::error_code& ec,
                                                           asio::ip::tcp::socket socket) {
    if (!*alive || ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) OnConnection(std::move(socket));
    Accept(acceptor);
  });
}

void Server::OnConnection(asio::ip::tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec || shutting_down_) return;
  const wire::IpAddress addr = session::ToWire(remote.address());
  if (auto it = by_address_.find(addr); it != by_address_.end()) {
    peers_[it->second]->session->Accept(std::move(socket));
    return;
  }
  const NeighborConfig* n = NeighborFor(addr);
  if (n == nullptr) {
    log_.Warn("connection_refused", {{"peer", addr.ToString()},
                                     {"reason", "not a configured neighbor or in any range"}});
    return;  // the socket closes here
  }
  Peer& p = CreatePeer(*n, addr, true);
  p.session->Start();
  p.session->Accept(std::move(socket));
}

const NeighborConfig* Server::NeighborFor(const wire::IpAddress& addr) const {
  const NeighborConfig* best = nullptr;
  for (const auto& n : config_.neighbors) {
    if (n.address && *n.address == addr) return &n;
    // The most specific range wins.
    if (n.range && Contains(*n.range, addr) && (!best || n.range->length > best->range->length)) {
      best = &n;
    }
  }
  return best;
}

const NeighborConfig* Server::NeighborNamed(const std::string& name) const {
  for (const auto& n : config_.neighbors) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

session::SessionConfig Server::SessionConfigFor(const NeighborConfig& n,
                                                const wire::IpAddress& a) const {
  session::SessionConfig c;
  c.name = n.name;
  c.peer_address = a;
  c.peer_port = n.port;
  c.local_address = n.local_address;
  c.peer_as = n.peer_as;
  c.passive = n.passive;
  c.password = n.password;
  c.ttl_security = n.ttl_security;
  c.local.local_as = config_.local_as;
  c.local.router_id = config_.router_id;
  c.local.hold_time = n.timers.hold_time;
  c.local.ipv4 = n.ipv4;
  c.local.ipv6 = n.ipv6;
  c.local.graceful_restart = n.graceful_restart;
  c.local.restart_capable = config_.graceful_restart;
  c.local.restart_time = config_.restart_time;
  c.local.restarting = restart_.restarting;
  c.local.hostname = config_.hostname;
  c.local.extended_next_hop = config_.offer_extended_next_hop;
  c.local.extended_message = config_.offer_extended_message;
  c.fsm.passive = n.passive;
  c.fsm.hold_time = n.timers.hold_time;
  c.fsm.keepalive_time = n.timers.keepalive;
  c.fsm.connect_retry_time = n.timers.connect_retry;
  return c;
}

Server::Peer& Server::CreatePeer(const NeighborConfig& n, const wire::IpAddress& address,
                                 bool dynamic) {
  rib::PeerId id = kLocalPeer + 1;
  while (id < peers_.size() && peers_[id]) ++id;
  BGPDEMO_CHECK(id < rib::kNoPeer);
  if (id == peers_.size()) peers_.emplace_back();
  auto p = std::make_unique<Peer>();
  p->id = id;
  p->neighbor = n.name;
  p->dynamic = dynamic;
  p->address = address;
  p->session = std::make_shared<session::Session>(io_, SessionConfigFor(n, address), *this, log_);
  p->restart_timer = std::make_unique<asio::steady_timer>(io_);
  peers_[id] = std::move(p);
  by_address_[address] = id;
  if (dynamic) {
    log_.Info(
        "dynamic_neighbor",
        {{"peer", address.ToString()},
         {"neighbor", n.name},
         {"peer_as", n.peer_as == kAnyPeerAs ? std::string("any") : std::to_string(n.peer_as)}});
  }
  return *peers_[id];
}

void Server::RemovePeer(rib::PeerId id) {
  if (id >= peers_.size() || !peers_[id]) return;
  Flush();
  Peer& p = *peers_[id];
  if (p.exporting) out_->RemovePeer(id);
  SetCongested(p, false);
  if (rib_->Peer(id)) Distribute(rib_->RemovePeer(id));
  by_address_.erase(p.address);
  p.restart_timer->cancel();
  peers_[id].reset();
}

void Server::RemovePeerLater(rib::PeerId id) {
  // Never inside the session's own callback: it is still on the stack.
  asio::post(io_, [this, alive = alive_, id, session = peers_[id]->session] {
    if (!*alive || id >= peers_.size() || !peers_[id] || peers_[id]->session != session) return;
    if (session->state() != State::kIdle && session->state() != State::kActive) return;
    RemovePeer(id);
  });
}

Server::Peer* Server::PeerOf(const session::Session& s) {
  auto it = by_address_.find(s.config().peer_address);
  if (it == by_address_.end()) return nullptr;
  Peer* p = peers_[it->second].get();
  return p && p->session.get() == &s ? p : nullptr;
}

void Server::OnEstablished(session::Session& s) {
  Peer* p = PeerOf(s);
  if (!p) return;
  Flush();  // the Adj-RIB-Out changes below
  const auto& neg = *s.negotiated();
  const NeighborConfig* n = NeighborNamed(p->neighbor);
  const policy::PeerPolicyConfig pol = n ? n->policy : policy::PeerPolicyConfig{};
  const bool ibgp = neg.peer_as == config_.local_as;
  rib::PeerInfo info{p->id, p->address, neg.peer_as, neg.peer_router_id, ibgp};
  rib::ChangeSet cs = rib_->SetPeer(info, policy::EffectiveImport(pol, ibgp));
  p->end_of_rib.clear();
  journal_.SessionUp(p->address, neg.peer_hostname);
  log_.Info("peer_up", {{"peer", p->address.ToString()},
                        {"peer_as", std::to_string(neg.peer_as)},
                        {"hostname", neg.peer_hostname},
                        {"families", std::to_string(neg.Families().size())},
                        {"restarting", restart_.restarting ? "yes" : "no"}});
  if (p->exporting) {
    out_->RemovePeer(p->id);
    p->exporting = false;
  }
  // While we restart, the peer's table waits for the others' End-of-RIB (FinishRestart).
  p->deferred = restart_.restarting;
  if (!p->deferred) StartExport(*p);
  if (p->stale) {
    p->restart_timer->cancel();  // stale paths now wait for End-of-RIB...
    // ...in the families the new session preserves. RFC 4724 §4.2: with no graceful
    // restart capability, a family missing from it or its Forwarding State bit clear, the
    // stale paths go now (GoBGP sends no End-of-RIB without graceful restart).
    const auto carried = neg.Families();
    for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
      const bool waits = std::find(carried.begin(), carried.end(), family) != carried.end() &&
                         GrPreserves(neg, family, true);
      if (!waits) cs.Append(rib_->SweepStale(p->id, family));
    }
    p->stale = HasStalePaths(*rib_, p->id);
  }
  Distribute(cs);
}

void Server::StartExport(Peer& peer) {
  Peer* p = &peer;
  session::Session& s = *p->session;
  const auto& neg = *s.negotiated();
  const NeighborConfig* n = NeighborNamed(p->neighbor);
  const policy::PeerPolicyConfig pol = n ? n->policy : policy::PeerPolicyConfig{};
  const bool ibgp = neg.peer_as == config_.local_as;
  rib::ExportPeer ep;
  ep.id = p->id;
  ep.target.mode = config_.mode;
  ep.target.local_asn = config_.local_as;
  ep.target.peer_asn = neg.peer_as;
  ep.target.ibgp = ibgp;
  const wire::IpAddress local = s.local_address();
  if (local.afi == wire::Afi::kIpv4) {
    ep.target.next_hop_self_v4 = local;
    // IPv6 over an IPv4 session, where negotiated: the IPv4-mapped address, as Cilium's
    // GoBGP sends it (bgp-interop.md) and as this router's FIB installs it.
    ep.target.next_hop_self_v6 = V4Mapped(local);
  } else {
    ep.target.next_hop_self_v6 = local;
  }
  ep.filter = policy::EffectiveExport(pol, ibgp);
  ep.ctx = neg.context;
  if (p->exporting) out_->RemovePeer(p->id);
  out_->AddPeer(ep);
  p->exporting = true;
  p->deferred = false;
  if (congested_ > 0) s.SetReading(false);
  auto table = std::make_shared<const std::vector<std::uint8_t>>(out_->FullTable(p->id));
  log_.Info("initial_table",
            {{"peer", p->address.ToString()}, {"bytes", std::to_string(table->size())}});
  s.Send(std::move(table));
}

void Server::OnUpdate(session::Session& s, const wire::Update& update) {
  Peer* p = PeerOf(s);
  if (!p || !rib_->Peer(p->id)) return;
  if (pending_from_ != p->id) Flush();  // one peer per batch: see Batching (server.h)
  rib::ChangeSet cs = rib_->Update(p->id, update);
  const auto eor = update.EndOfRib();
  if (eor && p->stale) {
    // RFC 4724 §4.2: End-of-RIB ends the wait for this family; what is still stale goes.
    cs.Append(rib_->SweepStale(p->id, *eor));
    p->stale = HasStalePaths(*rib_, p->id);  // the other family may still be waiting
    log_.Info("end_of_rib", {{"peer", p->address.ToString()}, {"family", wire::ToString(*eor)}});
  }
  if (cs.cease) {
    log_.Warn("max_prefix", {{"peer", p->address.ToString()}});
    s.Reset(*cs.cease);
    Distribute(cs);
    return;
  }
  Hold(p->id, std::move(cs));
  if (eor && restart_.restarting) NoteEndOfRib(*p, *eor);
}

void Server::OnRouteRefresh(session::Session& s, wire::Family family) {
  Peer* p = PeerOf(s);
  if (!p || !p->exporting) return;
  Flush();  // the table sent below must include what was read before
  log_.Info("route_refresh", {{"peer", p->address.ToString()}, {"family", wire::ToString(family)}});
  s.Send(std::make_shared<const std::vector<std::uint8_t>>(out_->FullTable(p->id)));
}

void Server::OnCongestion(session::Session& s, bool congested) {
  if (Peer* p = PeerOf(s)) SetCongested(*p, congested);
}

void Server::SetCongested(Peer& p, bool congested) {
  if (p.congested == congested) return;
  p.congested = congested;
  const bool was_paused = congested_ > 0;
  congested_ = congested ? congested_ + 1 : congested_ - 1;
  if (was_paused == (congested_ > 0)) return;
  log_.Debug("backpressure", {{"peer", p.address.ToString()},
                              {"reading", congested_ > 0 ? "paused" : "resumed"}});
  for (auto& q : peers_) {
    if (!q || !q->session) continue;
    // Pausing touches Established sessions only (they are the ones sending UPDATEs);
    // resuming is harmless for the others.
    if (congested_ == 0 || q->session->state() == State::kEstablished) {
      q->session->SetReading(congested_ == 0);
    }
  }
}

void Server::OnDown(session::Session& s, bool keep_stale, std::uint16_t restart_time) {
  Peer* p = PeerOf(s);
  if (!p) return;
  Flush();
  if (p->exporting) {
    out_->RemovePeer(p->id);
    p->exporting = false;
  }
  p->deferred = false;
  SetCongested(*p, false);
  journal_.SessionDown(p->address, s.last_error());
  log_.Info("peer_down", {{"peer", p->address.ToString()},
                          {"reason", s.last_error()},
                          {"graceful_restart", keep_stale ? "yes" : "no"}});
  if (keep_stale && !shutting_down_) {
    const std::size_t n = rib_->MarkStale(p->id);
    // RFC 4724 §4.2: only the families the peer's capability listed are kept.
    for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
      if (!s.negotiated() || !GrPreserves(*s.negotiated(), family, false)) {
        Distribute(rib_->SweepStale(p->id, family));
      }
    }
    p->stale = true;
    log_.Info("routes_stale", {{"peer", p->address.ToString()}, {"paths", std::to_string(n)},
                               {"restart_time", std::to_string(restart_time)}});
    p->restart_timer->expires_after(std::chrono::seconds(restart_time));
    p->restart_timer->async_wait([this, alive = alive_, id = p->id,
                                  session = p->session](const boost::system::error_code& ec) {
      if (ec || !*alive || id >= peers_.size() || !peers_[id] || peers_[id]->session != session) {
        return;
      }
      Peer& peer = *peers_[id];
      peer.stale = false;
      rib::ChangeSet cs = rib_->SweepStale(id, wire::kIpv4Unicast);
      cs.Append(rib_->SweepStale(id, wire::kIpv6Unicast));
      log_.Info("restart_timer_expired", {{"peer", peer.address.ToString()}});
      Distribute(cs);
      if (peer.dynamic && session->state() != State::kEstablished) RemovePeerLater(id);
    });
    return;
  }
  p->stale = false;
  Distribute(rib_->PeerDown(p->id));
  if (p->dynamic) RemovePeerLater(p->id);
}

void Server::Shutdown(std::string_view text) {
  shutting_down_ = true;
  CloseListeners();
  for (auto& p : peers_) {
    if (!p) continue;
    p->restart_timer->cancel();
    p->session->Stop(text);
  }
  log_.Info("router_stop", {{"reason", std::string(text)}});
}

std::size_t Server::established_count() const {
  std::size_t n = 0;
  for (const auto& p : peers_) {
    if (p && p->session->state() == State::kEstablished) ++n;
  }
  return n;
}

}  // namespace bgpdemo::bgp::server
