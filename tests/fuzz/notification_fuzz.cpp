// libFuzzer target: DecodeNotification of a NOTIFICATION body, ShutdownText, and
// Notification::Shutdown of the input as text. The checks live in tests/fuzz/targets.h
// (NotificationTarget), shared with the corpus replay test.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bgpdemo::fuzz::RunTarget(bgpdemo::fuzz::NotificationTarget, data, size);
}
