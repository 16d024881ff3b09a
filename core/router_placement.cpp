#include "core/router_placement.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

namespace bgpdemo::core {

namespace {

using bgp::wire::IpAddress;

std::vector<std::string_view> SplitCommas(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    parts.push_back(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return parts;
    start = comma + 1;
  }
}

std::optional<std::uint64_t> Decimal(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// One value's problems, to be said with the flag in front.
class PlacementParser {
 public:
  explicit PlacementParser(std::string_view value) : value_(value) {}

  Error Bad(std::string_view why) const {
    return Error::Usage(
        fmt::format("--router {}: {}; valid forms: {}", value_, why, kRouterPlacementForms));
  }

  // An IPv4 or a global IPv6 address: a link-local one needs an interface the flag cannot
  // name, and the unspecified ones are no one's.
  Result<IpAddress, Error> Address(std::string_view text, std::string_view what) const {
    auto ip = IpAddress::Parse(text);
    if (!ip || ip->IsV4Mapped()) {
      return Fail(Bad(fmt::format(
          "{} \"{}\" is not an IPv4 or IPv6 address like 172.18.0.250 or fc00:f853:ccd:e793::fa",
          what, text)));
    }
    if (ip->afi == bgp::wire::Afi::kIpv4 ? ip->v4() == 0
                                         : *ip == IpAddress{bgp::wire::Afi::kIpv6}) {
      return Fail(
          Bad(fmt::format("{} {} is no one's address; give a specific one", what, ip->ToString())));
    }
    if (ip->afi == bgp::wire::Afi::kIpv6 && ip->bytes[0] == 0xfe && (ip->bytes[1] & 0xc0) == 0x80) {
      return Fail(Bad(
          fmt::format("{} {} is link-local, which needs an interface; give a global or ULA address",
                      what, ip->ToString())));
    }
    return *ip;
  }

  // At most one address of each family (the router's IPv4 and IPv6 address), as given.
  Result<std::vector<IpAddress>, Error> OnePerFamily(const std::vector<std::string_view>& parts,
                                                     std::string_view form) const {
    std::vector<IpAddress> out;
    for (const auto part : parts) {
      auto ip = Address(part, "address");
      if (!ip) return Fail(ip.error());
      for (const auto& seen : out) {
        if (seen.afi == ip->afi) {
          return Fail(Bad(fmt::format("{} takes at most one IPv4 and one IPv6 address", form)));
        }
      }
      out.push_back(*ip);
    }
    return out;
  }

  Result<RouterPlacement, Error> Host(std::string_view rest) const {
    RouterPlacement p;
    p.kind = RouterPlacementKind::kHost;
    if (rest.empty()) return Fail(Bad("host: needs at least one address of this machine"));
    for (const auto part : SplitCommas(rest)) {
      auto ip = Address(part, "address");
      if (!ip) return Fail(ip.error());
      for (const auto& seen : p.addresses) {
        if (seen == *ip) return Fail(Bad(fmt::format("address {} is given twice", part)));
      }
      p.addresses.push_back(*ip);
    }
    return p;
  }

  // Docker's URL forms (moby/moby opts/hosts.go, ParseHost): unix:// with a path, tcp://
  // with a host and an optional port (2375 when missing), ssh:// with an optional user and
  // port (docker/cli cli/connhelper/ssh). fd:// and npipe:// name no remote machine.
  Result<RouterPlacement, Error> Container(std::string_view rest) const {
    RouterPlacement p;
    p.kind = RouterPlacementKind::kContainer;
    const auto parts = SplitCommas(rest);
    if (parts.size() > 3) {
      return Fail(Bad("container: takes DOCKER_HOST and at most an IPv4 and an IPv6 address"));
    }
    const auto url = parts[0];
    p.docker_host = std::string(url);
    std::string_view host;
    if (url.starts_with("unix://")) {
      if (url.size() <= 7 || url[7] != '/') {
        return Fail(
            Bad(fmt::format("\"{}\": unix:// needs an absolute socket path, like "
                            "unix:///var/run/docker.sock",
                            url)));
      }
    } else if (url.starts_with("tcp://") || url.starts_with("ssh://")) {
      const bool ssh = url.starts_with("ssh://");
      auto authority = url.substr(6);
      if (const auto slash = authority.find('/'); slash != std::string_view::npos) {
        authority = authority.substr(0, slash);
      }
      if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        if (!ssh) return Fail(Bad(fmt::format("\"{}\": a user belongs in ssh:// only", url)));
        authority = authority.substr(at + 1);
      }
      host = authority;
      if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        const auto port = Decimal(authority.substr(colon + 1));
        if (!port || *port < 1 || *port > 65535) {
          return Fail(Bad(fmt::format("\"{}\": the port must be 1..65535", url)));
        }
      }
      if (host.empty()) return Fail(Bad(fmt::format("\"{}\" names no host", url)));
    } else {
      return Fail(
          Bad(fmt::format("\"{}\" is not a Docker host URL (unix:///PATH, "
                          "tcp://HOST[:PORT], ssh://[USER@]HOST[:PORT])",
                          url)));
    }
    if (parts.size() > 1) {
      auto given = OnePerFamily({parts.begin() + 1, parts.end()}, "container:");
      if (!given) return Fail(given.error());
      p.addresses = std::move(*given);
    } else if (auto ip = IpAddress::Parse(host); ip && ip->afi == bgp::wire::Afi::kIpv4) {
      p.addresses.push_back(*ip);
    }
    return p;
  }

  Result<RouterPlacement, Error> External(std::string_view rest) const {
    RouterPlacement p;
    p.kind = RouterPlacementKind::kExternal;
    const auto parts = SplitCommas(rest);
    if (parts.size() < 2 || parts.size() > 3) {
      return Fail(
          Bad("external: takes the router's address (an IPv4 one, an IPv6 one or both) "
              "and its AS"));
    }
    auto given = OnePerFamily({parts.begin(), parts.end() - 1}, "external:");
    if (!given) return Fail(given.error());
    p.addresses = std::move(*given);
    const auto as_text = parts.back();
    const auto as = Decimal(as_text);
    if (!as || *as < 1 || *as > 4294967295ULL) {
      return Fail(Bad(fmt::format("AS \"{}\" is not an AS number (1..4294967295)", as_text)));
    }
    if (*as == 23456) {
      return Fail(Bad("AS 23456 is AS_TRANS (RFC 6793), not a real AS"));
    }
    p.as = static_cast<std::uint32_t>(*as);
    return p;
  }

 private:
  std::string_view value_;
};

}  // namespace

std::string_view ToString(RouterPlacementKind kind) {
  switch (kind) {
    case RouterPlacementKind::kHost:
      return "host";
    case RouterPlacementKind::kContainer:
      return "container";
    case RouterPlacementKind::kExternal:
      return "external";
  }
  return "unknown";
}

Result<RouterPlacement, Error> ParseRouterPlacement(std::string_view value) {
  const PlacementParser parser(value);
  const auto colon = value.find(':');
  if (colon == std::string_view::npos) {
    return Fail(parser.Bad("expected a kind, then ':'"));
  }
  const auto kind = value.substr(0, colon);
  const auto rest = value.substr(colon + 1);
  if (kind == "host") return parser.Host(rest);
  if (kind == "container") return parser.Container(rest);
  if (kind == "external") return parser.External(rest);
  return Fail(parser.Bad(fmt::format("\"{}\" is not a placement", kind)));
}

std::string ToString(const RouterPlacement& p) {
  std::string out(ToString(p.kind));
  out += ':';
  std::vector<std::string> parts;
  if (p.kind == RouterPlacementKind::kContainer) parts.push_back(p.docker_host);
  for (const auto& a : p.addresses) parts.push_back(a.ToString());
  if (p.kind == RouterPlacementKind::kExternal) parts.push_back(std::to_string(p.as));
  // container: the address is said only when it is not the Docker host's own.
  if (p.kind == RouterPlacementKind::kContainer && parts.size() == 2) {
    auto copy = ParseRouterPlacement("container:" + p.docker_host);
    if (copy && copy->addresses == p.addresses) parts.pop_back();
  }
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out;
}

}  // namespace bgpdemo::core
