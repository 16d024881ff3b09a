// Prefix lists, as FRR's `ip prefix-list` and BIRD's prefix sets write them.
//
//   permit 10.0.0.0/8 le 24      10.0.0.0/8 and anything inside it up to /24
//   permit 10.0.0.0/8 ge 16      inside 10.0.0.0/8, from /16 to /32
//   deny   10.1.0.0/16 ge 17 le 24
//   permit 0.0.0.0/0 le 32       any IPv4 prefix ("le 128" for IPv6)
//
// An entry matches a prefix of the same family that lies inside its network and whose
// length is in [ge, le]; without ge or le the length must equal the entry's. With only ge,
// le is the family's maximum; with only le, ge is the entry's length (FRR's rules). The
// first matching entry decides; a prefix no entry matches is denied, as in FRR and BIRD.
// The path identifier of a prefix is ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::policy {

enum class ListAction : std::uint8_t { kPermit, kDeny };
std::string_view ToString(ListAction a);  // "permit", "deny"

struct PrefixListEntry {
  ListAction action = ListAction::kPermit;
  wire::Prefix prefix;  // host bits clear, path_id 0
  std::optional<std::uint8_t> ge;
  std::optional<std::uint8_t> le;

  bool Matches(const wire::Prefix& p) const;
  std::string ToString() const;  // "permit 10.0.0.0/8 le 24"
  friend bool operator==(const PrefixListEntry&, const PrefixListEntry&) = default;
};

// "[permit|deny] PREFIX [ge N] [le M]"; the action defaults to permit. Errors name the
// value and what would be valid, e.g. "ge 8 is shorter than the prefix length 16 of
// 10.1.0.0/16; use a value from 17 to 32".
Result<PrefixListEntry, std::string> ParsePrefixListEntry(std::string_view text);

struct PrefixList {
  std::vector<PrefixListEntry> entries;

  // The first matching entry's action; no match denies.
  bool Permits(const wire::Prefix& p) const;
  friend bool operator==(const PrefixList&, const PrefixList&) = default;
};

// One entry per line (or a list of lines); errors carry the 1-based entry number.
Result<PrefixList, std::string> ParsePrefixList(const std::vector<std::string>& lines);

}  // namespace bgpdemo::bgp::policy
