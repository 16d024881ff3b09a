// HttpResponder: an nginx pod of the lab. It answers every HTTP/1.x request with 200 and a
// body that names the pod ("nginx pod <name>\n"), as the demo's nginx replicas answer curl,
// and a request it cannot parse with 400. Requests are parsed and replies written with
// Boost.Beast (RFC 9112); a bare LF ends a header line as well as CRLF does (RFC 9112
// section 2.2 allows it, and nginx does it).
//
// By default every reply closes the connection; HttpLimits::max_requests_per_connection
// above 1 keeps a connection open for further requests (HTTP/1.1 keep-alive, pipelined
// requests included) when the client wants it and the request has no body.
//
// Threading: an HttpResponder runs on one io_context (a NetnsThread's, so that its sockets
// live in that namespace), is made, used and destroyed on the thread running it (or while
// it is not running), and is single-threaded. Destroying it closes its listener and every
// connection it has open.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

// clang-format off
#include <utility>  // first: Boost 1.74's asio uses std::exchange without including it
#include <boost/asio/io_context.hpp>
// clang-format on

#include "base/result.h"

namespace bgpdemo::core::lab {

// Limits that keep slow, partial and garbage clients from holding resources.
struct HttpLimits {
  std::size_t max_header_bytes = 8192;  // a request whose header is longer gets 400
  // For each request header, from when the responder starts waiting for it (on a kept-alive
  // connection, also how long it stays idle between requests).
  std::chrono::milliseconds request_timeout{5000};
  // Replies on one connection; the last one says "Connection: close" and closes.
  std::size_t max_requests_per_connection = 1;
};

class HttpResponder {
 public:
  // Listens on address:port (port 0: an ephemeral one, see port()). Errors: a bad address,
  // or the bind failing ("bind 10.241.1.5:80: address already in use").
  static Result<std::unique_ptr<HttpResponder>, std::string> Start(boost::asio::io_context& io,
                                                                   const std::string& address,
                                                                   std::uint16_t port,
                                                                   std::string pod_name,
                                                                   HttpLimits limits = {});
  ~HttpResponder();
  HttpResponder(const HttpResponder&) = delete;
  HttpResponder& operator=(const HttpResponder&) = delete;

  std::uint16_t port() const;
  // The body of every 200: "nginx pod <name>\n".
  const std::string& body() const;
  std::uint64_t answered() const;  // 200s sent so far
  // 400s sent, and connections dropped before a whole request (timeout, cut short, reset).
  std::uint64_t rejected() const;

  struct State;  // shared with its connections

 private:
  explicit HttpResponder(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace bgpdemo::core::lab
