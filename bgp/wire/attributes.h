// Path attributes (RFC 4271 §4.3, §5) and their error handling (RFC 7606).
//
//   flags(1) type(1) length(1, or 2 with Extended Length) value
//
// One table in attributes.cpp describes each known attribute: its flags class, its minimum
// and allowed lengths, and what RFC 7606 says to do when it is malformed. Unknown optional
// attributes are kept raw and re-encoded byte-exact (transitive ones with Partial set);
// unknown well-known ones reset the session (3/2).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bgp/wire/as_path.h"
#include "bgp/wire/context.h"
#include "bgp/wire/error.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::wire {

struct Aggregator {
  std::uint32_t asn = 0;
  std::uint32_t address = 0;  // host order
  friend bool operator==(const Aggregator&, const Aggregator&) = default;
};

struct LargeCommunity {  // RFC 8092
  std::uint32_t global = 0, local1 = 0, local2 = 0;
  friend bool operator==(const LargeCommunity&, const LargeCommunity&) = default;
  friend auto operator<=>(const LargeCommunity&, const LargeCommunity&) = default;
};

using ExtendedCommunity = std::array<std::uint8_t, 8>;  // RFC 4360, opaque here

// MP_REACH_NLRI (RFC 4760 §3): family, next hop(s), NLRI.
//   afi(2) safi(1) nh_len(1) next_hop(nh_len) reserved(1) nlri...
struct MpReach {
  Family family;
  IpAddress next_hop;                   // IPv4 (4), IPv6 global (16 or 32), RFC 8950 IPv6 for IPv4
  std::optional<IpAddress> link_local;  // the second half of a 32-byte IPv6 next hop
  std::uint8_t reserved = 0;            // "must be 0", kept for byte-exact re-encoding
  std::vector<Prefix> nlri;
  friend bool operator==(const MpReach&, const MpReach&) = default;
};

// MP_UNREACH_NLRI (RFC 4760 §4): afi(2) safi(1) withdrawn...
// An empty one is the End-of-RIB marker for its family (RFC 4724 §2).
struct MpUnreach {
  Family family;
  std::vector<Prefix> withdrawn;
  friend bool operator==(const MpUnreach&, const MpUnreach&) = default;
};

struct RawAttribute {
  std::uint8_t flags = 0;
  std::uint8_t type = 0;
  std::vector<std::uint8_t> value;
  friend bool operator==(const RawAttribute&, const RawAttribute&) = default;
};

// The order and flags an UPDATE's attributes came in, so a decoded UPDATE re-encodes to
// the same bytes (some speakers set Extended Length on short attributes).
struct AttrSlot {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  friend bool operator==(const AttrSlot&, const AttrSlot&) = default;
};

struct PathAttributes {
  std::optional<Origin> origin;
  std::optional<AsPath> as_path;
  std::optional<IpAddress> next_hop;  // IPv4 NEXT_HOP attribute
  std::optional<std::uint32_t> med;
  std::optional<std::uint32_t> local_pref;
  bool atomic_aggregate = false;
  std::optional<Aggregator> aggregator;
  std::vector<std::uint32_t> communities;
  std::optional<std::uint32_t> originator_id;
  std::vector<std::uint32_t> cluster_list;
  std::optional<MpReach> mp_reach;
  std::optional<MpUnreach> mp_unreach;
  std::vector<ExtendedCommunity> extended_communities;
  std::optional<AsPath> as4_path;
  std::optional<Aggregator> as4_aggregator;
  std::vector<LargeCommunity> large_communities;
  std::optional<std::uint32_t> otc;  // RFC 9234 Only to Customer
  std::vector<RawAttribute> unknown;
  std::vector<AttrSlot> wire_order;  // empty: canonical order (MP_* first, then by type)

  bool Has(AttrType t) const;
  // AS_PATH with AS4_PATH merged in (RFC 6793 §4.2.3), as a RIB should see it.
  AsPath EffectivePath() const;

  friend bool operator==(const PathAttributes&, const PathAttributes&) = default;
};

std::string_view AttrName(std::uint8_t type);  // "as_path"; "attr_99" style for unknown

// Decodes the Path Attributes field of an UPDATE. `base` is the offset of value[0] in the
// message. Problems the RFC handles short of a session reset are appended to `problems`
// (attribute discard, treat-as-withdraw, AFI/SAFI disable); a session reset is returned as
// the error.
Result<void, Error> DecodeAttributes(std::span<const std::uint8_t> value, std::size_t base,
                                     const Context& ctx, PathAttributes& out,
                                     std::vector<Error>& problems);

// Appends the Path Attributes field (no length prefix). For a 2-octet peer, ASNs above
// 65535 become AS_TRANS with AS4_PATH/AS4_AGGREGATOR beside them (RFC 6793 §4.2.2); for a
// 4-octet peer AS4_* are never sent.
void EncodeAttributes(const PathAttributes& attrs, const Context& ctx, Writer& w);

}  // namespace bgpdemo::bgp::wire
