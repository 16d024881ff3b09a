#include "core/command_runner.h"

#include <thread>
#include <utility>

namespace bgpdemo::core {

void SystemRunner::Sleep(std::chrono::milliseconds duration) {
  std::this_thread::sleep_for(duration);
}

Result<ProcessResult, Error> SystemRunner::DoRun(const std::vector<std::string>& argv,
                                                 const RunOptions& options) {
  auto r = RunProcess(argv, options);
  if (!r) return Fail(Error::Environment(std::move(r).error()));
  return std::move(*r);
}

CommandRunner& DefaultRunner() {
  static SystemRunner runner;
  return runner;
}

CommandFailure FailureOf(const std::vector<std::string>& argv, const ProcessResult& result,
                         std::size_t lines) {
  return {argv, result.exit_code, result.timed_out, OutputTail(result, lines)};
}

Error CommandError(const std::vector<std::string>& argv, const ProcessResult& result,
                   std::string message, std::size_t lines) {
  return Error::Command(FailureOf(argv, result, lines), std::move(message));
}

}  // namespace bgpdemo::core
