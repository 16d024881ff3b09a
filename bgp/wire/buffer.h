// Bounds-checked byte reading and writing in network byte order.
//
// Reader never reads past the end of the span it was given: every getter checks first and
// returns false on a short buffer, leaving the reader where it was. Writer writes into a
// buffer its caller owns; a write that would not fit sets overflowed() and writes nothing,
// so an encoder can write freely and check once at the end. Neither allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace bgpdemo::bgp::wire {

class Reader {
 public:
  // base is the offset of data[0] within the whole message, for error offsets.
  explicit Reader(std::span<const std::uint8_t> data, std::size_t base = 0)
      : data_(data), base_(base) {}

  std::size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ == data_.size(); }
  // Offset of the next byte within the whole message.
  std::size_t offset() const { return base_ + pos_; }
  std::size_t pos() const { return pos_; }
  const std::uint8_t* cursor() const { return data_.data() + pos_; }

  bool U8(std::uint8_t& v) {
    if (remaining() < 1) return false;
    v = data_[pos_++];
    return true;
  }
  bool U16(std::uint16_t& v) {
    if (remaining() < 2) return false;
    v = static_cast<std::uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool U32(std::uint32_t& v) {
    if (remaining() < 4) return false;
    v = static_cast<std::uint32_t>(data_[pos_]) << 24 | static_cast<std::uint32_t>(data_[pos_ + 1]) << 16 |
        static_cast<std::uint32_t>(data_[pos_ + 2]) << 8 | static_cast<std::uint32_t>(data_[pos_ + 3]);
    pos_ += 4;
    return true;
  }
  bool Bytes(std::size_t n, std::span<const std::uint8_t>& out) {
    if (remaining() < n) return false;
    out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool Skip(std::size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }
  // The rest of the data, consumed.
  std::span<const std::uint8_t> Rest() {
    auto r = data_.subspan(pos_);
    pos_ = data_.size();
    return r;
  }
  // A reader over the next n bytes, consumed from this one; false when short.
  bool Sub(std::size_t n, Reader& out) {
    if (remaining() < n) return false;
    out = Reader(data_.subspan(pos_, n), base_ + pos_);
    pos_ += n;
    return true;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  std::size_t base_ = 0;
};

class Writer {
 public:
  explicit Writer(std::span<std::uint8_t> out) : out_(out) {}

  std::size_t size() const { return pos_; }
  std::size_t remaining() const { return out_.size() - pos_; }
  bool overflowed() const { return overflowed_; }
  std::uint8_t* data() { return out_.data(); }

  void U8(std::uint8_t v) {
    if (Room(1)) out_[pos_++] = v;
  }
  void U16(std::uint16_t v) {
    if (!Room(2)) return;
    out_[pos_] = static_cast<std::uint8_t>(v >> 8);
    out_[pos_ + 1] = static_cast<std::uint8_t>(v);
    pos_ += 2;
  }
  void U32(std::uint32_t v) {
    if (!Room(4)) return;
    out_[pos_] = static_cast<std::uint8_t>(v >> 24);
    out_[pos_ + 1] = static_cast<std::uint8_t>(v >> 16);
    out_[pos_ + 2] = static_cast<std::uint8_t>(v >> 8);
    out_[pos_ + 3] = static_cast<std::uint8_t>(v);
    pos_ += 4;
  }
  void Bytes(std::span<const std::uint8_t> b) {
    if (!Room(b.size())) return;
    if (!b.empty()) std::memcpy(out_.data() + pos_, b.data(), b.size());
    pos_ += b.size();
  }
  void Fill(std::uint8_t v, std::size_t n) {
    if (!Room(n)) return;
    std::memset(out_.data() + pos_, v, n);
    pos_ += n;
  }
  // Overwrites bytes already written (length fields filled in afterwards).
  void PatchU8(std::size_t at, std::uint8_t v) {
    if (at < pos_) out_[at] = v;
  }
  void PatchU16(std::size_t at, std::uint16_t v) {
    if (at + 2 > pos_) return;
    out_[at] = static_cast<std::uint8_t>(v >> 8);
    out_[at + 1] = static_cast<std::uint8_t>(v);
  }
  // Marks the output as failed, for encoders that find a value too large for its field.
  void SetOverflow() { overflowed_ = true; }
  // Moves the write position back to `at`, dropping what was written after it.
  void Truncate(std::size_t at) {
    if (at <= pos_) pos_ = at;
  }

 private:
  bool Room(std::size_t n) {
    if (overflowed_ || remaining() < n) {
      overflowed_ = true;
      return false;
    }
    return true;
  }

  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  bool overflowed_ = false;
};

}  // namespace bgpdemo::bgp::wire
