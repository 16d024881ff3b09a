// pcap and pcapng captures of BGP sessions, read with libpcap.
//
// libpcap (loaded with dlopen on first use: see pcap.cpp) reads both formats (pcapng since
// libpcap 1.1, with the restriction that all interfaces of a section share one link-layer type),
// either byte order, micro- and nanosecond timestamps; the bytes come from memory through
// fmemopen(3), so a decompressed capture is read the same way as a mapped file. Each frame goes
// through ParseFrame (core/capture/packet.h); TCP segments to or from the BGP port go to a
// TcpReassembler (core/capture/tcp_reassembly.h), whose events reach the caller's sink.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/error.h"
#include "base/result.h"
#include "core/capture/tcp_reassembly.h"

namespace bgpdemo::core::capture {

struct PcapStats {
  int link_type = 0;
  std::uint64_t frames = 0;
  std::uint64_t segments = 0;  // TCP segments to or from the port, with or without data
  std::uint64_t other = 0;     // frames that are not such a segment
  std::uint64_t streams = 0;   // directions of connections seen
};

// Reads every frame. Errors (kInput) are a file libpcap refuses (it names why) or a
// link-layer type not known here (kEnvironment: libpcap cannot be loaded); a frame cut short inside
// the file ends the reading with what was read so far, as tshark does, and is no error.
Result<PcapStats, Error> ReadPcap(std::span<const std::uint8_t> bytes, std::string_view name,
                                  std::uint16_t port, const StreamSink& sink);

}  // namespace bgpdemo::core::capture
