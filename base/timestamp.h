// Times as people and scripts read them, the same in the engine's log, the journal and
// `bgpdemo events`: UTC with milliseconds, "2026-12-04T10:41:07.123Z" (RFC 3339).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace bgpdemo {

std::string Timestamp(std::chrono::system_clock::time_point t);

// "2026-12-04T10:41:07Z", with optional fractional seconds ("...07.5Z"), or an offset
// ("...07+01:00") instead of Z -> the time; nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> ParseTimestamp(std::string_view text);

}  // namespace bgpdemo
