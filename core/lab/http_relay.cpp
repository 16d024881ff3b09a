#include "core/lab/http_relay.h"

#include <fmt/format.h>

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <unordered_set>

#include "core/http_socket.h"

namespace bgpdemo::core::lab {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kRelayBuffer = 16384;

class ProxyConn;

}  // namespace

struct TcpProxy::State {
  State(asio::io_context& io, std::vector<Endpoint> b, std::chrono::milliseconds t)
      : acceptor(io), backends(std::move(b)), connect_timeout(t) {}
  void Accept(const std::shared_ptr<State>& self);
  void CloseAll();

  tcp::acceptor acceptor;
  std::vector<Endpoint> backends;
  std::chrono::milliseconds connect_timeout;
  std::size_t next = 0;  // round robin
  std::uint64_t relayed = 0;
  std::uint64_t refused = 0;
  std::unordered_set<std::shared_ptr<ProxyConn>> conns;
};

namespace {

// One client: connect to a backend (the next one on failure), then copy bytes both ways
// through a fixed buffer per direction; an EOF one way is passed on as a shutdown(send),
// and the pair is closed when both ways have ended or either fails.
class ProxyConn : public std::enable_shared_from_this<ProxyConn> {
 public:
  ProxyConn(tcp::socket client, const std::shared_ptr<TcpProxy::State>& owner)
      : client_(std::move(client)),
        backend_(client_.get_executor()),
        timer_(client_.get_executor()),
        owner_(owner) {}

  void Start(std::size_t first) {
    first_ = first;
    TryBackend();
  }

  void Close() {
    error_code ignored;
    timer_.cancel();
    client_.close(ignored);
    backend_.close(ignored);
    if (auto owner = owner_.lock()) owner->conns.erase(shared_from_this());
  }

 private:
  void TryBackend() {
    auto owner = owner_.lock();
    if (!owner) return;
    if (tried_ == owner->backends.size()) {
      ++owner->refused;
      Refuse();
      return;
    }
    const auto target = owner->backends[(first_ + tried_) % owner->backends.size()];
    ++tried_;
    error_code ignored;
    backend_.close(ignored);
    backend_ = tcp::socket(client_.get_executor());
    const auto attempt = ++attempt_;
    timer_.expires_after(owner->connect_timeout);
    timer_.async_wait([self = shared_from_this(), attempt](const error_code& ec) {
      if (!ec && attempt == self->attempt_) {
        error_code ignored;
        self->backend_.close(ignored);  // the connect handler sees operation_aborted
      }
    });
    backend_.async_connect(target, [self = shared_from_this(), attempt](const error_code& ec) {
      if (attempt != self->attempt_ || !self->client_.is_open()) return;
      self->timer_.cancel();
      if (ec) {
        self->TryBackend();
        return;
      }
      if (auto owner = self->owner_.lock()) ++owner->relayed;
      self->Relay(self->client_, self->backend_, self->up_, 0);
      self->Relay(self->backend_, self->client_, self->down_, 1);
    });
  }

  // No backend: a FIN rather than a reset (closing with the client's request unread would
  // send one), after draining what the client sends for a moment.
  void Refuse() {
    error_code ignored;
    client_.shutdown(tcp::socket::shutdown_send, ignored);
    timer_.expires_after(kLingerTime);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->Close();
    });
    Drain();
  }

  void Drain() {
    client_.async_read_some(asio::buffer(up_),
                            [self = shared_from_this()](const error_code& ec, std::size_t) {
                              if (ec) {
                                self->Close();
                              } else {
                                self->Drain();
                              }
                            });
  }

  void Relay(tcp::socket& from, tcp::socket& to, std::array<char, kRelayBuffer>& buf, int way) {
    from.async_read_some(asio::buffer(buf), [self = shared_from_this(), &from, &to, &buf, way](
                                                const error_code& ec, std::size_t n) {
      if (ec == asio::error::eof) {
        error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);
        self->ended_[way] = true;
        if (self->ended_[0] && self->ended_[1]) self->Close();
        return;
      }
      if (ec) {
        self->Close();
        return;
      }
      asio::async_write(to, asio::buffer(buf.data(), n),
                        [self, &from, &to, &buf, way](const error_code& wec, std::size_t) {
                          if (wec) {
                            self->Close();
                            return;
                          }
                          self->Relay(from, to, buf, way);
                        });
    });
  }

  tcp::socket client_;
  tcp::socket backend_;
  asio::steady_timer timer_;
  std::weak_ptr<TcpProxy::State> owner_;
  std::size_t first_ = 0;
  std::size_t tried_ = 0;
  std::uint64_t attempt_ = 0;
  std::array<char, kRelayBuffer> up_{};    // client -> backend
  std::array<char, kRelayBuffer> down_{};  // backend -> client
  bool ended_[2] = {false, false};
};

}  // namespace

void TcpProxy::State::Accept(const std::shared_ptr<State>& self) {
  acceptor.async_accept([self](const error_code& ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
    if (!ec) {
      auto conn = std::make_shared<ProxyConn>(std::move(s), self);
      self->conns.insert(conn);
      conn->Start(self->next++ % self->backends.size());
    }
    self->Accept(self);
  });
}

void TcpProxy::State::CloseAll() {
  error_code ignored;
  acceptor.close(ignored);
  auto open = std::move(conns);
  conns.clear();
  for (const auto& c : open) c->Close();
}

Result<std::unique_ptr<TcpProxy>, std::string> TcpProxy::Start(asio::io_context& io,
                                                               const std::string& address,
                                                               std::uint16_t port,
                                                               std::vector<Endpoint> backends,
                                                               std::chrono::milliseconds timeout) {
  auto at = ParseEndpoint(address, port);
  if (!at) return Fail(at.error());
  if (backends.empty()) {
    return Fail(fmt::format("proxy {}: no backends to send connections to", EndpointText(*at)));
  }
  auto state = std::make_shared<State>(io, std::move(backends), timeout);
  if (auto r = Listen(state->acceptor, *at); !r) return Fail(r.error());
  state->Accept(state);
  return std::unique_ptr<TcpProxy>(new TcpProxy(std::move(state)));
}

TcpProxy::~TcpProxy() {
  state_->CloseAll();
}

std::uint16_t TcpProxy::port() const {
  error_code ec;
  return state_->acceptor.local_endpoint(ec).port();
}
std::uint64_t TcpProxy::relayed() const {
  return state_->relayed;
}
std::uint64_t TcpProxy::refused() const {
  return state_->refused;
}

}  // namespace bgpdemo::core::lab
