// Renders every file a scenario's demo applies or runs, from the templates in templates/
// (compiled in; a folder on disk can override them): per cluster the kind config, the
// Cilium Helm values, the nginx Deployment and Service, the LB IP pool, the BGP resources
// (a v1 CiliumBGPPeeringPolicy and node annotations, or the BGPv2 CiliumBGPClusterConfig,
// CiliumBGPPeerConfig and CiliumBGPAdvertisement) and the static routes its nodes need
// (as a list, and on request as a DaemonSet that keeps them on every node); and the route
// server's configuration.
//
// Data flow: a valid Scenario (core/scenario_validate.h) and the values known only at run
// time (the router's address on each network; on existing clusters also the addresses it
// listens on and the nodes' addresses, which give each network's neighbor range when the
// scenario has no subnet for it) -> one mustache view per file -> kainjow
// mustache -> RenderedFile. Which template and which apiVersion a file gets depends on the
// Cilium release line; the templates themselves hold no version logic. Values not given
// are left as placeholders (ROUTER_ADDRESS_ON_<network>, ROUTER_IPV6_ADDRESS_ON_<network>,
// SUBNET_OF_<network>) with a
// comment line next to them, and listed in RenderResult::placeholders.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/scenario.h"

namespace bgpdemo::core {

enum class FileKind {
  kKindConfig,       // kind.x-k8s.io/v1alpha4 Cluster
  kHelmValues,       // values for the cilium/cilium chart
  kManifest,         // Kubernetes objects for kubectl apply (one or more documents)
  kNodeAnnotations,  // a merge patch for every node (BGPv1 virtual router annotation)
  kNodeRoutes,       // static routes for every node of a cluster
  kRoutesDaemonSet,  // the DaemonSet bgpdemo-routes keeping those routes (only on request)
  kRouterConfig,     // the route server's configuration (core/router_config.h)
};
std::string_view ToString(FileKind kind);

struct RenderedFile {
  std::string path;  // relative: "<cluster>/kind.yaml", "router/router.yaml"
  std::string content;
  FileKind kind;
  std::string cluster;  // empty for the router's files
};

// A value render could not know, left in the files as `token`.
struct Placeholder {
  std::string token;               // "ROUTER_ADDRESS_ON_kind"
  std::string meaning;             // what it stands for
  std::string how;                 // how to give it, e.g. "--router-address kind=IP"
  std::vector<std::string> files;  // the files that hold it
};

// The DaemonSet bgpdemo-routes (templates/node-routes-daemonset.yaml.mustache): in
// kube-system, on every node (every taint tolerated), host network and NET_ADMIN, a POSIX sh
// loop that runs `ip route replace TO via VIA` for the routes of <cluster>/node-routes.yaml
// every `interval_seconds` and deletes exactly them on SIGTERM or SIGINT. For clusters whose
// nodes bgpdemo cannot reach with `docker exec`.
struct RoutesDaemonSetOptions {
  // Any image with /bin/sh, `ip` (busybox's or iproute2's), `sleep` and `rm`.
  std::string image = "busybox:1.36";
  std::uint32_t interval_seconds = 30;  // 1..3600
};

struct RenderOptions {
  // The route server's IPv4 address on each Docker network, by network name.
  std::map<std::string, std::string> router_addresses;
  // Its IPv6 address there (dual stack: the next hop of the nodes' IPv6 routes).
  std::map<std::string, std::string> router_addresses_v6;
  // The addresses the route server listens on (router.yaml `listen.addresses`, in this
  // order; IPv4 or IPv6); empty: every address of its machine, as in kind's container and
  // the lab's namespace. The kube provider's `--router host:ADDR,...` gives them.
  std::vector<std::string> router_listen_addresses;
  // Node addresses of the sessions' family (IPv4; IPv6 in an IPv6-only scenario) by
  // network name, for networks whose subnet of that family the scenario does not give
  // (existing clusters): the router accepts dynamic neighbors from the smallest prefix that
  // covers them (Supernet). A network with a subnet keeps it as the range.
  std::map<std::string, std::vector<std::string>> node_addresses;
  // Node names by cluster, as an existing cluster's API server gives them; a cluster not
  // here has kind's names (<name>-control-plane, <name>-worker, <name>-worker2...). They
  // name the nodes in comments and the IPv6-only router-ID overrides.
  std::map<std::string, std::vector<std::string>> cluster_nodes;
  // A folder whose *.mustache files replace the compiled-in templates of the same name;
  // empty: the compiled-in ones only.
  std::string templates_dir;
  // Set: every cluster also gets <cluster>/node-routes-daemonset.yaml
  // (FileKind::kRoutesDaemonSet), right after its node-routes.yaml. Unset (kind, lab): not
  // rendered, the other files are the same either way.
  std::optional<RoutesDaemonSetOptions> routes_daemonset;
};

struct RenderResult {
  std::vector<RenderedFile> files;  // clusters in scenario order, then the router
  std::vector<Placeholder> placeholders;
};

// Checks the run-time values of `options` against the scenario: each router address names
// one of its networks and is an address of its family (IPv6 ones only where the scenario
// has IPv6) inside that network's subnet (when known);
// listen addresses are IPv4 or IPv6; node addresses name one of its networks and are of the
// sessions' family.
// The message starts with the offending flag ("--router-address kind=...: ..."); kind
// kUsage.
// With routes_daemonset: its image is one word as `docker pull` takes it
// ("--routes-image ...: ...") and its interval 1..3600 s.
Result<void, Error> CheckRenderOptions(const Scenario& s, const RenderOptions& options);

// REQUIRES: ValidateScenario(s) is empty. Errors: what CheckRenderOptions reports (kUsage),
// a template that does not parse or cannot be read (kInput).
Result<RenderResult, Error> Render(const Scenario& s, const RenderOptions& options);

// The placeholder for the router's address on `network` (IPv4, IPv6), and for its subnet.
std::string RouterAddressPlaceholder(std::string_view network);
std::string RouterAddressV6Placeholder(std::string_view network);
std::string SubnetPlaceholder(std::string_view network);

// The names of the compiled-in templates ("kind.yaml.mustache", ...).
std::vector<std::string> TemplateNames();

}  // namespace bgpdemo::core
