// The loop behind `bgpdemo ui` (issue #15). Every interval it looks at the running demo
// (Demo::Observe, the look every verb takes), turns what changed into events
// (core/events.h), draws the graph again when it changed (core/graph.h), and publishes the
// state (core/ui/model.h) to the server (core/ui/server.h), which pushes it to the pages.
//
// Actions the page asks for (speaker stop and start, faults) are queued and run between two looks
// on the loop's thread, since a Demo is used from one thread; each wakes the loop, so that
// its effect shows at once, and is logged among the events, and in the demo's event log
// (core/event_log.h) as the verbs' actions are, for `bgpdemo events`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>

#include "core/command_runner.h"
#include "core/demo.h"
#include "core/events.h"
#include "core/graph.h"
#include "core/ui/model.h"

namespace bgpdemo::core::ui {

struct LiveOptions {
  std::chrono::milliseconds interval{500};
  bool allow_actions = false;
  GraphOptions graph;
  // The state is published when it changed, and at least this often (its time moves on).
  std::chrono::seconds heartbeat{10};
  // The demo's state folder, whose event log gets each action too; empty: none.
  std::string event_log_dir;
};

class Live {
 public:
  // A state (JSON text) and, when the graph changed, its new SVG.
  using Publish = std::function<void(std::string state, std::optional<std::string> svg)>;
  // An action's answer: an HTTP status and a line for people.
  using Done = std::function<void(unsigned status, std::string body)>;

  // `dot` runs Graphviz (core/graph.h RenderSvg). The demo, the runner and the publisher
  // must outlive the loop.
  Live(const Demo& demo, Topology topology, CommandRunner& dot, LiveOptions options,
       Publish publish);

  // The queued actions, then one look; publishes when something changed.
  void Round();
  // Rounds every interval until `stop` is requested; an action wakes it early.
  void Run(std::stop_token stop);
  // Queue an action; any thread. `done` is called on the loop's thread. A fault started
  // stays in the state's "faults" until it is ended.
  void Enqueue(std::string node, SpeakerAction action, Done done);
  void Enqueue(Fault fault, bool start, Done done);

 private:
  struct Pending {
    std::string subject;  // the node, or "router"
    std::string what;     // "speaker stop", "fault link-down start", for the log
    std::function<Result<std::string, Error>()> run;
    Done done;
  };
  void Push(Pending p);  // any thread: queued, and the loop woken
  void RunActions();
  nlohmann::json Faults() const;  // the faults started and not ended

  const Demo& demo_;
  Topology topology_;
  CommandRunner& dot_runner_;
  LiveOptions options_;
  Publish publish_;

  std::mutex mu_;
  std::condition_variable_any wake_;
  std::deque<Pending> pending_;  // guarded by mu_

  bool looked_ = false;  // the rest: the loop's thread only
  EventState state_;
  EventLog log_;
  std::string dot_;
  std::uint64_t graph_version_ = 0;
  std::string graph_error_;
  std::set<std::pair<std::string, std::string>> faults_;  // started: kind, node
  std::string published_;  // the last state published, without its time
  std::chrono::steady_clock::time_point published_at_;
};

}  // namespace bgpdemo::core::ui
