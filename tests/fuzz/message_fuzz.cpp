// libFuzzer target: DecodeMessage of one message, and FrameLength + DecodeMessage over a stream,
// under the Context the first byte selects. The checks live in tests/fuzz/targets.h
// (MessageTarget), shared with the corpus replay test.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bgpdemo::fuzz::RunTarget(bgpdemo::fuzz::MessageTarget, data, size);
}
