// TcpProxy: a LoadBalancer IP on a node, as Cilium's kube-proxy replacement serves it. It
// accepts on LB_IP:port and relays bytes, unparsed, to a backend pod chosen round robin,
// trying the next backend when a connect fails:
//
//   client --TCP--> TcpProxy (node netns, LB_IP:80) --TCP--> HttpResponder (pod netns, :80)
//
// Threading: a TcpProxy runs on one io_context (a NetnsThread's, so that its sockets live in
// that namespace), is made, used and destroyed on the thread running it (or while it is not
// running), and is single-threaded. Destroying it closes its listener and every connection
// it has open.
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

}  // namespace bgpdemo::core::lab
