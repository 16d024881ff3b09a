// Where the route server runs when the clusters are not ours to make (the kube provider's
// `--router`), parsed once at the flag:
//
//   host:ADDR[,ADDR...]          `bgpdemo router` on this machine, bound to these addresses
//                                of it (IPv4, IPv6 or both); each cluster peers with the
//                                one on its nodes' subnet, and its IPv6 routes go through
//                                the IPv6 one there (core/host_router_check.h checks them)
//   container:DOCKER_HOST[,ADDR[,ADDR6]]
//                                in a container on a Docker daemon (unix:///PATH,
//                                tcp://HOST[:PORT], ssh://[USER@]HOST[:PORT]); its address
//                                is that host's, or ADDR (and ADDR6)
//   external:ADDR[,ADDR6],AS     a router the user runs; bgpdemo only points the clusters
//                                at it
//
// Addresses are IPv4 or global (or ULA) IPv6, at most one of each family where the router
// has one address per family; a link-local one would need an interface.
// Errors are kUsage and name the flag, the value, what is wrong and the valid forms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::core {

enum class RouterPlacementKind { kHost, kContainer, kExternal };
// "host", "container", "external": the flag's words.
std::string_view ToString(RouterPlacementKind kind);

struct RouterPlacement {
  RouterPlacementKind kind = RouterPlacementKind::kHost;
  // host: one or more, no duplicates; container: ADDR (and ADDR6) when given, else the
  // Docker host's when its URL names it by an IPv4 address, else empty (unix://, a host
  // name: the provider finds it); external: one, or one of each family.
  std::vector<bgp::wire::IpAddress> addresses;
  std::string docker_host;  // container only: the URL as given ("ssh://me@build-1")
  std::uint32_t as = 0;     // external only: the router's AS; 0 elsewhere (the scenario's)

  friend bool operator==(const RouterPlacement&, const RouterPlacement&) = default;
};

// The valid forms, for messages and --help.
constexpr std::string_view kRouterPlacementForms =
    "host:ADDR[,ADDR...], container:DOCKER_HOST[,ADDR[,ADDR6]] (DOCKER_HOST: unix:///PATH, "
    "tcp://HOST[:PORT] or ssh://[USER@]HOST[:PORT]) or external:ADDR[,ADDR6],AS (ADDR: IPv4 "
    "or IPv6)";

// `value` is what followed --router.
Result<RouterPlacement, Error> ParseRouterPlacement(std::string_view value);

// The flag's value again ("host:172.18.0.250,172.19.0.250"), for messages and the state.
std::string ToString(const RouterPlacement& placement);

}  // namespace bgpdemo::core
