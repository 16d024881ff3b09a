#include "bgp/api/control_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "bgp/api/control_client.h"

namespace bgpdemo::bgp::api {

using stream = asio::local::stream_protocol;

namespace {

constexpr std::size_t kMaxRequest = 64 * 1024;

// One client connection: read lines, answer each.
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(stream::socket socket, Handler& handler) : socket_(std::move(socket)), handler_(handler) {}

  void Read() {
    asio::async_read_until(
        socket_, asio::dynamic_buffer(in_, kMaxRequest), '\n',
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          if (ec) return;  // EOF, error, or a request over the size limit: drop the client
          const std::string line = self->in_.substr(0, n - 1);
          self->in_.erase(0, n);
          nlohmann::json reply;
          auto request = nlohmann::json::parse(line, nullptr, false);
          if (request.is_discarded() || !request.is_object()) {
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
  std::string in_;
  std::string out_;
};

}  // namespace

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
    std::make_shared<Client>(std::move(socket), handler_)->Read();
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
