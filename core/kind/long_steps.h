// The long steps of `kind up` on the Kubernetes side, with their waits made visible
// (core/kind/waits.h), their images preloaded (core/kind/preload.h) and an interrupted Helm
// release recovered (core/kind/helm_release.h):
//
//   cilium  helm repo add; per cluster, in parallel: kind load docker-image, the release
//           check, helm upgrade --install --wait --timeout <--helm-timeout>, cilium status
//           --wait --wait-duration <--cilium-timeout>; the kube-system pods polled meanwhile
//   nginx   kind load docker-image nginx, kubectl apply, and per cluster in parallel
//           kubectl rollout status --timeout=<--rollout-timeout>; the default pods polled
//
// For core/kind only: kind_up.cpp calls them from its steps.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "base/error.h"
#include "base/result.h"
#include "core/demo.h"
#include "core/kind/kind.h"
#include "core/kind/up_steps.h"
#include "core/scenario.h"

namespace bgpdemo::core::kind::detail {

// `values`: each cluster's rendered cilium-values.yaml (absolute path).
Result<std::string, Error> InstallCilium(UpSteps& up, const KindUpOptions& o, const Scenario& s,
                                         const std::map<std::string, std::string>& values,
                                         const StepSink& sink);

// `apply` applies nginx.yaml in every cluster (the step's line on success).
Result<std::string, Error> RolloutNginx(UpSteps& up, const KindUpOptions& o, const Scenario& s,
                                        const std::function<Result<std::string, Error>()>& apply,
                                        const StepSink& sink);

}  // namespace bgpdemo::core::kind::detail
