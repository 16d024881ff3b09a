// TCP stream reassembly for BGP captures: segments in, whole BGP messages out, per
// direction of each connection.
//
// Each direction (source endpoint -> destination endpoint) keeps the next sequence number
// it expects (RFC 9293 §3.4, modulo 2^32) and the bytes not yet framed:
//   - a segment at the expected number is appended;
//   - one that starts before it (a retransmission, an overlap) is trimmed to its new bytes,
//     or dropped when it brings none: the bytes seen first win, as in Wireshark's
//     reassembly (epan/reassemble.c keeps the first copy of an overlapping fragment);
//   - one that starts after it (out of order) waits until the hole is filled; when more
//     than `max_pending` bytes wait, or the capture ends, the hole is declared a gap;
//   - a SYN sets the stream's start: the first byte after it starts a message. A stream
//     whose SYN was not captured, or that had a gap, is resynchronised on the next 16-byte
//     0xff marker followed by a plausible length (19..65535) and type (1..5).
// Messages are framed by the header's length only; the decoder checks everything else.
// Pure: no I/O, no clock. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <vector>

#include "core/capture/label.h"
#include "core/capture/packet.h"

namespace bgpdemo::core::capture {

struct StreamEvent {
  enum class Kind {
    kMessage,    // `bytes` is one whole BGP message (header included)
    kSkipped,    // `count` bytes were not at a message boundary and were skipped to resync
    kGap,        // `count` bytes were never captured; the stream resyncs after them
    kTruncated,  // the capture ended with `count` bytes of an unfinished message
  };
  Kind kind = Kind::kMessage;
  const Endpoint& src;
  const Endpoint& dst;
  std::span<const std::uint8_t> bytes;
  std::size_t count = 0;
  Timestamp time;           // of the segment that completed the message, or filled the
                            // hole before it (or found the gap)
  std::uint64_t frame = 0;  // its frame number
};
using StreamSink = std::function<void(const StreamEvent&)>;

class TcpReassembler {
 public:
  explicit TcpReassembler(StreamSink sink, std::size_t max_pending = std::size_t{16} << 20)
      : sink_(std::move(sink)), max_pending_(max_pending) {}

  // A segment from a frame seen at `time`. Events for the messages it completes go to the
  // sink before Add returns; their byte spans are valid only during the call.
  void Add(const TcpSegment& segment, const Timestamp& time, std::uint64_t frame);
  // The capture ended: waiting segments are taken across their gaps, unfinished messages
  // reported. The reassembler is empty afterwards.
  void Finish();

  std::size_t streams() const { return streams_.size(); }

 private:
  struct Waiting {
    std::vector<std::uint8_t> data;
    Timestamp time;  // for a gap declared at the end of the capture
    std::uint64_t frame = 0;
  };
  struct Stream {
    Endpoint src;
    Endpoint dst;
    bool started = false;  // next_seq is known
    bool synced = false;   // buf_[head_] starts a message
    std::uint32_t next_seq = 0;
    std::vector<std::uint8_t> buf;
    std::map<std::uint32_t, Waiting> waiting;  // out-of-order segments by sequence number
    std::size_t waiting_bytes = 0;
    std::size_t skipped = 0;  // bytes skipped while resynchronising, not yet reported
    Timestamp last_time;      // of the last segment, for what Finish reports
    std::uint64_t last_frame = 0;
  };
  using Key = std::pair<Endpoint, Endpoint>;

  void Append(Stream& s, std::span<const std::uint8_t> data, const Timestamp& time,
              std::uint64_t frame);
  void Drain(Stream& s, const Timestamp& time, std::uint64_t frame);
  void SkipGap(Stream& s, const Timestamp* now, std::uint64_t now_frame);
  void Frame(Stream& s, const Timestamp& time, std::uint64_t frame);
  void Flush(Stream& s, const Timestamp& time, std::uint64_t frame);
  void Emit(const Stream& s, StreamEvent::Kind kind, std::span<const std::uint8_t> bytes,
            std::size_t count, const Timestamp& time, std::uint64_t frame);

  StreamSink sink_;
  std::size_t max_pending_;
  std::map<Key, Stream> streams_;
};

// Where the next plausible BGP header starts in `bytes` (marker, length 19..65535, type
// 1..5), or bytes.size() when none can be seen yet.
std::size_t FindHeader(std::span<const std::uint8_t> bytes);

}  // namespace bgpdemo::core::capture
