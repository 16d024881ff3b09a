// The decode hot path allocates per message at most, never per prefix (docs/architecture.md, "The
// BGP engine"): decoding into one reused Update keeps the prefix vectors' capacity.
#include <doctest/doctest.h>

#include "bgp/wire/message.h"
#include "tests/alloc_counter.h"
#include "tests/table_stream.h"

using namespace bgpdemo::bgp::wire;

namespace {

// Decodes every UPDATE of the stream into one Update; returns the allocations made.
std::size_t DecodeAll(const bgpdemo::test::TableStream& t, std::size_t& prefixes) {
  const Context ctx;
  Update u;
  bgpdemo::test::CountAllocations counter;
  std::size_t offset = 0;
  prefixes = 0;
  const std::span<const std::uint8_t> data(t.bytes);
  while (offset < data.size()) {
    auto len = FrameLength(data.subspan(offset), ctx);
    REQUIRE(len);
    auto res = DecodeUpdate(data.subspan(offset + kHeaderSize, *len - kHeaderSize), ctx, u);
    REQUIRE(res);
    prefixes += u.AnnouncedCount();
    offset += *len;
  }
  return counter.count();
}

}  // namespace

TEST_CASE("hot path: decoding a table allocates per message, not per prefix") {
  for (bool ipv6 : {false, true}) {
    CAPTURE(ipv6);
    // 200,000 prefixes, 1,000 per attribute set: about 200 messages.
    const auto table = bgpdemo::test::MakeTableStream(200'000, 1000, ipv6);
    std::size_t prefixes = 0;
    const std::size_t allocations = DecodeAll(table, prefixes);
    CHECK(prefixes == 200'000);
    MESSAGE("allocations: " << allocations << " for " << table.messages << " messages and "
                            << prefixes << " prefixes");
    // Attribute values (the AS_PATH and its segments) allocate a couple of times per
    // message; IPv6 NLRI live in MP_REACH, a fresh vector per message. Framing, the
    // attribute order and the communities allocate nothing once the Update has grown.
    CHECK(allocations <= table.messages * 4);
    CHECK(allocations * 20 < prefixes);
  }
}
