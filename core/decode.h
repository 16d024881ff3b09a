// Decodes BGP messages (a capture, a dump of a session) one by one, for `bgpdemo decode`:
// each message, or the error that stopped it, as a JSON record or a text line
// (core/wire_json.h), and the counts of what was seen.
//
// Input comes in two shapes: a raw stream of messages back to back (DecodeMessages,
// Decoder::Stream), where a bad header ends the stream (it cannot be resynchronised); and
// single messages that a capture reader framed (Decoder::Message, from core/decode_capture.h:
// pcap and MRT), each labelled with its time and endpoints (core/capture/label.h). A
// message whose body does not decode is reported and decoding goes on with the next.
// Pure: no I/O, no threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bgp/wire/context.h"
#include "bgp/wire/update.h"
#include "core/capture/label.h"

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
  // Captures: MRT RIB records and their entries, BGP4MP state changes, and what was not
  // decoded ("mrt-13-6" records, "gap" and "resync" in a TCP stream) by kind.
  std::size_t rib_prefixes = 0;
  std::size_t rib_entries = 0;
  std::size_t state_changes = 0;
  std::map<std::string, std::size_t> skipped;
};

// Called with each record, already formatted.
using DecodeSink = std::function<void(std::string_view record)>;

// Formats and counts records. With a format, every message and error goes to the sink as
// one record; with none, only the summary is made (and UPDATEs are decoded into one reused
// value, fast).
class Decoder {
 public:
  Decoder(const DecodeSettings& settings, std::optional<DecodeFormat> format,
          const DecodeSink& sink);

  // The settings as a codec context.
  const bgp::wire::Context& context() const { return ctx_; }
  bool records() const { return format_.has_value(); }
  std::optional<DecodeFormat> format() const { return format_; }

  // Messages back to back; offsets count from data[0]. Stops at a bad header.
  void Stream(std::span<const std::uint8_t> data);
  // One whole message (header included) that a capture framed, read with `ctx`.
  void Message(std::span<const std::uint8_t> bytes, const bgp::wire::Context& ctx,
               const capture::MessageLabel& label);
  // A record that is no BGP message (an MRT table record, a gap in a TCP stream): `json`
  // gets the label's fields and an index; `text` follows the label in text output.
  void Record(const capture::MessageLabel& label, nlohmann::json json, std::string_view text);
  // Counts something not decoded, by kind.
  void Skip(const std::string& kind, std::size_t n = 1) { summary_.skipped[kind] += n; }

  DecodeSummary& summary();

 private:
  void Error(std::size_t offset, std::optional<std::uint8_t> type, const bgp::wire::Error& e,
             const capture::MessageLabel* label);
  void One(std::span<const std::uint8_t> bytes, std::uint8_t type, const bgp::wire::Context& ctx,
           std::size_t offset, const capture::MessageLabel* label);
  void Count(const bgp::wire::Update& u);

  bgp::wire::Context ctx_;
  std::optional<DecodeFormat> format_;
  const DecodeSink& sink_;
  DecodeSummary summary_;
  std::array<std::size_t, 256> by_type_{};  // folded into summary_.by_type by summary()
  std::size_t index_ = 0;
  bgp::wire::Update scratch_;  // the summary path decodes every UPDATE into one reused value
};

// A stream of messages back to back (raw BGP): Decoder::Stream and its summary.
DecodeSummary DecodeMessages(std::span<const std::uint8_t> data, const DecodeSettings& settings,
                             std::optional<DecodeFormat> format, const DecodeSink& sink);

// The fields of a label, for a JSON record and for a text line ("2026-... 10.0.0.2:50179 >
// 10.0.0.1:179 frame 4").
void AddLabel(const capture::MessageLabel& label, nlohmann::json& record);
std::string LabelText(const capture::MessageLabel& label);

}  // namespace bgpdemo::core
