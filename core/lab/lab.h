// The `lab` provider: the whole demo on Linux network namespaces of this machine, with no
// Docker and no Kubernetes (docs/architecture.md "Providers"). Needs root and iproute2.
//
//   LabUp:   preflight -> plan (core/lab/plan.h) -> namespaces -> links, addresses,
//            routes (one ip -batch per namespace) -> the daemon (core/lab/daemon.h) ->
//            wait until every session is Established
//   LabDemo: a running demo read back from its state folder: its topology, what its
//            speakers and kernel say now, probes from its namespaces, its status, and its
//            node speakers stopped and started (core/demo.h's Demo)
//   LabDown: the daemon stopped (or killed), every process in the demo's namespaces
//            stopped, the namespaces deleted, the state folder's files removed; works from
//            whatever is left, also without a state file.
//
// LabProvider (core/lab/lab_provider.h) puts these behind the provider interface.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/demo.h"
#include "core/lab/plan.h"
#include "core/lab/state.h"

namespace bgpdemo::core::lab {

using core::StepEvent;
using core::StepSink;

struct LabUpOptions {
  std::string state_dir;
  std::string prefix = kDefaultPrefix;
  std::string node_speaker = "engine";  // engine | gobgpd
  std::string binary;                   // this bgpdemo's path, run as router and speakers
  std::chrono::seconds timeout{60};     // for every session to be Established
};

// What this machine lacks to run the lab (root, Linux network namespaces, iproute2, and
// gobgpd/gobgp for the gobgpd speakers); each entry says how to get it. Empty: nothing.
std::vector<std::string> LabMissing(const std::string& node_speaker);

struct UpResult {
  bool already_up = false;
  double seconds = 0;              // from the start of up to every session Established
  double established_seconds = 0;  // from the daemon's start to every session Established
  std::size_t sessions = 0;
  // A demo that was up with some of its processes dead, healed in place: what was started
  // again ("the router", "the speaker of cilium-worker", "the lab daemon, ...").
  std::vector<std::string> healed;
  LabState state;
};

// Errors end the step that failed; what was created stays recorded for `down`. The
// scenario's problems are kInput, a bad prefix kUsage.
Result<UpResult, Error> LabUp(const ScenarioText& scenario, const LabUpOptions& options,
                              const StepSink& on_step);

struct DownReport {
  bool had_state = false;
  bool daemon_stopped = false;
  std::vector<std::string> namespaces;  // deleted
  std::size_t processes = 0;            // stopped inside them
  std::vector<std::string> files;       // removed
};

// `prefix` names the namespaces to look for when there is no state (kDefaultPrefix).
Result<DownReport, Error> LabDown(const std::string& state_dir, const std::string& prefix,
                                  const StepSink& on_step);

// Whether the demo's daemon (state.daemon_pid) is running.
bool DaemonAlive(const LabState& state);

// A running lab demo. Copyable; reads only (the daemon owns the processes).
class LabDemo : public Demo {
 public:
  // Errors: no demo is up (kFailed), a state that does not parse or plan (kInput).
  static Result<LabDemo, Error> Open(const std::string& state_dir);

  const LabState& state() const { return state_; }
  const LabPlan& plan() const { return plan_; }
  const std::string& dir() const { return dir_; }

  std::string provider() const override { return "lab"; }
  Result<Topology, Error> GetTopology() const override { return Plan(); }
  Topology Plan() const;
  // Reads everything at once (in parallel): the router's peers and RIB over its control
  // socket, its kernel table (ip -j route show proto 197 in its namespace; with IPv6 also
  // ip -6, and ip -4 neigh for the link-local next hops' nodes), and each node speaker's
  // peers.
  Observed Observe() const override;
  // GET http://ip:port/ from "router" or "<cluster>/<pod>"'s namespace, 2 s timeout.
  Result<HttpResult, Error> Probe(const std::string& from, const std::string& ip,
                                  std::uint16_t port) const override;
  // The daemon (alive or not), and what it says of the router, speakers and pods.
  StatusReport Status() const override;
  // Stops or starts one node's speaker, through the daemon.
  Result<Report, Error> Speaker(const std::string& node, SpeakerAction action) const override;
  // Every fault kind (core/lab/lab_fault.cpp): speaker-stop through the daemon, link-down
  // on the node's port in its network's namespace, packet-loss with netem on both ends of
  // the node's link, router-restart through the daemon.
  Result<std::string, Error> StartFault(const Fault& f) const override;
  Result<std::string, Error> EndFault(const Fault& f) const override;
  Result<void, Error> CanFault(const Fault&) const override { return {}; }
  Result<nlohmann::json, Error> RouterJournal() const override;
  // The daemon's own view: {"pid", "router": {...}, "speakers": {node: {pid, alive}}, ...}.
  Result<nlohmann::json, std::string> DaemonStatus() const;

 private:
  // StartFault (start) or EndFault.
  Result<std::string, Error> Apply(const Fault& f, bool start) const;
  LabDemo(std::string dir, LabState state, LabPlan plan)
      : dir_(std::move(dir)), state_(std::move(state)), plan_(std::move(plan)) {}
  std::string dir_;
  LabState state_;
  LabPlan plan_;
};

}  // namespace bgpdemo::core::lab
