#include "bgp/wire/capability.h"

#include <fmt/format.h>

#include "base/overloaded.h"

namespace bgpdemo::bgp::wire {
namespace {

Unexpected<Error> Malformed(std::size_t at, std::string message) {
  return Fail(Error{NotifyCode::kOpenMessageError,
                    static_cast<std::uint8_t>(OpenSubcode::kUnspecific), {},
                    Action::kSessionReset, at, std::move(message)});
}

// Reads a (length-prefixed) string of at most `n` bytes.
bool ReadString(Reader& r, std::size_t n, std::string& out) {
  std::span<const std::uint8_t> b;
  if (!r.Bytes(n, b)) return false;
  out.assign(b.begin(), b.end());
  return true;
}

Result<Capability, Error> DecodeOne(std::uint8_t code, Reader& v, std::size_t at) {
  const std::size_t len = v.remaining();
  auto bad_len = [&](std::string_view expected) {
    return Malformed(at, fmt::format("capability {} ({}) has length {}, expected {}", code,
                                     CapabilityName(code), len, expected));
  };
  switch (static_cast<CapabilityCode>(code)) {
    case CapabilityCode::kMultiprotocol: {
      if (len != 4) return bad_len("4");
      MultiprotocolCap c;
      std::uint16_t afi = 0;
      std::uint8_t safi = 0;
      (void)(v.U16(afi) && v.U8(c.reserved) && v.U8(safi));
      c.family = {static_cast<Afi>(afi), static_cast<Safi>(safi)};
      return Capability{c};
    }
    case CapabilityCode::kRouteRefresh:
      if (len != 0) return bad_len("0");
      return Capability{RouteRefreshCap{}};
    case CapabilityCode::kExtendedNextHop: {
      if (len == 0 || len % 6 != 0) return bad_len("a non-zero multiple of 6");
      ExtendedNextHopCap c;
      while (!v.empty()) {
        std::uint16_t afi = 0, safi = 0, nh = 0;
        (void)(v.U16(afi) && v.U16(safi) && v.U16(nh));
        c.entries.push_back({static_cast<Afi>(afi), safi, static_cast<Afi>(nh)});
      }
      return Capability{c};
    }
    case CapabilityCode::kExtendedMessage:
      if (len != 0) return bad_len("0");
      return Capability{ExtendedMessageCap{}};
    case CapabilityCode::kRole: {
      if (len != 1) return bad_len("1");
      RoleCap c;
      (void)v.U8(c.role);
      return Capability{c};
    }
    case CapabilityCode::kGracefulRestart: {
      if (len < 2 || (len - 2) % 4 != 0) return bad_len("2 + a multiple of 4");
      GracefulRestartCap c;
      std::uint16_t word = 0;
      (void)v.U16(word);
      c.flags = static_cast<std::uint8_t>(word >> 12);
      c.restart_time = word & 0x0fff;
      while (!v.empty()) {
        std::uint16_t afi = 0;
        std::uint8_t safi = 0, flags = 0;
        (void)(v.U16(afi) && v.U8(safi) && v.U8(flags));
        c.families.push_back({{static_cast<Afi>(afi), static_cast<Safi>(safi)}, flags});
      }
      return Capability{c};
    }
    case CapabilityCode::kFourOctetAs: {
      if (len != 4) return bad_len("4");
      FourOctetAsCap c;
      (void)v.U32(c.asn);
      return Capability{c};
    }
    case CapabilityCode::kAddPath: {
      if (len == 0 || len % 4 != 0) return bad_len("a non-zero multiple of 4");
      AddPathCap c;
      while (!v.empty()) {
        std::uint16_t afi = 0;
        std::uint8_t safi = 0, sr = 0;
        (void)(v.U16(afi) && v.U8(safi) && v.U8(sr));
        c.entries.push_back({{static_cast<Afi>(afi), static_cast<Safi>(safi)}, sr});
      }
      return Capability{c};
    }
    case CapabilityCode::kEnhancedRouteRefresh:
      if (len != 0) return bad_len("0");
      return Capability{EnhancedRouteRefreshCap{}};
    case CapabilityCode::kLongLivedGracefulRestart: {
      if (len % 7 != 0) return bad_len("a multiple of 7");
      LlgrCap c;
      while (!v.empty()) {
        std::uint16_t afi = 0;
        std::uint8_t safi = 0, flags = 0, t0 = 0, t1 = 0, t2 = 0;
        (void)(v.U16(afi) && v.U8(safi) && v.U8(flags) && v.U8(t0) && v.U8(t1) && v.U8(t2));
        c.entries.push_back({{static_cast<Afi>(afi), static_cast<Safi>(safi)},
                             flags,
                             static_cast<std::uint32_t>(t0) << 16 | t1 << 8 | t2});
      }
      return Capability{c};
    }
    case CapabilityCode::kFqdn: {
      FqdnCap c;
      std::uint8_t n = 0;
      if (!v.U8(n) || !ReadString(v, n, c.hostname)) {
        return Malformed(at, fmt::format("FQDN capability: hostname overruns the capability "
                                         "({} bytes)", len));
      }
      if (!v.U8(n) || !ReadString(v, n, c.domain) || !v.empty()) {
        return Malformed(at, fmt::format("FQDN capability: domain name length does not match "
                                         "the capability length {}", len));
      }
      return Capability{c};
    }
    case CapabilityCode::kSoftwareVersion: {
      SoftwareVersionCap c;
      std::uint8_t n = 0;
      if (!v.U8(n) || !ReadString(v, n, c.version) || !v.empty()) {
        return Malformed(at, fmt::format("software version capability: version length does not "
                                         "match the capability length {}", len));
      }
      return Capability{c};
    }
  }
  RawCapability raw;
  raw.code = code;
  const auto rest = v.Rest();
  raw.value.assign(rest.begin(), rest.end());
  return Capability{std::move(raw)};
}

}  // namespace

std::uint8_t CodeOf(const Capability& c) {
  auto code = std::visit(
      Overloaded{
          [](const MultiprotocolCap&) { return CapabilityCode::kMultiprotocol; },
          [](const RouteRefreshCap&) { return CapabilityCode::kRouteRefresh; },
          [](const ExtendedNextHopCap&) { return CapabilityCode::kExtendedNextHop; },
          [](const ExtendedMessageCap&) { return CapabilityCode::kExtendedMessage; },
          [](const RoleCap&) { return CapabilityCode::kRole; },
          [](const GracefulRestartCap&) { return CapabilityCode::kGracefulRestart; },
          [](const FourOctetAsCap&) { return CapabilityCode::kFourOctetAs; },
          [](const AddPathCap&) { return CapabilityCode::kAddPath; },
          [](const EnhancedRouteRefreshCap&) { return CapabilityCode::kEnhancedRouteRefresh; },
          [](const LlgrCap&) { return CapabilityCode::kLongLivedGracefulRestart; },
          [](const FqdnCap&) { return CapabilityCode::kFqdn; },
          [](const SoftwareVersionCap&) { return CapabilityCode::kSoftwareVersion; },
          [](const RawCapability& r) { return static_cast<CapabilityCode>(r.code); },
      },
      c);
  return static_cast<std::uint8_t>(code);
}

std::string_view CapabilityName(std::uint8_t code) {
  switch (static_cast<CapabilityCode>(code)) {
    case CapabilityCode::kMultiprotocol: return "multiprotocol";
    case CapabilityCode::kRouteRefresh: return "route_refresh";
    case CapabilityCode::kExtendedNextHop: return "extended_next_hop";
    case CapabilityCode::kExtendedMessage: return "extended_message";
    case CapabilityCode::kRole: return "role";
    case CapabilityCode::kGracefulRestart: return "graceful_restart";
    case CapabilityCode::kFourOctetAs: return "four_octet_as";
    case CapabilityCode::kAddPath: return "add_path";
    case CapabilityCode::kEnhancedRouteRefresh: return "enhanced_route_refresh";
    case CapabilityCode::kLongLivedGracefulRestart: return "long_lived_graceful_restart";
    case CapabilityCode::kFqdn: return "fqdn";
    case CapabilityCode::kSoftwareVersion: return "software_version";
  }
  return "unknown";
}

Result<void, Error> DecodeCapabilities(Reader& r, std::vector<Capability>& out) {
  while (!r.empty()) {
    const std::size_t at = r.offset();
    std::uint8_t code = 0, len = 0;
    if (!r.U8(code) || !r.U8(len)) {
      return Malformed(at, "capability header truncated: 1 byte left, need 2");
    }
    Reader value(std::span<const std::uint8_t>{}, 0);
    if (!r.Sub(len, value)) {
      return Malformed(at, fmt::format("capability {} ({}) length {} overruns the parameter "
                                       "({} bytes left)",
                                       code, CapabilityName(code), len, r.remaining()));
    }
    auto cap = DecodeOne(code, value, at);
    if (!cap) return Fail(std::move(cap).error());
    out.push_back(std::move(cap).value());
  }
  return {};
}

void EncodeCapability(const Capability& c, Writer& w) {
  const std::size_t start = w.size();
  w.U8(CodeOf(c));
  w.U8(0);  // length, patched below
  std::visit(
      Overloaded{
          [&](const MultiprotocolCap& m) {
            w.U16(static_cast<std::uint16_t>(m.family.afi));
            w.U8(m.reserved);
            w.U8(static_cast<std::uint8_t>(m.family.safi));
          },
          [](const RouteRefreshCap&) {},
          [&](const ExtendedNextHopCap& e) {
            for (const auto& x : e.entries) {
              w.U16(static_cast<std::uint16_t>(x.afi));
              w.U16(x.safi);
              w.U16(static_cast<std::uint16_t>(x.nexthop_afi));
            }
          },
          [](const ExtendedMessageCap&) {},
          [&](const RoleCap& r) { w.U8(r.role); },
          [&](const GracefulRestartCap& g) {
            w.U16(static_cast<std::uint16_t>((g.flags & 0xf) << 12 | (g.restart_time & 0x0fff)));
            for (const auto& f : g.families) {
              w.U16(static_cast<std::uint16_t>(f.family.afi));
              w.U8(static_cast<std::uint8_t>(f.family.safi));
              w.U8(f.flags);
            }
          },
          [&](const FourOctetAsCap& a) { w.U32(a.asn); },
          [&](const AddPathCap& a) {
            for (const auto& e : a.entries) {
              w.U16(static_cast<std::uint16_t>(e.family.afi));
              w.U8(static_cast<std::uint8_t>(e.family.safi));
              w.U8(e.send_receive);
            }
          },
          [](const EnhancedRouteRefreshCap&) {},
          [&](const LlgrCap& l) {
            for (const auto& e : l.entries) {
              w.U16(static_cast<std::uint16_t>(e.family.afi));
              w.U8(static_cast<std::uint8_t>(e.family.safi));
              w.U8(e.flags);
              w.U8(static_cast<std::uint8_t>(e.stale_time >> 16));
              w.U8(static_cast<std::uint8_t>(e.stale_time >> 8));
              w.U8(static_cast<std::uint8_t>(e.stale_time));
            }
          },
          [&](const FqdnCap& f) {
            w.U8(static_cast<std::uint8_t>(std::min<std::size_t>(f.hostname.size(), 255)));
            w.Bytes({reinterpret_cast<const std::uint8_t*>(f.hostname.data()),
                     std::min<std::size_t>(f.hostname.size(), 255)});
            w.U8(static_cast<std::uint8_t>(std::min<std::size_t>(f.domain.size(), 255)));
            w.Bytes({reinterpret_cast<const std::uint8_t*>(f.domain.data()),
                     std::min<std::size_t>(f.domain.size(), 255)});
          },
          [&](const SoftwareVersionCap& s) {
            w.U8(static_cast<std::uint8_t>(std::min<std::size_t>(s.version.size(), 254)));
            w.Bytes({reinterpret_cast<const std::uint8_t*>(s.version.data()),
                     std::min<std::size_t>(s.version.size(), 254)});
          },
          [&](const RawCapability& r) { w.Bytes(r.value); },
      },
      c);
  const std::size_t len = w.size() - start - 2;
  if (len > 255) {
    w.SetOverflow();  // a capability value holds at most 255 bytes
    return;
  }
  w.PatchU8(start + 1, static_cast<std::uint8_t>(len));
}

}  // namespace bgpdemo::bgp::wire
