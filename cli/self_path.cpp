#include "cli/self_path.h"

#include <unistd.h>

#include <cstdlib>

namespace bgpdemo::cli {

std::string SelfPath() {
  if (const char* env = std::getenv("BGPDEMO_SELF"); env != nullptr && *env != '\0') return env;
  char buf[4096];
  const auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "bgpdemo";
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace bgpdemo::cli
