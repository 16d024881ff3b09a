// The kernel forwarding table as the engine sees it: routes it owns, added, replaced and
// removed. One interface, two implementations: NetlinkFib (rtnetlink, the real one) and
// FakeFib (a map, for tests).
//
// Every route the engine installs carries its own protocol number, kProtocol (197, shown
// by `ip route` as "proto 197"; add `197 bgpdemo` to /etc/iproute2/rt_protos.d/ for a name),
// so it can find and remove exactly its own routes, also those a killed predecessor left.
// Several next hops make one ECMP multipath route.
//
// Changes go in batches (Apply): a Batch is a flat list of operations, replace (with its
// next hops) or remove, applied in order; the result says which items the kernel refused
// and why, while the others take effect. NetlinkFib sends a batch as many messages per
// sendmsg; Replace and Remove are batches of one.
//
// Threading: a Fib is used by one thread at a time (FibWriter's thread in the router);
// a Batch is a value, filled on one thread and handed over whole.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::fib {

// Not in rtnetlink.h or iproute2's rt_protos; but FRR's rt_protos.d/frr.conf names 197
// "openfabric" (FRR's fabricd), so `ip route` shows our routes as "proto openfabric" where
// FRR is installed, and a router beside a running fabricd would flush its routes.
inline constexpr std::uint8_t kProtocol = 197;

struct Route {
  wire::Prefix prefix;
  std::vector<wire::IpAddress> next_hops;  // sorted; more than one: ECMP
  friend bool operator==(const Route&, const Route&) = default;
};

// Operations in order, flat: the next hops of all replaces share one vector, so a batch
// reused after Clear() allocates nothing once it has grown.
class Batch {
 public:
  struct Op {
    wire::Prefix prefix;
    std::uint32_t first_hop = 0;  // into the batch's next hops
    std::uint16_t hop_count = 0;  // 0: remove the prefix
    bool remove() const { return hop_count == 0; }
  };

  // REQUIRES: next_hops not empty (an empty set is a Remove).
  void Replace(const wire::Prefix& prefix, std::span<const wire::IpAddress> next_hops);
  void Remove(const wire::Prefix& prefix);
  void Clear() {
    ops_.clear();
    hops_.clear();
  }

  std::size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  const std::vector<Op>& ops() const { return ops_; }
  std::span<const wire::IpAddress> NextHops(const Op& op) const {
    return {hops_.data() + op.first_hop, op.hop_count};
  }

 private:
  std::vector<Op> ops_;
  std::vector<wire::IpAddress> hops_;
};

// An item of a batch the kernel refused: its index in the batch and the reason
// ("Network is unreachable (Nexthop has invalid gateway)"), without the prefix.
struct ItemError {
  std::size_t index = 0;
  std::string error;
};

class Fib {
 public:
  virtual ~Fib() = default;
  // Applies the batch in order. Items the kernel refuses are appended to errors, the others
  // take effect; removing a route we do not have is no error. Fails as a whole only when
  // the kernel could not be asked (then no item is known to have taken effect).
  virtual Result<void, std::string> Apply(const Batch& batch, std::vector<ItemError>& errors) = 0;
  // Every route of ours in the table.
  virtual Result<std::vector<Route>, std::string> List() = 0;

  // Adds the route, or replaces the one we have for the prefix: a batch of one.
  Result<void, std::string> Replace(const Route& route);
  // Removes our route for the prefix; no error when there is none.
  Result<void, std::string> Remove(const wire::Prefix& prefix);
  // Removes every route of ours (List, then one batch); returns how many.
  virtual Result<std::size_t, std::string> Flush();
};

// A map that behaves like the kernel table, for tests. Can be told to fail one operation
// (FailNext) or every operation on a prefix (FailPrefix). Not thread-safe: a test reads it
// after FibSync::Drain (which orders the writer's changes before it).
class FakeFib : public Fib {
 public:
  Result<void, std::string> Apply(const Batch& batch, std::vector<ItemError>& errors) override;
  Result<std::vector<Route>, std::string> List() override;

  const std::map<wire::Prefix, Route>& routes() const { return routes_; }
  std::size_t operations() const { return operations_; }
  // Batches applied, and the operations each prefix saw (replace or remove).
  std::size_t batches() const { return batches_; }
  std::size_t OperationsOn(const wire::Prefix& p) const {
    const auto it = per_prefix_.find(p);
    return it == per_prefix_.end() ? 0 : it->second;
  }
  void FailNext(std::string why) { fail_ = std::move(why); }
  void FailPrefix(const wire::Prefix& p, std::string why) { fail_prefix_[p] = std::move(why); }

 private:
  std::map<wire::Prefix, Route> routes_;
  std::map<wire::Prefix, std::size_t> per_prefix_;
  std::map<wire::Prefix, std::string> fail_prefix_;
  std::size_t operations_ = 0;
  std::size_t batches_ = 0;
  std::string fail_;
};

}  // namespace bgpdemo::bgp::fib
