// Render's values for each Docker network of a scenario: the route server's addresses on it
// (from RenderOptions, else placeholders), its subnets, and the router's neighbor range.
// Part of core/render.cpp, apart so that the run-time values and their checks read alone.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/render.h"
#include "core/scenario.h"

namespace bgpdemo::core {

// A network's router addresses and subnet, given or placeholders.
struct NetworkValues {
  std::string router_address;  // IPv4
  bool router_address_known = false;
  std::string router_address_v6;  // dual stack: the node routes' IPv6 next hop
  bool router_address_v6_known = false;
  std::string subnet;
  bool subnet_known = false;
  std::string subnet_v6;  // as the scenario pins it; empty: kind chooses a ULA
  // The router's neighbor range: the subnet, or what covers the given node addresses.
  std::string range;
  bool range_known = false;
  std::string range_nodes;  // the node addresses it was computed from, joined; else empty
};

// Every network of s with what options give for it. Errors are the flags' (kUsage): a
// router address of a network the scenario does not have, of the wrong family, outside the
// network's subnet; an IPv6 one in a scenario without IPv6; node addresses not of the
// sessions' family; listen addresses that are not addresses.
Result<std::map<std::string, NetworkValues>, Error> ResolveNetworks(const Scenario& s,
                                                                    const RenderOptions& o);

// "a, b, c": the lists render's files and messages show.
std::string JoinComma(const std::vector<std::string>& values);

}  // namespace bgpdemo::core
