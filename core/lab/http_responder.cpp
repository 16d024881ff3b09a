#include "core/lab/http_responder.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <ctime>
#include <limits>
#include <optional>
#include <unordered_set>

#include "core/http_socket.h"

namespace bgpdemo::core::lab {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

using Reply = http::response<http::string_body>;
// The request's body is never read: a request with one gets its reply, then the connection
// closes (as before a body a keep-alive connection would have to skip).
using RequestParser = http::request_parser<http::empty_body>;

std::string HttpDate() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// An HTTP/1.1 reply with nginx's headers.
Reply MakeReply(http::status status, std::string body, bool keep_alive) {
  Reply r{status, 11};
  r.set(http::field::server, "nginx");
  r.set(http::field::date, HttpDate());
  r.set(http::field::content_type, "text/plain");
  r.body() = std::move(body);
  r.prepare_payload();
  r.set(http::field::connection, keep_alive ? "keep-alive" : "close");
  return r;
}

// Appends n bytes to `to`, writing a bare LF as CRLF: Beast's parser takes only CRLF line
// ends. Every byte a connection parses is header (a request with a body is the last one
// parsed on its connection), so the whole stream goes through here. `prev_cr` carries
// whether the last byte was CR from one call to the next.
void AppendWithCrlf(beast::flat_buffer& to, const char* p, std::size_t n, bool& prev_cr) {
  const auto space = to.prepare(2 * n);
  char* out = static_cast<char*>(space.data());
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] == '\n' && !prev_cr) out[k++] = '\r';
    out[k++] = p[i];
    prev_cr = p[i] == '\r';
  }
  to.commit(k);
}

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

// One client: reads requests (each header bounded in size and time) through Beast's parser
// and answers each; after the last reply, closes gracefully (shuts down its side, drains
// what the client still sends for a moment, then closes). Lives while a handler holds it.
class ResponderConn : public std::enable_shared_from_this<ResponderConn> {
 public:
  ResponderConn(tcp::socket s, const std::shared_ptr<HttpResponder::State>& owner)
      : socket_(std::move(s)), timer_(socket_.get_executor()), owner_(owner) {}

  void Start() { NextRequest(); }

  void Close() {
    error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
    if (auto owner = owner_.lock()) owner->conns.erase(shared_from_this());
  }

 private:
  enum class Phase { kReading, kWriting, kLingering };

  void NextRequest() {
    auto owner = owner_.lock();
    if (!owner) return;
    phase_ = Phase::kReading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
        owner->limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    // A wait that completed just before expires_after() may still run with success: the
    // generation tells its handler it belongs to an earlier request.
    const auto generation = ++generation_;
    timer_.expires_after(owner->limits.request_timeout);
    timer_.async_wait([self = shared_from_this(), generation](const error_code& ec) {
      if (!ec && generation == self->generation_) self->OnTimeout();
    });
    Parse();  // a pipelined request may be in the buffer already
  }

  // Feeds what is buffered to the parser; reads more while the header is incomplete.
  void Parse() {
    while (buffer_.size() > 0) {
      error_code ec;
      const auto used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec && ec != http::error::need_more) {
        Answer(false);
        return;
      }
      if (parser_->is_header_done()) {
        Answer(true);
        return;
      }
      if (ec || used == 0) break;
    }
    Read();
  }

  void Read() {
    socket_.async_read_some(
        asio::buffer(chunk_),
        [self = shared_from_this()](const error_code& ec, std::size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(const error_code& ec, std::size_t n) {
    if (ec == asio::error::operation_aborted) return;  // closed by the timer or the owner
    if (ec) {  // EOF or reset: the end of an idle kept-alive connection, else a lost request
      if (InRequest()) Count(false);
      Close();
      return;
    }
    AppendWithCrlf(buffer_, chunk_.data(), n, prev_cr_);
    Parse();
  }

  // Some of a request has arrived, or none has on a connection that never had a reply.
  bool InRequest() const { return replies_ == 0 || buffer_.size() > 0 || parser_->got_some(); }

  void OnTimeout() {
    if (phase_ == Phase::kReading && InRequest()) Count(false);
    Close();  // a reply being written fails, and its handler counts it
  }

  void Answer(bool ok) {
    auto owner = owner_.lock();
    if (!owner) return;
    // parser_->is_done(): no body follows the header (one would have to be skipped).
    const bool keep = ok && parser_->is_done() && parser_->keep_alive() &&
                      replies_ + 1 < owner->limits.max_requests_per_connection;
    reply_ = ok ? MakeReply(http::status::ok, owner->body, keep)
                : MakeReply(http::status::bad_request, "bad request\n", false);
    // HEAD: the header of the GET reply, Content-Length included, without the body (RFC 9110
    // section 9.3.2); a kept-alive client would read the body as the next reply.
    if (ok && parser_->get().method() == http::verb::head) reply_.body().clear();
    phase_ = Phase::kWriting;
    http::async_write(socket_, reply_,
                      [self = shared_from_this(), ok, keep](const error_code& ec, std::size_t) {
                        if (ec) {
                          self->Count(false);
                          self->Close();
                          return;
                        }
                        self->Count(ok);
                        ++self->replies_;
                        if (keep) {
                          self->NextRequest();
                        } else {
                          self->Linger();
                        }
                      });
  }

  // Closing with unread input would send a reset that can destroy the reply in flight.
  void Linger() {
    phase_ = Phase::kLingering;
    ++generation_;
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
  std::array<char, 4096> chunk_{};
  beast::flat_buffer buffer_;  // read, not yet parsed (CRLF line ends)
  bool prev_cr_ = false;
  std::optional<RequestParser> parser_;  // the request being read
  Reply reply_;                          // the reply being written
  Phase phase_ = Phase::kReading;
  std::uint64_t generation_ = 0;  // of the request timer's waits
  std::size_t replies_ = 0;       // written on this connection
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

}  // namespace bgpdemo::core::lab
