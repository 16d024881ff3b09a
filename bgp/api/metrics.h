// The route server's metrics in Prometheus' text exposition format (version 0.0.4), for
// `bgpdemo router --metrics ADDR:PORT` (bgp/api/metrics_server.h serves them over HTTP).
//
//   bgpdemo_build_info{version}                          1
//   bgpdemo_bgp_sessions{state}                          peers in each FSM state (all six)
//   bgpdemo_bgp_peer_up{peer,name,peer_asn}              1 when Established
//   bgpdemo_bgp_peer_uptime_seconds{peer}                since Established (0 otherwise)
//   bgpdemo_bgp_peer_{received,sent}_messages_total{peer}
//   bgpdemo_bgp_peer_{received,sent}_updates_total{peer}
//   bgpdemo_bgp_peer_prefixes_{received,accepted,advertised}{peer,family}
//                                                        as `router peers` counts them
//   bgpdemo_rib_prefixes{family}, bgpdemo_rib_memory_bytes
//   bgpdemo_fib_routes, bgpdemo_fib_pending_changes, bgpdemo_fib_errors_total,
//   bgpdemo_fib_unusable_next_hops                      only when the router programs the
//                                                        kernel
//   process_resident_memory_bytes, process_virtual_memory_bytes,
//   process_start_time_seconds, process_open_fds         the names Prometheus' client
//                                                        libraries use
//
// Names follow Prometheus' conventions: base units in the name (_seconds, _bytes), _total
// for counters. A peer's counters start again from 0 when its session does; rate() copes.
// The per-peer values are those of `bgpdemo router peers -o json` (bgp/api/server_api.h),
// taken from the same snapshot.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "bgp/server/snapshot.h"

namespace bgpdemo::bgp::api {

// The process as /proc/self shows it; zeros where it cannot be read.
struct ProcessFacts {
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  double start_time_seconds = 0;  // since the Unix epoch
  std::uint64_t open_fds = 0;
  std::size_t timers = 0;  // session::AsioClock::LiveTimers()
};
ProcessFacts ReadProcessFacts();

// The kernel FIB's counters (bgp/server/fib_sync.h), when the router programs it.
struct FibCounters {
  std::size_t routes = 0;  // written and not removed since
  std::size_t pending = 0;
  std::size_t errors = 0;
  std::size_t unusable_next_hops = 0;
};

struct MetricsInput {
  std::string version;
  std::span<const server::PeerSnapshot> peers;
  std::array<std::size_t, 2> rib_prefixes{};  // IPv4 unicast, IPv6 unicast
  std::size_t rib_memory_bytes = 0;
  std::optional<FibCounters> fib;
  ProcessFacts process;
};

// Every metric above, each with its # HELP and # TYPE lines, ending in a newline.
std::string MetricsText(const MetricsInput& in);

// A label value as the text format writes it: \, " and newline escaped.
std::string EscapeLabelValue(std::string_view value);

}  // namespace bgpdemo::bgp::api
