// A node's BGP speaker in the lab, as Cilium's agent would configure the GoBGP inside it
// from the rendered BGP resources (a v1 CiliumBGPPeeringPolicy, or the BGPv2
// CiliumBGPClusterConfig, CiliumBGPPeerConfig and CiliumBGPAdvertisement): its AS, router
// id, the route server as neighbor with the resource's timers, and the prefixes it
// advertises (the node's pod CIDR with exportPodCIDR, the LoadBalancer IPs of the services
// the selector matches). Two implementations run it: the engine itself (core/lab/engine_
// speaker.h) and a real `gobgpd` (core/lab/gobgpd.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bgpdemo::core::lab {

struct SpeakerNeighbor {
  std::string address;  // IPv4, the route server's address on the node's network
  std::uint32_t peer_as = 0;
  std::uint16_t hold_time = 90;
  std::uint16_t keepalive = 30;
  std::uint16_t connect_retry = 120;
  bool graceful_restart = false;
  std::uint16_t restart_time = 120;  // seconds, when graceful_restart
  friend bool operator==(const SpeakerNeighbor&, const SpeakerNeighbor&) = default;
};

struct SpeakerConfig {
  std::string node;       // "cilium-worker"; also the hostname sent in the FQDN capability
  std::string netns;      // the node's network namespace, where the speaker runs
  std::string address;    // the node's IPv4 address: router id and source of the sessions
  std::uint32_t local_as = 0;
  // Cilium's agent listens on the port of the node annotation
  // (cilium.io/bgp-virtual-router.<asn>="local-port=179") and dials out as well.
  std::uint16_t listen_port = 179;
  std::vector<SpeakerNeighbor> neighbors;
  std::vector<std::string> prefixes;  // "10.241.1.0/24", "10.21.0.1/32"
  friend bool operator==(const SpeakerConfig&, const SpeakerConfig&) = default;
};

}  // namespace bgpdemo::core::lab
