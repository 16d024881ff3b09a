// Where a kube demo's route server runs (`--router`, core/router_placement.h), as the up
// and down steps and the running demo need it:
//
//   host:ADDR,...       checked here (core/host_router_check.h: the addresses are this
//                       machine's, port 179 free, every node reachable on-link, in each
//                       family the scenario needs), then `bgpdemo router` started in the
//                       background (core/router_daemon.h)
//   container:HOST[,A[,A6]]  the router image on that Docker host (made there from this
//                       executable when missing), host networking, its config copied in
//   external:A[,A6],AS  the user's router: nothing to start; the clusters peer with it,
//                       and the scenario's router AS becomes AS
//
// Dual stack peers over IPv4 and routes IPv6 via the router's IPv6 address; IPv6-only
// peers over IPv6.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/host_router_check.h"
#include "core/kube/kube.h"
#include "core/render.h"
#include "core/router_placement.h"
#include "core/scenario.h"

namespace bgpdemo::core::kube {

// The file name of the static-routes DaemonSet that render writes per cluster.
inline constexpr const char* kRoutesDaemonSetFile = "node-routes-daemonset.yaml";

// Every scenario cluster has a context. kUsage naming the ones without.
Result<void, Error> CheckContexts(const Scenario& s,
                                  const std::map<std::string, std::string>& contexts);

// Parses `router` (the --router value) and applies it to the scenario: an external router's
// AS becomes the router's. kUsage when missing or malformed.
Result<RouterPlacement, Error> ApplyPlacementToScenario(const std::string& router, Scenario& s);

class RouterSite {
 public:
  // REQUIRES: ApplyPlacementToScenario(o.router, ...) succeeded.
  RouterSite(const KubeUpOptions& o, const KubeState& st, const Scenario& s);

  bool NeedsDocker() const { return placement_.kind == RouterPlacementKind::kContainer; }
  // The Docker host of a router in a container (DOCKER_HOST); empty elsewhere.
  const std::string& DockerHost() const { return placement_.docker_host; }
  // The addresses router.yaml listens on: host's; none elsewhere (every address).
  std::vector<std::string> ListenAddresses() const;
  // The families the router needs an address of on every cluster's network: IPv4 where the
  // scenario has it; IPv6 for IPv6-only sessions, and in dual stack for the static routes'
  // IPv6 next hop (not with --no-static-routes).
  std::vector<bgp::wire::Afi> NeededFamilies() const;

  struct Placed {
    // cluster -> the router's address of each family it needs (NeededFamilies()).
    std::map<std::string, std::string> cluster_address;     // IPv4
    std::map<std::string, std::string> cluster_address_v6;  // IPv6
    std::string line;
  };
  // Checks the placement against the nodes (dual-stack nodes once per family), before
  // anything is started: on this machine core/host_router_check.h and IP forwarding of the
  // scenario's families; elsewhere that the placement names an address of each family
  // needed.
  Result<Placed, Error> Place(const std::vector<RouterNode>& nodes);

  struct Started {
    bool started = false;  // up started something down must stop
    std::string line;
  };
  // Starts the router with the rendered router.yaml, unless it runs already.
  Result<Started, Error> Start(const RenderResult& files);

 private:
  Result<Started, Error> StartContainer(const std::string& config);
  // Blocking problems for a family the scenario has that this machine does not forward.
  void CheckForwarding(HostRouterReport& report) const;
  const KubeUpOptions& o_;
  const KubeState& st_;
  const Scenario& s_;
  RouterPlacement placement_;
};

// Stops what up started for `st` (a host router service, a router container); what is gone
// already is fine. The line for down's step.
Result<std::string, Error> StopRouter(const KubeState& st, const KubeDownOptions& o,
                                      const Scenario& s);

}  // namespace bgpdemo::core::kube
