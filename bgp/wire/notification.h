// NOTIFICATION (RFC 4271 §4.5) and the shutdown communication of Cease 2 and 4
// (RFC 8203, length extended to 255 by RFC 9003).
//
//   code(1) subcode(1) data...      shutdown data: length(1) UTF-8 text(length) [rest]
//
// A NOTIFICATION is never rejected for its data: a malformed shutdown text (BIRD
// CVE-2019-16159) is reported beside the message, the data kept as it came.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "bgp/wire/buffer.h"
#include "bgp/wire/error.h"

namespace bgpdemo::bgp::wire {

struct Notification {
  NotifyCode code = NotifyCode::kCease;
  std::uint8_t subcode = 0;
  std::vector<std::uint8_t> data;

  // Cease/Administrative Shutdown or Reset with a shutdown communication.
  static Notification Shutdown(CeaseSubcode subcode, std::string_view text);
  static Notification FromError(const Error& e);

  bool HasShutdownCommunication() const;
  // The shutdown communication, or why it is malformed.
  Result<std::string, std::string> ShutdownText() const;

  friend bool operator==(const Notification&, const Notification&) = default;
};

// body: the bytes after the header (at least 2).
Result<Notification, Error> DecodeNotification(std::span<const std::uint8_t> body);
void EncodeNotificationBody(const Notification& n, Writer& w);

// True when text is valid UTF-8 (RFC 3629: no overlongs, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace bgpdemo::bgp::wire
