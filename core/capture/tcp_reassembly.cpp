#include "core/capture/tcp_reassembly.h"

#include <algorithm>

namespace bgpdemo::core::capture {

namespace {

constexpr std::size_t kMarker = 16;
constexpr std::size_t kHeader = 19;  // RFC 4271 §4.1

// Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): how far a is ahead of b.
std::int32_t SeqDiff(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b);
}

bool MarkerAt(std::span<const std::uint8_t> b, std::size_t at) {
  return std::all_of(b.begin() + static_cast<std::ptrdiff_t>(at),
                     b.begin() + static_cast<std::ptrdiff_t>(at + kMarker),
                     [](std::uint8_t c) { return c == 0xff; });
}

std::size_t LengthAt(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::size_t>(b[at + 16]) << 8 | b[at + 17];
}

}  // namespace

std::size_t FindHeader(std::span<const std::uint8_t> b) {
  std::size_t run = 0;  // 0xff bytes ending just before i
  for (std::size_t i = 0; i + 2 < b.size(); ++i) {
    if (b[i] == 0xff) {
      ++run;
      continue;
    }
    // A marker ends at i - 1 when at least 16 0xff bytes precede i; with a longer run, the
    // marker is the last 16 of them (a length's high byte is never 0xff: 65535 is the most,
    // and 0xff.. lengths over 65280 are not framed here).
    if (run >= kMarker) {
      const std::size_t at = i - kMarker;
      const std::size_t len = LengthAt(b, at);
      const std::uint8_t type = b[at + 18];
      if (len >= kHeader && type >= 1 && type <= 5) return at;
    }
    run = 0;
  }
  return b.size();
}

void TcpReassembler::Emit(const Stream& s, StreamEvent::Kind kind,
                          std::span<const std::uint8_t> bytes, std::size_t count,
                          const Timestamp& time, std::uint64_t frame) {
  StreamEvent e{kind, s.src, s.dst, bytes, count, time, frame};
  sink_(e);
}

void TcpReassembler::Add(const TcpSegment& seg, const Timestamp& time, std::uint64_t frame) {
  auto [it, inserted] = streams_.try_emplace(Key{seg.src, seg.dst});
  Stream& s = it->second;
  if (inserted) {
    s.src = seg.src;
    s.dst = seg.dst;
  }
  s.last_time = time;
  s.last_frame = frame;
  std::uint32_t seq = seg.seq;
  if (seg.syn) {
    // The SYN takes one sequence number; data after it starts a message. A SYN at another
    // number than the one seen before is a new connection on the same ports.
    if (!s.started || SeqDiff(seq + 1, s.next_seq) != 0) {
      if (s.started) Flush(s, time, frame);
      s.started = true;
      s.synced = true;
      s.next_seq = seq + 1;
    }
    seq += 1;
  }
  if (seg.payload.empty()) return;
  if (!s.started) {
    // The capture began mid-stream: the first byte seen is not known to start a message.
    s.started = true;
    s.synced = false;
    s.next_seq = seq;
  }
  const std::int32_t ahead = SeqDiff(seq, s.next_seq);
  if (ahead > 0) {
    auto& w = s.waiting[seq];
    if (seg.payload.size() > w.data.size()) {  // of two copies at one number, the longer
      s.waiting_bytes += seg.payload.size() - w.data.size();
      w.data.assign(seg.payload.begin(), seg.payload.end());
      w.time = time;
      w.frame = frame;
    }
    while (s.waiting_bytes > max_pending_) SkipGap(s, &time, frame);
    return;
  }
  const auto old = static_cast<std::size_t>(-static_cast<std::int64_t>(ahead));
  if (seg.payload.size() <= old) return;  // a retransmission: nothing new
  Append(s, seg.payload.subspan(old), time, frame);
  Drain(s, time, frame);
}

void TcpReassembler::Append(Stream& s, std::span<const std::uint8_t> data, const Timestamp& time,
                            std::uint64_t frame) {
  s.buf.insert(s.buf.end(), data.begin(), data.end());
  s.next_seq += static_cast<std::uint32_t>(data.size());
  Frame(s, time, frame);
}

// Takes waiting segments that the stream has now reached, trimming what it already holds.
// What they complete is labelled with the segment that filled the hole (time, frame): that
// is when a receiver could read it, and where tshark shows it.
void TcpReassembler::Drain(Stream& s, const Timestamp& time, std::uint64_t frame) {
  bool progress = true;
  while (progress && !s.waiting.empty()) {
    progress = false;
    for (auto it = s.waiting.begin(); it != s.waiting.end(); ++it) {
      const std::int32_t ahead = SeqDiff(it->first, s.next_seq);
      if (ahead > 0) continue;
      Waiting w = std::move(it->second);
      s.waiting_bytes -= w.data.size();
      s.waiting.erase(it);
      const auto old = static_cast<std::size_t>(-static_cast<std::int64_t>(ahead));
      if (w.data.size() > old) {
        Append(s, std::span<const std::uint8_t>(w.data).subspan(old), time, frame);
      }
      progress = true;
      break;
    }
  }
}

// The bytes up to the nearest waiting segment were never captured: report them, drop the
// unfinished message they cut, and go on from that segment, resynchronising. Labelled with
// `now` when a segment made the wait too long, else with the nearest segment itself.
void TcpReassembler::SkipGap(Stream& s, const Timestamp* now, std::uint64_t now_frame) {
  if (s.waiting.empty()) return;
  auto nearest = s.waiting.begin();
  for (auto it = s.waiting.begin(); it != s.waiting.end(); ++it) {
    if (SeqDiff(it->first, s.next_seq) < SeqDiff(nearest->first, s.next_seq)) nearest = it;
  }
  const std::uint32_t gap = nearest->first - s.next_seq;
  const Timestamp time = now != nullptr ? *now : nearest->second.time;
  const std::uint64_t frame = now != nullptr ? now_frame : nearest->second.frame;
  if (!s.buf.empty()) {
    s.skipped += s.buf.size();
    s.buf.clear();
  }
  Emit(s, StreamEvent::Kind::kGap, {}, gap, time, frame);
  s.next_seq = nearest->first;
  s.synced = false;
  Drain(s, time, frame);
}

void TcpReassembler::Frame(Stream& s, const Timestamp& time, std::uint64_t frame) {
  std::span<const std::uint8_t> b(s.buf);
  std::size_t head = 0;
  for (;;) {
    const auto rest = b.subspan(head);
    if (!s.synced) {
      const std::size_t at = FindHeader(rest);
      if (at == rest.size()) {
        // Keep the last 18 bytes: a marker may start among them.
        const std::size_t drop = rest.size() > kHeader - 1 ? rest.size() - (kHeader - 1) : 0;
        s.skipped += drop;
        head += drop;
        break;
      }
      s.skipped += at;
      head += at;
      s.synced = true;
      if (s.skipped > 0) {
        Emit(s, StreamEvent::Kind::kSkipped, {}, s.skipped, time, frame);
        s.skipped = 0;
      }
      continue;
    }
    if (rest.size() < kHeader) break;
    const std::size_t len = LengthAt(rest, 0);
    if (!MarkerAt(rest, 0) || len < kHeader) {
      s.synced = false;  // not a header where one should be: resynchronise
      continue;
    }
    if (rest.size() < len) break;
    Emit(s, StreamEvent::Kind::kMessage, rest.first(len), 0, time, frame);
    head += len;
  }
  s.buf.erase(s.buf.begin(), s.buf.begin() + static_cast<std::ptrdiff_t>(head));
}

// Reports what a stream holds that will never complete, and empties it.
void TcpReassembler::Flush(Stream& s, const Timestamp& time, std::uint64_t frame) {
  while (!s.waiting.empty()) SkipGap(s, nullptr, 0);
  if (!s.synced) {
    s.skipped += s.buf.size();
    s.buf.clear();
  }
  if (s.skipped > 0) Emit(s, StreamEvent::Kind::kSkipped, {}, s.skipped, time, frame);
  if (!s.buf.empty()) Emit(s, StreamEvent::Kind::kTruncated, {}, s.buf.size(), time, frame);
  s.skipped = 0;
  s.buf.clear();
  s.started = false;
  s.synced = false;
}

void TcpReassembler::Finish() {
  for (auto& entry : streams_) Flush(entry.second, entry.second.last_time, entry.second.last_frame);
  streams_.clear();
}

}  // namespace bgpdemo::core::capture
