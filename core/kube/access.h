// The rights `up` and `down` need in a cluster, checked with `kubectl auth can-i` before
// anything is applied (issue #12, "missing RBAC rights"). kubectl prints "yes" and exits 0,
// or prints "no" and exits 1 (k8s.io/kubectl/pkg/cmd/auth/cani.go, RunAccessCheck); a
// failure to ask (an API server that does not answer) is neither, and is reported as such.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/k8s/clusters.h"
#include "core/scenario.h"

namespace bgpdemo::core::kube {

struct Access {
  std::string verb;         // create, patch, delete, get, list
  std::string resource;     // deployments.apps, pods, ciliumbgppeeringpolicies.cilium.io
  std::string ns;           // empty: cluster-scoped
  std::string why;          // what up or down does with it
  std::string subresource;  // exec (of pods); empty: none
  friend bool operator==(const Access&, const Access&) = default;
};

// `kubectl auth can-i VERB RESOURCE [--subresource SUB] [-n NS]`. (RESOURCE/NAME names one
// object: `pods/exec` would ask about a pod named exec, k8s.io/kubectl/pkg/cmd/auth/cani.go.)
std::vector<std::string> CanIArgv(const std::string& context, const Access& a);

// What up and down do in a cluster of scenario `s`: read nodes and Cilium's ConfigMap, apply
// and delete nginx, the LB pool and the BGP resources of the scenario's API (with the
// router-ID overrides of an IPv6-only one), annotate nodes (BGPv1), exec into pods (verify),
// the routes DaemonSet (unless off), and, where Cilium is to be installed, what Helm needs to
// install a chart with CRDs and cluster roles.
std::vector<Access> NeededAccess(const Scenario& s, bool static_routes, bool install_cilium);

// Asks every right of `needed` in `cluster`'s context: the ones denied. Errors: kubectl
// could not answer (exit other than 0 or 1, or not "yes"/"no").
Result<std::vector<Access>, Error> Denied(const k8s::Clusters& clusters, const std::string& cluster,
                                          const std::vector<Access>& needed);

// "may not create ciliumbgppeeringpolicies.cilium.io (the BGP resources), ..." with the fix.
std::string DescribeDenied(const std::string& context, const std::vector<Access>& denied);

}  // namespace bgpdemo::core::kube
