// Tests for core/process: running, capturing, timeouts, start failures, detached daemons,
// stopping them, and the messages people see. Uses /bin/sh, cat and sleep as test programs
// (the runner itself never uses a shell).
#include "core/process.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace bgpdemo::core;
using namespace std::chrono_literals;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A temporary file name, removed on scope exit.
struct TempPath {
  std::string path = fmt::format("/tmp/bgpdemo-process-test-{}-{}", ::getpid(), counter++);
  ~TempPath() { std::filesystem::remove(path); }
  static inline int counter = 0;
};

}  // namespace

TEST_CASE("process: RunProcess captures stdout, stderr and the exit code") {
  auto r = RunProcess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  REQUIRE(r);
  CHECK(r->exit_code == 3);
  CHECK(r->signal == 0);
  CHECK(r->out == "out\n");
  CHECK(r->err == "err\n");
  CHECK_FALSE(r->timed_out);
  CHECK(r->seconds >= 0);
  CHECK(r->seconds < 5);
}

TEST_CASE("process: RunProcess feeds stdin_text and adds environment variables") {
  std::string big(300000, 'x');  // more than a pipe holds: writing and reading interleave
  auto r = RunProcess({"cat"}, {.stdin_text = big});
  REQUIRE(r);
  CHECK(r->exit_code == 0);
  CHECK(r->out == big);

  auto e = RunProcess({"sh", "-c", "echo \"$BGPDEMO_A:$HOME_SET\""},
                      {.env_add = {{"BGPDEMO_A", "a b"}, {"HOME_SET", "1"}}});
  REQUIRE(e);
  CHECK(e->out == "a b:1\n");
}

TEST_CASE("process: a child that exits without reading its stdin does not kill us") {
  auto r = RunProcess({"true"}, {.stdin_text = std::string(1 << 20, 'y')});
  REQUIRE(r);
  CHECK(r->exit_code == 0);
}

TEST_CASE("process: timeout kills the child and says so") {
  auto r = RunProcess({"sleep", "10"}, {.timeout = 200ms});
  REQUIRE(r);
  CHECK(r->timed_out);
  CHECK(r->exit_code == 128 + SIGKILL);
  CHECK(r->seconds < 5);
  CHECK(
      FormatFailure({"sleep", "10"}, *r).find("`sleep 10` timed out after 0.2 s and was killed") ==
      0);
}

TEST_CASE("process: a grandchild holding the output pipes open does not hold RunProcess up") {
  auto r = RunProcess({"sh", "-c", "sleep 5 & echo started"}, {.timeout = 3000ms});
  REQUIRE(r);
  CHECK_FALSE(r->timed_out);
  CHECK(r->out == "started\n");
  CHECK(r->seconds < 2);
}

TEST_CASE("process: a signal is 128 + its number") {
  auto r = RunProcess({"sh", "-c", "kill -TERM $$"});
  REQUIRE(r);
  CHECK(r->exit_code == 128 + SIGTERM);
  CHECK(r->signal == SIGTERM);
  CHECK(FormatFailure({"sh", "-c", "kill -TERM $$"}, *r) ==
        "`sh -c 'kill -TERM $$'` was killed by SIGTERM");
}

TEST_CASE("process: could not start is an error naming the program and why") {
  auto r = RunProcess({"bgpdemo-no-such-program"});
  REQUIRE_FALSE(r);
  CHECK(r.error() == "bgpdemo-no-such-program: not found in PATH");

  auto p = RunProcess({"/nonexistent/ip"});
  REQUIRE_FALSE(p);
  CHECK(p.error() == "/nonexistent/ip: not an executable file");

  auto e = RunProcess({});
  REQUIRE_FALSE(e);
  CHECK(e.error() == "no program to run (empty argv)");

  auto n = RunProcess({"true"}, {.netns = "bgpdemo-no-such-netns"});
  REQUIRE_FALSE(n);
  CHECK(n.error() ==
        "true: netns bgpdemo-no-such-netns: cannot open /run/netns/bgpdemo-no-such-netns: No "
        "such file or directory");
}

TEST_CASE("process: the child gets no inherited file descriptors above 2") {
  const int fd = ::open("/dev/null", O_RDONLY);  // not close-on-exec
  REQUIRE(fd > 2);
  auto r = RunProcess(
      {"sh", "-c", fmt::format("test -e /proc/self/fd/{} && echo open || echo closed", fd)});
  ::close(fd);
  REQUIRE(r);
  CHECK(r->out == "closed\n");
}

TEST_CASE("process: FindProgram searches PATH") {
  CHECK(FindProgram("sh").find("/sh") != std::string::npos);
  CHECK(FindProgram("bgpdemo-no-such-program").empty());
  CHECK(FindProgram("/bin/sh") == "/bin/sh");
  CHECK(FindProgram("/etc/passwd").empty());  // not executable
  CHECK(FindProgram("").empty());
}

TEST_CASE("process: ShellQuote and FormatFailure") {
  CHECK(ShellQuote({"ip", "-n", "ns1", "link", "set", "x", "up"}) == "ip -n ns1 link set x up");
  CHECK(ShellQuote({"sh", "-c", "echo it's"}) == "sh -c 'echo it'\\''s'");
  CHECK(ShellQuote({""}) == "''");

  ProcessResult r;
  r.exit_code = 1;
  r.err = "line1\nline2\n\nline3\n";
  CHECK(FormatFailure({"ip", "link"}, r, 2) == "`ip link` exited with 1:\n  line2\n  line3");
  r.err = "";
  r.out = "only stdout\n";
  CHECK(FormatFailure({"ip"}, r) == "`ip` exited with 1:\n  only stdout");
  r.out = "";
  CHECK(FormatFailure({"ip"}, r) == "`ip` exited with 1");
}

TEST_CASE("process: OutputTail is the last non-blank lines FormatFailure quotes") {
  ProcessResult r;
  r.err = "line1\nline2\n\n  \nline3\n";
  r.out = "ignored while stderr has text\n";
  CHECK(OutputTail(r, 2) == "line2\nline3");
  CHECK(OutputTail(r) == "line1\nline2\nline3");
  r.err = " \n";
  CHECK(OutputTail(r) == "ignored while stderr has text");
  r.out = "";
  CHECK(OutputTail(r).empty());
}

TEST_CASE("process: SpawnDetached logs to a file, StopProcess stops and reaps it") {
  TempPath log;
  auto pid = SpawnDetached({"sh", "-c", "echo hello; echo to-stderr >&2; exec sleep 30"},
                           {.log_file = log.path, .env_add = {{"X", "1"}}});
  REQUIRE(pid);
  CHECK(ProcessAlive(*pid));
  // The log fills in as the child runs; poll it (bounded) rather than sleep a fixed time.
  for (int i = 0; i < 200 && ReadFile(log.path).find("to-stderr") == std::string::npos; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(ReadFile(log.path) == "hello\nto-stderr\n");
  CHECK(::getsid(*pid) == *pid);  // a session of its own
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(StopProcess(*pid, 2s));
  CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);  // SIGTERM was enough
  CHECK_FALSE(ProcessAlive(*pid));
  CHECK(StopProcess(*pid));  // gone already: fine
}

TEST_CASE("process: a command we wait for dies with us, a detached daemon does not") {
  // A child process of the test plays a killed `bgpdemo up`: it starts a daemon, then waits
  // for a command, and is SIGKILLed meanwhile.
  TempPath waited_pid, daemon_pid;
  const pid_t up = ::fork();
  REQUIRE(up >= 0);
  if (up == 0) {
    auto d =
        SpawnDetached({"sh", "-c", fmt::format("echo $$ > {}; exec sleep 30", daemon_pid.path)});
    (void)RunProcess({"sh", "-c", fmt::format("echo $$ > {}; exec sleep 30", waited_pid.path)});
    ::_exit(d ? 0 : 1);
  }
  const auto pid_in = [](const std::string& path) {
    for (int i = 0; i < 500; ++i) {
      const std::string text = ReadFile(path);
      if (!text.empty() && text.back() == '\n') return static_cast<pid_t>(std::stoi(text));
      std::this_thread::sleep_for(10ms);
    }
    return pid_t{0};
  };
  const pid_t waited = pid_in(waited_pid.path);
  const pid_t daemon = pid_in(daemon_pid.path);
  ::kill(up, SIGKILL);
  int status = 0;
  ::waitpid(up, &status, 0);
  REQUIRE(waited > 0);
  REQUIRE(daemon > 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !ProcessAlive(waited);
    if (!gone) std::this_thread::sleep_for(10ms);
  }
  CHECK(gone);
  CHECK(ProcessAlive(daemon));
  CHECK(StopProcess(daemon, 1s));
  if (!gone) (void)StopProcess(waited, 0ms);
}

TEST_CASE("process: StopProcess escalates to SIGKILL after the grace time") {
  TempPath log;
  auto pid = SpawnDetached({"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"},
                           {.log_file = log.path});
  REQUIRE(pid);
  for (int i = 0; i < 200 && ReadFile(log.path).empty(); ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(StopProcess(*pid, 200ms));
  CHECK_FALSE(ProcessAlive(*pid));
}

TEST_CASE("process: SpawnDetached reports a program that cannot start") {
  auto pid = SpawnDetached({"bgpdemo-no-such-program"});
  REQUIRE_FALSE(pid);
  CHECK(pid.error() == "bgpdemo-no-such-program: not found in PATH");
  auto log = SpawnDetached({"true"}, {.log_file = "/nonexistent/dir/log"});
  REQUIRE_FALSE(log);
  CHECK(log.error() ==
        "true: cannot open log file /nonexistent/dir/log: No such file or directory");
}

TEST_CASE("process (root): netns and hostname options") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to create a network namespace and a UTS namespace");
    return;
  }
  const std::string ns = fmt::format("bgpdt{}-proc", ::getpid());
  if (std::system(fmt::format("ip netns add {}", ns).c_str()) != 0) {
    MESSAGE("skipped: `ip netns add` failed here");
    return;
  }
  struct Cleanup {
    std::string ns;
    ~Cleanup() { (void)std::system(fmt::format("ip netns del {} 2>/dev/null", ns).c_str()); }
  } cleanup{ns};
  auto r = RunProcess({"ip", "-o", "link"}, {.netns = ns});
  REQUIRE(r);
  CHECK(r->exit_code == 0);
  CHECK(r->out.find("1: lo:") != std::string::npos);
  CHECK(r->out.find("2:") == std::string::npos);  // only the namespace's loopback

  TempPath log;
  auto pid = SpawnDetached({"sh", "-c", "hostname; readlink /proc/self/ns/net; exec sleep 30"},
                           {.netns = ns, .log_file = log.path, .hostname = "c1-node1"});
  REQUIRE(pid);
  for (int i = 0; i < 200 && ReadFile(log.path).find("net:") == std::string::npos; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  auto here = RunProcess({"readlink", "/proc/self/ns/net"}, {.netns = ns});
  REQUIRE(here);
  CHECK(ReadFile(log.path) == "c1-node1\n" + here->out);
  REQUIRE(StopProcess(*pid));
}
