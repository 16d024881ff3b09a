#include "bgp/log.h"

#include <fmt/format.h>

#include <chrono>
#include <ostream>

#include "base/timestamp.h"

namespace bgpdemo::bgp {

std::string_view ToString(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

bool ParseLogLevel(std::string_view text, LogLevel& out) {
  for (auto l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == ToString(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

namespace {

void AppendValue(std::string& line, std::string_view v) {
  const bool plain = !v.empty() && v.find_first_of(" \"=\t\n\\") == std::string_view::npos;
  if (plain) {
    line += v;
    return;
  }
  line += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      line += '\\';
      line += c;
    } else if (c == '\n') {
      line += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      line += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      line += c;
    }
  }
  line += '"';
}

std::string Now() {
  return Timestamp(std::chrono::system_clock::now());
}

}  // namespace

std::string FormatLogLine(std::string_view timestamp, LogLevel level, std::string_view event,
                          std::initializer_list<LogField> fields) {
  std::string line;
  line.reserve(128);
  line += "ts=";
  line += timestamp;
  line += " level=";
  line += ToString(level);
  line += " event=";
  AppendValue(line, event);
  for (const auto& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    AppendValue(line, f.value);
  }
  return line;
}

void StreamLogger::Log(LogLevel level, std::string_view event,
                       std::initializer_list<LogField> fields) {
  if (level < min_) return;
  std::string line = FormatLogLine(Now(), level, event, fields);
  line += '\n';
  std::lock_guard lock(mu_);
  out_ << line << std::flush;
}

}  // namespace bgpdemo::bgp
