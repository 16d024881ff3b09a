// Builders shared by the RIB, policy and export tests: attribute sets, UPDATEs, peers, and
// a splitter that decodes a packed byte stream back into messages.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/rib/path.h"
#include "bgp/wire/message.h"

namespace bgpdemo::test {

namespace wire = bgp::wire;

inline wire::Prefix P(std::string_view text) {
  auto p = wire::Prefix::Parse(text);
  REQUIRE_MESSAGE(p.has_value(), "bad prefix in test: ", std::string(text));
  return *p;
}

inline wire::IpAddress Ip(std::string_view text) {
  auto a = wire::IpAddress::Parse(text);
  REQUIRE_MESSAGE(a.has_value(), "bad address in test: ", std::string(text));
  return *a;
}

inline std::uint32_t Id(std::string_view dotted) {
  return Ip(dotted).v4();
}

// An attribute set, fluent: Attrs().Path({65001, 65002}).Nh("10.0.0.1").Med(5).
struct Attrs {
  wire::PathAttributes a;

  Attrs() {
    a.origin = wire::Origin::kIgp;
    a.as_path = wire::AsPath::Sequence({65001});
    a.next_hop = wire::IpAddress::V4(0x0a000001);
  }
  Attrs& Path(std::vector<std::uint32_t> asns) {
    a.as_path = wire::AsPath::Sequence(std::move(asns));
    return *this;
  }
  Attrs& Segments(std::vector<wire::AsSegment> segments) {
    a.as_path = wire::AsPath{std::move(segments)};
    return *this;
  }
  Attrs& Nh(std::string_view ip) {
    a.next_hop = Ip(ip);
    return *this;
  }
  Attrs& Med(std::uint32_t v) {
    a.med = v;
    return *this;
  }
  Attrs& LocalPref(std::uint32_t v) {
    a.local_pref = v;
    return *this;
  }
  Attrs& Origin(wire::Origin o) {
    a.origin = o;
    return *this;
  }
  Attrs& Originator(std::string_view id) {
    a.originator_id = Id(id);
    return *this;
  }
  Attrs& Clusters(std::vector<std::uint32_t> ids) {
    a.cluster_list = std::move(ids);
    return *this;
  }
  Attrs& Community(std::uint32_t c) {
    a.communities.push_back(c);
    return *this;
  }
  operator wire::PathAttributes() const { return a; }  // NOLINT: a builder
};

// An UPDATE announcing prefixes: IPv4 in the NLRI field, IPv6 in MP_REACH_NLRI with
// next hop v6_nh (the attributes' NEXT_HOP is then dropped).
inline wire::Update Announce(const wire::PathAttributes& attrs,
                             std::initializer_list<std::string_view> prefixes,
                             std::string_view v6_nh = "fd00::1") {
  wire::Update u;
  u.attrs = attrs;
  std::vector<wire::Prefix> v6;
  for (auto text : prefixes) {
    const auto p = P(text);
    (p.afi == wire::Afi::kIpv4 ? u.nlri : v6).push_back(p);
  }
  if (!v6.empty()) {
    wire::MpReach mp;
    mp.family = wire::kIpv6Unicast;
    mp.next_hop = Ip(v6_nh);
    mp.nlri = std::move(v6);
    u.attrs.mp_reach = std::move(mp);
    if (u.nlri.empty()) u.attrs.next_hop.reset();
  }
  return u;
}

inline wire::Update Withdraw(std::initializer_list<std::string_view> prefixes) {
  wire::Update u;
  std::vector<wire::Prefix> v6;
  for (auto text : prefixes) {
    const auto p = P(text);
    (p.afi == wire::Afi::kIpv4 ? u.withdrawn : v6).push_back(p);
  }
  if (!v6.empty()) u.attrs.mp_unreach = wire::MpUnreach{wire::kIpv6Unicast, std::move(v6)};
  return u;
}

inline bgp::rib::PeerInfo Peer(bgp::rib::PeerId id, std::string_view address, std::uint32_t asn,
                               std::string_view bgp_id, bool ibgp = false) {
  return bgp::rib::PeerInfo{id, Ip(address), asn, Id(bgp_id), ibgp};
}

// Splits a stream of messages and decodes each; fails the test on any error.
inline std::vector<wire::Message> Decode(const std::vector<std::uint8_t>& bytes,
                                         const wire::Context& ctx = {}) {
  std::vector<wire::Message> out;
  std::size_t off = 0;
  while (off < bytes.size()) {
    auto len = wire::FrameLength(std::span(bytes).subspan(off), ctx);
    REQUIRE(len.has_value());
    REQUIRE(*len > 0);
    auto m = wire::DecodeMessage(std::span(bytes).subspan(off, *len), ctx);
    REQUIRE_MESSAGE(m.has_value(), "undecodable message at offset ", off);
    out.push_back(std::move(*m));
    off += *len;
  }
  return out;
}

// The UPDATEs of a stream.
inline std::vector<wire::Update> Updates(const std::vector<std::uint8_t>& bytes,
                                         const wire::Context& ctx = {}) {
  std::vector<wire::Update> out;
  for (auto& m : Decode(bytes, ctx)) {
    REQUIRE(std::holds_alternative<wire::Update>(m));
    out.push_back(std::get<wire::Update>(std::move(m)));
  }
  return out;
}

}  // namespace bgpdemo::test
