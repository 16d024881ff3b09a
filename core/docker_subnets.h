// The subnets Docker would give the networks a scenario leaves to it, for the places that
// need one before Docker is asked: `bgpdemo render` (offline) and the lab provider (no
// Docker at all). On a machine whose Docker has only its default bridge (docker0,
// 172.17.0.0/16), Docker's default address pools hand out 172.18.0.0/16, 172.19.0.0/16 ...
// in turn (moby libnetwork/ipamutils: 172.17.0.0/16 to 172.31.0.0/16, then 192.168.0.0/16 in
// /20s); kind's first network is usually 172.18.0.0/16. `kind up` never assumes: it adopts
// what Docker has or chose (core/kind/networks.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/scenario.h"

namespace bgpdemo::core {

// Sets the subnet of every network of `s` that has none, in the scenario's order, to the
// first of 172.18.0.0/16, 172.19.0.0/16 ... 172.31.0.0/16 that overlaps nothing of the
// scenario (networks, pod, service and LB CIDRs); returns "NETWORK=CIDR" for each.
std::vector<std::string> AssumeDockerSubnets(Scenario& s);

// The IPv6 subnet kind gives a Docker network it creates (kind's docker/network.go
// generateULASubnetFromName, first attempt): fc00::/16 and bytes 2..7 of SHA-1(name, then
// the attempt number 0 as a little-endian int32), a /64. "kind" -> fc00:f853:ccd:e793::/64.
std::string KindUlaSubnet(std::string_view network);

}  // namespace bgpdemo::core
