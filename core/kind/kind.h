// The `kind` provider: the original demo on real kind clusters, with Docker, Helm, kubectl
// and cilium-cli driven as processes, and the route server in a container
// (docs/architecture.md "Providers"; docs/reference/cilium-and-kind.md).
//
//   preflight   the five tools and their versions (core/k8s/tools.h)
//   networks    the scenario's Docker networks (bridge, masquerade, attachable), unless
//               they exist; only those made here are removed by down
//   clusters    kind create cluster on each network (KIND_EXPERIMENTAL_DOCKER_NETWORK), in
//               parallel, unless it exists
//   image       the route server's image: --router-image, or made from this executable
//               and its libraries when missing (core/router_image.h)
//   router      its container on every network (NET_ADMIN, forwarding) with the router
//               config rendered from the networks' subnets; its addresses read back
//   render      every file, now with the router's addresses (core/render.h)
//   cilium      helm repo add, images preloaded, a pending release recovered, helm upgrade
//               --install --wait per cluster, cilium status --wait (core/k8s/long_steps.h)
//   nginx       kubectl apply, rollout status, with progress while they wait
//   lb          the pool once its CRD is Established (core/k8s/crds.h), then the
//               service's external IP
//   annotate    (BGPv1) the virtual router annotation on every node
//   bgp         the BGP resources, once their CRDs are Established
//   routes      docker exec <node> ip route replace, for every static route
//   sessions    every session Established, from the router's side and the nodes'
//
// Every step checks what exists before it acts, so `up` again resumes after a failure;
// what it created is recorded in the state file as soon as it exists, so `down` removes
// exactly that, and nothing else. Every program runs through the CommandRunner the caller
// gives (core/command_runner.h; the real one by default), and the steps' decisions are in
// core/kind/decisions.h and tool_output.h; tests/core/kind/ runs the steps on a FakeRunner.
// A failed program is an Error of kind kCommand (argv, exit code, stderr tail) whose
// message is what users see: the command, its exit code, its last lines and a hint.
//
// Files: kind.cpp (the state, KindDemo), kind_up.cpp (KindUp and the Kubernetes steps),
// up_steps.cpp (what the steps share, and the Docker steps), kind_down.cpp (KindDown);
// long_steps.cpp, waits.cpp, preload.cpp, helm_release.cpp and crds.cpp (the waits, images,
// Helm recovery and CRDs of the cilium, nginx, lb and bgp steps).
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"
#include "core/demo.h"
#include "core/k8s/clusters.h"
#include "core/k8s/tools.h"
#include "core/kind/host_limits.h"
#include "core/render.h"
#include "core/scenario.h"

namespace bgpdemo::core::kind {

inline constexpr const char* kRouterContainer = "bgpdemo-router";
inline constexpr const char* kOwnerLabel = "io.bgpdemo.owner=bgpdemo";

// kind's clusters as the Kubernetes-side steps see them (core/k8s/clusters.h): context
// kind-<cluster>, nodes from `kind get nodes --name <cluster>`.
class KindClusters : public k8s::Clusters {
 public:
  using Clusters::Clusters;
  std::string Context(const std::string& cluster) const override { return "kind-" + cluster; }
  Result<std::vector<std::string>, Error> Nodes(const std::string& cluster) const override;
};

struct KindState {
  std::string provider = "kind";
  ScenarioText scenario;
  std::int64_t started_at = 0;
  std::string router_image;
  // What this demo created (and so what down removes).
  std::vector<std::string> networks;
  std::vector<std::string> clusters;
  bool router_container = false;
  bool image_built = false;
  // Learnt on the way.
  std::map<std::string, std::string> subnets;           // network -> CIDR
  std::map<std::string, std::string> router_addresses;  // network -> IPv4
  // Scenarios with IPv6: each network's IPv6 subnet and the router's IPv6 address on it.
  std::map<std::string, std::string> subnets_v6;
  std::map<std::string, std::string> router_addresses_v6;
  std::vector<std::string> steps_done;
};

Result<void, Error> WriteKindState(const std::string& dir, const KindState& s);
Result<KindState, Error> ReadKindState(const std::string& dir);
// "lab", "kind", or an error when there is no state.
Result<std::string, Error> ProviderOf(const std::string& state_dir);

struct KindUpOptions {
  std::string state_dir;
  std::string router_image;           // empty: bgpdemo-router:<version>, built when missing
  std::string executable;             // this bgpdemo, which the router image is made from
  std::string base_image;             // of the router image; empty: FROM scratch
  std::string version;                // of this bgpdemo, for the image tag
  std::chrono::seconds timeout{300};  // for each wait (LB IP, sessions)
  // The other waits (docs/kind.md "Waits"), each the tool's own timeout:
  std::chrono::seconds helm_timeout{600};     // helm upgrade --install --wait --timeout
  std::chrono::seconds cilium_timeout{300};   // cilium status --wait --wait-duration
  std::chrono::seconds rollout_timeout{300};  // kubectl rollout status deployment/nginx
  std::chrono::seconds crd_timeout{120};      // the CRDs Established, and apply retried
  bool preload = true;  // kind load docker-image the Cilium and nginx images Docker has
  std::map<std::string, std::string> env;    // added to every tool's environment
  CommandRunner* runner = &DefaultRunner();  // runs every tool; not owned, never null
  std::string node_image;  // --node-image; empty: the pin for the Cilium version (node_image.h)
  HostFacts* host = &DefaultHostFacts();  // preflight's /proc and statvfs; not owned
};

struct KindUpResult {
  bool resumed = false;
  double seconds = 0;
  std::size_t sessions = 0;
};

Result<KindUpResult, Error> KindUp(const ScenarioText& scenario, const KindUpOptions& o,
                                   const StepSink& on_step);

struct KindDownReport {
  bool had_state = false;
  std::vector<std::string> removed;  // "cluster cilium", "network kind2", ...
};
Result<KindDownReport, Error> KindDown(const std::string& state_dir,
                                       const std::map<std::string, std::string>& env,
                                       const StepSink& on_step,
                                       CommandRunner& runner = DefaultRunner());

// A running kind demo; KindProvider (core/kind/kind_provider.h) puts it behind core::Demo.
class KindDemo {
 public:
  // `runner` runs every tool and must outlive the KindDemo.
  static Result<KindDemo, Error> Open(const std::string& state_dir,
                                      std::map<std::string, std::string> env = {},
                                      CommandRunner& runner = DefaultRunner());
  const KindState& state() const { return state_; }
  // The route server's container: the scenario's router name.
  const std::string& Router() const { return scenario_.router.name; }

  std::string provider() const { return "kind"; }
  Result<Topology, Error> GetTopology() const;
  Observed Observe() const;
  Result<HttpResult, Error> Probe(const std::string& from, const std::string& ip,
                                  std::uint16_t port) const;
  // The router container's journal: `docker exec ROUTER bgpdemo router journal -o json`.
  Result<nlohmann::json, Error> RouterJournal() const;
  // `bgpdemo fault` (core/kind/kind_fault.cpp): starts (or ends) `f`; what it did, for people.
  Result<std::string, Error> Fault(const core::Fault& f, bool start) const;
  // The kinds Docker can do: node-stop, link-down, router-restart; the others kUsage.
  static Result<void, Error> CanFault(const core::Fault& f);

 private:
  Result<std::string, Error> Docker(const std::vector<std::string>& args,
                                    std::string_view why) const;
  // The cluster whose node it is (kind get nodes); kUsage naming the nodes when none.
  Result<const ClusterSpec*, Error> ClusterOf(const std::string& node) const;
  // Up's static routes (kNodeRoutes) in `node` again; how many.
  Result<std::size_t, Error> RestoreStaticRoutes(const std::string& node,
                                                 const ClusterSpec& cluster) const;
  // docker start, the static routes, and the address it had (`before`) checked.
  Result<std::string, Error> StartNode(const std::string& node, const ClusterSpec& cluster,
                                       const std::string& before) const;
  Result<HttpResult, Error> ProbeFromRouter(const std::string& url) const;
  KindDemo(std::string dir, KindState state, Scenario scenario,
           std::map<std::string, std::string> env, CommandRunner& runner)
      : dir_(std::move(dir)),
        state_(std::move(state)),
        scenario_(std::move(scenario)),
        env_(std::move(env)),
        runner_(&runner) {}
  std::string dir_;
  KindState state_;
  Scenario scenario_;
  std::map<std::string, std::string> env_;
  CommandRunner* runner_;  // not owned
};

// The static routes of the kNodeRoutes file of `cluster` in `files`: (to, via) pairs, each
// for every node of that cluster.
Result<std::vector<std::pair<std::string, std::string>>, Error> NodeRoutes(
    const RenderResult& files, const std::string& cluster);

// `bgpdemo probe -o json URL` output ({"status", "body", "seconds"}) -> the reply.
Result<HttpResult, Error> ParseProbeJson(const std::string& out);

}  // namespace bgpdemo::core::kind
