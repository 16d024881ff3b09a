// One TCP connection carrying BGP messages: the real Transport under a session
// (bgp/session/transport.h), and AsioDialer's connections.
//
// Reads into one buffer and hands every whole message to the owner in order (RFC 4271
// §4.1 framing via wire::FrameLength), so coalesced and split messages are the same to the
// session. A read offers 4 KiB at first and twice as much after each read that filled what
// it was offered, up to 16 KiB: a peer that sends a table soon reads 16 KiB a syscall,
// while a thousand peers that send little keep 4 KiB each, not 32 (issue #13's dynamic
// row). The owner may pause reading (backpressure, see below).
//
// Writes queue Chunks, immutable buffers of whole messages, by reference: the export
// encodes a batch of UPDATEs once and every peer of its group queues the same Chunk, so N
// peers cost one copy of the bytes plus a pointer each. Chunks queued while a write is in
// flight go out together in the next one (one gather write).
//
//   Send(chunk) --> queue_: [chunk][chunk][chunk] ... --async_write (gather)--> socket
//
// The queue has a high-water and a low-water mark. Crossing the high one reports
// congested, falling under the low one reports relieved (Callbacks::on_congestion); the
// server then pauses and resumes reading its sessions, so that one slow reader bounds
// what is queued for it instead of the engine buffering without limit. Send never refuses
// bytes: KEEPALIVEs and NOTIFICATIONs always go out, behind at most the high-water mark.
//
// Threading: all calls and callbacks on the io_context's thread. Lifetime: owned through
// shared_ptr; pending operations keep it alive, Close() cancels them, and no callback runs
// after Close() returns.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

// clang-format off
#include <utility>  // first: Boost 1.74's asio uses std::exchange without including it
#include <boost/asio.hpp>
// clang-format on

#include "bgp/session/transport.h"
#include "bgp/wire/context.h"
#include "bgp/wire/error.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::session {

namespace asio = boost::asio;

class Connection : public Transport, public std::enable_shared_from_this<Connection> {
 public:
  // on_congestion: the queue crossed kHighWater (true), or fell under kLowWater after
  // that (false).
  using Callbacks = Transport::Callbacks;

  static constexpr std::size_t kHighWater = 2 * 1024 * 1024;
  static constexpr std::size_t kLowWater = 512 * 1024;

  explicit Connection(asio::ip::tcp::socket socket);
  ~Connection() override;

  // Starts reading. The context decides framing limits (extended messages); it may be
  // changed by SetContext once capabilities are negotiated.
  void Start(Callbacks callbacks, const wire::Context& ctx) override;
  void SetContext(const wire::Context& ctx) override { ctx_ = ctx; }

  // Queues one or more whole messages for sending: a copy of bytes, or a shared chunk.
  void Send(std::span<const std::uint8_t> bytes) override;
  void Send(Chunk chunk) override;
  // Sends what is queued, then closes (for a final NOTIFICATION).
  void SendAndClose(std::span<const std::uint8_t> bytes) override;
  // Stops (false) or resumes (true) reading. A read already in flight completes and its
  // whole messages are delivered; no new read starts until resumed.
  void SetReading(bool on) override;
  void Close() override;
  // Stops all callbacks; closes now unless a SendAndClose is still writing, in which case
  // the connection closes itself when the write is done.
  void Detach() override;

  bool open() const { return socket_.is_open(); }
  wire::IpAddress local_address() const override { return local_; }
  wire::IpAddress remote_address() const { return remote_; }
  std::uint16_t remote_port() const { return remote_port_; }
  // Bytes queued and not yet written, the write in flight included.
  std::size_t bytes_queued() const override { return queued_bytes_; }
  // Bytes the socket has taken so far: progress for a send hold timer (RFC 9687).
  std::uint64_t bytes_written() const override { return bytes_written_; }
  bool congested() const { return congested_; }

 private:
  // A read syscall of a busy peer still carries four full UPDATEs, and 50 sessions' buffers
  // (the chunk plus at most one partial message each) stay under 2 MiB; a peer that sends
  // little keeps one 4 KiB chunk.
  static constexpr std::size_t kMinReadChunk = 4 * 1024;
  static constexpr std::size_t kMaxReadChunk = 16 * 1024;

  void Read();
  void OnRead(const boost::system::error_code& ec, std::size_t n);
  void Write();
  void OnWritten(std::size_t chunks, std::size_t bytes);
  void Finish(const wire::Error* error, const std::string& reason);

  asio::ip::tcp::socket socket_;
  Callbacks callbacks_;
  wire::Context ctx_;
  std::vector<std::uint8_t> in_;  // [0, in_len_) holds unprocessed bytes
  std::size_t in_len_ = 0;
  std::size_t read_chunk_ = kMinReadChunk;  // what the next read offers at least
  bool reading_ = true;          // the owner wants reads
  bool read_in_flight_ = false;
  bool started_ = false;
  std::deque<Chunk> queue_;      // front: the oldest; the first `writing_` are in flight
  std::size_t writing_ = 0;
  std::size_t queued_bytes_ = 0;
  std::uint64_t bytes_written_ = 0;
  bool congested_ = false;
  bool close_after_write_ = false;
  bool closed_ = false;
  wire::IpAddress local_, remote_;
  std::uint16_t remote_port_ = 0;
};

// Converts between Asio and codec addresses (IPv4-mapped IPv6 becomes IPv4).
wire::IpAddress ToWire(const asio::ip::address& a);
asio::ip::address ToAsio(const wire::IpAddress& a);

}  // namespace bgpdemo::bgp::session
