#include "bgp/wire/constants.h"

#include <fmt/format.h>

namespace bgpdemo::bgp::wire {

std::string_view ToString(MessageType t) {
  switch (t) {
    case MessageType::kOpen: return "OPEN";
    case MessageType::kUpdate: return "UPDATE";
    case MessageType::kNotification: return "NOTIFICATION";
    case MessageType::kKeepalive: return "KEEPALIVE";
    case MessageType::kRouteRefresh: return "ROUTE-REFRESH";
  }
  return "UNKNOWN";
}

std::string_view ToString(NotifyCode c) {
  switch (c) {
    case NotifyCode::kMessageHeaderError: return "Message Header Error";
    case NotifyCode::kOpenMessageError: return "OPEN Message Error";
    case NotifyCode::kUpdateMessageError: return "UPDATE Message Error";
    case NotifyCode::kHoldTimerExpired: return "Hold Timer Expired";
    case NotifyCode::kFsmError: return "Finite State Machine Error";
    case NotifyCode::kCease: return "Cease";
    case NotifyCode::kRouteRefreshError: return "ROUTE-REFRESH Message Error";
    case NotifyCode::kSendHoldTimerExpired: return "Send Hold Timer Expired";
  }
  return "Unknown Error Code";
}

std::string_view SubcodeName(NotifyCode code, std::uint8_t subcode) {
  switch (code) {
    case NotifyCode::kMessageHeaderError:
      switch (static_cast<HeaderSubcode>(subcode)) {
        case HeaderSubcode::kUnspecific: return "Unspecific";
        case HeaderSubcode::kConnectionNotSynchronized: return "Connection Not Synchronized";
        case HeaderSubcode::kBadMessageLength: return "Bad Message Length";
        case HeaderSubcode::kBadMessageType: return "Bad Message Type";
      }
      break;
    case NotifyCode::kOpenMessageError:
      switch (static_cast<OpenSubcode>(subcode)) {
        case OpenSubcode::kUnspecific: return "Unspecific";
        case OpenSubcode::kUnsupportedVersionNumber: return "Unsupported Version Number";
        case OpenSubcode::kBadPeerAs: return "Bad Peer AS";
        case OpenSubcode::kBadBgpIdentifier: return "Bad BGP Identifier";
        case OpenSubcode::kUnsupportedOptionalParameter: return "Unsupported Optional Parameter";
        case OpenSubcode::kUnacceptableHoldTime: return "Unacceptable Hold Time";
        case OpenSubcode::kUnsupportedCapability: return "Unsupported Capability";
        case OpenSubcode::kRoleMismatch: return "Role Mismatch";
      }
      break;
    case NotifyCode::kUpdateMessageError:
      switch (static_cast<UpdateSubcode>(subcode)) {
        case UpdateSubcode::kUnspecific: return "Unspecific";
        case UpdateSubcode::kMalformedAttributeList: return "Malformed Attribute List";
        case UpdateSubcode::kUnrecognizedWellKnownAttribute:
          return "Unrecognized Well-known Attribute";
        case UpdateSubcode::kMissingWellKnownAttribute: return "Missing Well-known Attribute";
        case UpdateSubcode::kAttributeFlagsError: return "Attribute Flags Error";
        case UpdateSubcode::kAttributeLengthError: return "Attribute Length Error";
        case UpdateSubcode::kInvalidOriginAttribute: return "Invalid ORIGIN Attribute";
        case UpdateSubcode::kInvalidNextHopAttribute: return "Invalid NEXT_HOP Attribute";
        case UpdateSubcode::kOptionalAttributeError: return "Optional Attribute Error";
        case UpdateSubcode::kInvalidNetworkField: return "Invalid Network Field";
        case UpdateSubcode::kMalformedAsPath: return "Malformed AS_PATH";
      }
      break;
    case NotifyCode::kFsmError:
      switch (subcode) {
        case 0: return "Unspecified Error";
        case 1: return "Receive Unexpected Message in OpenSent State";
        case 2: return "Receive Unexpected Message in OpenConfirm State";
        case 3: return "Receive Unexpected Message in Established State";
      }
      break;
    case NotifyCode::kCease:
      switch (static_cast<CeaseSubcode>(subcode)) {
        case CeaseSubcode::kUnspecific: return "Unspecific";
        case CeaseSubcode::kMaxPrefixesReached: return "Maximum Number of Prefixes Reached";
        case CeaseSubcode::kAdministrativeShutdown: return "Administrative Shutdown";
        case CeaseSubcode::kPeerDeconfigured: return "Peer De-configured";
        case CeaseSubcode::kAdministrativeReset: return "Administrative Reset";
        case CeaseSubcode::kConnectionRejected: return "Connection Rejected";
        case CeaseSubcode::kOtherConfigurationChange: return "Other Configuration Change";
        case CeaseSubcode::kConnectionCollisionResolution:
          return "Connection Collision Resolution";
        case CeaseSubcode::kOutOfResources: return "Out of Resources";
        case CeaseSubcode::kHardReset: return "Hard Reset";
        case CeaseSubcode::kBfdDown: return "BFD Down";
      }
      break;
    case NotifyCode::kRouteRefreshError:
      if (subcode == 1) return "Invalid Message Length";
      break;
    case NotifyCode::kHoldTimerExpired:
    case NotifyCode::kSendHoldTimerExpired:
      if (subcode == 0) return "Unspecific";
      break;
  }
  return "";
}

std::string_view ToString(Afi afi) {
  switch (afi) {
    case Afi::kIpv4: return "ipv4";
    case Afi::kIpv6: return "ipv6";
  }
  return "unknown";
}

std::string ToString(Family f) {
  if ((f.afi == Afi::kIpv4 || f.afi == Afi::kIpv6) && f.safi == Safi::kUnicast) {
    return fmt::format("{}-unicast", ToString(f.afi));
  }
  return fmt::format("afi-{}-safi-{}", static_cast<unsigned>(f.afi),
                     static_cast<unsigned>(f.safi));
}

std::string_view ToString(Origin o) {
  switch (o) {
    case Origin::kIgp: return "igp";
    case Origin::kEgp: return "egp";
    case Origin::kIncomplete: return "incomplete";
  }
  return "unknown";
}

std::string_view ToString(AsSegmentType t) {
  switch (t) {
    case AsSegmentType::kSet: return "as_set";
    case AsSegmentType::kSequence: return "as_sequence";
    case AsSegmentType::kConfedSequence: return "as_confed_sequence";
    case AsSegmentType::kConfedSet: return "as_confed_set";
  }
  return "unknown";
}

}  // namespace bgpdemo::bgp::wire
