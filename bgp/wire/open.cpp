#include "bgp/wire/open.h"

#include <fmt/format.h>

namespace bgpdemo::bgp::wire {
namespace {

Unexpected<Error> OpenError(OpenSubcode sub, std::size_t at, std::vector<std::uint8_t> data,
                            std::string message) {
  return Fail(Error{NotifyCode::kOpenMessageError, static_cast<std::uint8_t>(sub),
                    std::move(data), Action::kSessionReset, at, std::move(message)});
}

}  // namespace

std::uint32_t Open::Asn() const {
  if (const auto* as4 = Find<FourOctetAsCap>()) return as4->asn;
  return my_as;
}

bool Open::HasFamily(Family f) const {
  for (const auto& c : capabilities) {
    if (const auto* mp = std::get_if<MultiprotocolCap>(&c); mp && mp->family == f) return true;
  }
  return false;
}

Result<Open, Error> DecodeOpen(std::span<const std::uint8_t> body) {
  Reader r(body, kHeaderSize);
  Open o;
  std::uint8_t opt_len = 0;
  if (!(r.U8(o.version) && r.U16(o.my_as) && r.U16(o.hold_time) && r.U32(o.bgp_id) &&
        r.U8(opt_len))) {
    // Framing already refuses an OPEN shorter than 29 bytes; this is the belt to its braces.
    return OpenError(OpenSubcode::kUnspecific, r.offset(), {}, "OPEN shorter than 29 bytes");
  }
  if (o.version != kBgpVersion) {
    // RFC 4271 §6.2: the data is the largest version we support, two octets.
    return OpenError(OpenSubcode::kUnsupportedVersionNumber, kHeaderSize, {0, kBgpVersion},
                     fmt::format("BGP version {} is not supported; only 4", o.version));
  }
  if (o.my_as == 0) {
    return OpenError(OpenSubcode::kBadPeerAs, kHeaderSize + 1, {},
                     "My Autonomous System is 0 (RFC 7607)");
  }
  if (o.hold_time == 1 || o.hold_time == 2) {
    return OpenError(OpenSubcode::kUnacceptableHoldTime, kHeaderSize + 3, {},
                     fmt::format("hold time {} s: must be 0 or at least 3", o.hold_time));
  }
  if (o.bgp_id == 0) {
    return OpenError(OpenSubcode::kBadBgpIdentifier, kHeaderSize + 5, {},
                     "BGP Identifier 0.0.0.0 is not valid (RFC 6286 §2.2)");
  }

  // Optional parameters, plain (RFC 5492) or extended (RFC 9072 §2).
  std::size_t params_len = opt_len;
  const std::size_t opt_len_at = r.offset() - 1;
  if (opt_len != 0 && r.remaining() >= 1 && *r.cursor() == 255) {
    if (opt_len != 255) {
      return OpenError(OpenSubcode::kUnspecific, opt_len_at, {},
                       fmt::format("parameter type 255 (RFC 9072 extended length) after an "
                                   "Optional Parameters Length of {}, not 255",
                                   opt_len));
    }
    std::uint8_t marker = 0;
    std::uint16_t ext_len = 0;
    if (!(r.U8(marker) && r.U16(ext_len))) {
      return OpenError(OpenSubcode::kUnspecific, opt_len_at, {},
                       "RFC 9072 extended parameters length truncated");
    }
    o.extended_parameters = true;
    params_len = ext_len;
  }
  if (r.remaining() != params_len) {
    return OpenError(OpenSubcode::kUnspecific, opt_len_at, {},
                     fmt::format("Optional Parameters Length {} but {} bytes follow", params_len,
                                 r.remaining()));
  }
  const std::size_t param_header = o.extended_parameters ? 3 : 2;
  bool ungroupable = false;
  while (!r.empty()) {
    const std::size_t at = r.offset();
    std::uint8_t type = 0;
    std::uint16_t len = 0;
    bool ok = r.U8(type);
    if (o.extended_parameters) {
      ok = ok && r.U16(len);
    } else {
      std::uint8_t len8 = 0;
      ok = ok && r.U8(len8);
      len = len8;
    }
    if (!ok) {
      return OpenError(OpenSubcode::kUnspecific, at, {},
                       fmt::format("optional parameter header truncated: need {} bytes",
                                   param_header));
    }
    Reader value(std::span<const std::uint8_t>{}, 0);
    if (!r.Sub(len, value)) {
      return OpenError(OpenSubcode::kUnspecific, at, {},
                       fmt::format("optional parameter length {} overruns the {} bytes left",
                                   len, r.remaining()));
    }
    if (type != static_cast<std::uint8_t>(OptParamType::kCapabilities)) {
      return OpenError(OpenSubcode::kUnsupportedOptionalParameter, at, {},
                       fmt::format("optional parameter type {} is not supported; only 2 "
                                   "(Capabilities)",
                                   type));
    }
    const std::size_t before = o.capabilities.size();
    if (auto res = DecodeCapabilities(value, o.capabilities); !res) return Fail(res.error());
    const std::size_t count = o.capabilities.size() - before;
    // An RFC 9072 parameter can hold more capabilities than a size octet counts; such an
    // OPEN re-encodes with them all in one parameter.
    ungroupable = ungroupable || count > 255;
    o.parameter_sizes.push_back(static_cast<std::uint8_t>(count));
  }
  // One parameter holding everything is the canonical form; only record unusual groupings.
  if (o.parameter_sizes.size() == 1 || ungroupable) o.parameter_sizes.clear();

  // RFC 6793 §4.1 and RFC 7607: a 4-octet AS of 0 is as bad as a 2-octet one, and a speaker
  // whose AS needs 4 octets must say AS_TRANS in My Autonomous System.
  std::uint32_t role = 256;
  for (const auto& c : o.capabilities) {
    if (const auto* as4 = std::get_if<FourOctetAsCap>(&c)) {
      if (as4->asn == 0) {
        return OpenError(OpenSubcode::kBadPeerAs, opt_len_at, {},
                         "4-octet AS capability carries AS 0 (RFC 7607)");
      }
      if (as4->asn > 0xffff && o.my_as != kAsTrans) {
        return OpenError(OpenSubcode::kBadPeerAs, kHeaderSize + 1, {},
                         fmt::format("4-octet AS {} needs My Autonomous System {} (AS_TRANS), "
                                     "got {}",
                                     as4->asn, kAsTrans, o.my_as));
      }
    } else if (const auto* r9 = std::get_if<RoleCap>(&c)) {
      if (role != 256 && role != r9->role) {
        return OpenError(OpenSubcode::kRoleMismatch, opt_len_at, {},
                         fmt::format("conflicting BGP Role capabilities {} and {} (RFC 9234 §4.2)",
                                     role, r9->role));
      }
      role = r9->role;
    }
  }
  return o;
}

void EncodeOpenBody(const Open& o, Writer& w) {
  w.U8(o.version);
  w.U16(o.my_as);
  w.U16(o.hold_time);
  w.U32(o.bgp_id);
  const std::size_t opt_len_at = w.size();
  w.U8(0);
  std::size_t len_at = 0;
  if (o.extended_parameters) {
    w.U8(255);
    w.U16(0);
  }
  const std::size_t params_start = w.size();

  std::vector<std::size_t> sizes(o.parameter_sizes.begin(), o.parameter_sizes.end());
  if (sizes.empty() && !o.capabilities.empty()) sizes.push_back(o.capabilities.size());
  std::size_t next = 0;
  for (std::size_t n : sizes) {
    w.U8(static_cast<std::uint8_t>(OptParamType::kCapabilities));
    len_at = w.size();
    if (o.extended_parameters) {
      w.U16(0);
    } else {
      w.U8(0);
    }
    const std::size_t start = w.size();
    for (std::size_t i = 0; i < n && next < o.capabilities.size(); ++i) {
      EncodeCapability(o.capabilities[next++], w);
    }
    const std::size_t len = w.size() - start;
    if (o.extended_parameters) {
      w.PatchU16(len_at, static_cast<std::uint16_t>(len));
    } else if (len > 255) {
      w.SetOverflow();
    } else {
      w.PatchU8(len_at, static_cast<std::uint8_t>(len));
    }
  }
  if (next != o.capabilities.size()) w.SetOverflow();  // parameter_sizes do not add up

  const std::size_t total = w.size() - params_start;
  if (o.extended_parameters) {
    w.PatchU8(opt_len_at, 255);
    w.PatchU16(opt_len_at + 2, static_cast<std::uint16_t>(total));
  } else if (total > 255) {
    w.SetOverflow();  // needs RFC 9072: the caller must set extended_parameters
  } else {
    w.PatchU8(opt_len_at, static_cast<std::uint8_t>(total));
  }
}

}  // namespace bgpdemo::bgp::wire
