#include "core/kind/networks.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/docker_subnets.h"
#include "core/kind/internal.h"
#include "core/kind/kind.h"

namespace bgpdemo::core::kind {

namespace {

using nlohmann::json;

constexpr int kDockerDefaultMtu = 1500;

int ParseMtu(const json& options) {
  if (!options.is_object()) return 0;
  const auto it = options.find("com.docker.network.driver.mtu");
  if (it == options.end() || !it->is_string()) return 0;
  const auto& text = it->get_ref<const std::string&>();
  int mtu = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mtu);
  return ec == std::errc() && end == text.data() + text.size() && mtu > 0 ? mtu : 0;
}

std::optional<bgp::wire::Prefix> Ipv4(const std::string& cidr) {
  return cidr.empty() ? std::nullopt : ParseIpv4Prefix(cidr);
}

const DockerNetwork* Find(const std::vector<DockerNetwork>& networks, const std::string& name) {
  const auto it = std::find_if(networks.begin(), networks.end(),
                               [&](const DockerNetwork& n) { return n.name == name; });
  return it == networks.end() ? nullptr : &*it;
}

// The problems of a pinned subnet for a network that does not exist yet.
std::vector<std::string> PinnedSubnetProblems(const NetworkSpec& n, const NetworkFacts& facts) {
  std::vector<std::string> problems;
  const auto want = Ipv4(n.subnet);
  if (!want) return problems;  // validation refuses a subnet that is not IPv4
  std::vector<std::string> docker_subnets;
  for (const auto& d : facts.docker) {
    docker_subnets.push_back(d.subnet);
    const auto have = Ipv4(d.subnet);
    if (!have || !Overlaps(*have, *want)) continue;
    problems.push_back(fmt::format(
        "the scenario's subnet {} for network {} overlaps Docker network {} ({}): leave the "
        "subnet out of the scenario to let Docker choose a free one, change it, or remove {} "
        "(docker network rm {})",
        n.subnet, n.name, d.name, d.subnet, d.name, d.name));
  }
  for (const auto& r : facts.routes) {
    // A Docker network's own bridge route is named above, as the network.
    if (std::find(docker_subnets.begin(), docker_subnets.end(), r.dst) != docker_subnets.end()) {
      continue;
    }
    const auto have = Ipv4(r.dst);
    if (!have || !Overlaps(*have, *want)) continue;
    problems.push_back(fmt::format(
        "the scenario's subnet {} for network {} overlaps the route {}{} of this machine (ip "
        "route): leave the subnet out of the scenario to let Docker choose a free one, or change "
        "it",
        n.subnet, n.name, r.dst, r.dev.empty() ? "" : " dev " + r.dev));
  }
  return problems;
}

}  // namespace

Result<std::vector<DockerNetwork>, Error> ParseNetworkInspect(const std::string& inspect_out) {
  auto j = ParseJson(inspect_out, "docker network inspect");
  if (!j) return Fail(j.error());
  if (!j->is_array()) {
    return Fail(fmt::format("docker network inspect printed no list of networks: {:?}",
                            inspect_out.substr(0, 120)));
  }
  std::vector<DockerNetwork> out;
  for (const auto& n : *j) {
    if (!n.is_object()) continue;
    DockerNetwork d;
    d.name = n.value("Name", "");
    const json ipam = n.value("IPAM", json::object());
    const json configs = ipam.is_object() ? ipam.value("Config", json::array()) : json::array();
    for (const auto& c : configs.is_array() ? configs : json::array()) {
      if (!c.is_object()) continue;
      const auto subnet = c.value("Subnet", "");
      if (subnet.empty()) continue;
      if (subnet.find(':') != std::string::npos) {
        d.ipv6_subnets.push_back(subnet);
      } else if (d.subnet.empty()) {  // the first IPv4 pool: the one Docker hands out from
        d.subnet = subnet;
        d.gateway = c.value("Gateway", "");
      }
    }
    d.mtu = ParseMtu(n.value("Options", json::object()));
    const json labels = n.value("Labels", json::object());
    d.owned = labels.is_object() && labels.value("io.bgpdemo.owner", "") == "bgpdemo";
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<HostRoute>, Error> ParseIpRoutes(const std::string& json_out) {
  auto j = ParseJson(json_out, "ip -j route");
  if (!j) return Fail(j.error());
  if (!j->is_array()) return Fail("ip -j route printed no list of routes");
  std::vector<HostRoute> out;
  for (const auto& r : *j) {
    if (!r.is_object()) continue;
    std::string dst = r.value("dst", "");
    if (dst.empty() || dst == "default" || dst.find(':') != std::string::npos) continue;
    if (dst.find('/') == std::string::npos) dst += "/32";
    if (!ParseIpv4Prefix(dst)) continue;
    out.push_back({dst, r.value("dev", "")});
  }
  return out;
}

Result<std::vector<NetworkAction>, Error> PlanNetworks(const std::vector<NetworkSpec>& networks,
                                                       const NetworkFacts& facts, bool ipv6) {
  std::vector<NetworkAction> plan;
  std::vector<std::string> problems;
  for (const auto& n : networks) {
    NetworkAction a;
    a.name = n.name;
    if (const auto* have = Find(facts.docker, n.name)) {
      if (have->subnet.empty()) {
        problems.push_back(fmt::format(
            "Docker network {} exists with no IPv4 subnet{}: the demo needs one; remove it "
            "(docker network rm {}) and up creates it",
            n.name,
            have->ipv6_subnets.empty()
                ? ""
                : fmt::format(" (only {})", fmt::join(have->ipv6_subnets, ", ")),
            n.name));
      } else if (!n.subnet.empty() && have->subnet != n.subnet) {
        problems.push_back(fmt::format(
            "Docker network {} exists with subnet {}{}, the scenario pins {}: leave the subnet "
            "out of the scenario to use the network as it is, or remove the network first (`kind "
            "delete cluster --name C` for each cluster on it, then docker network rm {})",
            n.name, have->subnet, have->gateway.empty() ? "" : " (gateway " + have->gateway + ")",
            n.subnet, n.name));
      }
      a.subnet = have->subnet;
      a.gateway = have->gateway;
      if (ipv6 && have->ipv6_subnets.empty()) {
        problems.push_back(fmt::format(
            "Docker network {} exists with no IPv6 subnet: the scenario's clusters are dual "
            "stack or IPv6 and Docker cannot add IPv6 to a network; remove it (`kind delete "
            "cluster --name C` for each cluster on it, then docker network rm {}) and up creates "
            "it with IPv6 ({})",
            n.name, n.name, n.subnet_v6.empty() ? KindUlaSubnet(n.name) : n.subnet_v6));
      } else if (ipv6 && !n.subnet_v6.empty() && have->ipv6_subnets.front() != n.subnet_v6) {
        problems.push_back(fmt::format(
            "Docker network {} exists with IPv6 subnet {}, the scenario pins {}: leave "
            "subnet_v6 out of the scenario to use the network as it is, or remove the network "
            "first (docker network rm {})",
            n.name, have->ipv6_subnets.front(), n.subnet_v6, n.name));
      } else if (ipv6) {
        a.subnet_v6 = have->ipv6_subnets.front();
      }
    } else {
      auto found = PinnedSubnetProblems(n, facts);
      problems.insert(problems.end(), found.begin(), found.end());
      a.create = true;
      a.subnet = n.subnet;
      if (ipv6) a.subnet_v6 = n.subnet_v6.empty() ? KindUlaSubnet(n.name) : n.subnet_v6;
      a.argv = NetworkCreateArgv(n, facts.default_mtu, a.subnet_v6);
    }
    plan.push_back(std::move(a));
  }
  if (!problems.empty()) {
    return Fail(Error::Environment(fmt::format("{}", fmt::join(problems, "\n"))));
  }
  return plan;
}

std::vector<std::string> NetworkCreateArgv(const NetworkSpec& network, int mtu,
                                           const std::string& subnet_v6) {
  std::vector<std::string> argv{"docker", "network", "create", "--driver", "bridge"};
  if (!network.subnet.empty()) argv.insert(argv.end(), {"--subnet", network.subnet});
  if (!subnet_v6.empty()) argv.insert(argv.end(), {"--ipv6", "--subnet", subnet_v6});
  argv.insert(argv.end(), {"--opt", "com.docker.network.bridge.enable_ip_masquerade=true"});
  // kind passes docker0's MTU to every network it makes; Docker's default needs no option.
  if (mtu > 0 && mtu != kDockerDefaultMtu) {
    argv.insert(argv.end(), {"--opt", fmt::format("com.docker.network.driver.mtu={}", mtu)});
  }
  argv.insert(argv.end(), {"--attachable", "--label", kOwnerLabel, network.name});
  return argv;
}

Result<void, Error> CheckAdoptedSubnets(const Scenario& s) {
  std::vector<std::string> problems;
  const auto fix = [](const std::string& network) {
    return fmt::format(
        "change that CIDR in the scenario, or pin a free subnet for network {} in the scenario "
        "and remove the network first (docker network rm {})",
        network, network);
  };
  for (std::size_t i = 0; i < s.networks.size(); ++i) {
    const auto& n = s.networks[i];
    const auto subnet = Ipv4(n.subnet);
    BGPDEMO_CHECK(subnet.has_value());
    for (const auto& c : s.clusters) {
      const std::pair<const std::string*, const char*> cidrs[] = {
          {&c.pod_cidr, "pod CIDR"}, {&c.service_cidr, "service CIDR"}, {&c.lb_pool, "LB pool"}};
      for (const auto& [cidr, what] : cidrs) {
        const auto p = Ipv4(*cidr);
        if (!p || !Overlaps(*p, *subnet)) continue;
        problems.push_back(
            fmt::format("Docker network {} has subnet {}, which overlaps cluster {}'s {} {}: {}",
                        n.name, n.subnet, c.name, what, *cidr, fix(n.name)));
      }
    }
    for (std::size_t k = i + 1; k < s.networks.size(); ++k) {
      const auto other = Ipv4(s.networks[k].subnet);
      if (!other || !Overlaps(*other, *subnet)) continue;
      problems.push_back(fmt::format(
          "Docker networks {} ({}) and {} ({}) overlap: the route server cannot be on both; remove "
          "one (docker network rm NAME) and up creates it again",
          n.name, n.subnet, s.networks[k].name, s.networks[k].subnet));
    }
  }
  if (!problems.empty()) {
    return Fail(Error::Environment(fmt::format("{}", fmt::join(problems, "\n"))));
  }
  return {};
}

}  // namespace bgpdemo::core::kind
