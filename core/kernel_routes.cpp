#include "core/kernel_routes.h"

#include <fmt/format.h>

#include <string>

#include "bgp/fib/netlink_fib.h"

namespace bgpdemo::core {

using nlohmann::json;

json KernelRoutesToJson(const std::vector<bgp::fib::Route>& routes) {
  json out = json::array();
  for (const auto& r : routes) {
    json j{{"dst", r.prefix.ToString()}, {"protocol", std::to_string(bgp::fib::kProtocol)}};
    if (r.next_hops.size() == 1) {
      j["gateway"] = r.next_hops.front().ToString();
    } else if (r.next_hops.size() > 1) {
      json hops = json::array();
      for (const auto& nh : r.next_hops) hops.push_back({{"gateway", nh.ToString()}});
      j["nexthops"] = std::move(hops);
    }
    out.push_back(std::move(j));
  }
  return out;
}

Result<json, Error> KernelRoutesJson() {
  auto fib = bgp::fib::NetlinkFib::Open();
  if (!fib) return Fail(Error::Environment(fmt::format("rtnetlink: {}", fib.error())));
  auto routes = (*fib)->List();
  if (!routes) return Fail(Error::Environment(fmt::format("rtnetlink: {}", routes.error())));
  return KernelRoutesToJson(*routes);
}

json NeighboursToJson(const std::vector<bgp::fib::Neighbour>& neighbours) {
  json out = json::array();
  for (const auto& n : neighbours) {
    const auto& m = n.mac;
    out.push_back({{"dst", n.address.ToString()},
                   {"lladdr", fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1],
                                          m[2], m[3], m[4], m[5])}});
  }
  return out;
}

Result<json, Error> KernelNeighboursJson() {
  auto neighbours = bgp::fib::ListNeighbours();
  if (!neighbours) {
    return Fail(Error::Environment(fmt::format("rtnetlink: {}", neighbours.error())));
  }
  return NeighboursToJson(*neighbours);
}

}  // namespace bgpdemo::core
