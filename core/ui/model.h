// What `bgpdemo ui` shows (issue #15): one JSON object, the page's "state", made after each
// look at the demo from the topology, the observation and the events seen so far. The page
// (core/ui/assets/ui.js) draws it; scripts can read it at /api/state.
//
//   {"provider", "router", "time", "actions_allowed", "graph_version", "error", "faults",
//    "counts": {"sessions", "established", "routes", "kernel_routes", "lb_total", "lb_routed"},
//    "sessions": [{"node", "cluster", "state", "reason", "received", "advertised"}],
//    "events": [{"time", "kind", "subject", "from", "to", "detail", "text"}]}   oldest first
#pragma once

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>

#include "core/demo.h"
#include "core/events.h"

namespace bgpdemo::core::ui {

// The last events, each with the time a look saw it.
class EventLog {
 public:
  explicit EventLog(std::size_t capacity = 50) : capacity_(capacity) {}
  void Add(const std::string& time, const DemoEvent& e);
  nlohmann::json ToJson() const;  // oldest first
  std::size_t size() const { return events_.size(); }

 private:
  std::size_t capacity_;
  std::deque<nlohmann::json> events_;
};

struct StateInfo {
  std::string provider;
  std::string time;  // of the look (core/events.h Timestamp)
  bool actions_allowed = false;
  std::uint64_t graph_version = 0;  // /graph.svg's; the page fetches it again when it changes
  std::string error;                // what could not be read or drawn, for people; "" if all
  nlohmann::json faults = nlohmann::json::array();  // started from the page: [{kind, node}]
};

nlohmann::json State(const Topology& t, const Observed& o, const EventState& s, const EventLog& log,
                     const StateInfo& info);

}  // namespace bgpdemo::core::ui
