// AsioClock's timers: a restart or cancel drops the earlier expiry, and LiveTimers counts
// the timers that exist until the last queued completion of a destroyed one has run (what
// the churn soak watches for leaks, through the metric bgpdemo_bgp_timers).
#include "bgp/session/clock.h"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <vector>

namespace bgpdemo::bgp::session {
namespace {

using namespace std::chrono_literals;

TEST_CASE("clock: a restarted timer fires once, a cancelled one never") {
  boost::asio::io_context io;
  AsioClock clock(io);
  int fired = 0, cancelled = 0;
  auto t = clock.MakeTimer([&] { ++fired; });
  auto c = clock.MakeTimer([&] { ++cancelled; });
  t->Start(50ms);
  t->Start(1ms);
  c->Start(1ms);
  c->Cancel();
  io.run();
  CHECK(fired == 1);
  CHECK(cancelled == 0);
}

TEST_CASE("clock: LiveTimers counts timers until their last completion has run") {
  boost::asio::io_context io;
  AsioClock clock(io);
  const std::size_t before = AsioClock::LiveTimers();
  std::vector<std::unique_ptr<Timer>> timers;
  for (int i = 0; i < 10; ++i) timers.push_back(clock.MakeTimer([] {}));
  CHECK(AsioClock::LiveTimers() == before + 10);
  for (auto& t : timers) t->Start(1h);
  timers.clear();  // each still has a completion queued (operation_aborted)
  CHECK(AsioClock::LiveTimers() == before + 10);
  io.run();
  CHECK(AsioClock::LiveTimers() == before);

  // A timer destroyed from inside its own callback.
  std::unique_ptr<Timer> self;
  self = clock.MakeTimer([&] { self.reset(); });
  self->Start(1ms);
  io.restart();
  io.run();
  CHECK(self == nullptr);
  CHECK(AsioClock::LiveTimers() == before);
}

}  // namespace
}  // namespace bgpdemo::bgp::session
