// `bgpdemo events`: the running demo's changes as a stream of lines (core/events.h), text for
// people or one JSON object per line for scripts, each with the time a round saw it. And
// `--watch` of peers and routes: the same look again and again.
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <ostream>
#include <sstream>
#include <thread>

#include "cli/demo_verbs.h"
#include "cli/exit_codes.h"
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

int Events(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto d = MakeProviders(o).OpenDemo();
  if (!d) return Failed(err, "bgpdemo events", d.error());
  const auto topology = (*d)->GetTopology();
  if (!topology) return Failed(err, "bgpdemo events", topology.error());
  auto state = core::StateOf(*topology, (*d)->Observe());
  std::size_t up = 0;
  for (const auto& [node, s] : state.sessions) up += s == "established" ? 1 : 0;
  const bool json = o.output == "json";
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
    auto now = core::StateOf(*topology, (*d)->Observe());
    const auto at = Timestamp(Clock::now());
    for (const auto& e : core::Diff(state, now)) {
      if (json) {
        auto j = e.ToJson();
        j["time"] = at;
        out << j.dump() << '\n';
      } else {
        fmt::print(out, "{} {}\n", at, e.Text());
      }
    }
    out.flush();
    state = std::move(now);
  }
  return kExitOk;
}

}  // namespace bgpdemo::cli::demo
