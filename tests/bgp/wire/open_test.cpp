// Tests for bgp/wire/open and bgp/wire/capability: every capability the codec knows,
// both ways, and the RFC 9072 extended parameter encoding.
#include "bgp/wire/open.h"

#include <doctest/doctest.h>

#include "bgp/wire/message.h"
#include "tests/test_util.h"

using namespace bgpdemo::bgp::wire;
using bgpdemo::test::H;

namespace {

Open AllCapabilities() {
  Open o;
  o.my_as = kAsTrans;
  o.hold_time = 90;
  o.bgp_id = 0x0a000002;
  o.capabilities = {
      MultiprotocolCap{kIpv4Unicast},
      MultiprotocolCap{kIpv6Unicast},
      RouteRefreshCap{},
      ExtendedNextHopCap{{{Afi::kIpv4, 1, Afi::kIpv6}}},
      ExtendedMessageCap{},
      RoleCap{RoleCap::kRsClient},
      GracefulRestartCap{GracefulRestartCap::kRestartState | GracefulRestartCap::kNotification,
                         120,
                         {{kIpv4Unicast, GracefulRestartCap::kForwardingState}, {kIpv6Unicast, 0}}},
      FourOctetAsCap{4200000001},
      AddPathCap{{{kIpv4Unicast, AddPathCap::kBoth}}},
      EnhancedRouteRefreshCap{},
      LlgrCap{{{kIpv4Unicast, 0x80, 3600}}},
      FqdnCap{"kind-worker", "cluster.local"},
      SoftwareVersionCap{"bgpdemo/0.1"},
      RawCapability{128, {}},  // Cisco's pre-standard route refresh
  };
  return o;
}

}  // namespace

TEST_CASE("open: every capability survives encode then decode") {
  const Open o = AllCapabilities();
  auto bytes = EncodeMessage(Message{o}, Context{});
  REQUIRE(bytes);
  auto back = DecodeMessage(*bytes, Context{});
  REQUIRE(back);
  const auto& d = std::get<Open>(*back);
  CHECK(d == o);
  CHECK(d.Asn() == 4200000001u);
  CHECK(d.HasFamily(kIpv6Unicast));
  REQUIRE(d.Find<FqdnCap>());
  CHECK(d.Find<FqdnCap>()->hostname == "kind-worker");
  CHECK(d.Find<GracefulRestartCap>()->restart_time == 120);
}

TEST_CASE("open: Cilium-like OPEN has the exact bytes RFC 4271 and RFC 5492 lay out") {
  Open o;
  o.my_as = 65100;
  o.hold_time = 90;
  o.bgp_id = 0x0a000002;
  o.capabilities = {MultiprotocolCap{kIpv4Unicast}, RouteRefreshCap{}, FourOctetAsCap{65100},
                    FqdnCap{"n1", ""}};
  auto bytes = EncodeMessage(Message{o}, Context{});
  REQUIRE(bytes);
  CHECK(*bytes == H("ffffffffffffffffffffffffffffffff 0033 01"
                    "04 fe4c 005a 0a000002 16"       // version, AS, hold, id, opt len 22
                    "02 14"                           // one Capabilities parameter, 20 bytes
                    "01 04 0001 00 01"                // MP ipv4 unicast
                    "02 00"                           // route refresh
                    "41 04 0000fe4c"                  // 4-octet AS 65100
                    "49 04 02 6e31 00"));             // FQDN "n1", ""
}

TEST_CASE("open: capabilities split over several parameters re-encode byte-exact") {
  // BIRD and GoBGP differ here: one parameter per capability, or one for all.
  const auto bytes = H("ffffffffffffffffffffffffffffffff 0029 01"
                       "04 fe4c 005a 0a000002 0c"
                       "02 06 01 04 0001 00 01"
                       "02 02 02 00");
  REQUIRE(bytes.size() == 0x29);
  auto m = DecodeMessage(bytes, Context{});
  REQUIRE(m);
  const auto& o = std::get<Open>(*m);
  CHECK(o.parameter_sizes == std::vector<std::uint8_t>{1, 1});
  auto again = EncodeMessage(*m, Context{});
  REQUIRE(again);
  CHECK(*again == bytes);
}

TEST_CASE("open: RFC 9072 extended optional parameters, both ways") {
  Open o = AllCapabilities();
  o.extended_parameters = true;
  auto bytes = EncodeMessage(Message{o}, Context{});
  REQUIRE(bytes);
  // Non-Ext OP Len 255, Non-Ext OP Type 255, then a 2-byte length; parameters have 2-byte
  // lengths too.
  CHECK((*bytes)[28] == 255);
  CHECK((*bytes)[29] == 255);
  const std::size_t ext_len = (*bytes)[30] << 8 | (*bytes)[31];
  CHECK(ext_len == bytes->size() - 32);
  CHECK((*bytes)[32] == 2);  // Capabilities
  auto back = DecodeMessage(*bytes, Context{});
  REQUIRE(back);
  CHECK(std::get<Open>(*back) == o);
}

TEST_CASE("open: more than 255 bytes of capabilities need RFC 9072") {
  Open o = AllCapabilities();
  for (int i = 0; i < 30; ++i) o.capabilities.push_back(FqdnCap{"a-rather-long-name", ""});
  auto plain = EncodeMessage(Message{o}, Context{});
  CHECK_FALSE(plain);
  o.extended_parameters = true;
  o.parameter_sizes = {14, 15, 15};
  auto ext = EncodeMessage(Message{o}, Context{});
  REQUIRE(ext);
  auto back = DecodeMessage(*ext, Context{});
  REQUIRE(back);
  CHECK(std::get<Open>(*back) == o);
}

TEST_CASE("open: hold time 0 and 3 are accepted") {
  for (std::uint16_t hold : {0, 3, 65535}) {
    Open o;
    o.my_as = 65000;
    o.hold_time = hold;
    o.bgp_id = 1;
    auto bytes = EncodeMessage(Message{o}, Context{});
    REQUIRE(bytes);
    auto back = DecodeMessage(*bytes, Context{});
    REQUIRE(back);
    CHECK(std::get<Open>(*back).hold_time == hold);
  }
}
