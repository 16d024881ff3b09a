#include "tests/test_util.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "cli/app.h"
#include "core/hex.h"

namespace bgpdemo::test {

Bytes H(std::string_view hex) {
  auto b = core::ParseHex(hex);
  if (!b) {
    std::fprintf(stderr, "test bug: bad hex: %s\n", b.error().c_str());
    std::abort();
  }
  return *b;
}

std::string DataPath(const std::string& path) { return std::string(BGPDEMO_TEST_DATA) + "/" + path; }

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "test bug: cannot read %s\n", path.c_str());
    std::abort();
  }
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

Bytes DataHex(const std::string& path) { return H(ReadText(DataPath(path))); }

Bytes Msg(bgp::wire::MessageType type, const Bytes& body) {
  Bytes m(16, 0xff);
  const std::size_t len = 19 + body.size();
  m.push_back(static_cast<std::uint8_t>(len >> 8));
  m.push_back(static_cast<std::uint8_t>(len));
  m.push_back(static_cast<std::uint8_t>(type));
  m.insert(m.end(), body.begin(), body.end());
  return m;
}

Bytes UpdateBody(const Bytes& withdrawn, const Bytes& attrs, const Bytes& nlri) {
  Bytes b;
  b.push_back(static_cast<std::uint8_t>(withdrawn.size() >> 8));
  b.push_back(static_cast<std::uint8_t>(withdrawn.size()));
  b.insert(b.end(), withdrawn.begin(), withdrawn.end());
  b.push_back(static_cast<std::uint8_t>(attrs.size() >> 8));
  b.push_back(static_cast<std::uint8_t>(attrs.size()));
  b.insert(b.end(), attrs.begin(), attrs.end());
  b.insert(b.end(), nlri.begin(), nlri.end());
  return b;
}

Bytes Attr(std::uint8_t flags, std::uint8_t type, const Bytes& value) {
  Bytes a{flags, type};
  if (flags & 0x10) a.push_back(static_cast<std::uint8_t>(value.size() >> 8));
  a.push_back(static_cast<std::uint8_t>(value.size()));
  a.insert(a.end(), value.begin(), value.end());
  return a;
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

CliRun Bgpdemo(std::vector<std::string> args, const std::string& stdin_text) {
  std::vector<const char*> argv{"bgpdemo"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  const int code = cli::Main(static_cast<int>(argv.size()), argv.data(), in, out, err);
  return {code, out.str(), err.str()};
}

Bytes BasicAttrs() {
  return Cat({Attr(0x40, 1, {0x00}), Attr(0x40, 2, H("02 01 0000fe4c")),
              Attr(0x40, 3, H("0a000002"))});
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/bgpdemo-test-XXXXXX";
  const char* made = ::mkdtemp(tmpl);
  REQUIRE(made != nullptr);
  path = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace bgpdemo::test
