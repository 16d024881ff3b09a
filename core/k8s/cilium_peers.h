// `cilium bgp peers` read per node (issue #11, "Partial `cilium bgp peers` failures").
// cilium-cli asks every cilium-agent pod in parallel (cilium-cli bgp/peers.go,
// fetchPeeringStateConcurrently) and, when some pods fail:
//
//   v0.15 to v0.18.5   exits 1 with "failed to fetch bgp state from <pod>: <error>" (one
//                      line per failed pod, errors.Join) and prints no peers at all
//   v0.18.6 to v0.18.8 exits 0, prints the peers of the nodes that answered, and on stderr
//                      "Errors by retrieving routes: failed to fetch bgp state from ..."
//   v0.18.9 and later  the same with "Errors retrieving peering state: ..."
//
// (every pod failing exits 1 in every version). The errors name pods, not nodes, so the nodes
// that are missing from the answer (or all of them, after an exit 1) are asked one at a time
// with `--node NODE` (a flag since v0.15): each then has its own peers or its own error.
// The node list is the provider's (core/k8s/clusters.h).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "core/k8s/clusters.h"
#include "core/k8s/tools.h"
#include "core/process.h"

namespace bgpdemo::core::k8s {

// Whether cilium-cli's stderr says some nodes could not be read (either wording above).
bool CiliumSaysPartial(const std::string& err);

// Node -> that node's peers in the engine's peer JSON shape (PeersFromCilium), or why they
// could not be read (for people: the command and cilium-cli's words).
std::map<std::string, Result<nlohmann::json, std::string>> ReadClusterPeers(
    const Clusters& clusters, const std::string& cluster);

}  // namespace bgpdemo::core::k8s
