#include "core/events.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace bgpdemo::core {

namespace {

using nlohmann::json;

std::string Join(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Every key of either map whose value differs: one event of `kind` each.
void Compare(const std::string& kind, const std::map<std::string, std::string>& before,
             const std::map<std::string, std::string>& now, std::vector<DemoEvent>& out) {
  for (const auto& [key, was] : before) {
    const auto it = now.find(key);
    if (it == now.end()) {
      out.push_back({kind, key, was, "", ""});
    } else if (it->second != was) {
      out.push_back({kind, key, was, it->second, ""});
    }
  }
  for (const auto& [key, is] : now) {
    if (before.count(key) == 0) out.push_back({kind, key, "", is, ""});
  }
}

}  // namespace

std::string Timestamp(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t s = ms / 1000;
  std::tm tm{};
  ::gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf, ms % 1000);
}

json DemoEvent::ToJson() const {
  return {{"kind", kind}, {"subject", subject}, {"from", from}, {"to", to}, {"detail", detail}};
}

std::string DemoEvent::Text() const {
  std::string what;
  if (kind == "action") {
    what = to;  // "speaker stop"; the detail: why it failed
  } else if (kind == "session") {
    what = fmt::format("{} -> {}", from.empty() ? "none" : from, to.empty() ? "none" : to);
  } else if (from.empty()) {
    what = fmt::format("{} via {}", kind == "route" ? "learned" : "installed", to);
  } else if (to.empty()) {
    what = fmt::format("{} (was via {})", kind == "route" ? "withdrawn" : "removed", from);
  } else {
    what = fmt::format("now via {} (was via {})", to, from);
  }
  return fmt::format("{} {}: {}{}", kind, subject, what, detail.empty() ? "" : " (" + detail + ")");
}

EventState StateOf(const Topology& t, const Observed& o) {
  EventState s;
  if (o.router_peers) {
    s.sessions_read = true;
    std::map<std::string, const json*> by_address;
    for (const auto& p : *o.router_peers) by_address[p.value("address", "")] = &p;
    for (const auto& n : t.nodes) {
      if (!n.speaker) continue;
      const auto it = by_address.find(n.address);
      s.sessions[n.name] = it == by_address.end() ? "none" : it->second->value("state", "");
      if (it != by_address.end()) s.reasons[n.name] = it->second->value("last_error", "");
    }
  }
  if (o.router_routes) {
    s.routes_read = true;
    for (const auto& r : *o.router_routes) {
      std::vector<std::string> peers;
      for (const auto& p : r.value("paths", json::array())) {
        peers.push_back(p.value("peer", std::string("local")));
      }
      s.routes[r.value("prefix", "")] = Join(peers);
    }
  }
  if (o.kernel) {
    s.kernel_read = true;
    for (const auto& r : *o.kernel) {
      std::vector<std::string> hops;
      for (const auto& h : r.next_hops) hops.push_back(NextHopText(h, o.link_local_owners));
      s.kernel[r.prefix] = Join(hops);
    }
  }
  return s;
}

std::vector<DemoEvent> Diff(const EventState& before, const EventState& now) {
  std::vector<DemoEvent> out;
  if (before.sessions_read && now.sessions_read) {
    Compare("session", before.sessions, now.sessions, out);
    // A node that went away from the router is "none", not gone: say it as a state.
    for (auto& e : out) {
      if (e.from.empty()) e.from = "none";
      if (e.to.empty()) e.to = "none";
      // Why it left Established, as the router says (a dynamic peer that is gone says
      // nothing; its last state does).
      const auto why = now.reasons.find(e.subject);
      if (e.to != "established" && why != now.reasons.end()) e.detail = why->second;
    }
  }
  if (before.routes_read && now.routes_read) Compare("route", before.routes, now.routes, out);
  if (before.kernel_read && now.kernel_read) Compare("fib", before.kernel, now.kernel, out);
  return out;
}

}  // namespace bgpdemo::core
