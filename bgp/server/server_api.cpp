// The control API's answers (bgp/api/control_server.h): peers and routes as JSON.
#include <fmt/format.h>

#include "bgp/api/control_server.h"
#include "bgp/server/server.h"

namespace bgpdemo::bgp::server {

using nlohmann::json;

namespace {

json FamilyJson(wire::Family f) {
  return {{"afi", static_cast<unsigned>(f.afi)},
          {"safi", static_cast<unsigned>(f.safi)},
          {"family", wire::ToString(f)}};
}

json PathJson(const rib::AttrRef& a) {
  json j = json::object();
  if (!a) return j;
  const auto& attrs = a.attrs();
  j["next_hop"] = a->next_hop().ToString();
  j["as_path"] = attrs.as_path ? attrs.as_path->ToString() : "";
  j["origin"] = attrs.origin ? std::string(wire::ToString(*attrs.origin)) : "incomplete";
  if (attrs.med) j["med"] = *attrs.med;
  if (attrs.local_pref) j["local_pref"] = *attrs.local_pref;
  if (!attrs.communities.empty()) {
    json c = json::array();
    for (auto x : attrs.communities) c.push_back(fmt::format("{}:{}", x >> 16, x & 0xffff));
    j["communities"] = c;
  }
  if (!attrs.large_communities.empty()) {
    json c = json::array();
    for (const auto& x : attrs.large_communities) {
      c.push_back(fmt::format("{}:{}:{}", x.global, x.local1, x.local2));
    }
    j["large_communities"] = c;
  }
  return j;
}

}  // namespace

json Server::HandleControl(const json& request) {
  const std::string command = request.value("command", "");
  if (command == "ping") return api::OkReply("pong");
  if (command == "peers") return api::OkReply(PeersJson());
  if (command == "routes") return api::OkReply(RoutesJson());
  if (command == "announce" || command == "withdraw") {
    const auto it = request.find("prefixes");
    if (it == request.end() || !it->is_array()) {
      return api::ErrorReply(fmt::format("{} needs \"prefixes\": a list like [\"10.241.1.0/24\"]",
                                         command));
    }
    std::vector<wire::Prefix> prefixes;
    for (const auto& p : *it) {
      auto parsed = p.is_string() ? wire::Prefix::Parse(p.get<std::string>()) : std::nullopt;
      if (!parsed) return api::ErrorReply(fmt::format("{} is not a prefix like 10.241.1.0/24", p.dump()));
      prefixes.push_back(*parsed);
    }
    Originate(prefixes, command == "announce");
    for (const auto& p : prefixes) {
      auto& list = config_.originate;
      const auto pos = std::find(list.begin(), list.end(), p);
      if (command == "announce" && pos == list.end()) list.push_back(p);
      if (command == "withdraw" && pos != list.end()) list.erase(pos);
    }
    return api::OkReply(prefixes.size());
  }
  return api::ErrorReply(
      fmt::format("unknown command \"{}\"; the commands are ping, peers, routes", command));
}

json Server::PeersJson() const {
  json out = json::array();
  const auto now = std::chrono::steady_clock::now();
  for (const auto& p : peers_) {
    if (!p) continue;
    const auto& s = *p->session;
    json j = {{"address", p->address.ToString()},
              {"name", p->neighbor},
              {"dynamic", p->dynamic},
              {"local_asn", config_.local_as},
              {"peer_asn", s.config().peer_as},
              {"state", std::string(ToString(s.state()))},
              {"uptime_seconds", 0},
              {"hostname", ""},
              {"last_error", s.last_error()},
              {"messages_received", s.messages_received()},
              {"messages_sent", s.messages_sent()},
              {"queued_bytes", s.bytes_queued()},
              {"congested", p->congested}};
    if (auto at = s.established_at()) {
      j["uptime_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(now - *at).count();
      j["local_address"] = s.local_address().ToString();
    }
    json families = json::array();
    if (const auto& n = s.negotiated()) {
      j["peer_asn"] = n->peer_as;
      j["hostname"] = n->peer_hostname;
      j["router_id"] = wire::IpAddress::V4(n->peer_router_id).ToString();
      j["hold_time"] = n->hold_time;
      j["graceful_restart"] = n->peer_graceful_restart.has_value();
      j["extended_next_hop"] = n->peer_extended_next_hop;
      for (auto f : n->Families()) {
        json fj = FamilyJson(f);
        const auto counts = rib_->Counts(p->id, f);
        fj["received"] = counts.received;
        fj["accepted"] = counts.accepted;
        fj["advertised"] = p->exporting ? out_->Advertised(p->id, f) : 0;
        families.push_back(fj);
      }
    }
    j["families"] = families;
    j["stale"] = p->stale;
    out.push_back(j);
  }
  return out;
}

json Server::RoutesJson() const {
  json out = json::array();
  auto peer_address = [this](rib::PeerId id) {
    if (id == kLocalPeer) return std::string("local");
    const auto* info = rib_->Peer(id);
    return info ? info->address.ToString() : std::string("?");
  };
  for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
    for (const auto& r : rib_->Routes(family)) {
      json j = {{"prefix", r.prefix.ToString()}, {"family", wire::ToString(family)}};
      json paths = json::array();
      for (const auto& p : r.paths) {
        json pj = PathJson(p.attrs);
        pj["peer"] = peer_address(p.peer);
        pj["best"] = p.best;
        pj["multipath"] = p.multipath;
        pj["accepted"] = p.accepted;
        pj["stale"] = p.stale;
        if (p.best) {
          json best = PathJson(p.attrs);
          best["peer"] = peer_address(p.peer);
          best["reason"] = std::string(rib::ToString(r.reason));
          j["best"] = best;
        }
        paths.push_back(pj);
      }
      if (!j.contains("best")) j["best"] = nullptr;
      j["paths"] = paths;
      out.push_back(j);
    }
  }
  return out;
}

}  // namespace bgpdemo::bgp::server
