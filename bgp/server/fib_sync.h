// Keeps the kernel FIB equal to the Loc-RIB: every prefix with a best path from a peer is
// installed with its ECMP next hops (rib::Rib::Multipath), replaced when they change and
// removed when the prefix goes (withdrawal, or the peer's session ending).
//
//   Server --ChangeSet--> FibSync::OnChanges --> fib::Fib::Replace / Remove
//
// At start it flushes routes of ours a killed predecessor left; at a clean stop it removes
// all it installed unless told to keep them. Routes this speaker originates are never
// installed (their next hop is the speaker itself), nor next hops of another family than
// the prefix (an IPv6 route with Cilium's ::ffff:a.b.c.d next hop is counted and logged).
#pragma once

#include <map>

#include "bgp/fib/fib.h"
#include "bgp/log.h"
#include "bgp/server/server.h"

namespace bgpdemo::bgp::server {

class FibSync : public RouteObserver {
 public:
  FibSync(fib::Fib& fib, Logger& log) : fib_(fib), log_(log) {}

  // Removes stale routes of ours; returns how many.
  Result<std::size_t, std::string> Start();
  void OnChanges(const rib::Rib& rib, const rib::ChangeSet& changes) override;
  // Removes every route installed (a clean stop) unless keep.
  void Stop(bool keep);

  const std::map<wire::Prefix, fib::Route>& installed() const { return installed_; }
  std::size_t errors() const { return errors_; }
  std::size_t unusable_next_hops() const { return unusable_; }

 private:
  fib::Fib& fib_;
  Logger& log_;
  std::map<wire::Prefix, fib::Route> installed_;
  std::size_t errors_ = 0;
  std::size_t unusable_ = 0;
};

}  // namespace bgpdemo::bgp::server
