#include "core/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace bgpdemo::core {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Closes an fd on scope exit.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// glibc 2.36's <sys/pidfd.h> lacks extern "C": call the system call directly. -1 on kernels
// before 5.3, and callers then poll.
int PidfdOpen(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

Result<std::pair<Fd, Fd>, std::string> MakePipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Fail(fmt::format("pipe: {}", std::strerror(errno)));
  return std::pair<Fd, Fd>{Fd(p[0]), Fd(p[1])};
}

// What the child failed at, sent through the error pipe.
enum class ChildStage : int {
  kSetns = 1,
  kSetsid,
  kUnshareUts,
  kSethostname,
  kRedirect,
  kExec,
  kDieWithParent,
};

struct ChildError {
  int stage;
  int err;
};

std::string_view ToString(ChildStage s) {
  switch (s) {
    case ChildStage::kSetns:
      return "entering the network namespace";
    case ChildStage::kSetsid:
      return "setsid";
    case ChildStage::kUnshareUts:
      return "unshare(CLONE_NEWUTS)";
    case ChildStage::kSethostname:
      return "sethostname";
    case ChildStage::kRedirect:
      return "redirecting stdin/stdout/stderr";
    case ChildStage::kExec:
      return "exec";
    case ChildStage::kDieWithParent:
      return "prctl(PR_SET_PDEATHSIG)";
  }
  return "?";
}

// Everything the child needs, prepared before fork (the child may only make
// async-signal-safe calls: the parent may have other threads).
struct ChildPlan {
  std::string path;
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
  int netns_fd = -1;
  int stdio[3] = {-1, -1, -1};  // the fds that become 0, 1, 2
  bool new_session = false;
  pid_t die_with = 0;  // not 0: SIGKILL when the thread that forked (in this pid) goes
  std::string hostname;
  int error_pipe = -1;  // write end, close-on-exec
};

[[noreturn]] void ChildFail(int error_pipe, ChildStage stage) {
  const ChildError e{static_cast<int>(stage), errno};
  [[maybe_unused]] ssize_t n = ::write(error_pipe, &e, sizeof e);
  ::_exit(127);
}

// Runs in the forked child: async-signal-safe calls only.
[[noreturn]] void ChildMain(const ChildPlan& p) {
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGQUIT}) ::sigaction(s, &dfl, nullptr);

  // A command we wait for must not outlive us: an `ip netns add` left running by a killed
  // `up` would make its namespace after the next `up` cleaned up. The getppid check covers
  // a parent that died before prctl.
  if (p.die_with != 0) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
      ChildFail(p.error_pipe, ChildStage::kDieWithParent);
    if (::getppid() != p.die_with) ::_exit(128 + SIGKILL);
  }
  if (p.netns_fd >= 0 && ::setns(p.netns_fd, CLONE_NEWNET) != 0) {
    ChildFail(p.error_pipe, ChildStage::kSetns);
  }
  if (p.new_session && ::setsid() < 0) ChildFail(p.error_pipe, ChildStage::kSetsid);
  if (!p.hostname.empty()) {
    if (::unshare(CLONE_NEWUTS) != 0) ChildFail(p.error_pipe, ChildStage::kUnshareUts);
    if (::sethostname(p.hostname.data(), p.hostname.size()) != 0) {
      ChildFail(p.error_pipe, ChildStage::kSethostname);
    }
  }
  // Move the three sources above 2 first, so that no dup2 clobbers another source.
  int high[3];
  for (int i = 0; i < 3; ++i) {
    high[i] = ::fcntl(p.stdio[i], F_DUPFD_CLOEXEC, 3);
    if (high[i] < 0) ChildFail(p.error_pipe, ChildStage::kRedirect);
  }
  for (int i = 0; i < 3; ++i) {
    if (::dup2(high[i], i) < 0) ChildFail(p.error_pipe, ChildStage::kRedirect);
  }
  // Every inherited fd above 2 closes at exec; the error pipe too, which tells the parent
  // that exec succeeded.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    const long max_fd = ::sysconf(_SC_OPEN_MAX);  // not listed as safe, but harmless here
    for (int fd = 3; fd < max_fd; ++fd) {
      if (fd != p.error_pipe) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
  ::execve(p.path.c_str(), p.argv.data(), p.envp.data());
  ChildFail(p.error_pipe, ChildStage::kExec);
}

Result<ChildPlan, std::string> Plan(const std::vector<std::string>& argv,
                                    const std::map<std::string, std::string>& env_add) {
  if (argv.empty() || argv[0].empty()) return Fail(std::string("no program to run (empty argv)"));
  ChildPlan p;
  p.path = FindProgram(argv[0]);
  if (p.path.empty()) {
    if (argv[0].find('/') != std::string::npos) {
      return Fail(fmt::format("{}: not an executable file", argv[0]));
    }
    return Fail(fmt::format("{}: not found in PATH", argv[0]));
  }
  p.argv_storage = argv;
  for (auto& a : p.argv_storage) p.argv.push_back(a.data());
  p.argv.push_back(nullptr);
  for (char** e = environ; e && *e; ++e) {
    const std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos && env_add.count(std::string(kv.substr(0, eq)))) continue;
    p.env_storage.emplace_back(kv);
  }
  for (const auto& [k, v] : env_add) p.env_storage.push_back(k + "=" + v);
  for (auto& e : p.env_storage) p.envp.push_back(e.data());
  p.envp.push_back(nullptr);
  return p;
}

Result<Fd, std::string> OpenNetns(const std::string& name) {
  if (name.empty()) return Fd();
  if (name.find('/') != std::string::npos || name == "." || name == "..") {
    return Fail(fmt::format("netns \"{}\": not a namespace name", name));
  }
  const std::string path = "/run/netns/" + name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(fmt::format("netns {}: cannot open {}: {}", name, path, std::strerror(errno)));
  }
  return Fd(fd);
}

// Forks and runs ChildMain; returns the pid once exec succeeded, else the child's error
// (the child is reaped).
Result<pid_t, std::string> ForkExec(ChildPlan& plan, const std::string& netns) {
  auto errp = MakePipe();
  if (!errp) return Fail(errp.error());
  auto& [err_r, err_w] = *errp;
  plan.error_pipe = err_w.get();
  const pid_t pid = ::fork();
  if (pid < 0) return Fail(fmt::format("{}: fork: {}", plan.argv_storage[0], std::strerror(errno)));
  if (pid == 0) ChildMain(plan);
  err_w.Reset();
  ChildError e{};
  ssize_t n;
  do {
    n = ::read(err_r.get(), &e, sizeof e);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return pid;  // EOF: exec closed the pipe
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const auto stage = static_cast<ChildStage>(e.stage);
  if (stage == ChildStage::kSetns) {
    return Fail(fmt::format("{}: cannot enter network namespace {}: {}", plan.argv_storage[0],
                            netns, std::strerror(e.err)));
  }
  return Fail(fmt::format("{}: {} failed: {}", plan.argv_storage[0], ToString(stage),
                          std::strerror(e.err)));
}

void SetNonBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Reads what is there; false at EOF or on an error other than "try again".
bool ReadSome(int fd, std::string& into) {
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Blocks SIGPIPE for the calling thread while alive (a child that exits before reading its
// stdin must not kill us), and swallows a SIGPIPE that our writes raised.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t pipe_set;
    ::sigemptyset(&pipe_set);
    ::sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending;
    ::sigpending(&pending);
    was_pending_ = ::sigismember(&pending, SIGPIPE) == 1;
    ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_);
  }
  ~SigpipeBlock() {
    if (!was_pending_) {
      sigset_t pipe_set;
      ::sigemptyset(&pipe_set);
      ::sigaddset(&pipe_set, SIGPIPE);
      const timespec zero{0, 0};
      while (::sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

bool IsZombie(pid_t pid) {
  std::ifstream f(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(f, line)) return false;
  // "pid (comm) S ...": comm may hold spaces and parentheses; the state follows the last ')'.
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

// Waits until pid is gone (or a zombie that is not ours), at most `limit`.
bool WaitGone(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  Fd pidfd(PidfdOpen(pid));
  while (ProcessAlive(pid)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    if (pidfd.get() >= 0) {
      pollfd p{pidfd.get(), POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 1000)));
    } else {
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(10)));
    }
  }
  return true;
}

bool PlainWord(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!(std::isalnum(c) || std::strchr("_@%+=:,./-", c))) return false;
  }
  return true;
}

std::string SignalName(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

}  // namespace

std::string FindProgram(const std::string& name) {
  auto executable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) return executable(name) ? name : std::string();
  const char* env_path = std::getenv("PATH");
  std::stringstream dirs((env_path && *env_path) ? env_path : kDefaultPath);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (executable(candidate)) return candidate;
  }
  return {};
}

Result<ProcessResult, std::string> RunProcess(const std::vector<std::string>& argv,
                                              const RunOptions& options) {
  auto plan = Plan(argv, options.env_add);
  if (!plan) return Fail(plan.error());
  auto ns = OpenNetns(options.netns);
  if (!ns) return Fail(fmt::format("{}: {}", argv[0], ns.error()));
  auto in = MakePipe();
  auto out = MakePipe();
  auto err = MakePipe();
  if (!in || !out || !err) return Fail(fmt::format("{}: cannot make pipes", argv[0]));
  plan->netns_fd = ns->get();
  plan->stdio[0] = in->first.get();
  plan->stdio[1] = out->second.get();
  plan->stdio[2] = err->second.get();
  plan->die_with = ::getpid();

  SigpipeBlock sigpipe;
  const auto start = Clock::now();
  auto pid = ForkExec(*plan, options.netns);
  if (!pid) return Fail(pid.error());
  in->first.Reset();
  out->second.Reset();
  err->second.Reset();
  Fd in_w = std::move(in->second), out_r = std::move(out->first), err_r = std::move(err->first);
  SetNonBlocking(in_w.get());
  SetNonBlocking(out_r.get());
  SetNonBlocking(err_r.get());
  Fd pidfd(PidfdOpen(*pid));

  ProcessResult r;
  std::size_t written = 0;
  if (options.stdin_text.empty()) in_w.Reset();
  const auto deadline = start + options.timeout;
  std::optional<int> status;
  while (!status) {
    std::vector<pollfd> fds;
    if (in_w.get() >= 0) fds.push_back({in_w.get(), POLLOUT, 0});
    if (out_r.get() >= 0) fds.push_back({out_r.get(), POLLIN, 0});
    if (err_r.get() >= 0) fds.push_back({err_r.get(), POLLIN, 0});
    if (pidfd.get() >= 0) fds.push_back({pidfd.get(), POLLIN, 0});
    // Without a pidfd (old kernels), look at the child every 20 ms.
    int wait_ms = pidfd.get() >= 0 ? -1 : 20;
    if (options.timeout.count() > 0 && !r.timed_out) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        ::kill(*pid, SIGKILL);
        r.timed_out = true;
      } else {
        wait_ms = wait_ms < 0 ? static_cast<int>(left) : std::min<int>(wait_ms, left);
      }
    }
    if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) {
      ::kill(*pid, SIGKILL);  // cannot watch it any more (ENOMEM): do not leave it behind
      int st = 0;
      while (::waitpid(*pid, &st, 0) < 0 && errno == EINTR) {
      }
      status = st;
      break;
    }
    for (const auto& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in_w.get()) {
        const ssize_t n = ::write(in_w.get(), options.stdin_text.data() + written,
                                  options.stdin_text.size() - written);
        if (n > 0) written += static_cast<std::size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == options.stdin_text.size() ||
            (p.revents & (POLLERR | POLLHUP))) {
          in_w.Reset();
        }
      } else if (p.fd == out_r.get()) {
        if (!ReadSome(out_r.get(), r.out)) out_r.Reset();
      } else if (p.fd == err_r.get()) {
        if (!ReadSome(err_r.get(), r.err)) err_r.Reset();
      }
    }
    int st;
    const pid_t w = ::waitpid(*pid, &st, WNOHANG);
    if (w == *pid) {
      status = st;
    } else if (w < 0 && errno != EINTR) {
      status = -1;  // somebody else reaped it (SIGCHLD ignored?): the status is lost
    }
  }
  // The child has exited: what it wrote is in the pipes now.
  if (out_r.get() >= 0) ReadSome(out_r.get(), r.out);
  if (err_r.get() >= 0) ReadSome(err_r.get(), r.err);
  r.exit_code = *status == -1 ? -1 : ExitCode(*status);
  if (*status != -1 && WIFSIGNALED(*status)) r.signal = WTERMSIG(*status);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

Result<pid_t, std::string> SpawnDetached(const std::vector<std::string>& argv,
                                         const SpawnOptions& options) {
  auto plan = Plan(argv, options.env_add);
  if (!plan) return Fail(plan.error());
  auto ns = OpenNetns(options.netns);
  if (!ns) return Fail(fmt::format("{}: {}", argv[0], ns.error()));
  Fd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null_fd.get() < 0) return Fail(fmt::format("/dev/null: {}", std::strerror(errno)));
  Fd log_fd;
  if (!options.log_file.empty()) {
    log_fd = Fd(::open(options.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (log_fd.get() < 0) {
      return Fail(fmt::format("{}: cannot open log file {}: {}", argv[0], options.log_file,
                              std::strerror(errno)));
    }
  }
  const int out = log_fd.get() >= 0 ? log_fd.get() : null_fd.get();
  plan->netns_fd = ns->get();
  plan->stdio[0] = null_fd.get();
  plan->stdio[1] = out;
  plan->stdio[2] = out;
  plan->new_session = options.new_session;
  plan->hostname = options.hostname;
  return ForkExec(*plan, options.netns);
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  int status;
  const pid_t w = ::waitpid(pid, &status, WNOHANG);
  if (w == pid) return false;  // our child, exited: reaped now
  if (w == 0) return true;     // our child, running
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  return !IsZombie(pid);
}

Result<void, std::string> StopProcess(pid_t pid, std::chrono::milliseconds grace) {
  if (!ProcessAlive(pid)) return {};
  if (::kill(pid, SIGTERM) != 0) {
    if (errno == ESRCH) return {};
    return Fail(fmt::format("cannot stop process {}: {}", pid, std::strerror(errno)));
  }
  if (WaitGone(pid, grace)) return {};
  return KillProcess(pid);
}

Result<void, std::string> KillProcess(pid_t pid) {
  if (::kill(pid, SIGKILL) != 0 && errno != ESRCH) {
    return Fail(fmt::format("cannot kill process {}: {}", pid, std::strerror(errno)));
  }
  if (WaitGone(pid, std::chrono::seconds(2))) return {};
  return Fail(fmt::format("process {} is still there 2 s after SIGKILL", pid));
}

std::string ShellQuote(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    if (PlainWord(a)) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

namespace {

// The last `count` non-blank lines of stderr, or of stdout when stderr is blank.
std::vector<std::string> TailLines(const ProcessResult& result, std::size_t count) {
  const std::string& text =
      result.err.find_first_not_of(" \t\r\n") != std::string::npos ? result.err : result.out;
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  }
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - static_cast<long>(count));
  return lines;
}

}  // namespace

std::string FormatFailure(const std::vector<std::string>& argv, const ProcessResult& result,
                          std::size_t stderr_lines) {
  std::string head;
  if (result.timed_out) {
    head = fmt::format("`{}` timed out after {:.1f} s and was killed", ShellQuote(argv),
                       result.seconds);
  } else if (result.signal != 0) {
    head = fmt::format("`{}` was killed by {}", ShellQuote(argv), SignalName(result.signal));
  } else {
    head = fmt::format("`{}` exited with {}", ShellQuote(argv), result.exit_code);
  }
  const auto lines = TailLines(result, stderr_lines);
  if (lines.empty()) return head;
  head += ":";
  for (const auto& line : lines) head += "\n  " + line;
  return head;
}

std::string OutputTail(const ProcessResult& result, std::size_t lines) {
  return fmt::format("{}", fmt::join(TailLines(result, lines), "\n"));
}

}  // namespace bgpdemo::core
