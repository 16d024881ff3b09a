// A model of Kubernetes and Cilium's agent, for both providers: what the API server would
// hold after `kubectl apply` of a cluster's rendered files, and what Cilium's BGP control
// plane would configure on each node from it. The lab builds its node speakers from it (it
// never runs Kubernetes, but reads the very files the kind provider applies, so that a
// mistake in them shows up in the lab too); the kind provider reads the real nodes and
// services into a Cluster and asks it which nodes speak BGP and what they advertise.
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

#include "base/error.h"
#include "base/result.h"
#include "core/render.h"

namespace bgpdemo::core {

// A node's BGP speaker as Cilium's agent would configure the GoBGP inside it from the
// rendered BGP resources (a v1 CiliumBGPPeeringPolicy, or the BGPv2 CiliumBGPClusterConfig,
// CiliumBGPPeerConfig and CiliumBGPAdvertisement): its AS, router id, the route server as
// neighbor with the resource's timers, and the prefixes it advertises (the node's pod CIDR
// with exportPodCIDR, the LoadBalancer IPs of the services the selector matches). In the
// lab two implementations run it: the engine itself (core/lab/engine_speaker.h) and a real
// `gobgpd` (core/lab/gobgpd.h).
struct SpeakerNeighbor {
  // The route server's address on the node's network: IPv4, or IPv6 in an IPv6-only demo.
  std::string address;
  std::uint32_t peer_as = 0;
  std::uint16_t hold_time = 90;
  std::uint16_t keepalive = 30;
  std::uint16_t connect_retry = 120;
  bool graceful_restart = false;
  std::uint16_t restart_time = 120;  // seconds, when graceful_restart
  // The families the session negotiates: "ipv4", "ipv6" (v1: both; v2: the peer config's).
  std::vector<std::string> families{"ipv4", "ipv6"};
  friend bool operator==(const SpeakerNeighbor&, const SpeakerNeighbor&) = default;
};

struct SpeakerConfig {
  std::string node;     // "cilium-worker"; also the hostname sent in the FQDN capability
  std::string netns;    // the lab: the node's network namespace, where the speaker runs
  // The node's address the sessions come from, of the neighbors' family (IPv4, or IPv6 in an
  // IPv6-only demo), and its BGP router ID: the IPv4 address, or what a v2
  // CiliumBGPNodeConfigOverride gives (an IPv6-only node has no IPv4 one).
  std::string address;
  std::string router_id;
  std::uint32_t local_as = 0;
  // Cilium's agent listens on the port of the node annotation
  // (cilium.io/bgp-virtual-router.<asn>="local-port=179") and dials out as well.
  std::uint16_t listen_port = 179;
  std::vector<SpeakerNeighbor> neighbors;
  // "10.241.1.0/24", "10.21.0.1/32", "fd00:10:241:1::/64", "fd00:10:21::1/128": the IPv6
  // ones go over the same IPv4 sessions (MP-BGP), as Cilium sends them.
  std::vector<std::string> prefixes;
  friend bool operator==(const SpeakerConfig&, const SpeakerConfig&) = default;
};

using Labels = std::map<std::string, std::string>;

// A Kubernetes node as the API server holds it.
struct Node {
  std::string name;
  std::string netns;     // the lab: the node's network namespace; empty on kind
  std::string address;   // InternalIP (IPv4; empty on an IPv6-only cluster)
  std::string pod_cidr;  // spec.podCIDR, a /24 (IPv4)
  Labels labels;
  Labels annotations;
  std::string address_v6;   // the IPv6 InternalIP of a dual-stack or IPv6 node; else empty
  std::string pod_cidr_v6;  // its IPv6 entry of spec.podCIDRs, a /64; else empty
};

// A LoadBalancer Service.
struct Service {
  std::string name;
  Labels labels;      // what a BGP service selector matches
  Labels selector;    // which pods back it
  // status.loadBalancer.ingress: its IPv4 address, empty until a pool assigns one.
  std::string lb_ip;
  std::uint16_t port = 80;
  std::string lb_ip_v6;  // likewise its IPv6 one: a single-stack Service has one family
};

// One cluster's objects that the BGP control plane reads.
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
// every node. A Service gets the families its spec asks for (ipFamilyPolicy and
// ipFamilies: SingleStack takes the first family, IPv4 when unsaid and the pool has an IPv4
// block; RequireDualStack and PreferDualStack both, from the pool's first block of each).
// Errors (kInput) name the file and what is wrong.
Result<void, Error> ApplyManifests(Cluster& c, const std::vector<RenderedFile>& files);

// What Cilium's BGP control plane would run on each node the BGP resources select: the
// local AS, the node's address as router id, each neighbor with its timers and graceful
// restart, the listen port from the node annotation (BGPv1; 179 under BGPv2), and the
// prefixes: the node's pod CIDRs when exported, and the LB IPs of every Service the
// selector matches, of both families under BGPv1 (whose neighbors carry IPv4 and IPv6
// unicast) and of the families a BGPv2 peer config lists. Nodes that no resource selects
// get no speaker. Errors: kInput.
Result<std::vector<SpeakerConfig>, Error> CiliumBgpSpeakers(const Cluster& c,
                                                            const std::vector<RenderedFile>& files);

// Each LoadBalancer address of c's Services (IPv4, then IPv6) with the nodes among
// `speakers` that advertise it (its /32 or /128 among their prefixes).
struct AdvertisedAddress {
  std::string service;
  std::string ip;
  std::vector<std::string> nodes;
};
std::vector<AdvertisedAddress> AdvertisedLoadBalancers(const Cluster& c,
                                                       const std::vector<SpeakerConfig>& speakers);

// Whether every label of `selector` is in `labels` (matchLabels).
bool Matches(const Labels& selector, const Labels& labels);

}  // namespace bgpdemo::core
