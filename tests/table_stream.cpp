#include "tests/table_stream.h"

#include <random>

#include "base/check.h"
#include "bgp/wire/update_packer.h"

namespace bgpdemo::test {

using namespace bgp::wire;

TableStream MakeTableStream(std::size_t count, std::size_t per_set, bool ipv6,
                            const Context& ctx) {
  std::mt19937 gen(20261126);  // fixed seed: the same table every run
  auto rng = [&gen]() { return static_cast<std::uint32_t>(gen()); };
  TableStream out;
  UpdatePacker packer(ctx);
  std::vector<Prefix> batch;
  std::size_t made = 0;
  std::uint32_t set_index = 0;
  while (made < count) {
    PathAttributes a;
    a.origin = static_cast<Origin>(set_index % 3);
    std::vector<std::uint32_t> path{65000 + set_index % 200};
    const std::size_t hops = 1 + rng() % 6;
    for (std::size_t h = 1; h < hops; ++h) path.push_back(1000 + rng() % 400000);
    a.as_path = AsPath::Sequence(path);
    if (set_index % 2 == 0) a.med = rng() % 1000;
    if (set_index % 3 == 0) a.communities = {65000u << 16 | (rng() % 1000), 0xffff0001u};
    if (set_index % 5 == 0) a.large_communities = {{65000, rng() % 100, rng() % 100}};
    if (ipv6) {
      MpReach mp;
      mp.family = kIpv6Unicast;
      auto nh = IpAddress::Parse("2001:db8::1");
      mp.next_hop = *nh;
      mp.next_hop.bytes[15] = static_cast<std::uint8_t>(1 + set_index % 250);
      a.mp_reach = mp;
    } else {
      a.next_hop = IpAddress::V4(0x0a000001u + set_index % 250);
    }
    batch.clear();
    for (std::size_t k = 0; k < per_set && made < count; ++k, ++made) {
      Prefix p;
      if (ipv6) {
        p.afi = Afi::kIpv6;
        p.length = 48;
        p.addr[0] = 0x20;
        p.addr[1] = 0x01;
        p.addr[2] = static_cast<std::uint8_t>(made >> 24);
        p.addr[3] = static_cast<std::uint8_t>(made >> 16);
        p.addr[4] = static_cast<std::uint8_t>(made >> 8);
        p.addr[5] = static_cast<std::uint8_t>(made);
      } else {
        // Mostly /24s, as in the Internet table, with some shorter and longer ones.
        const std::uint8_t len = made % 16 == 0 ? static_cast<std::uint8_t>(16 + rng() % 17) : 24;
        const std::uint32_t base = 0x01000000u + static_cast<std::uint32_t>(made) * 256u;
        p = Prefix::V4(base & (len == 0 ? 0 : ~0u << (32 - len)), len);
      }
      batch.push_back(p);
    }
    auto n = packer.Announce(a, batch, out.bytes);
    BGPDEMO_CHECK(n.has_value());
    out.messages += *n;
    ++set_index;
  }
  out.prefixes = made;
  return out;
}

}  // namespace bgpdemo::test
