// The Kubernetes steps that only apply rendered files and wait, shared by the kind and kube
// providers: the files written under the state folder, the LB pool and the service's
// external IP (lb), the BGPv1 node annotations (annotate), the BGP resources (bgp). Each
// custom resource waits for its CRD first (core/k8s/crds.h). Each returns the step's line.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/k8s/clusters.h"
#include "core/render.h"
#include "core/scenario.h"

namespace bgpdemo::core::k8s {

// The rendered files as written under `dir` (the state folder's files/).
struct WrittenFiles {
  const RenderResult& files;
  std::string dir;
  // The absolute path of cluster's file of that kind, or named `name`; empty when none was
  // rendered.
  std::string Path(const std::string& cluster, FileKind kind) const;
  std::string PathByName(const std::string& cluster, const std::string& name) const;
};

// Writes every file under `written.dir`.
Result<std::string, Error> WriteFiles(const WrittenFiles& written);

// `kubectl apply -f` of the file `name` in every cluster, once its CRDs are Established;
// `optional`: a cluster without that file is skipped, not an error.
Result<std::string, Error> ApplyInClusters(const Clusters& up, const Scenario& s,
                                           const WrittenFiles& written, const std::string& name,
                                           std::chrono::seconds crd_timeout, bool optional = false);

// The external IPs of the cluster's nginx Service once it has one of each family the
// scenario has (a dual-stack Service gets one of each, and LB IPAM may give them at
// different moments), polled twice a second for `timeout`; the error names what is missing.
Result<std::vector<std::string>, Error> AwaitLoadBalancerIps(const Clusters& up,
                                                             const std::string& cluster,
                                                             const Scenario& s,
                                                             std::chrono::seconds timeout);

// The LB pool applied, then each cluster's nginx service's external IPs awaited (`timeout`).
Result<std::string, Error> LoadBalancers(const Clusters& up, const Scenario& s,
                                         const WrittenFiles& written,
                                         std::chrono::seconds crd_timeout,
                                         std::chrono::seconds timeout);

// BGPv1: the virtual router annotation on every node of every cluster.
Result<std::string, Error> AnnotateNodes(const Clusters& up, const Scenario& s,
                                         const RenderResult& files);

// Every bgp-*.yaml of every cluster, once their CRDs are Established.
Result<std::string, Error> ApplyBgp(const Clusters& up, const Scenario& s,
                                    const WrittenFiles& written, std::chrono::seconds crd_timeout);

}  // namespace bgpdemo::core::k8s
