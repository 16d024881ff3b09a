// libFuzzer target: DecodeCapabilities of one Capabilities parameter value; re-encoding must give
// equal capabilities. The checks live in tests/fuzz/targets.h (CapabilityTarget), shared with the
// corpus replay test.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bgpdemo::fuzz::RunTarget(bgpdemo::fuzz::CapabilityTarget, data, size);
}
