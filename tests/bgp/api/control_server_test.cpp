// The control socket's guards (bgp/api/control_server.h): the peer's uid checked with
// SO_PEERCRED whatever the mode bits say, the connections at once, the requests a second.
#include "bgp/api/control_server.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace bgpdemo;
using namespace bgpdemo::bgp;
using nlohmann::json;
namespace asio = boost::asio;

namespace {

std::string SocketPath(const char* what) {
  return fmt::format("/tmp/bgpdemo-control-{}-{}.sock", what, ::getpid());
}

// A connected client socket, or -1.
int Connect(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// Reads `n` reply lines (fewer at EOF or a timeout).
std::vector<std::string> ReadLines(int fd, std::size_t n) {
  std::vector<std::string> out;
  std::string buf;
  char chunk[4096];
  while (out.size() < n) {
    const auto got = ::read(fd, chunk, sizeof chunk);
    if (got <= 0) break;
    buf.append(chunk, static_cast<std::size_t>(got));
    for (auto nl = buf.find('\n'); nl != std::string::npos && out.size() < n; nl = buf.find('\n')) {
      out.push_back(buf.substr(0, nl));
      buf.erase(0, nl + 1);
    }
  }
  return out;
}

// The io_context runs until `done`, on this thread, while others play clients.
template <typename F>
void RunUntil(asio::io_context& io, F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
  }
}

json Pong(const json&) {
  return api::OkReply("pong");
}

}  // namespace

TEST_CASE("control socket: only root and the router's user are answered") {
  CHECK(api::MayControl(0, 1000));
  CHECK(api::MayControl(1000, 1000));
  CHECK_FALSE(api::MayControl(1001, 1000));
  if (::geteuid() != 0) {
    MESSAGE("skipped the other-user half: it needs root (to setuid a child)");
    return;
  }
  NullLogger log;
  asio::io_context io;
  const auto path = SocketPath("peercred");
  api::ControlServer control(io, path, Pong, log);
  REQUIRE(control.Start());
  // The mode bits let anyone in (a socket chmod'ed, or in a folder shared): the peer's
  // credentials still decide.
  REQUIRE(::chmod(path.c_str(), 0666) == 0);
  int status = -1;
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    const int fd = Connect(path);
    if (fd < 0) ::_exit(4);
    // The refusal may come, and the socket close, before the request is written.
    const std::string request = "{\"command\":\"ping\"}\n";
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    const auto lines = ReadLines(fd, 2);
    const bool refused =
        lines.size() == 1 &&
        lines[0].find("uid 65534 may not use this control socket: only root and uid 0") !=
            std::string::npos;
    ::_exit(refused ? 0 : 5);
  }
  REQUIRE(child > 0);
  RunUntil(io, [&] { return ::waitpid(child, &status, WNOHANG) == child; });
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);  // 5: answered, or not refused as it should be

  // Root (this process) is answered.
  std::vector<std::string> lines;
  std::thread me([&] {
    const int fd = Connect(path);
    const std::string request = "{\"command\":\"ping\"}\n";
    (void)::write(fd, request.data(), request.size());
    lines = ReadLines(fd, 1);
    ::close(fd);
  });
  RunUntil(io, [&] { return !lines.empty(); });
  me.join();
  REQUIRE(lines.size() == 1);
  CHECK(json::parse(lines[0]) == api::OkReply("pong"));
}

TEST_CASE("control socket: at most 200 requests a second on a connection, 32 connections") {
  NullLogger log;
  asio::io_context io;
  const auto path = SocketPath("limits");
  api::ControlServer control(io, path, Pong, log);
  REQUIRE(control.Start());

  // 250 requests at once: the first 200 answered, the rest told to slow down; the
  // connection stays open.
  std::vector<std::string> lines;
  bool done = false;
  std::thread burst([&] {
    const int fd = Connect(path);
    std::string requests;
    for (int i = 0; i < 250; ++i) requests += "{\"command\":\"ping\"}\n";
    (void)::write(fd, requests.data(), requests.size());
    lines = ReadLines(fd, 250);
    ::close(fd);
    done = true;
  });
  RunUntil(io, [&] { return done; });
  burst.join();
  REQUIRE(lines.size() == 250);
  std::size_t answered = 0, slowed = 0;
  for (const auto& l : lines) {
    const auto j = json::parse(l);
    answered += j == api::OkReply("pong") ? 1 : 0;
    slowed += j.value("error", "").starts_with("too many requests") ? 1 : 0;
  }
  // A second may turn over during the burst on a slow machine: then more are answered.
  CHECK(answered >= 200);
  CHECK(answered + slowed == 250);

  // 33 connections held open: the 33rd is refused with a reason.
  std::vector<int> fds;
  std::vector<std::string> refused;
  done = false;
  std::thread many([&] {
    for (std::size_t i = 0; i < api::ControlServer::kMaxClients; ++i) fds.push_back(Connect(path));
    const int extra = Connect(path);
    refused = ReadLines(extra, 1);
    ::close(extra);
    done = true;
  });
  RunUntil(io, [&] { return done; });
  many.join();
  REQUIRE(refused.size() == 1);
  CHECK(json::parse(refused[0])["error"] == "too many connections: at most 32 at once");
  for (int fd : fds) ::close(fd);
}
