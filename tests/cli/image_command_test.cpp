// `bgpdemo probe URL` (the router's HTTP probe, cli/image_command.h) against a one-reply
// server on loopback, and its bad URLs; `bgpdemo image build --help` shows its defaults.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/http_probe.h"
#include "tests/test_util.h"

namespace bgpdemo::test {
namespace {

// Listens on 127.0.0.1:<ephemeral>, answers one connection with `reply` and closes.
class OneReply {
 public:
  explicit OneReply(std::string reply) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    t_ = std::thread([this, reply] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[1024];
      (void)::read(c, buf, sizeof buf);
      (void)::write(c, reply.data(), reply.size());
      ::close(c);
    });
  }
  ~OneReply() {
    ::shutdown(fd_, SHUT_RDWR);
    t_.join();
    ::close(fd_);
  }
  OneReply(const OneReply&) = delete;
  OneReply& operator=(const OneReply&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread t_;
};

TEST_CASE("cli probe: one GET, the reply as text or as JSON for the kind provider") {
  {
    OneReply server("HTTP/1.1 200 OK\r\nContent-Length: 21\r\n\r\nnginx pod nginx-7f-a\n");
    auto r = Bgpdemo({"probe", "-o", "json", fmt::format("http://127.0.0.1:{}/", server.port())});
    CHECK(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["status"] == 200);
    CHECK(j["body"] == "nginx pod nginx-7f-a\n");
    CHECK(j["seconds"].is_number());
  }
  {
    OneReply server("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy");
    auto r = Bgpdemo({"probe", fmt::format("http://127.0.0.1:{}", server.port())});
    CHECK(r.code == 0);
    CHECK(r.out.starts_with("503 Service Unavailable in "));
    CHECK(r.out.ends_with(" s\nbusy"));
  }
}

TEST_CASE("cli probe: no reply is exit 1 naming what failed, a bad URL exit 2") {
  std::uint16_t port = 0;
  {
    OneReply closed("");  // takes a port, then closes: nothing listens there afterwards
    port = closed.port();
  }
  auto refused = Bgpdemo({"probe", "--timeout", "2", fmt::format("http://127.0.0.1:{}/", port)});
  CHECK(refused.code == 1);
  CHECK(refused.err ==
        fmt::format("bgpdemo probe: connect 127.0.0.1:{}: connection refused\n", port));
  auto name = Bgpdemo({"probe", "http://nginx/"});
  CHECK(name.code == 2);
  CHECK(name.err == "bgpdemo probe: URL \"http://nginx/\": the host must be an IP address\n");
}

TEST_CASE("cli image build: --help names the defaults (the tag, FROM scratch)") {
  auto r = Bgpdemo({"image", "build", "--help"});
  CHECK(r.code == 0);
  CHECK(r.out.find("bgpdemo-router:") != std::string::npos);
  CHECK(r.out.find("FROM scratch") != std::string::npos);
  CHECK(r.out.find("--context-dir") != std::string::npos);
}

TEST_CASE("http url: an IP address, a port (80 when none), the path / only") {
  auto a = core::ParseHttpUrl("http://10.12.0.10/");
  REQUIRE(a);
  CHECK(a->ip == "10.12.0.10");
  CHECK(a->port == 80);
  auto b = core::ParseHttpUrl("http://[fd00::1]:8080");
  REQUIRE(b);
  CHECK(b->ip == "fd00::1");
  CHECK(b->port == 8080);
  CHECK(core::ParseHttpUrl("https://10.0.0.1/").error() ==
        "URL \"https://10.0.0.1/\": only http:// is supported");
  CHECK(core::ParseHttpUrl("http://10.0.0.1/healthz").error() ==
        "URL \"http://10.0.0.1/healthz\": only the path / is supported");
  CHECK(core::ParseHttpUrl("http://10.0.0.1:0/").error() ==
        "URL \"http://10.0.0.1:0/\": bad port \"0\"");
  CHECK(core::ParseHttpUrl("http://10.0.0.1:/").error() ==
        "URL \"http://10.0.0.1:/\": bad port \"\"");
  CHECK(core::ParseHttpUrl("http://10.0.0.1:99999/").error() ==
        "URL \"http://10.0.0.1:99999/\": bad port \"99999\"");
}

}  // namespace
}  // namespace bgpdemo::test
