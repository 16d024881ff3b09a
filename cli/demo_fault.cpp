// `bgpdemo fault`: a failure injected into the running demo and measured (core/fault.h).
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <chrono>
#include <ostream>

#include "cli/demo_verbs.h"
#include "cli/exit_codes.h"
#include "core/event_log.h"
#include "core/fault.h"

namespace bgpdemo::cli::demo {

namespace {

std::chrono::milliseconds Ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

}  // namespace

int Fault(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  // CLI11 checked the kind against the same names.
  const core::Fault f{core::ParseFaultKind(o.fault_kind).value_or(core::FaultKind::kSpeakerStop),
                      o.fault_node, o.fault_loss};
  if (core::OnRouter(f.kind) && !f.node.empty()) {
    return Failed(err, "bgpdemo fault",
                  Error::Usage(fmt::format("{} hits the router and takes no node", o.fault_kind)));
  }
  if (!core::OnRouter(f.kind) && f.node.empty()) {
    return Failed(err, "bgpdemo fault",
                  Error::Usage(fmt::format("{} needs the node it hits, e.g. `bgpdemo fault {} "
                                           "cilium-worker`",
                                           o.fault_kind, o.fault_kind)));
  }
  auto d = MakeProviders(o).OpenDemo();
  if (!d) return Failed(err, "bgpdemo fault", d.error());
  const auto topology = (*d)->GetTopology();
  if (!topology) return Failed(err, "bgpdemo fault", topology.error());
  if (o.output != "json") {
    fmt::print(err, "bgpdemo fault: {}{} for {} s, probing from the router...\n", o.fault_kind,
               f.node.empty() ? "" : " on " + f.node, o.fault_for);
  }
  auto r = core::MeasureFault(**d, *topology, f,
                              {.duration = Ms(o.fault_for),
                               .probe_every = Ms(o.fault_probe_every),
                               .recover_within = Ms(o.fault_recover_within)});
  if (!r) return Failed(err, "bgpdemo fault", r.error());
  for (const auto& e : r->Events()) (void)core::AppendEventLog(StateDir(o), e);
  Print(o, out, r->ToReport(), true);
  return r->recovered ? kExitOk : kExitFailed;
}

}  // namespace bgpdemo::cli::demo
