// Hashing prefixes, and the compact per-family keys of the RIB's tables.
//
// wire::Prefix is a 24-byte value that carries the family, the length, 16 address bytes and
// an RFC 7911 path identifier. The RIB keeps IPv4 and IPv6 in separate tables, so its keys
// drop what the table already implies: V4Key is 8 bytes, V6Key 20. Loc-RIB keys never carry
// a path identifier (paths do, see path.h). PrefixHash is the general hash for wire::Prefix,
// for std::unordered_map and friends.
//
// Hashes mix with the splitmix64 finalizer: every input bit affects every output bit, so a
// table may take the low bits as the bucket.
#pragma once

#include <cstdint>
#include <cstring>

#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::rib {

inline std::uint64_t Mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Hash of a whole wire::Prefix, path identifier included.
struct PrefixHash {
  std::size_t operator()(const wire::Prefix& p) const noexcept {
    std::uint64_t hi = 0, lo = 0;
    std::memcpy(&hi, p.addr.data(), 8);
    std::memcpy(&lo, p.addr.data() + 8, 8);
    const std::uint64_t meta = static_cast<std::uint64_t>(p.afi) << 48 |
                               static_cast<std::uint64_t>(p.length) << 32 | p.path_id;
    return Mix64(hi ^ Mix64(lo ^ Mix64(meta)));
  }
};

// An IPv4 prefix without path identifier: address (host order) and length.
struct V4Key {
  std::uint32_t addr = 0;
  std::uint8_t length = 0;

  static V4Key From(const wire::Prefix& p) {
    return V4Key{static_cast<std::uint32_t>(p.addr[0]) << 24 |
                     static_cast<std::uint32_t>(p.addr[1]) << 16 |
                     static_cast<std::uint32_t>(p.addr[2]) << 8 | p.addr[3],
                 p.length};
  }
  wire::Prefix ToPrefix() const { return wire::Prefix::V4(addr, length); }
  std::uint64_t Hash() const { return Mix64(static_cast<std::uint64_t>(addr) << 8 | length); }
  friend bool operator==(const V4Key&, const V4Key&) = default;
};

// An IPv6 prefix without path identifier.
struct V6Key {
  std::uint32_t words[4] = {};  // the address bytes as stored, not byte-swapped
  std::uint8_t length = 0;

  static V6Key From(const wire::Prefix& p) {
    V6Key k;
    std::memcpy(k.words, p.addr.data(), 16);
    k.length = p.length;
    return k;
  }
  wire::Prefix ToPrefix() const {
    wire::Prefix p;
    p.afi = wire::Afi::kIpv6;
    p.length = length;
    std::memcpy(p.addr.data(), words, 16);
    return p;
  }
  std::uint64_t Hash() const {
    std::uint64_t hi = 0, lo = 0;
    std::memcpy(&hi, words, 8);
    std::memcpy(&lo, words + 2, 8);
    return Mix64(hi ^ Mix64(lo ^ Mix64(length)));
  }
  friend bool operator==(const V6Key&, const V6Key&) = default;
};

static_assert(sizeof(V4Key) == 8);
static_assert(sizeof(V6Key) == 20);

}  // namespace bgpdemo::bgp::rib
