// The `kube` provider: the demo on Kubernetes clusters the user already has, named by their
// kubeconfig contexts (docs/kube.md, docs/architecture.md "Providers"). It is the kind
// provider's Kubernetes side (core/k8s/) without creating clusters or networks, plus what
// real networks need: the clusters are read, not assumed, and the route server runs where
// the user says.
//
//   preflight   kubectl, helm and cilium-cli and their versions (docker too for a router in
//               a container)
//   clusters    per context, before anything is applied: the API server answers (`kubectl
//               get nodes -o json`: names, InternalIPs, pod CIDRs), the rights up needs
//               (`kubectl auth can-i`, core/kube/access.h), Cilium's settings
//               (core/kube/discover.h) and what the scenario says that the cluster
//               contradicts; every problem of every cluster in one error, each with its fix
//   router      where the route server runs (core/router_placement.h): on this machine as a
//               background `bgpdemo router` (its addresses this machine's, port 179 free,
//               every node reachable), in a container on a Docker host, or the user's own
//   render      every file, with the router's address on each cluster's node subnet
//   cilium      installed where absent, or where --manage-cilium says; otherwise only checked
//   nginx, lb, annotate (BGPv1), bgp   as on kind (core/k8s/apply_steps.h)
//   routes      the static-routes DaemonSet, unless --no-static-routes
//   sessions    every session Established, from the router's side and the nodes'
//
// What up applies carries the label app.kubernetes.io/managed-by=bgpdemo and is recorded in
// the state as soon as it is applied; down removes exactly that, uninstalls Cilium only
// where up installed it, stops the router it started, and leaves the clusters.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"
#include "core/demo.h"
#include "core/host_network.h"
#include "core/k8s/clusters.h"
#include "core/router_daemon.h"
#include "core/scenario.h"

namespace bgpdemo::core::kube {

// The user's clusters as the Kubernetes-side steps see them (core/k8s/clusters.h): each
// scenario cluster's context as given; nodes from the API server.
class KubeClusters : public k8s::Clusters {
 public:
  KubeClusters(k8s::ToolRun run, std::map<std::string, std::string> contexts)
      : Clusters(std::move(run)), contexts_(std::move(contexts)) {}
  std::string Context(const std::string& cluster) const override;

 private:
  std::map<std::string, std::string> contexts_;
};

struct KubeState {
  std::string provider = "kube";
  ScenarioText scenario;
  std::int64_t started_at = 0;
  std::map<std::string, std::string> contexts;  // scenario cluster -> kubeconfig context
  std::string router;                           // the --router value
  // Learnt on the way.
  std::map<std::string, std::string> subnets;           // network -> the nodes' subnet
  std::map<std::string, std::string> router_addresses;  // network -> the router's IPv4
  std::map<std::string, std::string> router_addresses_v6;  // network -> its IPv6 address
  // What up made (and so what down removes).
  std::vector<std::string> cilium_installed;  // clusters where up installed Cilium
  // Clusters whose Cilium --manage-cilium upgraded: the Helm revision before, for down.
  std::map<std::string, int> cilium_revision_before;
  // cluster -> the files applied there, relative to the state's files/ folder, in order.
  std::map<std::string, std::vector<std::string>> applied;
  // cluster -> the node annotations up set ("NODE KEY").
  std::map<std::string, std::vector<std::string>> annotated;
  bool router_started = false;  // a host router service or a container up started
  std::vector<std::string> steps_done;
};

Result<void, Error> WriteKubeState(const std::string& dir, const KubeState& s);
Result<KubeState, Error> ReadKubeState(const std::string& dir);

struct KubeUpOptions {
  std::string state_dir;
  std::string executable;                       // this bgpdemo: the router on this machine runs it
  std::map<std::string, std::string> contexts;  // --context; the scenario's `contexts:` else
  std::string router;                           // --router
  bool manage_cilium = false;                   // --manage-cilium
  bool static_routes = true;                    // --no-static-routes turns it off
  std::string routes_image;                     // the DaemonSet's image; empty: the default
  // --router container: the image (empty: bgpdemo-router:<version>, made from `executable`
  // on that Docker host when missing), its base, and this bgpdemo's version.
  std::string router_image;
  std::string base_image;
  std::string version;
  std::chrono::seconds timeout{300};
  std::chrono::seconds helm_timeout{600};
  std::chrono::seconds cilium_timeout{300};
  std::chrono::seconds rollout_timeout{300};
  std::chrono::seconds crd_timeout{120};
  std::map<std::string, std::string> env;    // added to every tool's environment
  CommandRunner* runner = &DefaultRunner();  // runs every tool; not owned, never null
  // --router host: this machine's sockets and processes; null: the real ones.
  PortBinder* binder = nullptr;
  RouterProcesses* processes = nullptr;
};

struct KubeUpResult {
  bool resumed = false;
  double seconds = 0;
  std::size_t sessions = 0;
};

Result<KubeUpResult, Error> KubeUp(const ScenarioText& scenario, const KubeUpOptions& o,
                                   const StepSink& on_step);

struct KubeDownReport {
  bool had_state = false;
  std::vector<std::string> removed;  // "cilium2: bgp-peering-policy.yaml", "router", ...
};
struct KubeDownOptions {
  std::string state_dir;
  std::map<std::string, std::string> env;
  CommandRunner* runner = &DefaultRunner();
  RouterProcesses* processes = nullptr;  // null: the real ones
};
Result<KubeDownReport, Error> KubeDown(const KubeDownOptions& o, const StepSink& on_step);

}  // namespace bgpdemo::core::kube
