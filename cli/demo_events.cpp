// `bgpdemo events`: the running demo's changes as a stream of lines (core/events.h), text for
// people or one JSON object per line for scripts, each with the time a round saw it; with
// --since, the past first (the router's journal and the demo's event log). And
// `--watch` of peers and routes: the same look again and again.
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <ostream>
#include <sstream>
#include <thread>

#include "cli/demo_verbs.h"
#include "cli/exit_codes.h"
#include "core/event_log.h"
#include "core/events.h"

namespace bgpdemo::cli::demo {

using Clock = std::chrono::system_clock;
using core::Timestamp;

namespace {

// When --duration, counted from `start`, ends; never without one.
Clock::time_point Until(const DemoOptions& o, Clock::time_point start) {
  if (o.watch_duration <= 0) return Clock::time_point::max();
  return start + std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double>(o.watch_duration));
}

}  // namespace

int Watch(const DemoOptions& o, std::ostream& out, std::string_view verb,
          const std::function<int(std::ostream&)>& once) {
  const bool terminal = &out == &std::cout && ::isatty(STDOUT_FILENO) != 0;
  const auto interval = std::chrono::duration<double>(o.watch_interval);
  const auto start = Clock::now();
  const auto until = Until(o, start);
  int code = kExitOk;
  for (;;) {
    std::ostringstream look;
    code = once(look);
    if (o.output == "json") {
      out << look.str();
    } else if (terminal) {
      // Home and clear, then the whole table: one write, so that it does not flicker.
      out << fmt::format("\x1b[H\x1b[2Jbgpdemo {} every {}s: {} (Ctrl-C ends it)\n\n{}", verb,
                         o.watch_interval, Timestamp(Clock::now()), look.str());
    } else {
      out << fmt::format("== {} {}\n{}\n", verb, Timestamp(Clock::now()), look.str());
    }
    out.flush();
    const auto next = Clock::now() + std::chrono::duration_cast<Clock::duration>(interval);
    if (next >= until) break;
    std::this_thread::sleep_until(next);
  }
  return code;
}

namespace {

void PrintEvent(bool json, const core::TimedEvent& e, std::ostream& out) {
  if (json) {
    out << e.ToJson().dump() << '\n';
  } else {
    fmt::print(out, "{} {}\n", Timestamp(e.time), e.event.Text());
  }
}

// --since: the router's journal and the demo's event log from `since` on, in time order. A
// journal that cannot be read is said on err, and the log is still shown.
void PrintPast(const core::Demo& d, const core::Topology& t, const std::string& state_dir,
               Clock::time_point since, bool json, std::ostream& out, std::ostream& err) {
  auto past = core::ReadEventLog(state_dir, since);
  if (auto journal = d.RouterJournal(); journal) {
    auto routed = core::JournalEvents(t, *journal, since);
    past.insert(past.end(), routed.begin(), routed.end());
    const auto entries = journal->value("entries", nlohmann::json::array());
    const auto oldest =
        entries.empty() ? std::nullopt : ParseTimestamp(entries[0].value("time", ""));
    if (journal->value("dropped", 0) > 0 && oldest && *oldest > since) {
      fmt::print(err,
                 "bgpdemo events: the router's journal starts at {} (it keeps its last {} "
                 "entries)\n",
                 Timestamp(*oldest), journal->value("capacity", 0));
    }
  } else {
    fmt::print(err, "bgpdemo events: no router history before now: {}\n", journal.error());
  }
  core::SortByTime(past);
  for (const auto& e : past) PrintEvent(json, e, out);
}

}  // namespace

int Events(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  const auto called = Clock::now();
  std::optional<Clock::time_point> since;
  if (!o.events_since.empty()) {
    since = core::ParseSince(o.events_since, called);
    if (!since) {
      return Failed(err, "bgpdemo events",
                    Error::Usage(fmt::format("--since {}: give a duration such as 90s, 10m or 2h, "
                                             "or a time such as 2026-12-04T10:00:00Z",
                                             o.events_since)));
    }
  }
  auto d = MakeProviders(o).OpenDemo();
  if (!d) return Failed(err, "bgpdemo events", d.error());
  const auto topology = (*d)->GetTopology();
  if (!topology) return Failed(err, "bgpdemo events", topology.error());
  // From here on, what other bgpdemo commands log is followed; --since shows what was before.
  core::EventLogFollower logged(StateDir(o));
  const bool json = o.output == "json";
  if (since) PrintPast(**d, *topology, StateDir(o), *since, json, out, err);
  auto state = core::StateOf(*topology, (*d)->Observe());
  std::size_t up = 0;
  for (const auto& [node, s] : state.sessions) up += s == "established" ? 1 : 0;
  const auto start = Clock::now();
  if (json) {
    out << nlohmann::json{{"time", Timestamp(start)},
                          {"kind", "start"},
                          {"provider", (*d)->provider()},
                          {"sessions", state.sessions.size()},
                          {"established", up},
                          {"routes", state.routes.size()},
                          {"kernel_routes", state.kernel.size()}}
               .dump()
        << std::endl;
  } else {
    fmt::print(out,
               "{} watching the {} demo: {} of {} sessions Established, {} routes, {} kernel "
               "routes\n",
               Timestamp(start), (*d)->provider(), up, state.sessions.size(), state.routes.size(),
               state.kernel.size());
    out.flush();
  }
  const auto interval = std::chrono::duration<double>(o.watch_interval);
  const auto until = Until(o, start);
  while (Clock::now() < until) {
    std::this_thread::sleep_for(std::min<Clock::duration>(
        std::chrono::duration_cast<Clock::duration>(interval), until - Clock::now()));
    // A look's changes carry the time it began; what other commands logged meanwhile is
    // merged in by its own time, so that the lines stay in time order.
    const auto at = Clock::now();
    auto now = core::StateOf(*topology, (*d)->Observe());
    auto round = logged.Read();
    for (auto& e : core::Diff(state, now)) round.push_back({at, std::move(e)});
    core::SortByTime(round);
    for (const auto& e : round) PrintEvent(json, e, out);
    out.flush();
    state = std::move(now);
  }
  return kExitOk;
}

}  // namespace bgpdemo::cli::demo
