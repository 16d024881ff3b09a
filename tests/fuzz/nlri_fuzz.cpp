// libFuzzer target: DecodeNlri as IPv4 and IPv6, with and without ADD-PATH; host bits cleared,
// re-encoding round-trips. The checks live in tests/fuzz/targets.h (NlriTarget), shared with the
// corpus replay test.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bgpdemo::fuzz::RunTarget(bgpdemo::fuzz::NlriTarget, data, size);
}
