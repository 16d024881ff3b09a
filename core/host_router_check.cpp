#include "core/host_router_check.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "base/check.h"
#include "core/scenario.h"

namespace bgpdemo::core {

namespace {

using bgp::wire::IpAddress;

bool Within(const bgp::wire::Prefix& subnet, const IpAddress& a) {
  return Contains(subnet, PrefixOf(a, a.afi == bgp::wire::Afi::kIpv4 ? 32 : 128));
}

std::string_view FamilyName(bgp::wire::Afi afi) {
  return afi == bgp::wire::Afi::kIpv4 ? "IPv4" : "IPv6";
}

std::string AddressList(const std::vector<HostAddress>& all) {
  std::string out;
  for (const auto& a : all) out += (out.empty() ? "" : ", ") + a.ToString();
  return out.empty() ? "none" : out;
}

// The listeners that hold `port` on `address`: bound to it or to a wildcard.
std::vector<TcpListener> HoldersOf(const std::vector<TcpListener>& all, const IpAddress& address,
                                   std::uint16_t port) {
  const auto a = address.ToString();
  std::set<std::string> locals;
  // ss writes an IPv6 address in brackets; a wildcard IPv6 socket takes IPv4 too unless
  // it is v6only, which ss does not show.
  const std::vector<std::string> hosts =
      address.afi == bgp::wire::Afi::kIpv4
          ? std::vector<std::string>{a, "0.0.0.0", "*", "[::]", "[::ffff:" + a + "]"}
          : std::vector<std::string>{"[" + a + "]", "*", "[::]"};
  for (const auto& host : hosts) locals.insert(fmt::format("{}:{}", host, port));
  std::vector<TcpListener> out;
  for (const auto& l : all) {
    if (locals.count(l.local) != 0) out.push_back(l);
  }
  return out;
}

HostProblem PortProblem(CommandRunner& runner, const IpAddress& address, std::uint16_t port,
                        int err) {
  const auto where = fmt::format("{}:{}", address.ToString(), port);
  if (err == EADDRINUSE) {
    const auto holders = HoldersOf(ReadTcpListeners(runner, port), address, port);
    for (const auto& h : holders) {
      if (h.process.empty()) continue;
      return {fmt::format("TCP port {} on {} is in use by {} (pid {}, listening on {})", port,
                          address.ToString(), h.process, h.pid, h.local),
              fmt::format("stop {} (pid {}), or give another address of this machine", h.process,
                          h.pid)};
    }
    return {fmt::format("TCP port {} on {} is in use", port, address.ToString()),
            fmt::format("find the holder with `sudo ss -ltnp 'sport = :{}'` and stop it, or give "
                        "another address of this machine",
                        port)};
  }
  if (err == EACCES) {
    return {fmt::format("binding TCP port {} ({}) needs root or CAP_NET_BIND_SERVICE", port, where),
            "run bgpdemo with sudo"};
  }
  return {fmt::format("cannot bind TCP port {} on {}: {}", port, address.ToString(),
                      std::strerror(err)),
          "check the address and this machine's network settings"};
}

// The address of `addresses` of family `afi` whose subnet holds most of `nodes` (the first
// on a tie); the first of the family when none holds any.
// REQUIRES: `addresses` has one of family `afi`.
std::size_t ChooseAddress(const std::vector<HostAddress>& addresses, bgp::wire::Afi afi,
                          const std::vector<const RouterNode*>& nodes, std::size_t* on_subnet) {
  std::size_t best = addresses.size();
  std::size_t best_count = 0;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    if (addresses[i].address.afi != afi) continue;
    if (best == addresses.size()) best = i;
    std::size_t count = 0;
    for (const auto* n : nodes) count += Within(addresses[i].Subnet(), n->address) ? 1 : 0;
    if (count > best_count) {
      best = i;
      best_count = count;
    }
  }
  *on_subnet = best_count;
  return best;
}

}  // namespace

bool HostRouterReport::Ok() const {
  for (const auto& p : problems) {
    if (p.blocking) return false;
  }
  return true;
}

std::string HostRouterReport::Format() const {
  std::string out;
  for (const auto& p : problems) {
    out += fmt::format("  - {}{}\n    fix: {}\n", p.blocking ? "" : "(warning) ", p.problem, p.fix);
  }
  return out;
}

Error HostRouterReport::ToError(const RouterPlacement& placement) const {
  return Error::Environment(fmt::format("--router {}: the route server cannot run here:\n{}",
                                        ToString(placement), Format()));
}

Result<HostRouterReport, Error> CheckHostRouter(CommandRunner& runner, PortBinder& binder,
                                                const RouterPlacement& placement,
                                                const std::vector<RouterNode>& nodes,
                                                std::uint16_t port) {
  BGPDEMO_CHECK(placement.kind == RouterPlacementKind::kHost);
  auto local = ReadHostAddresses(runner);
  if (!local) return Fail(local.error());

  HostRouterReport report;
  for (const auto& a : placement.addresses) {
    const HostAddress* found = nullptr;
    for (const auto& l : *local) {
      if (l.address == a) found = &l;
    }
    if (found == nullptr) {
      report.problems.push_back(
          {fmt::format("--router {}: {} is not an address of this machine (its addresses: {})",
                       ToString(placement), a.ToString(), AddressList(*local)),
           "give addresses of this machine on the clusters' node subnets, or run the router "
           "elsewhere (--router container:DOCKER_HOST or external:ADDR,AS)"});
      continue;
    }
    report.addresses.push_back(*found);
    if (const int err = binder.TryBind(a, port); err != 0) {
      report.problems.push_back(PortProblem(runner, a, port, err));
    }
  }
  if (report.addresses.empty()) return report;  // nothing to reach the nodes from

  // Each cluster's nodes, per family: a cluster gets a router address of each family its
  // nodes are given in.
  using Group = std::pair<std::string, bgp::wire::Afi>;
  std::vector<Group> groups;
  std::map<Group, std::vector<const RouterNode*>> members_of;
  for (const auto& n : nodes) {
    const Group g{n.cluster, n.address.afi};
    if (members_of.count(g) == 0) groups.push_back(g);
    members_of[g].push_back(&n);
  }
  std::set<std::size_t> used;
  std::map<Group, std::size_t> chosen;
  std::set<Group> off_subnet;  // none of the group's nodes is on a router subnet
  for (const auto& g : groups) {
    const auto& [c, afi] = g;
    const auto& members = members_of[g];
    const auto family = FamilyName(afi);
    bool has_family = false;
    for (const auto& a : report.addresses) has_family = has_family || a.address.afi == afi;
    if (!has_family) {
      std::vector<std::string> shown;
      for (const auto* m : members) shown.push_back(m->address.ToString());
      report.problems.push_back(
          {fmt::format("cluster {}'s nodes have {} addresses ({}) and --router {} gives this "
                       "machine no {} address",
                       c, family, fmt::join(shown, ", "), ToString(placement), family),
           fmt::format("add this machine's {} address on cluster {}'s node subnet to --router",
                       family, c)});
      off_subnet.insert(g);
      continue;
    }
    std::size_t on_subnet = 0;
    const auto i = ChooseAddress(report.addresses, afi, members, &on_subnet);
    chosen[g] = i;
    used.insert(i);
    (afi == bgp::wire::Afi::kIpv4 ? report.cluster_address : report.cluster_address_v6)[c] =
        report.addresses[i].address;
    if (on_subnet == 0) {
      std::vector<std::string> subnets;
      for (const auto& a : report.addresses) {
        if (a.address.afi == afi) subnets.push_back(a.Subnet().ToString());
      }
      // Blocking even when every node answers on-link from another interface of this
      // machine (a namespace or host with legs on several networks): the nodes themselves
      // reach the router's address only through their gateway, so their eBGP session (TTL 1)
      // and their static routes (a next hop on their own link) cannot work.
      report.problems.push_back(
          {fmt::format("cluster {}'s nodes are on none of the router's {} subnets ({}); it "
                       "would use {}, which its nodes reach only through a gateway",
                       c, family, fmt::join(subnets, ", "), report.addresses[i].address.ToString()),
           fmt::format("give an {} address of this machine on cluster {}'s node subnet", family, c),
           true});
      off_subnet.insert(g);
    }
  }
  for (const auto& n : nodes) {
    const Group g{n.cluster, n.address.afi};
    if (chosen.count(g) == 0) continue;  // said above: no address of its family
    const auto& from = report.addresses[chosen[g]];
    auto route = LookupRoute(runner, from.address, n.address);
    if (!route) return Fail(route.error());
    report.nodes.push_back({n, from.address, *route});
    const auto who =
        fmt::format("node {} (cluster {}, {})", n.node, n.cluster, n.address.ToString());
    if (!route->reachable) {
      report.problems.push_back(
          {fmt::format("{} is not reachable from {}: {}", who, from.address.ToString(),
                       route->error),
           "give an address of this machine on the node's subnet, or route the node's subnet "
           "to this machine"});
    } else if (!route->gateway.empty()) {
      report.problems.push_back(
          {fmt::format("{} is reached from {} via gateway {} on {}, not on-link: Cilium's eBGP "
                       "session keeps TTL 1 and the nodes' static routes need the router on "
                       "their link",
                       who, from.address.ToString(), route->gateway, route->dev),
           fmt::format("give an address of this machine on {}'s subnet", n.address.ToString())});
    } else if (!Within(from.Subnet(), n.address) && off_subnet.count(g) == 0) {
      report.problems.push_back(
          {fmt::format("{} is on-link on {} but outside {}'s subnet {}", who, route->dev,
                       from.address.ToString(), from.Subnet().ToString()),
           fmt::format("give this machine's address on {} too, so that the node has a next hop "
                       "on its own subnet",
                       route->dev),
           false});
    }
  }
  for (std::size_t i = 0; i < report.addresses.size(); ++i) {
    if (used.count(i) != 0 || groups.empty()) continue;
    report.problems.push_back(
        {fmt::format("{} is on no cluster's node subnet: the router listens there, but no "
                     "cluster peers with it",
                     report.addresses[i].ToString()),
         fmt::format("drop {} from --router", report.addresses[i].address.ToString()), false});
  }
  return report;
}

}  // namespace bgpdemo::core
