// What a session needs from the network, behind two small interfaces so that a session
// runs without sockets in tests: a Transport is one connection carrying whole BGP
// messages (Connection is the real one, over TCP), and a Dialer opens outgoing ones.
//
//   Session --Send/SendAndClose--> Transport --on_message(frame)--> Session
//   Session --Dial--> Dialer --done(transport or error)--> Session
//
// Threading: one thread (the io_context's); callbacks never run from inside the call that
// caused them, except on_congestion from Send.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

// clang-format off
#include <utility>  // first: Boost 1.74's asio uses std::exchange without including it
#include <boost/asio.hpp>
// clang-format on

#include "base/result.h"
#include "bgp/wire/context.h"
#include "bgp/wire/error.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::bgp::session {

// Encoded whole messages, shared by every connection that sends them.
using Chunk = std::shared_ptr<const std::vector<std::uint8_t>>;

class Transport {
 public:
  struct Callbacks {
    // One whole message (header included). Return false to stop reading (closing).
    std::function<bool(std::span<const std::uint8_t> message)> on_message;
    // The stream ended: a framing error (error is the NOTIFICATION to send; the
    // connection is still open for SendAndClose), or EOF / a socket error (error ==
    // nullptr, reason says what; the connection is closed).
    std::function<void(const wire::Error* error, const std::string& reason)> on_closed;
    // The send queue crossed its high-water mark (true), or fell under the low one after
    // that (false).
    std::function<void(bool congested)> on_congestion;
    // Every whole message of one read has been delivered (optional): the owner may act
    // once on what several messages changed. Not called when on_message returned false.
    std::function<void()> on_read_done;
  };

  virtual ~Transport() = default;

  // Starts reading. The context decides framing limits (extended messages); SetContext
  // changes it once capabilities are negotiated.
  virtual void Start(Callbacks callbacks, const wire::Context& ctx) = 0;
  virtual void SetContext(const wire::Context& ctx) = 0;
  // Queues one or more whole messages for sending: a copy of bytes, or a shared chunk.
  virtual void Send(std::span<const std::uint8_t> bytes) = 0;
  virtual void Send(Chunk chunk) = 0;
  // Sends what is queued, then closes (for a final NOTIFICATION).
  virtual void SendAndClose(std::span<const std::uint8_t> bytes) = 0;
  // Stops (false) or resumes (true) reading.
  virtual void SetReading(bool on) = 0;
  virtual void Close() = 0;
  // Stops all callbacks; closes now unless a SendAndClose is still writing.
  virtual void Detach() = 0;

  virtual wire::IpAddress local_address() const = 0;
  // Bytes queued and not yet written, the write in flight included.
  virtual std::size_t bytes_queued() const = 0;
  // Bytes the peer has taken so far: progress for a send hold timer (RFC 9687).
  virtual std::uint64_t bytes_written() const = 0;
};

// An outgoing connection to make.
struct DialRequest {
  wire::IpAddress peer;
  std::uint16_t port = 179;
  std::optional<wire::IpAddress> local;  // bind before connect()
  std::string password;                  // TCP MD5 (RFC 2385), set before connect()
  bool ttl_security = false;             // GTSM (RFC 5082), set before connect()
};

// A connect() in progress: destroying it cancels it, and its callback never runs after.
class Dialing {
 public:
  virtual ~Dialing() = default;
};

class Dialer {
 public:
  // The connected transport (not started), or why it failed ("connect: Connection refused").
  using Done = std::function<void(Result<std::shared_ptr<Transport>, std::string>)>;
  virtual ~Dialer() = default;
  // `done` runs later, never from inside Dial.
  virtual std::unique_ptr<Dialing> Dial(const DialRequest& request, Done done) = 0;
};

// Dials TCP on an io_context, as Connections.
class AsioDialer : public Dialer {
 public:
  explicit AsioDialer(boost::asio::io_context& io) : io_(io) {}
  std::unique_ptr<Dialing> Dial(const DialRequest& request, Done done) override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace bgpdemo::bgp::session
