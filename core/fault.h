// `bgpdemo fault` (issue #15): a failure started on the running demo, and measured. While it
// lasts and after it ends, the LoadBalancer IPs it touches are probed from the router
// without pause, and the demo is looked at as `events` does; what happened becomes a
// timeline, in seconds from the moment the fault started:
//
//   fault started         what the provider did (Demo::StartFault)
//   session down          the node's session left Established, with the router's reason
//   routes withdrawn      the router's kernel has no route via the node any more
//   traffic lost / back   the first failed probe of an LB IP, the first answer after
//   router not answering  (router-restart) its control socket is gone, and back
//   fault ended           what the provider did to end it (after --for)
//   session up, routes back, healthy
//
// and the outage window of each LB IP: from its first failed probe to the first probe that
// answered after its last failed one. Over ECMP, a node's failure loses the flows that hash
// to it, so probes inside the window may answer too; the failed count says how many did not.
// Healthy: the node's session Established, routes via it in the kernel again, every probed LB IP
// answering. A fault on the router (router-restart) watches every session and every LB IP.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/demo.h"
#include "core/events.h"

namespace bgpdemo::core {

struct FaultOptions {
  std::chrono::milliseconds duration{10000};         // how long the fault lasts (--for)
  std::chrono::milliseconds probe_every{250};        // a new probe of each LB IP this often
  std::chrono::milliseconds look_every{200};         // a look at the demo this often
  std::chrono::milliseconds recover_within{120000};  // after the end: healthy by then
  std::chrono::milliseconds baseline{1000};          // probes before the fault, which must answer
};

struct FaultReport {
  struct Entry {
    double t = 0;  // seconds since the fault started (negative: before it)
    std::string event;
    std::string detail;
  };
  struct Probed {
    std::string ip;
    std::size_t sent = 0;
    std::size_t failed = 0;
    // Where probes failed (timeline seconds): [lost_at, back_at); back_at is the last probe's
    // start when none answered after. Zeros when none failed.
    double lost_at = 0;
    double back_at = 0;
    double outage() const { return back_at - lost_at; }
  };
  Fault fault;
  std::string provider;
  std::chrono::system_clock::time_point started;  // the fault's start: timeline second 0
  double duration = 0;                            // seconds the fault lasted
  std::vector<Entry> timeline;                    // in time order
  std::vector<Probed> probes;
  bool recovered = false;   // healthy within recover_within of the end
  double recovered_at = 0;  // timeline seconds; when recovered

  double Outage() const;  // the longest of the LB IPs' outage windows; 0: no probe failed
  Report ToReport() const;
  // The fault's start, its end and the demo healthy again, as events of the demo's event log
  // (core/event_log.h): "action" events whose subject is the node (the router).
  std::vector<TimedEvent> Events() const;
};

// Every kind, in the order help text lists them, and their names ("speaker-stop", ...).
const std::vector<FaultKind>& FaultKinds();
std::vector<std::string> FaultKindNames();
// "link-down" -> FaultKind::kLinkDown: ToString's inverse; nullopt for another name.
std::optional<FaultKind> ParseFaultKind(std::string_view name);

// Starts `f`, ends it after options.duration, and measures. Errors: the fault names no node
// of the topology (kUsage), the demo is not healthy before (kFailed: what is wrong), the
// router is not bgpdemo's to probe from (kUsage), the provider cannot do it (its error).
Result<FaultReport, Error> MeasureFault(const Demo& demo, const Topology& t, const Fault& f,
                                        const FaultOptions& options);

}  // namespace bgpdemo::core
