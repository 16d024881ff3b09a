#include "core/capture/label.h"

#include <fmt/format.h>

#include <ctime>

namespace bgpdemo::core::capture {

std::string Timestamp::ToString() const {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string s = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (digits >= 9) {
    s += fmt::format(".{:09}", nanos);
  } else if (digits > 0) {
    s += fmt::format(".{:06}", nanos / 1000);
  }
  return s + "Z";
}

}  // namespace bgpdemo::core::capture
