// `bgpdemo ui`: the live page (core/ui/). The server answers on its own thread; this thread
// runs the loop that looks at the demo and publishes what it sees, until --duration ends or
// the process is interrupted.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <charconv>
#include <chrono>
#include <ostream>
#include <thread>

#include "cli/demo_verbs.h"
#include "cli/exit_codes.h"
#include "core/fault.h"
#include "core/ui/live.h"
#include "core/ui/server.h"

namespace bgpdemo::cli::demo {

int Ui(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  const auto at = core::ui::ParseListenAddress(o.ui_listen);
  if (!at) return Failed(err, "bgpdemo ui", Error::Usage(at.error()));
  auto d = MakeProviders(o).OpenDemo();
  if (!d) return Failed(err, "bgpdemo ui", d.error());
  auto topology = (*d)->GetTopology();
  if (!topology) return Failed(err, "bgpdemo ui", topology.error());
  const auto title = fmt::format("bgpdemo: {} (provider {})", topology->router, (*d)->provider());

  core::ui::Live* live = nullptr;  // set below, before the server runs
  boost::asio::io_context io;
  core::ui::Server::Act act;
  if (o.ui_allow_actions) {
    act = [&live](const std::string& what, const core::ui::Server::Params& p,
                  core::ui::Server::Reply reply) {
      if (what == "speaker") {
        live->Enqueue(
            p.at("node"),
            p.at("action") == "stop" ? core::SpeakerAction::kStop : core::SpeakerAction::kStart,
            std::move(reply));
        return;
      }
      const auto kind = core::ParseFaultKind(p.at("kind"));
      if (!kind) {
        return reply(400,
                     fmt::format("kind: one of {}\n", fmt::join(core::FaultKindNames(), ", ")));
      }
      const auto node = p.count("node") != 0 ? p.at("node") : std::string();
      unsigned loss = 30;
      if (const auto l = p.find("loss"); l != p.end()) {
        const auto [end, ec] =
            std::from_chars(l->second.data(), l->second.data() + l->second.size(), loss);
        if (ec != std::errc() || end != l->second.data() + l->second.size() || loss < 1 ||
            loss > 100) {
          return reply(400, "loss: a percentage, 1 to 100\n");
        }
      }
      if (core::OnRouter(*kind) != node.empty()) {
        return reply(400,
                     "router-restart and router-graceful-restart take no node; the other faults "
                     "need one\n");
      }
      live->Enqueue(core::Fault{*kind, node, loss}, p.at("action") == "start", std::move(reply));
    };
  }
  core::ui::Server server(io, *at, act);
  core::ui::Live loop(
      **d, std::move(*topology), core::DefaultRunner(),
      {.interval = std::chrono::milliseconds(static_cast<int>(o.watch_interval * 1000)),
       .allow_actions = o.ui_allow_actions,
       .graph = {.group_over = o.graph_group_over, .title = title},
       .event_log_dir = StateDir(o)},
      [&server](std::string state, std::optional<std::string> svg) {
        server.Publish(std::move(state), std::move(svg));
      });
  live = &loop;
  if (auto s = server.Start(); !s) {
    return Failed(err, "bgpdemo ui",
                  Error::Environment(fmt::format("--listen {}: {}", o.ui_listen, s.error())));
  }
  loop.Round();  // the page has a state from its first request on
  std::jthread serving([&io] {
    auto guard = boost::asio::make_work_guard(io);
    io.run();
  });
  const auto bound = server.endpoint();
  const auto host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                            : bound.address().to_string();
  if (o.output == "json") {
    out << nlohmann::json{{"url", fmt::format("http://{}:{}/", host, bound.port())},
                          {"actions_allowed", o.ui_allow_actions}}
               .dump()
        << std::endl;
  } else {
    fmt::print(out, "bgpdemo ui: http://{}:{}/ ({}; Ctrl-C ends it)\n", host, bound.port(),
               o.ui_allow_actions ? "with speaker, link and route server buttons" : "read-only");
    out.flush();
  }
  std::stop_source stop;
  std::jthread timer;
  if (o.watch_duration > 0) {
    // The loop ends only when this asks it to.
    timer = std::jthread([&stop, seconds = o.watch_duration] {
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
      stop.request_stop();
    });
  }
  loop.Run(stop.get_token());
  boost::asio::post(io, [&server, &io] {
    server.Stop();
    io.stop();
  });
  serving.join();
  return kExitOk;
}

}  // namespace bgpdemo::cli::demo
