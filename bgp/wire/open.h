// The OPEN message (RFC 4271 §4.2), with Capabilities parameters (RFC 5492) and the
// extended optional parameters length (RFC 9072).
//
//   version(1) my_as(2) hold_time(2) bgp_id(4) opt_len(1) optional parameters...
//   RFC 9072: opt_len = 255, first type = 255, then ext_len(2); each parameter type(1) len(2)
//
// Decode checks what a receiver must refuse whatever its configuration (version, AS 0,
// hold time 1 or 2, BGP ID 0, parameter framing, capability syntax); checks that need the
// session's configuration (peer AS, own BGP ID, required capabilities) belong to the session.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "bgp/wire/capability.h"
#include "bgp/wire/error.h"

namespace bgpdemo::bgp::wire {

struct Open {
  std::uint8_t version = kBgpVersion;
  std::uint16_t my_as = 0;  // AS_TRANS when the real AS needs 4 octets
  std::uint16_t hold_time = 90;
  std::uint32_t bgp_id = 0;  // host order
  std::vector<Capability> capabilities;
  // How many capabilities each Capabilities parameter held, in order, so that an OPEN
  // decodes and re-encodes byte-exact; empty means one parameter holding all of them (also
  // when an RFC 9072 parameter held more than 255, which a size here cannot count).
  std::vector<std::uint8_t> parameter_sizes;
  bool extended_parameters = false;  // RFC 9072 encoding

  // The speaker's AS: the 4-octet AS capability's value if present, else my_as.
  std::uint32_t Asn() const;
  // The last capability of type T (RFC 4724 §3: the last GR capability wins), or nullptr.
  template <typename T>
  const T* Find() const {
    const T* found = nullptr;
    for (const auto& c : capabilities) {
      if (const T* t = std::get_if<T>(&c)) found = t;
    }
    return found;
  }
  bool HasFamily(Family f) const;

  friend bool operator==(const Open&, const Open&) = default;
};

// body: the bytes after the 19-byte header. Offsets in errors count from the marker.
Result<Open, Error> DecodeOpen(std::span<const std::uint8_t> body);

// Appends the body (no header). Sets the writer's overflow when a field cannot hold a value.
void EncodeOpenBody(const Open& open, Writer& w);

}  // namespace bgpdemo::bgp::wire
