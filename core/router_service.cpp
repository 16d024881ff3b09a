#include "core/router_service.h"

#include <fmt/format.h>
#include <linux/capability.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>

#include "bgp/api/control_client.h"
#include "bgp/api/control_server.h"
#include "bgp/api/metrics.h"
#include "bgp/api/metrics_server.h"
#include "bgp/api/server_api.h"
#include "bgp/fib/netlink_fib.h"
#include "bgp/log.h"
#include "bgp/server/fib_sync.h"
#include "bgp/server/server.h"
#include "core/router_config.h"
#include "core/router_restart.h"

namespace bgpdemo::core {

namespace {

// The kernel FIB and what keeps it equal to the Loc-RIB, when the config asks for it.
struct Fib {
  std::unique_ptr<bgp::fib::NetlinkFib> netlink;
  std::unique_ptr<bgp::server::FibSync> sync;
};

// Whether this process may change routing tables: CAP_NET_ADMIN in its effective set, from
// /proc/self/status. Without it every install would fail later, one route at a time.
bool MayChangeRoutes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    char* end = nullptr;
    const unsigned long long mask = std::strtoull(line.c_str() + 7, &end, 16);
    if (end == line.c_str() + 7) break;
    return ((mask >> CAP_NET_ADMIN) & 1) != 0;
  }
  return true;  // cannot tell: let the kernel say
}

Result<Fib, Error> OpenFib(const bgp::server::FibConfig& config, bool adopt, bgp::Logger& log) {
  Fib fib;
  if (!config.install) return fib;
  if (!MayChangeRoutes()) {
    return Fail(Error::Environment(
        "kernel routes: fib.install is set, and installing routes needs root or CAP_NET_ADMIN"));
  }
  auto opened = bgp::fib::NetlinkFib::Open(config.table);
  if (!opened) return Fail(Error::Environment(fmt::format("kernel routes: {}", opened.error())));
  fib.netlink = std::move(opened).value();
  fib.sync = std::make_unique<bgp::server::FibSync>(*fib.netlink, log);
  using Predecessor = bgp::server::FibSync::Predecessor;
  if (auto r = fib.sync->Start(adopt ? Predecessor::kAdopt : Predecessor::kFlush); !r) {
    return Fail(Error::Environment(fmt::format(
        "kernel routes: {} (installing routes needs root or CAP_NET_ADMIN)", r.error())));
  }
  return fib;
}

// The metrics of `server` (and of its FIB when it programs one), now.
std::string Metrics(const bgp::server::Server& server, const bgp::server::FibSync* fib,
                    const std::string& version) {
  const auto peers = server.Peers();
  bgp::api::MetricsInput in;
  in.version = version;
  in.peers = peers;
  in.rib_prefixes = {server.rib().PrefixCount(bgp::wire::kIpv4Unicast),
                     server.rib().PrefixCount(bgp::wire::kIpv6Unicast)};
  in.rib_memory_bytes = server.rib().MemoryBytes();
  if (fib) {
    in.fib = bgp::api::FibCounters{fib->written(), fib->pending(), fib->errors(),
                                   fib->unusable_next_hops()};
  }
  in.process = bgp::api::ReadProcessFacts();
  return bgp::api::MetricsText(in);
}

// Runs io until SIGTERM or SIGINT; SIGHUP reloads the config file into the server, as the
// control socket's `reload` does.
void RunUntilSignal(boost::asio::io_context& io, bgp::server::Server& server,
                    bgp::api::ControlServer& control, const bgp::api::ConfigLoader& load,
                    bgp::Logger& log) {
  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  bool stopping = false;
  std::function<void()> wait_signal;
  wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        log.Info("signal", {{"signal", "SIGHUP"}, {"action", "reload"}});
        (void)bgp::api::ReloadJson(server, load);  // logs what it did, or reload_failed
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
}

}  // namespace

std::string DefaultRouterSocket() {
  if (::geteuid() == 0) return "/run/bgpdemo/router.sock";
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  return fmt::format("{}/bgpdemo-router-{}.sock", runtime && *runtime ? runtime : "/tmp",
                     ::geteuid());
}

namespace {

// RunRouterService until it stops: nullopt, or the plan to exec the next image with (a
// graceful restart).
Result<std::optional<std::string>, Error> Serve(const RouterServiceOptions& options,
                                                std::ostream& log_out) {
  if (options.config_path.empty()) {
    return Fail(Error::Usage("a router config file is required to run the router"));
  }
  bgp::LogLevel level = bgp::LogLevel::kInfo;
  if (!bgp::ParseLogLevel(options.log_level, level)) {
    return Fail(Error::Usage(
        fmt::format("log level \"{}\" is none of debug, info, warn, error", options.log_level)));
  }
  std::optional<boost::asio::ip::tcp::endpoint> metrics_at;
  if (!options.metrics_address.empty()) {
    auto at = bgp::api::ParseListenAddress(options.metrics_address);
    if (!at) return Fail(Error::Usage(at.error()));
    metrics_at = *at;
  }
  auto config = LoadRouterConfig(options.config_path);
  if (!config) return Fail(Error::Input(config.error()));
  bgp::StreamLogger log(log_out, level);
  const std::string socket_path =
      options.socket_path.empty() ? DefaultRouterSocket() : options.socket_path;
  if (const auto slash = socket_path.rfind('/'); slash != std::string::npos && slash > 0) {
    ::mkdir(socket_path.substr(0, slash).c_str(), 0755);  // /run/bgpdemo; fine if it exists
  }

  // The process before this one handed over a graceful restart (core/router_restart.h).
  std::optional<bgp::server::RestartPlan> plan =
      TakeRestartPlan(std::chrono::seconds(config->restart_time));
  if (plan && !config->graceful_restart) {
    log.Warn("restart_plan_ignored", {{"reason", "graceful_restart is off in the config"}});
    plan.reset();
  }
  const bgp::server::FibConfig fib_config = config->fib;
  auto fib = OpenFib(fib_config, plan.has_value(), log);
  if (!fib) return Fail(std::move(fib).error());

  // The RIB's tables grow by doubling into arrays of many MiB. glibc's default raises its
  // mmap threshold to the size of each freed block, so the old arrays of a doubling end up
  // in the heap, where their pages stay resident after free; a fixed threshold keeps large
  // blocks in their own mappings, returned to the kernel when freed (peak RSS at 1M routes
  // 80 -> 69 MiB in tests/bench/route_server_bench.py).
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  // A fixed threshold also fixes the heap's trim threshold at 128 KiB: the buffers of every
  // export (the prefixes of a batch by attribute set, the packed UPDATEs: ~100 KiB for a
  // 16 KiB read of a full table) went back to the kernel after each batch and were faulted
  // in again by the next, ~8,000 page faults of ~10 us on this VM over 1,000,000 routes.
  // Up to 16 MiB of free heap stays mapped.
  mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);

  boost::asio::io_context io;
  bgp::server::Server server(io, std::move(config).value(), log);
  if (fib->sync) {
    fib->sync->SetExecutor(io.get_executor());  // where the FIB writer asks for more
    server.AddRouteObserver(fib->sync.get());
  }
  // The file read again: a refused one is logged here (the reply carries it too), and the
  // running config stays.
  const bgp::api::ConfigLoader load = [&options, &log]() {
    auto next = LoadRouterConfig(options.config_path);
    if (!next)
      log.Error("reload_failed", {{"error", next.error()}, {"kept", "the running config"}});
    return next;
  };
  // A graceful restart: answer, stop ~100 ms later (the answer leaves first), exec again.
  bool restart = false;
  std::string restart_token;
  boost::asio::steady_timer restart_timer(io);
  const auto restart_hook = [&](const nlohmann::json& request) -> nlohmann::json {
    if (!server.config().graceful_restart) {
      return bgp::api::ErrorReply(
          fmt::format("graceful_restart is off in {}: a restart would take every route away; set "
                      "graceful_restart: true (and reload), or stop and start the router",
                      options.config_path));
    }
    if (restart) return bgp::api::ErrorReply("a restart is already under way");
    restart = true;
    restart_token = request.value("token", "");
    const std::size_t peers = server.GracefulPeers().size();
    log.Info("restart_requested", {{"peers", std::to_string(peers)}});
    restart_timer.expires_after(std::chrono::milliseconds(100));
    restart_timer.async_wait([&io](const boost::system::error_code& ec) {
      if (!ec) io.stop();
    });
    return bgp::api::OkReply({{"pid", ::getpid()},
                              {"peers", peers},
                              {"kernel_routes", fib->sync ? fib->sync->written() : 0}});
  };
  bgp::api::ControlServer control(
      io, socket_path, bgp::api::ServerHandler(server, fib->sync.get(), {load, restart_hook}), log);
  if (auto r = control.Start(); !r) return Fail(Error::Environment(r.error()));
  std::unique_ptr<bgp::api::MetricsServer> metrics;
  if (metrics_at) {
    metrics = std::make_unique<bgp::api::MetricsServer>(
        io, *metrics_at,
        [&server, sync = fib->sync.get(), version = options.version] {
          return Metrics(server, sync, version);
        },
        log);
    if (auto r = metrics->Start(); !r) return Fail(Error::Environment(r.error()));
  }
  if (plan) server.BeginRestart(std::move(*plan));
  if (auto r = server.Start(); !r) return Fail(Error::Environment(r.error()));

  RunUntilSignal(io, server, control, load, log);
  if (restart) {
    // No Cease: the helpers keep our routes (RFC 4724 §4.2); the kernel keeps them too.
    bgp::server::RestartPlan next;
    next.peers = server.GracefulPeers();
    next.token = restart_token;
    if (fib->sync) fib->sync->Stop(true);
    log.Info("restart_exec", {{"peers", std::to_string(next.peers.size())}});
    return std::optional<std::string>(EncodeRestartPlan(next));
  }
  if (fib->sync) fib->sync->Stop(fib_config.keep_on_exit);
  log.Info("exit", {{"status", "0"}});
  return std::optional<std::string>();
}

}  // namespace

Result<void, Error> RunRouterService(const RouterServiceOptions& options, std::ostream& log_out) {
  auto served = Serve(options, log_out);  // every socket, timer and route table closed after
  if (!served) return Fail(std::move(served).error());
  if (!served->has_value()) return {};
  log_out.flush();
  auto r = ExecSelf({{kRestartPlanEnv, **served}});
  return Fail(Error::Environment(fmt::format("graceful restart: {}", r.error())));
}

std::string_view ToString(RouterQuery query) {
  switch (query) {
    case RouterQuery::kPeers:
      return "peers";
    case RouterQuery::kRoutes:
      return "routes";
    case RouterQuery::kJournal:
      return "journal";
  }
  return "?";
}

Result<nlohmann::json, Error> ReloadRouter(const std::string& socket_path,
                                           std::chrono::milliseconds timeout) {
  auto reply = bgp::api::Request(socket_path, {{"command", "reload"}}, timeout);
  if (!reply) return Fail(Error::Environment(std::move(reply).error()));
  if (!reply->value("reloaded", false)) {
    return Fail(Error::Input(fmt::format("{} (the router keeps its running config)",
                                         reply->value("error", std::string("refused")))));
  }
  return std::move(reply).value();
}

Result<nlohmann::json, Error> QueryRouter(const std::string& socket_path, RouterQuery query,
                                          std::chrono::milliseconds timeout) {
  auto reply = bgp::api::Request(socket_path, {{"command", ToString(query)}}, timeout);
  if (!reply) return Fail(Error::Environment(std::move(reply).error()));
  return std::move(reply).value();
}

}  // namespace bgpdemo::core
