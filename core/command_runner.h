// CommandRunner: the outside world of a provider's steps, as far as programs and time go.
//
// A step runs a program and waits for it (Run), asks whether a program is installed (Find),
// and waits between polls (Now, Sleep). SystemRunner does all of it for real through
// core/process.h; FakeRunner (core/fake_runner.h) replays a script and keeps its own clock,
// so that the steps' decisions (what exists, what to create, what to resume, what failed)
// are tested in-process, without the programs (ninja's CommandRunner and DiskInterface).
//
//   step -> CommandRunner::Run(argv, options) -> RunProcess      (SystemRunner)
//                                             -> the script      (FakeRunner)
//        -> ProcessResult, or an Error when the program could not start
//        -> CommandError(argv, result, hint): the Error a failed program becomes
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/process.h"

namespace bgpdemo::core {

// Runs programs and tells the time for a provider's steps. Implementations say whether
// they may be called from several threads at once (both here may: the kind provider runs
// some steps in parallel).
class CommandRunner {
 public:
  using Clock = std::chrono::steady_clock;

  virtual ~CommandRunner() = default;

  // Runs argv and waits for it (RunProcess's contract): an Error of kind kEnvironment only
  // when the program could not be started ("kind: not found in PATH"); a non-zero exit or a
  // timeout is a ProcessResult.
  Result<ProcessResult, Error> Run(const std::vector<std::string>& argv,
                                   const RunOptions& options = {}) {
    return DoRun(argv, options);
  }

  // The full path of an installed program, or empty (FindProgram's contract).
  virtual std::string Find(const std::string& program) = 0;

  // The time, for deadlines of polling loops; and a pause between two polls.
  virtual Clock::time_point Now() = 0;
  virtual void Sleep(std::chrono::milliseconds duration) = 0;

 protected:
  virtual Result<ProcessResult, Error> DoRun(const std::vector<std::string>& argv,
                                             const RunOptions& options) = 0;
};

// The real programs and the real clock. Stateless, so safe from any thread.
class SystemRunner final : public CommandRunner {
 public:
  std::string Find(const std::string& program) override { return FindProgram(program); }
  Clock::time_point Now() override { return Clock::now(); }
  void Sleep(std::chrono::milliseconds duration) override;

 protected:
  Result<ProcessResult, Error> DoRun(const std::vector<std::string>& argv,
                                     const RunOptions& options) override;
};

// The one SystemRunner of the process: what code that is given no runner uses.
CommandRunner& DefaultRunner();

// What a failed program leaves for code to look at: its argv, exit code, whether it timed
// out, and the last `lines` lines of its stderr (of stdout when stderr is empty).
CommandFailure FailureOf(const std::vector<std::string>& argv, const ProcessResult& result,
                         std::size_t lines = 10);

// A failed program as an Error of kind kCommand whose message is `message` (for people:
// FormatFailure's lines, a hint).
Error CommandError(const std::vector<std::string>& argv, const ProcessResult& result,
                   std::string message, std::size_t lines = 10);

}  // namespace bgpdemo::core
