#include "core/lab/netns.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "base/check.h"
#include "core/process.h"

namespace bgpdemo::core::lab {

namespace {

constexpr const char* kNetnsDir = "/run/netns/";
constexpr auto kIpTimeout = std::chrono::seconds(20);

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

// Runs `ip args...`; the error is the command and what ip said.
Result<void, std::string> Ip(CommandRunner& runner, std::vector<std::string> args) {
  args.insert(args.begin(), "ip");
  auto r = runner.Run(args, {.timeout = kIpTimeout});
  if (!r) return Fail(r.error().message());
  if (r->exit_code != 0) return Fail(FormatFailure(args, *r, 5));
  return {};
}

std::string SysctlPath(const std::string& key) {
  // sysctl's notation: '.' separates levels; a '/' stands for a '.' inside a name
  // ("net.ipv4.conf.eth0/100.rp_filter" is /proc/sys/net/ipv4/conf/eth0.100/rp_filter).
  std::string path = "/proc/sys/";
  for (char c : key) path += c == '.' ? '/' : c == '/' ? '.' : c;
  return path;
}

bool ValidSysctlKey(const std::string& key) {
  return !key.empty() && key.find("..") == std::string::npos && key.front() != '.' &&
         std::all_of(key.begin(), key.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '/';
         });
}

// Runs fn on a short-lived thread inside netns (on the calling thread when netns is empty).
template <typename R, typename F>
Result<R, std::string> InNetns(const std::string& netns, F&& fn) {
  if (netns.empty()) return fn();
  std::optional<Result<R, std::string>> out;
  std::thread t([&] {
    auto guard = EnterNetns(netns);
    if (!guard) {
      out.emplace(Fail(guard.error()));
      return;
    }
    out.emplace(fn());
  });
  t.join();
  return std::move(*out);
}

}  // namespace

Result<void, std::string> CreateNetns(const std::string& name, CommandRunner& runner) {
  if (!ValidName(name)) {
    return Fail(
        fmt::format("\"{}\" is not a namespace name: use letters, digits, '-', '_' and "
                    "'.', at most 64 characters",
                    name));
  }
  if (NetnsExists(name)) return Fail(fmt::format("network namespace {} exists already", name));
  if (auto r = Ip(runner, {"netns", "add", name}); !r) return r;
  return Ip(runner, {"-n", name, "link", "set", "lo", "up"});
}

Result<void, std::string> DeleteNetns(const std::string& name, std::chrono::milliseconds grace,
                                      CommandRunner& runner) {
  if (!ValidName(name)) return Fail(fmt::format("\"{}\" is not a namespace name", name));
  if (!NetnsExists(name)) return {};
  auto pids = NetnsPids(name);
  for (pid_t pid : pids) ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (!pids.empty()) {
    std::erase_if(pids, [](pid_t pid) { return !ProcessAlive(pid); });
    if (pids.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (pid_t pid : pids) {
    if (auto r = StopProcess(pid, std::chrono::milliseconds(0)); !r) {
      return Fail(fmt::format("delete network namespace {}: {}", name, r.error()));
    }
  }
  // Processes that came in meanwhile (a daemon's fresh child) get no grace.
  for (pid_t pid : NetnsPids(name)) (void)StopProcess(pid, std::chrono::milliseconds(0));
  if (auto r = Ip(runner, {"netns", "del", name}); !r && NetnsExists(name)) return r;
  return {};
}

bool NetnsExists(const std::string& name) {
  if (!ValidName(name)) return false;
  struct stat st {};
  return ::stat((kNetnsDir + name).c_str(), &st) == 0;
}

std::vector<std::string> ListNetns(const std::string& prefix) {
  std::vector<std::string> out;
  DIR* d = ::opendir(kNetnsDir);
  if (!d) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (name.compare(0, prefix.size(), prefix) == 0) out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pid_t> NetnsPids(const std::string& name) {
  std::vector<pid_t> out;
  struct stat ns {};
  if (!ValidName(name) || ::stat((kNetnsDir + name).c_str(), &ns) != 0) return out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  const pid_t self = ::getpid();
  while (const dirent* e = ::readdir(d)) {
    pid_t pid = 0;
    const char* end = e->d_name + std::strlen(e->d_name);
    if (std::from_chars(e->d_name, end, pid).ptr != end || pid <= 0 || pid == self) continue;
    struct stat st {};
    if (::stat(fmt::format("/proc/{}/ns/net", pid).c_str(), &st) != 0) continue;
    if (st.st_dev == ns.st_dev && st.st_ino == ns.st_ino) out.push_back(pid);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Result<void, std::string> IpBatch(const std::string& netns,
                                  const std::vector<std::string>& commands, CommandRunner& runner) {
  std::vector<std::string> argv{"ip"};
  if (!netns.empty()) argv.insert(argv.end(), {"-n", netns});
  argv.insert(argv.end(), {"-batch", "-"});
  const std::string what = ShellQuote({argv.begin(), argv.end() - 1});
  std::string input;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (commands[i].find_first_of("\r\n") != std::string::npos) {
      return Fail(fmt::format("{}: command {} holds a line break: `{}`", what, i + 1, commands[i]));
    }
    input += commands[i];
    input += '\n';
  }
  if (commands.empty()) return {};
  auto r = runner.Run(argv, {.stdin_text = input, .timeout = kIpTimeout});
  if (!r) return Fail(r.error().message());
  if (r->exit_code == 0 && !r->timed_out) return {};
  if (r->timed_out) return Fail(FormatFailure(argv, *r));
  // ip prints its message, then "Command failed -:N" (N counts lines from 1).
  std::vector<std::string> message;
  std::size_t line_no = 0;
  std::stringstream ss(r->err);
  for (std::string line; std::getline(ss, line);) {
    constexpr std::string_view kFailed = "Command failed -:";
    if (line.rfind(kFailed, 0) == 0) {
      const char* b = line.data() + kFailed.size();
      std::from_chars(b, line.data() + line.size(), line_no);
    } else if (!line.empty()) {
      message.push_back(line);
    }
  }
  std::string said;
  for (const auto& m : message) said += (said.empty() ? "" : "; ") + m;
  if (line_no >= 1 && line_no <= commands.size()) {
    return Fail(fmt::format("{}: line {} `{}` failed: {}", what, line_no, commands[line_no - 1],
                            said.empty() ? fmt::format("exit code {}", r->exit_code) : said));
  }
  return Fail(FormatFailure(argv, *r));
}

Result<void, std::string> SetSysctl(const std::string& netns, const std::string& key,
                                    const std::string& value) {
  if (!ValidSysctlKey(key)) return Fail(fmt::format("\"{}\" is not a sysctl key", key));
  const std::string path = SysctlPath(key);
  const std::string where = netns.empty() ? "" : fmt::format(" in netns {}", netns);
  auto r = InNetns<bool>(netns, [&]() -> Result<bool, std::string> {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      return Fail(
          fmt::format("sysctl {}={}{}: {}: {}", key, value, where, path, std::strerror(errno)));
    }
    const ssize_t n = ::write(fd, value.data(), value.size());
    const int err = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(value.size())) {
      return Fail(fmt::format("sysctl {}={}{}: {}", key, value, where,
                              n < 0 ? std::strerror(err) : "short write"));
    }
    return true;
  });
  if (!r) return Fail(r.error());
  return {};
}

Result<std::string, std::string> GetSysctl(const std::string& netns, const std::string& key) {
  if (!ValidSysctlKey(key)) return Fail(fmt::format("\"{}\" is not a sysctl key", key));
  const std::string path = SysctlPath(key);
  return InNetns<std::string>(netns, [&]() -> Result<std::string, std::string> {
    std::ifstream f(path);
    std::string value;
    if (!f || !std::getline(f, value)) {
      return Fail(fmt::format("sysctl {}{}: cannot read {}", key,
                              netns.empty() ? "" : " in netns " + netns, path));
    }
    return value;
  });
}

NetnsGuard::~NetnsGuard() {
  if (original_fd_ < 0) return;
  const int rc = ::setns(original_fd_, CLONE_NEWNET);
  ::close(original_fd_);
  BGPDEMO_CHECK(rc == 0);  // else this thread would stay in the lab's namespace
}

Result<NetnsGuard, std::string> EnterNetns(const std::string& name) {
  if (!ValidName(name)) return Fail(fmt::format("\"{}\" is not a namespace name", name));
  const int original = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original < 0) {
    return Fail(fmt::format("enter netns {}: cannot open this thread's namespace: {}", name,
                            std::strerror(errno)));
  }
  const std::string path = kNetnsDir + name;
  const int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    const int err = errno;
    ::close(original);
    return Fail(fmt::format("enter netns {}: {}: {}", name, path, std::strerror(err)));
  }
  const int rc = ::setns(target, CLONE_NEWNET);
  const int err = errno;
  ::close(target);
  if (rc != 0) {
    ::close(original);
    return Fail(fmt::format("enter netns {}: setns: {}", name, std::strerror(err)));
  }
  return NetnsGuard(original);
}

NetnsThread::NetnsThread(std::string netns)
    : netns_(std::move(netns)), work_(boost::asio::make_work_guard(io_)) {}

Result<std::unique_ptr<NetnsThread>, std::string> NetnsThread::Start(const std::string& netns) {
  std::unique_ptr<NetnsThread> t(new NetnsThread(netns));
  std::promise<std::string> entered;  // empty: inside
  auto entered_future = entered.get_future();
  t->thread_ = std::thread([self = t.get(), &entered] {
    std::optional<NetnsGuard> guard;
    if (!self->netns_.empty()) {
      auto g = EnterNetns(self->netns_);
      if (!g) {
        entered.set_value(g.error());
        return;
      }
      guard.emplace(std::move(*g));
    }
    entered.set_value("");
    self->io_.run();
  });
  if (std::string error = entered_future.get(); !error.empty()) {
    t->thread_.join();
    t->work_.reset();
    return Fail(std::move(error));
  }
  return t;
}

NetnsThread::~NetnsThread() {
  Stop();
}

void NetnsThread::Post(std::function<void()> fn) {
  boost::asio::post(io_, std::move(fn));
}

void NetnsThread::Stop() {
  stopped_ = true;
  work_.reset();
  io_.stop();
  if (thread_.joinable()) {
    BGPDEMO_CHECK(std::this_thread::get_id() != thread_.get_id());  // Stop from its own thread
    thread_.join();
  }
}

}  // namespace bgpdemo::core::lab
