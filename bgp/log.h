// Structured logging for the engine: one event per line, key=value fields.
//
//   ts=2026-11-26T01:40:00.123Z level=info event=session_state peer=172.22.0.3 state=established
//
// Loggers are passed in, never global (docs/style.md). The codec never logs; a session logs each
// state change once. Values with spaces or quotes are quoted. Thread rule: a Logger may be
// shared by threads; StreamLogger serializes writes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>

namespace bgpdemo::bgp {

enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarn, kError };
std::string_view ToString(LogLevel l);
// "debug", "info", "warn", "error"; false when the text is none of them.
bool ParseLogLevel(std::string_view text, LogLevel& out);

struct LogField {
  std::string_view key;
  std::string value;
};

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void Log(LogLevel level, std::string_view event,
                   std::initializer_list<LogField> fields) = 0;

  void Debug(std::string_view e, std::initializer_list<LogField> f = {}) { Log(LogLevel::kDebug, e, f); }
  void Info(std::string_view e, std::initializer_list<LogField> f = {}) { Log(LogLevel::kInfo, e, f); }
  void Warn(std::string_view e, std::initializer_list<LogField> f = {}) { Log(LogLevel::kWarn, e, f); }
  void Error(std::string_view e, std::initializer_list<LogField> f = {}) { Log(LogLevel::kError, e, f); }
};

// Formats one line (without the newline); used by StreamLogger and by tests.
std::string FormatLogLine(std::string_view timestamp, LogLevel level, std::string_view event,
                          std::initializer_list<LogField> fields);

// Writes lines at or above a level to a stream (stderr for `bgpdemo router`).
class StreamLogger : public Logger {
 public:
  StreamLogger(std::ostream& out, LogLevel min_level) : out_(out), min_(min_level) {}
  void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) override;

 private:
  std::ostream& out_;
  LogLevel min_;
  std::mutex mu_;
};

// Discards everything.
class NullLogger : public Logger {
 public:
  void Log(LogLevel, std::string_view, std::initializer_list<LogField>) override {}
};

}  // namespace bgpdemo::bgp
