// Tests for core/router_daemon: start, stop and status of the route server as a background
// service, with the processes faked (which pid runs what, what a signal does, when the
// socket answers) on FakeRunner's clock; then the real bgpdemo binary started and stopped
// without root (listen.port 0: no BGP port, only the control socket), and with root in a
// fresh network namespace on port 179.
#include "core/router_daemon.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/fake_runner.h"
#include "tests/root_tests_lock.h"

namespace bgpdemo::core {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A state folder under /tmp, removed with everything in it.
struct StateDir {
  std::string path;
  StateDir() {
    char tmpl[] = "/tmp/bgpdemo-rtrd-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
    fs::create_directories(path + "/router");
  }
  ~StateDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string Router(const std::string& file) const { return path + "/router/" + file; }
  void Write(const std::string& file, const std::string& text) const {
    std::ofstream(Router(file)) << text;
  }
  std::string Read(const std::string& file) const {
    std::ifstream f(Router(file));
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }
  bool Has(const std::string& file) const { return fs::exists(Router(file)); }
};

// Processes by pid: their cmdline, whether they answer, what SIGTERM does to them.
class FakeProcesses final : public RouterProcesses {
 public:
  struct Proc {
    std::vector<std::string> argv;
    bool alive = true;
    int answers_after = 0;  // polls of Answers before it answers; -1: never
    bool ignores_term = false;
    bool survives_kill = false;
    std::string prints;  // appended to the log when spawned
    bool dies_at_once = false;
  };
  std::map<pid_t, Proc> procs;
  Proc next;  // what the next Spawn starts
  pid_t next_pid = 4242;
  std::vector<std::vector<std::string>> spawned;
  SpawnOptions spawn_options;
  std::vector<std::pair<pid_t, int>> signals;

  Result<pid_t, std::string> Spawn(const std::vector<std::string>& argv,
                                   const SpawnOptions& options) override {
    spawned.push_back(argv);
    spawn_options = options;
    Proc p = next;
    p.argv = argv;
    if (!p.prints.empty()) std::ofstream(options.log_file, std::ios::app) << p.prints;
    if (p.dies_at_once) p.alive = false;
    procs[next_pid] = p;
    return next_pid++;
  }
  bool Alive(pid_t pid) override { return procs.count(pid) != 0 && procs[pid].alive; }
  std::optional<std::vector<std::string>> Cmdline(pid_t pid) override {
    if (!Alive(pid)) return std::nullopt;
    return procs[pid].argv;
  }
  Result<bool, std::string> Signal(pid_t pid, int signal) override {
    signals.emplace_back(pid, signal);
    if (!Alive(pid)) return false;
    auto& p = procs[pid];
    if (signal == SIGTERM && !p.ignores_term) p.alive = false;
    if (signal == SIGKILL && !p.survives_kill) p.alive = false;
    return true;
  }
  bool Answers(const std::string& socket) override {
    for (auto& [pid, p] : procs) {
      if (!p.alive || p.answers_after < 0) continue;
      if (std::find(p.argv.begin(), p.argv.end(), socket) == p.argv.end()) continue;
      if (p.answers_after == 0) return true;
      --p.answers_after;
    }
    return false;
  }
};

RouterDaemonOptions Options(const StateDir& d) {
  RouterDaemonOptions o;
  o.binary = "/usr/bin/bgpdemo";
  o.state_dir = d.path;
  return o;
}

std::vector<std::string> RouterArgv(const StateDir& d) {
  return {"/usr/bin/bgpdemo",      "router",      "--config", d.Router("router.yaml"), "--socket",
          d.Router("router.sock"), "--log-level", "info"};
}

TEST_CASE("router daemon: paths live in <state>/router, made absolute") {
  const auto p = RouterDaemonPathsIn("/var/lib/demo/");
  CHECK(p.dir == "/var/lib/demo/router");
  CHECK(p.config == "/var/lib/demo/router/router.yaml");
  CHECK(p.socket == "/var/lib/demo/router/router.sock");
  CHECK(p.log == "/var/lib/demo/router/router.log");
  CHECK(p.pid == "/var/lib/demo/router/router.pid");
  CHECK(RouterDaemonPathsIn("state").dir == (fs::current_path() / "state/router").string());
}

TEST_CASE("router daemon: start spawns the router detached and returns once it answers") {
  StateDir d;
  d.Write("router.yaml", "router_id: 10.0.0.1\n");
  FakeRunner clock;
  FakeProcesses procs;
  procs.next.answers_after = 3;
  auto s = StartRouterDaemon(Options(d), clock, procs);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  CHECK(s->running);
  CHECK(s->answers);
  CHECK(s->pid == 4242);
  REQUIRE(procs.spawned.size() == 1);
  CHECK(procs.spawned[0] == RouterArgv(d));
  CHECK(procs.spawn_options.log_file == d.Router("router.log"));
  CHECK(procs.spawn_options.new_session);
  CHECK(procs.spawn_options.netns.empty());
  CHECK(d.Read("router.pid") == "4242\n");
  CHECK(clock.Elapsed() == 150ms);  // three polls of 50 ms

  // Once more: it runs already, nothing is spawned.
  auto again = StartRouterDaemon(Options(d), clock, procs);
  REQUIRE(again);
  CHECK(again->pid == 4242);
  CHECK(procs.spawned.size() == 1);

  auto st = RouterDaemonStatusOf(d.path, procs);
  CHECK(st.running);
  CHECK(st.answers);
  CHECK(st.pid == 4242);
}

TEST_CASE("router daemon: start needs the rendered router.yaml") {
  StateDir d;
  FakeRunner clock;
  FakeProcesses procs;
  auto s = StartRouterDaemon(Options(d), clock, procs);
  REQUIRE_FALSE(s);
  CHECK(s.error().kind() == ErrorKind::kInput);
  CHECK(s.error().message() ==
        d.Router("router.yaml") + ": no route server configuration; render it there first");
  CHECK(procs.spawned.empty());
}

TEST_CASE("router daemon: a pid file naming another program now starts a new router") {
  StateDir d;
  d.Write("router.yaml", "x\n");
  d.Write("router.pid", "777\n");
  FakeRunner clock;
  FakeProcesses procs;
  procs.procs[777] = {.argv = {"/usr/sbin/sshd", "-D"}};
  auto s = StartRouterDaemon(Options(d), clock, procs);
  REQUIRE(s);
  CHECK(s->pid == 4242);
  CHECK(procs.spawned.size() == 1);
  CHECK(procs.signals.empty());
  CHECK(d.Read("router.pid") == "4242\n");
}

TEST_CASE("router daemon: a router that exits at start is an error quoting this run's log") {
  StateDir d;
  d.Write("router.yaml", "x\n");
  d.Write("router.log", "ts=1 level=info event=old_run\n");
  FakeRunner clock;
  FakeProcesses procs;
  procs.next.dies_at_once = true;
  procs.next.prints =
      "bgpdemo router: router.yaml:3:1: unknown key \"lisen\"\n"
      "ts=2 level=error event=listen_failed error=\"bind 172.18.0.250:179: Address in use\"\n";
  auto s = StartRouterDaemon(Options(d), clock, procs);
  REQUIRE_FALSE(s);
  CHECK(s.error().kind() == ErrorKind::kEnvironment);
  CHECK(s.error().message() ==
        "the route server (pid 4242) exited before its control socket " + d.Router("router.sock") +
            " answered; the end of " + d.Router("router.log") +
            ":\n"
            "  bgpdemo router: router.yaml:3:1: unknown key \"lisen\"\n"
            "  ts=2 level=error event=listen_failed error=\"bind 172.18.0.250:179: Address in "
            "use\"\n");
  CHECK_FALSE(d.Has("router.pid"));
}

TEST_CASE("router daemon: a router that never answers is stopped after the ready timeout") {
  StateDir d;
  d.Write("router.yaml", "x\n");
  FakeRunner clock;
  FakeProcesses procs;
  procs.next.answers_after = -1;
  auto s = StartRouterDaemon(Options(d), clock, procs);
  REQUIRE_FALSE(s);
  CHECK(s.error().kind() == ErrorKind::kEnvironment);
  CHECK(s.error().message() == "the route server (pid 4242) did not answer on " +
                                   d.Router("router.sock") + " within 10000 ms; stopped it; " +
                                   d.Router("router.log") + " says nothing");
  CHECK(procs.signals == std::vector<std::pair<pid_t, int>>{{4242, SIGTERM}});
  CHECK(clock.Elapsed() == 10s);
  CHECK_FALSE(procs.Alive(4242));
  CHECK_FALSE(d.Has("router.pid"));
}

TEST_CASE("router daemon: a spawn that fails says what could not start") {
  StateDir d;
  d.Write("router.yaml", "x\n");
  FakeRunner clock;
  class Refusing final : public RouterProcesses {
   public:
    Result<pid_t, std::string> Spawn(const std::vector<std::string>&,
                                     const SpawnOptions&) override {
      return Fail(std::string("/usr/bin/bgpdemo: No such file or directory"));
    }
    bool Alive(pid_t) override { return false; }
    std::optional<std::vector<std::string>> Cmdline(pid_t) override { return std::nullopt; }
    Result<bool, std::string> Signal(pid_t, int) override { return false; }
    bool Answers(const std::string&) override { return false; }
  } procs;
  auto s = StartRouterDaemon(Options(d), clock, procs);
  REQUIRE_FALSE(s);
  CHECK(s.error().kind() == ErrorKind::kEnvironment);
  CHECK(
      s.error().message().starts_with("cannot start the route server `/usr/bin/bgpdemo router "
                                      "--config "));
  CHECK(s.error().message().ends_with(": /usr/bin/bgpdemo: No such file or directory"));
}

TEST_CASE("router daemon: stop sends SIGTERM to our router only, SIGKILL after the grace time") {
  StateDir d;
  FakeRunner clock;
  FakeProcesses procs;
  const auto ours = RouterArgv(d);

  SUBCASE("no pid file: nothing to stop") {
    auto r = StopRouterDaemon(Options(d), clock, procs);
    REQUIRE(r);
    CHECK_FALSE(*r);
  }
  SUBCASE("the pid is gone: nothing to stop, the pid file goes") {
    d.Write("router.pid", "4242\n");
    auto r = StopRouterDaemon(Options(d), clock, procs);
    REQUIRE(r);
    CHECK_FALSE(*r);
    CHECK(procs.signals.empty());
    CHECK_FALSE(d.Has("router.pid"));
  }
  SUBCASE("a reused pid is never signalled") {
    d.Write("router.pid", "4242\n");
    procs.procs[4242] = {.argv = {"/usr/bin/bgpdemo", "router", "--config", "/other/router.yaml"}};
    auto r = StopRouterDaemon(Options(d), clock, procs);
    REQUIRE(r);
    CHECK_FALSE(*r);
    CHECK(procs.signals.empty());
    CHECK(procs.Alive(4242));
    CHECK_FALSE(d.Has("router.pid"));
  }
  SUBCASE("SIGTERM stops it") {
    d.Write("router.pid", "4242\n");
    procs.procs[4242] = {.argv = ours};
    auto r = StopRouterDaemon(Options(d), clock, procs);
    REQUIRE(r);
    CHECK(*r);
    CHECK(procs.signals == std::vector<std::pair<pid_t, int>>{{4242, SIGTERM}});
    CHECK(clock.Elapsed() == 0ms);
    CHECK_FALSE(d.Has("router.pid"));
    CHECK_FALSE(RouterDaemonStatusOf(d.path, procs).running);
  }
  SUBCASE("one that ignores SIGTERM gets SIGKILL after 10 s") {
    d.Write("router.pid", "4242\n");
    d.Write("router.sock", "");
    procs.procs[4242] = {.argv = ours, .ignores_term = true};
    auto r = StopRouterDaemon(Options(d), clock, procs);
    REQUIRE(r);
    CHECK(*r);
    CHECK(procs.signals == std::vector<std::pair<pid_t, int>>{{4242, SIGTERM}, {4242, SIGKILL}});
    CHECK(clock.Elapsed() == 10s);
    CHECK_FALSE(d.Has("router.sock"));
  }
  SUBCASE("one that outlives SIGKILL is an error") {
    d.Write("router.pid", "4242\n");
    procs.procs[4242] = {.argv = ours, .ignores_term = true, .survives_kill = true};
    auto r = StopRouterDaemon(Options(d), clock, procs);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == ErrorKind::kEnvironment);
    CHECK(r.error().message() ==
          "the route server (pid 4242) is still there after SIGTERM, 10000 ms and SIGKILL");
    CHECK(clock.Elapsed() == 12s);
    CHECK(d.Has("router.pid"));
  }
}

TEST_CASE("router daemon: FileTail gives the last non-blank lines, indented") {
  StateDir d;
  d.Write("router.log", "one\n\ntwo\nthree\n  \n");
  CHECK(FileTail(d.Router("router.log"), 2) == "  two\n  three\n");
  CHECK(FileTail(d.Router("router.log"), 10) == "  one\n  two\n  three\n");
  CHECK(FileTail(d.Router("missing.log"), 3).empty());
}

// --- the real binary -------------------------------------------------------------------

// A router that needs no root: no BGP port (listen.port 0), no kernel routes.
constexpr const char* kRootFreeConfig = R"(router_id: 10.0.0.1
local_as: 65000
listen:
  port: 0
fib:
  install: false
)";

TEST_CASE("router daemon (real binary): start, status, stop without root") {
  StateDir d;
  d.Write("router.yaml", kRootFreeConfig);
  SystemRouterProcesses procs;
  RouterDaemonOptions o;
  o.binary = BGPDEMO_BINARY;
  o.state_dir = d.path;
  struct Cleanup {
    RouterDaemonOptions o;
    SystemRouterProcesses& procs;
    ~Cleanup() { (void)StopRouterDaemon(o, DefaultRunner(), procs); }
  } cleanup{o, procs};

  auto s = StartRouterDaemon(o, DefaultRunner(), procs);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  CHECK(s->running);
  const pid_t pid = s->pid;
  CHECK(d.Read("router.pid") == std::to_string(pid) + "\n");
  CHECK(IsOurRouter(procs, pid, s->paths));
  // Its own session and process group, so that our terminal's signals do not reach it.
  CHECK(::getsid(pid) == pid);
  CHECK(::getpgid(pid) == pid);
  auto st = RouterDaemonStatusOf(d.path, procs);
  CHECK(st.running);
  CHECK(st.answers);

  auto stopped = StopRouterDaemon(o, DefaultRunner(), procs);
  REQUIRE_MESSAGE(stopped, (stopped ? "" : stopped.error().message()));
  CHECK(*stopped);
  CHECK_FALSE(ProcessAlive(pid));
  CHECK_FALSE(d.Has("router.pid"));
  CHECK_FALSE(RouterDaemonStatusOf(d.path, procs).running);
  CHECK(d.Read("router.log").find("event=") != std::string::npos);
  auto again = StopRouterDaemon(o, DefaultRunner(), procs);
  REQUIRE(again);
  CHECK_FALSE(*again);
}

TEST_CASE("router daemon (real binary): a bad config exits, and the error quotes its log") {
  StateDir d;
  d.Write("router.yaml", "router_id: 10.0.0.1\nlocal_as: 65000\nlisen: {port: 0}\n");
  SystemRouterProcesses procs;
  RouterDaemonOptions o;
  o.binary = BGPDEMO_BINARY;
  o.state_dir = d.path;
  auto s = StartRouterDaemon(o, DefaultRunner(), procs);
  REQUIRE_FALSE(s);
  INFO(s.error().message());
  CHECK(s.error().kind() == ErrorKind::kEnvironment);
  CHECK(s.error().message().find("exited before its control socket") != std::string::npos);
  CHECK(s.error().message().find("lisen") != std::string::npos);
  CHECK_FALSE(d.Has("router.pid"));
}

// Root only: in a fresh network namespace (deleted at the end, also on failure), the router
// binds 127.0.0.1:179 and installs kernel routes, as it does on a host.
TEST_CASE("router daemon (root, netns): the router listens on 179 in its namespace, then stops") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to create a network namespace and bind port 179");
    return;
  }
  bgpdemo::test::RootTestsLock lock;  // released after netns below is deleted
  const std::string ns = "bgpdt" + std::to_string(::getpid()) + "-rtrd";
  struct Netns {
    std::string name;
    ~Netns() { (void)RunProcess({"ip", "netns", "del", name}); }
  } netns{ns};
  (void)RunProcess({"ip", "netns", "del", ns});
  auto add = RunProcess({"ip", "netns", "add", ns});
  if (!add || add->exit_code != 0) {
    MESSAGE("skipped: ip netns add failed: " << (add ? add->err : add.error()));
    return;
  }
  REQUIRE(RunProcess({"ip", "-n", ns, "link", "set", "lo", "up"})->exit_code == 0);

  StateDir d;
  d.Write("router.yaml",
          "router_id: 10.0.0.1\nlocal_as: 65000\nlisten:\n  addresses: [127.0.0.1]\n  port: 179\n"
          "fib:\n  install: true\n");
  SystemRouterProcesses procs;
  RouterDaemonOptions o;
  o.binary = BGPDEMO_BINARY;
  o.state_dir = d.path;
  o.netns = ns;
  struct Cleanup {
    RouterDaemonOptions o;
    SystemRouterProcesses& procs;
    ~Cleanup() { (void)StopRouterDaemon(o, DefaultRunner(), procs); }
  } cleanup{o, procs};

  auto s = StartRouterDaemon(o, DefaultRunner(), procs);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  auto ss = RunProcess({"ip", "netns", "exec", ns, "ss", "-ltnH", "sport = :179"});
  REQUIRE(ss);
  CHECK(ss->out.find("127.0.0.1:179") != std::string::npos);
  auto stopped = StopRouterDaemon(o, DefaultRunner(), procs);
  REQUIRE(stopped);
  CHECK(*stopped);
  CHECK_FALSE(ProcessAlive(s->pid));
}

}  // namespace
}  // namespace bgpdemo::core
