// Import and export policy per peer: what a speaker accepts, what it sends, and how many
// prefixes it takes (RFC 8212, RFC 4271 §6.7 and §9.1, RFC 4486).
//
// Config-level types, filled in by the configuration layer and read by the RIB (import, max
// prefix) and the Adj-RIB-Out (export; the attribute transformation is in export.h):
//
//   PeerPolicyConfig { import_filter?, export_filter?, max_prefix? }
//        | EffectiveImport / EffectiveExport (RFC 8212 defaults when a filter is unset)
//        v
//   ImportPolicy -> Rib::SetPeer          Filter -> AdjRibOut::AddPeer
//
// Filters decide per prefix: deny-all, accept-all, or a prefix list (prefix_list.h). Since
// no filter looks at attributes, every path of a prefix gets the same answer; the route
// server's per-client views rely on that (adj_rib_out.h).
//
// RFC 8212: an eBGP session with no policy configured accepts and sends nothing (as BIRD,
// FRR >= 7.4 and OpenBGPD do); an iBGP session with no policy accepts and sends everything.
//
// Max-prefix (RFC 4271 §6.7, robustness.md §4): the limit counts a peer's accepted prefixes
// per family. Past it, the new prefix is discarded, or the session is closed with Cease /
// Maximum Number of Prefixes Reached (6/1) whose data is AFI(2) SAFI(1) and the configured
// bound(4) (RFC 4486 §4), not the count.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bgp/policy/prefix_list.h"
#include "base/result.h"
#include "bgp/wire/constants.h"
#include "bgp/wire/notification.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::policy {

// How a speaker re-advertises routes (docs/architecture.md, "Modes").
enum class Mode : std::uint8_t {
  kRouter,       // the original demo's BIRD: own AS prepended, next hop self
  kRouteServer,  // RFC 7947: AS_PATH, NEXT_HOP and MED passed on untouched
};
std::string_view ToString(Mode m);  // "router", "route-server"
Result<Mode, std::string> ParseMode(std::string_view text);

enum class FilterKind : std::uint8_t { kDenyAll, kAcceptAll, kPrefixList };
std::string_view ToString(FilterKind k);  // "deny-all", "accept-all", "prefix-list"

struct Filter {
  FilterKind kind = FilterKind::kDenyAll;
  PrefixList list;  // with kPrefixList

  static Filter DenyAll() { return {FilterKind::kDenyAll, {}}; }
  static Filter AcceptAll() { return {FilterKind::kAcceptAll, {}}; }
  static Filter Prefixes(PrefixList list) { return {FilterKind::kPrefixList, std::move(list)}; }

  bool Permits(const wire::Prefix& p) const;
  friend bool operator==(const Filter&, const Filter&) = default;
};

struct MaxPrefix {
  std::uint32_t limit = 0;
  bool teardown = true;  // false: discard the prefixes past the limit and keep the session
  friend bool operator==(const MaxPrefix&, const MaxPrefix&) = default;
};

enum class MaxPrefixVerdict : std::uint8_t { kAccept, kDiscard, kTeardown };
std::string_view ToString(MaxPrefixVerdict v);  // "accept", "discard", "teardown"

// What to do with one more accepted prefix when `accepted` are already held.
MaxPrefixVerdict CheckMaxPrefix(const std::optional<MaxPrefix>& max, std::size_t accepted);

// Cease / Maximum Number of Prefixes Reached: data AFI(2) SAFI(1) bound(4) (RFC 4486 §4).
wire::Notification MaxPrefixNotification(wire::Family family, std::uint32_t bound);

// A peer's policy as configured; an unset filter takes the RFC 8212 default.
struct PeerPolicyConfig {
  std::optional<Filter> import_filter;
  std::optional<Filter> export_filter;
  std::optional<MaxPrefix> max_prefix;
  friend bool operator==(const PeerPolicyConfig&, const PeerPolicyConfig&) = default;
};

// What the RIB applies to a peer's routes.
struct ImportPolicy {
  Filter filter = Filter::AcceptAll();
  std::optional<MaxPrefix> max_prefix;
  friend bool operator==(const ImportPolicy&, const ImportPolicy&) = default;
};

ImportPolicy EffectiveImport(const PeerPolicyConfig& config, bool ibgp);
Filter EffectiveExport(const PeerPolicyConfig& config, bool ibgp);

}  // namespace bgpdemo::bgp::policy
