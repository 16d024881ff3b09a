// Tests for core/capture/tcp_reassembly: segments in, whole BGP messages out, per direction.
#include "core/capture/tcp_reassembly.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/test_util.h"

using bgpdemo::bgp::wire::IpAddress;
using bgpdemo::core::capture::Endpoint;
using bgpdemo::core::capture::FindHeader;
using bgpdemo::core::capture::StreamEvent;
using bgpdemo::core::capture::TcpReassembler;
using bgpdemo::core::capture::TcpSegment;
using bgpdemo::core::capture::Timestamp;
using bgpdemo::test::Bytes;
using bgpdemo::test::Cat;
using bgpdemo::test::H;

namespace {

const Endpoint kA{*IpAddress::Parse("10.0.0.2"), 50179};
const Endpoint kB{*IpAddress::Parse("10.0.0.1"), 179};

Bytes Keepalive() {
  return H("ffffffffffffffffffffffffffffffff 0013 04");
}
// ORIGIN IGP, AS_PATH [65100], NEXT_HOP 10.0.0.2, NLRI 10.241.1.0/24 and 10.11.0.10/32.
Bytes Update() {
  return H(
      "ffffffffffffffffffffffffffffffff 0034 02 0000 0014"
      " 40 01 01 00  40 02 06 02 01 0000fe4c  40 03 04 0a000002"
      " 18 0af101  20 0a0b000a");
}

// What came out, one string per event: "msg 52 @3", "skip 5", "gap 10", "trunc 4".
struct Recorder {
  explicit Recorder(std::size_t max_pending = std::size_t{16} << 20)
      : r([this](const StreamEvent& e) { Record(e); }, max_pending) {}

  void Record(const StreamEvent& e) {
    switch (e.kind) {
      case StreamEvent::Kind::kMessage:
        events.push_back("msg " + std::to_string(e.bytes.size()) + " @" + std::to_string(e.frame));
        messages.emplace_back(e.bytes.begin(), e.bytes.end());
        break;
      case StreamEvent::Kind::kSkipped:
        events.push_back("skip " + std::to_string(e.count));
        break;
      case StreamEvent::Kind::kGap:
        events.push_back("gap " + std::to_string(e.count));
        break;
      case StreamEvent::Kind::kTruncated:
        events.push_back("trunc " + std::to_string(e.count));
        break;
    }
  }

  std::vector<std::string> events;
  std::vector<Bytes> messages;
  TcpReassembler r;
  std::uint64_t frame = 0;

  void Seg(std::uint32_t seq, const Bytes& payload, bool syn = false, const Endpoint& src = kA,
           const Endpoint& dst = kB) {
    TcpSegment s;
    s.src = src;
    s.dst = dst;
    s.seq = seq;
    s.syn = syn;
    s.payload = payload;
    r.Add(s, Timestamp{1700000000, 0, 6}, ++frame);
  }
};

Bytes Slice(const Bytes& b, std::size_t from, std::size_t to) {
  return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from),
               b.begin() + static_cast<std::ptrdiff_t>(to));
}

}  // namespace

TEST_CASE("tcp reassembly: in order, a message over two segments, two in one segment") {
  Recorder t;
  const Bytes stream = Cat({Update(), Keepalive(), Keepalive()});
  t.Seg(1000, {}, true);                          // SYN: data starts at 1001
  t.Seg(1001, Slice(stream, 0, 30));              // first half of the UPDATE
  t.Seg(1031, Slice(stream, 30, stream.size()));  // its rest and both KEEPALIVEs
  t.r.Finish();
  CHECK(t.events == std::vector<std::string>{"msg 52 @3", "msg 19 @3", "msg 19 @3"});
  CHECK(t.messages[0] == Update());
}

TEST_CASE("tcp reassembly: a retransmission and an overlapping segment add nothing twice") {
  Recorder t;
  const Bytes stream = Cat({Keepalive(), Update(), Keepalive()});
  t.Seg(0, {}, true);
  t.Seg(1, Slice(stream, 0, 40));
  t.Seg(1, Slice(stream, 0, 40));    // the same again
  t.Seg(21, Slice(stream, 20, 60));  // overlaps 20 bytes already held
  t.Seg(61, Slice(stream, 60, stream.size()));
  t.r.Finish();
  CHECK(t.events == std::vector<std::string>{"msg 19 @2", "msg 52 @5", "msg 19 @5"});
  CHECK(t.messages[1] == Update());
}

TEST_CASE("tcp reassembly: out-of-order segments wait for the hole to fill") {
  Recorder t;
  const Bytes stream = Cat({Update(), Keepalive()});
  t.Seg(99, {}, true);
  t.Seg(140, Slice(stream, 40, stream.size()));  // arrives first
  CHECK(t.events.empty());
  t.Seg(100, Slice(stream, 0, 40));
  t.r.Finish();
  // Both complete when the hole is filled, and are labelled with the frame that filled it
  // (tshark shows them there too).
  CHECK(t.events == std::vector<std::string>{"msg 52 @3", "msg 19 @3"});
}

TEST_CASE("tcp reassembly: a capture that starts mid-stream resyncs on the marker") {
  Recorder t;
  const Bytes stream = Cat({Update(), Keepalive(), Update()});
  t.Seg(5000, Slice(stream, 30, stream.size()));  // no SYN, 22 bytes into the UPDATE
  t.r.Finish();
  CHECK(t.events == std::vector<std::string>{"skip 22", "msg 19 @1", "msg 52 @1"});
}

TEST_CASE("tcp reassembly: a gap is reported and the stream resyncs after it") {
  Recorder t;
  const Bytes stream = Cat({Keepalive(), Update(), Keepalive()});
  t.Seg(0, {}, true);
  t.Seg(1, Slice(stream, 0, 30));                   // KEEPALIVE and 11 bytes of the UPDATE
  t.Seg(1 + 50, Slice(stream, 50, stream.size()));  // 20 bytes lost before this
  t.r.Finish();
  // The UPDATE's first 11 bytes are dropped with the gap, its tail skipped on resync.
  CHECK(t.events == std::vector<std::string>{"msg 19 @2", "gap 20", "skip 32", "msg 19 @3"});
}

TEST_CASE("tcp reassembly: too much waiting data declares the gap without waiting for the end") {
  Recorder t(100);
  const Bytes stream = Cat({Keepalive(), Keepalive(), Update(), Update()});
  t.Seg(0, {}, true);
  t.Seg(1 + 19, Slice(stream, 19, 71));             // 52 bytes wait
  t.Seg(1 + 71, Slice(stream, 71, stream.size()));  // 104 wait: over 100
  CHECK(t.events == std::vector<std::string>{"gap 19", "msg 19 @3", "msg 52 @3", "msg 52 @3"});
}

TEST_CASE("tcp reassembly: the end of a capture inside a message is reported") {
  Recorder t;
  t.Seg(7, {}, true);
  t.Seg(8, Slice(Update(), 0, 25));
  t.r.Finish();
  CHECK(t.events == std::vector<std::string>{"trunc 25"});
}

TEST_CASE("tcp reassembly: sequence numbers wrap around 2^32") {
  Recorder t;
  const Bytes stream = Cat({Update(), Keepalive()});
  t.Seg(0xffffffe0u, {}, true);
  t.Seg(0xffffffe1u, Slice(stream, 0, 40));
  t.Seg(0xffffffe1u + 40, Slice(stream, 40, stream.size()));  // wrapped to 9
  t.r.Finish();
  CHECK(t.events == std::vector<std::string>{"msg 52 @3", "msg 19 @3"});
}

TEST_CASE("tcp reassembly: the two directions of a connection are separate streams") {
  Recorder t;
  t.Seg(0, {}, true, kA, kB);
  t.Seg(500, {}, true, kB, kA);
  t.Seg(1, Slice(Update(), 0, 10), false, kA, kB);
  t.Seg(501, Keepalive(), false, kB, kA);
  t.Seg(11, Slice(Update(), 10, 52), false, kA, kB);
  t.r.Finish();
  CHECK(t.events == std::vector<std::string>{"msg 19 @4", "msg 52 @5"});
  CHECK(t.r.streams() == 0);
}

TEST_CASE("tcp reassembly: a bad header in a synced stream resyncs on the next marker") {
  Recorder t;
  t.Seg(0, {}, true);
  // A header with length 5 (under 19) where a message should start, then a KEEPALIVE.
  t.Seg(1, Cat({H("ffffffffffffffffffffffffffffffff 0005 04"), Keepalive()}));
  t.r.Finish();
  CHECK(t.events == std::vector<std::string>{"skip 19", "msg 19 @2"});
}

TEST_CASE("tcp reassembly: FindHeader takes the last 16 of a longer run of 0xff") {
  const Bytes b = Cat({H("ffff"), Keepalive()});
  CHECK(FindHeader(b) == 2);
  CHECK(FindHeader(H("ffffffffffffffffffffffffffffffff 0005 04")) == 19);  // length under 19
  CHECK(FindHeader(H("ffffffffffffffffffffffffffffffff 0013 09")) == 19);  // type 9
}
