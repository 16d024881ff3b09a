// The lab's data plane stand-ins, on Boost.Asio:
//
//   HttpResponder  an nginx pod: answers every HTTP/1.x request with 200 and a body that
//                  names the pod, then closes (as the demo's nginx replicas answer curl).
//   TcpProxy       a LoadBalancer IP on a node, as Cilium's kube-proxy replacement serves
//                  it: accepts on LB_IP:port and relays bytes to a backend pod chosen round
//                  robin, trying the next backend when a connect fails.
//   HttpGet        the probe `verify` uses (curl's part): one GET from inside a namespace.
//
//   client --TCP--> TcpProxy (node netns, LB_IP:80) --TCP--> HttpResponder (pod netns, :80)
//
// Threading: HttpResponder and TcpProxy run on one io_context (a NetnsThread's, so that
// their sockets live in its namespace), are made, used and destroyed on the thread running
// it (or while it is not running), and are single-threaded. Destroying one closes its
// listener and every connection it has open.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// clang-format off
#include <utility>  // first: Boost 1.74's asio uses std::exchange without including it
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
// clang-format on

#include "base/result.h"

namespace bgpdemo::core::lab {

// Limits that keep slow, partial and garbage clients from holding resources.
struct HttpLimits {
  std::size_t max_header_bytes = 8192;              // a request whose header is longer gets 400
  std::chrono::milliseconds request_timeout{5000};  // for the whole request header
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
  std::uint64_t rejected() const;  // 400s sent and connections dropped (timeout, too long)

  struct State;  // shared with its connections

 private:
  explicit HttpResponder(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

class TcpProxy {
 public:
  using Endpoint = boost::asio::ip::tcp::endpoint;
  // Listens on address:port; each accepted connection goes to the next backend in turn.
  // An error for a bad address, a failed bind, or no backends.
  static Result<std::unique_ptr<TcpProxy>, std::string> Start(
      boost::asio::io_context& io, const std::string& address, std::uint16_t port,
      std::vector<Endpoint> backends,
      std::chrono::milliseconds connect_timeout = std::chrono::milliseconds(1000));
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::uint16_t port() const;
  std::uint64_t relayed() const;  // connections that reached a backend
  std::uint64_t refused() const;  // connections closed because no backend answered

  struct State;

 private:
  explicit TcpProxy(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

struct HttpReply {
  int status = 0;
  std::string reason;                                        // "OK"
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;
  double seconds = 0;  // from the start of the connect to the end of the reply
};

// GET http://ip:port/ from inside netns (empty: ours), on a thread of its own. Errors say
// what failed and where: "connect 10.22.0.1:80 from netns bgpd1-c1n1: connection refused",
// "GET http://10.22.0.1:80/ from netns X: timed out after 2 s waiting for the reply".
Result<HttpReply, std::string> HttpGet(const std::string& netns, const std::string& ip,
                                       std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace bgpdemo::core::lab
