// Tests for core/command_runner: the real runner over RunProcess, and a failed program as
// an Error of kind kCommand with its argv, exit code, timeout and stderr tail.
#include "core/command_runner.h"

#include <doctest/doctest.h>

#include <chrono>

namespace bgpdemo::core {
namespace {

using namespace std::chrono_literals;

TEST_CASE("command runner: the system runner runs programs as RunProcess does") {
  CommandRunner& r = DefaultRunner();
  auto ok = r.Run({"sh", "-c", "read x; echo \"$x $BGPDEMO_R\"; echo warn >&2; exit 4"},
                  {.stdin_text = "in\n", .env_add = {{"BGPDEMO_R", "env"}}});
  REQUIRE(ok);
  CHECK(ok->exit_code == 4);
  CHECK(ok->out == "in env\n");
  CHECK(ok->err == "warn\n");
  CHECK_FALSE(r.Find("sh").empty());
  CHECK(r.Find("no-such-program-bgpdemo").empty());
  const auto t0 = r.Now();
  r.Sleep(1ms);
  CHECK(r.Now() > t0);
}

TEST_CASE("command runner: a program that cannot start is an environment error") {
  auto r = DefaultRunner().Run({"no-such-program-bgpdemo", "x"});
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == ErrorKind::kEnvironment);
  CHECK(r.error().message() == "no-such-program-bgpdemo: not found in PATH");
}

TEST_CASE(
    "command runner: a failed program becomes a kCommand error with its argv and stderr tail") {
  ProcessResult r;
  r.exit_code = 1;
  r.err = "one\n\ntwo\nthree\n";
  const std::vector<std::string> argv{"kind", "create", "cluster"};
  const auto e = CommandError(argv, r, "kind failed", 2);
  CHECK(e.kind() == ErrorKind::kCommand);
  CHECK(e.message() == "kind failed");
  REQUIRE(e.command());
  CHECK(*e.command() == CommandFailure{argv, 1, false, "two\nthree"});

  ProcessResult timeout;
  timeout.exit_code = 137;
  timeout.timed_out = true;
  timeout.out = "only stdout\n";
  CHECK(FailureOf(argv, timeout) == CommandFailure{argv, 137, true, "only stdout"});
}

}  // namespace
}  // namespace bgpdemo::core
