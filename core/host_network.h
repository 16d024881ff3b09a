// What this machine's network says about running the route server on it: its IPv4 and
// global IPv6 addresses, whether TCP port 179 can be bound on one and who holds it, and the
// kernel's route from one of its addresses to a node.
//
//   ip -j addr show                 --ParseIpAddrJson-->  HostAddress (address/len, interface)
//   bind(ADDR:179) (PortBinder)     --> 0 or errno;  ss -ltnpH 'sport = :179' --ParseSs-->
//                                       TcpListener (who holds it)
//   ip -j route get NODE from ADDR  --ParseRouteGet-->   RouteLookup (dev, gateway, or the
//                                                         kernel's refusal)
//
// The programs run through a CommandRunner and the bind behind PortBinder, so that the
// checks built on them (core/host_router_check.h) are tested with fakes; the parsers are
// pure and tested on captured output of iproute2 6.1.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "bgp/wire/prefix.h"
#include "core/command_runner.h"

namespace bgpdemo::core {

// One address of this machine: IPv4, or IPv6 of global scope (ULA included) that DAD has
// passed.
struct HostAddress {
  bgp::wire::IpAddress address;
  std::uint8_t prefix_length = 32;
  std::string interface;  // "eth0", "br-3f1c2a"

  // The subnet the address is on: 172.18.0.250/16 -> 172.18.0.0/16, fc00::fa/64 -> fc00::/64.
  bgp::wire::Prefix Subnet() const;
  // "172.18.0.250/16 on br-3f1c2a"
  std::string ToString() const;

  friend bool operator==(const HostAddress&, const HostAddress&) = default;
};

// `ip -j addr show`: every IPv4 address and every global IPv6 one that is neither tentative,
// failed DAD, deprecated nor temporary, in the kernel's order. Errors: not the JSON iproute2
// prints.
Result<std::vector<HostAddress>, std::string> ParseIpAddrJson(std::string_view json);
// Runs it. Errors: ip missing (kEnvironment) or failing (kCommand).
Result<std::vector<HostAddress>, Error> ReadHostAddresses(CommandRunner& runner);

// A listening TCP socket as `ss -ltnpH` shows it.
struct TcpListener {
  std::string local;    // "127.0.0.1:179", "*:179", "0.0.0.0:179"
  std::string process;  // "bird"; empty when ss may not see it (another user's, no root)
  int pid = 0;

  friend bool operator==(const TcpListener&, const TcpListener&) = default;
};

// The lines of `ss -ltnpH` (no header): State Recv-Q Send-Q Local Peer [users:((...))].
std::vector<TcpListener> ParseSsListeners(std::string_view text);
// `ss -ltnpH 'sport = :PORT'`; empty when there is none or ss is missing or fails (it only
// names a holder for a message, so its failure is no error).
std::vector<TcpListener> ReadTcpListeners(CommandRunner& runner, std::uint16_t port);

// The kernel's answer to `ip -j route get NODE from ADDR`.
struct RouteLookup {
  bool reachable = false;
  std::string dev;      // the interface it leaves by
  std::string gateway;  // empty: on-link, ADDR's machine reaches the node directly
  std::string error;    // not reachable: the kernel's reason ("Network is unreachable")

  bool OnLink() const { return reachable && gateway.empty(); }
  friend bool operator==(const RouteLookup&, const RouteLookup&) = default;
};

// From ip's exit code and output: exit 0 with a route object, or the RTNETLINK error.
RouteLookup ParseRouteGet(const ProcessResult& result);
// Runs it. Errors: ip missing (kEnvironment); a refusal is a RouteLookup.
Result<RouteLookup, Error> LookupRoute(CommandRunner& runner, const bgp::wire::IpAddress& from,
                                       const bgp::wire::IpAddress& to);

// Tries to bind a TCP socket, as the router will (SO_REUSEADDR), and closes it at once.
// Implementations are safe from any thread.
class PortBinder {
 public:
  virtual ~PortBinder() = default;
  // 0 when ADDR:port could be bound, else the errno (EADDRINUSE, EACCES, EADDRNOTAVAIL...).
  virtual int TryBind(const bgp::wire::IpAddress& address, std::uint16_t port) = 0;
};

// The real socket().
class SystemPortBinder final : public PortBinder {
 public:
  int TryBind(const bgp::wire::IpAddress& address, std::uint16_t port) override;
};

}  // namespace bgpdemo::core
