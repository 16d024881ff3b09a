#include "core/docker_subnets.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/uuid/detail/sha1.hpp>

namespace bgpdemo::core {

namespace {

using bgp::wire::Prefix;

std::string FirstFree(const Scenario& s) {
  std::vector<Prefix> taken;
  auto take = [&](const std::string& text) {
    if (auto p = ParseIpv4Prefix(text)) taken.push_back(*p);
  };
  for (const auto& n : s.networks) take(n.subnet);
  for (const auto& c : s.clusters) {
    take(c.pod_cidr);
    take(c.service_cidr);
    take(c.lb_pool);
  }
  for (std::uint32_t second = 18; second < 32; ++second) {
    const auto candidate = Prefix::V4(172u << 24 | second << 16, 16);
    if (std::none_of(taken.begin(), taken.end(),
                     [&](const Prefix& t) { return Overlaps(t, candidate); })) {
      return candidate.ToString();
    }
  }
  return "192.168.0.0/20";  // only reached by a scenario with 14 networks in 172.16/12
}

}  // namespace

std::vector<std::string> AssumeDockerSubnets(Scenario& s) {
  std::vector<std::string> assumed;
  for (auto& n : s.networks) {
    if (!n.subnet.empty()) continue;
    n.subnet = FirstFree(s);
    assumed.push_back(fmt::format("{}={}", n.name, n.subnet));
  }
  return assumed;
}

std::string KindUlaSubnet(std::string_view network) {
  boost::uuids::detail::sha1 h;
  h.process_bytes(network.data(), network.size());
  const unsigned char attempt[4] = {0, 0, 0, 0};
  h.process_bytes(attempt, sizeof attempt);
  boost::uuids::detail::sha1::digest_type digest;
  h.get_digest(digest);
  std::array<std::uint8_t, 16> ip{0xfc, 0x00};
  for (std::size_t i = 2; i < 8; ++i) {
    ip[i] = static_cast<std::uint8_t>(digest[i / 4] >> (24 - 8 * (i % 4)));
  }
  return PrefixOf(bgp::wire::IpAddress::V6(ip), 64).ToString();
}

}  // namespace bgpdemo::core
