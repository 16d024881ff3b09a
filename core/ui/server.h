// The web server of `bgpdemo ui` (issue #15): HTTP/1.1 on Boost.Beast, one request per
// connection, on loopback unless told otherwise.
//
//   GET  /, /ui.js, /ui.css      the page (core/ui/assets, compiled into the binary)
//   GET  /api/state              the state (core/ui/model.h), JSON
//   GET  /graph.svg              the topology as Graphviz drew it last
//   GET  /api/events             server-sent events: a "state" message at once and after
//                                every change; a comment every 15 s keeps proxies open
//   POST /api/speaker?node=N&action=stop|start
//   POST /api/fault?kind=K[&node=N]&action=start|end
//                                only with actions allowed, and only with the header
//                                X-Bgpdemo-Action (a cross-site form cannot send it)
//
// Every answer carries a Content-Security-Policy of 'self': the page can fetch nothing from
// elsewhere. A request whose Host is not the address listened on is refused (403), so that a
// web site cannot reach it by DNS rebinding; "localhost" is accepted on loopback.
//
// Bounded: a request's header at most 8 KiB, a body at most 1 KiB, 10 s to send it; at most
// 32 connections (event streams included); an event stream that falls 64 messages behind
// is closed, and the page reconnects.
//
// Threading: everything runs on the io_context given; Publish may be called from any thread.
// The action handler runs on the io_context and answers through its Reply, which may be
// called from any thread, once. Destroy the server after its io_context stopped running.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

// Boost 1.74's asio uses std::exchange without including <utility>: that first.
// clang-format off
#include <utility>
#include <boost/asio.hpp>
// clang-format on

#include "base/result.h"

namespace bgpdemo::core::ui {

class Server {
 public:
  static constexpr std::size_t kMaxConnections = 32;
  static constexpr std::size_t kMaxBacklog = 64;  // messages an event stream may fall behind

  // Status and body of an answer to an action (200, 400, 403, ...).
  using Reply = std::function<void(unsigned status, std::string body)>;
  // An action asked for: "speaker" with node and action (stop, start), or "fault" with kind,
  // action (start, end) and maybe node; the values checked as far as the server can. Empty:
  // actions are refused.
  using Params = std::map<std::string, std::string>;
  using Act = std::function<void(const std::string& what, const Params& params, Reply)>;

  Server(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint at, Act act = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; the error names the address (in use, not this machine's).
  Result<void, std::string> Start();
  void Stop();
  // Where it listens (the port the kernel chose for port 0). REQUIRES: Start() succeeded.
  boost::asio::ip::tcp::endpoint endpoint() const;

  // A new state (JSON text) and, when the graph changed, its SVG: kept for the GETs and sent
  // to every event stream. Any thread.
  void Publish(std::string state, std::optional<std::string> svg);

 private:
  struct Connection;
  void Accept();
  void Send(const std::string& message);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::endpoint at_;
  Act act_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<boost::asio::steady_timer> ping_;
  std::shared_ptr<std::size_t> open_ = std::make_shared<std::size_t>(0);
  std::set<std::shared_ptr<Connection>> streams_;
  std::string state_ = "{}";
  std::string svg_;
};

// --listen's "127.0.0.1:8179", "[::1]:8179" into an endpoint; the error says what is wrong.
Result<boost::asio::ip::tcp::endpoint, std::string> ParseListenAddress(std::string_view text);

}  // namespace bgpdemo::core::ui
