// BGP capabilities (RFC 5492) as carried in the OPEN message.
//
// Known capabilities decode into typed values; any other code is kept raw and re-encoded
// byte-exact, never fatal. Malformed known capabilities are OPEN Message Errors (2/0): the
// checklist items of robustness.md B12 (CVE-2022-36440, CVE-2023-31489, CVE-2025-43971).
//
//   +------------------------------+
//   | Capability Code (1 octet)    |
//   | Capability Length (1 octet)  |
//   | Capability Value (variable)  |
//   +------------------------------+
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "bgp/wire/buffer.h"
#include "bgp/wire/constants.h"
#include "bgp/wire/error.h"

namespace bgpdemo::bgp::wire {

struct MultiprotocolCap {  // code 1, RFC 4760 §8
  Family family;
  std::uint8_t reserved = 0;
  friend bool operator==(const MultiprotocolCap&, const MultiprotocolCap&) = default;
};
struct RouteRefreshCap {  // code 2, RFC 2918
  friend bool operator==(const RouteRefreshCap&, const RouteRefreshCap&) = default;
};
struct ExtendedNextHopCap {  // code 5, RFC 8950 §3
  struct Entry {
    Afi afi = Afi::kIpv4;
    std::uint16_t safi = 1;  // two octets here, unlike everywhere else
    Afi nexthop_afi = Afi::kIpv6;
    friend bool operator==(const Entry&, const Entry&) = default;
  };
  std::vector<Entry> entries;
  friend bool operator==(const ExtendedNextHopCap&, const ExtendedNextHopCap&) = default;
};
struct ExtendedMessageCap {  // code 6, RFC 8654
  friend bool operator==(const ExtendedMessageCap&, const ExtendedMessageCap&) = default;
};
struct RoleCap {  // code 9, RFC 9234
  enum : std::uint8_t { kProvider = 0, kRouteServer = 1, kRsClient = 2, kCustomer = 3, kPeer = 4 };
  std::uint8_t role = kPeer;
  friend bool operator==(const RoleCap&, const RoleCap&) = default;
};
struct GracefulRestartCap {  // code 64, RFC 4724 §3
  static constexpr std::uint8_t kRestartState = 0x8;  // R bit, in `flags` (the high 4 bits)
  static constexpr std::uint8_t kNotification = 0x4;  // N bit, RFC 8538
  static constexpr std::uint8_t kForwardingState = 0x80;
  struct Entry {
    Family family;
    std::uint8_t flags = 0;  // F bit = kForwardingState
    friend bool operator==(const Entry&, const Entry&) = default;
  };
  std::uint8_t flags = 0;           // 4 bits
  std::uint16_t restart_time = 0;   // 12 bits, seconds
  std::vector<Entry> families;
  friend bool operator==(const GracefulRestartCap&, const GracefulRestartCap&) = default;
};
struct FourOctetAsCap {  // code 65, RFC 6793
  std::uint32_t asn = 0;
  friend bool operator==(const FourOctetAsCap&, const FourOctetAsCap&) = default;
};
struct AddPathCap {  // code 69, RFC 7911 §4
  enum : std::uint8_t { kReceive = 1, kSend = 2, kBoth = 3 };
  struct Entry {
    Family family;
    std::uint8_t send_receive = kBoth;
    friend bool operator==(const Entry&, const Entry&) = default;
  };
  std::vector<Entry> entries;
  friend bool operator==(const AddPathCap&, const AddPathCap&) = default;
};
struct EnhancedRouteRefreshCap {  // code 70, RFC 7313
  friend bool operator==(const EnhancedRouteRefreshCap&, const EnhancedRouteRefreshCap&) = default;
};
struct LlgrCap {  // code 71, RFC 9494 §4.2
  struct Entry {
    Family family;
    std::uint8_t flags = 0;
    std::uint32_t stale_time = 0;  // 24 bits, seconds
    friend bool operator==(const Entry&, const Entry&) = default;
  };
  std::vector<Entry> entries;
  friend bool operator==(const LlgrCap&, const LlgrCap&) = default;
};
struct FqdnCap {  // code 73, draft-walton-bgp-hostname-capability
  std::string hostname;
  std::string domain;
  friend bool operator==(const FqdnCap&, const FqdnCap&) = default;
};
struct SoftwareVersionCap {  // code 75, draft-abraitis-bgp-version-capability
  std::string version;
  friend bool operator==(const SoftwareVersionCap&, const SoftwareVersionCap&) = default;
};
struct RawCapability {  // any other code, kept as it came
  std::uint8_t code = 0;
  std::vector<std::uint8_t> value;
  friend bool operator==(const RawCapability&, const RawCapability&) = default;
};

using Capability =
    std::variant<MultiprotocolCap, RouteRefreshCap, ExtendedNextHopCap, ExtendedMessageCap,
                 RoleCap, GracefulRestartCap, FourOctetAsCap, AddPathCap, EnhancedRouteRefreshCap,
                 LlgrCap, FqdnCap, SoftwareVersionCap, RawCapability>;

std::uint8_t CodeOf(const Capability& c);
std::string_view CapabilityName(std::uint8_t code);  // "fqdn", "graceful_restart", "unknown"

// Decodes the capabilities in one Capabilities optional parameter, appending to out.
Result<void, Error> DecodeCapabilities(Reader& r, std::vector<Capability>& out);

// Appends one capability TLV. A value longer than 255 bytes sets the writer's overflow.
void EncodeCapability(const Capability& c, Writer& w);

}  // namespace bgpdemo::bgp::wire
