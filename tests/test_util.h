// Helpers shared by the tests: hex literals, golden files, message builders.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/message.h"

namespace bgpdemo::test {

using Bytes = std::vector<std::uint8_t>;

// Hex text to bytes; aborts the test binary on bad hex (a bug in the test itself).
Bytes H(std::string_view hex);
// The bytes of tests/data/<path> (hex text with '#' comments).
Bytes DataHex(const std::string& path);
std::string DataPath(const std::string& path);
std::string ReadText(const std::string& path);

// A whole message: marker, length, type, then body.
Bytes Msg(bgp::wire::MessageType type, const Bytes& body);
// An UPDATE body from its three fields (lengths computed).
Bytes UpdateBody(const Bytes& withdrawn, const Bytes& attrs, const Bytes& nlri);
// One attribute: flags, type, length (1 byte, or 2 with Extended Length), value.
Bytes Attr(std::uint8_t flags, std::uint8_t type, const Bytes& value);
// Concatenation.
Bytes Cat(std::initializer_list<Bytes> parts);

// A fresh folder under /tmp, removed with what is in it.
struct TempDir {
  std::string path;
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// bgpdemo run in-process through cli::Main, with the given standard input.
struct CliRun {
  int code;
  std::string out, err;
};
CliRun Bgpdemo(std::vector<std::string> args, const std::string& stdin_text = "");

// The mandatory attributes of a simple eBGP IPv4 route: ORIGIN IGP, AS_PATH [65100]
// (4-octet), NEXT_HOP 10.0.0.2.
Bytes BasicAttrs();

}  // namespace bgpdemo::test
