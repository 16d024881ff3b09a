#include "bgp/wire/prefix.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace bgpdemo::bgp::wire {

IpAddress IpAddress::V4(std::uint32_t host_order) {
  IpAddress a;
  a.afi = Afi::kIpv4;
  a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<std::uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::V6(const std::array<std::uint8_t, 16>& b) {
  IpAddress a;
  a.afi = Afi::kIpv6;
  a.bytes = b;
  return a;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.afi = Afi::kIpv4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.afi = Afi::kIpv6;
    return a;
  }
  return std::nullopt;
}

std::uint32_t IpAddress::v4() const {
  BGPDEMO_CHECK(afi == Afi::kIpv4);
  return static_cast<std::uint32_t>(bytes[0]) << 24 | static_cast<std::uint32_t>(bytes[1]) << 16 |
         static_cast<std::uint32_t>(bytes[2]) << 8 | bytes[3];
}

bool IpAddress::IsV4Mapped() const {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return afi == Afi::kIpv6 && std::memcmp(bytes.data(), kPrefix, sizeof kPrefix) == 0;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  const int family = afi == Afi::kIpv4 ? AF_INET : AF_INET6;
  if (inet_ntop(family, bytes.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

std::optional<Prefix> Prefix::Parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = IpAddress::Parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const auto len_text = text.substr(slash + 1);
  unsigned len = 0;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || end != len_text.data() + len_text.size() || len_text.empty()) {
    return std::nullopt;
  }
  Prefix p;
  p.afi = addr->afi;
  if (len > p.MaxLength()) return std::nullopt;
  p.length = static_cast<std::uint8_t>(len);
  p.addr = addr->bytes;
  // Refuse host bits: "10.0.0.1/24" is a typo for an address or a network.
  for (std::size_t bit = len; bit < 128; ++bit) {
    if (p.addr[bit / 8] & (0x80u >> (bit % 8))) return std::nullopt;
  }
  return p;
}

Prefix Prefix::V4(std::uint32_t host_order, std::uint8_t length) {
  Prefix p;
  p.afi = Afi::kIpv4;
  p.length = length;
  p.addr = IpAddress::V4(host_order).bytes;
  return p;
}

std::string Prefix::ToString() const {
  IpAddress a;
  a.afi = afi;
  a.bytes = addr;
  return fmt::format("{}/{}", a.ToString(), length);
}

Result<void, Error> DecodeNlri(Reader& r, Afi afi, bool add_path, NotifyCode code,
                               std::uint8_t subcode, std::vector<Prefix>& out) {
  const std::uint8_t max_len = afi == Afi::kIpv4 ? 32 : 128;
  while (!r.empty()) {
    const std::size_t at = r.offset();
    std::uint32_t path_id = 0;
    if (add_path && !r.U32(path_id)) {
      return Fail(Error{code, subcode, {}, Action::kSessionReset, at,
                        fmt::format("NLRI path identifier truncated: {} bytes left, need 4",
                                    r.remaining())});
    }
    std::uint8_t len = 0;
    if (!r.U8(len)) {
      return Fail(Error{code, subcode, {}, Action::kSessionReset, at,
                        "NLRI truncated: path identifier with no prefix length"});
    }
    if (len > max_len) {
      return Fail(Error{code, subcode, {}, Action::kSessionReset, at,
                        fmt::format("NLRI prefix length {} exceeds {} for {}", len, max_len,
                                    ToString(afi))});
    }
    const std::size_t nbytes = (len + 7u) / 8u;
    if (r.remaining() < nbytes) {
      return Fail(Error{code, subcode, {}, Action::kSessionReset, at,
                        fmt::format("NLRI prefix /{} needs {} bytes, {} left", len, nbytes,
                                    r.remaining())});
    }
    // Built in place: a Prefix assembled on the stack with byte-sized stores and then
    // copied with wide loads stalls on store forwarding, which was half the decoder's time.
    Prefix& p = out.emplace_back();
    p.afi = afi;
    p.length = len;
    p.path_id = path_id;
    std::memcpy(p.addr.data(), r.cursor(), nbytes);
    (void)r.Skip(nbytes);
    if (len % 8 != 0) p.addr[nbytes - 1] &= static_cast<std::uint8_t>(0xff00u >> (len % 8));
  }
  return {};
}

void EncodeNlri(const Prefix& p, bool add_path, Writer& w) {
  if (add_path) w.U32(p.path_id);
  w.U8(p.length);
  w.Bytes(std::span<const std::uint8_t>(p.addr.data(), p.WireBytes()));
}

}  // namespace bgpdemo::bgp::wire
