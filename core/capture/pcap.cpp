#include "core/capture/pcap.h"

#include <dlfcn.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <memory>

#include "core/capture/input.h"

namespace bgpdemo::core::capture {

namespace {

// libpcap is opened when a capture is read, not linked: it brings libdbus, libsystemd,
// libgcrypt, liblzma, libzstd and liblz4 with it, and loading those ten libraries took
// about 5 ms of every bgpdemo command's start on this machine (and would grow the route
// server's image), for a feature one command uses.
struct Libpcap {
  decltype(&pcap_fopen_offline_with_tstamp_precision) fopen_offline = nullptr;
  decltype(&pcap_datalink) datalink = nullptr;
  decltype(&pcap_datalink_val_to_name) datalink_name = nullptr;
  decltype(&pcap_next_ex) next_ex = nullptr;
  decltype(&pcap_close) close = nullptr;
  std::string error;  // why it could not be loaded

  Libpcap() {
    void* h = ::dlopen("libpcap.so.0.8", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) h = ::dlopen("libpcap.so.1", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) h = ::dlopen("libpcap.so", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
      const char* e = ::dlerror();
      error = e != nullptr ? e : "dlopen failed";
      return;
    }
    fopen_offline = reinterpret_cast<decltype(fopen_offline)>(
        ::dlsym(h, "pcap_fopen_offline_with_tstamp_precision"));
    datalink = reinterpret_cast<decltype(datalink)>(::dlsym(h, "pcap_datalink"));
    datalink_name =
        reinterpret_cast<decltype(datalink_name)>(::dlsym(h, "pcap_datalink_val_to_name"));
    next_ex = reinterpret_cast<decltype(next_ex)>(::dlsym(h, "pcap_next_ex"));
    close = reinterpret_cast<decltype(close)>(::dlsym(h, "pcap_close"));
    if (!fopen_offline || !datalink || !datalink_name || !next_ex || !close) {
      error = "a function is missing from it (libpcap 1.5 or later is needed)";
      fopen_offline = nullptr;
    }
    // The handle stays open for the process's life, as a linked library would.
  }
  bool ok() const { return fopen_offline != nullptr; }
};

const Libpcap& Pcap() {
  static const Libpcap lib;
  return lib;
}

struct PcapCloser {
  void operator()(pcap_t* p) const { Pcap().close(p); }  // also fcloses the FILE it read
};

}  // namespace

Result<PcapStats, Error> ReadPcap(std::span<const std::uint8_t> bytes, std::string_view name,
                                  std::uint16_t port, const StreamSink& sink) {
  const Libpcap& lib = Pcap();
  if (!lib.ok()) {
    return Fail(Error::Environment(
        fmt::format("{}: reading pcap needs libpcap, which could not be loaded: {} (Debian: "
                    "apt-get install libpcap0.8)",
                    name, lib.error)));
  }
  // fmemopen only reads the buffer in mode "r".
  FILE* f = ::fmemopen(const_cast<std::uint8_t*>(bytes.data()), bytes.size(), "r");
  if (f == nullptr) return Fail(Error::Internal(fmt::format("{}: fmemopen failed", name)));
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  std::unique_ptr<pcap_t, PcapCloser> p(lib.fopen_offline(f, PCAP_TSTAMP_PRECISION_NANO, errbuf));
  if (!p) {
    std::fclose(f);
    return Fail(Error::Input(fmt::format("{}: libpcap cannot read it: {}", name, errbuf)));
  }
  PcapStats stats;
  stats.link_type = lib.datalink(p.get());
  if (!KnownLinkType(stats.link_type)) {
    const char* dlt = lib.datalink_name(stats.link_type);
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
  while ((rc = lib.next_ex(p.get(), &header, &data)) == 1) {
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
