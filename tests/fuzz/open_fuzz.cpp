// libFuzzer target: DecodeOpen of an OPEN body; what decodes must re-encode to an equal OPEN.
// The checks live in tests/fuzz/targets.h (OpenTarget), shared with the corpus replay test.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bgpdemo::fuzz::RunTarget(bgpdemo::fuzz::OpenTarget, data, size);
}
