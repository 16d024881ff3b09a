// The UPDATE message (RFC 4271 §4.3) with RFC 7606 error handling.
//
//   withdrawn_len(2) withdrawn... attr_len(2) path attributes... NLRI...
//
// Decoding never stops at the first problem an UPDATE can survive: it collects every
// attribute discard, treat-as-withdraw and AFI/SAFI disable in `problems`, and `action` is
// the strongest (RFC 7606 §3(h)). A problem that resets the session is the returned error.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "bgp/wire/attributes.h"
#include "bgp/wire/context.h"
#include "bgp/wire/error.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::wire {

struct Update {
  std::vector<Prefix> withdrawn;  // IPv4 Withdrawn Routes field
  PathAttributes attrs;
  std::vector<Prefix> nlri;       // IPv4 NLRI field
  // Filled by decoding: what RFC 7606 asks of the receiver.
  Action action = Action::kNone;
  std::vector<Error> problems;

  // RFC 4724 §2: an empty UPDATE (IPv4) or one holding only an empty MP_UNREACH_NLRI.
  std::optional<Family> EndOfRib() const;
  // Prefixes announced / withdrawn in this UPDATE, over both NLRI fields and MP_*.
  std::size_t AnnouncedCount() const;
  std::size_t WithdrawnCount() const;

  // Resets for reuse by DecodeUpdate, keeping vector capacity.
  void Clear();

  friend bool operator==(const Update&, const Update&) = default;
};

// body: the bytes after the header. `out` is cleared first; its capacity is reused, so a
// caller decoding a stream into one Update allocates nothing per prefix.
Result<void, Error> DecodeUpdate(std::span<const std::uint8_t> body, const Context& ctx,
                                 Update& out);

// Appends the body (no header).
void EncodeUpdateBody(const Update& u, const Context& ctx, Writer& w);

}  // namespace bgpdemo::bgp::wire
