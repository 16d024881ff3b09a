// Decodes a stream of BGP messages (a capture, a dump of a session) one by one, for
// `bgpdemo decode`: each message, or the error that stopped it, as a JSON record or a text
// line (core/wire_json.h), and the counts of what was seen.
//
// A bad header ends the stream (it cannot be resynchronised); a message whose body does not
// decode is reported and decoding goes on with the next. Pure: no I/O, no threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bgpdemo::core {

// How the session that sent the bytes was negotiated.
struct DecodeSettings {
  bool four_octet_as = true;      // RFC 6793
  bool extended_message = false;  // RFC 8654: messages up to 65535 bytes
  bool add_path_ipv4 = false;     // RFC 7911 path identifiers in IPv4 unicast NLRI
  bool add_path_ipv6 = false;
};

enum class DecodeFormat {
  kJson,  // one JSON object per record: index, offset, length, the message (or "error")
  kText,  // a few indented lines per record
};

// What was decoded.
struct DecodeSummary {
  std::map<std::string, std::size_t> by_type;  // "update" -> 12, ...
  std::size_t messages = 0;
  std::size_t announced = 0;  // prefixes
  std::size_t withdrawn = 0;  // prefixes
  std::size_t end_of_rib = 0;
  std::size_t errors = 0;  // messages that failed to decode, or decoded with an error
  std::size_t bytes = 0;   // how far decoding got
};

// Called with each record, already formatted.
using DecodeSink = std::function<void(std::string_view record)>;

// Decodes `data`. With a format, every message and error goes to `sink` as one record; with
// none, only the summary is made (and UPDATEs are decoded into one reused value, fast).
DecodeSummary DecodeMessages(std::span<const std::uint8_t> data, const DecodeSettings& settings,
                             std::optional<DecodeFormat> format, const DecodeSink& sink);

}  // namespace bgpdemo::core
