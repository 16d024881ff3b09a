// Linux network namespaces for the lab: create and delete them by name (the `ip netns`
// convention: a namespace is a bind mount at /run/netns/<name>), configure their links,
// addresses and routes in one `ip -batch` process per namespace, set their sysctls, and
// run code inside them.
//
// Network namespaces are per thread for socket creation: a socket belongs to the namespace
// of the thread that created it, for its whole life. So code that must open sockets in a
// namespace runs on a thread that entered it: briefly (NetnsGuard) or for as long as the
// sockets live (NetnsThread, which owns an Asio io_context and runs it on such a thread).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

// clang-format off
#include <utility>  // first: Boost 1.74's asio uses std::exchange without including it
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
// clang-format on

#include "base/check.h"
#include "base/result.h"
#include "core/command_runner.h"

namespace bgpdemo::core::lab {

// `ip netns add name`, then its loopback up (daemons' APIs listen on 127.0.0.1). An error
// when it exists already or the name is not a valid one (letters, digits, '-', '_', '.',
// at most 64 characters). The `ip` commands run through `runner`, as in every function here.
Result<void, std::string> CreateNetns(const std::string& name,
                                      CommandRunner& runner = DefaultRunner());

// Stops every process in the namespace (SIGTERM, up to `grace`, then SIGKILL; never this
// process), then `ip netns del name`. A namespace that does not exist is success. Links in
// it go with it (and so do the peers of its veths); threads of this process still inside
// it (a NetnsThread) keep it alive, unnamed, until they leave.
Result<void, std::string> DeleteNetns(const std::string& name,
                                      std::chrono::milliseconds grace = std::chrono::seconds(1),
                                      CommandRunner& runner = DefaultRunner());

bool NetnsExists(const std::string& name);

// The names in /run/netns that start with prefix, sorted.
std::vector<std::string> ListNetns(const std::string& prefix = "");

// The processes whose network namespace is `name` (compared by inode, as `ip netns pids`
// does), without this process. Empty when the namespace does not exist.
std::vector<pid_t> NetnsPids(const std::string& name);

// Runs the `ip` commands (one per element, without the leading "ip", e.g. "link set lo
// up", "route replace 10.0.0.0/8 via 10.1.0.1") in one `ip -n netns -batch -` process
// (`ip -batch -` when netns is empty); about as fast as a single `ip` command. Stops at
// the first command that fails; the error names its line and text and quotes ip's message:
//   ip -n bgpd1-r -batch: line 3 `link set nope up` failed: Cannot find device "nope"
// A command holding a newline is refused before anything runs.
Result<void, std::string> IpBatch(const std::string& netns,
                                  const std::vector<std::string>& commands,
                                  CommandRunner& runner = DefaultRunner());

// Writes value to /proc/sys/<key> inside the namespace (empty: ours); key in sysctl's
// notation ("net.ipv4.ip_forward", "net.ipv4.conf.all.rp_filter").
Result<void, std::string> SetSysctl(const std::string& netns, const std::string& key,
                                    const std::string& value);
// Reads /proc/sys/<key> inside the namespace, without the trailing newline.
Result<std::string, std::string> GetSysctl(const std::string& netns, const std::string& key);

// The calling thread inside a network namespace until destruction, which moves it back to
// the namespace it was in. Movable, not copyable; destroy it on the thread that made it.
class NetnsGuard {
 public:
  NetnsGuard(NetnsGuard&& other) noexcept : original_fd_(std::exchange(other.original_fd_, -1)) {}
  NetnsGuard& operator=(NetnsGuard&&) = delete;
  NetnsGuard(const NetnsGuard&) = delete;
  ~NetnsGuard();  // aborts if the thread cannot go back: it would be in the wrong namespace

 private:
  friend Result<NetnsGuard, std::string> EnterNetns(const std::string& name);
  explicit NetnsGuard(int original_fd) : original_fd_(original_fd) {}
  int original_fd_ = -1;
};

// setns(CLONE_NEWNET) of /run/netns/<name> for the calling thread.
Result<NetnsGuard, std::string> EnterNetns(const std::string& name);

// A thread inside a network namespace running an io_context, for sockets that must live
// there (HTTP responders, proxies, probes, BGP speakers).
//
// Threading: io() is run by the owned thread only; Asio objects made on it must be used
// from it (Post/Run), and destroyed either through Run() or after Stop(). Post and Run may
// be called from any thread. Destruction calls Stop().
class NetnsThread {
 public:
  // Starts the thread and returns once it is inside the namespace (empty: ours), or with
  // the reason it could not enter it.
  static Result<std::unique_ptr<NetnsThread>, std::string> Start(const std::string& netns);
  ~NetnsThread();
  NetnsThread(const NetnsThread&) = delete;
  NetnsThread& operator=(const NetnsThread&) = delete;

  boost::asio::io_context& io() { return io_; }
  const std::string& netns() const { return netns_; }

  // Queues fn to run on the thread.
  void Post(std::function<void()> fn);

  // Runs fn on the thread and returns its result once it has run (directly when called from
  // the thread itself). REQUIRES: not stopped.
  template <typename F>
  std::invoke_result_t<F> Run(F&& fn) {
    using R = std::invoke_result_t<F>;
    BGPDEMO_CHECK(!stopped_);
    if (std::this_thread::get_id() == thread_.get_id()) return fn();
    std::packaged_task<R()> task(std::forward<F>(fn));
    auto done = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return done.get();
  }

  // Stops the io_context and joins the thread; pending handlers are not run. Idempotent.
  void Stop();

 private:
  explicit NetnsThread(std::string netns);

  std::string netns_;
  std::atomic<bool> stopped_{false};
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace bgpdemo::core::lab
