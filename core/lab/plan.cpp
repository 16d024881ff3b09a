#include "core/lab/plan.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>

#include "core/docker_subnets.h"
#include "core/scenario_validate.h"

namespace bgpdemo::core::lab {

namespace {

using bgp::wire::IpAddress;
using bgp::wire::Prefix;

std::uint32_t Base(const Prefix& p) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = v << 8 | p.addr[i];
  return v;
}

std::uint64_t Size(const Prefix& p) { return std::uint64_t{1} << (32 - p.length); }

std::string Address(std::uint32_t host_order) { return IpAddress::V4(host_order).ToString(); }

bool ValidPrefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 20 || prefix.front() == '-') return false;
  return std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Result<std::vector<StaticRoute>, Error> NodeRoutes(const RenderedFile& f) {
  std::vector<StaticRoute> out;
  try {
    const auto doc = YAML::Load(f.content);
    for (const auto& r : doc["routes"]) {
      out.push_back({r["to"].as<std::string>(), r["via"].as<std::string>()});
    }
  } catch (const YAML::Exception& e) {
    return Fail(Error::Input(fmt::format("{}: {}", f.path, e.what())));
  }
  return out;
}

std::string WorkerName(const std::string& cluster, std::uint64_t i) {
  return i == 0 ? cluster + "-worker" : fmt::format("{}-worker{}", cluster, i + 1);
}

}  // namespace

const LabNode* LabPlan::FindNode(std::string_view name) const {
  for (const auto& n : nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

const LabNetwork* LabPlan::FindNetwork(std::string_view name) const {
  for (const auto& n : networks) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::vector<std::string> LbAddresses(const LabPlan& plan, std::string_view node) {
  std::vector<std::string> out;
  for (const auto& sp : plan.speakers) {
    if (sp.node != node) continue;
    for (const auto& prefix : sp.prefixes) {
      auto addr = prefix.substr(0, prefix.find('/'));
      if (prefix != HostPrefix(addr)) continue;
      if (std::find(out.begin(), out.end(), addr) == out.end()) out.push_back(std::move(addr));
    }
  }
  return out;
}

std::vector<std::string> LabPlan::Namespaces() const {
  std::vector<std::string> out;
  for (const auto& n : networks) out.push_back(n.netns);
  out.push_back(router_netns);
  for (const auto& n : nodes) out.push_back(n.netns);
  for (const auto& p : pods) out.push_back(p.netns);
  return out;
}

Result<LabPlan, Error> PlanLab(const Scenario& scenario, const PlanOptions& options) {
  if (!ValidPrefix(options.prefix)) {
    return Fail(
        Error::Usage(fmt::format("lab prefix {:?}: use 1 to 20 characters of a-z, 0-9 "
                                 "and '-', not starting with '-'",
                                 options.prefix)));
  }
  Scenario s = scenario;
  AssumeDockerSubnets(s);  // what Docker would choose for a network the scenario leaves open

  LabPlan plan;
  plan.prefix = options.prefix;
  plan.scenario = s.name;
  plan.router_name = s.router.name;
  plan.router_netns = options.prefix + "-router";
  RenderOptions ro;
  for (std::size_t i = 0; i < s.networks.size(); ++i) {
    const auto subnet = *ParseIpv4Prefix(s.networks[i].subnet);
    LabNetwork n;
    n.name = s.networks[i].name;
    n.subnet = s.networks[i].subnet;
    n.prefix_length = subnet.length;
    n.netns = fmt::format("{}-net-{}", options.prefix, n.name);
    n.router_address = Address(Base(subnet) + static_cast<std::uint32_t>(Size(subnet) - 2));
    n.router_ifname = fmt::format("eth{}", i);
    ro.router_addresses[n.name] = n.router_address;
    if (s.HasIpv6()) {
      // Pinned in the scenario that render sees, so that the router's address checks out.
      auto& subnet_v6 = s.networks[i].subnet_v6;
      if (subnet_v6.empty()) subnet_v6 = KindUlaSubnet(n.name);
      const auto p6 = *ParseIpv6Prefix(subnet_v6);
      n.subnet_v6 = subnet_v6;
      n.prefix_length_v6 = p6.length;
      n.router_address_v6 = AddressFromEnd(p6, 1).ToString();
      ro.router_addresses_v6[n.name] = n.router_address_v6;
    }
    plan.networks.push_back(std::move(n));
  }

  std::map<std::string, std::uint32_t> next_host;  // per network: kind's next node address
  for (const auto& c : s.clusters) {
    const auto subnet = *ParseIpv4Prefix(s.FindNetwork(c.network)->subnet);
    // IPv6-only: the nodes keep an IPv4 address on their network (Docker gives every network
    // IPv4; kind's nodes have one that Kubernetes does not use), the pods have none.
    const auto pods = s.HasIpv4() ? *ParseIpv4Prefix(c.pod_cidr) : Prefix::V4(0, 8);
    const auto count = c.workers + 1;
    if (s.HasIpv4() && (pods.length > 24 || Size(pods) / 256 < count)) {
      return Fail(
          Error::Input(fmt::format("cluster {}: pod CIDR {} has no /24 for each of its {} nodes",
                                   c.name, c.pod_cidr, count)));
    }
    std::optional<Prefix> subnet_v6, pods_v6;
    if (s.HasIpv6()) {
      subnet_v6 = ParseIpv6Prefix(s.FindNetwork(c.network)->subnet_v6);
      pods_v6 = ParseIpv6Prefix(c.pod_cidr_v6);
      if (pods_v6->length > 64 ||
          (64 - pods_v6->length < 32 && count > (1ull << (64 - pods_v6->length)))) {
        return Fail(Error::Input(
            fmt::format("cluster {}: IPv6 pod CIDR {} has no /64 for each of its {} nodes", c.name,
                        c.pod_cidr_v6, count)));
      }
    }
    for (std::uint64_t i = 0; i < count; ++i) {
      auto& host = next_host.try_emplace(c.network, 2).first->second;
      if (host >= Size(subnet) - 2) {
        return Fail(Error::Input(
            fmt::format("network {}: subnet {} has no address left for cluster {}'s nodes",
                        c.network, s.FindNetwork(c.network)->subnet, c.name)));
      }
      LabNode n;
      n.name = i == 0 ? c.name + "-control-plane" : WorkerName(c.name, i - 1);
      n.cluster = c.name;
      n.network = c.network;
      n.netns = fmt::format("{}-node-{}", options.prefix, n.name);
      n.address = Address(Base(subnet) + host);
      if (subnet_v6) {
        n.address_v6 = AddressIn(*subnet_v6, host).ToString();
        const auto pod_v6 = Subprefix(*pods_v6, 64, i);
        n.pod_cidr_v6 = pod_v6.ToString();
        n.pod_gateway_v6 = AddressIn(pod_v6, 1).ToString();
      }
      n.port = fmt::format("node{}", host - 2);
      ++host;
      if (s.HasIpv4()) {
        const auto pod_base = Base(pods) + static_cast<std::uint32_t>(i) * 256;
        n.pod_cidr = Prefix::V4(pod_base, 24).ToString();
        n.pod_gateway = Address(pod_base + 1);
      }
      n.control_plane = i == 0;
      plan.nodes.push_back(std::move(n));
    }
  }

  auto rendered = Render(s, ro);
  if (!rendered) return Fail(rendered.error());
  plan.rendered = std::move(*rendered);

  for (const auto& c : s.clusters) {
    std::vector<const LabNode*> workers;
    for (const auto& n : plan.nodes) {
      if (n.cluster == c.name && !n.control_plane) workers.push_back(&n);
    }
    std::map<std::string, int> on_node;
    for (std::uint64_t r = 0; r < c.nginx.replicas; ++r) {
      const LabNode& node = *workers[r % workers.size()];
      const int k = on_node[node.name]++;
      if (k >= 240) {
        return Fail(
            Error::Input(fmt::format("cluster {}: {} nginx replicas do not fit in the /24 "
                                     "of its {} workers (240 each)",
                                     c.name, c.nginx.replicas, workers.size())));
      }
      LabPod p;
      p.name = fmt::format("nginx-{}", r + 1);
      p.cluster = c.name;
      p.node = node.name;
      p.netns = fmt::format("{}-pod-{}-{}", options.prefix, c.name, p.name);
      if (!node.pod_cidr.empty()) {
        p.address =
            Address(Base(*ParseIpv4Prefix(node.pod_cidr)) + 10 + static_cast<std::uint32_t>(k));
      }
      p.node_ifname = fmt::format("lxc{}", k);
      if (!node.pod_cidr_v6.empty()) {
        p.address_v6 =
            AddressIn(*ParseIpv6Prefix(node.pod_cidr_v6), 10 + static_cast<std::uint64_t>(k))
                .ToString();
      }
      plan.pods.push_back(std::move(p));
    }

    LabCluster lc;
    lc.k8s.name = c.name;
    for (const auto& n : plan.nodes) {
      if (n.cluster != c.name) continue;
      Node k;
      k.name = n.name;
      k.netns = n.netns;
      // What Kubernetes knows of the node: no IPv4 address in an IPv6-only cluster.
      if (s.HasIpv4()) k.address = n.address;
      k.pod_cidr = n.pod_cidr;
      k.address_v6 = n.address_v6;
      k.pod_cidr_v6 = n.pod_cidr_v6;
      k.labels = {{"kubernetes.io/os", "linux"}, {"kubernetes.io/hostname", n.name}};
      if (n.control_plane) k.labels["node-role.kubernetes.io/control-plane"] = "";
      lc.k8s.nodes.push_back(std::move(k));
    }
    std::vector<RenderedFile> files;
    for (const auto& f : plan.rendered.files) {
      if (f.cluster == c.name) files.push_back(f);
    }
    if (auto ok = ApplyManifests(lc.k8s, files); !ok) return Fail(ok.error());
    auto speakers = CiliumBgpSpeakers(lc.k8s, files);
    if (!speakers) return Fail(speakers.error());
    plan.speakers.insert(plan.speakers.end(), speakers->begin(), speakers->end());
    for (const auto& f : files) {
      if (f.kind != FileKind::kNodeRoutes) continue;
      auto routes = NodeRoutes(f);
      if (!routes) return Fail(routes.error());
      lc.node_routes = std::move(*routes);
    }
    plan.clusters.push_back(std::move(lc));
  }
  for (const auto& f : plan.rendered.files) {
    if (f.kind == FileKind::kRouterConfig) plan.router_config = f.content;
  }
  return plan;
}

Result<LabPlan, Error> PlanFromText(const ScenarioText& text, const PlanOptions& options) {
  auto s = ParseScenario(text.text, text.source, text.name);
  if (!s) return Fail(s.error());
  if (auto valid = CheckScenario(*s); !valid) return Fail(valid.error());
  if (auto runnable = CheckRunnable(*s, "lab", {IpFamily::kIpv4, IpFamily::kDual, IpFamily::kIpv6});
      !runnable)
    return Fail(runnable.error());
  return PlanLab(*s, options);
}

std::vector<NetnsScript> BuildScripts(const LabPlan& plan) {
  const bool v6 = plan.HasIpv6();
  // Set before the namespace's links exist (a veth's far end is made in the far namespace,
  // whose script ran earlier), so that no IPv6 address of the lab, link-local ones
  // included, waits out duplicate address detection.
  std::vector<std::pair<std::string, std::string>> base;
  if (v6) {
    base = {{"net.ipv6.conf.all.accept_dad", "0"}, {"net.ipv6.conf.default.accept_dad", "0"}};
  }
  auto forwarding = base;
  forwarding.emplace_back("net.ipv4.ip_forward", "1");
  if (v6) forwarding.emplace_back("net.ipv6.conf.all.forwarding", "1");

  std::vector<NetnsScript> out;
  for (const auto& n : plan.networks) {
    out.push_back(
        {n.netns, base, {"link set lo up", "link add br0 type bridge", "link set br0 up"}});
  }
  for (const auto& n : plan.nodes) {
    const auto* net = plan.FindNetwork(n.network);
    NetnsScript s{n.netns,
                  forwarding,
                  {"link set lo up",
                   fmt::format("link add eth0 type veth peer name {} netns {}", n.port, net->netns),
                   fmt::format("addr add {}/{} dev eth0", n.address, net->prefix_length)}};
    if (!n.address_v6.empty()) {
      s.ip_commands.push_back(
          fmt::format("addr add {}/{} dev eth0 nodad", n.address_v6, net->prefix_length_v6));
    }
    s.ip_commands.push_back("link set eth0 up");
    out.push_back(std::move(s));
  }
  // The router spreads flows over a route's ECMP next hops by their ports too (layer 4), as
  // a data centre router does: each new connection may take another node, so that probes
  // see a node's failure (core/fault.h) and not only the one flow the addresses hash to.
  auto router_sysctls = forwarding;
  router_sysctls.emplace_back("net.ipv4.fib_multipath_hash_policy", "1");
  if (v6) router_sysctls.emplace_back("net.ipv6.fib_multipath_hash_policy", "1");
  NetnsScript router{plan.router_netns, router_sysctls, {"link set lo up"}};
  for (const auto& n : plan.networks) {
    router.ip_commands.push_back(fmt::format("link add {} type veth peer name router netns {}",
                                             n.router_ifname, n.netns));
    router.ip_commands.push_back(
        fmt::format("addr add {}/{} dev {}", n.router_address, n.prefix_length, n.router_ifname));
    if (!n.router_address_v6.empty()) {
      router.ip_commands.push_back(fmt::format("addr add {}/{} dev {} nodad", n.router_address_v6,
                                               n.prefix_length_v6, n.router_ifname));
    }
    router.ip_commands.push_back(fmt::format("link set {} up", n.router_ifname));
  }
  out.push_back(std::move(router));
  for (const auto& n : plan.networks) {
    NetnsScript ports{n.netns, {}, {}};
    auto attach = [&](const std::string& port) {
      ports.ip_commands.push_back(fmt::format("link set {} master br0", port));
      ports.ip_commands.push_back(fmt::format("link set {} up", port));
    };
    for (const auto& node : plan.nodes) {
      if (node.network == n.name) attach(node.port);
    }
    attach("router");
    out.push_back(std::move(ports));
  }
  for (const auto& p : plan.pods) {
    const auto* node = plan.FindNode(p.node);
    NetnsScript s{p.netns,
                  base,
                  {"link set lo up", fmt::format("link add eth0 type veth peer name {} netns {}",
                                                 p.node_ifname, node->netns)}};
    // An IPv6-only pod has no IPv4 address.
    if (!p.address.empty())
      s.ip_commands.push_back(fmt::format("addr add {}/32 dev eth0", p.address));
    if (!p.address_v6.empty()) {
      s.ip_commands.push_back(fmt::format("addr add {}/128 dev eth0 nodad", p.address_v6));
    }
    s.ip_commands.push_back("link set eth0 up");
    if (!p.address.empty()) {
      s.ip_commands.push_back(fmt::format("route add {} dev eth0 scope link", node->pod_gateway));
      s.ip_commands.push_back(fmt::format("route add default via {} dev eth0", node->pod_gateway));
    }
    if (!p.address_v6.empty()) {
      s.ip_commands.push_back(fmt::format("route add {} dev eth0", node->pod_gateway_v6));
      s.ip_commands.push_back(fmt::format("route add ::/0 via {} dev eth0", node->pod_gateway_v6));
    }
    out.push_back(std::move(s));
  }
  for (const auto& n : plan.nodes) {
    NetnsScript s{n.netns, {}, {}};
    for (const auto& p : plan.pods) {
      if (p.node != n.name) continue;
      if (!p.address.empty()) {
        s.ip_commands.push_back(fmt::format("addr add {}/32 dev {}", n.pod_gateway, p.node_ifname));
      }
      if (!p.address_v6.empty()) {
        s.ip_commands.push_back(
            fmt::format("addr add {}/128 dev {} nodad", n.pod_gateway_v6, p.node_ifname));
      }
      s.ip_commands.push_back(fmt::format("link set {} up", p.node_ifname));
      if (!p.address.empty()) {
        s.ip_commands.push_back(fmt::format("route add {}/32 dev {}", p.address, p.node_ifname));
      }
      if (!p.address_v6.empty()) {
        s.ip_commands.push_back(
            fmt::format("route add {}/128 dev {}", p.address_v6, p.node_ifname));
      }
    }
    // The LoadBalancer IPs this node advertises, answered here (Cilium's LB on the node).
    for (const auto& lb : LbAddresses(plan, n.name)) {
      const bool lb_v6 = lb.find(':') != std::string::npos;
      s.ip_commands.push_back(fmt::format("addr add {}/{} dev lo", lb, lb_v6 ? 128 : 32));
    }
    for (const auto& other : plan.nodes) {
      if (other.cluster == n.cluster && other.name != n.name) {
        if (!other.pod_cidr.empty()) {
          s.ip_commands.push_back(
              fmt::format("route add {} via {}", other.pod_cidr, other.address));
        }
        if (!other.pod_cidr_v6.empty()) {
          s.ip_commands.push_back(
              fmt::format("route add {} via {}", other.pod_cidr_v6, other.address_v6));
        }
      }
    }
    for (const auto& c : plan.clusters) {
      if (c.k8s.name != n.cluster) continue;
      for (const auto& r : c.node_routes) {
        s.ip_commands.push_back(fmt::format("route replace {} via {}", r.to, r.via));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace bgpdemo::core::lab
