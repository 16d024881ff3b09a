// libFuzzer target: DecodeAttributes of a Path Attributes field under the Context the first byte
// selects; a clean decode must re-encode to equal attributes. The checks live in
// tests/fuzz/targets.h (AttributesTarget), shared with the corpus replay test.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bgpdemo::fuzz::RunTarget(bgpdemo::fuzz::AttributesTarget, data, size);
}
