#include "bgp/wire/error.h"

#include <fmt/format.h>

namespace bgpdemo::bgp::wire {

std::string_view ToString(Action a) {
  switch (a) {
    case Action::kNone: return "none";
    case Action::kAttributeDiscard: return "attribute-discard";
    case Action::kTreatAsWithdraw: return "treat-as-withdraw";
    case Action::kAfiSafiDisable: return "afi-safi-disable";
    case Action::kSessionReset: return "session-reset";
  }
  return "unknown";
}

std::string CodeText(NotifyCode code, std::uint8_t subcode) {
  const auto sub = SubcodeName(code, subcode);
  return fmt::format("{} / {} ({}/{})", ToString(code), sub.empty() ? "Unknown Subcode" : sub,
                     static_cast<unsigned>(code), subcode);
}

std::string Describe(const Error& e) {
  return fmt::format("{}/{} {} at offset {}: {}", static_cast<unsigned>(e.code), e.subcode,
                     ToString(e.action), e.offset, e.message);
}

}  // namespace bgpdemo::bgp::wire
