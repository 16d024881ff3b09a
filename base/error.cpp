#include "base/error.h"

namespace bgpdemo {

std::string_view ToString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kFailed: return "failed";
    case ErrorKind::kUsage: return "usage";
    case ErrorKind::kInput: return "input";
    case ErrorKind::kEnvironment: return "environment";
    case ErrorKind::kCommand: return "command";
    case ErrorKind::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace bgpdemo
