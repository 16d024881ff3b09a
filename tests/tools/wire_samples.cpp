// bgpdemo_wire_samples: encodes a fixed set of BGP messages with our codec and prints, one
// JSON object a line, what each one is, its bytes and how Wireshark's BGP dissector should
// read it. tests/tools/tshark_crosscheck.sh feeds the bytes to tshark and compares.
//
//   {"name": "open-cilium", "hex": "ffff...", "decode_args": [],
//    "expect": {"bgp.type": "1", "bgp.cap.type": ["2", "1", ...], "count:bgp.nlri_prefix": 3}}
//
// The expectations are written from the RFCs and from the values put in, never from the
// encoder's output, so that a disagreement means something. Their meaning (see
// tshark_check.py): a string is the only value of that field in the message; a list is every
// value in order; "count:F" is how many times F occurs; "absent:F" says it must not occur.
// Values compare as numbers when both sides are numbers ("0x40" == "64").
//
// decode_args are the `bgpdemo decode` flags that give the session context the message was
// encoded for (--no-as4 for a 2-octet peer).
//
// Exit status: 0, or 1 when an encode fails or the UpdatePacker output breaks its contract
// (a message over 4096 bytes, a prefix total other than the input's).
#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/check.h"
#include "bgp/wire/message.h"
#include "bgp/wire/update_packer.h"
#include "core/hex.h"

namespace {

using namespace bgpdemo::bgp::wire;
using nlohmann::json;

IpAddress Ip(std::string_view text) {
  auto a = IpAddress::Parse(text);
  BGPDEMO_CHECK(a.has_value());
  return *a;
}

std::uint32_t V4(std::string_view text) {
  return Ip(text).v4();
}

Prefix Pfx(std::string_view text) {
  auto p = Prefix::Parse(text);
  BGPDEMO_CHECK(p.has_value());
  return *p;
}

// "10.241.1.0/24" -> "10.241.1.0", the way tshark shows a prefix field.
std::string Addr(std::string_view prefix) {
  return std::string(prefix.substr(0, prefix.find('/')));
}

json Strings(std::initializer_list<std::string_view> items) {
  json a = json::array();
  for (auto s : items) a.push_back(std::string(s));
  return a;
}

json Numbers(const std::vector<std::uint32_t>& items) {
  json a = json::array();
  for (auto n : items) a.push_back(std::to_string(n));
  return a;
}

std::string Num(std::uint64_t n) {
  return std::to_string(n);
}

// "ab" -> "61:62", the way tshark shows a byte field.
std::string ColonHex(std::string_view text) {
  std::string out;
  for (unsigned char c : text) out += fmt::format("{}{:02x}", out.empty() ? "" : ":", c);
  return out;
}

class Samples {
 public:
  // Encodes m for ctx and prints the record; a failed encode is recorded and printed.
  void Add(std::string_view name, const Message& m, const Context& ctx, json expect,
           std::vector<std::string> decode_args = {}) {
    auto bytes = EncodeMessage(m, ctx);
    if (!bytes) {
      std::fprintf(stderr, "wire_samples: %.*s: encode failed: %s\n", static_cast<int>(name.size()),
                   name.data(), bytes.error().c_str());
      ok_ = false;
      return;
    }
    AddBytes(name, *bytes, std::move(expect), std::move(decode_args));
  }

  void AddBytes(std::string_view name, std::span<const std::uint8_t> bytes, json expect,
                std::vector<std::string> decode_args = {}) {
    json record = {{"name", std::string(name)},
                   {"hex", bgpdemo::core::ToHex(bytes)},
                   {"decode_args", decode_args},
                   {"expect", std::move(expect)}};
    std::printf("%s\n", record.dump().c_str());
  }

  void Fail(const std::string& why) {
    std::fprintf(stderr, "wire_samples: %s\n", why.c_str());
    ok_ = false;
  }

  bool ok() const { return ok_; }

 private:
  bool ok_ = true;
};

// --- OPEN ---------------------------------------------------------------------------------

// As GoBGP 3 (inside Cilium 1.14+) opens a session: one Capabilities parameter holding
// route refresh, MP for each family, extended next hop, 4-octet AS and FQDN.
void OpenCilium(Samples& s) {
  Open o;
  o.my_as = 65100;
  o.hold_time = 90;
  o.bgp_id = V4("10.0.0.2");
  o.capabilities = {
      RouteRefreshCap{},
      MultiprotocolCap{kIpv4Unicast},
      MultiprotocolCap{kIpv6Unicast},
      ExtendedNextHopCap{{{Afi::kIpv4, 1, Afi::kIpv6}}},
      FourOctetAsCap{65100},
      FqdnCap{"kind-worker", ""},
  };
  json e = {
      {"bgp.type", "1"},
      {"bgp.open.version", "4"},
      {"bgp.open.myas", "65100"},
      {"bgp.open.holdtime", "90"},
      {"bgp.open.identifier", "10.0.0.2"},
      // RFC 5492: parameter type 2; 2+6+6+8+6+15 bytes of capabilities.
      {"bgp.open.opt.len", "45"},
      {"bgp.open.opt.param.type", Strings({"2"})},
      {"bgp.open.opt.param.len", Strings({"43"})},
      {"bgp.cap.type", Strings({"2", "1", "1", "5", "65", "73"})},
      {"bgp.cap.length", Strings({"0", "4", "4", "6", "4", "13"})},
      {"bgp.cap.mp.afi", Strings({"1", "2"})},
      {"bgp.cap.mp.safi", Strings({"1", "1"})},
      {"bgp.cap.enh.afi", "1"},
      {"bgp.cap.enh.safi", "1"},
      {"bgp.cap.enh.nhafi", "2"},
      {"bgp.cap.4as", "65100"},
      {"bgp.cap.orf.fqdn.hostname.len", "11"},
      {"bgp.cap.orf.fqdn.hostname", "kind-worker"},
      {"bgp.cap.orf.fqdn.domain_name.len", "0"},
  };
  s.Add("open-cilium", Message{o}, Context{}, std::move(e));
}

// A 4-byte ASN speaker with every capability we send: My AS must be AS_TRANS (RFC 6793 §4.1).
void OpenAs4Full(Samples& s) {
  constexpr std::uint32_t kAsn = 4200000001;
  Open o;
  o.my_as = kAsTrans;  // what a session puts there for an ASN above 65535
  o.hold_time = 180;
  o.bgp_id = V4("192.0.2.1");
  GracefulRestartCap gr;
  gr.flags = GracefulRestartCap::kRestartState;
  gr.restart_time = 120;
  gr.families = {{kIpv4Unicast, GracefulRestartCap::kForwardingState},
                 {kIpv6Unicast, GracefulRestartCap::kForwardingState}};
  o.capabilities = {
      MultiprotocolCap{kIpv4Unicast},
      MultiprotocolCap{kIpv6Unicast},
      RouteRefreshCap{},
      EnhancedRouteRefreshCap{},
      ExtendedMessageCap{},
      FourOctetAsCap{kAsn},
      gr,
      AddPathCap{{{kIpv4Unicast, AddPathCap::kBoth}, {kIpv6Unicast, AddPathCap::kReceive}}},
      RoleCap{RoleCap::kCustomer},
      LlgrCap{{{kIpv4Unicast, 0x80, 86400}, {kIpv6Unicast, 0x00, 3600}}},
      SoftwareVersionCap{"bgpdemo/0.1.0"},
  };
  json e = {
      {"bgp.type", "1"},
      {"bgp.open.myas", "23456"},
      {"bgp.open.holdtime", "180"},
      {"bgp.open.identifier", "192.0.2.1"},
      {"bgp.open.opt.len", "83"},
      {"bgp.cap.type", Strings({"1", "1", "2", "70", "6", "65", "64", "69", "9", "71", "75"})},
      // MP 4, RR 0, ERR 0, EXT-MSG 0, AS4 4, GR 2+2*4, ADD-PATH 2*4, role 1, LLGR 2*7,
      // version 1+13.
      {"bgp.cap.length", Strings({"4", "4", "0", "0", "0", "4", "10", "8", "1", "14", "14"})},
      {"bgp.cap.4as", "4200000001"},
      {"bgp.cap.gr.timers.restart_flag", "1"},
      {"bgp.cap.gr.timers.notification_flag", "0"},
      {"bgp.cap.gr.timers.restart_time", "120"},
      {"bgp.cap.gr.afi", Strings({"1", "2"})},
      {"bgp.cap.gr.safi", Strings({"1", "1"})},
      {"bgp.cap.gr.flag.pfs", Strings({"1", "1"})},
      {"bgp.cap.ap.afi", Strings({"1", "2"})},
      {"bgp.cap.ap.safi", Strings({"1", "1"})},
      {"bgp.cap.ap.sendreceive", Strings({"3", "1"})},
      // Wireshark 4.0 names role (9) and LLGR (71) but does not dissect their values, and
      // does not know software version (75): all three values are shown as bytes. Role 3 =
      // customer. LLGR per family: afi(2) safi(1) flags(1) stale time(3); 86400 = 0x015180.
      // Version: length(1) text.
      {"bgp.cap.unknown", Strings({"03", "00:01:01:80:01:51:80:00:02:01:00:00:0e:10",
                                   "0d:" + ColonHex("bgpdemo/0.1.0")})},
  };
  s.Add("open-as4-full", Message{o}, Context{}, std::move(e));
}

// --- UPDATE -------------------------------------------------------------------------------

ExtendedCommunity RouteTargetAs2(std::uint16_t as, std::uint32_t value) {
  return {0x00,
          0x02,
          static_cast<std::uint8_t>(as >> 8),
          static_cast<std::uint8_t>(as),
          static_cast<std::uint8_t>(value >> 24),
          static_cast<std::uint8_t>(value >> 16),
          static_cast<std::uint8_t>(value >> 8),
          static_cast<std::uint8_t>(value)};
}

ExtendedCommunity RouteTargetAs4(std::uint32_t as, std::uint16_t value) {
  return {0x02,
          0x02,
          static_cast<std::uint8_t>(as >> 24),
          static_cast<std::uint8_t>(as >> 16),
          static_cast<std::uint8_t>(as >> 8),
          static_cast<std::uint8_t>(as),
          static_cast<std::uint8_t>(value >> 8),
          static_cast<std::uint8_t>(value)};
}

// Every IPv4 attribute we encode, in one UPDATE, with NLRI of several lengths.
void UpdateIpv4Full(Samples& s) {
  Update u;
  auto& a = u.attrs;
  a.origin = Origin::kIgp;
  a.as_path = AsPath::Sequence({65100, 65200, 65300});
  a.next_hop = Ip("10.0.0.2");
  a.med = 100;
  a.local_pref = 200;
  a.atomic_aggregate = true;
  a.aggregator = Aggregator{65100, V4("10.0.0.2")};
  a.communities = {65100u << 16 | 1, 65100u << 16 | 2, 0xFFFFFF01 /* NO_EXPORT */};
  a.originator_id = V4("10.0.0.9");
  a.cluster_list = {V4("10.0.0.1"), V4("10.0.0.254")};
  a.extended_communities = {RouteTargetAs2(65100, 100), RouteTargetAs4(4200000001, 7)};
  a.large_communities = {{4200000001, 1, 2}, {65100, 3, 4}};
  a.otc = 65100;
  const char* nlri[] = {"10.241.1.0/24", "10.11.0.10/32",   "192.168.0.0/16",
                        "10.0.0.0/8",    "172.16.128.0/17", "0.0.0.0/0"};
  for (auto p : nlri) u.nlri.push_back(Pfx(p));

  json e = {
      {"bgp.type", "2"},
      {"bgp.update.withdrawn_routes.length", "0"},
      // RFC 4271 §5 and the RFCs of each attribute: well-known 0x40, optional 0x80,
      // optional transitive 0xc0. Canonical order is by type code.
      {"bgp.update.path_attribute.type_code",
       Strings({"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "16", "32", "35"})},
      {"bgp.update.path_attribute.flags",
       Strings({"0x40", "0x40", "0x40", "0x80", "0x40", "0x40", "0xc0", "0xc0", "0x80", "0x80",
                "0xc0", "0xc0", "0xc0"})},
      // AS_PATH 2+3*4, AGGREGATOR 4+4 (4-octet AS session), 3 communities, 2 cluster IDs,
      // 2 extended and 2 large communities.
      {"bgp.update.path_attribute.length",
       Strings({"1", "14", "4", "4", "4", "0", "8", "12", "4", "8", "16", "24", "4"})},
      {"bgp.update.path_attribute.origin", "0"},
      {"bgp.update.path_attribute.as_path_segment.type", "2"},
      {"bgp.update.path_attribute.as_path_segment.length", "3"},
      {"bgp.update.path_attribute.as_path_segment.as4", Numbers({65100, 65200, 65300})},
      {"bgp.update.path_attribute.next_hop", "10.0.0.2"},
      {"bgp.update.path_attribute.multi_exit_disc", "100"},
      {"bgp.update.path_attribute.local_pref", "200"},
      {"bgp.update.path_attribute.aggregator_as", "65100"},
      {"bgp.update.path_attribute.aggregator_origin", "10.0.0.2"},
      {"bgp.update.path_attribute.community_as", Strings({"65100", "65100"})},
      {"bgp.update.path_attribute.community_value", Strings({"1", "2"})},
      {"bgp.update.path_attribute.community_wellknown", Strings({"0xffffff01"})},
      {"bgp.update.path_attribute.originator_id", "10.0.0.9"},
      {"bgp.path_attribute.cluster_id", Strings({"10.0.0.1", "10.0.0.254"})},
      {"bgp.ext_com.type", Strings({"0x00", "0x02"})},
      {"bgp.ext_com.stype_tr_as2", Strings({"0x02"})},
      {"bgp.ext_com.stype_tr_as4", Strings({"0x02"})},
      {"bgp.ext_com.value_as2", "65100"},
      {"bgp.ext_com.value_an4", "100"},
      {"bgp.ext_com.value_as4", "4200000001"},
      {"bgp.ext_com.value_an2", "7"},
      {"bgp.large_communities.ga", Numbers({4200000001, 65100})},
      {"bgp.large_communities.ldp1", Numbers({1, 3})},
      {"bgp.large_communities.ldp2", Numbers({2, 4})},
      {"bgp.nlri_prefix",
       Strings({"10.241.1.0", "10.11.0.10", "192.168.0.0", "10.0.0.0", "172.16.128.0", "0.0.0.0"})},
      {"bgp.prefix_length", Strings({"24", "32", "16", "8", "17", "0"})},
  };
  s.Add("update-ipv4-full", Message{u}, Context{}, std::move(e));
}

// IPv6 unicast in MP_REACH_NLRI with a global and a link-local next hop (RFC 2545 §3).
void UpdateIpv6LinkLocal(Samples& s) {
  Update u;
  u.attrs.origin = Origin::kIgp;
  u.attrs.as_path = AsPath::Sequence({65100});
  MpReach mp;
  mp.family = kIpv6Unicast;
  mp.next_hop = Ip("fd00::2");
  mp.link_local = Ip("fe80::2");
  mp.nlri = {Pfx("fd00:10:241:1::/64"), Pfx("2001:db8::/32"), Pfx("fd00::1/128")};
  u.attrs.mp_reach = mp;
  json e = {
      {"bgp.type", "2"},
      // MP_REACH_NLRI first (RFC 7606 §5.1).
      {"bgp.update.path_attribute.type_code", Strings({"14", "1", "2"})},
      {"bgp.update.path_attribute.flags", Strings({"0x80", "0x40", "0x40"})},
      // 5 + 32 + (1+8) + (1+4) + (1+16)
      {"bgp.update.path_attribute.length", Strings({"68", "1", "6"})},
      {"bgp.update.path_attribute.mp_reach_nlri.afi", "2"},
      {"bgp.update.path_attribute.mp_reach_nlri.safi", "1"},
      {"bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6", "fd00::2"},
      {"bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6.link_local", "fe80::2"},
      {"bgp.update.path_attribute.mp_reach_nlri.nbr_snpa", "0"},
      {"bgp.mp_reach_nlri_ipv6_prefix", Strings({"fd00:10:241:1::", "2001:db8::", "fd00::1"})},
      {"absent:bgp.update.path_attribute.next_hop", true},
  };
  s.Add("update-ipv6-link-local-nh", Message{u}, Context{}, std::move(e));
}

// IPv6 route over an IPv4 session, next hop the IPv4-mapped address (as GoBGP/Cilium send).
void UpdateIpv6MappedNextHop(Samples& s) {
  Update u;
  u.attrs.origin = Origin::kIncomplete;
  u.attrs.as_path = AsPath::Sequence({65100});
  MpReach mp;
  mp.family = kIpv6Unicast;
  mp.next_hop = Ip("::ffff:10.0.0.2");
  mp.nlri = {Pfx("fd00:10:244::/64")};
  u.attrs.mp_reach = mp;
  json e = {
      {"bgp.type", "2"},
      {"bgp.update.path_attribute.type_code", Strings({"14", "1", "2"})},
      {"bgp.update.path_attribute.length", Strings({"30", "1", "6"})},
      {"bgp.update.path_attribute.origin", "2"},
      {"bgp.update.path_attribute.mp_reach_nlri.afi", "2"},
      {"bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6", "::ffff:10.0.0.2"},
      {"absent:bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6.link_local", true},
      {"bgp.mp_reach_nlri_ipv6_prefix", Strings({"fd00:10:244::"})},
  };
  s.Add("update-ipv6-v4mapped-nh", Message{u}, Context{}, std::move(e));
}

void UpdateMpUnreach(Samples& s) {
  Update u;
  u.attrs.mp_unreach = MpUnreach{kIpv6Unicast, {Pfx("fd00:10:241:1::/64"), Pfx("2001:db8::/32")}};
  json e = {
      {"bgp.type", "2"},
      {"bgp.update.path_attribute.type_code", Strings({"15"})},
      {"bgp.update.path_attribute.flags", Strings({"0x80"})},
      {"bgp.update.path_attribute.length", Strings({"17"})},
      {"bgp.update.path_attribute.mp_unreach_nlri.afi", "2"},
      {"bgp.update.path_attribute.mp_unreach_nlri.safi", "1"},
      {"bgp.mp_unreach_nlri_ipv6_prefix", Strings({"fd00:10:241:1::", "2001:db8::"})},
      {"count:bgp.nlri_prefix", 0},
  };
  s.Add("update-ipv6-mp-unreach", Message{u}, Context{}, std::move(e));
}

void UpdateIpv4Withdraw(Samples& s) {
  Update u;
  u.withdrawn = {Pfx("10.11.0.10/32"), Pfx("10.241.1.0/24")};
  json e = {
      {"bgp.type", "2"},
      {"bgp.update.withdrawn_routes.length", "9"},
      {"bgp.withdrawn_prefix", Strings({"10.11.0.10", "10.241.1.0"})},
      {"bgp.update.path_attributes.length", "0"},
      {"count:bgp.update.path_attribute", 0},
  };
  s.Add("update-ipv4-withdraw", Message{u}, Context{}, std::move(e));
}

void EndOfRib(Samples& s) {
  UpdatePacker packer{Context{}};
  std::vector<std::uint8_t> v4, v6;
  packer.EndOfRib(kIpv4Unicast, v4);
  packer.EndOfRib(kIpv6Unicast, v6);
  // RFC 4724 §2: IPv4 is the 23-byte empty UPDATE; others an empty MP_UNREACH_NLRI.
  s.AddBytes("eor-ipv4", v4,
             {{"bgp.type", "2"},
              {"bgp.length", "23"},
              {"bgp.update.withdrawn_routes.length", "0"},
              {"bgp.update.path_attributes.length", "0"}});
  s.AddBytes("eor-ipv6", v6,
             {{"bgp.type", "2"},
              {"bgp.length", "29"},
              {"bgp.update.path_attributes.length", "6"},
              {"bgp.update.path_attribute.type_code", Strings({"15"})},
              {"bgp.update.path_attribute.length", Strings({"3"})},
              {"bgp.update.path_attribute.mp_unreach_nlri.afi", "2"},
              {"bgp.update.path_attribute.mp_unreach_nlri.safi", "1"},
              {"count:bgp.mp_unreach_nlri_ipv6_prefix", 0}});
}

// A 2-octet peer (no 4-octet AS capability): AS_TRANS in AS_PATH and AGGREGATOR, the real
// ASNs in AS4_PATH and AS4_AGGREGATOR (RFC 6793 §4.2.2).
void UpdateAs2Peer(Samples& s) {
  Context ctx;
  ctx.four_octet_as = false;
  Update u;
  u.attrs.origin = Origin::kIgp;
  u.attrs.as_path = AsPath::Sequence({65100, 4200000001, 65200});
  u.attrs.next_hop = Ip("10.0.0.2");
  u.attrs.aggregator = Aggregator{4200000001, V4("10.0.0.9")};
  u.nlri = {Pfx("10.241.2.0/24")};
  json e = {
      {"bgp.type", "2"},
      {"bgp.update.path_attribute.type_code", Strings({"1", "2", "3", "7", "17", "18"})},
      {"bgp.update.path_attribute.flags",
       Strings({"0x40", "0x40", "0x40", "0xc0", "0xc0", "0xc0"})},
      // AS_PATH 2+3*2, AGGREGATOR 2+4, AS4_PATH 2+3*4, AS4_AGGREGATOR 4+4.
      {"bgp.update.path_attribute.length", Strings({"1", "8", "4", "6", "14", "8"})},
      {"bgp.update.path_attribute.as_path_segment.as2", Numbers({65100, 23456, 65200})},
      {"bgp.update.path_attribute.as_path_segment.as4", Numbers({65100, 4200000001, 65200})},
      {"bgp.update.path_attribute.aggregator_as", Numbers({23456, 4200000001})},
      {"bgp.update.path_attribute.aggregator_origin", Strings({"10.0.0.9", "10.0.0.9"})},
      {"bgp.nlri_prefix", Strings({"10.241.2.0"})},
  };
  s.Add("update-as2-peer-as4-path", Message{u}, ctx, std::move(e), {"--no-as4"});
}

// 300 ASNs: one AS_SEQUENCE holds at most 255, so two segments (RFC 4271 §4.3), and the
// attribute needs Extended Length.
void UpdateLongAsPath(Samples& s) {
  std::vector<std::uint32_t> asns;
  for (std::uint32_t i = 0; i < 300; ++i) asns.push_back(64512 + i);
  Update u;
  u.attrs.origin = Origin::kIgp;
  u.attrs.as_path = AsPath::Sequence(asns);
  u.attrs.next_hop = Ip("10.0.0.2");
  u.nlri = {Pfx("10.241.3.0/24")};
  json e = {
      {"bgp.type", "2"},
      {"bgp.update.path_attribute.type_code", Strings({"1", "2", "3"})},
      {"bgp.update.path_attribute.flags", Strings({"0x40", "0x50", "0x40"})},
      {"bgp.update.path_attribute.length", Strings({"1", Num(2 + 255 * 4 + 2 + 45 * 4), "4"})},
      {"bgp.update.path_attribute.as_path_segment.type", Strings({"2", "2"})},
      {"bgp.update.path_attribute.as_path_segment.length", Strings({"255", "45"})},
      {"bgp.update.path_attribute.as_path_segment.as4", Numbers(asns)},
      {"bgp.nlri_prefix", Strings({"10.241.3.0"})},
  };
  s.Add("update-aspath-300", Message{u}, Context{}, std::move(e));
}

// An attribute type neither we nor Wireshark know, optional transitive: passed on with the
// Partial bit set (RFC 4271 §5, §9).
void UpdateUnknownAttribute(Samples& s) {
  constexpr std::uint8_t kUnassigned = 250;  // not in IANA's registry (241-243 are taken)
  Update u;
  u.attrs.origin = Origin::kIgp;
  u.attrs.as_path = AsPath::Sequence({65100});
  u.attrs.next_hop = Ip("10.0.0.2");
  u.attrs.unknown.push_back(RawAttribute{0xc0, kUnassigned, {0xde, 0xad, 0xbe, 0xef}});
  u.nlri = {Pfx("10.241.4.0/24")};
  json e = {
      {"bgp.type", "2"},
      {"bgp.update.path_attribute.type_code", Strings({"1", "2", "3", Num(kUnassigned)})},
      {"bgp.update.path_attribute.flags", Strings({"0x40", "0x40", "0x40", "0xe0"})},
      {"bgp.update.path_attribute.flags.partial", Strings({"0", "0", "0", "1"})},
      {"bgp.update.path_attribute.length", Strings({"1", "6", "4", "4"})},
      {"bgp.nlri_prefix", Strings({"10.241.4.0"})},
  };
  s.Add("update-unknown-attr-partial", Message{u}, Context{}, std::move(e));
}

// UpdatePacker: 3000 IPv4 /24s with one attribute set, as few 4096-byte messages as fit.
void PackerIpv4(Samples& s) {
  constexpr std::size_t kCount = 3000;
  std::vector<Prefix> prefixes;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    prefixes.push_back(Prefix::V4((10u << 24) | (i / 256 + 100) << 16 | (i % 256) << 8, 24));
  }
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = AsPath::Sequence({65100});
  a.next_hop = Ip("10.0.0.2");
  const Context ctx;
  std::vector<std::uint8_t> out;
  auto n = UpdatePacker(ctx).Announce(a, prefixes, out);
  if (!n) return s.Fail("packer-ipv4: " + n.error());

  std::size_t offset = 0, total = 0;
  for (std::size_t k = 0; k < *n; ++k) {
    if (out.size() - offset < kHeaderSize) return s.Fail("packer-ipv4: output truncated");
    const std::size_t len = out[offset + 16] << 8 | out[offset + 17];
    if (len > kMaxMessageSize || len > out.size() - offset) {
      return s.Fail(
          fmt::format("packer-ipv4: message {} is {} bytes, over {}", k + 1, len, kMaxMessageSize));
    }
    const auto bytes = std::span<const std::uint8_t>(out).subspan(offset, len);
    auto msg = DecodeMessage(bytes, ctx);
    if (!msg || !std::holds_alternative<Update>(*msg)) {
      return s.Fail(fmt::format("packer-ipv4: message {} does not decode", k + 1));
    }
    const auto& u = std::get<Update>(*msg);
    json nlri = json::array();
    for (std::size_t i = 0; i < u.nlri.size(); ++i) {
      if (total + i >= kCount || u.nlri[i] != prefixes[total + i]) {
        return s.Fail(fmt::format("packer-ipv4: message {} prefix {} is not input prefix {}", k + 1,
                                  i, total + i));
      }
      nlri.push_back(Addr(prefixes[total + i].ToString()));
    }
    total += u.nlri.size();
    json e = {
        {"bgp.type", "2"},
        {"bgp.update.path_attribute.type_code", Strings({"1", "2", "3"})},
        {"bgp.update.path_attribute.as_path_segment.as4", Numbers({65100})},
        {"bgp.update.path_attribute.next_hop", "10.0.0.2"},
        {"bgp.nlri_prefix", std::move(nlri)},
    };
    s.AddBytes(fmt::format("packer-ipv4-3000-msg{}", k + 1), bytes, std::move(e));
    offset += len;
  }
  if (offset != out.size()) s.Fail("packer-ipv4: bytes left after the last message");
  if (total != kCount)
    s.Fail(fmt::format("packer-ipv4: {} prefixes packed, not {}", total, kCount));
}

// UpdatePacker over MP_REACH_NLRI (its own length patching): 1200 IPv6 /48s.
void PackerIpv6(Samples& s) {
  constexpr std::size_t kCount = 1200;
  std::vector<Prefix> prefixes;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    Prefix p = Pfx("2001:db8::/48");
    p.addr[4] = static_cast<std::uint8_t>(i >> 8);
    p.addr[5] = static_cast<std::uint8_t>(i);
    prefixes.push_back(p);
  }
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = AsPath::Sequence({65100});
  MpReach mp;
  mp.family = kIpv6Unicast;
  mp.next_hop = Ip("fd00::2");
  mp.link_local = Ip("fe80::2");
  a.mp_reach = mp;
  const Context ctx;
  std::vector<std::uint8_t> out;
  auto n = UpdatePacker(ctx).Announce(a, prefixes, out);
  if (!n) return s.Fail("packer-ipv6: " + n.error());
  std::size_t offset = 0, total = 0;
  for (std::size_t k = 0; k < *n; ++k) {
    const std::size_t len = out[offset + 16] << 8 | out[offset + 17];
    if (len > kMaxMessageSize) return s.Fail("packer-ipv6: message over 4096 bytes");
    const auto bytes = std::span<const std::uint8_t>(out).subspan(offset, len);
    auto msg = DecodeMessage(bytes, ctx);
    if (!msg || !std::holds_alternative<Update>(*msg) || !std::get<Update>(*msg).attrs.mp_reach) {
      return s.Fail(fmt::format("packer-ipv6: message {} does not decode", k + 1));
    }
    const std::size_t count = std::get<Update>(*msg).attrs.mp_reach->nlri.size();
    json nlri = json::array();
    for (std::size_t i = 0; i < count && total + i < kCount; ++i) {
      nlri.push_back(Addr(prefixes[total + i].ToString()));
    }
    total += count;
    json e = {
        {"bgp.type", "2"},
        {"bgp.update.path_attribute.type_code", Strings({"14", "1", "2"})},
        // The packer sets Extended Length on MP_REACH_NLRI whatever its size.
        {"bgp.update.path_attribute.flags", Strings({"0x90", "0x40", "0x40"})},
        {"bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6", "fd00::2"},
        {"bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6.link_local", "fe80::2"},
        {"bgp.mp_reach_nlri_ipv6_prefix", std::move(nlri)},
    };
    s.AddBytes(fmt::format("packer-ipv6-1200-msg{}", k + 1), bytes, std::move(e));
    offset += len;
  }
  if (total != kCount)
    s.Fail(fmt::format("packer-ipv6: {} prefixes packed, not {}", total, kCount));
}

// --- NOTIFICATION, KEEPALIVE, ROUTE-REFRESH --------------------------------------------

void Others(Samples& s) {
  s.Add("notification-shutdown",
        Message{Notification::Shutdown(CeaseSubcode::kAdministrativeShutdown, "maintenance")},
        Context{},
        {{"bgp.type", "3"},
         {"bgp.notify.major_error", "6"},
         {"bgp.notify.minor_error_cease", "2"},
         {"bgp.notify.communication_length", "11"},
         {"bgp.notify.communication", "maintenance"}});
  s.Add("keepalive", Message{Keepalive{}}, Context{}, {{"bgp.type", "4"}, {"bgp.length", "19"}});
  s.Add("route-refresh-ipv6", Message{RouteRefresh{kIpv6Unicast, RouteRefresh::kNormal}}, Context{},
        {{"bgp.type", "5"},
         {"bgp.length", "23"},
         {"bgp.route_refresh.afi", "2"},
         {"bgp.route_refresh.subtype", "0"},
         {"bgp.route_refresh.safi", "1"}});
  s.Add("route-refresh-borr-ipv4",
        Message{RouteRefresh{kIpv4Unicast, RouteRefresh::kBeginningOfRib}}, Context{},
        {{"bgp.type", "5"},
         {"bgp.route_refresh.afi", "1"},
         {"bgp.route_refresh.subtype", "1"},
         {"bgp.route_refresh.safi", "1"}});
}

}  // namespace

int main() {
  Samples s;
  OpenCilium(s);
  OpenAs4Full(s);
  UpdateIpv4Full(s);
  UpdateIpv6LinkLocal(s);
  UpdateIpv6MappedNextHop(s);
  UpdateMpUnreach(s);
  UpdateIpv4Withdraw(s);
  EndOfRib(s);
  UpdateAs2Peer(s);
  UpdateLongAsPath(s);
  UpdateUnknownAttribute(s);
  PackerIpv4(s);
  PackerIpv6(s);
  Others(s);
  return s.ok() ? 0 : 1;
}
