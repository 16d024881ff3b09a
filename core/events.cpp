#include "core/events.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

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

json DemoEvent::ToJson() const {
  return {{"kind", kind}, {"subject", subject}, {"from", from}, {"to", to}, {"detail", detail}};
}

std::string DemoEvent::Text() const {
  std::string what;
  if (kind == "action") {
    what = to;  // "speaker stop"; the detail: why it failed
  } else if (kind == "session") {
    what = fmt::format("{} -> {}", from.empty() ? "none" : from, to.empty() ? "none" : to);
  } else if (kind == "verify") {
    what = to;  // "passed", "failed"; the detail: the counts
  } else if (to.empty()) {
    what = kind == "route" ? "withdrawn" : "removed";
    if (!from.empty()) what += fmt::format(" (was via {})", from);
  } else if (from.empty()) {
    what = fmt::format("{} via {}", kind == "route" ? "learned" : "installed", to);
  } else {
    what = fmt::format("now via {} (was via {})", to, from);
  }
  return fmt::format("{} {}: {}{}", kind, subject, what, detail.empty() ? "" : " (" + detail + ")");
}

json TimedEvent::ToJson() const {
  auto j = event.ToJson();
  j["time"] = Timestamp(time);
  return j;
}

std::optional<std::chrono::system_clock::time_point> ParseSince(
    std::string_view text, std::chrono::system_clock::time_point now) {
  if (auto t = ParseTimestamp(text)) return t;
  if (text.empty()) return std::nullopt;
  double unit = 1;
  switch (text.back()) {
    case 's':
      text.remove_suffix(1);
      break;
    case 'm':
      unit = 60;
      text.remove_suffix(1);
      break;
    case 'h':
      unit = 3600;
      text.remove_suffix(1);
      break;
    case 'd':
      unit = 86400;
      text.remove_suffix(1);
      break;
    default:
      break;
  }
  double n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < 0) {
    return std::nullopt;
  }
  return now - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                   std::chrono::duration<double>(n * unit));
}

void SortByTime(std::vector<TimedEvent>& events) {
  std::stable_sort(events.begin(), events.end(),
                   [](const TimedEvent& a, const TimedEvent& b) { return a.time < b.time; });
}

std::vector<TimedEvent> JournalEvents(const Topology& t, const json& journal,
                                      std::chrono::system_clock::time_point since) {
  std::map<std::string, std::string> node_of;  // address -> node
  for (const auto& n : t.nodes) node_of[n.address] = n.name;
  std::vector<TimedEvent> out;
  for (const auto& e : journal.value("entries", json::array())) {
    const auto at = ParseTimestamp(e.value("time", ""));
    if (!at || *at < since) continue;
    const auto kind = e.value("kind", "");
    const auto peer = e.value("peer", "");
    const auto node = node_of.count(peer) != 0 ? node_of.at(peer) : peer;
    const auto detail = e.value("detail", "");
    DemoEvent d;
    if (kind == "session_up") {
      d = {"session", node, "down", "established", detail.empty() ? "" : "hostname " + detail};
    } else if (kind == "session_down") {
      d = {"session", node, "established", "down", detail};
    } else if (kind == "route") {
      const auto paths = e.value("paths", 1);
      d = {"route", e.value("prefix", ""), "", peer.empty() ? "local" : peer,
           paths > 1 ? fmt::format("best of {} ECMP paths", paths) : "best path"};
    } else if (kind == "withdrawn") {
      d = {"route", e.value("prefix", ""), "", "", ""};
    } else if (kind == "routes") {
      d = {"route", fmt::format("{} prefixes", e.value("count", 0)), "",
           peer.empty() ? "several peers" : peer, "at once"};
    } else {
      continue;  // a kind of a newer router
    }
    out.push_back({*at, std::move(d)});
  }
  return out;
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
