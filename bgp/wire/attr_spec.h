// The table of known path attributes, shared by the attribute decoder and encoder.
// Internal to bgp/wire: not part of the codec's interface.
#pragma once

#include <cstdint>
#include <string_view>

#include "bgp/wire/constants.h"

namespace bgpdemo::bgp::wire::internal {

enum class FlagClass : std::uint8_t { kWellKnown, kOptionalTransitive, kOptionalNonTransitive };

// What RFC 7606 says to do with a malformed instance (robustness.md §1 table).
enum class OnError : std::uint8_t {
  kTreatAsWithdraw,
  kAttributeDiscard,
  kSessionReset,
  kByPeerType,  // iBGP (or unknown): treat-as-withdraw; eBGP: attribute discard
};

struct AttrSpec {
  AttrType type;
  std::string_view name;
  FlagClass flags;
  OnError on_error;
};

// The one table of known attributes.
inline constexpr AttrSpec kSpecs[] = {
    {AttrType::kOrigin, "origin", FlagClass::kWellKnown, OnError::kTreatAsWithdraw},
    {AttrType::kAsPath, "as_path", FlagClass::kWellKnown, OnError::kTreatAsWithdraw},
    {AttrType::kNextHop, "next_hop", FlagClass::kWellKnown, OnError::kTreatAsWithdraw},
    {AttrType::kMultiExitDisc, "med", FlagClass::kOptionalNonTransitive,
     OnError::kTreatAsWithdraw},
    {AttrType::kLocalPref, "local_pref", FlagClass::kWellKnown, OnError::kByPeerType},
    {AttrType::kAtomicAggregate, "atomic_aggregate", FlagClass::kWellKnown,
     OnError::kAttributeDiscard},
    {AttrType::kAggregator, "aggregator", FlagClass::kOptionalTransitive,
     OnError::kAttributeDiscard},
    {AttrType::kCommunities, "communities", FlagClass::kOptionalTransitive,
     OnError::kTreatAsWithdraw},
    {AttrType::kOriginatorId, "originator_id", FlagClass::kOptionalNonTransitive,
     OnError::kByPeerType},
    {AttrType::kClusterList, "cluster_list", FlagClass::kOptionalNonTransitive,
     OnError::kByPeerType},
    {AttrType::kMpReachNlri, "mp_reach_nlri", FlagClass::kOptionalNonTransitive,
     OnError::kSessionReset},
    {AttrType::kMpUnreachNlri, "mp_unreach_nlri", FlagClass::kOptionalNonTransitive,
     OnError::kSessionReset},
    {AttrType::kExtendedCommunities, "extended_communities", FlagClass::kOptionalTransitive,
     OnError::kTreatAsWithdraw},
    {AttrType::kAs4Path, "as4_path", FlagClass::kOptionalTransitive, OnError::kAttributeDiscard},
    {AttrType::kAs4Aggregator, "as4_aggregator", FlagClass::kOptionalTransitive,
     OnError::kAttributeDiscard},
    {AttrType::kLargeCommunity, "large_communities", FlagClass::kOptionalTransitive,
     OnError::kTreatAsWithdraw},
    {AttrType::kOnlyToCustomer, "otc", FlagClass::kOptionalTransitive, OnError::kTreatAsWithdraw},
};

inline const AttrSpec* FindSpec(std::uint8_t type) {
  for (const auto& s : kSpecs) {
    if (static_cast<std::uint8_t>(s.type) == type) return &s;
  }
  return nullptr;
}

inline std::uint8_t DefaultFlags(FlagClass c) {
  switch (c) {
    case FlagClass::kWellKnown: return attr_flag::kTransitive;
    case FlagClass::kOptionalTransitive: return attr_flag::kOptional | attr_flag::kTransitive;
    case FlagClass::kOptionalNonTransitive: return attr_flag::kOptional;
  }
  return 0;
}

}  // namespace bgpdemo::bgp::wire::internal
