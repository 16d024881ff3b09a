#include "core/capture/pcap.h"

#include <pcap/pcap.h>

#include <cstdio>
#include <memory>

#include "core/capture/input.h"

namespace bgpdemo::core::capture {

namespace {

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }  // also fcloses the FILE it read
};

}  // namespace

Result<PcapStats, Error> ReadPcap(std::span<const std::uint8_t> bytes, std::string_view name,
                                  std::uint16_t port, const StreamSink& sink) {
  // fmemopen only reads the buffer in mode "r".
  FILE* f = ::fmemopen(const_cast<std::uint8_t*>(bytes.data()), bytes.size(), "r");
  if (f == nullptr) return Fail(Error::Internal(fmt::format("{}: fmemopen failed", name)));
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  std::unique_ptr<pcap_t, PcapCloser> p(
      pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf));
  if (!p) {
    std::fclose(f);
    return Fail(Error::Input(fmt::format("{}: libpcap cannot read it: {}", name, errbuf)));
  }
  PcapStats stats;
  stats.link_type = pcap_datalink(p.get());
  if (!KnownLinkType(stats.link_type)) {
    const char* dlt = pcap_datalink_val_to_name(stats.link_type);
    return Fail(Error::Input(fmt::format(
        "{}: link-layer type {} ({}) is not one bgpdemo reads: Ethernet, Linux cooked (SLL, "
        "SLL2), raw IP or loopback",
        name, stats.link_type, dlt != nullptr ? dlt : "unknown")));
  }
  // Nanosecond files (magic a1b23c4d) keep 9 digits; libpcap scales microsecond ones up.
  const bool nano_file = DetectFormat(bytes) == InputFormat::kPcap && bytes.size() >= 4 &&
                         ((bytes[0] == 0xa1 && bytes[2] == 0x3c) || (bytes[0] == 0x4d));
  const int digits = nano_file || DetectFormat(bytes) == InputFormat::kPcapng ? 9 : 6;

  TcpReassembler reassembler(sink);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  while ((rc = pcap_next_ex(p.get(), &header, &data)) == 1) {
    ++stats.frames;
    auto segment = ParseFrame(stats.link_type, {data, header->caplen});
    if (!segment || (segment->src.port != port && segment->dst.port != port)) {
      ++stats.other;
      continue;
    }
    ++stats.segments;
    const Timestamp time{header->ts.tv_sec, static_cast<std::uint32_t>(header->ts.tv_usec), digits};
    reassembler.Add(*segment, time, stats.frames);
  }
  stats.streams = reassembler.streams();
  reassembler.Finish();
  // rc -2: the end; -1: an error, typically a truncated last record, after which what was
  // read stands (tshark says "cut short in the middle of a packet" and keeps the rest).
  return stats;
}

}  // namespace bgpdemo::core::capture
