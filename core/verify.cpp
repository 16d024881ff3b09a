#include "core/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <future>
#include <optional>
#include <set>

#include "bgp/fib/mapped_gateway.h"
#include "core/scenario.h"
#include "core/table.h"

namespace bgpdemo::core {

namespace {

using nlohmann::json;

const json* PeerWithAddress(const json& peers, const std::string& address) {
  for (const auto& p : peers) {
    if (p.value("address", "") == address) return &p;
  }
  return nullptr;
}

std::string SessionDetail(const json& p) {
  std::string d = fmt::format("{}, AS {} -> AS {}", p.value("state", "?"), p.value("local_asn", 0),
                              p.value("peer_asn", 0));
  if (p.value("state", "") == "established") {
    // One family: "3 received, 5 advertised"; several: "ipv4-unicast 3 received, ...".
    const auto families = p.value("families", json::array());
    for (const auto& f : families) {
      d += fmt::format(", {}{} received, {} advertised",
                       families.size() > 1 ? f.value("family", "?") + " " : "",
                       f.value("received", 0), f.value("advertised", 0));
    }
  } else if (!p.value("last_error", "").empty()) {
    d += ", last error: " + p.value("last_error", "");
  }
  return d;
}

void SessionChecks(const Topology& t, const Observed& o, std::vector<Check>& out) {
  for (const auto& n : t.nodes) {
    if (!n.speaker) continue;
    Check router{"sessions", fmt::format("{}: router's view", n.name), false, ""};
    if (!o.router_readable) {
      router = {"sessions", fmt::format("{}: router's view", n.name), true,
                "not checked: the router is not bgpdemo's to read"};
    } else if (!o.router_peers) {
      router.detail = "cannot read the router's peers: " + o.router_peers.error();
    } else if (const auto* p = PeerWithAddress(*o.router_peers, n.address)) {
      router.ok = p->value("state", "") == "established";
      router.detail = SessionDetail(*p);
    } else {
      router.detail = fmt::format("the router has no session with {}", n.address);
    }
    out.push_back(std::move(router));

    Check node{"sessions", fmt::format("{}: node's view", n.name), false, ""};
    const auto it = o.node_peers.find(n.name);
    if (it == o.node_peers.end()) {
      node.detail = "the node's speaker was not asked";
    } else if (!it->second) {
      node.detail = "cannot read the node's peers: " + it->second.error();
    } else if (it->second->empty()) {
      node.detail = "the node's speaker has no neighbor";
    } else {
      node.ok = true;
      std::vector<std::string> details;
      for (const auto& p : *it->second) {
        node.ok = node.ok && p.value("state", "") == "established";
        details.push_back(fmt::format("{}: {}", p.value("address", "?"), SessionDetail(p)));
      }
      node.detail = fmt::format("{}", fmt::join(details, "; "));
    }
    out.push_back(std::move(node));
  }
}

// The prefixes the router must hold, each with the addresses of the nodes that own it.
std::vector<std::pair<std::string, std::vector<std::string>>> Expected(const Topology& t) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  auto address_of = [&](const std::string& node) {
    for (const auto& n : t.nodes) {
      if (n.name == node) return n.address;
    }
    return std::string();
  };
  for (const auto& n : t.nodes) {
    if (n.speaker && !n.pod_cidr.empty()) out.push_back({n.pod_cidr, {n.address}});
  }
  for (const auto& n : t.nodes) {
    if (n.speaker && !n.pod_cidr_v6.empty()) out.push_back({n.pod_cidr_v6, {n.address}});
  }
  for (const auto& lb : t.load_balancers) {
    std::vector<std::string> hops;
    for (const auto& n : lb.nodes) hops.push_back(address_of(n));
    std::sort(hops.begin(), hops.end());
    out.push_back({HostPrefix(lb.ip), hops});
  }
  return out;
}

void RouteChecks(const Topology& t, const Observed& o, std::vector<Check>& out) {
  for (const auto& expected : Expected(t)) {
    // Named copies: lambdas cannot capture structured bindings before clang 16.
    const std::string& prefix = expected.first;
    const std::vector<std::string>& owners = expected.second;
    Check rib{"rib", prefix, false, ""};
    if (!o.router_routes) {
      rib.detail = "cannot read the router's routes: " + o.router_routes.error();
    } else {
      const json* route = nullptr;
      for (const auto& r : *o.router_routes) {
        if (r.value("prefix", "") == prefix) route = &r;
      }
      if (route == nullptr || !route->contains("best") || (*route)["best"].is_null()) {
        rib.detail =
            fmt::format("not in the router's RIB (expected from {})", fmt::join(owners, ", "));
      } else {
        std::set<std::string> from;
        for (const auto& p : (*route)["paths"]) from.insert(p.value("peer", ""));
        std::vector<std::string> missing;
        for (const auto& a : owners) {
          if (!from.count(a)) missing.push_back(a);
        }
        rib.ok = missing.empty();
        const auto& best = (*route)["best"];
        rib.detail =
            fmt::format("best via {} from {} ({}), {} path{}", best.value("next_hop", "?"),
                        best.value("peer", "?"), best.value("reason", "?"),
                        (*route)["paths"].size(), (*route)["paths"].size() == 1 ? "" : "s");
        if (!missing.empty())
          rib.detail += fmt::format("; no path from {}", fmt::join(missing, ", "));
      }
    }
    out.push_back(std::move(rib));

    Check kernel{"kernel", prefix, false, ""};
    if (!o.kernel) {
      kernel.detail = "cannot read the router's kernel routes: " + o.kernel.error();
    } else {
      const auto it = std::find_if(o.kernel->begin(), o.kernel->end(),
                                   [&](const KernelRoute& r) { return r.prefix == prefix; });
      if (it == o.kernel->end()) {
        kernel.detail = "not in the router's kernel table";
      } else {
        // A link-local next hop counts as the node whose MAC it comes from.
        std::vector<std::string> nodes, shown;
        for (const auto& hop : it->next_hops) {
          const auto owner = o.link_local_owners.find(hop);
          nodes.push_back(owner == o.link_local_owners.end() ? hop : owner->second);
          shown.push_back(NextHopText(hop, o.link_local_owners));
        }
        std::sort(nodes.begin(), nodes.end());
        std::sort(shown.begin(), shown.end());
        kernel.ok = nodes == owners;
        kernel.detail = fmt::format("via {}{}", fmt::join(shown, ", "),
                                    it->next_hops.size() > 1 ? " (ECMP)" : "");
        if (!kernel.ok) kernel.detail += fmt::format("; expected via {}", fmt::join(owners, ", "));
      }
    }
    out.push_back(std::move(kernel));
  }
}

struct Probe {
  std::string name;
  std::string from;
  std::string ip;
  std::string expect_body;  // a substring the reply must hold; empty: any 200
};

std::vector<Probe> Probes(const Topology& t) {
  std::vector<Probe> out;
  for (const auto& lb : t.load_balancers) {
    out.push_back(
        {fmt::format("router -> {} ({} {})", lb.ip, lb.cluster, lb.service), "router", lb.ip, ""});
  }
  std::vector<std::string> clusters;
  for (const auto& p : t.pods) {
    if (std::find(clusters.begin(), clusters.end(), p.cluster) == clusters.end()) {
      clusters.push_back(p.cluster);
    }
  }
  for (const auto& c : clusters) {
    std::vector<const Topology::Pod*> pods;
    for (const auto& p : t.pods) {
      if (p.cluster == c) pods.push_back(&p);
    }
    const auto& from = *pods.front();
    for (const auto& lb : t.load_balancers) {
      if (lb.cluster == c) continue;
      out.push_back(
          {fmt::format("{}/{} -> {} ({} {})", c, from.name, lb.ip, lb.cluster, lb.service),
           c + "/" + from.name, lb.ip, ""});
    }
    // Two pods on different nodes when there are, so that the packet crosses nodes.
    const auto* to = pods.size() > 1 ? pods[1] : nullptr;
    for (const auto* p : pods) {
      if (p != pods.front() && p->node != from.node) {
        to = p;
        break;
      }
    }
    if (to != nullptr) {
      for (const auto* address : {&to->address, &to->address_v6}) {
        if (address->empty()) continue;
        out.push_back({fmt::format("{}/{} -> {}/{} ({})", c, from.name, c, to->name, *address),
                       c + "/" + from.name, *address, to->name});
      }
    }
  }
  return out;
}

// `from_router`: the probes from the router too.
void HttpChecks(const Topology& t, bool from_router, const Prober& prober,
                std::vector<Check>& out) {
  auto probes = Probes(t);
  if (!from_router) {
    probes.erase(std::remove_if(probes.begin(), probes.end(),
                                [](const Probe& p) { return p.from == "router"; }),
                 probes.end());
  }
  std::vector<std::future<Result<HttpResult, Error>>> replies;
  for (const auto& p : probes) {
    replies.push_back(
        std::async(std::launch::async, [&prober, p] { return prober(p.from, p.ip, 80); }));
  }
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const auto& p = probes[i];
    auto r = replies[i].get();
    Check c{"http", p.name, false, ""};
    if (!r) {
      c.detail = r.error().message();
    } else {
      std::string body = r->body;
      while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
      c.ok = r->status == 200 && body.find(p.expect_body) != std::string::npos;
      c.detail =
          fmt::format("HTTP {} in {:.3f} s: {:?}", r->status, r->seconds, body.substr(0, 60));
    }
    out.push_back(std::move(c));
  }
}

// "aa:bb:cc:dd:ee:ff" -> its six bytes.
std::optional<std::array<std::uint8_t, 6>> ParseMac(std::string_view text) {
  std::array<std::uint8_t, 6> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (text.size() < 2 || (i + 1 < out.size() && (text.size() < 3 || text[2] != ':'))) {
      return std::nullopt;
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + 2, out[i], 16);
    if (ec != std::errc() || end != text.data() + 2) return std::nullopt;
    text.remove_prefix(i + 1 < out.size() ? 3 : 2);
  }
  if (!text.empty()) return std::nullopt;
  return out;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

}  // namespace

std::vector<Check> Verify(const Topology& t, const Observed& o, const Prober& probe) {
  std::vector<Check> out;
  SessionChecks(t, o, out);
  if (o.router_readable) RouteChecks(t, o, out);
  HttpChecks(t, o.router_readable, probe, out);
  return out;
}

std::vector<std::string> SessionsNotEstablished(const Topology& t, const Observed& o) {
  std::vector<std::string> out;
  for (const auto& n : t.nodes) {
    if (!n.speaker) continue;
    std::string router_side = "no session";
    if (!o.router_readable) {
      router_side = "nothing (not bgpdemo's to read)";  // the nodes' side decides
    } else if (!o.router_peers) {
      router_side = o.router_peers.error();
    } else {
      for (const auto& p : *o.router_peers) {
        if (p.value("address", "") != n.address) continue;
        router_side = p.value("state", "?");
        if (!p.value("last_error", "").empty()) {
          router_side += " (" + p.value("last_error", "") + ")";
        }
      }
    }
    std::string node_side = "not asked";
    if (const auto it = o.node_peers.find(n.name); it != o.node_peers.end()) {
      if (!it->second) {
        node_side = it->second.error();
      } else {
        node_side = it->second->empty() ? "no neighbor" : "";
        for (const auto& p : *it->second) {
          if (p.value("state", "") == "established") continue;
          node_side = p.value("state", "?");
        }
      }
    }
    if ((o.router_readable && router_side != "established") || !node_side.empty()) {
      out.push_back(fmt::format("{}: router sees {}, node sees {}", n.name, router_side,
                                node_side.empty() ? "established" : node_side));
    }
  }
  return out;
}

void PrintChecksTable(const std::vector<Check>& checks, std::ostream& out) {
  Table table({"CHECK", "RESULT", "DETAIL"});
  std::size_t failed = 0;
  for (const auto& c : checks) {
    table.Add({c.group + " " + c.name, c.ok ? "ok" : "FAIL", c.detail});
    failed += c.ok ? 0 : 1;
  }
  out << table.Render();
  out << fmt::format("{} passed, {} failed\n", checks.size() - failed, failed);
}

nlohmann::json ChecksJson(const std::vector<Check>& checks) {
  json list = json::array();
  std::size_t failed = 0;
  for (const auto& c : checks) {
    list.push_back({{"group", c.group}, {"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
    failed += c.ok ? 0 : 1;
  }
  return {{"passed", checks.size() - failed}, {"failed", failed}, {"checks", list}};
}

std::string ChecksJunit(const std::vector<Check>& checks, double seconds) {
  std::size_t failed = 0;
  for (const auto& c : checks) failed += c.ok ? 0 : 1;
  std::string x = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuite name=\"bgpdemo verify\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
      checks.size(), failed, seconds);
  for (const auto& c : checks) {
    x += fmt::format("  <testcase classname=\"{}\" name=\"{}\"", XmlEscape(c.group),
                     XmlEscape(c.name));
    if (c.ok) {
      x += fmt::format("><system-out>{}</system-out></testcase>\n", XmlEscape(c.detail));
    } else {
      x += fmt::format("><failure message=\"{}\"/></testcase>\n", XmlEscape(c.detail));
    }
  }
  x += "</testsuite>\n";
  return x;
}

Result<std::vector<KernelRoute>, std::string> ParseIpRouteJson(const std::string& text, bool ipv6) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return Fail(fmt::format("`ip -j route` printed no JSON list: {:?}", text.substr(0, 80)));
  }
  std::vector<KernelRoute> out;
  for (const auto& r : j) {
    KernelRoute k;
    k.prefix = r.value("dst", "");
    if (k.prefix == "default") k.prefix = ipv6 ? "::/0" : "0.0.0.0/0";
    if (k.prefix.find('/') == std::string::npos) k.prefix += ipv6 ? "/128" : "/32";
    if (r.contains("gateway")) k.next_hops.push_back(r.value("gateway", ""));
    for (const auto& nh : r.value("nexthops", json::array())) {
      if (nh.contains("gateway")) k.next_hops.push_back(nh.value("gateway", ""));
    }
    std::sort(k.next_hops.begin(), k.next_hops.end());
    out.push_back(std::move(k));
  }
  return out;
}

std::string NextHopText(const std::string& hop, const LinkLocalOwners& owners) {
  const auto owner = owners.find(hop);
  return owner == owners.end() ? hop : fmt::format("{} ({})", owner->second, hop);
}

LinkLocalOwners ParseNeighbourLinkLocals(const std::string& text) {
  LinkLocalOwners out;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& n : j) {
    const auto dst = bgp::wire::IpAddress::Parse(n.value("dst", ""));
    const auto mac = ParseMac(n.value("lladdr", ""));
    if (!dst || dst->afi != bgp::wire::Afi::kIpv4 || !mac) continue;
    out[bgp::fib::Eui64LinkLocal(*mac).ToString()] = dst->ToString();
  }
  return out;
}

}  // namespace bgpdemo::core
