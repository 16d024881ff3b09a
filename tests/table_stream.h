// A realistic table as a BGP byte stream, for the benchmark and the allocation test:
// N prefixes spread over many attribute sets (AS paths of 1-6 ASNs, MED, communities,
// large communities, varying next hops), packed into UPDATEs by the real UpdatePacker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bgp/wire/context.h"

namespace bgpdemo::test {

struct TableStream {
  std::vector<std::uint8_t> bytes;
  std::size_t messages = 0;
  std::size_t prefixes = 0;
};

// prefixes_per_set: how many consecutive prefixes share one attribute set.
// ipv6: /48s in MP_REACH_NLRI instead of IPv4 /24s (and a few /16-/32s) in the NLRI field.
TableStream MakeTableStream(std::size_t prefixes, std::size_t prefixes_per_set, bool ipv6,
                            const bgp::wire::Context& ctx = {});

}  // namespace bgpdemo::test
