// The lab's faults (`bgpdemo fault`, core/fault.h): each is a change to the namespaces the
// lab made, or a request to its daemon, and its undoing.
#include <fmt/format.h>

#include "bgp/api/control_client.h"
#include "core/command_runner.h"
#include "core/lab/lab.h"
#include "core/lab/workspace.h"
#include "core/router_restart.h"

namespace bgpdemo::core::lab {

namespace {

// Runs argv; its failure as an Error naming what it was for.
Result<void, Error> Run(const std::vector<std::string>& argv, std::string_view what) {
  auto r = DefaultRunner().Run(argv, {.timeout = std::chrono::seconds(10)});
  if (!r) return Fail(Error::Environment(fmt::format("{}: {}", what, r.error())));
  if (r->exit_code != 0) {
    if (r->err.find("qdisc kind is unknown") != std::string::npos) {
      return Fail(Error::Environment(fmt::format(
          "{}: this kernel has no netem (the sch_netem module); packet-loss needs it", what)));
    }
    return Fail(CommandError(argv, *r, fmt::format("{}: {}", what, FormatFailure(argv, *r))));
  }
  return {};
}

Result<std::string, Error> Router(const std::string& dir, const char* action) {
  auto r = bgp::api::Request(Workspace(dir).DaemonSocket(),
                             {{"command", "router"}, {"action", action}}, std::chrono::seconds(15));
  if (!r) return Fail(Error::Failed(fmt::format("router {}: {}", action, r.error())));
  return std::string(action == std::string_view("stop")
                         ? "the router stopped (Cease to every peer, its kernel routes removed)"
                         : fmt::format("the router started again (pid {})", r->value("pid", 0)));
}

// The daemon's speaker kill: SIGKILL, which Demo::Speaker (stop and start) does not offer.
Result<void, Error> KillSpeaker(const std::string& dir, const std::string& node) {
  auto r = bgp::api::Request(Workspace(dir).DaemonSocket(),
                             {{"command", "speaker"}, {"node", node}, {"action", "kill"}},
                             std::chrono::seconds(10));
  if (!r) return Fail(Error::Failed(fmt::format("speaker kill {}: {}", node, r.error())));
  return {};
}

}  // namespace

Result<std::string, Error> LabDemo::StartFault(const Fault& f) const {
  return Apply(f, true);
}

Result<std::string, Error> LabDemo::EndFault(const Fault& f) const {
  return Apply(f, false);
}

Result<std::string, Error> LabDemo::Apply(const Fault& f, bool start) const {
  if (f.kind == FaultKind::kRouterRestart) return Router(dir_, start ? "stop" : "start");
  if (f.kind == FaultKind::kRouterGracefulRestart) {
    if (!start) return std::string("nothing to end: the restart had completed when it began");
    // The router execs itself again (same pid): the daemon keeps watching the same process.
    auto r = RestartRouter(Workspace(dir_).RouterSocket(), std::chrono::seconds(150));
    if (!r) return Fail(r.error());
    return DescribeRestart(*r);
  }
  const auto* node = plan_.FindNode(f.node);
  if (node == nullptr)
    return Fail(Error::Usage(fmt::format("no node \"{}\" in this demo", f.node)));
  const auto* net = plan_.FindNetwork(node->network);
  // The two ends of the node's link: its port in the network's namespace, its eth0.
  const std::pair<std::string, std::string> ends[] = {{net->netns, node->port},
                                                      {node->netns, "eth0"}};
  const std::vector<std::string> link = {"ip",  "-n",       net->netns,           "link",
                                         "set", node->port, start ? "down" : "up"};
  switch (f.kind) {
    case FaultKind::kSpeakerStop: {
      auto r = Speaker(f.node, start ? SpeakerAction::kStop : SpeakerAction::kStart);
      if (!r) return Fail(r.error());
      return fmt::format("the speaker of {} {}", f.node, start ? "stopped" : "started again");
    }
    case FaultKind::kLinkDown:
      if (auto r = Run(link, start ? "link down" : "link up"); !r) return Fail(r.error());
      return start ? fmt::format("{}'s link down ({} in {})", f.node, node->port, net->netns)
                   : fmt::format("{}'s link up again", f.node);
    case FaultKind::kNodeStop:
      // As a container stops: its processes die (the speaker's sockets close: the router sees
      // the connection end, with no NOTIFICATION), then its link goes. Back in the other
      // order: the link, then the speaker, which connects again.
      if (start) {
        if (auto r = KillSpeaker(dir_, f.node); !r) return Fail(r.error());
        if (auto r = Run(link, "link down"); !r) return Fail(r.error());
        return fmt::format("{} stopped: its speaker killed, its link down", f.node);
      }
      if (auto r = Run(link, "link up"); !r) return Fail(r.error());
      if (auto r = Speaker(f.node, SpeakerAction::kStart); !r) return Fail(r.error());
      return fmt::format("{} started again: its link up, its speaker running", f.node);
    case FaultKind::kPacketLoss:
      if (!start) {
        // Both ends, whatever the first said: a half-made fault is undone too (deleting a
        // qdisc that is not there fails, and is nothing to undo).
        for (const auto& [ns, dev] : ends) {
          (void)DefaultRunner().Run(
              {"ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", dev, "root"},
              {.timeout = std::chrono::seconds(10)});
        }
        return fmt::format("netem removed from {}'s link", f.node);
      }
      for (const auto& [ns, dev] : ends) {
        if (auto r = Run({"ip", "netns", "exec", ns, "tc", "qdisc", "replace", "dev", dev, "root",
                          "netem", "loss", fmt::format("{}%", f.loss_percent)},
                         "packet loss");
            !r) {
          (void)Apply(f, false);
          return Fail(r.error());
        }
      }
      return fmt::format("netem drops {}% of {}'s packets, both ways", f.loss_percent, f.node);
    case FaultKind::kRouterRestart:
    case FaultKind::kRouterGracefulRestart:
      break;
  }
  return Fail(Error::Internal("unhandled fault kind"));
}

}  // namespace bgpdemo::core::lab
