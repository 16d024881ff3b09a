// One TCP connection carrying BGP messages (the transport under a session).
//
// Reads in large chunks into one buffer and hands every whole message to the owner in
// order (RFC 4271 §4.1 framing via wire::FrameLength), so coalesced and split messages
// are the same to the session. Writes are queued and sent in batches: bytes appended while
// a write is in flight go out together in the next one.
//
// Threading: all calls and callbacks on the io_context's thread. Lifetime: owned through
// shared_ptr; pending operations keep it alive, Close() cancels them, and no callback runs
// after Close() returns.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <boost/asio.hpp>

#include "bgp/wire/context.h"
#include "bgp/wire/error.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::session {

namespace asio = boost::asio;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  struct Callbacks {
    // One whole message (header included). Return false to stop reading (closing).
    std::function<bool(std::span<const std::uint8_t> message)> on_message;
    // The stream ended: a framing error (error is the NOTIFICATION to send; the socket is
    // still open for SendAndClose), or EOF / a socket error (error == nullptr, reason says
    // what; the socket is closed).
    std::function<void(const wire::Error* error, const std::string& reason)> on_closed;
  };

  explicit Connection(asio::ip::tcp::socket socket);
  ~Connection();

  // Starts reading. The context decides framing limits (extended messages); it may be
  // changed by SetContext once capabilities are negotiated.
  void Start(Callbacks callbacks, const wire::Context& ctx);
  void SetContext(const wire::Context& ctx) { ctx_ = ctx; }

  // Queues bytes (one or more whole messages) for sending.
  void Send(std::span<const std::uint8_t> bytes);
  // Sends what is queued, then closes (for a final NOTIFICATION).
  void SendAndClose(std::span<const std::uint8_t> bytes);
  void Close();
  // Stops all callbacks; closes now unless a SendAndClose is still writing, in which case
  // the connection closes itself when the write is done.
  void Detach();

  bool open() const { return socket_.is_open(); }
  wire::IpAddress local_address() const { return local_; }
  wire::IpAddress remote_address() const { return remote_; }
  std::uint16_t remote_port() const { return remote_port_; }
  std::size_t bytes_queued() const { return out_.size() + writing_.size(); }

 private:
  void Read();
  void OnRead(const boost::system::error_code& ec, std::size_t n);
  void Write();
  void Finish(const wire::Error* error, const std::string& reason);

  asio::ip::tcp::socket socket_;
  Callbacks callbacks_;
  wire::Context ctx_;
  std::vector<std::uint8_t> in_;  // [0, in_len_) holds unprocessed bytes
  std::size_t in_len_ = 0;
  std::vector<std::uint8_t> out_;      // queued, not yet being written
  std::vector<std::uint8_t> writing_;  // the write in flight
  bool close_after_write_ = false;
  bool closed_ = false;
  wire::IpAddress local_, remote_;
  std::uint16_t remote_port_ = 0;
};

// Converts between Asio and codec addresses (IPv4-mapped IPv6 becomes IPv4).
wire::IpAddress ToWire(const asio::ip::address& a);
asio::ip::address ToAsio(const wire::IpAddress& a);

}  // namespace bgpdemo::bgp::session
