// The bytes `bgpdemo decode` reads, and what kind of file they are.
//
// A file is mapped read-only (no copy: the decoder reads the page cache), or read in 1 MiB
// blocks when it cannot be mapped (a pipe, standard input). gzip and bzip2 files are
// inflated in memory (zlib, libbz2): RouteViews publishes MRT as .bz2, RIPE RIS as .gz.
// The format is told by the first bytes (DetectFormat); nothing here parses a record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/result.h"

namespace bgpdemo::core::capture {

// The whole input, owned: a read-only mapping or a buffer. Move-only.
class InputBytes {
 public:
  InputBytes() = default;
  explicit InputBytes(std::vector<std::uint8_t> bytes) : owned_(std::move(bytes)) {}
  InputBytes(InputBytes&& other) noexcept;
  InputBytes& operator=(InputBytes&& other) noexcept;
  InputBytes(const InputBytes&) = delete;
  InputBytes& operator=(const InputBytes&) = delete;
  ~InputBytes();

  std::span<const std::uint8_t> bytes() const {
    if (map_ != nullptr) return {static_cast<const std::uint8_t*>(map_), map_size_};
    return owned_;
  }
  bool mapped() const { return map_ != nullptr; }

  // A regular file is mapped; anything else (a FIFO, /dev/stdin) is read. Errors (kInput)
  // name the file and the system's reason.
  static Result<InputBytes, Error> ReadFile(const std::string& path);
  // The same for an open descriptor (the process's standard input: a file redirected with
  // `<` is mapped, a pipe read). name is for errors; fd stays open.
  static Result<InputBytes, Error> ReadFd(int fd, const std::string& name);
  // Reads a stream to its end in big blocks (an in-memory stream, as tests pass).
  static Result<InputBytes, Error> ReadStream(std::istream& in, std::string_view name);

 private:
  void Release();
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  std::vector<std::uint8_t> owned_;
};

enum class InputFormat {
  kBgp,     // raw BGP messages back to back: starts with the 16-byte 0xff marker
  kPcap,    // libpcap's format, either byte order, micro- or nanosecond timestamps
  kPcapng,  // pcapng: a Section Header Block (0x0a0d0d0a)
  kMrt,     // RFC 6396: a header whose type is TABLE_DUMP(_V2) or BGP4MP(_ET)
  kGzip,    // RFC 1952 (1f 8b)
  kBzip2,   // "BZh" and a block size digit
  kHex,     // anything else: hex text (core/hex.h says what it may hold)
};
std::string_view ToString(InputFormat f);

// Tells the format from the first bytes. MRT has no magic number: a first record whose type
// is one of those above (so its high byte is zero), with a subtype under 256 and a length
// under 16 MiB, is MRT (hex text never holds a zero byte, raw BGP starts with 0xff).
InputFormat DetectFormat(std::span<const std::uint8_t> bytes);

// Inflates a gzip (all members, as gzip -d does) or bzip2 (all streams) input. Errors
// (kInput) say where the compressed data is broken.
Result<std::vector<std::uint8_t>, Error> Decompress(std::span<const std::uint8_t> bytes,
                                                    InputFormat format, std::string_view name);

}  // namespace bgpdemo::core::capture
