// Tests for bgp/wire/prefix: addresses, prefixes, NLRI encoding.
#include "bgp/wire/prefix.h"

#include <doctest/doctest.h>

#include "tests/test_util.h"

using namespace bgpdemo::bgp::wire;
using bgpdemo::test::H;

TEST_CASE("prefix: parse and print IPv4 and IPv6") {
  auto p = Prefix::Parse("10.241.1.0/24");
  REQUIRE(p);
  CHECK(p->afi == Afi::kIpv4);
  CHECK(p->length == 24);
  CHECK(p->ToString() == "10.241.1.0/24");
  auto q = Prefix::Parse("fd00:10:241:1::/64");
  REQUIRE(q);
  CHECK(q->afi == Afi::kIpv6);
  CHECK(q->ToString() == "fd00:10:241:1::/64");
  CHECK_FALSE(Prefix::Parse("10.0.0.1/24"));  // host bits
  CHECK_FALSE(Prefix::Parse("10.0.0.0/33"));
  CHECK_FALSE(Prefix::Parse("10.0.0.0"));
  CHECK_FALSE(Prefix::Parse("10.0.0.0/"));
  CHECK_FALSE(Prefix::Parse("10.0.0.0/2x"));
}

TEST_CASE("prefix: NLRI decode clears host bits and rejects overruns") {
  std::vector<Prefix> out;
  const auto bytes = H("18 0af101  20 0a0b000a  00  19 0a000080");  // Reader borrows it
  Reader r(bytes, 23);
  REQUIRE(DecodeNlri(r, Afi::kIpv4, false, NotifyCode::kUpdateMessageError, 10, out));
  REQUIRE(out.size() == 4);
  CHECK(out[0].ToString() == "10.241.1.0/24");
  CHECK(out[1].ToString() == "10.11.0.10/32");
  CHECK(out[2].ToString() == "0.0.0.0/0");
  CHECK(out[3].ToString() == "10.0.0.128/25");

  out.clear();
  const auto short_bytes = H("18 0af1");
  Reader bad(short_bytes, 23);
  auto res = DecodeNlri(bad, Afi::kIpv4, false, NotifyCode::kUpdateMessageError, 10, out);
  REQUIRE_FALSE(res);
  CHECK(res.error().offset == 23);
  CHECK(res.error().subcode == 10);
}
