// The provider interface: where a demo's topology lives (docs/architecture.md "Providers"). The lab
// (core/lab/lab_provider.h) builds it from network namespaces on this machine; kind
// (core/kind/kind_provider.h) on real kind clusters. The CLI talks to this interface only,
// through the registry (core/providers.h), and never asks which provider it has:
//
//   Available, Preflight, Doctor   whether the provider can run here, and what it lacks
//   Plan                           what `up` would build, without acting
//   Describe, Up, AfterFailedUp    `bgpdemo up`: its first line, the steps, its last word
//   Down                           `bgpdemo down`
//   Open                           the running demo (core/demo.h's Demo): status,
//                                  topology, observe, probe, the optional `speaker`
//   RunDaemon                      an optional background process the provider starts
//
// What a verb prints for people and in JSON (its Report) comes from the provider, so that
// each provider says what it has in its own words; peers, routes and verify are computed
// from Demo's shapes and are the same for every provider.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/demo.h"
#include "core/scenario.h"

namespace bgpdemo::core {

// /run/bgpdemo/demo, or $BGPDEMO_STATE_DIR when set.
std::string DefaultStateDir();

// What a provider needs from the outside world. Given to it when it is made; it keeps a
// copy.
struct ProviderContext {
  std::string state_dir;                   // the demo's state folder (DefaultStateDir())
  std::map<std::string, std::string> env;  // added to every external program's environment
  StepSink on_step;                        // hears each step of up and down as it ends
  // The runner of external programs belongs here once core/ has one (issue #10: an
  // interface with a real and a scripted fake); until then providers call core/process.h.
};

// `bgpdemo up`'s settings. Each provider reads the ones it has and ignores the others.
struct UpOptions {
  std::chrono::seconds timeout{300};  // for every session (and kind's waits)
  std::string self;                   // this program's path, which the lab runs again
  std::string version;                // of this bgpdemo; kind tags the router image with it
  // lab
  std::string node_speaker = "engine";  // engine | gobgpd
  std::string lab_prefix = "bgpdemo";
  // kind
  std::string router_image;  // empty: bgpdemo-router:<version>, built when missing
  std::string base_image;    // of the router image made from `self`; empty: FROM scratch
  std::chrono::seconds helm_timeout{600};     // helm upgrade --wait --timeout
  std::chrono::seconds cilium_timeout{300};   // cilium status --wait --wait-duration
  std::chrono::seconds rollout_timeout{300};  // kubectl rollout status --timeout
  std::chrono::seconds crd_timeout{120};      // CRDs Established before their resources
  bool preload = true;     // kind load docker-image the images the local Docker has
  std::string node_image;  // empty: pinned per Cilium version (core/kind/node_image.h)
  // kube (core/kube/kube.h)
  std::map<std::string, std::string> contexts;  // --context CLUSTER=CONTEXT
  std::string router;          // --router host:ADDR,... | container:HOST[,ADDR] | external:ADDR,AS
  bool manage_cilium = false;  // --manage-cilium: install or reconfigure a running Cilium
  bool static_routes = true;   // --no-static-routes: the user's network routes
  std::string routes_image;    // the static-routes DaemonSet's image; empty: the default
};

struct DownOptions {
  std::string lab_prefix = "bgpdemo";  // the lab without a state: whose namespaces to remove
};

// Whether a provider can run here, as `up --provider auto` asks it: cheap checks only.
struct Availability {
  bool ok = false;
  std::string needs;  // when not ok, what is missing ("docker and kind", "root: ...")
};

// `bgpdemo doctor`'s part for one provider.
struct DoctorReport {
  bool ready = false;
  nlohmann::json json;  // under the provider's name in `doctor -o json`
  std::string details;  // lines printed before the summaries (a tools table); may be empty
  std::string summary;  // "ready", "not ready (see above)", "needs ..."
};

// One provider. Made by the registry for one command with its context; used from one
// thread.
class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string name() const = 0;

  // For `up --provider auto`.
  virtual Availability Available(const UpOptions& options) const = 0;
  // What must hold before `up` reads its scenario; kEnvironment naming what is missing.
  // (A provider may check more as the first step of Up, where the user sees it as a step.)
  virtual Result<void, Error> Preflight(const UpOptions& options) const = 0;
  // The tools this provider needs, with versions, and whether it could run here.
  // `scenario`: the one `doctor --scenario` names (kind reports its node image pin).
  virtual DoctorReport Doctor(const ScenarioText& scenario) const = 0;

  // Checks `scenario` for this provider and says in one line what `up` would build, without
  // creating anything. Errors: the scenario's (kInput) and the options' (kUsage).
  virtual Result<std::string, Error> Plan(const ScenarioText& scenario,
                                          const UpOptions& options) const = 0;
  // What `up` prints first, after "scenario NAME, ": "provider lab, node speakers engine".
  virtual std::string Describe(const UpOptions& options) const = 0;
  // Brings the demo up, reporting each step to the context's sink, and waits for every
  // session. The report is `up`'s last JSON event and its closing line. A demo that is up
  // already is reported as such, not an error.
  virtual Result<Report, Error> Up(const ScenarioText& scenario, const UpOptions& options) = 0;
  // What the user can do after Up failed ("`bgpdemo down` removes it; ...").
  virtual std::string AfterFailedUp() const = 0;
  // Removes what this provider's `up` made (also what a failed or crashed up left).
  virtual Result<Report, Error> Down(const DownOptions& options) = 0;
  // Whether Down finds what an `up` left when there is no state to say what it made.
  virtual bool DownWithoutState() const { return false; }

  // The demo whose state is in the state folder. Errors: no demo is up (kFailed), a state
  // that cannot be read (kInput).
  virtual Result<std::unique_ptr<Demo>, Error> Open() const = 0;

  // Runs the provider's background process until it is told to stop (the lab's daemon, the
  // hidden verb `lab-daemon`); returns its exit code. Optional: kUsage where there is none.
  virtual Result<int, Error> RunDaemon() const;
};

}  // namespace bgpdemo::core
