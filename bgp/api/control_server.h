// The route server's local control socket: a Unix stream socket speaking JSON, one
// request per line and one response per line.
//
//   > {"command":"peers"}
//   < {"ok":true,"result":[...]}
//   < {"ok":false,"error":"unknown command \"peer\"; try peers, routes"}
//
// The socket is created mode 0600 (owner only; docs/architecture.md "Failure and bad input"); a
// stale socket file left by a killed process is replaced, a live one is an error. Nothing
// listens on TCP. The mode bits are not all (a socket in a folder another user owns, a
// descriptor passed on): every connection's peer is checked with SO_PEERCRED, and only root
// and this process's user are answered; anyone else gets one error line, and is logged. At
// most kMaxClients connections at once, kMaxRequest bytes a request, and kRequestsPerSecond
// requests a second per connection (beyond it, an error reply per request until the second
// is over). Threading: runs on the server's io_context thread; the handler is called
// there too, so it may read the server's state without locks.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "bgp/log.h"
#include "base/result.h"

namespace bgpdemo::bgp::api {

namespace asio = boost::asio;

// Answers one request; throw nothing. Return {"ok":false,"error":...} for bad requests.
using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

class ControlServer {
 public:
  static constexpr std::size_t kMaxClients = 32;
  static constexpr std::size_t kMaxRequest = 64 * 1024;
  static constexpr int kRequestsPerSecond = 200;

  ControlServer(asio::io_context& io, std::string path, Handler handler, Logger& log);
  ~ControlServer();

  Result<void, std::string> Start();
  // Closes the socket and removes its file.
  void Stop();
  const std::string& path() const { return path_; }

 private:
  void Accept();

  asio::io_context& io_;
  std::string path_;
  Handler handler_;
  Logger& log_;
  std::unique_ptr<asio::local::stream_protocol::acceptor> acceptor_;
  std::shared_ptr<std::size_t> clients_ = std::make_shared<std::size_t>(0);
};

// Who may use a control socket: root, and the user the router runs as.
bool MayControl(unsigned peer_uid, unsigned own_uid);

// Makes {"ok":false,"error":text}.
nlohmann::json ErrorReply(std::string text);
// Makes {"ok":true,"result":result}.
nlohmann::json OkReply(nlohmann::json result);

}  // namespace bgpdemo::bgp::api
