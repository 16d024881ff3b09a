// The router's recent history, for whoever asks later what happened (`bgpdemo events
// --since`, through the control socket's "journal"): sessions that came up or went down,
// with the reason, and prefixes whose best path appeared, moved or went, each with its time,
// the last kCapacity of them in order.
//
// Kept as values (addresses, prefixes; a reason is the one string), formatted only when
// read, so that keeping it costs the engine a clock read per batch and a copy per change. A
// batch of more than kDetail changes is one entry that counts them: a full table from a peer
// is a line, not a million, and does not push the sessions out of the journal.
//
// Threading: the Server writes on its engine thread; After may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bgp/rib/rib.h"
#include "bgp/server/route_observer.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::server {

class Journal : public RouteObserver {
 public:
  static constexpr std::size_t kCapacity = 4096;
  static constexpr std::size_t kDetail = 32;

  enum class Kind : std::uint8_t {
    kSessionUp,    // peer; detail: its hostname
    kSessionDown,  // peer; detail: why (Server's last error for the session)
    kRoute,        // prefix, best via peer (unset: originated here), count: its ECMP paths
    kWithdrawn,    // prefix: no route any more
    kRoutes,       // count prefixes changed at once (kDetail or more); peer: where from, if one
  };
  struct Entry {
    std::uint64_t seq = 0;  // from 1, one more per entry
    std::chrono::system_clock::time_point time;
    Kind kind = Kind::kRoute;
    wire::IpAddress peer;
    wire::Prefix prefix;
    std::size_t count = 0;  // kRoute: its ECMP paths (1: the best alone); kRoutes: prefixes
    std::string detail;
  };

  void SessionUp(const wire::IpAddress& peer, std::string hostname);
  void SessionDown(const wire::IpAddress& peer, std::string reason);
  void OnChanges(const rib::Rib& rib, const rib::ChangeSet& changes) override;

  // The entries after seq `after` (0: every one kept), oldest first. `dropped` is how many
  // of those are gone already, pushed out by newer ones.
  std::vector<Entry> After(std::uint64_t after, std::uint64_t* dropped = nullptr) const;

 private:
  void Add(Entry e);

  mutable std::mutex mu_;
  std::deque<Entry> entries_;
  std::uint64_t next_ = 1;
};

std::string_view ToString(Journal::Kind kind);  // "session_up", "route", ...

}  // namespace bgpdemo::bgp::server
