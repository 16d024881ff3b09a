// Tests for bgp/wire/as_path: path length, printing, AS4 merging, segment splitting.
#include "bgp/wire/as_path.h"

#include <doctest/doctest.h>

#include "tests/test_util.h"

using namespace bgpdemo::bgp::wire;
using bgpdemo::test::H;

TEST_CASE("as_path: length counts a set as one and confederations as none") {
  AsPath p;
  p.segments = {{AsSegmentType::kConfedSequence, {65001, 65002}},
                {AsSegmentType::kSequence, {65100, 65200}},
                {AsSegmentType::kSet, {1, 2, 3}}};
  CHECK(p.PathLength() == 3);
  CHECK(p.AsnCount() == 7);
  CHECK(p.ToString() == "(65001 65002) 65100 65200 {1 2 3}");
  CHECK(p.HasConfederation());
  CHECK_FALSE(p.FirstAs());  // a confederation segment leads
  p.Prepend(65000);
  CHECK(p.ToString() == "65000 (65001 65002) 65100 65200 {1 2 3}");
  CHECK(p.FirstAs() == 65000u);
}

TEST_CASE("as_path: segments over 255 ASNs are split when encoded") {
  std::vector<std::uint32_t> asns;
  for (std::uint32_t i = 1; i <= 600; ++i) asns.push_back(i);
  const AsPath p = AsPath::Sequence(asns);
  std::vector<std::uint8_t> buf(4096);
  Writer w(buf);
  EncodeAsPath(p, true, w);
  REQUIRE_FALSE(w.overflowed());
  CHECK(w.size() == 3 * 2 + 600 * 4);
  CHECK(buf[0] == 2);
  CHECK(buf[1] == 255);
  CHECK(buf[2 + 255 * 4 + 1] == 255);
  CHECK(buf[2 * (2 + 255 * 4) + 1] == 90);
  AsPath back;
  REQUIRE_FALSE(DecodeAsPath(std::span(buf.data(), w.size()), true, back));
  CHECK(back.AsnCount() == 600);
  CHECK(back.PathLength() == 600);
}

TEST_CASE("as_path: Prepend starts a new AS_SEQUENCE in front of a full one (RFC 4271 §5.1.2)") {
  std::vector<std::uint32_t> full;
  for (std::uint32_t i = 1; i <= 255; ++i) full.push_back(i);
  AsPath p = AsPath::Sequence(full);
  p.Prepend(65000);
  REQUIRE(p.segments.size() == 2);
  CHECK(p.segments[0].asns == std::vector<std::uint32_t>{65000});
  CHECK(p.segments[1].asns == full);
  p.Prepend(65001);  // the new one has room
  CHECK(p.segments[0].asns == std::vector<std::uint32_t>{65001, 65000});
  AsPath set;
  set.segments.push_back({AsSegmentType::kSet, {7, 8}});
  set.Prepend(65000);
  CHECK(set.ToString() == "65000 {7 8}");
  CHECK(p.PathLength() == 257);
}

TEST_CASE("as_path: AS4_PATH merge per RFC 6793 §4.2.3") {
  // AS_PATH from a 2-octet speaker: 65100 23456 23456 65000; AS4_PATH: 4200000001 4200000002 65000.
  const AsPath as_path = AsPath::Sequence({65100, kAsTrans, kAsTrans, 65000});
  const AsPath as4 = AsPath::Sequence({4200000001u, 4200000002u, 65000});
  CHECK(MergeAs4Path(as_path, as4).ToString() == "65100 4200000001 4200000002 65000");
  // AS4_PATH longer than AS_PATH: ignored.
  CHECK(MergeAs4Path(AsPath::Sequence({65100}), as4).ToString() == "65100");
  // Confederation segments are never in AS4_PATH.
  AsPath confed;
  confed.segments = {{AsSegmentType::kConfedSequence, {65001}},
                     {AsSegmentType::kSequence, {4200000001u}}};
  CHECK(As4PathFor(confed).ToString() == "4200000001");
}

TEST_CASE("as_path: an empty AS_PATH is valid (iBGP), a zero-length segment is not") {
  AsPath p;
  CHECK_FALSE(DecodeAsPath({}, true, p));
  CHECK(p.segments.empty());
  const auto bytes = H("02 00");
  auto problem = DecodeAsPath(bytes, true, p);
  REQUIRE(problem);
  CHECK(problem->message == "AS_PATH segment of length 0");
}
