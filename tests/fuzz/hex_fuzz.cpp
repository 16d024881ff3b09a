// libFuzzer target: core::ParseHex of arbitrary text; ParseHex(ToHex(x)) == x.
// The checks live in tests/fuzz/targets.h (HexTarget), shared with the corpus replay test.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bgpdemo::fuzz::RunTarget(bgpdemo::fuzz::HexTarget, data, size);
}
