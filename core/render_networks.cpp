#include "core/render_networks.h"

#include <fmt/format.h>

#include <vector>

namespace bgpdemo::core {

namespace {

using bgp::wire::Afi;
using bgp::wire::IpAddress;

Error OptionError(std::string_view what, std::string_view value, std::string_view why) {
  return Error::Usage(fmt::format("{} \"{}\": {}", what, value, why));
}

// The address of family `afi` in `text`, or the option's error.
Result<IpAddress, Error> OptionAddress(std::string_view what, std::string_view text, Afi afi) {
  auto ip = IpAddress::Parse(text);
  if (!ip || ip->afi != afi || ip->IsV4Mapped()) {
    return Fail(OptionError(what, text,
                            afi == Afi::kIpv4 ? "not an IPv4 address like 172.18.0.254"
                                              : "not an IPv6 address like fd00:18::fe"));
  }
  return *ip;
}

// Each network's neighbor range: its subnet of the sessions' family, else the smallest
// prefix over its nodes' addresses of that family.
Result<void, Error> ResolveRanges(const Scenario& s, const RenderOptions& o,
                                  std::map<std::string, NetworkValues>& nets) {
  const Afi afi = s.HasIpv4() ? Afi::kIpv4 : Afi::kIpv6;
  for (const auto& [network, addresses] : o.node_addresses) {
    auto it = nets.find(network);
    if (it == nets.end()) {
      return Fail(OptionError("node addresses of network", network,
                              fmt::format("scenario {} has no such network", s.name)));
    }
    if (it->second.range_known || addresses.empty()) continue;
    std::vector<bgp::wire::Prefix> hosts;
    std::vector<std::string> texts;
    for (const auto& a : addresses) {
      auto ip = OptionAddress(fmt::format("a node address of network {}", network), a, afi);
      if (!ip) return Fail(ip.error());
      hosts.push_back(PrefixOf(*ip, afi == Afi::kIpv4 ? 32 : 128));
      texts.push_back(ip->ToString());
    }
    it->second.range = Supernet(hosts).ToString();
    it->second.range_known = true;
    it->second.range_nodes = JoinComma(texts);
  }
  for (const auto& a : o.router_listen_addresses) {
    auto ip = IpAddress::Parse(a);
    if (!ip || ip->IsV4Mapped()) {
      return Fail(OptionError("router listen address", a,
                              "not an IPv4 or IPv6 address like 172.18.0.254 or fd00:18::fe"));
    }
  }
  return {};
}

// One --router-address NETWORK=IP of the family `afi` into nets: the network must be the
// scenario's, the family one it has, the address inside the network's subnet when known.
Result<void, Error> SetRouterAddress(const Scenario& s, const std::string& network,
                                     const std::string& address, Afi afi,
                                     std::map<std::string, NetworkValues>& nets) {
  const auto flag = fmt::format("--router-address {}={}", network, address);
  auto it = nets.find(network);
  if (it == nets.end()) {
    std::string names;
    for (const auto& n : s.networks) names += (names.empty() ? "" : ", ") + n.name;
    return Fail(Error::Usage(fmt::format("{}: scenario {} has no network \"{}\" (its networks: {})",
                                         flag, s.name, network, names)));
  }
  auto ip = IpAddress::Parse(address);
  if (afi == Afi::kIpv6) {
    if (!ip || ip->afi != Afi::kIpv6 || ip->IsV4Mapped()) {
      return Fail(Error::Usage(
          fmt::format("{}: \"{}\" is not an IPv6 address like fd00:18::fe", flag, address)));
    }
    if (!s.HasIpv6()) {
      return Fail(
          Error::Usage(fmt::format("{}: scenario {} has no IPv6 (ip_family: ipv4)", flag, s.name)));
    }
  } else if (!ip || ip->afi != Afi::kIpv4) {
    return Fail(Error::Usage(
        fmt::format("{}: \"{}\" is not an IPv4 address like 172.18.0.254", flag, address)));
  }
  NetworkValues& v = it->second;
  const std::string& subnet_text = afi == Afi::kIpv4 ? v.subnet : v.subnet_v6;
  const bool subnet_known = afi == Afi::kIpv4 ? v.subnet_known : !v.subnet_v6.empty();
  const auto subnet =
      afi == Afi::kIpv4 ? ParseIpv4Prefix(subnet_text) : ParseIpv6Prefix(subnet_text);
  if (subnet_known && subnet && !Contains(*subnet, PrefixOf(*ip, afi == Afi::kIpv4 ? 32 : 128))) {
    return Fail(Error::Usage(fmt::format("{}: {} is not inside network {}'s subnet {}", flag,
                                         address, network, subnet_text)));
  }
  (afi == Afi::kIpv4 ? v.router_address : v.router_address_v6) = ip->ToString();
  (afi == Afi::kIpv4 ? v.router_address_known : v.router_address_v6_known) = true;
  return {};
}

}  // namespace

std::string JoinComma(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

std::string RouterAddressPlaceholder(std::string_view network) {
  return fmt::format("ROUTER_ADDRESS_ON_{}", network);
}

std::string RouterAddressV6Placeholder(std::string_view network) {
  return fmt::format("ROUTER_IPV6_ADDRESS_ON_{}", network);
}

std::string SubnetPlaceholder(std::string_view network) {
  return fmt::format("SUBNET_OF_{}", network);
}

std::string SubnetV6Placeholder(std::string_view network) {
  return fmt::format("IPV6_SUBNET_OF_{}", network);
}

Result<std::map<std::string, NetworkValues>, Error> ResolveNetworks(const Scenario& s,
                                                                    const RenderOptions& o) {
  std::map<std::string, NetworkValues> out;
  for (const auto& n : s.networks) {
    NetworkValues v;
    v.router_address = RouterAddressPlaceholder(n.name);
    v.router_address_v6 = RouterAddressV6Placeholder(n.name);
    v.subnet = n.subnet.empty() ? SubnetPlaceholder(n.name) : n.subnet;
    v.subnet_known = !n.subnet.empty();
    v.subnet_v6 = n.subnet_v6;
    // The router's dynamic neighbors come from the sessions' family: IPv6-only, the IPv6
    // subnet (kind's ULA unless the scenario pins one).
    const bool v6_sessions = !s.HasIpv4();
    v.range =
        v6_sessions ? (n.subnet_v6.empty() ? SubnetV6Placeholder(n.name) : n.subnet_v6) : v.subnet;
    v.range_known = v6_sessions ? !n.subnet_v6.empty() : v.subnet_known;
    out[n.name] = v;
  }
  for (const auto& [network, address] : o.router_addresses) {
    if (auto ok = SetRouterAddress(s, network, address, Afi::kIpv4, out); !ok) {
      return Fail(ok.error());
    }
  }
  for (const auto& [network, address] : o.router_addresses_v6) {
    if (auto ok = SetRouterAddress(s, network, address, Afi::kIpv6, out); !ok) {
      return Fail(ok.error());
    }
  }
  if (auto r = ResolveRanges(s, o, out); !r) return Fail(r.error());
  return out;
}

}  // namespace bgpdemo::core
