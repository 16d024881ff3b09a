// Decode errors as values: the NOTIFICATION to send and the RFC 7606 action to take.
//
// Every failure the codec finds in a peer's bytes becomes an Error carrying what a session
// needs to answer it (code, subcode, data for the NOTIFICATION), what RFC 7606 says to do
// with the UPDATE (Action), and where in the message the problem sits (offset from the first
// byte of the marker). The strongest action of several wins (RFC 7606 §3(h)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/constants.h"

namespace bgpdemo::bgp::wire {

// RFC 7606 §2 approaches, weakest first, so that std::max picks the strongest.
enum class Action : std::uint8_t {
  kNone = 0,
  kAttributeDiscard = 1,  // drop the attribute, keep the routes
  kTreatAsWithdraw = 2,   // withdraw every route the UPDATE carries
  kAfiSafiDisable = 3,    // RFC 4760 §7: stop the family (or reset the session)
  kSessionReset = 4,      // send the NOTIFICATION and close
};
std::string_view ToString(Action a);  // "attribute-discard", "treat-as-withdraw", ...

struct Error {
  NotifyCode code = NotifyCode::kCease;
  std::uint8_t subcode = 0;
  std::vector<std::uint8_t> data;  // NOTIFICATION data field
  Action action = Action::kSessionReset;
  std::size_t offset = 0;  // bytes from the start of the message
  std::string message;     // for people: the field, the value, what was expected
  Family family{};         // the family to disable, with Action::kAfiSafiDisable

  friend bool operator==(const Error&, const Error&) = default;
};

// "UPDATE Message Error / Malformed AS_PATH (3/11)"
std::string CodeText(NotifyCode code, std::uint8_t subcode);

// A one-line description: "3/11 treat-as-withdraw at offset 27: AS_PATH segment ...".
std::string Describe(const Error& e);

}  // namespace bgpdemo::bgp::wire
