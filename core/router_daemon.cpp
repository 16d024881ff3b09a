#include "core/router_daemon.h"

#include <fmt/format.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/files.h"
#include "core/router_service.h"

namespace bgpdemo::core {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kPoll = 50ms;
constexpr auto kAfterKill = 2s;
constexpr std::size_t kTailLines = 15;

std::optional<pid_t> ReadPid(const std::string& path) {
  std::ifstream f(path);
  long long pid = 0;
  if (!(f >> pid) || pid <= 0 || pid > 0x7fffffff) return std::nullopt;
  return static_cast<pid_t>(pid);
}

std::uintmax_t SizeOf(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

// The last lines of what was appended to `path` from byte `from` on.
std::string TailFrom(const std::string& path, std::uintmax_t from, std::size_t lines) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return "";
  f.seekg(static_cast<std::streamoff>(from));
  std::vector<std::string> all;
  for (std::string line; std::getline(f, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) all.push_back(line);
  }
  std::string out;
  for (auto i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out += "  " + all[i] + "\n";
  }
  return out;
}

std::string LogQuote(const std::string& log, std::uintmax_t from) {
  const auto tail = TailFrom(log, from, kTailLines);
  if (tail.empty()) return fmt::format("; {} says nothing", log);
  return fmt::format("; the end of {}:\n{}", log, tail);
}

void RemoveQuietly(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

// Waits, on `clock`, until `done` holds or `timeout` passes; whether it holds.
template <typename F>
bool WaitUntil(CommandRunner& clock, std::chrono::milliseconds timeout, F done) {
  const auto until = clock.Now() + timeout;
  while (!done()) {
    if (clock.Now() >= until) return false;
    clock.Sleep(kPoll);
  }
  return true;
}

}  // namespace

RouterDaemonPaths RouterDaemonPathsIn(const std::string& state_dir) {
  std::error_code ec;
  auto base = fs::absolute(state_dir, ec);
  if (ec) base = state_dir;
  const auto dir = (base.lexically_normal() / "router").string();
  return {dir, dir + "/router.yaml", dir + "/router.sock", dir + "/router.log",
          dir + "/router.pid"};
}

Result<pid_t, std::string> SystemRouterProcesses::Spawn(const std::vector<std::string>& argv,
                                                        const SpawnOptions& options) {
  return SpawnDetached(argv, options);
}

bool SystemRouterProcesses::Alive(pid_t pid) {
  return ProcessAlive(pid);
}

std::optional<std::vector<std::string>> SystemRouterProcesses::Cmdline(pid_t pid) {
  if (pid <= 0 || !ProcessAlive(pid)) return std::nullopt;
  std::ifstream f(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  if (!f) return std::nullopt;
  const std::string raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (raw.empty()) return std::nullopt;  // a zombie, or a kernel thread
  std::vector<std::string> argv;
  std::size_t start = 0;
  while (start < raw.size()) {
    auto end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    argv.push_back(raw.substr(start, end - start));
    start = end + 1;
  }
  return argv;
}

Result<bool, std::string> SystemRouterProcesses::Signal(pid_t pid, int signal) {
  if (::kill(pid, signal) == 0) return true;
  if (errno == ESRCH) return false;
  return Fail(fmt::format("cannot signal pid {}: {}", pid, std::strerror(errno)));
}

bool SystemRouterProcesses::Answers(const std::string& socket) {
  return static_cast<bool>(QueryRouter(socket, RouterQuery::kPeers, 500ms));
}

namespace {

// Whether a command line is `bgpdemo router ... --config <paths.config>`.
bool IsRouterArgv(const std::vector<std::string>& argv, const RouterDaemonPaths& paths) {
  bool router = false;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "router") router = true;
    if (router && argv[i] == "--config" && i + 1 < argv.size() && argv[i + 1] == paths.config) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool IsOurRouter(RouterProcesses& procs, pid_t pid, const RouterDaemonPaths& paths) {
  if (pid <= 0) return false;
  const auto argv = procs.Cmdline(pid);
  return argv && IsRouterArgv(*argv, paths);
}

RouterDaemonStatus RouterDaemonStatusOf(const std::string& state_dir, RouterProcesses& procs) {
  RouterDaemonStatus s;
  s.paths = RouterDaemonPathsIn(state_dir);
  if (const auto pid = ReadPid(s.paths.pid); pid && IsOurRouter(procs, *pid, s.paths)) {
    s.running = true;
    s.pid = *pid;
    s.answers = procs.Answers(s.paths.socket);
  }
  return s;
}

Result<RouterDaemonStatus, Error> StartRouterDaemon(const RouterDaemonOptions& o,
                                                    CommandRunner& clock, RouterProcesses& procs) {
  RouterDaemonStatus status;
  status.paths = RouterDaemonPathsIn(o.state_dir);
  const auto& p = status.paths;
  std::error_code ec;
  if (!fs::is_regular_file(p.config, ec)) {
    return Fail(Error::Input(
        fmt::format("{}: no route server configuration; render it there first", p.config)));
  }
  if (const auto pid = ReadPid(p.pid); pid && IsOurRouter(procs, *pid, p)) {
    status.running = true;
    status.pid = *pid;
    status.answers = procs.Answers(p.socket);
    return status;
  }

  const std::vector<std::string> argv{o.binary,   "router", "--config",    p.config,
                                      "--socket", p.socket, "--log-level", o.log_level};
  const auto log_start = SizeOf(p.log);  // router.log keeps earlier runs; quote only this one
  SpawnOptions so;
  so.netns = o.netns;
  so.log_file = p.log;
  so.new_session = true;
  auto pid = procs.Spawn(argv, so);
  if (!pid) {
    return Fail(Error::Environment(
        fmt::format("cannot start the route server `{}`: {}", ShellQuote(argv), pid.error())));
  }
  if (auto w = WriteFileAtomic(p.pid, fmt::format("{}\n", *pid)); !w) {
    (void)procs.Signal(*pid, SIGKILL);
    return Fail(w.error());
  }
  status.pid = *pid;

  bool exited = false;
  const bool up = WaitUntil(clock, o.ready_timeout, [&] {
    if (procs.Answers(p.socket)) return true;
    exited = !procs.Alive(*pid);
    return exited;
  });
  if (up && !exited) {
    status.running = true;
    status.answers = true;
    return status;
  }
  if (exited) {
    RemoveQuietly(p.pid);
    return Fail(Error::Environment(
        fmt::format("the route server (pid {}) exited before its control socket {} answered{}",
                    *pid, p.socket, LogQuote(p.log, log_start))));
  }
  auto stopped = StopRouterDaemon(o, clock, procs);
  return Fail(Error::Environment(
      fmt::format("the route server (pid {}) did not answer on {} within {} ms; {}{}", *pid,
                  p.socket, o.ready_timeout.count(),
                  stopped ? "stopped it" : "could not stop it: " + stopped.error().message(),
                  LogQuote(p.log, log_start))));
}

Result<bool, Error> StopRouterDaemon(const RouterDaemonOptions& o, CommandRunner& clock,
                                     RouterProcesses& procs) {
  const auto p = RouterDaemonPathsIn(o.state_dir);
  const auto pid = ReadPid(p.pid);
  if (!pid) return false;
  if (!IsOurRouter(procs, *pid, p)) {
    // Gone, or the pid belongs to another program now: nothing of ours to stop.
    RemoveQuietly(p.pid);
    return false;
  }
  // Gone: exited, or the pid is another program's now. A process that is exiting shows an
  // empty command line (its memory is released before it is reaped, and an ASan build's
  // leak check runs after that): not gone yet.
  const auto gone = [&] {
    if (!procs.Alive(*pid)) return true;  // Alive: not reaped, not a zombie
    // One read of the command line: a second one may find the process mid-exit, and that
    // is not "another program".
    const auto cmdline = procs.Cmdline(*pid);
    if (!cmdline || cmdline->empty()) return false;
    return !IsRouterArgv(*cmdline, p);
  };
  auto sent = procs.Signal(*pid, SIGTERM);
  if (!sent) return Fail(Error::Environment(sent.error()));
  if (*sent && !WaitUntil(clock, o.stop_timeout, gone)) {
    auto killed = procs.Signal(*pid, SIGKILL);
    if (!killed) return Fail(Error::Environment(killed.error()));
    if (!WaitUntil(clock, kAfterKill, gone)) {
      return Fail(Error::Environment(
          fmt::format("the route server (pid {}) is still there after SIGTERM, {} ms and SIGKILL",
                      *pid, o.stop_timeout.count())));
    }
    RemoveQuietly(p.socket);  // a killed router leaves its socket file
  }
  RemoveQuietly(p.pid);
  return true;
}

std::string FileTail(const std::string& path, std::size_t lines) {
  return TailFrom(path, 0, lines);
}

}  // namespace bgpdemo::core
