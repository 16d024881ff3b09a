// What a capture says about a message besides its bytes: when it was seen and between
// whom. Made by the pcap and MRT readers (core/capture/pcap.h, mrt.h), printed by `bgpdemo
// decode` (core/decode.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace bgpdemo::core::capture {

// Seconds since the Unix epoch and a fraction; `digits` is the precision the file gave
// (6 for pcap and BGP4MP_ET, 9 for nanosecond pcap, 0 for MRT without _ET).
struct Timestamp {
  std::int64_t seconds = 0;
  std::uint32_t nanos = 0;
  int digits = 6;

  // RFC 3339 in UTC: "2026-12-03T00:44:03.123456Z".
  std::string ToString() const;
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

struct MessageLabel {
  std::optional<Timestamp> time;
  std::string from;  // "10.0.0.2:50179" (pcap: address and port), "10.0.0.2" (MRT)
  std::string to;
  std::optional<std::uint32_t> from_as;  // MRT: the peer's and the collector's AS
  std::optional<std::uint32_t> to_as;
  std::optional<std::uint64_t> frame;  // pcap: the frame (from 1, as tshark counts) that
                                       // brought the message's last byte
  std::optional<std::size_t> offset;   // MRT: the record's offset in the file
};

}  // namespace bgpdemo::core::capture
