// Exit codes of every bgpdemo command, documented in README.md and `bgpdemo --help`.
// ExitCodeFor is the one place that maps an error to its exit code: by its kind, never by
// its text.
#pragma once

#include "base/error.h"

namespace bgpdemo::cli {

enum ExitCode : int {
  kExitOk = 0,           // the command did what was asked and found nothing wrong
  kExitFailed = 1,       // it ran, and what it checked is wrong (a message failed to decode,
                         // a verify check failed)
  kExitUsage = 2,        // bad command line: unknown verb or flag, missing or bad value
  kExitInput = 3,        // an input could not be read or is not in a format bgpdemo reads
  kExitEnvironment = 4,  // the machine lacks something the command needs (root, a tool)
  kExitInternal = 70,    // a bug in bgpdemo (EX_SOFTWARE)
};

// The exit code of a command that ends with `error`.
inline ExitCode ExitCodeFor(const Error& error) {
  switch (error.kind()) {
    case ErrorKind::kFailed:
      return kExitFailed;
    case ErrorKind::kUsage:
      return kExitUsage;
    case ErrorKind::kInput:
      return kExitInput;
    case ErrorKind::kEnvironment:
      return kExitEnvironment;
    case ErrorKind::kCommand:
      return kExitFailed;  // an external program failed: the command ran and it went wrong
    case ErrorKind::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

inline constexpr const char* kExitCodeHelp =
    "Exit codes:\n"
    "  0   success\n"
    "  1   the command ran and found a problem (e.g. a message that fails to decode)\n"
    "  2   usage error (unknown verb or flag, bad value)\n"
    "  3   input error (file unreadable, not BGP or hex)\n"
    "  4   environment error (missing privilege or tool)\n"
    "  70  internal error (a bug: please report it)\n";

}  // namespace bgpdemo::cli
