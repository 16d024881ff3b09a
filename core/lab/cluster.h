// The lab's stand-in for Kubernetes and Cilium's agent: what the API server would hold
// after `kubectl apply` of a cluster's rendered files, and what Cilium's BGP control plane
// would configure on each node from it. The lab never runs Kubernetes; it reads the very
// files the kind provider applies, so that a mistake in them shows up in the lab too.
//
//   rendered files --ApplyManifests--> Cluster (nodes, services with LB IPs, pods' labels)
//   Cluster + BGP resources --CiliumBgpSpeakers--> one SpeakerConfig per selected node
//
// Understood: apps/v1 Deployment and v1 Service (nginx.yaml), CiliumLoadBalancerIPPool
// (cidrs or blocks), the node annotation merge patch, cilium.io/v2alpha1
// CiliumBGPPeeringPolicy (BGPv1) and the BGPv2 CiliumBGPClusterConfig, CiliumBGPPeerConfig
// and CiliumBGPAdvertisement. Selectors: matchLabels only (what bgpdemo renders).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/lab/speaker.h"
#include "core/render.h"

namespace bgpdemo::core::lab {

using Labels = std::map<std::string, std::string>;

struct Node {
  std::string name;
  std::string netns;
  std::string address;   // InternalIP
  std::string pod_cidr;  // spec.podCIDR, a /24
  Labels labels;
  Labels annotations;
};

struct Service {
  std::string name;
  Labels labels;    // what a BGP service selector matches
  Labels selector;  // which pods back it
  std::string lb_ip;  // status.loadBalancer.ingress[0].ip; empty until a pool assigns one
  std::uint16_t port = 80;
};

struct Cluster {
  std::string name;
  std::vector<Node> nodes;
  std::vector<Service> services;
  std::uint64_t replicas = 0;  // of the nginx Deployment
  Labels pod_labels;           // its pod template's labels
};

// Reads the cluster's nginx.yaml, lb-ippool.yaml and node annotations among `files` (the
// RenderedFiles of this cluster) into `c`: the Deployment's replicas and pod labels, each
// LoadBalancer Service with the first free address of the pool (as Cilium's LB IPAM
// hands them out: the first usable address of the first block), and the annotations on
// every node. Errors name the file and what is wrong.
Result<void, std::string> ApplyManifests(Cluster& c, const std::vector<RenderedFile>& files);

// What Cilium's BGP control plane would run on each node the BGP resources select: the
// local AS, the node's address as router id, each neighbor with its timers and graceful
// restart, the listen port from the node annotation (BGPv1; 179 under BGPv2), and the
// prefixes: the node's pod CIDR when exported, and the LB IP of every Service the
// selector matches. Nodes that no resource selects get no speaker.
Result<std::vector<SpeakerConfig>, std::string> CiliumBgpSpeakers(
    const Cluster& c, const std::vector<RenderedFile>& files);

// Whether every label of `selector` is in `labels` (matchLabels).
bool Matches(const Labels& selector, const Labels& labels);

}  // namespace bgpdemo::core::lab
