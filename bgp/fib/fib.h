// The kernel forwarding table as the engine sees it: routes it owns, added, replaced and
// removed. One interface, two implementations: NetlinkFib (rtnetlink, the real one) and
// FakeFib (a map, for tests).
//
// Every route the engine installs carries its own protocol number, kProtocol (197, shown
// by `ip route` as "proto 197"; add `197 bgpdemo` to /etc/iproute2/rt_protos.d/ for a name),
// so it can find and remove exactly its own routes, also those a killed predecessor left.
// Several next hops make one ECMP multipath route.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::fib {

inline constexpr std::uint8_t kProtocol = 197;  // not registered in rtnetlink.h or rt_protos

struct Route {
  wire::Prefix prefix;
  std::vector<wire::IpAddress> next_hops;  // sorted; more than one: ECMP
  friend bool operator==(const Route&, const Route&) = default;
};

class Fib {
 public:
  virtual ~Fib() = default;
  // Adds the route, or replaces the one we have for the prefix.
  virtual Result<void, std::string> Replace(const Route& route) = 0;
  // Removes our route for the prefix; no error when there is none.
  virtual Result<void, std::string> Remove(const wire::Prefix& prefix) = 0;
  // Every route of ours in the table.
  virtual Result<std::vector<Route>, std::string> List() = 0;
  // Removes every route of ours; returns how many.
  Result<std::size_t, std::string> Flush();
};

// A map that behaves like the kernel table, for tests. Can be told to fail.
class FakeFib : public Fib {
 public:
  Result<void, std::string> Replace(const Route& route) override;
  Result<void, std::string> Remove(const wire::Prefix& prefix) override;
  Result<std::vector<Route>, std::string> List() override;

  const std::map<wire::Prefix, Route>& routes() const { return routes_; }
  std::size_t operations() const { return operations_; }
  void FailNext(std::string why) { fail_ = std::move(why); }

 private:
  std::map<wire::Prefix, Route> routes_;
  std::size_t operations_ = 0;
  std::string fail_;
};

}  // namespace bgpdemo::bgp::fib
