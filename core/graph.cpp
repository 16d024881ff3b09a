#include "core/graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/scenario.h"

namespace bgpdemo::core {

namespace {

using nlohmann::json;

constexpr const char* kUp = "#2e7d32";      // Established
constexpr const char* kDown = "#c62828";    // any other state
constexpr const char* kPartly = "#ef6c00";  // a grouped cluster with some sessions down
constexpr const char* kRoute = "#1565c0";   // the router's routes to an LB IP

// A DOT string literal: quotes and backslashes escaped, newlines as DOT's \n.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A DOT identifier from parts: quoted, so any name is one.
std::string Id(std::string_view kind, std::string_view name) {
  return Quote(fmt::format("{}:{}", kind, name));
}

}  // namespace

std::map<std::string, SessionView> SessionViews(const Topology& t, const Observed& o) {
  std::map<std::string, SessionView> out;
  std::map<std::string, const json*> by_address;
  if (o.router_peers) {
    for (const auto& p : *o.router_peers) by_address[p.value("address", "")] = &p;
  }
  for (const auto& n : t.nodes) {
    if (!n.speaker) continue;
    SessionView s;
    if (const auto it = by_address.find(n.address); it != by_address.end()) {
      s.state = it->second->value("state", "unknown");
      for (const auto& f : it->second->value("families", json::array())) {
        s.received += f.value("received", 0U);
        s.advertised += f.value("advertised", 0U);
      }
    } else if (const auto np = o.node_peers.find(n.name);
               np != o.node_peers.end() && np->second && !np->second->empty()) {
      // The router is not readable (an external one): the node's side.
      const auto& p = np->second->front();
      s.state = p.value("state", "unknown");
      for (const auto& f : p.value("families", json::array())) {
        s.received += f.value("advertised", 0U);
        s.advertised += f.value("received", 0U);
      }
    } else if (o.router_peers) {
      s.state = "no session";  // the router has none with it
    }
    out[n.name] = s;
  }
  return out;
}

std::map<std::string, std::vector<std::string>> LbRoutes(const Topology& t, const Observed& o) {
  std::map<std::string, std::vector<std::string>> out;
  if (!o.kernel) return out;
  std::map<std::string, std::string> node_of;
  for (const auto& n : t.nodes) node_of[n.address] = n.name;
  for (const auto& lb : t.load_balancers) {
    const auto prefix = HostPrefix(lb.ip);
    const auto route = std::find_if(o.kernel->begin(), o.kernel->end(),
                                    [&](const KernelRoute& r) { return r.prefix == prefix; });
    if (route == o.kernel->end()) continue;
    auto& nodes = out[lb.ip];
    for (const auto& hop : route->next_hops) {
      const auto owner = o.link_local_owners.find(hop);
      const auto& address = owner == o.link_local_owners.end() ? hop : owner->second;
      const auto n = node_of.find(address);
      nodes.push_back(n == node_of.end() ? address : n->second);
    }
  }
  return out;
}

std::string TopologyDot(const Topology& t, const Observed& o, const GraphOptions& options) {
  const auto sessions = SessionViews(t, o);
  const auto routes = LbRoutes(t, o);
  std::vector<std::string> clusters;
  std::map<std::string, std::vector<const Topology::Node*>> members;
  for (const auto& n : t.nodes) {
    if (members.count(n.cluster) == 0) clusters.push_back(n.cluster);
    members[n.cluster].push_back(&n);
  }
  std::map<std::string, std::size_t> pods;
  for (const auto& p : t.pods) ++pods[p.node];

  std::string out;
  auto line = [&out](const std::string& text) { out += text + "\n"; };
  line("digraph bgpdemo {");
  line("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, nodesep=0.25, ranksep=1.2" +
       (options.title.empty() ? std::string() : ", labelloc=t, label=" + Quote(options.title)) +
       "];");
  line(
      "  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=\"rounded,filled\", "
      "fillcolor=\"#ffffff\"];");
  line("  edge [fontname=\"Helvetica\", fontsize=9];");
  line(fmt::format("  {} [label={}, shape=box3d, fillcolor=\"#e3f2fd\", penwidth=2];",
                   Id("router", t.router), Quote(fmt::format("{}\nroute server", t.router))));

  std::map<std::string, std::string> drawn_as;  // node name -> the graph node it is drawn in
  for (const auto& c : clusters) {
    const auto& nodes = members[c];
    const bool grouped = nodes.size() > options.group_over;
    line(fmt::format("  subgraph {} {{", Quote("cluster_" + c)));
    line(fmt::format("    label={}; style=\"rounded\"; color=\"#90a4ae\";",
                     Quote(fmt::format("cluster {}", c))));
    if (grouped) {
      std::size_t up = 0, speakers = 0, received = 0;
      std::vector<std::string> names;
      for (const auto* n : nodes) {
        names.push_back(n->name);
        drawn_as[n->name] = "nodes:" + c;
        if (!n->speaker) continue;
        ++speakers;
        const auto& s = sessions.at(n->name);
        up += s.state == "established" ? 1 : 0;
        received += s.received;
      }
      line(fmt::format(
          "    {} [label={}, tooltip={}, fillcolor=\"#eceff1\"];", Id("nodes", c),
          Quote(fmt::format("{} nodes\n{} of {} sessions Established", nodes.size(), up, speakers)),
          Quote(fmt::format("{}", fmt::join(names, ", ")))));
      line(fmt::format("  }}"));
      if (speakers > 0) {
        line(fmt::format("  {} -> {} [label={}, color={}, penwidth=2, dir=both, id={}];",
                         Id("nodes", c), Id("router", t.router),
                         Quote(fmt::format("{}/{} up, {} prefixes", up, speakers, received)),
                         Quote(up == speakers ? kUp
                               : up == 0      ? kDown
                                              : kPartly),
                         Id("sessions", c)));
      }
      continue;
    }
    for (const auto* n : nodes) {
      drawn_as[n->name] = "node:" + n->name;
      line(fmt::format(
          "    {} [label={}, tooltip={}, id={}];", Id("node", n->name),
          Quote(fmt::format("{}\n{}{}", n->name, n->address,
                            pods.count(n->name) != 0 ? fmt::format("\n{} pod{}", pods.at(n->name),
                                                                   pods.at(n->name) == 1 ? "" : "s")
                                                     : "")),
          Quote(fmt::format(
              "{} ({}), pod CIDR {}{}", n->name, n->address,
              n->pod_cidr.empty() ? n->pod_cidr_v6 : n->pod_cidr,
              n->pod_cidr.empty() || n->pod_cidr_v6.empty() ? "" : " and " + n->pod_cidr_v6)),
          Id("node", n->name)));
    }
    line("  }");
    for (const auto* n : nodes) {
      if (!n->speaker) continue;
      const auto& s = sessions.at(n->name);
      const bool up = s.state == "established";
      line(
          fmt::format("  {} -> {} [label={}, color={}, fontcolor={}, penwidth={}, dir=both{}, "
                      "id={}];",
                      Id("node", n->name), Id("router", t.router),
                      Quote(up ? fmt::format("{} in, {} out", s.received, s.advertised) : s.state),
                      Quote(up ? kUp : kDown), Quote(up ? kUp : kDown), up ? 2 : 1,
                      up ? "" : ", style=dashed", Id("session", n->name)));
    }
  }

  for (const auto& lb : t.load_balancers) {
    const auto it = routes.find(lb.ip);
    const bool routed = it != routes.end() && !it->second.empty();
    line(fmt::format("  {} [label={}, shape=ellipse, fillcolor={}];", Id("lb", lb.ip),
                     Quote(fmt::format("{}\n{}/{}", lb.ip, lb.cluster, lb.service)),
                     Quote(routed ? "#fff8e1" : "#ffebee")));
    if (!routed) {
      line(fmt::format("  {} -> {} [label=\"no route\", color={}, style=dotted];",
                       Id("router", t.router), Id("lb", lb.ip), Quote(kDown)));
      continue;
    }
    // One edge per graph node the route goes through: a grouped cluster's ECMP is one edge
    // that counts its next hops.
    std::map<std::string, std::size_t> via;
    for (const auto& n : it->second) {
      const auto d = drawn_as.find(n);
      ++via[d == drawn_as.end() ? "address:" + n : d->second];
    }
    for (const auto& [target, count] : via) {
      const auto colon = target.find(':');
      const auto kind = target.substr(0, colon);
      const auto name = target.substr(colon + 1);
      if (kind == "address") {
        line(fmt::format("  {} [label={}, shape=plaintext];", Id(kind, name), Quote(name)));
      }
      line(fmt::format("  {} -> {} [color={}, style=dashed, arrowhead=none, label={}];",
                       Id("lb", lb.ip), Id(kind, name), Quote(kRoute),
                       Quote(it->second.size() == 1 ? std::string("via")
                             : count == it->second.size()
                                 ? fmt::format("ECMP over {} nodes", count)
                                 : fmt::format("ECMP {}/{}", count, it->second.size()))));
    }
  }
  line("}");
  return out;
}

Result<std::string, Error> RenderSvg(const std::string& dot, CommandRunner& runner) {
  const std::vector<std::string> argv{"dot", "-Tsvg"};
  auto r = runner.Run(argv, {.stdin_text = dot, .timeout = std::chrono::seconds(60)});
  if (!r) {
    return Fail(Error::Environment(fmt::format(
        "{}; Graphviz lays the graph out: apt-get install graphviz (or take -o dot)", r.error())));
  }
  if (r->exit_code != 0) return Fail(CommandError(argv, *r, FormatFailure(argv, *r)));
  return r->out;
}

std::string HtmlPage(const std::string& title, const std::string& svg) {
  // The SVG from dot starts with an XML declaration and a DOCTYPE: inline, from <svg on.
  const auto at = svg.find("<svg");
  const std::string body = at == std::string::npos ? svg : svg.substr(at);
  std::string escaped;
  for (const char c : title) {
    if (c == '<') {
      escaped += "&lt;";
    } else if (c == '>') {
      escaped += "&gt;";
    } else if (c == '&') {
      escaped += "&amp;";
    } else {
      escaped += c;
    }
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>{}</title>\n<style>\nbody {{ font-family: Helvetica, Arial, sans-serif; margin: "
      "1em; }}\nsvg {{ max-width: 100%; height: auto; }}\n.legend span {{ margin-right: 1.5em; "
      "}}\n</style>\n</head>\n<body>\n<h1>{}</h1>\n<p class=\"legend\"><span style=\"color:"
      "{}\">&#9632; Established</span><span style=\"color:{}\">&#9632; not Established</span>"
      "<span style=\"color:{}\">&#9632; routes to a LoadBalancer IP</span></p>\n{}\n</body>\n"
      "</html>\n",
      escaped, escaped, kUp, kDown, kRoute, body);
}

}  // namespace bgpdemo::core
