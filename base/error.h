// Error: what went wrong above the engine, as a value.
//
// An Error has a kind, a message for people and, when an external program failed, that
// program's argv, exit code and the tail of its stderr. The kind alone decides what a caller
// does with it: cli/exit_codes.h maps kinds to exit codes in one place, and no code looks
// into the message text to decide anything.
//
// The BGP engine (bgp/) keeps its own error types (a NOTIFICATION, an RFC 7606 action, a
// message string); core/ and cli/ return Result<T, Error>. A message alone converts to an
// Error of kind kFailed, so `return Fail(fmt::format(...))` stays short where "it ran and
// found a problem" is the truth; the other kinds are named at the place that knows them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace bgpdemo {

enum class ErrorKind {
  kFailed,       // it ran and what it checked is wrong (a session down, a check failed)
  kUsage,        // a bad command line: a flag, a value, a verb that does not fit
  kInput,        // a file or value that cannot be read or is not valid (scenario, config)
  kEnvironment,  // the machine lacks something (root, a tool, a kernel feature, a demo)
  kCommand,      // an external program failed; Error::command() says which and how
  kInternal,     // a bug in bgpdemo
};
std::string_view ToString(ErrorKind kind);

// An external program that failed: what ran, how it ended, what it said last.
struct CommandFailure {
  std::vector<std::string> argv;
  int exit_code = 0;           // 128 + signal when a signal ended it
  bool timed_out = false;      // killed after its timeout
  std::string stderr_tail;     // the last lines of stderr (or stdout when stderr was empty)
  bool operator==(const CommandFailure&) const = default;
};

class Error {
 public:
  Error(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}
  // A message alone: kind kFailed.
  explicit Error(std::string message) : Error(ErrorKind::kFailed, std::move(message)) {}
  explicit Error(const char* message) : Error(std::string(message)) {}

  static Error Failed(std::string m) { return {ErrorKind::kFailed, std::move(m)}; }
  static Error Usage(std::string m) { return {ErrorKind::kUsage, std::move(m)}; }
  static Error Input(std::string m) { return {ErrorKind::kInput, std::move(m)}; }
  static Error Environment(std::string m) { return {ErrorKind::kEnvironment, std::move(m)}; }
  static Error Internal(std::string m) { return {ErrorKind::kInternal, std::move(m)}; }
  // `message` says it for people (FormatFailure's lines, a hint); `failure` for programs.
  static Error Command(CommandFailure failure, std::string message) {
    Error e(ErrorKind::kCommand, std::move(message));
    e.command_ = std::move(failure);
    return e;
  }

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  const std::optional<CommandFailure>& command() const { return command_; }

  // The same error with `context` in front of its message ("networks: ..."); kind and
  // command are kept.
  Error Context(std::string_view context) const& {
    Error e = *this;
    e.message_ = fmt::format("{}: {}", context, message_);
    return e;
  }
  Error Context(std::string_view context) && {
    message_ = fmt::format("{}: {}", context, message_);
    return std::move(*this);
  }
  // The same error with `text` after its message (a hint, "; cleaned up").
  Error Append(std::string_view text) && {
    message_ += text;
    return std::move(*this);
  }

  bool operator==(const Error&) const = default;

 private:
  ErrorKind kind_;
  std::string message_;
  std::optional<CommandFailure> command_;
};

// The text of an error, whichever type it has: for code that handles both the engine's
// string errors and Error (a step's detail, a log line).
inline const std::string& MessageOf(const std::string& message) { return message; }
inline const std::string& MessageOf(const Error& error) { return error.message(); }

}  // namespace bgpdemo

// `fmt::format("{}", error)` prints the message.
template <>
struct fmt::formatter<bgpdemo::Error> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const bgpdemo::Error& e, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(e.message(), ctx);
  }
};
