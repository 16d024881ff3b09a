// `--node-speaker gobgpd`: a lab node's BGP speaker as a real gobgpd 3.10 process (GoBGP is
// the library inside Cilium's agent), configured as Cilium 1.14's BGP Control Plane
// configures its embedded GoBGP (pkg/bgpv1/gobgp; docs/reference/bgp-interop.md §1,
// tests/interop/gobgp_cilium_test.py).
//
// Data flow: SpeakerConfig -> GobgpdConfig (TOML) -> <workdir>/gobgpd-<node>.toml ->
// `gobgpd` spawned detached in the node's namespace, with a UTS namespace whose hostname is
// the node name (gobgpd sends os.Hostname() in its FQDN capability) -> the `gobgp` CLI over
// gRPC on the namespace's 127.0.0.1:<api_port>: readiness, `global rib add` for every prefix,
// and `-j neighbor <address>` converted to the engine's peer JSON (Server::PeersJson).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "core/cilium_model.h"

namespace bgpdemo::core::lab {

// The gobgpd TOML for config, as Cilium 1.14 sets up GoBGP for a CiliumBGPPeeringPolicy:
//   global: as, router-id = the node address, port = listen_port, listen address = the node
//     address, default import policy reject-route (Cilium never uses what it receives);
//   per neighbor: peer-as, connect-retry / hold-time / keepalive-interval from the config,
//     idle-hold-time-after-reset 5, active (dials out), ipv4-unicast and ipv6-unicast (so
//     gobgpd sends the FQDN and Extended Next Hop capabilities), and with graceful_restart:
//     GR with restart-time and the N bit (RFC 8538), every family in mp-graceful-restart.
// GoBGP 3.10 waits rand(t)+t s between dials (t = 5 before the first, then connect_retry):
// a lab that wants quick reconnects gives a small connect_retry.
std::string GobgpdConfig(const SpeakerConfig& config);

// One entry of `gobgp -j neighbor <address>` (gobgp 3.10) in the engine's peer JSON shape:
// address, local_asn, peer_asn, state (idle/connect/active/open_sent/open_confirm/
// established), uptime_seconds, hostname (the peer's, from its FQDN capability), router_id,
// hold_time, local_address, extended_next_hop, messages_received/sent, families [{afi,
// safi, family, received, accepted, advertised}] (negotiated families, empty unless
// established), last_error, plus "node". now_unix: the current time (gobgp gives the time
// the session came up, not its age).
nlohmann::json PeerJsonFromGobgp(const nlohmann::json& neighbor, const std::string& node,
                                 std::int64_t now_unix);

struct GobgpdOptions {
  std::string gobgpd = "gobgpd";  // program names or paths
  std::string gobgp = "gobgp";
  std::uint16_t api_port = 50051;                  // gRPC on the node namespace's 127.0.0.1
  std::chrono::milliseconds start_timeout{10000};  // for the API to answer
};

// A running gobgpd for one lab node. Not thread-safe; one owner. Destruction stops it.
class GobgpdSpeaker {
 public:
  explicit GobgpdSpeaker(SpeakerConfig config, GobgpdOptions options = {});
  ~GobgpdSpeaker();
  GobgpdSpeaker(const GobgpdSpeaker&) = delete;
  GobgpdSpeaker& operator=(const GobgpdSpeaker&) = delete;

  // Writes <workdir>/gobgpd-<node>.toml, starts gobgpd in the node's namespace (log:
  // <workdir>/gobgpd-<node>.log), waits until its API answers, then announces every prefix.
  // On an error nothing is left running; the message quotes the end of gobgpd's log.
  Result<void, std::string> Start(const std::string& workdir);
  // SIGTERM (gobgpd sends each peer a Cease), up to 3 s, then SIGKILL. Idempotent.
  Result<void, std::string> Stop();
  pid_t pid() const { return pid_; }  // 0 when not running
  bool Running() const;
  const SpeakerConfig& config() const { return config_; }
  const std::string& log_path() const { return log_path_; }

  // `gobgp global rib add|del <prefix> -a ipv4|ipv6 origin igp` (next hop 0.0.0.0 / ::, as
  // Cilium originates; GoBGP puts the session's local address on the wire).
  Result<void, std::string> Announce(const std::string& prefix);
  Result<void, std::string> Withdraw(const std::string& prefix);

  // One entry per configured neighbor (PeerJsonFromGobgp), from the gobgpd that answers on
  // the node namespace's API port, whether or not this object started it (the CLI asks the
  // daemon's gobgpd through a GobgpdSpeaker of its own).
  Result<nlohmann::json, std::string> PeersJson() const;

 private:
  Result<std::string, std::string> Gobgp(const std::vector<std::string>& args) const;

  SpeakerConfig config_;
  GobgpdOptions options_;
  pid_t pid_ = 0;
  std::string log_path_;
};

}  // namespace bgpdemo::core::lab
