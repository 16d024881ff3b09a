#include "core/host_network.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/scenario.h"

namespace bgpdemo::core {

namespace {

using bgp::wire::IpAddress;
using nlohmann::json;

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// The last non-blank line of `text`, without iproute2's "RTNETLINK answers: " or "Error: "
// (ip/iproute.c prints the kernel's refusal through perror after the former).
std::string KernelReason(std::string_view text) {
  std::string last;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = Trim(text.substr(start, end - start));
    if (!line.empty()) last = std::move(line);
    start = end + 1;
  }
  for (std::string_view lead : {"RTNETLINK answers: ", "Error: "}) {
    if (last.starts_with(lead)) return last.substr(lead.size());
  }
  return last;
}

Error IpFailed(const std::vector<std::string>& argv, const ProcessResult& r) {
  return CommandError(argv, r, FormatFailure(argv, r));
}

}  // namespace

bgp::wire::Prefix HostAddress::Subnet() const {
  return PrefixOf(address, prefix_length);
}

std::string HostAddress::ToString() const {
  return fmt::format("{}/{} on {}", address.ToString(), prefix_length, interface);
}

Result<std::vector<HostAddress>, std::string> ParseIpAddrJson(std::string_view text) {
  const auto doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_array()) {
    return Fail(std::string("`ip -j addr show` did not print a JSON list"));
  }
  std::vector<HostAddress> out;
  for (const auto& link : doc) {
    if (!link.is_object()) continue;
    const auto ifname = link.value("ifname", std::string());
    const auto infos = link.find("addr_info");
    if (infos == link.end() || !infos->is_array()) continue;
    for (const auto& info : *infos) {
      if (!info.is_object()) continue;
      const auto family = info.value("family", std::string());
      if (family != "inet" && family != "inet6") continue;
      const bool v6 = family == "inet6";
      // IPv6: only addresses a node can reach and the router can bind now. Link-local ones
      // need an interface; iproute2 prints DAD's state as flags (ip/ipaddress.c).
      if (v6 && (info.value("scope", std::string("global")) != "global" ||
                 info.value("tentative", false) || info.value("dadfailed", false) ||
                 info.value("deprecated", false) || info.value("temporary", false))) {
        continue;
      }
      const auto ip = IpAddress::Parse(info.value("local", std::string()));
      const auto len = info.value("prefixlen", -1);
      const int max = v6 ? 128 : 32;
      if (!ip || (ip->afi == bgp::wire::Afi::kIpv6) != v6 || len < 0 || len > max) {
        return Fail(
            fmt::format("`ip -j addr show`: interface {}: an address that is not "
                        "{}/0..{}: {}",
                        ifname, v6 ? "IPv6" : "IPv4", max, info.dump()));
      }
      out.push_back({*ip, static_cast<std::uint8_t>(len), ifname});
    }
  }
  return out;
}

Result<std::vector<HostAddress>, Error> ReadHostAddresses(CommandRunner& runner) {
  const std::vector<std::string> argv{"ip", "-j", "addr", "show"};
  auto r = runner.Run(argv, {.timeout = std::chrono::seconds(10)});
  if (!r) return Fail(r.error());
  if (r->exit_code != 0) return Fail(IpFailed(argv, *r));
  auto parsed = ParseIpAddrJson(r->out);
  if (!parsed) return Fail(Error::Environment(parsed.error()));
  return *parsed;
}

// ss's columns (misc/ss.c): State, Recv-Q, Send-Q, Local Address:Port, Peer Address:Port,
// then with -p `users:(("name",pid=N,fd=M),...)`; the first user names the holder.
std::vector<TcpListener> ParseSsListeners(std::string_view text) {
  std::vector<TcpListener> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(start, end - start);
    start = end + 1;
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size() && fields.size() < 5) {
      const auto b = line.find_first_not_of(" \t", i);
      if (b == std::string_view::npos) break;
      const auto e = line.find_first_of(" \t", b);
      fields.push_back(line.substr(b, e == std::string_view::npos ? e : e - b));
      i = e == std::string_view::npos ? line.size() : e;
    }
    if (fields.size() < 5) continue;
    TcpListener l;
    l.local = std::string(fields[3]);
    const auto users = line.find("users:((\"", i);
    if (users != std::string_view::npos) {
      const auto name_at = users + 9;
      const auto quote = line.find('"', name_at);
      if (quote != std::string_view::npos) {
        l.process = std::string(line.substr(name_at, quote - name_at));
        const auto pid_at = line.find("pid=", quote);
        if (pid_at != std::string_view::npos) {
          int pid = 0;
          for (auto k = pid_at + 4; k < line.size() && line[k] >= '0' && line[k] <= '9'; ++k) {
            pid = pid * 10 + (line[k] - '0');
          }
          l.pid = pid;
        }
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

std::vector<TcpListener> ReadTcpListeners(CommandRunner& runner, std::uint16_t port) {
  auto r = runner.Run({"ss", "-ltnpH", fmt::format("sport = :{}", port)},
                      {.timeout = std::chrono::seconds(10)});
  if (!r || r->exit_code != 0) return {};
  return ParseSsListeners(r->out);
}

RouteLookup ParseRouteGet(const ProcessResult& result) {
  RouteLookup out;
  if (result.exit_code != 0) {
    out.error = KernelReason(result.err.empty() ? result.out : result.err);
    if (out.error.empty()) out.error = fmt::format("ip exited with {}", result.exit_code);
    return out;
  }
  const auto doc = json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_array() || doc.empty() || !doc[0].is_object()) {
    out.error = "ip printed no route";
    return out;
  }
  const auto& route = doc[0];
  out.dev = route.value("dev", std::string());
  out.gateway = route.value("gateway", std::string());
  // A route of another type than unicast (a local address) is no way to a node.
  const auto type = route.value("type", std::string("unicast"));
  if (type != "unicast") {
    out.error = fmt::format("the route is of type {}", type);
    return out;
  }
  out.reachable = true;
  return out;
}

Result<RouteLookup, Error> LookupRoute(CommandRunner& runner, const IpAddress& from,
                                       const IpAddress& to) {
  auto r = runner.Run({"ip", "-j", "route", "get", to.ToString(), "from", from.ToString()},
                      {.timeout = std::chrono::seconds(10)});
  if (!r) return Fail(r.error());
  return ParseRouteGet(*r);
}

int SystemPortBinder::TryBind(const IpAddress& address, std::uint16_t port) {
  const bool v6 = address.afi == bgp::wire::Afi::kIpv6;
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  // As bgp/server/server.cpp's acceptor: a socket in TIME_WAIT does not hold the port.
  const int one = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = 0;
  if (v6) {
    (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(port);
    std::memcpy(sa.sin6_addr.s6_addr, address.bytes.data(), 16);
    rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  } else {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(address.v4());
    rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  }
  const int err = rc == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

}  // namespace bgpdemo::core
