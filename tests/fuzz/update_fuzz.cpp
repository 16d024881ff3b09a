// libFuzzer target: DecodeUpdate of an UPDATE body under the Context the first byte selects; a
// clean decode must survive EncodeMessage and DecodeMessage unchanged (round trip). The checks live
// in tests/fuzz/targets.h (UpdateTarget), shared with the corpus replay test.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bgpdemo::fuzz::RunTarget(bgpdemo::fuzz::UpdateTarget, data, size);
}
