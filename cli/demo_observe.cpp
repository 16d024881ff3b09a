// `bgpdemo peers`, `routes`, `verify`, `speaker` and `graph`: the running demo, whichever provider
// made it, opened through the registry (core/providers.h). Peers, routes and verify are
// computed from core::Demo's shapes, so their output is the same for every provider.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/demo_verbs.h"
#include "cli/exit_codes.h"
#include "core/event_log.h"
#include "core/files.h"
#include "core/graph.h"
#include "core/table.h"
#include "core/verify.h"

namespace bgpdemo::cli::demo {

namespace {

using nlohmann::json;

// One row per session and family, from the nodes' side and then the router's, with the
// columns of `cilium bgp peers`.
json PeerRows(const core::Topology& t, const core::Observed& o) {
  json rows = json::array();
  auto add = [&rows](const std::string& node, const std::string& side, const json& p) {
    json fams = json::array();
    for (const auto& f : p.value("families", json::array())) {
      fams.push_back({{"family", f.value("family", "")},
                      {"received", f.value("received", 0)},
                      {"advertised", f.value("advertised", 0)}});
    }
    rows.push_back({{"node", node},
                    {"side", side},
                    {"local_asn", p.value("local_asn", 0)},
                    {"peer_asn", p.value("peer_asn", 0)},
                    {"peer_address", p.value("address", "")},
                    {"state", p.value("state", "")},
                    {"uptime_seconds", p.value("uptime_seconds", 0)},
                    {"hostname", p.value("hostname", "")},
                    {"families", fams},
                    {"last_error", p.value("last_error", "")}});
  };
  // A speaker whose peers could not be read: one row saying why.
  auto unreadable = [&](const std::string& node, const char* side, const std::string& error) {
    rows.push_back({{"node", node},
                    {"side", side},
                    {"local_asn", 0},
                    {"peer_asn", 0},
                    {"peer_address", ""},
                    {"state", "unknown"},
                    {"uptime_seconds", 0},
                    {"hostname", ""},
                    {"families", json::array()},
                    {"last_error", error}});
  };
  for (const auto& n : t.nodes) {
    if (!n.speaker) continue;
    const auto it = o.node_peers.find(n.name);
    if (it == o.node_peers.end()) continue;
    if (!it->second) {
      unreadable(n.name, "node", it->second.error());
      continue;
    }
    for (const auto& p : *it->second) add(n.name, "node", p);
  }
  if (o.router_peers) {
    for (const auto& p : *o.router_peers) add(t.router, "router", p);
  } else {
    unreadable(t.router, "router", o.router_peers.error());
  }
  return rows;
}

// One look's peers: the table, or JSON indented by `indent` (-1: one line).
int PeersOnce(const DemoOptions& o, const core::Topology& topology, const core::Observed& obs,
              std::ostream& out, int indent) {
  const auto rows = PeerRows(topology, obs);
  if (o.output == "json") {
    out << rows.dump(indent) << '\n';
    return kExitOk;
  }
  core::Table t({"Node", "Local AS", "Peer AS", "Peer Address", "Session State", "Uptime", "Family",
                 "Received", "Advertised"});
  std::vector<std::string> notes;
  for (const auto& r : rows) {
    const bool up = r.value("state", "") == "established";
    std::vector<std::string> row{r.value("node", ""),
                                 std::to_string(r.value("local_asn", 0)),
                                 std::to_string(r.value("peer_asn", 0)),
                                 r.value("peer_address", ""),
                                 r.value("state", ""),
                                 up ? core::Duration(r.value("uptime_seconds", 0LL)) : "-"};
    const auto& fams = r["families"];
    if (fams.empty()) {
      row.insert(row.end(), {"-", "-", "-"});
      t.Add(row);
    }
    for (std::size_t i = 0; i < fams.size(); ++i) {
      auto line = i == 0 ? row : std::vector<std::string>(row.size(), "");
      line.insert(line.end(),
                  {fams[i].value("family", ""), std::to_string(fams[i].value("received", 0)),
                   std::to_string(fams[i].value("advertised", 0))});
      t.Add(line);
    }
    if (!up && !r.value("last_error", "").empty()) {
      notes.push_back(fmt::format("{} -> {}: {}", r.value("node", ""), r.value("peer_address", ""),
                                  r.value("last_error", "")));
    }
  }
  out << t.Render();
  for (const auto& n : notes) fmt::print(out, "  {}\n", n);
  return kExitOk;
}

// One look's RIB and kernel routes: the table, or JSON indented by `indent` (-1: one line).
int RoutesOnce(const DemoOptions& o, const core::Observed& obs, std::ostream& out,
               std::ostream& err, int indent) {
  if (o.output == "json") {
    json kernel = json::array();
    if (obs.kernel) {
      for (const auto& k : *obs.kernel) {
        json route{{"prefix", k.prefix}, {"next_hops", k.next_hops}};
        // A link-local next hop (an IPv6 route learned over an IPv4 session): its node.
        json nodes = json::object();
        for (const auto& hop : k.next_hops) {
          if (const auto it = obs.link_local_owners.find(hop); it != obs.link_local_owners.end()) {
            nodes[hop] = it->second;
          }
        }
        if (!nodes.empty()) route["link_local_nodes"] = nodes;
        kernel.push_back(std::move(route));
      }
    }
    out << json{{"rib", obs.router_routes ? *obs.router_routes
                                          : json{{"error", obs.router_routes.error()}}},
                {"kernel", obs.kernel ? kernel : json{{"error", obs.kernel.error()}}}}
               .dump(indent)
        << '\n';
    return obs.router_routes && obs.kernel ? kExitOk : kExitFailed;
  }
  if (!obs.router_routes) {
    fmt::print(err, "bgpdemo routes: the router's RIB: {}\n", obs.router_routes.error());
    return kExitFailed;
  }
  core::Table t({"Prefix", "Next Hop", "AS Path", "From", "Reason", "Paths", "Kernel"});
  for (const auto& r : *obs.router_routes) {
    const auto prefix = r.value("prefix", "");
    std::string kernel = obs.kernel ? "-" : "?";
    if (obs.kernel) {
      for (const auto& k : *obs.kernel) {
        if (k.prefix != prefix) continue;
        std::vector<std::string> hops;
        for (const auto& hop : k.next_hops)
          hops.push_back(core::NextHopText(hop, obs.link_local_owners));
        kernel = fmt::format("via {}", fmt::join(hops, ", "));
      }
    }
    const auto& best = r["best"];
    if (best.is_null()) {
      t.Add({prefix, "-", "-", "-", "no usable path", std::to_string(r["paths"].size()), kernel});
      continue;
    }
    const auto path = best.value("as_path", "");
    t.Add({prefix, best.value("next_hop", ""), path.empty() ? "(local)" : path,
           best.value("peer", ""), best.value("reason", ""), std::to_string(r["paths"].size()),
           kernel});
  }
  out << t.Render();
  if (!obs.kernel) fmt::print(out, "Kernel table: {}\n", obs.kernel.error());
  return kExitOk;
}

}  // namespace

int Peers(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto d = MakeProviders(o).OpenDemo();
  if (!d) return Failed(err, "bgpdemo peers", d.error());
  const auto topology = (*d)->GetTopology();
  if (!topology) return Failed(err, "bgpdemo peers", topology.error());
  if (!o.watch) return PeersOnce(o, *topology, (*d)->Observe(), out, 2);
  return Watch(o, out, "peers",
               [&](std::ostream& os) { return PeersOnce(o, *topology, (*d)->Observe(), os, -1); });
}

int Routes(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto d = MakeProviders(o).OpenDemo();
  if (!d) return Failed(err, "bgpdemo routes", d.error());
  if (!o.watch) return RoutesOnce(o, (*d)->Observe(), out, err, 2);
  return Watch(o, out, "routes",
               [&](std::ostream& os) { return RoutesOnce(o, (*d)->Observe(), os, err, -1); });
}

int Verify(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto opened = MakeProviders(o).OpenDemo();
  if (!opened) return Failed(err, "bgpdemo verify", opened.error());
  const core::Demo& d = **opened;
  const auto t0 = std::chrono::steady_clock::now();
  const auto topology = d.GetTopology();
  if (!topology) return Failed(err, "bgpdemo verify", topology.error());
  const auto checks = core::Verify(*topology, d.Observe(),
                                   [&d](const std::string& from, const std::string& ip,
                                        std::uint16_t port) { return d.Probe(from, ip, port); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!o.junit.empty()) {
    std::ofstream f(o.junit, std::ios::trunc);
    f << core::ChecksJunit(checks, seconds);
    if (!f) {
      return Failed(err, "bgpdemo verify",
                    Error::Input(fmt::format("{}: cannot write the JUnit report", o.junit)));
    }
  }
  if (o.output == "json") {
    auto j = core::ChecksJson(checks);
    j["seconds"] = seconds;
    out << j.dump(2) << '\n';
  } else {
    core::PrintChecksTable(checks, out);
  }
  std::size_t passed = 0;
  std::vector<std::string> failing;
  for (const auto& c : checks) {
    if (c.ok) {
      ++passed;
    } else {
      failing.push_back(fmt::format("{} {}", c.group, c.name));
    }
  }
  (void)core::AppendEventLog(
      StateDir(o),
      {std::chrono::system_clock::now(),
       {"verify", "verify", "", failing.empty() ? "passed" : "failed",
        fmt::format("{} passed, {} failed{}", passed, failing.size(),
                    failing.empty() ? "" : fmt::format(": {}", fmt::join(failing, "; ")))}});
  return failing.empty() ? kExitOk : kExitFailed;
}

int Speaker(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto d = MakeProviders(o).OpenDemo();
  if (!d) return Failed(err, "bgpdemo speaker", d.error());
  const auto action =
      o.speaker_action == "stop" ? core::SpeakerAction::kStop : core::SpeakerAction::kStart;
  const auto asked = std::chrono::system_clock::now();  // before its effects reach the router
  auto r = (*d)->Speaker(o.speaker_node, action);
  (void)core::AppendEventLog(
      StateDir(o), {asked,
                    {"action", o.speaker_node, "", fmt::format("speaker {}", o.speaker_action),
                     r ? "" : r.error().message()}});
  if (!r) {
    return Failed(err, fmt::format("bgpdemo speaker {} {}", o.speaker_action, o.speaker_node),
                  r.error());
  }
  Print(o, out, *r);
  return kExitOk;
}

int Graph(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto d = MakeProviders(o).OpenDemo();
  if (!d) return Failed(err, "bgpdemo graph", d.error());
  const auto topology = (*d)->GetTopology();
  if (!topology) return Failed(err, "bgpdemo graph", topology.error());
  const auto title = fmt::format("bgpdemo: {} (provider {})", topology->router, (*d)->provider());
  std::string text = core::TopologyDot(*topology, (*d)->Observe(),
                                       {.group_over = o.graph_group_over, .title = title});
  if (o.graph_format != "dot") {
    auto svg = core::RenderSvg(text, core::DefaultRunner());
    if (!svg) return Failed(err, "bgpdemo graph", svg.error());
    text = o.graph_format == "html" ? core::HtmlPage(title, *svg) : std::move(*svg);
  }
  if (o.graph_file.empty()) {
    out << text;
    return kExitOk;
  }
  if (auto w = core::WriteFileAtomic(o.graph_file, text, 0644); !w) {
    return Failed(err, "bgpdemo graph", w.error());
  }
  return kExitOk;
}

}  // namespace bgpdemo::cli::demo
