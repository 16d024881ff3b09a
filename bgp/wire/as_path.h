// AS_PATH and AS4_PATH values (RFC 4271 §4.3, §5.1.2; RFC 6793 §4; RFC 5065 §3).
//
//   segment: type(1) count(1) count x ASN (2 octets, or 4 with 4-octet AS)
//
// Encoding splits segments longer than 255 ASNs; for a 2-octet peer each ASN above 65535
// becomes AS_TRANS and the real path travels in AS4_PATH (RFC 6793 §4.2.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bgp/wire/buffer.h"
#include "bgp/wire/constants.h"

namespace bgpdemo::bgp::wire {

// The most ASNs one segment holds on the wire (its count is one octet).
inline constexpr std::size_t kMaxSegmentAsns = 255;

struct AsSegment {
  AsSegmentType type = AsSegmentType::kSequence;
  std::vector<std::uint32_t> asns;
  friend bool operator==(const AsSegment&, const AsSegment&) = default;
};

struct AsPath {
  std::vector<AsSegment> segments;

  static AsPath Sequence(std::vector<std::uint32_t> asns);
  // RFC 4271 §9.1.2.2 a): a set counts 1, confederation segments count 0.
  std::size_t PathLength() const;
  // The first AS of a leading AS_SEQUENCE (RFC 4271 §6.3 first-AS check).
  std::optional<std::uint32_t> FirstAs() const;
  bool HasConfederation() const;
  bool HasAsnAbove16Bits() const;
  bool Contains(std::uint32_t asn) const;
  std::size_t AsnCount() const;
  // Adds asn in front, in a leading AS_SEQUENCE, a new one when there is none or the
  // first holds kMaxSegmentAsns already (RFC 4271 §5.1.2 b).
  void Prepend(std::uint32_t asn);
  // "65100 65200 {1 2} (65001)"; "" for an empty path.
  std::string ToString() const;

  friend bool operator==(const AsPath&, const AsPath&) = default;
};

// Why an AS_PATH value is malformed, and where (offset within the value).
struct AsPathProblem {
  std::size_t offset = 0;
  std::string message;
};

// Decodes an AS_PATH (or AS4_PATH, always 4-octet) value. Empty values are valid.
std::optional<AsPathProblem> DecodeAsPath(std::span<const std::uint8_t> value, bool four_octet,
                                          AsPath& out);

// Writes the value (no attribute header). With four_octet false, ASNs above 65535 are
// written as AS_TRANS. Segments longer than 255 ASNs are split; empty ones are not written.
void EncodeAsPath(const AsPath& path, bool four_octet, Writer& w);

// The AS4_PATH to send beside path to a 2-octet peer: path without confederation segments
// (RFC 6793 §4.2.2).
AsPath As4PathFor(const AsPath& path);

// RFC 6793 §4.2.3: the real path from a 2-octet peer's AS_PATH and AS4_PATH. When AS4_PATH
// is longer than AS_PATH it is ignored.
AsPath MergeAs4Path(const AsPath& as_path, const AsPath& as4_path);

}  // namespace bgpdemo::bgp::wire
