#include "bgp/api/server_api.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "base/timestamp.h"
#include "bgp/fib/fib.h"

namespace bgpdemo::bgp::api {

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

std::string PeerOf(const server::PathSnapshot& p) {
  if (p.local) return "local";
  return p.peer ? p.peer->ToString() : std::string("?");
}

// The "prefixes" of an announce or withdraw, or the reply that says what is wrong.
std::optional<json> ParsePrefixes(const std::string& command, const json& request,
                                  std::vector<wire::Prefix>& prefixes) {
  const auto it = request.find("prefixes");
  if (it == request.end() || !it->is_array()) {
    return ErrorReply(
        fmt::format("{} needs \"prefixes\": a list like [\"10.241.1.0/24\"]", command));
  }
  for (const auto& p : *it) {
    auto parsed = p.is_string() ? wire::Prefix::Parse(p.get<std::string>()) : std::nullopt;
    if (!parsed) {
      return ErrorReply(fmt::format("{} is not a prefix like 10.241.1.0/24", p.dump()));
    }
    prefixes.push_back(*parsed);
  }
  return std::nullopt;
}

}  // namespace

json PeersJson(std::span<const server::PeerSnapshot> peers) {
  json out = json::array();
  for (const auto& p : peers) {
    json j = {{"address", p.address.ToString()},
              {"name", p.name},
              {"dynamic", p.dynamic},
              {"local_asn", p.local_as},
              {"peer_asn", p.peer_as},
              {"state", std::string(ToString(p.state))},
              {"uptime_seconds", 0},
              {"hostname", ""},
              {"last_error", p.last_error},
              {"messages_received", p.messages_received},
              {"messages_sent", p.messages_sent},
              {"updates_received", p.updates_received},
              {"updates_sent", p.updates_sent},
              {"queued_bytes", p.queued_bytes},
              {"congested", p.congested},
              {"tcp_md5", p.tcp_md5},
              {"ttl_security", p.ttl_security}};
    // Only for `peer_as: any` neighbors, so that other peers' JSON stays as it was.
    if (p.peer_as_any) j["peer_as_any"] = true;
    if (p.uptime) j["uptime_seconds"] = p.uptime->count();
    if (p.local_address) j["local_address"] = p.local_address->ToString();
    json families = json::array();
    if (const auto& n = p.negotiated) {
      j["hostname"] = n->hostname;
      j["router_id"] = wire::IpAddress::V4(n->router_id).ToString();
      j["hold_time"] = n->hold_time;
      j["graceful_restart"] = n->graceful_restart;
      j["extended_next_hop"] = n->extended_next_hop;
      j["extended_message"] = n->extended_message;
      for (const auto& f : n->families) {
        json fj = FamilyJson(f.family);
        fj["received"] = f.received;
        fj["accepted"] = f.accepted;
        fj["advertised"] = f.advertised;
        families.push_back(fj);
      }
    }
    j["families"] = families;
    j["stale"] = p.stale;
    out.push_back(j);
  }
  return out;
}

json RoutesJson(std::span<const server::RouteSnapshot> routes) {
  json out = json::array();
  for (const auto& r : routes) {
    json j = {{"prefix", r.prefix.ToString()}, {"family", wire::ToString(r.family)}};
    json paths = json::array();
    for (const auto& p : r.paths) {
      json pj = PathJson(p.attrs);
      pj["peer"] = PeerOf(p);
      pj["best"] = p.best;
      pj["multipath"] = p.multipath;
      pj["accepted"] = p.accepted;
      pj["stale"] = p.stale;
      if (p.best) {
        json best = PathJson(p.attrs);
        best["peer"] = PeerOf(p);
        best["reason"] = std::string(rib::ToString(r.reason));
        j["best"] = best;
      }
      paths.push_back(pj);
    }
    if (!j.contains("best")) j["best"] = nullptr;
    j["paths"] = paths;
    out.push_back(j);
  }
  return out;
}

json FibJson(const server::FibSnapshot* fib) {
  json routes = json::array();
  if (fib == nullptr) return {{"enabled", false}, {"protocol", fib::kProtocol}, {"routes", routes}};
  for (const auto& route : fib->routes) {
    json hops = json::array();
    for (const auto& nh : route.next_hops) hops.push_back(nh.ToString());
    routes.push_back({{"prefix", route.prefix.ToString()}, {"next_hops", hops}});
  }
  json j{{"enabled", true},
         {"protocol", fib::kProtocol},
         {"routes", routes},
         {"installed", fib->routes.size()},
         {"pending", fib->pending},
         {"errors", fib->errors},
         {"unusable_next_hops", fib->unusable_next_hops}};
  if (!fib->error.empty()) j["error"] = fib->error;
  return j;
}

json JournalJson(const server::Journal& journal, std::uint64_t after) {
  std::uint64_t dropped = 0;
  json entries = json::array();
  for (const auto& e : journal.After(after, &dropped)) {
    json j = {{"seq", e.seq},
              {"time", Timestamp(e.time)},
              {"kind", std::string(server::ToString(e.kind))}};
    if (e.peer != wire::IpAddress{}) j["peer"] = e.peer.ToString();  // unset: this router
    if (e.kind == server::Journal::Kind::kRoute || e.kind == server::Journal::Kind::kWithdrawn) {
      j["prefix"] = e.prefix.ToString();
    }
    if (e.kind == server::Journal::Kind::kRoutes) j["count"] = e.count;
    if (e.kind == server::Journal::Kind::kRoute) j["paths"] = e.count;
    if (!e.detail.empty()) j["detail"] = e.detail;
    entries.push_back(std::move(j));
  }
  return {{"entries", entries}, {"dropped", dropped}, {"capacity", server::Journal::kCapacity}};
}

json ReloadJson(server::Server& server, const ConfigLoader& load) {
  auto config = load();
  if (!config) return {{"reloaded", false}, {"error", config.error()}};
  const server::ReloadSummary s = server.Reload(std::move(config).value());
  return {
      {"reloaded", true},           {"everything", s.everything}, {"added", s.added},
      {"changed", s.changed},       {"removed", s.removed},       {"unchanged", s.unchanged},
      {"originated", s.originated}, {"withdrawn", s.withdrawn},   {"not_applied", s.not_applied}};
}

json RestartStatusJson(const server::RestartStatus& s) {
  auto addresses = [](const std::vector<wire::IpAddress>& v) {
    json out = json::array();
    for (const auto& a : v) out.push_back(a.ToString());
    return out;
  };
  return {{"restarting", s.restarting},
          {"expected", addresses(s.expected)},
          {"end_of_rib", addresses(s.end_of_rib)},
          {"elapsed_ms", s.elapsed.count()},
          {"ended_by", s.ended_by},
          {"token", s.token}};
}

json HandleRequest(server::Server& server, server::FibSync* fib, const json& request,
                   const ProcessHooks& hooks) {
  const std::string command = request.value("command", "");
  if (command == "ping") return OkReply("pong");
  if (command == "peers") return OkReply(PeersJson(server.Peers()));
  if (command == "routes") return OkReply(RoutesJson(server.Routes()));
  if (command == "journal") {
    const auto after = request.value("after", std::uint64_t{0});
    return OkReply(JournalJson(server.journal(), after));
  }
  if (command == "fib") {
    if (fib == nullptr) return OkReply(FibJson(nullptr));
    const auto snapshot = fib->Snapshot();
    return OkReply(FibJson(&snapshot));
  }
  if (command == "announce" || command == "withdraw") {
    std::vector<wire::Prefix> prefixes;
    if (auto bad = ParsePrefixes(command, request, prefixes)) return *bad;
    if (command == "announce") {
      server.Announce(prefixes);
    } else {
      server.Withdraw(prefixes);
    }
    return OkReply(prefixes.size());
  }
  if (command == "reload") {
    if (!hooks.load) return ErrorReply("this router was started without a config file to reload");
    return OkReply(ReloadJson(server, hooks.load));
  }
  if (command == "restart") {
    if (!hooks.restart) return ErrorReply("this router cannot restart itself");
    return hooks.restart(request);
  }
  if (command == "restart_status") return OkReply(RestartStatusJson(server.restart_status()));
  return ErrorReply(
      fmt::format("unknown command \"{}\"; the commands are ping, peers, routes, fib, journal, "
                  "announce, withdraw, reload, restart, restart_status",
                  command));
}

Handler ServerHandler(server::Server& server, server::FibSync* fib, ProcessHooks hooks) {
  return [&server, fib, hooks = std::move(hooks)](const json& request) {
    return HandleRequest(server, fib, request, hooks);
  };
}

}  // namespace bgpdemo::bgp::api
