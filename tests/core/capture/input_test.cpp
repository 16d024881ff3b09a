// Tests for core/capture/input: reading without a copy per character, formats by their
// first bytes, gzip and bzip2.
#include "core/capture/input.h"

#include <bzlib.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>

#include "tests/core/capture/frames.h"
#include "tests/test_util.h"

using namespace bgpdemo::test::capture;
using bgpdemo::core::capture::Decompress;
using bgpdemo::core::capture::DetectFormat;
using bgpdemo::core::capture::InputBytes;
using bgpdemo::core::capture::InputFormat;
using bgpdemo::test::H;

TEST_CASE("capture input: the format is told by the first bytes") {
  CHECK(DetectFormat(H("ffffffffffffffffffffffffffffffff 0013 04")) == InputFormat::kBgp);
  CHECK(DetectFormat(PcapFile(1, {})) == InputFormat::kPcap);
  CHECK(DetectFormat(H("a1b23c4d 0002 0004")) == InputFormat::kPcap);  // nanoseconds, BE
  CHECK(DetectFormat(PcapngFile(1, {})) == InputFormat::kPcapng);
  CHECK(DetectFormat(MrtRecord(1700000000, 16, 4, Bytes(20, 0))) == InputFormat::kMrt);
  CHECK(DetectFormat(MrtRecord(1700000000, 13, 1, Bytes(20, 0))) == InputFormat::kMrt);
  // A record cut short is still MRT, one of 16 MiB is not; type 11 (OSPFv2) is not BGP.
  CHECK(DetectFormat(H("65000000 0010 0004 000000ff 00")) == InputFormat::kMrt);
  CHECK(DetectFormat(H("65000000 0010 0004 01000000 00")) == InputFormat::kHex);
  CHECK(DetectFormat(MrtRecord(1700000000, 11, 0, Bytes(4, 0))) == InputFormat::kHex);
  CHECK(DetectFormat(H("1f8b 0800")) == InputFormat::kGzip);
  const std::string bz = "BZh91AY";
  CHECK(DetectFormat(std::span(reinterpret_cast<const std::uint8_t*>(bz.data()), bz.size())) ==
        InputFormat::kBzip2);
  const std::string hex = "ffff ffff # a comment";
  CHECK(DetectFormat(std::span(reinterpret_cast<const std::uint8_t*>(hex.data()), hex.size())) ==
        InputFormat::kHex);
  CHECK(DetectFormat({}) == InputFormat::kHex);
}

TEST_CASE("capture input: gzip (two members) and bzip2 inflate, a cut file is an error") {
  const Bytes plain = MrtRecord(1700000000, 16, 4, Bytes(5000, 7));
  auto gzip = [](const Bytes& in) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    Bytes out(deflateBound(&z, in.size()) + 32);
    z.next_in = const_cast<Bytef*>(in.data());
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
  };
  const Bytes gz = bgpdemo::test::Cat({gzip(plain), gzip(plain)});
  CHECK(DetectFormat(gz) == InputFormat::kGzip);
  auto inflated = Decompress(gz, InputFormat::kGzip, "f.gz");
  REQUIRE(inflated.has_value());
  CHECK(*inflated == bgpdemo::test::Cat({plain, plain}));
  auto cut = Decompress(std::span(gz).first(gz.size() / 4), InputFormat::kGzip, "f.gz");
  REQUIRE_FALSE(cut.has_value());
  CHECK(cut.error().message().rfind("f.gz: gzip data broken or truncated", 0) == 0);

  Bytes bz(plain.size() + 1024);
  unsigned int bz_len = static_cast<unsigned int>(bz.size());
  REQUIRE(BZ2_bzBuffToBuffCompress(reinterpret_cast<char*>(bz.data()), &bz_len,
                                   const_cast<char*>(reinterpret_cast<const char*>(plain.data())),
                                   static_cast<unsigned int>(plain.size()), 9, 0, 0) == BZ_OK);
  bz.resize(bz_len);
  CHECK(DetectFormat(bz) == InputFormat::kBzip2);
  auto unbz = Decompress(bz, InputFormat::kBzip2, "f.bz2");
  REQUIRE(unbz.has_value());
  CHECK(*unbz == plain);
  CHECK_FALSE(
      Decompress(std::span(bz).first(bz.size() - 10), InputFormat::kBzip2, "f.bz2").has_value());
}

TEST_CASE("capture input: a file is mapped, a stream read whole, a missing file named") {
  char path[] = "/tmp/bgpdemo-input-test-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const Bytes data(3 << 20, 0x5a);  // three 1 MiB blocks
  REQUIRE(write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  close(fd);
  auto mapped = InputBytes::ReadFile(path);
  std::remove(path);
  REQUIRE(mapped.has_value());
  CHECK(mapped->mapped());
  CHECK(Bytes(mapped->bytes().begin(), mapped->bytes().end()) == data);

  std::istringstream in(std::string(data.begin(), data.end()));
  auto read = InputBytes::ReadStream(in, "standard input");
  REQUIRE(read.has_value());
  CHECK_FALSE(read->mapped());
  CHECK(read->bytes().size() == data.size());

  auto missing = InputBytes::ReadFile("/nonexistent/x.mrt");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message() == "/nonexistent/x.mrt: cannot open: No such file or directory");
}

TEST_CASE(
    "capture input: a descriptor: a regular file is mapped, a pipe read whole, a "
    "directory's read error named") {
  char path[] = "/tmp/bgpdemo-input-test-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  Bytes data(3 << 20);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  REQUIRE(write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
  auto mapped = InputBytes::ReadFd(fd, "standard input");
  close(fd);
  std::remove(path);
  REQUIRE(mapped.has_value());
  CHECK(mapped->mapped());
  CHECK(Bytes(mapped->bytes().begin(), mapped->bytes().end()) == data);

  // A pipe gives at most its buffer (64 KiB) per read: 3 MiB arrive in many short reads.
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::thread writer([&] {
    for (std::size_t at = 0; at < data.size();) {
      const ssize_t n =
          write(fds[1], data.data() + at, std::min<std::size_t>(100'000, data.size() - at));
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    close(fds[1]);
  });
  auto piped = InputBytes::ReadFd(fds[0], "standard input");
  writer.join();
  close(fds[0]);
  REQUIRE(piped.has_value());
  CHECK_FALSE(piped->mapped());
  CHECK(Bytes(piped->bytes().begin(), piped->bytes().end()) == data);

  const int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
  REQUIRE(dir >= 0);
  auto refused = InputBytes::ReadFd(dir, "standard input");
  close(dir);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message() == "standard input: read error: Is a directory");
}
