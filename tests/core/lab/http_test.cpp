// Tests for core/lab/http: the nginx stand-in, the LoadBalancer proxy and the probe. The
// reply reader is fed bytes in-process; the unit tests with sockets run on 127.0.0.1 with
// ephemeral ports (no root); one test builds two namespaces joined by a veth and probes
// across them (root; skips otherwise).
#include "core/lab/http.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

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

// How many times `what` occurs in `text`.
std::size_t Occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Feeds `reply` to a reader in pieces of `piece` bytes; the result of the last Feed, and
// how many Feeds said "complete" before the last byte (none should).
struct Fed {
  Result<bool, std::string> last = false;
  int early = 0;
};
Fed FeedInPieces(HttpReplyReader& reader, const std::string& reply, std::size_t piece) {
  Fed fed;
  for (std::size_t at = 0; at < reply.size(); at += piece) {
    fed.last = reader.Feed(std::string_view(reply).substr(at, piece));
    if (!fed.last) return fed;
    if (*fed.last && at + piece < reply.size()) ++fed.early;
  }
  return fed;
}

// A one-connection HTTP server on 127.0.0.1 that plays a script: it accepts, reads the
// request header, sends each of `writes` in a send() of its own (TCP_NODELAY: a segment
// each), then closes, or with hold_open waits for the client to close first (a server that
// keeps the connection alive). Everything blocking has a 5 s bound, so that a broken probe
// fails the test instead of hanging it.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::string> writes, bool hold_open = false)
      : writes_(std::move(writes)), hold_open_(hold_open) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(listener_, 4) == 0);
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    thread_.join();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  // What the client sent, up to the end of its header. Call after the client is done.
  const std::string& request() const { return request_; }

 private:
  void Serve() {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return;
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char buf[4096];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      request_.append(buf, static_cast<std::size_t>(n));
    }
    for (const auto& w : writes_) {
      if (::send(fd, w.data(), w.size(), MSG_NOSIGNAL) < 0) break;
    }
    while (hold_open_ && ::recv(fd, buf, sizeof buf, 0) > 0) {
    }
    ::close(fd);
  }

  std::vector<std::string> writes_;
  bool hold_open_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::string request_;
  std::thread thread_;
};

// One string per byte of s.
std::vector<std::string> Bytes(const std::string& s) {
  std::vector<std::string> out;
  for (const char c : s) out.emplace_back(1, c);
  return out;
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

TEST_CASE("http: the reply reader completes a Content-Length reply fed byte by byte") {
  const std::string reply =
      "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 12\r\nX-Empty:\r\n\r\nnginx pod a\n";
  HttpReplyReader reader;
  // Every byte on its own: the header stays buffered until it is whole, the body does not.
  for (std::size_t i = 0; i + 1 < reply.size(); ++i) {
    auto fed = reader.Feed(reply.substr(i, 1));
    REQUIRE_MESSAGE(fed, (fed ? "" : fed.error()));
    REQUIRE_FALSE(*fed);
    if (i + 1 < reply.find("\r\n\r\n") + 4) CHECK(reader.buffered() == i + 1);
    if (i + 1 >= reply.find("\r\n\r\n") + 4) CHECK(reader.buffered() == 0);
  }
  auto last = reader.Feed(reply.substr(reply.size() - 1));
  REQUIRE(last);
  CHECK(*last);
  CHECK(reader.received() == reply.size());
  const auto r = reader.Take();
  CHECK(r.status == 200);
  CHECK(r.reason == "OK");
  CHECK(r.body == "nginx pod a\n");
  using H = std::vector<std::pair<std::string, std::string>>;
  CHECK(r.headers == H{{"Server", "nginx"}, {"Content-Length", "12"}, {"X-Empty", ""}});
}

TEST_CASE("http: the reply reader decodes a chunked reply in pieces of every size") {
  const std::string reply =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\nnginx \r\n"
      "4;name=value\r\npod \r\n"
      "2\r\nc\n\r\n"
      "0\r\nX-Trailer: t\r\n\r\n";
  for (std::size_t piece = 1; piece <= reply.size(); ++piece) {
    CAPTURE(piece);
    HttpReplyReader reader;
    const auto fed = FeedInPieces(reader, reply, piece);
    REQUIRE_MESSAGE(fed.last, (fed.last ? "" : fed.last.error()));
    CHECK(*fed.last);
    CHECK(fed.early == 0);
    CHECK(reader.Take().body == "nginx pod c\n");
  }
  // What follows the last chunk (a next reply on a kept-alive connection) is not this body.
  HttpReplyReader reader;
  auto fed = reader.Feed(reply + "HTTP/1.1 200 OK\r\n");
  REQUIRE(fed);
  CHECK(*fed);
  CHECK(reader.Take().body == "nginx pod c\n");
}

TEST_CASE("http: the reply reader takes a large body and refuses one over its limit") {
  std::string body(512 * 1024, 'x');
  for (std::size_t i = 0; i < body.size(); i += 997) body[i] = static_cast<char>('a' + i % 26);
  const std::string sized =
      fmt::format("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}", body.size(), body);
  HttpReplyReader reader;
  auto fed = FeedInPieces(reader, sized, 1000);
  REQUIRE(fed.last);
  CHECK(*fed.last);
  CHECK(reader.buffered() == 0);
  CHECK(reader.Take().body == body);

  // The same body in 4 KiB chunks.
  std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += 4096) {
    const auto part = body.substr(at, 4096);
    chunked += fmt::format("{:x}\r\n{}\r\n", part.size(), part);
  }
  chunked += "0\r\n\r\n";
  HttpReplyReader chunks;
  fed = FeedInPieces(chunks, chunked, 1500);
  REQUIRE(fed.last);
  CHECK(*fed.last);
  CHECK(chunks.Take().body == body);

  // Over the limit, framed either way.
  HttpReplyReader small(1000);
  auto over = small.Feed("HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\n");
  REQUIRE_FALSE(over);
  CHECK(over.error() == "body longer than 1000 bytes");
  HttpReplyReader small_chunks(1000);
  fed = FeedInPieces(small_chunks, chunked, 1500);
  REQUIRE_FALSE(fed.last);
  CHECK(fed.last.error() == "body longer than 1000 bytes");
}

TEST_CASE("http: the reply reader names what is wrong with a malformed reply") {
  struct Case {
    std::string reply;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"SPDY/3 200 OK\r\n\r\n", "bad version in the status line \"SPDY/3 200 OK\""},
      {"\x16\x03\x01\x02\x7f hello\r\n\r\n",
       "bad version in the status line \"\\x16\\x03\\x01\\x02\\x7f hello\""},
      {"HTTP/1.1 2x0 OK\r\n\r\n", "bad status in the status line \"HTTP/1.1 2x0 OK\""},
      {"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
       "bad reason in the status line \"HTTP/1.1 200 OK\\x0aContent-Length: 0\\x0a\\x0a\""},
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\n\n", "bad value in the header"},
      {"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", "bad Content-Length in the header"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
       "bad Content-Length in the header"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk in the body"},
      {"HTTP/1.1 200 OK\r\nX: " + std::string(9000, 'a') + "\r\n\r\n",
       "header longer than 8192 bytes"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.reply.substr(0, 40));
    HttpReplyReader reader;
    const auto fed = reader.Feed(c.reply);
    REQUIRE_FALSE(fed);
    CHECK(fed.error() == c.error);
  }
}

TEST_CASE("http: the reply reader says how far a reply got when the connection closes") {
  HttpReplyReader nothing;
  auto end = nothing.End();
  REQUIRE_FALSE(end);
  CHECK(end.error() == "connection closed without a reply");

  HttpReplyReader header;
  REQUIRE(header.Feed("HTTP/1.1 200 OK\r\nContent-Le"));
  end = header.End();
  REQUIRE_FALSE(end);
  CHECK(end.error() == "reply header cut short");

  HttpReplyReader sized;
  REQUIRE(sized.Feed("HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\nnginx"));
  end = sized.End();
  REQUIRE_FALSE(end);
  CHECK(end.error() == "connection closed after 5 of 23 body bytes");

  HttpReplyReader chunked;
  REQUIRE(chunked.Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nng"));
  end = chunked.End();
  REQUIRE_FALSE(end);
  CHECK(end.error() == "connection closed in the middle of the chunked body");

  // Neither length nor chunks: the body runs to the end of the connection.
  HttpReplyReader to_eof;
  auto fed = to_eof.Feed("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nnginx pod ");
  REQUIRE(fed);
  CHECK_FALSE(*fed);
  REQUIRE(to_eof.Feed("z\n"));
  REQUIRE(to_eof.End());
  CHECK(to_eof.Take().body == "nginx pod z\n");
}

TEST_CASE(
    "http: the probe reads chunked and sized replies from a server that keeps the "
    "connection open") {
  // The server closes only after the client does (or after 5 s): a probe that waited for the
  // end of the connection would time out instead.
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\nnginx \r\n6\r\npod k\n\r\n0\r\n\r\n";
  ScriptedServer chunks({chunked.substr(0, 30), chunked.substr(30, 17), chunked.substr(47)}, true);
  auto r = HttpGet("", "127.0.0.1", chunks.port(), 2s);
  REQUIRE_MESSAGE(r, (r ? "" : r.error()));
  CHECK(r->status == 200);
  CHECK(r->body == "nginx pod k\n");
  CHECK(Header(*r, "Transfer-Encoding") == "chunked");

  // A Content-Length reply in one-byte writes.
  ScriptedServer bytes(Bytes("HTTP/1.1 201 Created\r\nContent-Length: 12\r\nConnection: "
                             "keep-alive\r\n\r\nnginx pod b\n"),
                       true);
  r = HttpGet("", "127.0.0.1", bytes.port(), 2s);
  REQUIRE_MESSAGE(r, (r ? "" : r.error()));
  CHECK(r->status == 201);
  CHECK(r->reason == "Created");
  CHECK(r->body == "nginx pod b\n");
  // What the probe asked for, framed by Beast.
  CHECK(bytes.request() == fmt::format("GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUser-Agent: "
                                       "bgpdemo\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                                       bytes.port()));
}

TEST_CASE("http: the probe takes a large body and reports bad, cut-short and stalled replies") {
  const std::string body(700 * 1024, 'b');
  ScriptedServer large(
      {fmt::format("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.size()), body});
  auto r = HttpGet("", "127.0.0.1", large.port(), 5s);
  REQUIRE_MESSAGE(r, (r ? "" : r.error()));
  CHECK(r->body.size() == body.size());
  CHECK(r->body == body);

  ScriptedServer bad({"HTTP/1.1 2x0 OK\r\n\r\n"});
  r = HttpGet("", "127.0.0.1", bad.port(), 5s);
  REQUIRE_FALSE(r);
  CHECK(r.error() == fmt::format("GET http://127.0.0.1:{}/: bad reply: bad status in the status "
                                 "line \"HTTP/1.1 2x0 OK\"",
                                 bad.port()));

  ScriptedServer cut({"HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\n", "nginx"});
  r = HttpGet("", "127.0.0.1", cut.port(), 5s);
  REQUIRE_FALSE(r);
  CHECK(r.error() == fmt::format("GET http://127.0.0.1:{}/: connection closed after 5 of 23 "
                                 "body bytes",
                                 cut.port()));

  // Half a reply, then silence: the deadline covers the whole exchange.
  const std::string half = "HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\nnginx";
  ScriptedServer stalled({half}, true);
  r = HttpGet("", "127.0.0.1", stalled.port(), 300ms);
  REQUIRE_FALSE(r);
  CHECK(r.error() == fmt::format("GET http://127.0.0.1:{}/: timed out after 0.3 s reading the "
                                 "reply ({} bytes so far)",
                                 stalled.port(), half.size()));
}

TEST_CASE("http: the responder closes after one reply unless keep-alive is allowed") {
  auto t = NetnsThread::Start("");
  REQUIRE(t);
  auto& th = **t;
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

  // Default: one reply per connection, whatever the client would like.
  auto once = th.Run([&] { return HttpResponder::Start(th.io(), "127.0.0.1", 0, "one"); });
  REQUIRE(once);
  const auto once_port = th.Run([&] { return (*once)->port(); });
  std::string raw = RawExchange(once_port, get + get);
  CHECK(Occurrences(raw, "HTTP/1.1 200 OK\r\n") == 1);
  CHECK(Occurrences(raw, "Connection: close\r\n") == 1);
  CHECK(th.Run([&] { return (*once)->answered(); }) == 1);

  HttpLimits limits;
  limits.max_requests_per_connection = 3;
  limits.request_timeout = 300ms;
  auto kept = th.Run([&] { return HttpResponder::Start(th.io(), "127.0.0.1", 0, "k", limits); });
  REQUIRE(kept);
  const auto port = th.Run([&] { return (*kept)->port(); });

  // Four pipelined requests (one with bare LFs) in one write: three replies, the last one
  // closing.
  raw = RawExchange(port, get + "GET /b HTTP/1.1\nHost: x\n\n" + get + get);
  CHECK(Occurrences(raw, "HTTP/1.1 200 OK\r\n") == 3);
  CHECK(Occurrences(raw, "Connection: keep-alive\r\n") == 2);
  CHECK(Occurrences(raw, "Connection: close\r\n") == 1);
  CHECK(raw.rfind("Connection: close\r\n") > raw.rfind("Connection: keep-alive\r\n"));
  CHECK(Occurrences(raw, "nginx pod k\n") == 3);

  // HEAD gets the header alone, so that the next reply is not taken for its body.
  raw = RawExchange(
      port, "HEAD / HTTP/1.1\r\n\r\n" + get + "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(Occurrences(raw, "HTTP/1.1 200 OK\r\n") == 3);
  CHECK(Occurrences(raw, "Content-Length: 12\r\n") == 3);
  CHECK(Occurrences(raw, "nginx pod k\n") == 2);
  CHECK(raw.find("\r\n\r\nHTTP/1.1 200 OK\r\n") != std::string::npos);

  // A client that does not want it, an HTTP/1.0 one, and a request with a body: one reply.
  for (const std::string& request :
       {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n" + get, "GET / HTTP/1.0\r\n\r\n" + get,
        "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody" + get}) {
    CAPTURE(request);
    raw = RawExchange(port, request);
    CHECK(Occurrences(raw, "HTTP/1.1 200 OK\r\n") == 1);
    CHECK(Occurrences(raw, "Connection: close\r\n") == 1);
  }
  CHECK(th.Run([&] { return (*kept)->answered(); }) == 9);

  // One request, then an idle client: closed after the request timeout, and not counted as
  // rejected (it did nothing wrong).
  const auto t0 = std::chrono::steady_clock::now();
  raw = RawExchange(port, get);
  const auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(Occurrences(raw, "Connection: keep-alive\r\n") == 1);
  CHECK(waited >= 250ms);
  CHECK(waited < 2500ms);
  // Half a second request before going idle is a request cut short.
  raw = RawExchange(port, get + "GET / HT");
  CHECK(Occurrences(raw, "HTTP/1.1 200 OK\r\n") == 1);
  CHECK(th.Run([&] { return (*kept)->answered(); }) == 11);
  CHECK(th.Run([&] { return (*kept)->rejected(); }) == 1);

  // The probe asks to close, and gets its reply either way.
  auto r = HttpGet("", "127.0.0.1", port, 2s);
  REQUIRE_MESSAGE(r, (r ? "" : r.error()));
  CHECK(Header(*r, "Connection") == "close");
  th.Run([&] {
    once->reset();
    kept->reset();
  });
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
