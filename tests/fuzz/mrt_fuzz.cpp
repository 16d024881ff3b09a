// libFuzzer target: `bgpdemo decode` of arbitrary bytes read as MRT (core/decode_capture.h:
// core/capture/mrt.h's records, RIB attributes rewritten and decoded, JSON records made).
// Nothing may crash, read out of bounds or leak, and the bytes read never pass the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "core/decode_capture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bgpdemo::core;
  std::size_t records = 0;
  const DecodeSink sink = [&](std::string_view) { ++records; };
  const auto summary =
      DecodeMrt(std::span(data, size), DecodeSettings{}, DecodeFormat::kJson, sink);
  if (summary.bytes > size || records < summary.messages) std::abort();
  const auto quiet = DecodeMrt(std::span(data, size), DecodeSettings{}, std::nullopt, sink);
  // The summary path decodes the same records as the one that prints them.
  if (quiet.messages != summary.messages || quiet.rib_entries != summary.rib_entries) std::abort();
  return 0;
}
