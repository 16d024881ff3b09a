#include "core/lab/http.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <functional>
#include <optional>
#include <thread>
#include <unordered_set>

#include "core/lab/netns.h"

namespace bgpdemo::core::lab {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kRelayBuffer = 16384;
constexpr std::size_t kMaxReplyBytes = 1 << 20;  // what HttpGet keeps of a reply
constexpr auto kLingerTime = std::chrono::milliseconds(1000);

// "connection refused", not "Connection refused": it goes after a colon in our messages.
std::string Lower(const error_code& ec) {
  std::string m = ec.message();
  if (!m.empty()) m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
  return m;
}

std::string Seconds(std::chrono::milliseconds d) {
  return fmt::format("{:g} s", d.count() / 1000.0);
}

Result<tcp::endpoint, std::string> ParseEndpoint(const std::string& address, std::uint16_t port) {
  error_code ec;
  const auto a = asio::ip::make_address(address, ec);
  if (ec) return Fail(fmt::format("\"{}\" is not an IP address", address));
  return tcp::endpoint(a, port);
}

std::string ToString(const tcp::endpoint& e) {
  return e.address().is_v6() ? fmt::format("[{}]:{}", e.address().to_string(), e.port())
                             : fmt::format("{}:{}", e.address().to_string(), e.port());
}

Result<void, std::string> Listen(tcp::acceptor& acceptor, const tcp::endpoint& at) {
  error_code ec;
  acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(at, ec);
  if (ec) return Fail(fmt::format("bind {}: {}", ToString(at), Lower(ec)));
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Fail(fmt::format("listen {}: {}", ToString(at), Lower(ec)));
  return {};
}

std::string HttpDate() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// Where the header ends (just past the blank line), or npos.
std::size_t HeaderEnd(const std::string& s) {
  const auto crlf = s.find("\r\n\r\n");
  const auto lf = s.find("\n\n");
  if (crlf == std::string::npos && lf == std::string::npos) return std::string::npos;
  if (lf == std::string::npos || (crlf != std::string::npos && crlf < lf)) return crlf + 4;
  return lf + 2;
}

// "GET / HTTP/1.1": three words, the last HTTP/1.x.
bool ValidRequestLine(const std::string& header) {
  std::string line = header.substr(0, header.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < line.size()) {
    const auto sp = line.find(' ', i);
    words.push_back(line.substr(i, sp == std::string::npos ? std::string::npos : sp - i));
    if (sp == std::string::npos) break;
    i = sp + 1;
  }
  if (words.size() != 3 || words[0].empty() || words[1].empty()) return false;
  if (!std::all_of(words[0].begin(), words[0].end(),
                   [](unsigned char c) { return std::isupper(c); })) {
    return false;
  }
  return words[2].size() == 8 && words[2].compare(0, 7, "HTTP/1.") == 0 &&
         std::isdigit(words[2][7]);
}

std::string Response(int status, std::string_view reason, const std::string& body) {
  return fmt::format(
      "HTTP/1.1 {} {}\r\nServer: nginx\r\nDate: {}\r\nContent-Type: text/plain\r\n"
      "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
      status, reason, HttpDate(), body.size(), body);
}

// --- HttpResponder's connections ---------------------------------------------------------

class ResponderConn;

}  // namespace

struct HttpResponder::State {
  State(asio::io_context& io, std::string pod, HttpLimits l)
      : acceptor(io), body(fmt::format("nginx pod {}\n", pod)), limits(l) {}
  void Accept(const std::shared_ptr<State>& self);
  void CloseAll();

  tcp::acceptor acceptor;
  std::string body;
  HttpLimits limits;
  std::uint64_t answered = 0;
  std::uint64_t rejected = 0;
  std::unordered_set<std::shared_ptr<ResponderConn>> conns;
};

namespace {

// One client: read the request header (bounded in size and time), answer, close gracefully
// (shut down our side, drain what the client still sends for a moment, then close).
class ResponderConn : public std::enable_shared_from_this<ResponderConn> {
 public:
  ResponderConn(tcp::socket s, const std::shared_ptr<HttpResponder::State>& owner)
      : socket_(std::move(s)), timer_(socket_.get_executor()), owner_(owner) {}

  void Start() {
    auto owner = owner_.lock();
    timer_.expires_after(owner->limits.request_timeout);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec) return;
      if (!self->replied_) self->Count(false);
      self->Close();
    });
    Read();
  }

  void Close() {
    error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
    if (auto owner = owner_.lock()) owner->conns.erase(shared_from_this());
  }

 private:
  void Read() {
    socket_.async_read_some(
        asio::buffer(chunk_),
        [self = shared_from_this()](const error_code& ec, std::size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(const error_code& ec, std::size_t n) {
    if (ec) {  // EOF or reset before a whole request: nothing to answer
      if (ec != asio::error::operation_aborted) Count(false);
      Close();
      return;
    }
    auto owner = owner_.lock();
    if (!owner) return;
    request_.append(chunk_.data(), n);
    const auto end = HeaderEnd(request_);
    if (end == std::string::npos && request_.size() <= owner->limits.max_header_bytes) {
      Read();
      return;
    }
    const bool ok = end != std::string::npos && end <= owner->limits.max_header_bytes &&
                    ValidRequestLine(request_);
    Reply(ok ? Response(200, "OK", owner->body) : Response(400, "Bad Request", "bad request\n"),
          ok);
  }

  void Reply(std::string text, bool ok) {
    replied_ = true;
    reply_ = std::move(text);
    asio::async_write(socket_, asio::buffer(reply_),
                      [self = shared_from_this(), ok](const error_code& ec, std::size_t) {
                        if (ec) {
                          self->Count(false);
                          self->Close();
                          return;
                        }
                        self->Count(ok);
                        self->Linger();
                      });
  }

  // Closing with unread input would send a reset that can destroy the reply in flight.
  void Linger() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    timer_.expires_after(kLingerTime);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->Close();
    });
    Drain();
  }

  void Drain() {
    socket_.async_read_some(asio::buffer(chunk_),
                            [self = shared_from_this()](const error_code& ec, std::size_t) {
                              if (ec) {
                                self->Close();
                              } else {
                                self->Drain();
                              }
                            });
  }

  void Count(bool answered) {
    if (auto owner = owner_.lock()) ++(answered ? owner->answered : owner->rejected);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::weak_ptr<HttpResponder::State> owner_;
  std::array<char, 2048> chunk_{};
  std::string request_;
  std::string reply_;
  bool replied_ = false;
};

}  // namespace

void HttpResponder::State::Accept(const std::shared_ptr<State>& self) {
  acceptor.async_accept([self](const error_code& ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
    if (!ec) {
      auto conn = std::make_shared<ResponderConn>(std::move(s), self);
      self->conns.insert(conn);
      conn->Start();
    }
    self->Accept(self);  // an accept error (EMFILE...) costs one client, not the listener
  });
}

void HttpResponder::State::CloseAll() {
  error_code ignored;
  acceptor.close(ignored);
  auto open = std::move(conns);
  conns.clear();
  for (const auto& c : open) c->Close();
}

Result<std::unique_ptr<HttpResponder>, std::string> HttpResponder::Start(asio::io_context& io,
                                                                         const std::string& address,
                                                                         std::uint16_t port,
                                                                         std::string pod_name,
                                                                         HttpLimits limits) {
  auto at = ParseEndpoint(address, port);
  if (!at) return Fail(at.error());
  auto state = std::make_shared<State>(io, std::move(pod_name), limits);
  if (auto r = Listen(state->acceptor, *at); !r) return Fail(r.error());
  state->Accept(state);
  return std::unique_ptr<HttpResponder>(new HttpResponder(std::move(state)));
}

HttpResponder::~HttpResponder() {
  state_->CloseAll();
}

std::uint16_t HttpResponder::port() const {
  error_code ec;
  return state_->acceptor.local_endpoint(ec).port();
}
const std::string& HttpResponder::body() const {
  return state_->body;
}
std::uint64_t HttpResponder::answered() const {
  return state_->answered;
}
std::uint64_t HttpResponder::rejected() const {
  return state_->rejected;
}

// --- TcpProxy ------------------------------------------------------------------------------

namespace {
class ProxyConn;
}

struct TcpProxy::State {
  State(asio::io_context& io, std::vector<Endpoint> b, std::chrono::milliseconds t)
      : acceptor(io), backends(std::move(b)), connect_timeout(t) {}
  void Accept(const std::shared_ptr<State>& self);
  void CloseAll();

  tcp::acceptor acceptor;
  std::vector<Endpoint> backends;
  std::chrono::milliseconds connect_timeout;
  std::size_t next = 0;  // round robin
  std::uint64_t relayed = 0;
  std::uint64_t refused = 0;
  std::unordered_set<std::shared_ptr<ProxyConn>> conns;
};

namespace {

// One client: connect to a backend (the next one on failure), then copy bytes both ways
// through a fixed buffer per direction; an EOF one way is passed on as a shutdown(send),
// and the pair is closed when both ways have ended or either fails.
class ProxyConn : public std::enable_shared_from_this<ProxyConn> {
 public:
  ProxyConn(tcp::socket client, const std::shared_ptr<TcpProxy::State>& owner)
      : client_(std::move(client)),
        backend_(client_.get_executor()),
        timer_(client_.get_executor()),
        owner_(owner) {}

  void Start(std::size_t first) {
    first_ = first;
    TryBackend();
  }

  void Close() {
    error_code ignored;
    timer_.cancel();
    client_.close(ignored);
    backend_.close(ignored);
    if (auto owner = owner_.lock()) owner->conns.erase(shared_from_this());
  }

 private:
  void TryBackend() {
    auto owner = owner_.lock();
    if (!owner) return;
    if (tried_ == owner->backends.size()) {
      ++owner->refused;
      Refuse();
      return;
    }
    const auto target = owner->backends[(first_ + tried_) % owner->backends.size()];
    ++tried_;
    error_code ignored;
    backend_.close(ignored);
    backend_ = tcp::socket(client_.get_executor());
    const auto attempt = ++attempt_;
    timer_.expires_after(owner->connect_timeout);
    timer_.async_wait([self = shared_from_this(), attempt](const error_code& ec) {
      if (!ec && attempt == self->attempt_) {
        error_code ignored;
        self->backend_.close(ignored);  // the connect handler sees operation_aborted
      }
    });
    backend_.async_connect(target, [self = shared_from_this(), attempt](const error_code& ec) {
      if (attempt != self->attempt_ || !self->client_.is_open()) return;
      self->timer_.cancel();
      if (ec) {
        self->TryBackend();
        return;
      }
      if (auto owner = self->owner_.lock()) ++owner->relayed;
      self->Relay(self->client_, self->backend_, self->up_, 0);
      self->Relay(self->backend_, self->client_, self->down_, 1);
    });
  }

  // No backend: a FIN rather than a reset (closing with the client's request unread would
  // send one), after draining what the client sends for a moment.
  void Refuse() {
    error_code ignored;
    client_.shutdown(tcp::socket::shutdown_send, ignored);
    timer_.expires_after(kLingerTime);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->Close();
    });
    Drain();
  }

  void Drain() {
    client_.async_read_some(asio::buffer(up_),
                            [self = shared_from_this()](const error_code& ec, std::size_t) {
                              if (ec) {
                                self->Close();
                              } else {
                                self->Drain();
                              }
                            });
  }

  void Relay(tcp::socket& from, tcp::socket& to, std::array<char, kRelayBuffer>& buf, int way) {
    from.async_read_some(asio::buffer(buf), [self = shared_from_this(), &from, &to, &buf, way](
                                                const error_code& ec, std::size_t n) {
      if (ec == asio::error::eof) {
        error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);
        self->ended_[way] = true;
        if (self->ended_[0] && self->ended_[1]) self->Close();
        return;
      }
      if (ec) {
        self->Close();
        return;
      }
      asio::async_write(to, asio::buffer(buf.data(), n),
                        [self, &from, &to, &buf, way](const error_code& wec, std::size_t) {
                          if (wec) {
                            self->Close();
                            return;
                          }
                          self->Relay(from, to, buf, way);
                        });
    });
  }

  tcp::socket client_;
  tcp::socket backend_;
  asio::steady_timer timer_;
  std::weak_ptr<TcpProxy::State> owner_;
  std::size_t first_ = 0;
  std::size_t tried_ = 0;
  std::uint64_t attempt_ = 0;
  std::array<char, kRelayBuffer> up_{};    // client -> backend
  std::array<char, kRelayBuffer> down_{};  // backend -> client
  bool ended_[2] = {false, false};
};

}  // namespace

void TcpProxy::State::Accept(const std::shared_ptr<State>& self) {
  acceptor.async_accept([self](const error_code& ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
    if (!ec) {
      auto conn = std::make_shared<ProxyConn>(std::move(s), self);
      self->conns.insert(conn);
      conn->Start(self->next++ % self->backends.size());
    }
    self->Accept(self);
  });
}

void TcpProxy::State::CloseAll() {
  error_code ignored;
  acceptor.close(ignored);
  auto open = std::move(conns);
  conns.clear();
  for (const auto& c : open) c->Close();
}

Result<std::unique_ptr<TcpProxy>, std::string> TcpProxy::Start(asio::io_context& io,
                                                               const std::string& address,
                                                               std::uint16_t port,
                                                               std::vector<Endpoint> backends,
                                                               std::chrono::milliseconds timeout) {
  auto at = ParseEndpoint(address, port);
  if (!at) return Fail(at.error());
  if (backends.empty()) {
    return Fail(fmt::format("proxy {}: no backends to send connections to", ToString(*at)));
  }
  auto state = std::make_shared<State>(io, std::move(backends), timeout);
  if (auto r = Listen(state->acceptor, *at); !r) return Fail(r.error());
  state->Accept(state);
  return std::unique_ptr<TcpProxy>(new TcpProxy(std::move(state)));
}

TcpProxy::~TcpProxy() {
  state_->CloseAll();
}

std::uint16_t TcpProxy::port() const {
  error_code ec;
  return state_->acceptor.local_endpoint(ec).port();
}
std::uint64_t TcpProxy::relayed() const {
  return state_->relayed;
}
std::uint64_t TcpProxy::refused() const {
  return state_->refused;
}

// --- HttpGet -------------------------------------------------------------------------------

namespace {

// Parses a whole or partial reply; nullopt while the header is incomplete.
struct Parsed {
  HttpReply reply;
  std::optional<std::size_t> content_length;
  std::size_t body_start = 0;
};

Result<std::optional<Parsed>, std::string> ParseReply(const std::string& data) {
  const auto end = HeaderEnd(data);
  if (end == std::string::npos) return std::optional<Parsed>();
  Parsed p;
  p.body_start = end;
  std::vector<std::string> lines;
  std::size_t i = 0;
  while (i < end) {
    auto nl = data.find('\n', i);
    std::string line = data.substr(i, nl - i);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
    i = nl + 1;
  }
  const std::string& status = lines.empty() ? std::string() : lines[0];
  if (status.compare(0, 7, "HTTP/1.") != 0 || status.size() < 12 || status[8] != ' ' ||
      !std::isdigit(status[9]) || !std::isdigit(status[10]) || !std::isdigit(status[11])) {
    return Fail(fmt::format("not an HTTP/1.x status line: \"{}\"", status.substr(0, 80)));
  }
  p.reply.status = std::stoi(status.substr(9, 3));
  p.reply.reason = status.size() > 13 ? status.substr(13) : "";
  for (std::size_t k = 1; k < lines.size(); ++k) {
    const auto colon = lines[k].find(':');
    if (colon == std::string::npos) continue;
    std::string name = lines[k].substr(0, colon);
    std::string value = lines[k].substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "content-length") {
      std::size_t n = 0;
      if (std::sscanf(value.c_str(), "%zu", &n) == 1) p.content_length = n;
    }
    p.reply.headers.emplace_back(std::move(name), std::move(value));
  }
  return std::optional<Parsed>(std::move(p));
}

Result<HttpReply, std::string> GetHere(const std::string& where, const std::string& ip,
                                       std::uint16_t port, std::chrono::milliseconds timeout) {
  auto at = ParseEndpoint(ip, port);
  if (!at) return Fail(fmt::format("GET{}: {}", where, at.error()));
  const std::string url = fmt::format("http://{}/", ToString(*at));
  const auto start = std::chrono::steady_clock::now();
  asio::io_context io;
  tcp::socket socket(io);
  const std::string request = fmt::format(
      "GET / HTTP/1.1\r\nHost: {}\r\nUser-Agent: bgpdemo\r\nAccept: */*\r\nConnection: "
      "close\r\n\r\n",
      ToString(*at));
  std::string data;
  std::array<char, 4096> chunk{};
  std::string stage = "connecting";
  std::optional<std::string> error;
  bool done = false;

  std::function<void()> read_more = [&] {
    socket.async_read_some(asio::buffer(chunk), [&](const error_code& ec, std::size_t n) {
      data.append(chunk.data(), n);
      auto parsed = ParseReply(data);
      if (!parsed) {
        error = fmt::format("GET {}{}: bad reply: {}", url, where, parsed.error());
        return;
      }
      const auto& p = *parsed;
      const bool complete =
          p && p->content_length && data.size() - p->body_start >= *p->content_length;
      if (complete || ec == asio::error::eof || data.size() > kMaxReplyBytes) {
        if (!p) {
          error = data.empty()
                      ? fmt::format("GET {}{}: connection closed without a reply", url, where)
                      : fmt::format("GET {}{}: reply header cut short", url, where);
          return;
        }
        done = true;
        return;
      }
      if (ec) {
        error = fmt::format("GET {}{}: read: {}", url, where, Lower(ec));
        return;
      }
      read_more();
    });
  };
  socket.async_connect(*at, [&](const error_code& ec) {
    if (ec) {
      error = fmt::format("connect {}{}: {}", ToString(*at), where, Lower(ec));
      return;
    }
    stage = "waiting for the reply";
    asio::async_write(socket, asio::buffer(request), [&](const error_code& wec, std::size_t) {
      if (wec) {
        error = fmt::format("GET {}{}: send: {}", url, where, Lower(wec));
        return;
      }
      read_more();
    });
  });
  io.run_for(timeout);
  if (error) return Fail(*error);
  if (!done) {
    if (stage == "connecting") {
      return Fail(
          fmt::format("connect {}{}: timed out after {}", ToString(*at), where, Seconds(timeout)));
    }
    return Fail(
        fmt::format("GET {}{}: timed out after {} {}", url, where, Seconds(timeout), stage));
  }
  auto parsed = ParseReply(data);
  HttpReply reply = std::move((*parsed)->reply);
  reply.body = data.substr((*parsed)->body_start);
  if ((*parsed)->content_length && reply.body.size() > *(*parsed)->content_length) {
    reply.body.resize(*(*parsed)->content_length);
  }
  reply.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return reply;
}

}  // namespace

Result<HttpReply, std::string> HttpGet(const std::string& netns, const std::string& ip,
                                       std::uint16_t port, std::chrono::milliseconds timeout) {
  if (netns.empty()) return GetHere("", ip, port, timeout);
  std::optional<Result<HttpReply, std::string>> out;
  std::thread t([&] {
    auto guard = EnterNetns(netns);
    if (!guard) {
      out.emplace(Fail(fmt::format("GET http://{}:{}/: {}", ip, port, guard.error())));
      return;
    }
    out.emplace(GetHere(fmt::format(" from netns {}", netns), ip, port, timeout));
  });
  t.join();
  return std::move(*out);
}

}  // namespace bgpdemo::core::lab
