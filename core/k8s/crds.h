// Custom resources applied only once their CRDs are there (issue #11, behaviour 6). Cilium's
// operator registers its CRDs (CiliumLoadBalancerIPPool, CiliumBGPPeeringPolicy, the BGPv2
// kinds) after it starts, which can be seconds after `helm --wait` returned; until then
// `kubectl apply` fails with
//
//   error: resource mapping not found for name: "NAME" namespace: "" from "FILE": no matches
//   for kind "KIND" in version "GROUP/VERSION"
//   ensure CRDs are installed first
//
// (kubectl 1.27: k8s.io/cli-runtime/pkg/resource/mapper.go wraps apimachinery's
// meta.NoKindMatchError, pkg/api/meta/errors.go). So the lb and bgp steps first wait for
// each CRD the file needs with `kubectl wait --for condition=established crd/NAME` (which
// fails at once with NotFound while the CRD does not exist, so that is retried), then apply
// with a bounded retry on that message; both within one timeout (--crd-timeout).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"
#include "core/k8s/clusters.h"
#include "core/process.h"

namespace bgpdemo::core::k8s {

// The CRD of a kind in an API group: "ciliumbgppeeringpolicies.cilium.io" for
// (CiliumBGPPeeringPolicy, cilium.io): the lower-case plural, a dot, the group.
std::string CrdName(const std::string& kind, const std::string& group);

// The CRDs the objects of a multi-document manifest need, sorted, each once. Built-in kinds
// (the core group, apps, *.k8s.io) need none. An error when the text is not YAML.
Result<std::vector<std::string>, Error> CrdsOf(const std::string& manifest);

// Whether a failed kubectl says a kind is unknown to the API server ("no matches for kind",
// "resource mapping not found"), or that the object does not exist (NotFound).
bool KubectlSaysNoKind(const ProcessResult& r);
bool KubectlSaysNotFound(const ProcessResult& r);

// What ApplyWhenEstablished did beyond one apply.
struct CrdApplied {
  std::vector<std::string> crds;  // waited for
  int retries = 0;                // applies that failed with "no matches for kind" first
  double seconds = 0;             // spent waiting and retrying
};

// Waits until every CRD that the manifest at `path` needs is Established in `context`,
// then runs `kubectl --context CONTEXT apply -f PATH`, retrying every 2 s while kubectl
// says the kind is unknown; all within `timeout`. Errors: a CRD that did not come (kFailed,
// naming it and what to look at), a failed kubectl (kCommand).
Result<CrdApplied, Error> ApplyWhenEstablished(const Clusters& up, CommandRunner& clock,
                                               const std::string& context, const std::string& path,
                                               std::chrono::seconds timeout);

}  // namespace bgpdemo::core::k8s
