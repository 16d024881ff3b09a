// Server: graceful restart of this router itself, the restarting side (RFC 4724 §4.1).
//
// The process before this one stopped without a NOTIFICATION and left its kernel routes in
// place; its helpers keep our routes as stale. This process:
//   1. says Restart State, and Forwarding State for each family, in every OPEN;
//   2. learns its peers' routes as they come back, sending nobody anything yet (a table
//      sent now would be partial, and our End-of-RIB after it would make the helpers drop
//      what we had not sent again);
//   3. once every peer of the plan has sent End-of-RIB for each family it carries, or
//      the deferral passed, sends every peer its table and End-of-RIB, and tells the route
//      observers (FibSync removes the kernel routes nobody announced again).
#include <fmt/format.h>

#include <algorithm>

#include "bgp/server/server.h"

namespace bgpdemo::bgp::server {

namespace {

bool Holds(const std::vector<wire::IpAddress>& v, const wire::IpAddress& a) {
  return std::find(v.begin(), v.end(), a) != v.end();
}

std::chrono::milliseconds Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t);
}

}  // namespace

void Server::BeginRestart(RestartPlan plan) {
  restart_ = RestartStatus{};
  restart_.restarting = true;
  restart_.expected = std::move(plan.peers);
  restart_.token = std::move(plan.token);
  restart_began_ = std::chrono::steady_clock::now();
  log_.Info("restart_begin", {{"peers", std::to_string(restart_.expected.size())},
                              {"deferral_s", std::to_string(plan.deferral.count())}});
  deferral_timer_ = std::make_unique<asio::steady_timer>(io_);
  deferral_timer_->expires_after(plan.deferral);
  deferral_timer_->async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive || !restart_.restarting) return;
    FinishRestart("deferral timer");
  });
  if (restart_.expected.empty()) {
    // Nobody to wait for: the first event turn ends it (after Start has run).
    asio::post(io_, [this, alive = alive_] {
      if (*alive && restart_.restarting) FinishRestart("end-of-rib");
    });
  }
}

RestartStatus Server::restart_status() const {
  RestartStatus s = restart_;
  if (s.restarting) s.elapsed = Since(restart_began_);
  return s;
}

std::vector<wire::IpAddress> Server::GracefulPeers() const {
  std::vector<wire::IpAddress> out;
  for (const auto& p : peers_) {
    if (!p || p->session->state() != State::kEstablished) continue;
    const auto& neg = p->session->negotiated();
    if (neg && neg->peer_graceful_restart && p->session->config().local.graceful_restart) {
      out.push_back(p->address);
    }
  }
  return out;
}

void Server::NoteEndOfRib(Peer& p, wire::Family family) {
  if (std::find(p.end_of_rib.begin(), p.end_of_rib.end(), family) == p.end_of_rib.end()) {
    p.end_of_rib.push_back(family);
  }
  const auto carried =
      p.session->negotiated() ? p.session->negotiated()->Families() : std::vector<wire::Family>{};
  const bool all = std::all_of(carried.begin(), carried.end(), [&](wire::Family f) {
    return std::find(p.end_of_rib.begin(), p.end_of_rib.end(), f) != p.end_of_rib.end();
  });
  if (!all) return;
  if (Holds(restart_.expected, p.address) && !Holds(restart_.end_of_rib, p.address)) {
    restart_.end_of_rib.push_back(p.address);
  }
  if (restart_.end_of_rib.size() == restart_.expected.size()) FinishRestart("end-of-rib");
}

void Server::FinishRestart(std::string_view ended_by) {
  restart_.restarting = false;
  restart_.elapsed = Since(restart_began_);
  restart_.ended_by = std::string(ended_by);
  if (deferral_timer_) deferral_timer_->cancel();
  Flush();  // what was learned goes into the tables sent below
  std::size_t sent = 0;
  for (auto& p : peers_) {
    if (!p) continue;
    p->session->SetRestarting(false);  // the next OPEN is a plain one
    if (p->deferred && p->session->state() == State::kEstablished) {
      StartExport(*p);
      ++sent;
    }
  }
  log_.Info("restart_complete", {{"ended_by", restart_.ended_by},
                                 {"end_of_rib", fmt::format("{} of {}", restart_.end_of_rib.size(),
                                                            restart_.expected.size())},
                                 {"after_ms", std::to_string(restart_.elapsed.count())},
                                 {"tables_sent", std::to_string(sent)}});
  for (auto* obs : route_observers_) obs->OnRestartComplete(*rib_);
}

}  // namespace bgpdemo::bgp::server
