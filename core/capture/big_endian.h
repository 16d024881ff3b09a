// Big-endian (network order) integers read from a captured packet or file. The caller has
// checked that b holds at + 2 (Be16) or at + 4 (Be32) bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace bgpdemo::core::capture {

inline std::uint16_t Be16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

inline std::uint32_t Be32(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) << 24 | static_cast<std::uint32_t>(b[at + 1]) << 16 |
         static_cast<std::uint32_t>(b[at + 2]) << 8 | b[at + 3];
}

}  // namespace bgpdemo::core::capture
