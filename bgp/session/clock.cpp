#include "bgp/session/clock.h"

#include <atomic>
#include <cstdint>

namespace bgpdemo::bgp::session {

namespace {

std::atomic<std::size_t> g_live_timers{0};

class AsioTimer : public Timer {
 public:
  AsioTimer(boost::asio::io_context& io, std::function<void()> on_expiry)
      : state_(std::make_shared<State>(io, std::move(on_expiry))) {}
  ~AsioTimer() override {
    // A completion already queued holds the state: it must find nothing to call.
    state_->on_expiry = nullptr;
    state_->timer.cancel();
  }

  void Start(std::chrono::milliseconds after) override {
    const std::uint64_t gen = ++state_->generation;
    state_->timer.expires_after(after);
    // The generation check drops a completion that was due before the restart or cancel
    // (expires_after cannot take back a handler already queued).
    state_->timer.async_wait([state = state_, gen](const boost::system::error_code& ec) {
      if (ec || state->generation != gen || !state->on_expiry) return;
      auto fn = state->on_expiry;  // the owner may destroy this timer from inside
      fn();
    });
  }

  void Cancel() override {
    ++state_->generation;
    state_->timer.cancel();
  }

 private:
  struct State {
    State(boost::asio::io_context& io, std::function<void()> fn)
        : timer(io), on_expiry(std::move(fn)) {
      ++g_live_timers;
    }
    ~State() { --g_live_timers; }
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    boost::asio::steady_timer timer;
    std::function<void()> on_expiry;
    std::uint64_t generation = 0;
  };
  std::shared_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Timer> AsioClock::MakeTimer(std::function<void()> on_expiry) {
  return std::make_unique<AsioTimer>(io_, std::move(on_expiry));
}

std::size_t AsioClock::LiveTimers() {
  return g_live_timers.load(std::memory_order_relaxed);
}

void AsioClock::Post(std::function<void()> fn) {
  boost::asio::post(io_, std::move(fn));
}

}  // namespace bgpdemo::bgp::session
