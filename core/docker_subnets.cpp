#include "core/docker_subnets.h"

#include <fmt/format.h>

#include <algorithm>

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

}  // namespace bgpdemo::core
