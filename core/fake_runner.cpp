#include "core/fake_runner.h"

#include <fmt/format.h>

#include <utility>

namespace bgpdemo::core {

namespace {

bool ArgMatches(const std::string& pattern, const std::string& arg) {
  return pattern == FakeRunner::kAny || pattern == arg;
}

}  // namespace

std::vector<std::string> FakeFacts::WithPrefix(std::string_view prefix) const {
  std::vector<std::string> out;
  for (const auto& f : facts_) {
    if (f.starts_with(prefix)) out.push_back(f.substr(prefix.size()));
  }
  return out;
}

FakeRunner::Expectation& FakeRunner::Expectation::Reply(FakeReply reply) {
  reply_ = std::move(reply);
  handler_ = nullptr;
  return *this;
}

FakeRunner::Expectation& FakeRunner::Expectation::Does(Handler handler) {
  handler_ = std::move(handler);
  return *this;
}

FakeRunner::Expectation& FakeRunner::Expectation::Times(int n) {
  min_calls_ = max_calls_ = n;
  return *this;
}

FakeRunner::Expectation& FakeRunner::Expectation::Always() {
  min_calls_ = 0;
  max_calls_ = -1;
  return *this;
}

FakeRunner::Expectation& FakeRunner::Expectation::If(std::string fact) {
  if_.push_back(std::move(fact));
  return *this;
}

FakeRunner::Expectation& FakeRunner::Expectation::Unless(std::string fact) {
  unless_.push_back(std::move(fact));
  return *this;
}

FakeRunner::Expectation& FakeRunner::Expectation::Adds(std::string fact) {
  adds_.push_back(std::move(fact));
  return *this;
}

FakeRunner::Expectation& FakeRunner::Expectation::Removes(std::string fact) {
  removes_.push_back(std::move(fact));
  return *this;
}

std::string FakeRunner::Expectation::Describe() const {
  std::string s;
  switch (match_) {
    case Match::kExact:
      s = fmt::format("`{}`", ShellQuote(pattern_));
      break;
    case Match::kPrefix:
      s = fmt::format("`{} ...`", ShellQuote(pattern_));
      break;
    case Match::kPredicate:
      s = description_;
      break;
  }
  for (const auto& f : if_) s += fmt::format(" [if {}]", f);
  for (const auto& f : unless_) s += fmt::format(" [unless {}]", f);
  if (max_calls_ < 0) {
    s += fmt::format(" (ran {}, any number allowed)", calls_);
  } else {
    s += fmt::format(" (ran {} of {})", calls_, max_calls_);
  }
  return s;
}

bool FakeRunner::Expectation::Matches(const std::vector<std::string>& argv,
                                      const FakeFacts& facts) const {
  switch (match_) {
    case Match::kExact:
    case Match::kPrefix: {
      if (match_ == Match::kExact ? argv.size() != pattern_.size()
                                  : argv.size() < pattern_.size()) {
        return false;
      }
      for (std::size_t i = 0; i < pattern_.size(); ++i) {
        if (!ArgMatches(pattern_[i], argv[i])) return false;
      }
      break;
    }
    case Match::kPredicate:
      if (!predicate_(argv)) return false;
      break;
  }
  for (const auto& f : if_) {
    if (!facts.Has(f)) return false;
  }
  for (const auto& f : unless_) {
    if (facts.Has(f)) return false;
  }
  return true;
}

FakeRunner::Expectation& FakeRunner::Add(Expectation e) {
  std::lock_guard lock(mu_);
  script_.push_back(std::move(e));
  return script_.back();
}

FakeRunner::Expectation& FakeRunner::Expect(std::vector<std::string> argv) {
  Expectation e;
  e.match_ = Expectation::Match::kExact;
  e.pattern_ = std::move(argv);
  return Add(std::move(e));
}

FakeRunner::Expectation& FakeRunner::ExpectPrefix(std::vector<std::string> prefix) {
  Expectation e;
  e.match_ = Expectation::Match::kPrefix;
  e.pattern_ = std::move(prefix);
  return Add(std::move(e));
}

FakeRunner::Expectation& FakeRunner::ExpectMatching(std::string description, Predicate predicate) {
  Expectation e;
  e.match_ = Expectation::Match::kPredicate;
  e.description_ = std::move(description);
  e.predicate_ = std::move(predicate);
  return Add(std::move(e));
}

void FakeRunner::AddProgram(const std::string& name) {
  std::lock_guard lock(mu_);
  programs_.insert(name);
}

void FakeRunner::RemoveProgram(const std::string& name) {
  std::lock_guard lock(mu_);
  programs_.erase(name);
}

void FakeRunner::SetFact(const std::string& fact) {
  std::lock_guard lock(mu_);
  facts_.Add(fact);
}

void FakeRunner::ClearFact(const std::string& fact) {
  std::lock_guard lock(mu_);
  facts_.Remove(fact);
}

bool FakeRunner::HasFact(const std::string& fact) const {
  std::lock_guard lock(mu_);
  return facts_.Has(fact);
}

std::vector<std::string> FakeRunner::Facts() const {
  std::lock_guard lock(mu_);
  return {facts_.all().begin(), facts_.all().end()};
}

std::vector<FakeCall> FakeRunner::Calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::vector<std::string> FakeRunner::CommandLines() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& c : calls_) out.push_back(ShellQuote(c.argv));
  return out;
}

std::vector<std::string> FakeRunner::Unexpected() const {
  std::lock_guard lock(mu_);
  return unexpected_;
}

std::vector<std::string> FakeRunner::Unmet() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& e : script_) {
    if (e.Required()) out.push_back(e.Describe());
  }
  return out;
}

std::string FakeRunner::Problems() const {
  std::string s;
  for (const auto& u : Unexpected()) s += fmt::format("unexpected command: `{}`\n", u);
  for (const auto& u : Unmet()) s += fmt::format("expected but not run: {}\n", u);
  return s;
}

void FakeRunner::ClearCalls() {
  std::lock_guard lock(mu_);
  calls_.clear();
  unexpected_.clear();
}

std::chrono::milliseconds FakeRunner::Elapsed() const {
  std::lock_guard lock(mu_);
  return elapsed_;
}

std::string FakeRunner::Find(const std::string& program) {
  std::lock_guard lock(mu_);
  return programs_.count(program) ? "/usr/bin/" + program : std::string();
}

CommandRunner::Clock::time_point FakeRunner::Now() {
  std::lock_guard lock(mu_);
  // A fixed start, so that messages with times do not depend on the machine.
  return Clock::time_point(std::chrono::hours(1)) + elapsed_;
}

void FakeRunner::Sleep(std::chrono::milliseconds duration) {
  std::unique_lock lock(mu_);
  elapsed_ += duration;
  clock_moved_.notify_all();
  // The slow calls now due reply before the sleeper goes on.
  clock_moved_.wait(lock, [&] { return busy_.empty() || *busy_.begin() > elapsed_; });
}

std::string FakeRunner::RemainingLocked() const {
  std::string s;
  for (const auto& e : script_) {
    if (!e.Exhausted()) s += "\n  " + e.Describe();
  }
  return s.empty() ? " nothing" : s;
}

Result<ProcessResult, Error> FakeRunner::DoRun(const std::vector<std::string>& argv,
                                               const RunOptions& options) {
  std::unique_lock lock(mu_);
  FakeCall call{argv,          options.env_add, options.stdin_text, options.timeout,
                options.netns, elapsed_};
  calls_.push_back(call);
  Expectation* found = nullptr;
  for (auto& e : script_) {
    if (!e.Exhausted() && e.Matches(argv, facts_)) {
      found = &e;
      break;
    }
  }
  if (!found) {
    unexpected_.push_back(ShellQuote(argv));
    return Fail(
        Error::Internal(fmt::format("FakeRunner: unexpected command `{}`; the script "
                                    "still expects:{}",
                                    ShellQuote(argv), RemainingLocked())));
  }
  ++found->calls_;
  const FakeReply reply = found->handler_ ? found->handler_(call, facts_) : found->reply_;
  if (!reply.start_error.empty()) return Fail(Error::Environment(reply.start_error));
  if (reply.takes.count() > 0) {
    const auto until = elapsed_ + reply.takes;
    const auto it = busy_.insert(until);
    while (elapsed_ < until) {
      // Nobody moved the clock for 2 s of real time (no poller beside this call): the call
      // moves it itself.
      const auto seen = elapsed_;
      if (!clock_moved_.wait_for(lock, std::chrono::seconds(2), [&] { return elapsed_ != seen; })) {
        elapsed_ = until;
      }
    }
    busy_.erase(it);
    clock_moved_.notify_all();
  }
  ProcessResult r;
  r.exit_code = reply.exit_code;
  r.out = reply.out;
  r.err = reply.err;
  if (reply.timed_out) {
    r.timed_out = true;
    r.exit_code = 137;
    r.signal = 9;
    r.seconds = std::chrono::duration<double>(options.timeout).count();
    elapsed_ += options.timeout;
  }
  if (r.exit_code == 0 && !r.timed_out) {
    for (const auto& f : found->adds_) facts_.Add(f);
    for (const auto& f : found->removes_) facts_.Remove(f);
  }
  return r;
}

}  // namespace bgpdemo::core
