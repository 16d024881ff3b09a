// The provider interface's defaults: the optional capabilities a provider may not have.
#include "core/provider.h"

#include <fmt/format.h>

#include <cstdlib>

namespace bgpdemo::core {

std::string DefaultStateDir() {
  if (const char* env = std::getenv("BGPDEMO_STATE_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return "/run/bgpdemo/demo";
}

std::string_view ToString(SpeakerAction action) {
  return action == SpeakerAction::kStop ? "stop" : "start";
}

Result<Report, Error> Demo::Speaker(const std::string& node, SpeakerAction action) const {
  (void)node;
  (void)action;
  return Fail(Error::Usage(fmt::format(
      "the {} provider's node speakers are not bgpdemo's to stop or start", provider())));
}

std::string_view ToString(FaultKind kind) {
  switch (kind) {
    case FaultKind::kSpeakerStop:
      return "speaker-stop";
    case FaultKind::kLinkDown:
      return "link-down";
    case FaultKind::kNodeStop:
      return "node-stop";
    case FaultKind::kPacketLoss:
      return "packet-loss";
    case FaultKind::kRouterRestart:
      return "router-restart";
    case FaultKind::kRouterGracefulRestart:
      return "router-graceful-restart";
  }
  return "unknown";
}

Result<std::string, Error> Demo::StartFault(const Fault& f) const {
  if (auto can = CanFault(f); !can) return Fail(can.error());
  return Fail(Error::Internal(
      fmt::format("the {} provider can {} but has no StartFault", provider(), ToString(f.kind))));
}

Result<std::string, Error> Demo::EndFault(const Fault& f) const {
  return StartFault(f);
}

Result<void, Error> Demo::CanFault(const Fault& f) const {
  return Fail(Error::Usage(
      fmt::format("the {} provider cannot inject faults ({})", provider(), ToString(f.kind))));
}

Result<nlohmann::json, Error> Demo::RouterJournal() const {
  return Fail(Error::Usage(
      fmt::format("the {} provider's router keeps no journal bgpdemo can read", provider())));
}

Result<int, Error> Provider::RunDaemon() const {
  return Fail(Error::Usage(fmt::format("the {} provider runs no daemon", name())));
}

}  // namespace bgpdemo::core
