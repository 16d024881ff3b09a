#include "bgp/session/connection.h"

#include <cstring>

#include "bgp/wire/message.h"

namespace bgpdemo::bgp::session {

namespace {
constexpr std::size_t kReadChunk = 256 * 1024;
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
  in_.resize(kReadChunk + wire::kMaxExtendedMessageSize);
  Read();
}

void Connection::Read() {
  if (closed_) return;
  if (in_.size() - in_len_ < kReadChunk) in_.resize(in_len_ + kReadChunk);
  socket_.async_read_some(
      asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        self->OnRead(ec, n);
      });
}

void Connection::OnRead(const boost::system::error_code& ec, std::size_t n) {
  if (closed_ || !callbacks_.on_message) return;
  if (ec) {
    Finish(nullptr, ec == asio::error::eof ? "connection closed by peer" : ec.message());
    return;
  }
  in_len_ += n;
  std::size_t off = 0;
  while (!closed_) {
    const std::span<const std::uint8_t> rest(in_.data() + off, in_len_ - off);
    auto len = wire::FrameLength(rest, ctx_);
    if (!len) {
      const wire::Error error = len.error();
      Finish(&error, "bad message header");
      return;
    }
    if (*len == 0) break;
    if (!callbacks_.on_message || !callbacks_.on_message(rest.first(*len))) return;
    off += *len;
  }
  if (closed_) return;
  if (off > 0) {
    std::memmove(in_.data(), in_.data() + off, in_len_ - off);
    in_len_ -= off;
  }
  Read();
}

void Connection::Send(std::span<const std::uint8_t> bytes) {
  if (closed_ || close_after_write_) return;
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  if (writing_.empty()) Write();
}

void Connection::SendAndClose(std::span<const std::uint8_t> bytes) {
  if (closed_) return;
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  close_after_write_ = true;
  if (writing_.empty()) Write();
}

void Connection::Write() {
  if (out_.empty()) {
    if (close_after_write_) Close();
    return;
  }
  writing_.swap(out_);
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      if (self->closed_) return;
                      self->writing_.clear();
                      if (ec) {
                        self->Finish(nullptr, "write failed: " + ec.message());
                        return;
                      }
                      self->Write();
                    });
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

}  // namespace bgpdemo::bgp::session
