// The ui's web server (core/ui/server.h) over a real loopback socket: the page and its
// assets, the state and graph, the event stream, actions and their guards, the Host check
// and the limits. tests/e2e/ui_test.py drives the page in Chromium on a running lab demo.
#include "core/ui/server.h"

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>

namespace bgpdemo::core::ui {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A server on 127.0.0.1:<any port> with its io_context on a thread of its own.
struct Running {
  explicit Running(Server::Act act = {})
      : server(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), std::move(act)) {
    REQUIRE(server.Start());
    port = server.endpoint().port();
    thread = std::thread([this] {
      auto guard = asio::make_work_guard(io);
      io.run();
    });
  }
  ~Running() {
    asio::post(io, [this] {
      server.Stop();
      io.stop();
    });
    thread.join();
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port); }

  asio::io_context io;
  Server server;
  std::uint16_t port = 0;
  std::thread thread;
};

// Sends `request` as it is and reads the whole answer, until the server closes.
std::string Exchange(std::uint16_t port, const std::string& request) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  boost::system::error_code ec;
  asio::write(s, asio::buffer(request), ec);  // a server at its limit may have closed already
  std::string answer;
  char buf[4096];
  for (;;) {
    const auto n = s.read_some(asio::buffer(buf), ec);
    answer.append(buf, n);
    if (ec) break;
  }
  return answer;
}

std::string Get(const Running& r, const std::string& path, const std::string& host = "") {
  return Exchange(r.port, "GET " + path + " HTTP/1.1\r\nHost: " + (host.empty() ? r.host() : host) +
                              "\r\n\r\n");
}

std::string Post(const Running& r, const std::string& path, bool action_header = true) {
  return Exchange(r.port, "POST " + path + " HTTP/1.1\r\nHost: " + r.host() + "\r\n" +
                              (action_header ? "X-Bgpdemo-Action: 1\r\n" : "") +
                              "Content-Length: 0\r\n\r\n");
}

std::string Body(const std::string& answer) {
  const auto at = answer.find("\r\n\r\n");
  return at == std::string::npos ? "" : answer.substr(at + 4);
}

TEST_CASE("ui server: the page, its script and style, from the binary, with a strict policy") {
  Running r;
  const auto page = Get(r, "/");
  CHECK(page.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(page.find("Content-Type: text/html; charset=utf-8") != std::string::npos);
  CHECK(page.find("Content-Security-Policy: default-src 'none'; script-src 'self'") !=
        std::string::npos);
  CHECK(page.find("Cache-Control: no-store") != std::string::npos);
  CHECK(Body(page).find("<script src=\"/ui.js\" defer></script>") != std::string::npos);
  // Nothing in the page or its assets points anywhere else.
  for (const auto* path : {"/", "/ui.js", "/ui.css"}) {
    const auto body = Body(Get(r, path));
    CAPTURE(path);
    CHECK(!body.empty());
    CHECK(body.find("http://") == std::string::npos);
    CHECK(body.find("https://") == std::string::npos);
    CHECK(body.find("//cdn") == std::string::npos);
  }
  CHECK(Get(r, "/ui.js").find("Content-Type: text/javascript") != std::string::npos);
  CHECK(Get(r, "/ui.css").find("Content-Type: text/css") != std::string::npos);
  CHECK(Get(r, "/nothing").starts_with("HTTP/1.1 404"));
  const auto head = Exchange(r.port, "HEAD / HTTP/1.1\r\nHost: " + r.host() + "\r\n\r\n");
  CHECK(head.starts_with("HTTP/1.1 200"));
  CHECK(head.find("Content-Length: 0") == std::string::npos);
  CHECK(Body(head).empty());
}

TEST_CASE("ui server: the state and graph are the last ones published") {
  Running r;
  CHECK(Body(Get(r, "/api/state")) == "{}");
  CHECK(Get(r, "/graph.svg").starts_with("HTTP/1.1 404"));
  r.server.Publish(R"({"n":1})", "<svg>one</svg>");
  r.server.Publish(R"({"n":2})", std::nullopt);  // the graph did not change
  // Publish is posted to the server's thread: the next request is answered after it.
  const auto state = Get(r, "/api/state");
  CHECK(state.find("Content-Type: application/json") != std::string::npos);
  CHECK(Body(state) == R"({"n":2})");
  const auto svg = Get(r, "/graph.svg");
  CHECK(svg.find("Content-Type: image/svg+xml") != std::string::npos);
  CHECK(Body(svg) == "<svg>one</svg>");
}

TEST_CASE("ui server: a Host that is not the address listened on is refused") {
  Running r;
  CHECK(Get(r, "/", "evil.example:" + std::to_string(r.port)).starts_with("HTTP/1.1 403"));
  CHECK(Get(r, "/api/state", "127.0.0.1:1").starts_with("HTTP/1.1 403"));
  CHECK(Get(r, "/", "localhost:" + std::to_string(r.port)).starts_with("HTTP/1.1 200"));
}

TEST_CASE("ui server: actions only when allowed, only with the header, with valid values") {
  SUBCASE("read-only") {
    Running r;
    const auto a = Post(r, "/api/speaker?node=n1&action=stop");
    CHECK(a.starts_with("HTTP/1.1 403"));
    CHECK(Body(a).find("--allow-actions") != std::string::npos);
  }
  SUBCASE("allowed") {
    std::vector<std::pair<std::string, Server::Params>> asked;
    Running r([&asked](const std::string& what, const Server::Params& p, Server::Reply reply) {
      asked.emplace_back(what, p);
      // Answered from another thread, as the loop does.
      std::thread([reply = std::move(reply), what] { reply(200, what + " done\n"); }).detach();
    });
    CHECK(Post(r, "/api/speaker?node=n1&action=stop", false).starts_with("HTTP/1.1 403"));
    CHECK(Exchange(r.port, "GET /api/speaker?node=n1&action=stop HTTP/1.1\r\nHost: " + r.host() +
                               "\r\nX-Bgpdemo-Action: 1\r\n\r\n")
              .starts_with("HTTP/1.1 405"));
    CHECK(Post(r, "/api/speaker?node=n1&action=reboot").starts_with("HTTP/1.1 400"));
    CHECK(Post(r, "/api/speaker?action=stop").starts_with("HTTP/1.1 400"));
    CHECK(Post(r, "/api/speaker?node=n%2&action=stop").starts_with("HTTP/1.1 400"));
    CHECK(Post(r, "/api/fault?kind=link-down&node=n1&action=stop").starts_with("HTTP/1.1 400"));
    CHECK(Post(r, "/api/fault?node=n1&action=start").starts_with("HTTP/1.1 400"));
    CHECK(asked.empty());
    const auto a = Post(r, "/api/speaker?node=cilium%2Dworker&action=stop");
    CHECK(a.starts_with("HTTP/1.1 200"));
    CHECK(Body(a) == "speaker done\n");
    const auto f = Post(r, "/api/fault?kind=router-restart&action=start");
    CHECK(f.starts_with("HTTP/1.1 200"));
    CHECK(Body(f) == "fault done\n");
    REQUIRE(asked.size() == 2);
    CHECK(asked[0].first == "speaker");
    CHECK(asked[0].second == Server::Params{{"node", "cilium-worker"}, {"action", "stop"}});
    CHECK(asked[1].first == "fault");
    CHECK(asked[1].second == Server::Params{{"kind", "router-restart"}, {"action", "start"}});
  }
}

TEST_CASE("ui server: an event stream gets the state at once and each one published") {
  Running r;
  r.server.Publish(R"({"n":1})", std::nullopt);
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), r.port});
  asio::write(s, asio::buffer("GET /api/events HTTP/1.1\r\nHost: " + r.host() + "\r\n\r\n"));
  std::string got;
  asio::read_until(s, asio::dynamic_buffer(got), "\r\n\r\n");
  CHECK(got.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(got.find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(got.find("Content-Length") == std::string::npos);
  got.erase(0, got.find("\r\n\r\n") + 4);
  asio::read_until(s, asio::dynamic_buffer(got), "\n\n");
  CHECK(got.substr(0, got.find("\n\n") + 2) == "event: state\ndata: {\"n\":1}\n\n");
  got.erase(0, got.find("\n\n") + 2);
  r.server.Publish(R"({"n":2})", "<svg/>");
  asio::read_until(s, asio::dynamic_buffer(got), "\n\n");
  CHECK(got.substr(0, got.find("\n\n") + 2) == "event: state\ndata: {\"n\":2}\n\n");
}

TEST_CASE("ui server: limits: an oversized request, too many connections") {
  Running r;
  const auto big = Exchange(r.port, "GET / HTTP/1.1\r\nHost: " + r.host() +
                                        "\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
  CHECK(big.starts_with("HTTP/1.1 413"));
  const auto body =
      Exchange(r.port, "POST /api/speaker HTTP/1.1\r\nHost: " + r.host() +
                           "\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'a'));
  CHECK(body.starts_with("HTTP/1.1 413"));

  // Event streams hold their connections: the one past the limit is closed at once.
  asio::io_context io;
  std::vector<tcp::socket> held;
  for (std::size_t i = 0; i < Server::kMaxConnections; ++i) {
    auto& s = held.emplace_back(io);
    s.connect({asio::ip::make_address("127.0.0.1"), r.port});
    asio::write(s, asio::buffer("GET /api/events HTTP/1.1\r\nHost: " + r.host() + "\r\n\r\n"));
    std::string got;
    asio::read_until(s, asio::dynamic_buffer(got), "\n\n");  // it is being served
  }
  CHECK(Get(r, "/").empty());
  held.clear();
  // The server notices the streams left when it next writes to them; a ping or a state does.
  for (int i = 0; i < 100 && Get(r, "/").empty(); ++i) {
    r.server.Publish("{}", std::nullopt);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(Get(r, "/").starts_with("HTTP/1.1 200"));
}

}  // namespace
}  // namespace bgpdemo::core::ui
