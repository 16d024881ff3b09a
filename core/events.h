// `bgpdemo events`: what happens in a running demo, as a stream (issue #15). Each round
// observes the demo (core/demo.h) and says how it differs from the round before:
//
//   session  a node's session with the router changed state ("established" -> "active"),
//            with the router's last error as the reason
//   route    a prefix appeared in the router's RIB, or left it, or changed the peers it
//            has paths from
//   fib      a prefix appeared in the router's kernel table, left it, or changed next hops
//   action   a speaker stopped or started, a fault started or ended (from the page, or by
//            another bgpdemo: the demo's event log, core/event_log.h), and why it failed
//   verify   a `bgpdemo verify` that ran, passed or failed, with its counts
//
// `events --since` starts with the past: the router's journal (bgp/server/journal.h: sessions
// up and down with the router's reason, best paths learned, moved and withdrawn, at the time
// they happened) and the demo's event log, merged in time order (JournalEvents, ReadEventLog).
//
// The observation is the providers' own (the same as peers, routes and verify read), so
// events work alike on every provider; their times are when a round saw them, at most one
// interval after they happened. Sources that cannot be read yield no events for that round.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/timestamp.h"
#include "core/demo.h"

namespace bgpdemo::core {

struct DemoEvent {
  std::string kind;     // session, route, fib, action, verify
  std::string subject;  // the node (session) or the prefix (route, fib)
  std::string from;     // the state before ("" when it was not there)
  std::string to;       // the state now ("" when it is gone)
  std::string detail;   // why, or what it is made of (peers, next hops)

  nlohmann::json ToJson() const;  // {"kind","subject","from","to","detail"}
  std::string Text() const;       // "session cilium-worker: established -> active (why)"
  friend bool operator==(const DemoEvent&, const DemoEvent&) = default;
};

// What one round keeps to compare the next with.
struct EventState {
  bool sessions_read = false;
  std::map<std::string, std::string> sessions;  // node -> state
  std::map<std::string, std::string> reasons;   // node -> the router's last error for it
  bool routes_read = false;
  std::map<std::string, std::string> routes;  // prefix -> its paths' peers, joined
  bool kernel_read = false;
  std::map<std::string, std::string> kernel;  // prefix -> next hops, joined
};

// The state of an observation of topology t.
EventState StateOf(const Topology& t, const Observed& o);

// What changed from `before` to `now`; a source unread in either says nothing.
std::vector<DemoEvent> Diff(const EventState& before, const EventState& now);

// When a round saw something, for people and scripts alike: "2026-12-03T23:41:07.123Z".
using ::bgpdemo::Timestamp;

// An event and when it happened (the past of `events --since`).
struct TimedEvent {
  std::chrono::system_clock::time_point time;
  DemoEvent event;
  nlohmann::json ToJson() const;  // DemoEvent::ToJson with "time"
};

// Events in time order; events of the same time keep their order.
void SortByTime(std::vector<TimedEvent>& events);

// The entries of the router's journal (Demo::RouterJournal) at or after `since`, as events:
// a session up or down is its node's (by address; the address where no node has it), a
// route's "to" is the peer its best path is from ("local": the router's own), a batch
// counted is one event whose subject is "N prefixes".
// `events --since`: "90s", "10m", "2h", "1d" (before `now`; a bare number is seconds) or an
// RFC 3339 time ("2026-12-04T10:00:00Z"); nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> ParseSince(
    std::string_view text, std::chrono::system_clock::time_point now);

std::vector<TimedEvent> JournalEvents(const Topology& t, const nlohmann::json& journal,
                                      std::chrono::system_clock::time_point since);

}  // namespace bgpdemo::core
