#include "cli/router_command.h"

#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "bgp/api/control_client.h"
#include "bgp/api/control_server.h"
#include "bgp/fib/netlink_fib.h"
#include "bgp/server/fib_sync.h"
#include "bgp/log.h"
#include "bgp/server/server.h"
#include "cli/exit_codes.h"
#include "core/router_config.h"
#include "core/table.h"

namespace bgpdemo::cli {

using nlohmann::json;

std::string DefaultRouterSocket() {
  if (::geteuid() == 0) return "/run/bgpdemo/router.sock";
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  return fmt::format("{}/bgpdemo-router-{}.sock", runtime && *runtime ? runtime : "/tmp",
                     ::geteuid());
}

CLI::App* AddRouterCommand(CLI::App& app, RouterOptions& o) {
  auto* cmd = app.add_subcommand(
      "router", "Run the BGP route server in the foreground, or query a running one");
  cmd->footer(
      "Examples:\n"
      "  bgpdemo router --config examples/router/demo.yaml\n"
      "  bgpdemo router peers\n"
      "  bgpdemo router routes -o json\n"
      "Signals: SIGTERM/SIGINT send Cease to every peer and exit; SIGHUP reloads the config\n"
      "without dropping sessions whose neighbor did not change. Logs go to stderr, one\n"
      "key=value event per line.");
  cmd->add_option("--config", o.config, "Router configuration (YAML) to run with");
  cmd->add_option("--socket", o.socket, "Control socket path")
      ->default_str(DefaultRouterSocket());
  cmd->add_option("--log-level", o.log_level, "Least severe log level printed")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  o.run = cmd;
  o.peers = cmd->add_subcommand("peers", "Sessions of a running router: state, uptime, routes");
  o.routes = cmd->add_subcommand("routes", "The running router's RIB: best path and why");
  for (auto* sub : {o.peers, o.routes}) {
    sub->add_option("--socket", o.socket, "Control socket path")->default_str(DefaultRouterSocket());
    sub->add_option("-o,--output", o.output, "Output format")
        ->check(CLI::IsMember({"table", "json"}))
        ->capture_default_str();
  }
  return cmd;
}

namespace {

int Serve(const RouterOptions& o, std::ostream& err) {
  if (o.config.empty()) {
    fmt::print(err, "bgpdemo router: --config FILE is required to run the router "
                    "(or use `bgpdemo router peers|routes` to query one)\n");
    return kExitUsage;
  }
  auto config = core::LoadRouterConfig(o.config);
  if (!config) {
    fmt::print(err, "bgpdemo router: {}\n", config.error());
    return kExitInput;
  }
  bgp::LogLevel level = bgp::LogLevel::kInfo;
  bgp::ParseLogLevel(o.log_level, level);
  bgp::StreamLogger log(err, level);
  const std::string socket_path = o.socket.empty() ? DefaultRouterSocket() : o.socket;
  if (const auto slash = socket_path.rfind('/'); slash != std::string::npos && slash > 0) {
    ::mkdir(socket_path.substr(0, slash).c_str(), 0755);  // /run/bgpdemo; fine if it exists
  }

  const bgp::server::FibConfig fib_config = config->fib;
  std::unique_ptr<bgp::fib::NetlinkFib> fib;
  std::unique_ptr<bgp::server::FibSync> fib_sync;
  if (fib_config.install) {
    auto opened = bgp::fib::NetlinkFib::Open(fib_config.table);
    if (!opened) {
      fmt::print(err, "bgpdemo router: kernel routes: {}\n", opened.error());
      return kExitEnvironment;
    }
    fib = std::move(opened).value();
    fib_sync = std::make_unique<bgp::server::FibSync>(*fib, log);
    if (auto r = fib_sync->Start(); !r) {
      fmt::print(err, "bgpdemo router: kernel routes: {} (installing routes needs root or "
                      "CAP_NET_ADMIN)\n",
                 r.error());
      return kExitEnvironment;
    }
  }

  // The RIB's tables grow by doubling into arrays of many MiB. glibc's default raises its
  // mmap threshold to the size of each freed block, so the old arrays of a doubling end up
  // in the heap, where their pages stay resident after free; a fixed threshold keeps large
  // blocks in their own mappings, returned to the kernel when freed (peak RSS at 1M routes
  // 80 -> 69 MiB in tests/bench/route_server_bench.py).
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);

  boost::asio::io_context io;
  bgp::server::Server server(io, std::move(config).value(), log);
  if (fib_sync) server.AddRouteObserver(fib_sync.get());
  bgp::api::ControlServer control(
      io, socket_path,
      [&server, &fib_sync](const json& req) {
        if (req.value("command", "") != "fib") return server.HandleControl(req);
        json routes = json::array();
        if (fib_sync) {
          for (const auto& [prefix, route] : fib_sync->installed()) {
            json hops = json::array();
            for (const auto& nh : route.next_hops) hops.push_back(nh.ToString());
            routes.push_back({{"prefix", prefix.ToString()}, {"next_hops", hops}});
          }
        }
        return bgp::api::OkReply({{"enabled", fib_sync != nullptr},
                                  {"protocol", bgp::fib::kProtocol},
                                  {"routes", routes}});
      },
      log);
  if (auto r = control.Start(); !r) {
    fmt::print(err, "bgpdemo router: {}\n", r.error());
    return kExitEnvironment;
  }
  if (auto r = server.Start(); !r) {
    fmt::print(err, "bgpdemo router: {}\n", r.error());
    return kExitEnvironment;
  }

  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  bool stopping = false;
  std::function<void()> wait_signal;
  wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        auto next = core::LoadRouterConfig(o.config);
        if (!next) {
          log.Error("reload_failed", {{"error", next.error()}, {"kept", "the running config"}});
        } else {
          server.Reload(std::move(next).value());
        }
        wait_signal();
        return;
      }
      log.Info("signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      server.Shutdown("bgpdemo router stopping");
      control.Stop();
      signals.cancel();
      stopping = true;
      io.stop();
    });
  };
  wait_signal();
  io.run();
  if (stopping) {
    // Let the Cease messages leave: run until every connection has written its last bytes
    // and closed (the context runs out of work), for at most 2 s.
    io.restart();
    io.run_for(std::chrono::seconds(2));
  }
  if (fib_sync) fib_sync->Stop(fib_config.keep_on_exit);
  log.Info("exit", {{"status", "0"}});
  return kExitOk;
}

int Query(const RouterOptions& o, const char* command, std::ostream& out, std::ostream& err) {
  const std::string socket_path = o.socket.empty() ? DefaultRouterSocket() : o.socket;
  auto reply = bgp::api::Request(socket_path, {{"command", command}}, std::chrono::seconds(5));
  if (!reply) {
    fmt::print(err, "bgpdemo router {}: {}\n", command, reply.error());
    return kExitEnvironment;
  }
  if (o.output == "json") {
    out << reply->dump(2) << '\n';
    return kExitOk;
  }
  if (std::string(command) == "peers") {
    core::Table t({"Name", "Peer Address", "Local AS", "Peer AS", "State", "Uptime", "Hostname",
                   "Family", "Received", "Accepted", "Advertised", "Info"});
    for (const auto& p : *reply) {
      const bool up = p["state"] == "established";
      std::vector<std::string> row = {
          p["name"].get<std::string>(), p["address"].get<std::string>(),
          std::to_string(p["local_asn"].get<std::uint32_t>()),
          std::to_string(p["peer_asn"].get<std::uint32_t>()), p["state"].get<std::string>(),
          up ? core::Duration(p["uptime_seconds"].get<long long>()) : "-",
          p.value("hostname", std::string()).empty() ? "-" : p["hostname"].get<std::string>()};
      const auto& fams = p["families"];
      const std::string info = up ? "" : p.value("last_error", std::string());
      if (fams.empty()) {
        row.insert(row.end(), {"-", "-", "-", "-", info});
        t.Add(row);
        continue;
      }
      for (std::size_t i = 0; i < fams.size(); ++i) {
        std::vector<std::string> r = i == 0 ? row : std::vector<std::string>(row.size(), "");
        r.insert(r.end(), {fams[i]["family"].get<std::string>(),
                           std::to_string(fams[i]["received"].get<std::size_t>()),
                           std::to_string(fams[i]["accepted"].get<std::size_t>()),
                           std::to_string(fams[i]["advertised"].get<std::size_t>()),
                           i == 0 ? info : ""});
        t.Add(r);
      }
    }
    out << t.Render();
    return kExitOk;
  }
  core::Table t({"Prefix", "Next Hop", "AS Path", "From", "Reason", "Paths"});
  for (const auto& r : *reply) {
    const auto& best = r["best"];
    if (best.is_null()) {
      t.Add({r["prefix"].get<std::string>(), "-", "-", "-", "no usable path",
             std::to_string(r["paths"].size())});
      continue;
    }
    t.Add({r["prefix"].get<std::string>(), best["next_hop"].get<std::string>(),
           best["as_path"].get<std::string>().empty() ? "(local)" : best["as_path"].get<std::string>(),
           best["peer"].get<std::string>(), best["reason"].get<std::string>(),
           std::to_string(r["paths"].size())});
  }
  out << t.Render();
  return kExitOk;
}

}  // namespace

int RunRouter(const RouterOptions& o, std::ostream& out, std::ostream& err) {
  if (o.peers && o.peers->parsed()) return Query(o, "peers", out, err);
  if (o.routes && o.routes->parsed()) return Query(o, "routes", out, err);
  return Serve(o, err);
}

}  // namespace bgpdemo::cli
