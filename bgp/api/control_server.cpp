#include "bgp/api/control_server.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "bgp/api/control_client.h"

namespace bgpdemo::bgp::api {

using stream = asio::local::stream_protocol;

namespace {

constexpr std::size_t kMaxRequest = ControlServer::kMaxRequest;
using Clock = std::chrono::steady_clock;

// One client connection: read lines, answer each.
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(stream::socket socket, Handler& handler, std::shared_ptr<std::size_t> count)
      : socket_(std::move(socket)), handler_(handler), count_(std::move(count)) {
    ++*count_;
  }
  ~Client() { --*count_; }

  // Writes one reply and closes: for a peer that may not use the socket, or one too many.
  void Refuse(const std::string& why) {
    out_ = ErrorReply(why).dump() + "\n";
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                        boost::system::error_code ignored;
                        self->socket_.close(ignored);
                      });
  }

  // Whether this request is within the rate: kRequestsPerSecond in any one second.
  bool WithinRate() {
    const auto now = Clock::now();
    if (now - window_ >= std::chrono::seconds(1)) {
      window_ = now;
      in_window_ = 0;
    }
    return ++in_window_ <= ControlServer::kRequestsPerSecond;
  }

  void Read() {
    asio::async_read_until(
        socket_, asio::dynamic_buffer(in_, kMaxRequest), '\n',
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          if (ec) return;  // EOF, error, or a request over the size limit: drop the client
          const std::string line = self->in_.substr(0, n - 1);
          self->in_.erase(0, n);
          nlohmann::json reply;
          auto request = nlohmann::json::parse(line, nullptr, false);
          if (!self->WithinRate()) {
            reply =
                ErrorReply(fmt::format("too many requests: at most {} a second on one connection",
                                       ControlServer::kRequestsPerSecond));
          } else if (request.is_discarded() || !request.is_object()) {
            reply = ErrorReply("a request is one JSON object on one line, e.g. {\"command\":\"peers\"}");
          } else {
            reply = self->handler_(request);
          }
          self->out_ = reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
          asio::async_write(self->socket_, asio::buffer(self->out_),
                            [self](const boost::system::error_code& e, std::size_t) {
                              if (!e) self->Read();
                            });
        });
  }

 private:
  stream::socket socket_;
  Handler& handler_;
  std::shared_ptr<std::size_t> count_;
  std::string in_;
  std::string out_;
  Clock::time_point window_ = Clock::now();
  int in_window_ = 0;
};

}  // namespace

bool MayControl(unsigned peer_uid, unsigned own_uid) {
  return peer_uid == 0 || peer_uid == own_uid;
}

nlohmann::json ErrorReply(std::string text) { return {{"ok", false}, {"error", std::move(text)}}; }
nlohmann::json OkReply(nlohmann::json result) { return {{"ok", true}, {"result", std::move(result)}}; }

ControlServer::ControlServer(asio::io_context& io, std::string path, Handler handler, Logger& log)
    : io_(io), path_(std::move(path)), handler_(std::move(handler)), log_(log) {}

ControlServer::~ControlServer() { Stop(); }

Result<void, std::string> ControlServer::Start() {
  struct stat st{};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Fail(fmt::format("{} exists and is not a socket; remove it or pick another --socket",
                              path_));
    }
    // A live router answers; a dead one left its file behind.
    if (Request(path_, {{"command", "ping"}}, std::chrono::milliseconds(500))) {
      return Fail(fmt::format("another bgpdemo router is already listening on {}", path_));
    }
    ::unlink(path_.c_str());
  }
  boost::system::error_code ec;
  auto acceptor = std::make_unique<stream::acceptor>(io_);
  acceptor->open(stream(), ec);
  if (!ec) {
    // The file is created by bind(); a umask of 077 makes it 0600 from the first instant.
    const mode_t old = ::umask(077);
    acceptor->bind(stream::endpoint(path_), ec);
    ::umask(old);
  }
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Fail(fmt::format("control socket {}: {}", path_, ec.message()));
  if (::chmod(path_.c_str(), 0600) != 0) {
    return Fail(fmt::format("chmod 0600 {}: {}", path_, std::strerror(errno)));
  }
  acceptor_ = std::move(acceptor);
  log_.Info("control_socket", {{"path", path_}, {"mode", "0600"}});
  Accept();
  return {};
}

void ControlServer::Accept() {
  acceptor_->async_accept([this](const boost::system::error_code& ec, stream::socket socket) {
    if (ec) return;  // closed
    ucred cred{};
    socklen_t len = sizeof cred;
    const bool known =
        ::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0;
    auto client = std::make_shared<Client>(std::move(socket), handler_, clients_);
    if (!known || !MayControl(cred.uid, ::geteuid())) {
      log_.Warn("control_refused", {{"uid", known ? std::to_string(cred.uid) : "unknown"},
                                    {"pid", known ? std::to_string(cred.pid) : "unknown"}});
      client->Refuse(fmt::format("uid {} may not use this control socket: only root and uid {}",
                                 known ? std::to_string(cred.uid) : "unknown", ::geteuid()));
    } else if (*clients_ > kMaxClients) {
      client->Refuse(fmt::format("too many connections: at most {} at once", kMaxClients));
    } else {
      client->Read();
    }
    Accept();
  });
}

void ControlServer::Stop() {
  if (!acceptor_) return;
  boost::system::error_code ec;
  acceptor_->close(ec);
  acceptor_.reset();
  ::unlink(path_.c_str());
}

}  // namespace bgpdemo::bgp::api
