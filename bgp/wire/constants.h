// Protocol numbers of BGP-4, named as the RFCs name them.
//
// RFC 4271 (message types, NOTIFICATION codes, path attributes), RFC 4486 (Cease subcodes),
// RFC 5492 and the IANA registry (capability codes), RFC 4760 (AFI/SAFI), RFC 7313, 8203,
// 8654, 9072, 9234. Nothing here knows about sockets or the RIB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bgpdemo::bgp::wire {

inline constexpr std::size_t kHeaderSize = 19;       // marker 16 + length 2 + type 1
inline constexpr std::size_t kMaxMessageSize = 4096;  // RFC 4271 §4.1
inline constexpr std::size_t kMaxExtendedMessageSize = 65535;  // RFC 8654
inline constexpr std::uint16_t kAsTrans = 23456;               // RFC 6793 §9
inline constexpr std::uint8_t kBgpVersion = 4;

enum class MessageType : std::uint8_t {
  kOpen = 1,
  kUpdate = 2,
  kNotification = 3,
  kKeepalive = 4,
  kRouteRefresh = 5,  // RFC 2918
};
std::string_view ToString(MessageType t);

enum class NotifyCode : std::uint8_t {
  kMessageHeaderError = 1,
  kOpenMessageError = 2,
  kUpdateMessageError = 3,
  kHoldTimerExpired = 4,
  kFsmError = 5,         // RFC 6608
  kCease = 6,            // RFC 4486
  kRouteRefreshError = 7,  // RFC 7313
  kSendHoldTimerExpired = 8,  // RFC 9687
};
std::string_view ToString(NotifyCode c);

// Message Header Error subcodes (RFC 4271 §6.1).
enum class HeaderSubcode : std::uint8_t {
  kUnspecific = 0,
  kConnectionNotSynchronized = 1,
  kBadMessageLength = 2,
  kBadMessageType = 3,
};

// OPEN Message Error subcodes (RFC 4271 §6.2, RFC 5492, RFC 9234).
enum class OpenSubcode : std::uint8_t {
  kUnspecific = 0,
  kUnsupportedVersionNumber = 1,
  kBadPeerAs = 2,
  kBadBgpIdentifier = 3,
  kUnsupportedOptionalParameter = 4,
  kUnacceptableHoldTime = 6,
  kUnsupportedCapability = 7,
  kRoleMismatch = 11,
};

// UPDATE Message Error subcodes (RFC 4271 §6.3).
enum class UpdateSubcode : std::uint8_t {
  kUnspecific = 0,
  kMalformedAttributeList = 1,
  kUnrecognizedWellKnownAttribute = 2,
  kMissingWellKnownAttribute = 3,
  kAttributeFlagsError = 4,
  kAttributeLengthError = 5,
  kInvalidOriginAttribute = 6,
  kInvalidNextHopAttribute = 8,
  kOptionalAttributeError = 9,
  kInvalidNetworkField = 10,
  kMalformedAsPath = 11,
};

// Cease subcodes (RFC 4486, RFC 8538).
enum class CeaseSubcode : std::uint8_t {
  kUnspecific = 0,
  kMaxPrefixesReached = 1,
  kAdministrativeShutdown = 2,
  kPeerDeconfigured = 3,
  kAdministrativeReset = 4,
  kConnectionRejected = 5,
  kOtherConfigurationChange = 6,
  kConnectionCollisionResolution = 7,
  kOutOfResources = 8,
  kHardReset = 9,
  kBfdDown = 10,
};

enum class RouteRefreshSubcode : std::uint8_t {
  kInvalidMessageLength = 1,  // RFC 7313 §5
};

// Subcode names for people, e.g. "Malformed AS_PATH"; "" when unknown.
std::string_view SubcodeName(NotifyCode code, std::uint8_t subcode);

// Path attribute type codes (IANA "BGP Path Attributes").
enum class AttrType : std::uint8_t {
  kOrigin = 1,
  kAsPath = 2,
  kNextHop = 3,
  kMultiExitDisc = 4,
  kLocalPref = 5,
  kAtomicAggregate = 6,
  kAggregator = 7,
  kCommunities = 8,         // RFC 1997
  kOriginatorId = 9,        // RFC 4456
  kClusterList = 10,        // RFC 4456
  kMpReachNlri = 14,        // RFC 4760
  kMpUnreachNlri = 15,      // RFC 4760
  kExtendedCommunities = 16,  // RFC 4360
  kAs4Path = 17,            // RFC 6793
  kAs4Aggregator = 18,      // RFC 6793
  kPmsiTunnel = 22,
  kTunnelEncapsulation = 23,
  kTrafficEngineering = 24,
  kIpv6ExtendedCommunities = 25,
  kAigp = 26,
  kBgpLs = 29,
  kLargeCommunity = 32,     // RFC 8092
  kOnlyToCustomer = 35,     // RFC 9234
  kPrefixSid = 40,
  kAttrSet = 128,
};

// Attribute flag bits (RFC 4271 §4.3).
namespace attr_flag {
inline constexpr std::uint8_t kOptional = 0x80;
inline constexpr std::uint8_t kTransitive = 0x40;
inline constexpr std::uint8_t kPartial = 0x20;
inline constexpr std::uint8_t kExtendedLength = 0x10;
inline constexpr std::uint8_t kUnusedMask = 0x0f;  // sent as 0, ignored on receipt
}  // namespace attr_flag

// Capability codes (IANA "Capability Codes").
enum class CapabilityCode : std::uint8_t {
  kMultiprotocol = 1,         // RFC 4760
  kRouteRefresh = 2,          // RFC 2918
  kExtendedNextHop = 5,       // RFC 8950
  kExtendedMessage = 6,       // RFC 8654
  kRole = 9,                  // RFC 9234
  kGracefulRestart = 64,      // RFC 4724
  kFourOctetAs = 65,          // RFC 6793
  kAddPath = 69,              // RFC 7911
  kEnhancedRouteRefresh = 70,  // RFC 7313
  kLongLivedGracefulRestart = 71,  // RFC 9494
  kFqdn = 73,                 // draft-walton-bgp-hostname-capability
  kSoftwareVersion = 75,      // draft-abraitis-bgp-version-capability
};

// OPEN optional parameter types (RFC 5492, RFC 9072).
enum class OptParamType : std::uint8_t {
  kCapabilities = 2,
  kExtendedLength = 255,  // RFC 9072 marker
};

enum class Afi : std::uint16_t {
  kIpv4 = 1,
  kIpv6 = 2,
};
std::string_view ToString(Afi afi);

enum class Safi : std::uint8_t {
  kUnicast = 1,
  kMulticast = 2,
};

// An address family as negotiated and carried in MP_REACH/MP_UNREACH.
struct Family {
  Afi afi = Afi::kIpv4;
  Safi safi = Safi::kUnicast;
  friend bool operator==(const Family&, const Family&) = default;
  friend auto operator<=>(const Family&, const Family&) = default;
};
inline constexpr Family kIpv4Unicast{Afi::kIpv4, Safi::kUnicast};
inline constexpr Family kIpv6Unicast{Afi::kIpv6, Safi::kUnicast};
std::string ToString(Family f);  // "ipv4-unicast", "afi-25-safi-70"

enum class Origin : std::uint8_t {
  kIgp = 0,
  kEgp = 1,
  kIncomplete = 2,
};
std::string_view ToString(Origin o);

enum class AsSegmentType : std::uint8_t {
  kSet = 1,
  kSequence = 2,
  kConfedSequence = 3,  // RFC 5065
  kConfedSet = 4,
};
std::string_view ToString(AsSegmentType t);

}  // namespace bgpdemo::bgp::wire
