// One of the blaster's BGP sessions (tests/tools/blaster.cpp): a non-blocking TCP socket
// bound to its own source address, the OPEN exchange, KEEPALIVEs, framing of what the
// target sends, and writes of pre-encoded UPDATEs.
//
// The session connects, sends an OPEN offering 4-octet AS and IPv4 unicast only, answers
// the target's OPEN with a KEEPALIVE and is Established on the target's KEEPALIVE. It
// sends KEEPALIVEs at a third of the negotiated hold time but does not enforce the
// target's hold timer. Every read and write copes with partial transfers; a control
// message (KEEPALIVE, NOTIFICATION) is only ever slipped in between two whole UPDATEs of
// the buffer `upd`, which the owner fills (Load) and releases for writing (sending).
//
// What happens is reported to a SessionOwner: UPDATEs received, the first UPDATE bytes
// written, failures (the owner decides whether to retry) and fatal problems. The owner
// polls: Events() says what to wait for, OnReadable/OnWritable do the work.
//
// Not thread-safe; one thread runs every session.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bgp/wire/context.h"
#include "bgp/wire/message.h"

namespace bgpdemo::blaster {

namespace wire = bgp::wire;
using Clock = std::chrono::steady_clock;

// Seconds of a duration, and a duration of seconds (the tools' options are in seconds).
inline double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}
inline Clock::duration Span(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

std::optional<std::uint32_t> ParseV4(const std::string& text);
std::string V4String(std::uint32_t host);

// The sessions' source addresses, from a list (which sets sessions when 0) or as base + i
// for i < sessions, and the monitor's (default: the one after the sessions'). False with
// err set when an address is bad or missing.
bool SourceAddresses(const std::vector<std::string>& list, const std::string& base,
                     const std::string& monitor, std::size_t& sessions,
                     std::vector<std::uint32_t>& out, std::uint32_t& monitor_out, std::string& err);

enum class State { kIdle, kConnecting, kOpenSent, kOpenConfirm, kEstablished };
const char* StateName(State s);

// The target and how to talk to it; shared by every session.
struct Target {
  std::uint32_t address = 0;  // host order
  std::uint16_t port = 179;
  std::uint32_t expected_as = 0;  // checked in its OPEN; 0: any
  unsigned hold_time = 180;       // offered in our OPEN
  std::size_t write_chunk = 1 << 20;
};

class Session;

class SessionOwner {
 public:
  virtual ~SessionOwner() = default;
  // An UPDATE (body: after the header) on an Established session; false when the owner
  // failed the session.
  virtual bool OnUpdate(Session& s, std::span<const std::uint8_t> body, Clock::time_point now) = 0;
  // UPDATE bytes were written; `before` is the time just before the write.
  virtual void OnUpdateWritten(Session& s, Clock::time_point before) = 0;
  // The session failed and is closed (was_up: it had been Established). The owner may set
  // retry_at to connect again.
  virtual void OnFailure(Session& s, const std::string& why, bool was_up,
                         Clock::time_point now) = 0;
  // A problem that waiting will not fix (no such source address, a target without 4-octet
  // AS numbers, the wrong target AS).
  virtual void OnFatal(const std::string& why) = 0;
};

class Session {
 public:
  Session(SessionOwner& owner, const Target& target, std::string name, std::uint32_t src,
          std::uint32_t asn, bool monitor, std::size_t read_buffer);

  // Starts a non-blocking connect from src.
  void Connect(Clock::time_point now);
  void Close();
  // Records why, closes, and tells the owner.
  void Fail(const std::string& why, Clock::time_point now);

  // poll(2) events to wait for; 0 when closed.
  short Events() const;
  void OnReadable(Clock::time_point now);
  void OnWritable(Clock::time_point now);
  void MaybeKeepalive(Clock::time_point now);
  // A Cease NOTIFICATION (administrative shutdown) if between two UPDATEs, then close.
  void Goodbye();
  // Closes with a TCP RST (SO_LINGER 0) rather than a FIN; the session is Idle.
  void Reset();
  // Lets go of the socket without a word (a half-open connection, as a peer that rebooted
  // leaves); the session is Idle. Returns the fd, for the caller to close later.
  int Abandon();

  // Replaces the UPDATE buffer. REQUIRES: everything before was written (UpdatesDone()).
  void Load(std::vector<std::uint8_t> bytes, std::uint64_t messages);
  bool UpdatesDone() const { return upd_off_ == upd_.size(); }
  std::size_t UpdateBytesSent() const { return upd_off_; }
  std::size_t UpdateBytes() const { return upd_.size(); }
  // Its figures for the report; times from start.
  nlohmann::json ToJson(Clock::time_point start) const;

  const std::string name;
  const bool monitor;
  const std::uint32_t src;  // host order
  const std::uint32_t asn;

  int fd = -1;
  State state = State::kIdle;
  Clock::time_point retry_at{};
  Clock::time_point connect_at{};  // of the last attempt
  int attempts = 0;
  std::string last_error;
  wire::Context ctx;
  bool sending = false;  // upd may be written once Established; cleared by Close
  // Neither reads nor sends KEEPALIVEs while set (the target's hold timer runs out).
  bool muted = false;

  std::uint64_t msgs_sent = 0, bytes_sent = 0, msgs_recv = 0, bytes_recv = 0;
  std::uint64_t updates_recv = 0;
  std::uint64_t update_msgs_total = 0;  // UPDATE messages loaded, over every Load
  Clock::time_point established_at{};
  Clock::time_point send_done{};
  Clock::time_point last_read{};

 private:
  bool HandleFrame(std::span<const std::uint8_t> frame, Clock::time_point now);
  void QueueControl(const wire::Message& m);
  bool WantsWrite() const;
  // UPDATE bytes may go out: released by the owner, the session Established, some left.
  bool Releasing() const {
    return sending && state == State::kEstablished && upd_off_ < upd_.size();
  }

  SessionOwner& owner_;
  const Target& target_;
  unsigned keepalive_s_ = 60;  // from the negotiated hold time; 0: none
  Clock::time_point last_write_{};
  // Bytes read but not yet framed: [in_start_, in_end_).
  std::vector<std::uint8_t> in_;
  std::size_t in_start_ = 0, in_end_ = 0;
  // Control messages (OPEN, KEEPALIVE, NOTIFICATION) waiting to be written.
  std::vector<std::uint8_t> ctl_;
  std::size_t ctl_off_ = 0;
  // The pre-encoded UPDATEs; next_msg_ is the first message start at or after upd_off_, so
  // upd_off_ == next_msg_ means we sit between two messages.
  std::vector<std::uint8_t> upd_;
  std::size_t upd_off_ = 0, next_msg_ = 0;
};

// One poll(2) round over the open sessions of a tool (blaster, soak), then each one's
// reads and writes. Keeps its arrays between rounds. False, after telling the owner
// (OnFatal), when poll(2) itself failed; an interrupted poll is a round with nothing done.
class Poller {
 public:
  bool Once(const std::vector<std::unique_ptr<Session>>& conns, int timeout_ms,
            SessionOwner& owner);

 private:
  std::vector<pollfd> pfds_;
  std::vector<Session*> owners_;
};

}  // namespace bgpdemo::blaster
