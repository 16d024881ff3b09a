// A kind cluster that exists already with a scenario cluster's name (the original demo's,
// say), checked before up reuses it: its nodes' Docker network and roles, its pod and
// service CIDRs, its worker count, and whether kind's default CNI (kindnet) and kube-proxy
// run. Read from:
//
//   kind get nodes --name C                                  its node containers
//   docker container inspect NODE...                         io.x-k8s.kind.role, networks
//   kubectl --context kind-C -n kube-system get configmap kubeadm-config -o json
//                                                            ClusterConfiguration networking
//   kubectl --context kind-C -n kube-system get daemonsets -o name
//                                                            kindnet, kube-proxy
//
// (kind v0.20.0: the role label, pkg/cluster/internal/providers/docker/provision.go:219;
// kubeadm's ClusterConfiguration, pkg/cluster/internal/kubeadm/config.go:219; the kindnet
// DaemonSet, pkg/build/nodeimage/const_cni.go, installed by
// pkg/cluster/internal/create/create.go:119 unless disableDefaultCNI; kube-proxy skipped when
// kubeProxyMode is none, pkg/cluster/internal/create/actions/kubeadminit/init.go:67.) Pure
// functions; tests/core/kind/existing_test.cpp.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/scenario.h"

namespace bgpdemo::core::kind {

// What an existing kind cluster is.
struct ExistingCluster {
  std::string name;
  std::size_t control_planes = 0;
  std::size_t workers = 0;
  std::set<std::string> networks;  // the Docker networks its nodes are on
  std::string pod_subnet;          // kubeadm's networking.podSubnet
  std::string service_subnet;      // kubeadm's networking.serviceSubnet
  bool kindnet = false;            // kind's default CNI runs
  bool kube_proxy = false;
};

// `docker container inspect NODE...` of the cluster's nodes: roles and networks.
Result<void, Error> ReadNodeContainers(const std::string& inspect_out, ExistingCluster& c);
// `kubectl get configmap kubeadm-config -o json`: the pod and service subnets.
Result<void, Error> ReadKubeadmConfig(const std::string& configmap_json, ExistingCluster& c);
// `kubectl get daemonsets -o name` in kube-system: kindnet and kube-proxy.
void ReadDaemonSets(const std::string& names_out, ExistingCluster& c);

// How the cluster differs from the scenario's, one line each; empty when it matches.
std::vector<std::string> ClusterDifferences(const ClusterSpec& want, const ExistingCluster& have);

// The error for a cluster that differs (kEnvironment): every difference and the command
// that fixes it. REQUIRES: differences is not empty.
Error ClusterMismatch(const std::string& cluster, const std::vector<std::string>& differences);

}  // namespace bgpdemo::core::kind
