// An HTTP endpoint for Prometheus to scrape: `GET /metrics` answers with what `body()`
// returns (bgp/api/metrics.h), as text/plain; version=0.0.4. HTTP/1.1 on Boost.Beast, one
// request per connection:
//
//   GET|HEAD /metrics   200, the metrics
//   GET|HEAD /          200, a line pointing at /metrics
//   another path        404;  another method  405 (Allow: GET, HEAD)
//
// Bounded, so a scraper gone wrong cannot hurt the router: a request's header at most
// 8 KiB and no body, 10 s to send it, at most 16 connections at once (more are closed at
// accept). Read-only: nothing it answers changes the router. Threading: runs on the
// server's io_context; body() is called there, so it may read the server's state.
#pragma once

#include <functional>
#include <memory>
#include <string>

// Boost 1.74's asio uses std::exchange without including <utility>: that first.
// clang-format off
#include <utility>
#include <boost/asio.hpp>
// clang-format on

#include "base/result.h"
#include "bgp/log.h"

namespace bgpdemo::bgp::api {

class MetricsServer {
 public:
  using Body = std::function<std::string()>;
  static constexpr std::size_t kMaxConnections = 16;

  MetricsServer(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint at, Body body,
                Logger& log);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds and listens; the error names the address (in use, not this machine's).
  Result<void, std::string> Start();
  void Stop();
  // Where it listens (the port the kernel chose for port 0). REQUIRES: Start() succeeded.
  boost::asio::ip::tcp::endpoint endpoint() const;

 private:
  struct Connection;
  void Accept();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::endpoint at_;
  Body body_;
  Logger& log_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::shared_ptr<std::size_t> open_ = std::make_shared<std::size_t>(0);
};

// An acceptor listening on `at` (address reuse on; an IPv6 address takes IPv6 only); the
// error names the address and why (in use, not this machine's). Also core/ui's server.
Result<std::unique_ptr<boost::asio::ip::tcp::acceptor>, std::string> Listen(
    boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& at);

// "127.0.0.1:9179", "[::1]:9179" (an address, then a port) into an endpoint; the error
// names `flag` and says what is wrong with `text`.
Result<boost::asio::ip::tcp::endpoint, std::string> ParseListenAddress(
    std::string_view text, std::string_view flag = "--metrics");

}  // namespace bgpdemo::bgp::api
