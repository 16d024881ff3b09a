// bgpdemo_capture_samples: writes the files `bgpdemo decode` is measured and cross-checked
// on, all encoded by our codec (the messages) and by hand (the pcap and MRT framing):
//
//   bgpdemo_capture_samples table OUT [PREFIXES]   raw BGP: an OPEN, then PREFIXES (default
//       1,000,000) IPv4 prefixes in 4096-byte UPDATEs (tests/table_stream.h, the table the
//       codec benchmark decodes): the file of `decode --summary`'s whole-process figure
//   bgpdemo_capture_samples pcap OUT    one IPv4 and one IPv6 session, Ethernet (written with
//       libpcap's pcap_dump): OPENs both ways, UPDATEs (IPv4 NLRI, MP_REACH/MP_UNREACH IPv6,
//       withdrawals), KEEPALIVEs, a NOTIFICATION; messages split over segments and
//       several in one, a retransmission and two segments out of order
//   bgpdemo_capture_samples mrt OUT     the same UPDATEs as BGP4MP_MESSAGE_AS4 and
//       BGP4MP_ET, STATE_CHANGE_AS4 records, and a TABLE_DUMP_V2 dump (PEER_INDEX_TABLE,
//       RIB_IPV4_UNICAST, RIB_IPV6_UNICAST with abbreviated MP_REACH_NLRI)
//
// tests/tools/capture_crosscheck.sh compares `bgpdemo decode` of the last two with tshark
// and bgpdump. Exit status 0, 1 when a file cannot be written, 2 on bad arguments.
#include <fmt/format.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "base/check.h"
#include "bgp/wire/message.h"
#include "tests/core/capture/frames.h"
#include "tests/table_stream.h"

namespace {

using namespace bgpdemo::bgp::wire;
using namespace bgpdemo::test::capture;

Bytes Encode(const Message& m) {
  auto b = EncodeMessage(m, Context{});
  BGPDEMO_CHECK(b.has_value());
  return *b;
}

Prefix P(std::string_view text) {
  return *Prefix::Parse(text);
}
IpAddress Ip(std::string_view text) {
  return *IpAddress::Parse(text);
}

Bytes OpenMsg(std::uint32_t asn, std::string_view id) {
  Open o;
  o.my_as = static_cast<std::uint16_t>(asn);
  o.bgp_id = Ip(id).v4();
  o.capabilities = {MultiprotocolCap{kIpv4Unicast}, MultiprotocolCap{kIpv6Unicast},
                    RouteRefreshCap{}, FourOctetAsCap{asn}};
  return Encode(Message{o});
}

PathAttributes Attrs(std::vector<std::uint32_t> path, std::uint32_t med) {
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = AsPath::Sequence(std::move(path));
  a.med = med;
  a.communities = {(65100u << 16) | 100};
  return a;
}

// The UPDATEs one peer (AS 65100, 10.0.0.2) sends: what every file carries.
std::vector<Bytes> Updates() {
  std::vector<Bytes> out;
  Update v4;
  v4.attrs = Attrs({65100, 65200}, 10);
  v4.attrs.next_hop = Ip("10.0.0.2");
  v4.nlri = {P("10.241.1.0/24"), P("10.241.2.0/24"), P("10.11.0.10/32"), P("192.0.2.0/25")};
  out.push_back(Encode(Message{v4}));
  Update v6;
  v6.attrs = Attrs({65100}, 20);
  v6.attrs.mp_reach = MpReach{
      kIpv6Unicast, Ip("fd00::2"), std::nullopt, 0, {P("fd00:241:1::/48"), P("2001:db8:11::/64")}};
  out.push_back(Encode(Message{v6}));
  Update withdraw;
  withdraw.withdrawn = {P("10.241.2.0/24")};
  out.push_back(Encode(Message{withdraw}));
  Update withdraw6;
  withdraw6.attrs.mp_unreach = MpUnreach{kIpv6Unicast, {P("2001:db8:11::/64")}};
  out.push_back(Encode(Message{withdraw6}));
  return out;
}

Bytes KeepaliveMsg() {
  return Encode(Message{Keepalive{}});
}

// --- pcap --------------------------------------------------------------------------------

struct Conn {
  std::string a, b;  // addresses: a the client (port 50179), b the server (179)
  bool v6 = false;
  std::uint32_t seq_a = 1000, seq_b = 5000;
};

struct PcapWriter {
  pcap_t* p = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t* d = nullptr;
  std::uint32_t usec = 0;

  bool Open(const std::string& path) {
    d = pcap_dump_open(p, path.c_str());
    return d != nullptr;
  }
  void Close() {
    pcap_dump_close(d);
    pcap_close(p);
  }
  void Frame(const Conn& c, bool from_a, std::uint32_t seq, std::uint8_t flags, const Bytes& data) {
    const std::string& src = from_a ? c.a : c.b;
    const std::string& dst = from_a ? c.b : c.a;
    const Bytes tcp = Tcp(from_a ? 50179 : 179, from_a ? 179 : 50179, seq, flags, data);
    const Bytes frame =
        c.v6 ? Ethernet(Ipv6(src, dst, tcp), 0x86dd) : Ethernet(Ipv4(src, dst, tcp));
    pcap_pkthdr h{};
    usec += 1000;
    h.ts.tv_sec = 1700000000 + usec / 1000000;
    h.ts.tv_usec = usec % 1000000;
    h.caplen = h.len = static_cast<bpf_u_int32>(frame.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, frame.data());
  }
  // Sends `data` from one side in segments of at most `mss` bytes; returns nothing.
  void Send(Conn& c, bool from_a, const Bytes& data, std::size_t mss) {
    std::uint32_t& seq = from_a ? c.seq_a : c.seq_b;
    for (std::size_t at = 0; at < data.size(); at += mss) {
      const std::size_t n = std::min(mss, data.size() - at);
      Frame(c, from_a, seq, kAck | kPsh,
            Bytes(data.begin() + static_cast<std::ptrdiff_t>(at),
                  data.begin() + static_cast<std::ptrdiff_t>(at + n)));
      seq += static_cast<std::uint32_t>(n);
    }
  }
};

void Session(PcapWriter& w, Conn c) {
  w.Frame(c, true, c.seq_a++, kSyn, {});
  w.Frame(c, false, c.seq_b++, kSyn | kAck, {});
  w.Send(c, true, OpenMsg(65100, "10.0.0.2"), 1460);
  w.Send(c, false, Bytes(OpenMsg(65000, "10.0.0.1")), 1460);
  w.Send(c, true, KeepaliveMsg(), 1460);
  w.Send(c, false, KeepaliveMsg(), 1460);
  const auto updates = Updates();
  // The first UPDATE in 30-byte segments, the second retransmitted, the last two in one
  // segment sent after the one that follows it (out of order).
  w.Send(c, true, updates[0], 30);
  const std::uint32_t second = c.seq_a;
  w.Send(c, true, updates[1], 1460);
  w.Frame(c, true, second, kAck | kPsh, updates[1]);
  Bytes tail;
  tail.insert(tail.end(), updates[2].begin(), updates[2].end());
  tail.insert(tail.end(), updates[3].begin(), updates[3].end());
  const Bytes ka = KeepaliveMsg();
  w.Frame(c, true, c.seq_a + static_cast<std::uint32_t>(tail.size()), kAck | kPsh, ka);
  w.Frame(c, true, c.seq_a, kAck | kPsh, tail);
  c.seq_a += static_cast<std::uint32_t>(tail.size() + ka.size());
  Notification n;
  n.code = NotifyCode::kCease;
  n.subcode = 2;  // Administrative Shutdown (RFC 4486)
  w.Send(c, false, Encode(Message{n}), 1460);
  w.Frame(c, true, c.seq_a, kFin | kAck, {});
}

int WritePcap(const std::string& path) {
  PcapWriter w;
  if (!w.Open(path)) {
    fmt::print(stderr, "{}: {}\n", path, pcap_geterr(w.p));
    return 1;
  }
  Session(w, Conn{"10.0.0.2", "10.0.0.1", false});
  Session(w, Conn{"fd00::2", "fd00::1", true, 77, 4294967000u});
  w.Close();
  return 0;
}

// --- MRT ---------------------------------------------------------------------------------

Bytes Bgp4mpHeader(bool v6) {
  Bytes b;
  Put32(b, 65100);  // peer AS
  Put32(b, 65000);  // local AS
  Put16(b, 0);      // ifindex
  Put16(b, v6 ? 2 : 1);
  PutIp(b, v6 ? "fd00::2" : "10.0.0.2");
  PutIp(b, v6 ? "fd00::1" : "10.0.0.1");
  return b;
}

Bytes RibEntry(std::uint16_t peer, const Bytes& attrs) {
  Bytes b;
  Put16(b, peer);
  Put32(b, 1700000000);
  Put16(b, static_cast<std::uint32_t>(attrs.size()));
  b.insert(b.end(), attrs.begin(), attrs.end());
  return b;
}

Bytes EncodeAttrs(const PathAttributes& a) {
  std::vector<std::uint8_t> buf(4096);
  Writer w(buf);
  EncodeAttributes(a, Context{}, w);
  BGPDEMO_CHECK(!w.overflowed());
  buf.resize(w.size());
  return buf;
}

int WriteMrt(const std::string& path) {
  Bytes out;
  auto add = [&](std::uint16_t type, std::uint16_t subtype, const Bytes& body) {
    const Bytes r = MrtRecord(1700000000, type, subtype, body);
    out.insert(out.end(), r.begin(), r.end());
  };
  for (bool v6 : {false, true}) {
    Bytes state = Bgp4mpHeader(v6);
    Put16(state, 5);    // OpenConfirm
    Put16(state, 6);    // Established
    add(16, 5, state);  // STATE_CHANGE_AS4
  }
  int n = 0;
  for (const auto& u : Updates()) {
    Bytes body = Bgp4mpHeader(false);
    body.insert(body.end(), u.begin(), u.end());
    if (n++ % 2 == 0) {
      add(16, 4, body);  // BGP4MP_MESSAGE_AS4
    } else {
      Bytes et;
      Put32(et, 250000);  // BGP4MP_ET: microseconds
      et.insert(et.end(), body.begin(), body.end());
      add(17, 4, et);
    }
  }
  // TABLE_DUMP_V2: two peers, one IPv4 and one IPv6 prefix each.
  Bytes table;
  Put32(table, Ip("10.0.0.1").v4());
  Put16(table, 0);
  Put16(table, 2);
  table.push_back(2);  // IPv4, AS4
  Put32(table, Ip("10.0.0.2").v4());
  PutIp(table, "10.0.0.2");
  Put32(table, 65100);
  table.push_back(3);  // IPv6, AS4
  Put32(table, Ip("10.0.0.3").v4());
  PutIp(table, "fd00::3");
  Put32(table, 4200000001u);
  add(13, 1, table);
  std::uint32_t seq = 0;
  for (const char* prefix : {"10.241.1.0/24", "192.0.2.0/25"}) {
    PathAttributes a = Attrs({65100, 65200}, 10);
    a.next_hop = Ip("10.0.0.2");
    PathAttributes b = Attrs({4200000001u, 65200}, 30);
    b.next_hop = Ip("10.0.0.3");
    const Prefix p = P(prefix);
    Bytes rib;
    Put32(rib, seq++);
    rib.push_back(p.length);
    rib.insert(rib.end(), p.addr.begin(),
               p.addr.begin() + static_cast<std::ptrdiff_t>(p.WireBytes()));
    Put16(rib, 2);
    const Bytes ea = RibEntry(0, EncodeAttrs(a));
    const Bytes eb = RibEntry(1, EncodeAttrs(b));
    rib.insert(rib.end(), ea.begin(), ea.end());
    rib.insert(rib.end(), eb.begin(), eb.end());
    add(13, 2, rib);
  }
  {
    // RFC 6396 §4.3.4: MP_REACH_NLRI holds only the next hop.
    PathAttributes a = Attrs({4200000001u}, 40);
    Bytes attrs = EncodeAttrs(a);
    const Bytes nh = {0x80, 0x0e, 17, 16, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3};
    attrs.insert(attrs.end(), nh.begin(), nh.end());
    const Prefix p = P("fd00:241:1::/48");
    Bytes rib;
    Put32(rib, seq++);
    rib.push_back(p.length);
    rib.insert(rib.end(), p.addr.begin(),
               p.addr.begin() + static_cast<std::ptrdiff_t>(p.WireBytes()));
    Put16(rib, 1);
    const Bytes e = RibEntry(1, attrs);
    rib.insert(rib.end(), e.begin(), e.end());
    add(13, 4, rib);
  }
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  return f ? 0 : 1;
}

int WriteTable(const std::string& path, std::size_t prefixes) {
  const auto table = bgpdemo::test::MakeTableStream(prefixes, 40, false);
  const Bytes open = OpenMsg(65100, "10.0.0.2");
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(open.data()), static_cast<std::streamsize>(open.size()));
  f.write(reinterpret_cast<const char*>(table.bytes.data()),
          static_cast<std::streamsize>(table.bytes.size()));
  fmt::print("{}: {} messages, {} prefixes, {} bytes\n", path, table.messages + 1, table.prefixes,
             open.size() + table.bytes.size());
  return f ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "table") {
    return WriteTable(args[1], args.size() > 2 ? std::stoul(args[2]) : 1'000'000);
  }
  if (args.size() == 2 && args[0] == "pcap") return WritePcap(args[1]);
  if (args.size() == 2 && args[0] == "mrt") return WriteMrt(args[1]);
  fmt::print(stderr, "usage: {} table OUT [PREFIXES] | pcap OUT | mrt OUT\n", argv[0]);
  return 2;
}
