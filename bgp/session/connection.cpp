#include "bgp/session/connection.h"

#include <fmt/format.h>

#include <cstring>

#include "bgp/session/tcp_md5.h"
#include "bgp/session/ttl_security.h"
#include "bgp/wire/message.h"

namespace bgpdemo::bgp::session {

namespace {
// At most this many chunks per gather write (IOV_MAX is 1024).
constexpr std::size_t kMaxGather = 256;
}  // namespace

wire::IpAddress ToWire(const asio::ip::address& a) {
  if (a.is_v4()) return wire::IpAddress::V4(a.to_v4().to_uint());
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    return wire::IpAddress::V4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
  }
  const auto b = v6.to_bytes();
  std::array<std::uint8_t, 16> bytes;
  std::memcpy(bytes.data(), b.data(), 16);
  return wire::IpAddress::V6(bytes);
}

asio::ip::address ToAsio(const wire::IpAddress& a) {
  if (a.afi == wire::Afi::kIpv4) return asio::ip::address_v4(a.v4());
  asio::ip::address_v6::bytes_type b;
  std::memcpy(b.data(), a.bytes.data(), 16);
  return asio::ip::address_v6(b);
}

Connection::Connection(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
  boost::system::error_code ec;
  const auto l = socket_.local_endpoint(ec);
  if (!ec) local_ = ToWire(l.address());
  const auto r = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_ = ToWire(r.address());
    remote_port_ = r.port();
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

Connection::~Connection() {
  boost::system::error_code ec;
  socket_.close(ec);
}

void Connection::Start(Callbacks callbacks, const wire::Context& ctx) {
  callbacks_ = std::move(callbacks);
  ctx_ = ctx;
  started_ = true;
  Read();
}

void Connection::SetReading(bool on) {
  reading_ = on;
  if (on && started_) Read();
}

void Connection::Read() {
  if (closed_ || !reading_ || read_in_flight_) return;
  // After a memmove at most one partial message is left, so the buffer stays under
  // kMaxReadChunk plus the largest message. Reserving first keeps the capacity at what is
  // asked: resize alone would double it.
  if (in_.size() - in_len_ < read_chunk_) {
    in_.reserve(in_len_ + read_chunk_);
    in_.resize(in_len_ + read_chunk_);
  }
  read_in_flight_ = true;
  socket_.async_read_some(
      asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        self->OnRead(ec, n);
      });
}

void Connection::OnRead(const boost::system::error_code& ec, std::size_t n) {
  read_in_flight_ = false;
  if (closed_ || !callbacks_.on_message) return;
  if (ec) {
    Finish(nullptr, ec == asio::error::eof ? "connection closed by peer" : ec.message());
    return;
  }
  if (n == in_.size() - in_len_) read_chunk_ = std::min(2 * read_chunk_, kMaxReadChunk);
  in_len_ += n;
  std::size_t off = 0;
  while (!closed_) {
    const std::span<const std::uint8_t> rest(in_.data() + off, in_len_ - off);
    auto len = wire::FrameLength(rest, ctx_);
    if (!len) {
      const wire::Error& error = len.error();
      Finish(&error, "bad message header");
      return;
    }
    if (*len == 0) break;
    if (!callbacks_.on_message || !callbacks_.on_message(rest.first(*len))) return;
    off += *len;
  }
  if (closed_) return;
  if (off > 0 && callbacks_.on_read_done) {
    callbacks_.on_read_done();
    if (closed_) return;
  }
  if (off > 0) {
    std::memmove(in_.data(), in_.data() + off, in_len_ - off);
    in_len_ -= off;
  }
  Read();
}

void Connection::Send(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  Send(std::make_shared<const std::vector<std::uint8_t>>(bytes.begin(), bytes.end()));
}

void Connection::Send(Chunk chunk) {
  if (closed_ || close_after_write_ || !chunk || chunk->empty()) return;
  queued_bytes_ += chunk->size();
  queue_.push_back(std::move(chunk));
  if (!congested_ && queued_bytes_ > kHighWater) {
    congested_ = true;
    if (callbacks_.on_congestion) callbacks_.on_congestion(true);
  }
  if (writing_ == 0) Write();
}

void Connection::SendAndClose(std::span<const std::uint8_t> bytes) {
  if (closed_) return;
  if (!bytes.empty()) {
    queued_bytes_ += bytes.size();
    queue_.push_back(std::make_shared<const std::vector<std::uint8_t>>(bytes.begin(), bytes.end()));
  }
  close_after_write_ = true;
  if (writing_ == 0) Write();
}

void Connection::Write() {
  if (closed_) return;
  if (queue_.empty()) {
    if (close_after_write_) Close();
    return;
  }
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(std::min(queue_.size(), kMaxGather));
  std::size_t bytes = 0;
  for (const auto& chunk : queue_) {
    if (buffers.size() == kMaxGather) break;
    buffers.emplace_back(chunk->data(), chunk->size());
    bytes += chunk->size();
  }
  writing_ = buffers.size();
  // The chunks stay in queue_ (and alive) until the write completes.
  asio::async_write(socket_, buffers,
                    [self = shared_from_this(), bytes](const boost::system::error_code& ec,
                                                       std::size_t) {
                      if (self->closed_) return;
                      if (ec) {
                        self->writing_ = 0;
                        self->Finish(nullptr, "write failed: " + ec.message());
                        return;
                      }
                      self->OnWritten(self->writing_, bytes);
                    });
}

void Connection::OnWritten(std::size_t chunks, std::size_t bytes) {
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(chunks));
  writing_ = 0;
  queued_bytes_ -= bytes;
  bytes_written_ += bytes;
  if (congested_ && queued_bytes_ < kLowWater) {
    congested_ = false;
    if (callbacks_.on_congestion) callbacks_.on_congestion(false);
  }
  Write();
}

void Connection::Finish(const wire::Error* error, const std::string& reason) {
  if (closed_) return;
  auto cb = std::move(callbacks_.on_closed);
  callbacks_.on_message = nullptr;
  // After a framing error the socket stays open so the owner can send its NOTIFICATION
  // (SendAndClose); reading stops here either way.
  if (error == nullptr) Close();
  if (cb) cb(error, reason);
}

void Connection::Detach() {
  callbacks_ = {};
  if (!close_after_write_) Close();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  callbacks_ = {};
}

namespace {

// The socket of a connect() in progress; closing it cancels the connect.
class AsioDialing : public Dialing {
 public:
  explicit AsioDialing(std::shared_ptr<asio::ip::tcp::socket> socket)
      : socket_(std::move(socket)) {}
  ~AsioDialing() override {
    *cancelled_ = true;
    boost::system::error_code ec;
    socket_->close(ec);
  }
  std::shared_ptr<bool> cancelled() const { return cancelled_; }

 private:
  std::shared_ptr<asio::ip::tcp::socket> socket_;
  std::shared_ptr<bool> cancelled_ = std::make_shared<bool>(false);
};

}  // namespace

std::unique_ptr<Dialing> AsioDialer::Dial(const DialRequest& request, Done done) {
  auto sock = std::make_shared<asio::ip::tcp::socket>(io_);
  auto dialing = std::make_unique<AsioDialing>(sock);
  auto cancelled = dialing->cancelled();
  const asio::ip::tcp::endpoint remote(ToAsio(request.peer), request.port);
  // Failures before connect() are reported later too, as the interface promises.
  auto fail = [&](std::string why) {
    asio::post(io_, [cancelled, done = std::move(done), why = std::move(why)] {
      if (!*cancelled) done(Fail(why));
    });
    return std::move(dialing);
  };
  boost::system::error_code ec;
  sock->open(remote.protocol(), ec);
  if (ec) return fail("socket: " + ec.message());
  if (request.local) {
    sock->bind(asio::ip::tcp::endpoint(ToAsio(*request.local), 0), ec);
    if (ec) return fail(fmt::format("bind {}: {}", request.local->ToString(), ec.message()));
  }
  if (!request.password.empty()) {
    if (auto r = SetTcpMd5(sock->native_handle(), request.peer, request.password); !r) {
      return fail(r.error());
    }
  }
  if (request.ttl_security) {
    if (auto r = SetTtlSecurity(sock->native_handle(), request.peer); !r) return fail(r.error());
  }
  sock->async_connect(
      remote, [sock, cancelled, done = std::move(done)](const boost::system::error_code& e) {
        if (*cancelled) return;
        if (e) return done(Fail("connect: " + e.message()));
        done(std::shared_ptr<Transport>(std::make_shared<Connection>(std::move(*sock))));
      });
  return dialing;
}

}  // namespace bgpdemo::bgp::session
