// Tests for core/lab/http: the nginx stand-in, the LoadBalancer proxy and the probe. The
// unit tests run on 127.0.0.1 with ephemeral ports (no root); one test builds two
// namespaces joined by a veth and probes across them (root; skips otherwise).
#include "core/lab/http.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "core/lab/netns.h"
#include "core/process.h"
#include "tests/core/lab/lab_fixture.h"

using namespace bgpdemo;
using namespace bgpdemo::core::lab;
using namespace std::chrono_literals;
using tcp = boost::asio::ip::tcp;

namespace {

// A blocking client with a receive timeout: sends `request`, returns all it reads until the
// server closes (or 3 s pass).
std::string RawExchange(std::uint16_t port, const std::string& request, bool half_close = false) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  if (!request.empty()) REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) > 0);
  if (half_close) ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// A port nothing listens on (bound, then closed).
std::uint16_t ClosedPort() {
  boost::asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

std::string Header(const HttpReply& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<none>";
}

tcp::endpoint Local(std::uint16_t port) {
  return {boost::asio::ip::make_address("127.0.0.1"), port};
}

}  // namespace

TEST_CASE("http: the responder answers GET with 200 like nginx and names the pod") {
  auto t = NetnsThread::Start("");
  REQUIRE(t);
  auto& th = **t;
  auto made = th.Run([&] { return HttpResponder::Start(th.io(), "127.0.0.1", 0, "nginx-7f-abc"); });
  REQUIRE(made);
  auto& responder = **made;
  const auto port = th.Run([&] { return responder.port(); });
  REQUIRE(port != 0);

  auto r = HttpGet("", "127.0.0.1", port, 2s);
  REQUIRE_MESSAGE(r, (r ? "" : r.error()));
  CHECK(r->status == 200);
  CHECK(r->reason == "OK");
  CHECK(r->body == "nginx pod nginx-7f-abc\n");
  CHECK(Header(*r, "Server") == "nginx");
  CHECK(Header(*r, "Content-Type") == "text/plain");
  CHECK(Header(*r, "Content-Length") == "23");
  CHECK(Header(*r, "Connection") == "close");
  CHECK(Header(*r, "Date").find(" GMT") != std::string::npos);
  CHECK(r->seconds < 2);

  // Any path, HTTP/1.0, a bare LF client: all 200.
  const std::string raw = RawExchange(port, "GET /some/where?x=1 HTTP/1.0\n\n");
  CHECK(raw.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(raw.find("\r\n\r\nnginx pod nginx-7f-abc\n") != std::string::npos);
  CHECK(th.Run([&] { return responder.answered(); }) == 2);
  th.Run([&] { made->reset(); });
}

TEST_CASE("http: garbage, oversized, cut-short and silent clients get 400 or are dropped") {
  auto t = NetnsThread::Start("");
  REQUIRE(t);
  auto& th = **t;
  HttpLimits limits;
  limits.max_header_bytes = 1024;
  limits.request_timeout = 300ms;
  auto made = th.Run([&] { return HttpResponder::Start(th.io(), "127.0.0.1", 0, "p", limits); });
  REQUIRE(made);
  const auto port = th.Run([&] { return (*made)->port(); });

  CHECK(
      RawExchange(port, "\x16\x03\x01 garbage\r\n\r\n").rfind("HTTP/1.1 400 Bad Request\r\n", 0) ==
      0);
  CHECK(RawExchange(port, "GET / SPDY/3\r\n\r\n").rfind("HTTP/1.1 400", 0) == 0);
  CHECK(RawExchange(port, "GET /" + std::string(2000, 'a')).rfind("HTTP/1.1 400", 0) == 0);
  // Half a request, then the client's FIN: nothing to answer.
  CHECK(RawExchange(port, "GET / HTT", true).empty());
  // A client that says nothing is closed after the request timeout.
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(RawExchange(port, "").empty());
  const auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(waited >= 250ms);
  CHECK(waited < 2500ms);
  CHECK(th.Run([&] { return (*made)->rejected(); }) == 5);
  // Still serving.
  auto r = HttpGet("", "127.0.0.1", port, 2s);
  REQUIRE(r);
  CHECK(r->status == 200);
  th.Run([&] { made->reset(); });
}

TEST_CASE("http: the proxy relays round robin, skips a dead backend, closes when all are dead") {
  auto t = NetnsThread::Start("");
  REQUIRE(t);
  auto& th = **t;
  auto a = th.Run([&] { return HttpResponder::Start(th.io(), "127.0.0.1", 0, "a"); });
  auto b = th.Run([&] { return HttpResponder::Start(th.io(), "127.0.0.1", 0, "b"); });
  REQUIRE(a);
  REQUIRE(b);
  const auto pa = th.Run([&] { return (*a)->port(); });
  const auto pb = th.Run([&] { return (*b)->port(); });
  const auto dead = ClosedPort();

  auto proxy = th.Run([&] {
    return TcpProxy::Start(th.io(), "127.0.0.1", 0, {Local(pa), Local(pb)});
  });
  REQUIRE(proxy);
  const auto port = th.Run([&] { return (*proxy)->port(); });
  std::vector<std::string> bodies;
  for (int i = 0; i < 4; ++i) {
    auto r = HttpGet("", "127.0.0.1", port, 2s);
    REQUIRE_MESSAGE(r, (r ? "" : r.error()));
    CHECK(r->status == 200);
    bodies.push_back(r->body);
  }
  CHECK(bodies == std::vector<std::string>{"nginx pod a\n", "nginx pod b\n", "nginx pod a\n",
                                           "nginx pod b\n"});
  // A request larger than the proxy's relay buffer (16 KiB) takes several reads and writes.
  HttpLimits roomy;
  roomy.max_header_bytes = 65536;
  auto c = th.Run([&] { return HttpResponder::Start(th.io(), "127.0.0.1", 0, "c", roomy); });
  REQUIRE(c);
  const auto pc = th.Run([&] { return (*c)->port(); });
  const std::string big = "GET / HTTP/1.1\r\nX-Pad: " + std::string(40000, 'p') + "\r\n\r\n";
  auto via = th.Run([&] { return TcpProxy::Start(th.io(), "127.0.0.1", 0, {Local(pc)}); });
  REQUIRE(via);
  const std::string reply = RawExchange(th.Run([&] { return (*via)->port(); }), big);
  CHECK(reply.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(reply.find("nginx pod c\n") != std::string::npos);

  auto skip = th.Run([&] {
    return TcpProxy::Start(th.io(), "127.0.0.1", 0, {Local(dead), Local(pb)});
  });
  REQUIRE(skip);
  const auto skip_port = th.Run([&] { return (*skip)->port(); });
  for (int i = 0; i < 2; ++i) {
    auto r = HttpGet("", "127.0.0.1", skip_port, 2s);
    REQUIRE_MESSAGE(r, (r ? "" : r.error()));
    CHECK(r->body == "nginx pod b\n");
  }

  auto none = th.Run([&] {
    return TcpProxy::Start(th.io(), "127.0.0.1", 0, {Local(dead), Local(ClosedPort())});
  });
  REQUIRE(none);
  const auto none_port = th.Run([&] { return (*none)->port(); });
  auto r = HttpGet("", "127.0.0.1", none_port, 2s);
  REQUIRE_FALSE(r);
  CHECK(r.error() ==
        fmt::format("GET http://127.0.0.1:{}/: connection closed without a reply", none_port));
  CHECK(th.Run([&] { return (*none)->refused(); }) == 1);
  CHECK(th.Run([&] { return (*skip)->relayed(); }) == 2);

  auto empty = th.Run([&] { return TcpProxy::Start(th.io(), "127.0.0.1", 0, {}); });
  REQUIRE_FALSE(empty);
  CHECK(empty.error() == "proxy 127.0.0.1:0: no backends to send connections to");

  th.Run([&] {
    proxy->reset();
    via->reset();
    c->reset();
    skip->reset();
    none->reset();
    a->reset();
    b->reset();
  });
}

TEST_CASE("http: start and probe errors say what failed") {
  auto t = NetnsThread::Start("");
  REQUIRE(t);
  auto& th = **t;
  auto bad = th.Run([&] { return HttpResponder::Start(th.io(), "10.0.0.300", 80, "x"); });
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == "\"10.0.0.300\" is not an IP address");
  auto first = th.Run([&] { return HttpResponder::Start(th.io(), "127.0.0.1", 0, "x"); });
  REQUIRE(first);
  const auto port = th.Run([&] { return (*first)->port(); });
  auto clash = th.Run([&] { return HttpResponder::Start(th.io(), "127.0.0.1", port, "y"); });
  REQUIRE_FALSE(clash);
  CHECK(clash.error() == fmt::format("bind 127.0.0.1:{}: address already in use", port));
  th.Run([&] { first->reset(); });

  const auto dead = ClosedPort();
  auto refused = HttpGet("", "127.0.0.1", dead, 2s);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == fmt::format("connect 127.0.0.1:{}: connection refused", dead));

  // A listener that never answers (the kernel completes the handshake from the backlog).
  boost::asio::io_context io;
  tcp::acceptor silent(io, Local(0));
  const auto silent_port = silent.local_endpoint().port();
  auto slow = HttpGet("", "127.0.0.1", silent_port, 300ms);
  REQUIRE_FALSE(slow);
  CHECK(slow.error() == fmt::format("GET http://127.0.0.1:{}/: timed out after 0.3 s waiting for "
                                    "the reply",
                                    silent_port));
  auto not_ip = HttpGet("", "nginx", 80, 1s);
  REQUIRE_FALSE(not_ip);
  CHECK(not_ip.error() == "GET: \"nginx\" is not an IP address");
}

TEST_CASE("http (root, netns): probe a pod across a veth and through a node's LB proxy") {
  if (auto why = test::RootSkipReason(); !why.empty()) {
    MESSAGE("skipped: " << why);
    return;
  }
  test::TestNamespaces nss;
  const std::string node = nss.Make("node");
  const std::string pod = nss.Make("pod");
  const std::string peer = nss.Ifname("pod");
  REQUIRE(IpBatch(node, {fmt::format("link add {} type veth peer name eth0 netns {}", peer, pod),
                         fmt::format("addr add 10.199.2.1/24 dev {}", peer),
                         fmt::format("link set {} up", peer),
                         "addr add 10.199.99.1/32 dev lo"}));  // the LoadBalancer IP
  REQUIRE(IpBatch(pod, {"addr add 10.199.2.2/24 dev eth0", "link set eth0 up",
                        "route add default via 10.199.2.1"}));

  auto pod_thread = NetnsThread::Start(pod);
  auto node_thread = NetnsThread::Start(node);
  REQUIRE(pod_thread);
  REQUIRE(node_thread);
  auto& pt = **pod_thread;
  auto& nt = **node_thread;
  auto responder = pt.Run([&] { return HttpResponder::Start(pt.io(), "10.199.2.2", 80, "web-0"); });
  REQUIRE_MESSAGE(responder, (responder ? "" : responder.error()));
  auto proxy = nt.Run([&] {
    return TcpProxy::Start(nt.io(), "10.199.99.1", 80,
                           {{boost::asio::ip::make_address("10.199.2.2"), 80}});
  });
  REQUIRE_MESSAGE(proxy, (proxy ? "" : proxy.error()));

  auto direct = HttpGet(node, "10.199.2.2", 80, 2s);
  REQUIRE_MESSAGE(direct, (direct ? "" : direct.error()));
  CHECK(direct->body == "nginx pod web-0\n");
  auto lb = HttpGet(pod, "10.199.99.1", 80, 2s);  // pod -> node's LB IP -> back to the pod
  REQUIRE_MESSAGE(lb, (lb ? "" : lb.error()));
  CHECK(lb->status == 200);
  CHECK(lb->body == "nginx pod web-0\n");

  auto refused = HttpGet(node, "10.199.2.2", 81, 2s);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() ==
        fmt::format("connect 10.199.2.2:81 from netns {}: connection refused", node));

  pt.Run([&] { responder->reset(); });
  nt.Run([&] { proxy->reset(); });
}
