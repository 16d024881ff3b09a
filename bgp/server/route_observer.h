// What the Server tells of its Loc-RIB to whoever keeps something beside it: the FIB
// (fib_sync.h), the journal (journal.h).
#pragma once

#include <cstddef>

#include "bgp/rib/rib.h"

namespace bgpdemo::bgp::server {

// Told of every change of the Loc-RIB, after the export has been sent (the FIB), and of
// every item the RIB's Compact moves afterwards (for arrays parallel to its tables).
class RouteObserver {
 public:
  virtual ~RouteObserver() = default;
  virtual void OnChanges(const rib::Rib& rib, const rib::ChangeSet& changes) = 0;
  virtual void OnMove(wire::Afi /*afi*/, std::size_t /*from*/, std::size_t /*to*/) {}
  // A graceful restart of this router ended (Server::BeginRestart): the RIB holds what the
  // peers announced again; what the process before left elsewhere may go now.
  virtual void OnRestartComplete(const rib::Rib& /*rib*/) {}
};

}  // namespace bgpdemo::bgp::server
