#include "core/capture/input.h"

#include <bzlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <istream>

#include "core/capture/big_endian.h"

namespace bgpdemo::core::capture {

namespace {

constexpr std::size_t kBlock = std::size_t{1} << 20;

// RFC 6396 §4: the types a BGP file holds (11 OSPFv2, 32 ISIS and 48 OSPFv3 are not BGP).
bool IsMrtType(std::uint16_t type) {
  return type == 12 || type == 13 || type == 16 || type == 17;
}

// Reads into the free space of out, growing it (and zero-filling) only when less than a
// block is free: a pipe's reads return 64 KiB at a time.
Result<void, Error> ReadAll(int fd, const std::string& name, std::vector<std::uint8_t>& out) {
  std::size_t used = out.size();
  for (;;) {
    if (out.size() - used < kBlock) out.resize(std::max(out.size() * 2, used + kBlock));
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      out.resize(used);
      return Fail(Error::Input(fmt::format("{}: read error: {}", name, std::strerror(errno))));
    }
    used += static_cast<std::size_t>(n);
    if (n == 0) {
      out.resize(used);
      return {};
    }
  }
}

}  // namespace

InputBytes::InputBytes(InputBytes&& other) noexcept
    : map_(other.map_), map_size_(other.map_size_), owned_(std::move(other.owned_)) {
  other.map_ = nullptr;
  other.map_size_ = 0;
}

InputBytes& InputBytes::operator=(InputBytes&& other) noexcept {
  if (this != &other) {
    Release();
    map_ = other.map_;
    map_size_ = other.map_size_;
    owned_ = std::move(other.owned_);
    other.map_ = nullptr;
    other.map_size_ = 0;
  }
  return *this;
}

InputBytes::~InputBytes() {
  Release();
}

void InputBytes::Release() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
  map_ = nullptr;
  map_size_ = 0;
}

Result<InputBytes, Error> InputBytes::ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(Error::Input(fmt::format("{}: cannot open: {}", path, std::strerror(errno))));
  }
  auto in = ReadFd(fd, path);
  ::close(fd);
  return in;
}

Result<InputBytes, Error> InputBytes::ReadFd(int fd, const std::string& name) {
  InputBytes in;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    // MAP_POPULATE faults the whole file in with one call instead of one fault per page.
    void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ,
                     MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p != MAP_FAILED) {
      in.map_ = p;
      in.map_size_ = static_cast<std::size_t>(st.st_size);
      ::madvise(p, in.map_size_, MADV_SEQUENTIAL);
    }
  }
  if (in.map_ == nullptr) {
    if (auto read = ReadAll(fd, name, in.owned_); !read) return Fail(read.error());
  }
  return in;
}

Result<InputBytes, Error> InputBytes::ReadStream(std::istream& in, std::string_view name) {
  std::vector<std::uint8_t> out;
  for (;;) {
    const std::size_t at = out.size();
    out.resize(at + kBlock);
    // sgetn is one read of the stream buffer (fread for std::cin), not a copy per character.
    const auto n = in.rdbuf()->sgetn(reinterpret_cast<char*>(out.data() + at),
                                     static_cast<std::streamsize>(kBlock));
    out.resize(at + static_cast<std::size_t>(n < 0 ? 0 : n));
    if (n <= 0) break;
  }
  if (in.bad()) return Fail(Error::Input(fmt::format("{}: read error", name)));
  return InputBytes(std::move(out));
}

std::string_view ToString(InputFormat f) {
  switch (f) {
    case InputFormat::kBgp:
      return "bgp";
    case InputFormat::kPcap:
      return "pcap";
    case InputFormat::kPcapng:
      return "pcapng";
    case InputFormat::kMrt:
      return "mrt";
    case InputFormat::kGzip:
      return "gzip";
    case InputFormat::kBzip2:
      return "bzip2";
    case InputFormat::kHex:
      return "hex";
  }
  return "unknown";
}

InputFormat DetectFormat(std::span<const std::uint8_t> b) {
  if (b.size() >= 16 && b[0] == 0xff && b[1] == 0xff) return InputFormat::kBgp;
  if (b.size() >= 4) {
    const std::uint32_t magic = Be32(b, 0);
    // pcap(3PCAP) file header magic, microseconds and nanoseconds, written in either order.
    if (magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1 || magic == 0xa1b23c4d || magic == 0x4d3cb2a1) {
      return InputFormat::kPcap;
    }
    if (magic == 0x0a0d0d0a) return InputFormat::kPcapng;  // the SHB's block type
  }
  if (b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b) return InputFormat::kGzip;
  if (b.size() >= 4 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' && b[3] <= '9') {
    return InputFormat::kBzip2;
  }
  // MRT common header: timestamp(4) type(2) subtype(2) length(4). A record cut short is
  // still MRT (the reader reports it); no record comes near 16 MiB.
  if (b.size() >= 12 && IsMrtType(Be16(b, 4)) && Be16(b, 6) < 256 && Be32(b, 8) < (1u << 24)) {
    return InputFormat::kMrt;
  }
  if (!b.empty() && b[0] == 0xff) return InputFormat::kBgp;  // a short or broken marker
  return InputFormat::kHex;
}

namespace {

Result<std::vector<std::uint8_t>, Error> Gunzip(std::span<const std::uint8_t> in,
                                                std::string_view name) {
  std::vector<std::uint8_t> out;
  z_stream z{};
  // 15 + 32: any window size, gzip or zlib header detected.
  if (inflateInit2(&z, 15 + 32) != Z_OK) {
    return Fail(Error::Internal("zlib: inflateInit2 failed"));
  }
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  out.reserve(in.size() * 4);
  int rc = Z_OK;
  for (;;) {
    if (out.capacity() - out.size() < kBlock) out.reserve(out.capacity() * 2 + kBlock);
    const std::size_t at = out.size();
    out.resize(out.capacity());
    z.next_out = out.data() + at;
    z.avail_out = static_cast<uInt>(out.size() - at);
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(out.size() - z.avail_out);
    if (rc == Z_STREAM_END) {
      // gzip -d reads every member of a concatenated file (RFC 1952 §2.2).
      if (z.avail_in == 0) break;
      if (inflateReset(&z) != Z_OK) break;
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated
  }
  const std::size_t consumed = in.size() - z.avail_in;
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    return Fail(
        Error::Input(fmt::format("{}: gzip data broken or truncated after {} bytes{}", name,
                                 consumed, z.msg != nullptr ? fmt::format(": {}", z.msg) : "")));
  }
  return out;
}

Result<std::vector<std::uint8_t>, Error> Bunzip2(std::span<const std::uint8_t> in,
                                                 std::string_view name) {
  std::vector<std::uint8_t> out;
  out.reserve(in.size() * 5);
  std::size_t pos = 0;
  while (pos < in.size()) {  // bzip2 -d reads concatenated streams too
    bz_stream z{};
    if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK) {
      return Fail(Error::Internal("libbz2: BZ2_bzDecompressInit failed"));
    }
    z.next_in = const_cast<char*>(reinterpret_cast<const char*>(in.data() + pos));
    z.avail_in = static_cast<unsigned>(in.size() - pos);
    int rc = BZ_OK;
    while (rc == BZ_OK) {
      if (out.capacity() - out.size() < kBlock) out.reserve(out.capacity() * 2 + kBlock);
      const std::size_t at = out.size();
      out.resize(out.capacity());
      z.next_out = reinterpret_cast<char*>(out.data() + at);
      z.avail_out = static_cast<unsigned>(out.size() - at);
      rc = BZ2_bzDecompress(&z);
      out.resize(out.size() - z.avail_out);
      if (rc == BZ_OK && z.avail_in == 0 && z.avail_out != 0) break;  // truncated
    }
    const std::size_t used = in.size() - pos - z.avail_in;
    BZ2_bzDecompressEnd(&z);
    if (rc != BZ_STREAM_END) {
      return Fail(Error::Input(
          fmt::format("{}: bzip2 data broken or truncated after {} bytes", name, pos + used)));
    }
    pos += used;
  }
  return out;
}

}  // namespace

Result<std::vector<std::uint8_t>, Error> Decompress(std::span<const std::uint8_t> bytes,
                                                    InputFormat format, std::string_view name) {
  if (format == InputFormat::kGzip) return Gunzip(bytes, name);
  if (format == InputFormat::kBzip2) return Bunzip2(bytes, name);
  return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace bgpdemo::core::capture
