// Packs routes into as few UPDATE messages as fit (RFC 4271 §9.2, RFC 4760 §3, §4).
//
// The attribute set is encoded once per call and every message is filled with as many
// prefixes sharing it as the context's maximum size allows: IPv4 in the NLRI field, IPv6
// in an MP_REACH_NLRI placed first (RFC 7606 §5.1). Withdrawals go in the Withdrawn
// Routes field or an MP_UNREACH_NLRI. Output is appended to a caller's byte vector, ready
// for one large write.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "bgp/wire/attributes.h"
#include "bgp/wire/context.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::wire {

class UpdatePacker {
 public:
  explicit UpdatePacker(const Context& ctx) : ctx_(ctx) {}

  // Announces prefixes of one family with attrs. For IPv6 (or IPv4 with an RFC 8950 next
  // hop), attrs.mp_reach gives the family and next hop and its own NLRI are ignored; for
  // IPv4 without mp_reach, attrs.next_hop applies. Returns the number of messages.
  Result<std::size_t, std::string> Announce(const PathAttributes& attrs,
                                            std::span<const Prefix> prefixes,
                                            std::vector<std::uint8_t>& out) const;

  // Withdraws prefixes of one family. Returns the number of messages.
  Result<std::size_t, std::string> Withdraw(Family family, std::span<const Prefix> prefixes,
                                            std::vector<std::uint8_t>& out) const;

  // The End-of-RIB marker for a family (RFC 4724 §2).
  void EndOfRib(Family family, std::vector<std::uint8_t>& out) const;

 private:
  Context ctx_;
};

}  // namespace bgpdemo::bgp::wire
