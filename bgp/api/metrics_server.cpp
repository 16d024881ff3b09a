#include "bgp/api/metrics_server.h"

#include <fmt/format.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <chrono>

namespace bgpdemo::bgp::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kHeaderLimit = 8 * 1024;
constexpr auto kRequestTimeout = std::chrono::seconds(10);

}  // namespace

// One accepted connection: one request read, one reply written, then closed.
struct MetricsServer::Connection : std::enable_shared_from_this<Connection> {
  Connection(tcp::socket s, Body body, std::shared_ptr<std::size_t> open)
      : stream(std::move(s)), body(std::move(body)), open(std::move(open)) {
    ++*this->open;
  }
  ~Connection() { --*open; }

  void Read() {
    parser.header_limit(kHeaderLimit);
    stream.expires_after(kRequestTimeout);
    http::async_read(stream, buffer, parser,
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       if (!ec) self->Answer();
                     });
  }

  void Answer() {
    const auto& req = parser.get();
    const auto target = req.target();
    const bool head = req.method() == http::verb::head;
    reply = {http::status::ok, req.version()};
    reply.set(http::field::server, "bgpdemo");
    reply.set(http::field::content_type, "text/plain; charset=utf-8");
    reply.keep_alive(false);
    if (req.method() != http::verb::get && !head) {
      reply.result(http::status::method_not_allowed);
      reply.set(http::field::allow, "GET, HEAD");
      reply.body() = "only GET and HEAD\n";
    } else if (target == "/metrics" || target.starts_with("/metrics?")) {
      reply.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      reply.body() = body();
    } else if (target == "/") {
      reply.body() = "bgpdemo router: Prometheus metrics at /metrics\n";
    } else {
      reply.result(http::status::not_found);
      reply.body() = "not found; the metrics are at /metrics\n";
    }
    reply.prepare_payload();
    if (head) reply.body().clear();  // Content-Length stays the GET's
    stream.expires_after(kRequestTimeout);
    http::async_write(stream, reply, [self = shared_from_this()](error_code, std::size_t) {
      error_code ignored;
      self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  beast::tcp_stream stream;
  Body body;
  std::shared_ptr<std::size_t> open;
  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  http::response<http::string_body> reply;
};

MetricsServer::MetricsServer(asio::io_context& io, tcp::endpoint at, Body body, Logger& log)
    : io_(io), at_(std::move(at)), body_(std::move(body)), log_(log) {}

MetricsServer::~MetricsServer() {
  Stop();
}

Result<std::unique_ptr<tcp::acceptor>, std::string> Listen(asio::io_context& io,
                                                           const tcp::endpoint& at) {
  auto acceptor = std::make_unique<tcp::acceptor>(io);
  error_code ec;
  acceptor->open(at.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && at.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor->bind(at, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Fail(fmt::format("cannot listen on {}:{}: {}", at.address().to_string(), at.port(),
                            ec.message()));
  }
  return acceptor;
}

Result<void, std::string> MetricsServer::Start() {
  auto acceptor = Listen(io_, at_);
  if (!acceptor) return Fail("metrics: " + acceptor.error());
  acceptor_ = std::move(*acceptor);
  const auto bound = acceptor_->local_endpoint();
  log_.Info("metrics_listen",
            {{"address", bound.address().to_string()}, {"port", std::to_string(bound.port())}});
  Accept();
  return {};
}

void MetricsServer::Stop() {
  if (!acceptor_) return;
  error_code ignored;
  acceptor_->close(ignored);
  acceptor_.reset();
}

tcp::endpoint MetricsServer::endpoint() const {
  return acceptor_->local_endpoint();
}

void MetricsServer::Accept() {
  acceptor_->async_accept([this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_) return;
    if (!ec) {
      if (*open_ >= kMaxConnections) {
        error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Connection>(std::move(socket), body_, open_)->Read();
      }
    }
    Accept();
  });
}

Result<tcp::endpoint, std::string> ParseListenAddress(std::string_view text,
                                                      std::string_view flag) {
  const auto bad = [&](std::string_view why) {
    return fmt::format("{} {}: {}; give ADDRESS:PORT, like 127.0.0.1:9179 or [::1]:9179", flag,
                       text, why);
  };
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Fail(bad("an IPv6 address in brackets, then :PORT"));
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return Fail(bad("no port"));
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Fail(bad("an IPv6 address goes in brackets"));
    }
  }
  error_code ec;
  const auto address = asio::ip::make_address(std::string(host), ec);
  if (ec) return Fail(bad(fmt::format("\"{}\" is not an IP address", host)));
  unsigned value = 0;
  const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || err != std::errc() || end != port.data() + port.size() || value > 65535) {
    return Fail(bad(fmt::format("\"{}\" is not a port (0..65535)", port)));
  }
  return tcp::endpoint(address, static_cast<std::uint16_t>(value));
}

}  // namespace bgpdemo::bgp::api
