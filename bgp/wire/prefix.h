// IP addresses and prefixes as BGP carries them, and the NLRI encoding (RFC 4271 §4.3,
// RFC 4760 §5, RFC 7911 §3).
//
// Prefix is a small value type (24 bytes, no heap) so that decoding a full table allocates
// nothing per prefix. Host bits past the prefix length are cleared on decode.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "bgp/wire/buffer.h"
#include "bgp/wire/constants.h"
#include "bgp/wire/error.h"

namespace bgpdemo::bgp::wire {

struct IpAddress {
  Afi afi = Afi::kIpv4;
  std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4

  static IpAddress V4(std::uint32_t host_order);
  static IpAddress V6(const std::array<std::uint8_t, 16>& b);
  // "10.0.0.1" or "fd00::1"; nullopt when neither.
  static std::optional<IpAddress> Parse(std::string_view text);

  std::size_t size() const { return afi == Afi::kIpv4 ? 4 : 16; }
  std::uint32_t v4() const;  // host order; REQUIRES: afi == kIpv4
  bool IsV4Mapped() const;   // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2)
  std::string ToString() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct Prefix {
  Afi afi = Afi::kIpv4;
  std::uint8_t length = 0;
  std::array<std::uint8_t, 16> addr{};  // host bits cleared
  std::uint32_t path_id = 0;            // RFC 7911; 0 when ADD-PATH is not in use

  // "10.0.0.0/24"; nullopt when malformed or host bits are set.
  static std::optional<Prefix> Parse(std::string_view text);
  static Prefix V4(std::uint32_t host_order, std::uint8_t length);

  std::uint8_t MaxLength() const { return afi == Afi::kIpv4 ? 32 : 128; }
  std::size_t WireBytes() const { return (length + 7u) / 8u; }
  std::string ToString() const;  // without the path id

  friend bool operator==(const Prefix&, const Prefix&) = default;
  friend auto operator<=>(const Prefix&, const Prefix&) = default;
};

// The unicast family a prefix belongs to (the engine carries unicast only).
inline Family UnicastFamilyOf(const Prefix& p) {
  return p.afi == Afi::kIpv4 ? kIpv4Unicast : kIpv6Unicast;
}

// Encoded size of one NLRI entry.
inline std::size_t NlriSize(const Prefix& p, bool add_path) {
  return (add_path ? 4u : 0u) + 1u + p.WireBytes();
}

// Decodes a run of NLRI entries of one family, appending to out (capacity is reused).
// On a bad entry returns an Error with the given code/subcode, action kSessionReset and the
// offset of the offending entry; out then holds the entries before it.
Result<void, Error> DecodeNlri(Reader& r, Afi afi, bool add_path, NotifyCode code,
                               std::uint8_t subcode, std::vector<Prefix>& out);

// Appends one NLRI entry.
void EncodeNlri(const Prefix& p, bool add_path, Writer& w);

}  // namespace bgpdemo::bgp::wire
