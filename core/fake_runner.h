// FakeRunner: a CommandRunner that replays a script instead of running programs, for tests
// of a provider's steps in-process (and, if ever useful, a dry run that prints the commands).
//
// The script is a list of expectations: a command pattern (an exact argv, where kAny stands
// for any one argument; an argv prefix; or a predicate), what the command does (exit code,
// stdout, stderr, a timeout, a failure to start, or a handler that computes the reply), how
// often it may run, and the facts it needs and changes. Facts are strings such as
// "network kind2": an expectation may match only while a fact holds (If) or does not
// (Unless), and a successful call adds or removes facts (Adds, Removes), so that "network
// kind2 exists after `docker network create ... kind2`" is part of the script and resume
// logic can be tested by running the steps twice.
//
// Run matches the call against the expectations in the order they were written and takes
// the first that matches, holds its facts and has runs left. Every call is recorded (argv,
// environment additions, stdin, timeout, netns). A call that nothing matches fails loudly:
// Run returns an Error of kind kInternal naming the command and what the script still
// expects, and Problems() lists it for the test to check. The clock is fake: Now() moves
// only by Sleep() and by replies that time out, so polling loops run without waiting.
// A reply may also take fake time (FakeReply::takes): the call returns once other threads'
// Sleep() moved the clock that far, and such a Sleep() returns only after the calls it made
// due have replied, so that a poller running beside a blocking tool (helm --wait) sees the
// same sequence on every run.
//
// Threads: Run, Find, Now and Sleep may be called from several threads at once (steps run
// in parallel); handlers run under the runner's lock and must not call back into it. Write
// the script before running the code under test, or between two runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/command_runner.h"

namespace bgpdemo::core {

// One call the fake saw.
struct FakeCall {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env_add;
  std::string stdin_text;
  std::chrono::milliseconds timeout{0};
  std::string netns;
  std::chrono::milliseconds at{0};  // the fake time when it started (FakeRunner::Elapsed)
};

// What a scripted command does.
struct FakeReply {
  int exit_code = 0;
  std::string out;
  std::string err;
  bool timed_out = false;   // killed after RunOptions::timeout (exit code 137, SIGKILL)
  std::string start_error;  // not empty: the program could not start (an Error, kEnvironment)
  // How much fake time the call takes: it returns once the clock got that far (moved by
  // other threads' Sleep; by the call itself when no thread moves it for 2 s of real time).
  std::chrono::milliseconds takes{0};

  static FakeReply Ok(std::string out = "") { return {0, std::move(out), "", false, ""}; }
  static FakeReply Exit(int code, std::string err, std::string out = "") {
    return {code, std::move(out), std::move(err), false, ""};
  }
  static FakeReply Timeout(std::string err = "") { return {137, "", std::move(err), true, ""}; }
  static FakeReply NotStarted(std::string message) {
    return {0, "", "", false, std::move(message)};
  }
  // The same reply, taking `duration` of fake time.
  FakeReply Taking(std::chrono::milliseconds duration) && {
    takes = duration;
    return std::move(*this);
  }
};

// The facts of a fake world ("network kind2", "cluster cilium"). Not thread-safe by itself:
// the FakeRunner that owns it guards it.
class FakeFacts {
 public:
  bool Has(const std::string& fact) const { return facts_.count(fact) != 0; }
  void Add(const std::string& fact) { facts_.insert(fact); }
  void Remove(const std::string& fact) { facts_.erase(fact); }
  // What follows `prefix` in every fact that starts with it, sorted: WithPrefix("cluster ")
  // lists the clusters.
  std::vector<std::string> WithPrefix(std::string_view prefix) const;
  const std::set<std::string>& all() const { return facts_; }

 private:
  std::set<std::string> facts_;
};

class FakeRunner final : public CommandRunner {
 public:
  // In an Expect() pattern: any one argument.
  static constexpr const char* kAny = "<any>";
  using Handler = std::function<FakeReply(const FakeCall&, FakeFacts&)>;
  using Predicate = std::function<bool(const std::vector<std::string>&)>;

  // One scripted command; its setters return it, to be chained.
  class Expectation {
   public:
    // What the command does (default: exit 0, no output).
    Expectation& Reply(FakeReply reply);
    Expectation& Prints(std::string out) { return Reply(FakeReply::Ok(std::move(out))); }
    Expectation& Exits(int code, std::string err = "", std::string out = "") {
      return Reply(FakeReply::Exit(code, std::move(err), std::move(out)));
    }
    Expectation& TimesOut(std::string err = "") {
      return Reply(FakeReply::Timeout(std::move(err)));
    }
    Expectation& CannotStart(std::string message) {
      return Reply(FakeReply::NotStarted(std::move(message)));
    }
    // The reply computed from the call and the facts (which the handler may change).
    Expectation& Does(Handler handler);

    // How often it runs: exactly once unless told.
    Expectation& Times(int n);
    Expectation& Always();  // any number of times, none included

    // Matches only while `fact` holds (If) or does not (Unless).
    Expectation& If(std::string fact);
    Expectation& Unless(std::string fact);
    // Once the command succeeded (exit 0, no timeout): `fact` holds, or no longer does.
    Expectation& Adds(std::string fact);
    Expectation& Removes(std::string fact);

    // `docker network inspect kind` [if network kind] (ran 0 of 1)
    std::string Describe() const;

   private:
    friend class FakeRunner;
    enum class Match { kExact, kPrefix, kPredicate };
    bool Matches(const std::vector<std::string>& argv, const FakeFacts& facts) const;
    bool Required() const { return calls_ < min_calls_; }
    bool Exhausted() const { return max_calls_ >= 0 && calls_ >= max_calls_; }

    Match match_ = Match::kExact;
    std::vector<std::string> pattern_;
    std::string description_;  // of a predicate
    Predicate predicate_;
    FakeReply reply_;
    Handler handler_;
    int min_calls_ = 1;
    int max_calls_ = 1;  // -1: no limit
    int calls_ = 0;
    std::vector<std::string> if_, unless_, adds_, removes_;
  };

  // Exactly this argv (kAny matches any one argument).
  Expectation& Expect(std::vector<std::string> argv);
  // Any argv that starts with `prefix` (kAny allowed).
  Expectation& ExpectPrefix(std::vector<std::string> prefix);
  // Any argv for which `predicate` holds; `description` names it in messages.
  Expectation& ExpectMatching(std::string description, Predicate predicate);

  // Find() answers /usr/bin/<name> for these, empty for every other program.
  void AddProgram(const std::string& name);
  void RemoveProgram(const std::string& name);

  // The facts, from outside a run.
  void SetFact(const std::string& fact);
  void ClearFact(const std::string& fact);
  bool HasFact(const std::string& fact) const;
  std::vector<std::string> Facts() const;

  // Every call so far, in the order they came; ShellQuote of each argv.
  std::vector<FakeCall> Calls() const;
  std::vector<std::string> CommandLines() const;
  // The calls that matched nothing, as command lines.
  std::vector<std::string> Unexpected() const;
  // The expectations that have not run as often as they must.
  std::vector<std::string> Unmet() const;
  // Unexpected() and Unmet() in one message; empty when the script ran as written.
  std::string Problems() const;
  // Forgets the recorded calls and the unexpected ones (the expectations keep their counts).
  void ClearCalls();
  // How much fake time has passed.
  std::chrono::milliseconds Elapsed() const;

  std::string Find(const std::string& program) override;
  Clock::time_point Now() override;
  void Sleep(std::chrono::milliseconds duration) override;

 protected:
  Result<ProcessResult, Error> DoRun(const std::vector<std::string>& argv,
                                     const RunOptions& options) override;

 private:
  Expectation& Add(Expectation e);
  // What the script can still run, for the message about an unexpected command.
  std::string RemainingLocked() const;

  mutable std::mutex mu_;
  std::condition_variable clock_moved_;            // elapsed_ grew, or a slow call replied
  std::multiset<std::chrono::milliseconds> busy_;  // when the slow calls running now end
  std::deque<Expectation> script_;                 // a deque: references stay valid as it grows
  FakeFacts facts_;
  std::set<std::string> programs_;
  std::vector<FakeCall> calls_;
  std::vector<std::string> unexpected_;
  std::chrono::milliseconds elapsed_{0};
};

}  // namespace bgpdemo::core
