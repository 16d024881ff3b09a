// The long steps on the Kubernetes side, shared by the kind and kube providers, with their
// waits made visible (core/k8s/waits.h) and an interrupted Helm release recovered
// (core/k8s/helm_release.h):
//
//   cilium  helm repo add; per cluster, in parallel: the provider's preparation (kind loads
//           the images into its nodes), the release check, helm upgrade --install --wait
//           --timeout <--helm-timeout>, cilium status --wait --wait-duration
//           <--cilium-timeout>; the kube-system pods polled meanwhile
//   nginx   kubectl apply, and per cluster in parallel kubectl rollout status
//           --timeout=<--rollout-timeout>; the default pods polled
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/demo.h"
#include "core/k8s/clusters.h"
#include "core/scenario.h"

namespace bgpdemo::core::k8s {

struct LongStepOptions {
  std::chrono::seconds helm_timeout{600};     // helm upgrade --install --wait --timeout
  std::chrono::seconds cilium_timeout{300};   // cilium status --wait --wait-duration
  std::chrono::seconds rollout_timeout{300};  // kubectl rollout status --timeout
  // Run in each cluster's job before Helm, shown as `prepare_phase` while it runs (kind:
  // kind load docker-image); may be empty.
  std::function<Result<void, Error>(const std::string& cluster)> prepare;
  std::string prepare_phase;
  std::vector<std::string> helm_sets;  // more `--set K=V` for helm upgrade
  std::map<std::string, std::vector<std::string>> cluster_helm_sets;  // ... for one cluster
};

// Installs or upgrades Cilium in each cluster that `values` names (cluster -> its rendered
// cilium-values.yaml, absolute path), in the scenario's order, and waits until it is ready.
// The step's line on success.
Result<std::string, Error> InstallCilium(const Clusters& up, const Scenario& s,
                                         const std::map<std::string, std::string>& values,
                                         const LongStepOptions& o, const StepSink& sink);

// `apply` applies nginx.yaml in every cluster (the step's line on success); then waits for
// every cluster's rollout.
Result<std::string, Error> RolloutNginx(const Clusters& up, const Scenario& s,
                                        const std::function<Result<std::string, Error>()>& apply,
                                        const LongStepOptions& o, const StepSink& sink);

}  // namespace bgpdemo::core::k8s
