// Tests for bgp/rib/flat_map and the prefix keys: a random walk checked against
// std::unordered_map, and the key round trips.
#include "bgp/rib/flat_map.h"

#include <doctest/doctest.h>

#include <random>
#include <unordered_map>
#include <unordered_set>

#include "bgp/rib/prefix_key.h"
#include "tests/bgp/rib/rib_fixtures.h"

using namespace bgpdemo::bgp;
using namespace bgpdemo::bgp::rib;
using bgpdemo::test::P;

TEST_CASE("rib: prefix keys round-trip and drop the path id") {
  for (const char* text : {"0.0.0.0/0", "10.0.0.0/8", "192.0.2.128/25", "255.255.255.255/32"}) {
    wire::Prefix p = P(text);
    CHECK(V4Key::From(p).ToPrefix() == p);
    p.path_id = 7;
    CHECK(V4Key::From(p).ToPrefix().path_id == 0);
  }
  for (const char* text : {"::/0", "2001:db8::/32", "fd00:1:2:3::/64", "fd00::1/128"}) {
    const wire::Prefix p = P(text);
    CHECK(V6Key::From(p).ToPrefix() == p);
  }
  // Same address, different length: different keys and (almost surely) hashes.
  CHECK(!(V4Key::From(P("10.0.0.0/8")) == V4Key::From(P("10.0.0.0/16"))));
  CHECK(V4Key::From(P("10.0.0.0/8")).Hash() != V4Key::From(P("10.0.0.0/16")).Hash());
}

TEST_CASE("rib: PrefixHash spreads sequential /24s over the low bits") {
  // A table takes the low bits as bucket: 65,536 consecutive /24s into 65,536 buckets
  // should fill about 1 - 1/e of them, as random placement would.
  std::unordered_set<std::size_t> buckets;
  const PrefixHash hash;
  for (std::uint32_t i = 0; i < 65536; ++i) {
    buckets.insert(hash(wire::Prefix::V4(0x0a000000u + i * 256u, 24)) & 0xffff);
  }
  CHECK(buckets.size() > 40000);
  wire::Prefix a = P("10.0.0.0/24"), b = a;
  b.path_id = 1;
  CHECK(hash(a) != hash(b));
}

TEST_CASE("rib: flat map matches std::unordered_map over a random walk") {
  const unsigned seed = std::random_device{}();
  MESSAGE("seed ", seed);
  std::mt19937 gen(seed);
  FlatMap<V4Key, int> map;
  std::unordered_map<std::uint64_t, int> ref;
  auto id = [](const V4Key& k) { return std::uint64_t{k.addr} << 8 | k.length; };
  for (int step = 0; step < 200'000; ++step) {
    // A small key space, so that inserts, hits and erases all happen often.
    const V4Key key{static_cast<std::uint32_t>(gen() % 5000) << 8,
                    static_cast<std::uint8_t>(16 + gen() % 9)};
    switch (gen() % 4) {
      case 0:
      case 1: {
        auto [index, inserted] = map.Insert(key);
        CHECK(inserted == (ref.count(id(key)) == 0));
        map.at(index).value = step;
        ref[id(key)] = step;
        break;
      }
      case 2:
        CHECK(map.Erase(key) == (ref.erase(id(key)) == 1));
        break;
      case 3: {
        const int* v = map.Find(key);
        auto it = ref.find(id(key));
        REQUIRE((v != nullptr) == (it != ref.end()));
        if (v != nullptr) CHECK(*v == it->second);
        break;
      }
    }
    REQUIRE(map.size() == ref.size());
  }
  // Every item is reachable through the index.
  for (const auto& item : map.items()) CHECK(map.FindIndex(item.key) != decltype(map)::kNone);
  // Erase while walking: the last item moves into the hole.
  for (std::size_t i = 0; i < map.size();) {
    if (map.at(i).value % 2 == 0) {
      ref.erase(id(map.at(i).key));
      map.EraseAt(i);
    } else {
      ++i;
    }
  }
  CHECK(map.size() == ref.size());
  for (const auto& [k, v] : ref) {
    const V4Key key{static_cast<std::uint32_t>(k >> 8), static_cast<std::uint8_t>(k & 0xff)};
    const int* found = map.Find(key);
    REQUIRE(found != nullptr);
    CHECK(*found == v);
  }
}

