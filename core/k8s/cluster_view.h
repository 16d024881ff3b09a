// The clusters' side of a running demo, read with kubectl and cilium-cli the same way on
// kind and on the user's own clusters (core/demo.h's Topology and Observed): each node
// with its address, pod CIDR and whether it speaks BGP, the LoadBalancer services with
// their real addresses and the nodes that advertise them, the nginx pods; every node's
// BGP peers; and an HTTP probe from a pod (`kubectl exec POD -- curl`). The router's side
// is the provider's own.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/demo.h"
#include "core/k8s/clusters.h"
#include "core/render.h"
#include "core/scenario.h"

namespace bgpdemo::core::k8s {

// Adds cluster `c` to `t`: its nodes, LoadBalancers and nginx pods. `files`: the files
// rendered for the demo (the BGP resources say which nodes speak and what they advertise).
Result<void, Error> ReadClusterTopology(const Clusters& clusters, const ClusterSpec& c,
                                        const RenderResult& files, Topology& t);

// Every node's peers in every cluster of `s`, the clusters read in parallel
// (core/k8s/cilium_peers.h): node -> its peers, or why they could not be read.
std::map<std::string, Result<nlohmann::json, std::string>> ReadNodePeers(const Clusters& clusters,
                                                                         const Scenario& s);

// GET `url` from pod `from` ("CLUSTER/POD") with curl in the pod.
Result<HttpResult, Error> ProbeFromPod(const Clusters& clusters, const std::string& from,
                                       const std::string& url);

}  // namespace bgpdemo::core::k8s
