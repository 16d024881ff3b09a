// Server: what applies a configuration to sockets and sessions. The listeners and the
// protection each neighbor's config puts on them (TCP MD5 keys, GTSM), and Reload, which
// applies a new configuration to a running server.
#include <fmt/format.h>

#include <algorithm>

#include "bgp/server/server.h"
#include "bgp/session/tcp_md5.h"
#include "bgp/session/ttl_security.h"

namespace bgpdemo::bgp::server {

namespace {

bool InNames(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

Result<void, std::string> Server::OpenListeners() {
  if (config_.listen_port == 0 && !config_.listen_addresses.empty()) return {};
  std::vector<asio::ip::tcp::endpoint> endpoints;
  if (config_.listen_addresses.empty()) {
    endpoints.emplace_back(asio::ip::tcp::v6(), config_.listen_port);  // dual stack
  } else {
    for (const auto& a : config_.listen_addresses) {
      endpoints.emplace_back(session::ToAsio(a), config_.listen_port);
    }
  }
  for (auto ep : endpoints) {
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
    boost::system::error_code ec;
    acceptor->open(ep.protocol(), ec);
    if (ec && ep.address().is_v6() && config_.listen_addresses.empty()) {
      // No IPv6 on this machine (or in this namespace): listen on IPv4 only.
      ep = asio::ip::tcp::endpoint(asio::ip::tcp::v4(), config_.listen_port);
      acceptor->open(ep.protocol(), ec);
    }
    if (!ec && ep.address().is_v6()) acceptor->set_option(asio::ip::v6_only(false), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      CloseListeners();
      return Fail(fmt::format("cannot listen on {} port {}: {}{}", ep.address().to_string(),
                              ep.port(), ec.message(),
                              ec == asio::error::access_denied ? " (port 179 needs root or "
                                                                 "CAP_NET_BIND_SERVICE)"
                                                               : ""));
    }
    if (auto r = ProtectListener(*acceptor, {}); !r) {
      CloseListeners();
      return Fail(r.error());
    }
    log_.Info("listen", {{"address", ep.address().to_string()},
                         {"port", std::to_string(acceptor->local_endpoint(ec).port())}});
    listeners_.push_back(std::move(acceptor));
    Accept(*listeners_.back());
  }
  return {};
}

Result<void, std::string> Server::ProtectListener(
    asio::ip::tcp::acceptor& l, const std::vector<NeighborConfig>& previous) const {
  const int fd = l.native_handle();
  auto key = [fd](const NeighborConfig& n, const std::string& password) {
    return n.address ? session::SetTcpMd5(fd, *n.address, password)
                     : session::SetTcpMd5(fd, *n.range, password);
  };
  // Keys of neighbors that went or lost their password come off (an empty key removes).
  for (const auto& old : previous) {
    if (old.password.empty()) continue;
    const NeighborConfig* now = NeighborNamed(old.name);
    if (now && now->password == old.password && now->address == old.address &&
        now->range == old.range) {
      continue;
    }
    (void)key(old, "");
  }
  bool gtsm = false;
  bool all_gtsm = !config_.neighbors.empty();
  for (const auto& n : config_.neighbors) {
    gtsm = gtsm || n.ttl_security;
    all_gtsm = all_gtsm && n.ttl_security;
    if (n.password.empty()) continue;
    if (auto r = key(n, n.password); !r)
      return Fail(fmt::format("neighbor {}: {}", n.name, r.error()));
  }
  const bool had_gtsm = std::any_of(previous.begin(), previous.end(),
                                    [](const NeighborConfig& n) { return n.ttl_security; });
  if (!gtsm && !had_gtsm) return {};  // the listener as the system made it
  boost::system::error_code ec;
  const bool v6 = l.local_endpoint(ec).address().is_v6();
  if (auto r = session::SetListenerTtl(fd, v6, gtsm, all_gtsm); !r) {
    return Fail("ttl security: " + r.error());
  }
  return {};
}

void Server::CloseListeners() {
  for (auto& l : listeners_) {
    boost::system::error_code ec;
    l->close(ec);
  }
  listeners_.clear();
}

ReloadSummary Server::Reload(RouterConfig config) {
  if (config.hostname.empty()) config.hostname = MachineHostname();
  ReloadSummary summary;
  if (config.fib != config_.fib) {
    // The FIB's netlink socket and table were opened at start (core/router_service.cpp).
    summary.not_applied.push_back("fib (install, table, keep_on_exit): at the next start");
    config.fib = config_.fib;
  }
  if (config.graceful_restart != config_.graceful_restart ||
      config.restart_time != config_.restart_time ||
      config.offer_extended_next_hop != config_.offer_extended_next_hop ||
      config.offer_extended_message != config_.offer_extended_message) {
    summary.not_applied.push_back(
        "graceful_restart, restart_time, extended_next_hop, extended_messages: each session as "
        "it starts again (its OPEN carried the old ones)");
  }
  // Per neighbor, by name.
  for (const auto& old : config_.neighbors) {
    const auto now = std::find_if(config.neighbors.begin(), config.neighbors.end(),
                                  [&](const NeighborConfig& n) { return n.name == old.name; });
    if (now == config.neighbors.end()) {
      summary.removed.push_back(old.name);
    } else {
      (*now == old ? summary.unchanged : summary.changed).push_back(old.name);
    }
  }
  for (const auto& n : config.neighbors) {
    if (!NeighborNamed(n.name)) summary.added.push_back(n.name);
  }
  summary.everything =
      config.router_id != config_.router_id || config.local_as != config_.local_as ||
      config.mode != config_.mode || config.listen_addresses != config_.listen_addresses ||
      config.listen_port != config_.listen_port || config.hostname != config_.hostname;
  if (summary.everything) {
    log_.Info("reload",
              {{"scope", "all"}, {"reason", "router id, AS, mode, hostname or listeners changed"}});
    for (auto& p : peers_) {
      if (!p) continue;
      p->session->Stop(wire::Notification{
          wire::NotifyCode::kCease,
          static_cast<std::uint8_t>(wire::CeaseSubcode::kOtherConfigurationChange),
          {}});
    }
    // peers_ never holds more than kNoPeer slots (CreatePeer), so every index is a PeerId.
    for (std::size_t i = 0; i < peers_.size(); ++i) RemovePeer(static_cast<rib::PeerId>(i));
    CloseListeners();
    config_ = std::move(config);
    ResetRib();
    if (auto r = OpenListeners(); !r) log_.Error("reload_failed", {{"error", r.error()}});
    StartAll();
    summary.changed.insert(summary.changed.end(), summary.unchanged.begin(),
                           summary.unchanged.end());
    summary.unchanged.clear();
    summary.originated = config_.originate.size();
    return summary;
  }
  // Originated routes: withdraw what went, announce what came.
  std::vector<wire::Prefix> gone, came;
  auto in = [](const std::vector<wire::Prefix>& v, const wire::Prefix& p) {
    return std::find(v.begin(), v.end(), p) != v.end();
  };
  for (const auto& p : config_.originate) {
    if (!in(config.originate, p)) gone.push_back(p);
  }
  for (const auto& p : config.originate) {
    if (!in(config_.originate, p)) came.push_back(p);
  }
  Originate(gone, false);
  Originate(came, true);
  summary.withdrawn = gone.size();
  summary.originated = came.size();
  // Unchanged neighbors keep their sessions (and their dynamic peers); the others stop.
  auto stop = [&](const std::string& name, wire::CeaseSubcode sub) {
    for (std::size_t i = 0; i < peers_.size(); ++i) {
      const auto id = static_cast<rib::PeerId>(i);
      if (!peers_[id] || peers_[id]->neighbor != name) continue;
      peers_[id]->session->Stop(
          wire::Notification{wire::NotifyCode::kCease, static_cast<std::uint8_t>(sub), {}});
      RemovePeer(id);
    }
  };
  for (const auto& name : summary.removed) stop(name, wire::CeaseSubcode::kPeerDeconfigured);
  for (const auto& name : summary.changed) {
    stop(name, wire::CeaseSubcode::kOtherConfigurationChange);
  }
  const std::vector<NeighborConfig> previous = std::move(config_.neighbors);
  config_ = std::move(config);
  for (const auto& n : config_.neighbors) {
    const bool fresh = InNames(summary.added, n.name) || InNames(summary.changed, n.name);
    if (fresh && n.address) CreatePeer(n, *n.address, false).session->Start();
  }
  // MD5 keys and GTSM of new or changed neighbors go on the listeners now.
  for (auto& l : listeners_) {
    if (auto r = ProtectListener(*l, previous); !r) {
      log_.Error("reload_failed", {{"error", r.error()}});
    }
  }
  log_.Info("reload", {{"scope", "neighbors"},
                       {"added", std::to_string(summary.added.size())},
                       {"changed", std::to_string(summary.changed.size())},
                       {"removed", std::to_string(summary.removed.size())},
                       {"unchanged", std::to_string(summary.unchanged.size())}});
  return summary;
}

}  // namespace bgpdemo::bgp::server
