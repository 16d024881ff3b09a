// Tests for core/router_service: the route server run from a config file, its errors by
// kind, signals (SIGHUP reloads, SIGTERM stops) and queries over the control socket. No
// root needed: the router listens on loopback or not at all, and the FIB case drops
// CAP_NET_ADMIN in a child process before it asks for kernel routes.
#include "core/router_service.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <csignal>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

using bgpdemo::Error;
using bgpdemo::ErrorKind;
using bgpdemo::core::QueryRouter;
using bgpdemo::core::RouterQuery;
using bgpdemo::core::RouterServiceOptions;
using bgpdemo::core::RunRouterService;

namespace {

// A file in a fresh directory under /tmp, removed with it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/bgpdemo-router-service-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir_ = tmpl;
  }
  ~TempDir() { std::system(("rm -rf " + dir_).c_str()); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name)) << text;
    return Path(name);
  }

 private:
  std::string dir_;
};

// A router that dials no one; `extra` is appended (listen, originate, fib).
std::string Config(const std::string& extra) {
  return "router_id: 127.0.0.1\n"
         "local_as: 65000\n"
         "neighbors:\n"
         "  - name: nodes\n"
         "    range: 127.0.0.2/32\n"
         "    peer_as: 65100\n"
         "    import: all\n"
         "    export: all\n" +
         extra;
}

// An ostream that the router's thread writes and the test's thread reads, under a lock.
class SharedLog : private std::streambuf, public std::ostream {
 public:
  SharedLog() : std::ostream(this) {}
  std::string Text() {
    std::lock_guard lock(mu_);
    return text_;
  }
  bool Has(std::string_view s) { return Text().find(s) != std::string::npos; }

 private:
  int overflow(int c) override {
    if (c == std::char_traits<char>::eof()) return 0;
    std::lock_guard lock(mu_);
    text_ += static_cast<char>(c);
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard lock(mu_);
    text_.append(s, static_cast<std::size_t>(n));
    return n;
  }

  std::mutex mu_;
  std::string text_;
};

const char* kNoListener = "listen:\n  addresses: [127.0.0.1]\n  port: 0\n";

Error ErrorOf(const RouterServiceOptions& o) {
  std::ostringstream log;
  auto r = RunRouterService(o, log);
  REQUIRE_FALSE(r);
  return r.error();
}

}  // namespace

TEST_CASE("router service: no config file or a bad log level is a usage error") {
  auto e = ErrorOf({"", "/tmp/unused.sock", "info"});
  CHECK(e.kind() == ErrorKind::kUsage);
  CHECK(e.message() == "a router config file is required to run the router");
  TempDir dir;
  e = ErrorOf({dir.Write("router.yaml", Config(kNoListener)), dir.Path("s.sock"), "loud"});
  CHECK(e.kind() == ErrorKind::kUsage);
  CHECK(e.message() == "log level \"loud\" is none of debug, info, warn, error");
}

TEST_CASE("router service: a config file missing or invalid is an input error") {
  TempDir dir;
  auto e = ErrorOf({dir.Path("missing.yaml"), dir.Path("s.sock"), "info"});
  CHECK(e.kind() == ErrorKind::kInput);
  CHECK(e.message().find(dir.Path("missing.yaml")) == 0);

  const auto bad = dir.Write("bad.yaml", Config("originate: [10.0.0.0/33]\n"));
  e = ErrorOf({bad, dir.Path("s.sock"), "info"});
  CHECK(e.kind() == ErrorKind::kInput);
  CHECK(e.message().find(bad + ":9:") == 0);
  struct stat st {};
  CHECK(::stat(dir.Path("s.sock").c_str(), &st) != 0);  // nothing was opened
}

TEST_CASE("router service: a control socket that cannot be made is an environment error") {
  TempDir dir;
  auto e = ErrorOf({dir.Write("router.yaml", Config(kNoListener)),
                    "/proc/bgpdemo-no-such-dir/router.sock", "info"});
  CHECK(e.kind() == ErrorKind::kEnvironment);
  CHECK(e.message().find("control socket /proc/bgpdemo-no-such-dir/router.sock: ") == 0);
}

TEST_CASE("router service: a port in use is an environment error, and the socket goes") {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor taken(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const auto port = taken.local_endpoint().port();
  TempDir dir;
  const auto config = dir.Write(
      "router.yaml", Config(fmt::format("listen:\n  addresses: [127.0.0.1]\n  port: {}\n", port)));
  auto e = ErrorOf({config, dir.Path("s.sock"), "info"});
  CHECK(e.kind() == ErrorKind::kEnvironment);
  CHECK(e.message().find("127.0.0.1") != std::string::npos);
  struct stat st {};
  CHECK(::stat(dir.Path("s.sock").c_str(), &st) != 0);
}

TEST_CASE("router service: kernel routes without CAP_NET_ADMIN are an environment error") {
  TempDir dir;
  const auto config = dir.Write(
      "router.yaml", Config(std::string(kNoListener) + "fib:\n  install: true\n  table: 4242\n"));
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::alarm(10);  // a router that started after all would run until a signal
    // Lower the effective set (any process may): the router must see it cannot.
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) != 0) ::_exit(90);
    data[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
    if (::syscall(SYS_capset, &header, data) != 0) ::_exit(91);
    std::ostringstream log;
    auto r = RunRouterService({config, dir.Path("s.sock"), "info"}, log);
    if (r) ::_exit(92);
    const std::string text = r.error().message();
    (void)!::write(pipe_fds[1], text.data(), text.size());
    ::_exit(r.error().kind() == ErrorKind::kEnvironment ? 0 : 93);
  }
  ::close(pipe_fds[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  ::close(pipe_fds[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(text ==
        "kernel routes: fib.install is set, and installing routes needs root or "
        "CAP_NET_ADMIN");
}

TEST_CASE("router service: asking a router that is not running is an environment error") {
  auto r = QueryRouter("/tmp/bgpdemo-no-router-here.sock", RouterQuery::kPeers,
                       std::chrono::milliseconds(500));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == ErrorKind::kEnvironment);
  CHECK(r.error().message().find("cannot connect to /tmp/bgpdemo-no-router-here.sock: ") == 0);
}

TEST_CASE("router service: answers queries, reloads on SIGHUP, stops on SIGTERM") {
  TempDir dir;
  const auto config =
      dir.Write("router.yaml", Config(std::string(kNoListener) + "originate: [192.0.2.0/24]\n"));
  const auto socket = dir.Path("router.sock");
  SharedLog log;
  auto done = std::async(std::launch::async, [&] {
    return RunRouterService({config, socket, "info"}, log);
  });
  // Routes, once the router answers (its signal handlers are in place by then).
  auto routes_now = [&]() -> std::optional<nlohmann::json> {
    auto r = QueryRouter(socket, RouterQuery::kRoutes, std::chrono::milliseconds(500));
    if (!r) return std::nullopt;
    return *r;
  };
  auto wait_for = [&](const std::function<bool(const nlohmann::json&)>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done.wait_for(std::chrono::seconds(0)) == std::future_status::ready) return false;
      if (auto r = routes_now(); r && pred(*r)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };
  const bool up = wait_for([](const nlohmann::json& r) { return r.size() == 1; });
  if (!up && done.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    FAIL("the router stopped: ", done.get().error().message());
  }
  REQUIRE(up);
  CHECK(routes_now()->at(0)["prefix"] == "192.0.2.0/24");
  auto peers = QueryRouter(socket, RouterQuery::kPeers);
  REQUIRE(peers);
  CHECK(*peers == nlohmann::json::array());

  // SIGHUP: the file now originates another prefix.
  dir.Write("router.yaml", Config(std::string(kNoListener) + "originate: [198.51.100.0/24]\n"));
  ::kill(::getpid(), SIGHUP);
  CHECK(wait_for([](const nlohmann::json& r) {
    return r.size() == 1 && r[0]["prefix"] == "198.51.100.0/24";
  }));
  // A broken file on SIGHUP keeps the running config.
  dir.Write("router.yaml", "local_as: [\n");
  ::kill(::getpid(), SIGHUP);
  REQUIRE(wait_for([&](const nlohmann::json&) { return log.Has("event=reload_failed"); }));
  CHECK(routes_now()->at(0)["prefix"] == "198.51.100.0/24");

  ::kill(::getpid(), SIGTERM);
  REQUIRE(done.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto r = done.get();
  CHECK(r.has_value());
  struct stat st {};
  CHECK(::stat(socket.c_str(), &st) != 0);  // the socket file went with it
  CHECK(log.Has("event=signal signal=SIGTERM"));
  CHECK(log.Has("event=exit status=0"));
}
