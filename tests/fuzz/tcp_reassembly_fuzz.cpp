// libFuzzer target: TCP reassembly of BGP streams (core/capture/tcp_reassembly.h) and frame
// parsing (core/capture/packet.h).
//
// Input: byte 0 picks a link type for ParseFrame, which reads the whole input as a frame;
// then the input is a list of segments for the reassembler, each
//   flags(1: bit 0 SYN, bit 1 the other direction, bit 2 FIN) seq_delta(2, signed, from the
//   direction's last number) length(1) payload(length)
// Every message out must be a whole framed one (marker, header length == its size), and
// nothing may crash, read out of bounds or leak.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <utility>

#include "core/capture/packet.h"
#include "core/capture/tcp_reassembly.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bgpdemo::core::capture;
  const std::span<const std::uint8_t> in(data, size);
  if (size == 0) return 0;
  static constexpr int kTypes[] = {kLinkNull,     kLinkEthernet, kLinkRaw,  kLinkLoop,
                                   kLinkLinuxSll, kLinkIpv4,     kLinkIpv6, kLinkLinuxSll2};
  if (auto s = ParseFrame(kTypes[data[0] % 8], in.subspan(1))) {
    if (s->payload.data() < data || s->payload.data() + s->payload.size() > data + size) {
      std::abort();
    }
  }
  TcpReassembler r(
      [](const StreamEvent& e) {
        if (e.kind != StreamEvent::Kind::kMessage) return;
        if (e.bytes.size() < 19 ||
            (static_cast<std::size_t>(e.bytes[16]) << 8 | e.bytes[17]) != e.bytes.size()) {
          std::abort();
        }
        for (int i = 0; i < 16; ++i) {
          if (e.bytes[static_cast<std::size_t>(i)] != 0xff) std::abort();
        }
      },
      4096);
  TcpSegment seg;
  seg.src.port = 50179;
  seg.dst.port = 179;
  std::uint32_t seq[2] = {1000, 900000};
  std::uint64_t frame = 0;
  std::size_t at = 1;
  while (at + 4 <= size) {
    const std::uint8_t flags = data[at];
    const auto delta = static_cast<std::int16_t>(data[at + 1] << 8 | data[at + 2]);
    const std::size_t len = std::min<std::size_t>(data[at + 3], size - at - 4);
    const int dir = (flags >> 1) & 1;
    seq[dir] += static_cast<std::uint32_t>(static_cast<std::int32_t>(delta));
    TcpSegment s = seg;
    if (dir == 1) std::swap(s.src, s.dst);
    s.seq = seq[dir];
    s.syn = (flags & 1) != 0;
    s.fin = (flags & 4) != 0;
    s.payload = in.subspan(at + 4, len);
    r.Add(s, Timestamp{}, ++frame);
    at += 4 + len;
  }
  r.Finish();
  return 0;
}
