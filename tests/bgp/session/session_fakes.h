// Fakes for running a bgp::session::Session without sockets or real time: a clock whose
// time moves only when the test says, transports that record what the session sends and
// deliver what the test writes, a dialer whose connects complete when the test says, and
// an observer that records what the session reports. No test framework: the unit tests and
// the session fuzzer (tests/fuzz/session_fuzz.cpp) share them; a broken expectation throws.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bgp/session/session.h"
#include "bgp/wire/message.h"

namespace bgpdemo::test {

namespace session = bgp::session;
namespace wire = bgp::wire;

// A fake's precondition or what it decodes: a broken one throws (a failed test case, a
// fuzzer's crash report).
inline void FakeExpect(bool ok, const char* what) {
  if (!ok) throw std::logic_error(std::string("session fakes: ") + what);
}

class FakeClock : public session::Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  std::chrono::steady_clock::time_point Now() const override { return now_; }
  std::unique_ptr<session::Timer> MakeTimer(std::function<void()> on_expiry) override {
    return std::make_unique<FakeTimer>(*this, std::move(on_expiry));
  }
  void Post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }

  // Runs posted work until none is left.
  void RunPosted() {
    while (!posted_.empty()) {
      auto fn = std::move(posted_.front());
      posted_.erase(posted_.begin());
      fn();
    }
  }
  // Moves time forward, firing every timer that falls due on the way at its time, in order
  // (posted work runs first, and after each timer).
  void Advance(std::chrono::milliseconds d) {
    const TimePoint until = now_ + d;
    RunPosted();
    for (;;) {
      FakeTimer* next = nullptr;
      for (auto* t : timers_) {
        if (t->armed_ && t->due_ <= until && (!next || t->due_ < next->due_)) next = t;
      }
      if (!next) break;
      now_ = next->due_;
      next->armed_ = false;
      auto fn = next->on_expiry_;  // the callback may destroy the timer
      fn();
      RunPosted();
    }
    now_ = until;
  }

 private:
  class FakeTimer : public session::Timer {
   public:
    FakeTimer(FakeClock& clock, std::function<void()> fn)
        : clock_(clock), on_expiry_(std::move(fn)) {
      clock_.timers_.push_back(this);
    }
    ~FakeTimer() override { std::erase(clock_.timers_, this); }
    void Start(std::chrono::milliseconds after) override {
      armed_ = true;
      due_ = clock_.now_ + after;
    }
    void Cancel() override { armed_ = false; }

    FakeClock& clock_;
    std::function<void()> on_expiry_;
    bool armed_ = false;
    TimePoint due_{};
  };

  TimePoint now_{std::chrono::hours(1000)};
  std::vector<FakeTimer*> timers_;
  std::vector<std::function<void()>> posted_;
};

// One connection's far end. By default the peer reads everything at once; `stalled` makes
// it stop reading, so bytes stay queued.
class FakeTransport : public session::Transport {
 public:
  void Start(Callbacks callbacks, const wire::Context& ctx) override {
    callbacks_ = std::move(callbacks);
    ctx_ = ctx;
    started = true;
  }
  void SetContext(const wire::Context& ctx) override { ctx_ = ctx; }
  void Send(std::span<const std::uint8_t> bytes) override {
    if (closed || close_after_write) return;
    Take(bytes);
  }
  void Send(session::Chunk chunk) override {
    if (closed || close_after_write || !chunk) return;
    Take(*chunk);
  }
  void SendAndClose(std::span<const std::uint8_t> bytes) override {
    if (closed) return;
    Take(bytes);
    close_after_write = true;
  }
  void SetReading(bool on) override { reading = on; }
  void Close() override {
    closed = true;
    callbacks_ = {};
  }
  void Detach() override {
    callbacks_ = {};
    if (!close_after_write) closed = true;
  }
  wire::IpAddress local_address() const override { return local; }
  std::size_t bytes_queued() const override { return queued; }
  std::uint64_t bytes_written() const override { return written; }

  // The peer sends one message; false when the session stopped reading.
  bool Deliver(const wire::Message& m) {
    auto bytes = wire::EncodeMessage(m, ctx_);
    FakeExpect(bytes.has_value(), "the message encodes");
    return Deliver(std::span<const std::uint8_t>(*bytes));
  }
  bool Deliver(std::span<const std::uint8_t> frame) {
    if (!callbacks_.on_message) return false;
    return callbacks_.on_message(frame);
  }
  // The peer closes the connection (or it fails).
  void Fail(const std::string& reason) {
    auto cb = std::move(callbacks_.on_closed);
    callbacks_ = {};
    closed = true;
    if (cb) cb(nullptr, reason);
  }
  // Every message the session sent, decoded.
  std::vector<wire::Message> Sent() const {
    std::vector<wire::Message> out;
    const std::span<const std::uint8_t> all(sent);
    std::size_t off = 0;
    while (off < all.size()) {
      auto len = wire::FrameLength(all.subspan(off), ctx_);
      FakeExpect(len.has_value() && *len > 0, "what the session sent frames");
      auto m = wire::DecodeMessage(all.subspan(off, *len), ctx_);
      FakeExpect(m.has_value(), "what the session sent decodes");
      out.push_back(std::move(m).value());
      off += *len;
    }
    return out;
  }
  // The NOTIFICATIONs among them, as "code/subcode".
  std::vector<std::string> Notifications() const {
    std::vector<std::string> out;
    for (const auto& m : Sent()) {
      if (const auto* n = std::get_if<wire::Notification>(&m)) {
        out.push_back(std::to_string(static_cast<int>(n->code)) + "/" + std::to_string(n->subcode));
      }
    }
    return out;
  }
  std::size_t Count(wire::MessageType type) const {
    const auto all = Sent();
    return static_cast<std::size_t>(
        std::count_if(all.begin(), all.end(),
                      [type](const wire::Message& m) { return wire::TypeOf(m) == type; }));
  }

  bool started = false, closed = false, close_after_write = false, reading = true;
  bool stalled = false;  // the peer reads nothing
  std::vector<std::uint8_t> sent;
  std::size_t queued = 0;
  std::uint64_t written = 0;
  wire::IpAddress local = wire::IpAddress::V4(0x0a000001);

 private:
  void Take(std::span<const std::uint8_t> bytes) {
    sent.insert(sent.end(), bytes.begin(), bytes.end());
    if (stalled) {
      queued += bytes.size();
    } else {
      written += bytes.size();
    }
  }

  Callbacks callbacks_;
  wire::Context ctx_;
};

class FakeDialer : public session::Dialer {
 public:
  struct Attempt {
    session::DialRequest request;
    Done done;
    std::shared_ptr<bool> cancelled;
  };
  std::unique_ptr<session::Dialing> Dial(const session::DialRequest& request, Done done) override {
    auto cancelled = std::make_shared<bool>(false);
    dials.push_back({request, std::move(done), cancelled});
    return std::make_unique<FakeDialing>(cancelled);
  }
  // The i-th connect completes: connected to `t`, or failed with `error`.
  void Connect(std::size_t i, std::shared_ptr<session::Transport> t) {
    FakeExpect(i < dials.size(), "a dial attempt with that index");
    if (!*dials[i].cancelled) dials[i].done(std::move(t));
  }
  void Refuse(std::size_t i, const std::string& error) {
    FakeExpect(i < dials.size(), "a dial attempt with that index");
    if (!*dials[i].cancelled) dials[i].done(Fail(error));
  }
  bool Cancelled(std::size_t i) const { return *dials.at(i).cancelled; }

  std::vector<Attempt> dials;

 private:
  struct FakeDialing : session::Dialing {
    explicit FakeDialing(std::shared_ptr<bool> c) : cancelled(std::move(c)) {}
    ~FakeDialing() override { *cancelled = true; }
    std::shared_ptr<bool> cancelled;
  };
};

class FakeObserver : public session::SessionObserver {
 public:
  struct Down {
    bool keep_stale = false;
    std::uint16_t restart_time = 0;
  };
  void OnEstablished(session::Session&) override { ++established; }
  void OnUpdate(session::Session&, const wire::Update& u) override {
    update_objects.push_back(&u);
    announced += u.AnnouncedCount();
    withdrawn += u.WithdrawnCount();
    if (auto f = u.EndOfRib()) end_of_rib.push_back(*f);
  }
  void OnRouteRefresh(session::Session&, wire::Family f) override { refreshes.push_back(f); }
  void OnDown(session::Session&, bool keep_stale, std::uint16_t restart_time) override {
    downs.push_back({keep_stale, restart_time});
  }
  void OnCongestion(session::Session&, bool) override {}

  int established = 0;
  std::vector<const wire::Update*> update_objects;
  std::size_t announced = 0, withdrawn = 0;
  std::vector<wire::Family> end_of_rib;
  std::vector<wire::Family> refreshes;
  std::vector<Down> downs;
};

}  // namespace bgpdemo::test
