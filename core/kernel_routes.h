// The route server's routes in the kernel, as `bgpdemo router kernel-routes` prints them: the
// routes of protocol 197 (bgp/fib/fib.h kProtocol) in the main table of this process's
// network namespace, read over rtnetlink by the engine's own FIB (bgp/fib/netlink_fib.h),
// so that the router image needs no iproute2.
//
//   rtnetlink dump --NetlinkFib::List--> [fib::Route] --KernelRoutesToJson--> JSON
//
// The JSON is the part of `ip -j route show proto 197` that the providers read
// (core/demo.h ParseIpRouteJson): a list of {"dst", "protocol"} with "gateway" for one next
// hop or "nexthops": [{"gateway"}...] for ECMP. Unlike `ip`, dst always has its length
// ("10.0.0.1/32") and both address families are listed.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "bgp/fib/fib.h"
#include "bgp/fib/mapped_gateway.h"

namespace bgpdemo::core {

nlohmann::json KernelRoutesToJson(const std::vector<bgp::fib::Route>& routes);

// The routes now; kEnvironment when rtnetlink cannot be opened or read.
Result<nlohmann::json, Error> KernelRoutesJson();

// The IPv4 neighbours with a MAC, as `bgpdemo router neighbours` prints them: the part of
// `ip -j -4 neigh show` the providers read (core/demo.h ParseNeighbourLinkLocals), a list
// of {"dst", "lladdr"}. kEnvironment when rtnetlink cannot be read.
nlohmann::json NeighboursToJson(const std::vector<bgp::fib::Neighbour>& neighbours);
Result<nlohmann::json, Error> KernelNeighboursJson();

}  // namespace bgpdemo::core
