// Hex text to bytes and back, for captures pasted by people and golden files in tests.
//
// Input may hold any whitespace, ':' or ',' between bytes, an optional "0x" before each
// run, and '#' comments to the end of a line (golden files head themselves with one).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace bgpdemo::core {

// Error message names the line, column and the offending character.
Result<std::vector<std::uint8_t>, std::string> ParseHex(std::string_view text);

// "ffff0012..." without separators.
std::string ToHex(std::span<const std::uint8_t> bytes);

}  // namespace bgpdemo::core
