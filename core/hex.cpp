#include "core/hex.h"

#include <cctype>

#include <fmt/format.h>

namespace bgpdemo::core {
namespace {

int Nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::vector<std::uint8_t>, std::string> ParseHex(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  int pending = -1;  // high nibble waiting for its partner
  std::size_t line = 1, col = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++col;
    if (c == '\n') {
      ++line;
      col = 0;
    }
    if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == ',') {
      if (pending >= 0) {
        return Fail(fmt::format("line {}, column {}: a lone hex digit before a separator; "
                                "bytes need two digits",
                                line, c == '\n' ? 0 : col));
      }
      continue;
    }
    if (c == '0' && pending < 0 && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
      ++i;
      ++col;
      continue;
    }
    const int n = Nibble(c);
    if (n < 0) {
      return Fail(fmt::format("line {}, column {}: '{}' is not a hex digit", line, col,
                              std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c)
                                                                          : fmt::format("\\x{:02x}", static_cast<unsigned char>(c))));
    }
    if (pending < 0) {
      pending = n;
    } else {
      out.push_back(static_cast<std::uint8_t>(pending << 4 | n));
      pending = -1;
    }
  }
  if (pending >= 0) return Fail(std::string("odd number of hex digits at the end of the input"));
  return out;
}

std::string ToHex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 0xf];
  }
  return s;
}

}  // namespace bgpdemo::core
