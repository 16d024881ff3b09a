#include "core/ui/live.h"

#include <fmt/format.h>

#include "core/event_log.h"

namespace bgpdemo::core::ui {

Live::Live(const Demo& demo, Topology topology, CommandRunner& dot, LiveOptions options,
           Publish publish)
    : demo_(demo),
      topology_(std::move(topology)),
      dot_runner_(dot),
      options_(std::move(options)),
      publish_(std::move(publish)) {}

void Live::Enqueue(std::string node, SpeakerAction action, Done done) {
  Push({node, fmt::format("speaker {}", ToString(action)),
        [this, node, action]() -> Result<std::string, Error> {
          auto r = demo_.Speaker(node, action);
          if (!r) return Fail(r.error());
          return r->text;
        },
        std::move(done)});
}

void Live::Enqueue(Fault fault, bool start, Done done) {
  const std::pair<std::string, std::string> key{std::string(ToString(fault.kind)), fault.node};
  Push({fault.node.empty() ? "router" : fault.node,
        fmt::format("fault {} {}", key.first, start ? "start" : "end"),
        [this, fault, start, key]() -> Result<std::string, Error> {
          auto r = start ? demo_.StartFault(fault) : demo_.EndFault(fault);
          if (!r) return r;
          if (start) {
            faults_.insert(key);
          } else {
            faults_.erase(key);
          }
          return *r + "\n";
        },
        std::move(done)});
}

void Live::Push(Pending p) {
  {
    const std::lock_guard lock(mu_);
    pending_.push_back(std::move(p));
  }
  wake_.notify_all();
}

void Live::RunActions() {
  std::deque<Pending> todo;
  {
    const std::lock_guard lock(mu_);
    todo.swap(pending_);
  }
  for (auto& p : todo) {
    const auto asked = std::chrono::system_clock::now();  // before its effects show
    auto r = p.run();
    const auto time = Timestamp(std::chrono::system_clock::now());
    const DemoEvent event{"action", p.subject, "", p.what, r ? "" : r.error().message()};
    log_.Add(time, event);
    if (!options_.event_log_dir.empty()) {
      (void)AppendEventLog(options_.event_log_dir, {asked, event});
    }
    if (r) {
      p.done(200, r->empty() ? p.what + " " + p.subject + ": done\n" : *r);
      continue;
    }
    const auto kind = r.error().kind();
    p.done(kind == ErrorKind::kUsage || kind == ErrorKind::kInput ? 400 : 500,
           r.error().message() + "\n");
  }
}

void Live::Round() {
  RunActions();
  const auto observed = demo_.Observe();
  auto now = StateOf(topology_, observed);
  const auto time = Timestamp(std::chrono::system_clock::now());
  if (looked_) {
    for (const auto& e : Diff(state_, now)) log_.Add(time, e);
  }
  looked_ = true;
  state_ = std::move(now);

  std::optional<std::string> svg;
  if (auto dot = TopologyDot(topology_, observed, options_.graph); dot != dot_) {
    auto drawn = RenderSvg(dot, dot_runner_);
    if (drawn) {
      svg = std::move(*drawn);
      ++graph_version_;
      graph_error_.clear();
    } else {
      graph_error_ = "the graph: " + drawn.error().message();
    }
    dot_ = std::move(dot);
  }
  auto state = State(topology_, observed, state_, log_,
                     {.provider = demo_.provider(),
                      .time = time,
                      .actions_allowed = options_.allow_actions,
                      .graph_version = graph_version_,
                      .error = graph_error_,
                      .faults = Faults()});
  auto key = state;
  key.erase("time");
  auto text = key.dump();
  const auto at = std::chrono::steady_clock::now();
  if (svg || text != published_ || at - published_at_ >= options_.heartbeat) {
    publish_(state.dump(), std::move(svg));
    published_ = std::move(text);
    published_at_ = at;
  }
}

nlohmann::json Live::Faults() const {
  auto out = nlohmann::json::array();
  for (const auto& [kind, node] : faults_) out.push_back({{"kind", kind}, {"node", node}});
  return out;
}

void Live::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    Round();
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, stop, options_.interval, [this] { return !pending_.empty(); });
  }
}

}  // namespace bgpdemo::core::ui
