// BGP messages: the 19-byte header and framing (RFC 4271 §4.1), KEEPALIVE (§4.4),
// ROUTE-REFRESH (RFC 2918, RFC 7313), and one entry point to decode or encode any message.
//
//   marker(16, all ones) length(2) type(1) body...
//
// This is the seam where bytes become values: a session hands whole frames to
// DecodeMessage and writes what EncodeMessage produced. Nothing here does I/O or logs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "bgp/wire/context.h"
#include "bgp/wire/error.h"
#include "bgp/wire/notification.h"
#include "bgp/wire/open.h"
#include "bgp/wire/update.h"

namespace bgpdemo::bgp::wire {

struct Keepalive {
  friend bool operator==(const Keepalive&, const Keepalive&) = default;
};

struct RouteRefresh {
  enum : std::uint8_t { kNormal = 0, kBeginningOfRib = 1, kEndOfRib = 2 };  // RFC 7313 §3
  Family family;
  std::uint8_t subtype = kNormal;  // the "Reserved" octet of RFC 2918
  friend bool operator==(const RouteRefresh&, const RouteRefresh&) = default;
};

using Message = std::variant<Open, Update, Notification, Keepalive, RouteRefresh>;
MessageType TypeOf(const Message& m);

struct Header {
  std::uint16_t length = 0;
  MessageType type = MessageType::kKeepalive;
};

// Validates a header: marker, length bounds for the context, known type (ROUTE-REFRESH only
// when negotiated), and each type's minimum length. REQUIRES: bytes.size() >= 19.
Result<Header, Error> DecodeHeader(std::span<const std::uint8_t> bytes, const Context& ctx);

// For a stream reader: the length of the first message in buf when all of it is there,
// 0 when more bytes are needed, or the header's error.
Result<std::size_t, Error> FrameLength(std::span<const std::uint8_t> buf, const Context& ctx);

// Decodes exactly one message, header included.
Result<Message, Error> DecodeMessage(std::span<const std::uint8_t> bytes, const Context& ctx);

// A stream reader's last message (a session's): one Update serves every UPDATE of the
// stream, so its vectors keep their capacity and decoding allocates nothing per prefix.
struct Incoming {
  // The type of the last frame whose header decoded, also when its body then failed;
  // unset when the header itself was bad.
  std::optional<MessageType> type;
  Update update;  // the last UPDATE, when type is kUpdate
  Message other;  // the last message of any other type
};

// As DecodeMessage, into `in`: an UPDATE into in.update (cleared first, see DecodeUpdate),
// any other message into in.other; in.type says which, and which decoder an error came from.
Result<void, Error> DecodeMessage(std::span<const std::uint8_t> bytes, const Context& ctx,
                                  Incoming& in);

// Writes one message, header included, into out. Fails (with a reason) when the message
// would exceed the context's maximum size or a field cannot hold its value.
Result<std::size_t, std::string> EncodeMessage(const Message& m, const Context& ctx,
                                               std::span<std::uint8_t> out);
Result<std::vector<std::uint8_t>, std::string> EncodeMessage(const Message& m,
                                                             const Context& ctx);

// Writes the header with a zero length; FinishMessage fills it in and checks the size.
void BeginMessage(MessageType type, Writer& w);
Result<std::size_t, std::string> FinishMessage(std::size_t start, const Context& ctx, Writer& w);

}  // namespace bgpdemo::bgp::wire
