// Time for a session: the clock it reads and the timers it runs, behind a small interface
// so that a session runs under a fake clock in tests (no sleeping, no real time).
//
// AsioClock is the real one, on an io_context: its timers are asio::steady_timers and
// Post is asio::post. A test's fake advances time by hand and fires what is due in order
// (tests/bgp/session/session_fakes.h).
//
// Threading: a clock and its timers belong to one thread (the io_context's); callbacks run
// there, never from inside the call that started them.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

// clang-format off
#include <utility>  // first: Boost 1.74's asio uses std::exchange without including it
#include <boost/asio.hpp>
// clang-format on

namespace bgpdemo::bgp::session {

// One restartable timer with a fixed callback. Start replaces a pending expiry; after
// Cancel, a restart, or the timer's destruction, the callback of the earlier Start never
// runs, even when its expiry was already due.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void Start(std::chrono::milliseconds after) = 0;
  virtual void Cancel() = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point Now() const = 0;
  // A timer calling on_expiry each time one of its Starts runs out.
  virtual std::unique_ptr<Timer> MakeTimer(std::function<void()> on_expiry) = 0;
  // Runs fn later on this thread, after the current callback returns.
  virtual void Post(std::function<void()> fn) = 0;
};

class AsioClock : public Clock {
 public:
  explicit AsioClock(boost::asio::io_context& io) : io_(io) {}
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::now();
  }
  std::unique_ptr<Timer> MakeTimer(std::function<void()> on_expiry) override;
  void Post(std::function<void()> fn) override;
  // The AsioClock timers of this process that exist (with a completion still queued, a
  // destroyed one counts until it runs): steady while sessions come and go, or a leak.
  static std::size_t LiveTimers();

 private:
  boost::asio::io_context& io_;
};

}  // namespace bgpdemo::bgp::session
