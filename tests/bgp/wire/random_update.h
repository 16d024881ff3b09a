// Random valid UPDATEs from one logged seed, and what decoding their encoding must give:
// the generators of the wire codec's property tests (property_test.cpp) and UpdatePacker's
// (update_packer_test.cpp).
//
// The seed comes from the environment variable BGPDEMO_SEED when set, else from
// std::random_device; LoggedSeed() prints it in the running test. To replay a failure:
//   BGPDEMO_SEED=<seed> build/tests/bgpdemo_tests -tc='*property*'
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bgp/wire/message.h"

namespace bgpdemo::test {

namespace wire = bgp::wire;

// The seed of this run, the same for every test in it.
std::uint64_t Seed();
// Seed(), printed as the running test's message.
std::uint64_t LoggedSeed();

// Random values from one seeded engine. Plain modulo, not <random>'s distributions, so that a
// seed replays the same values whatever the standard library.
class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t Below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  std::uint64_t Range(std::uint64_t lo, std::uint64_t hi) { return lo + Below(hi - lo + 1); }
  bool Chance(unsigned percent) { return Below(100) < percent; }
  std::uint8_t U8() { return static_cast<std::uint8_t>(rng_()); }
  std::uint16_t U16() { return static_cast<std::uint16_t>(rng_()); }
  std::uint32_t U32() { return static_cast<std::uint32_t>(rng_()); }
  std::vector<std::uint8_t> Bytes(std::size_t n) {
    std::vector<std::uint8_t> b(n);
    for (auto& x : b) x = U8();
    return b;
  }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }

 private:
  std::mt19937_64 rng_;
};

// The context's flags, for a failing case's message.
std::string Describe(const wire::Context& ctx);
wire::Context RandomContext(Gen& g);

wire::Prefix RandomPrefix(Gen& g, wire::Afi afi, bool add_path);
std::vector<wire::Prefix> RandomPrefixes(Gen& g, wire::Afi afi, bool add_path, std::size_t lo,
                                         std::size_t hi);
// 2-octet ASNs, and with `wide` 4-octet ones too.
std::uint32_t RandomAsn(Gen& g, bool wide);
wire::IpAddress RandomV4Unicast(Gen& g);
wire::IpAddress RandomV6(Gen& g);
wire::MpReach RandomMpReach(Gen& g, const wire::Context& ctx);
// A random UPDATE the codec must accept without a problem under ctx (random_update.cpp says
// which kinds).
wire::Update RandomUpdate(Gen& g, const wire::Context& ctx);

// "" when `got`, decoded from the encoding of `want` under ctx, is what it must be; else the
// first difference (random_update.cpp lists what is compared and how).
std::string CompareAttrs(const wire::PathAttributes& want, wire::PathAttributes got,
                         const wire::Context& ctx);
std::string CompareUpdate(const wire::Update& want, const wire::Update& got,
                          const wire::Context& ctx);

}  // namespace bgpdemo::test
