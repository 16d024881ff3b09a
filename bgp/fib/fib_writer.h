// Applies batches of route changes to a Fib on a thread of its own, so that the thread
// that makes the changes (the engine's io_context thread) never waits for the kernel.
//
//   engine thread                       writer thread
//   Acquire() -> fill -> Submit() ---->  Fib::Apply(batch) -> on_result(batch, errors)
//        ^                                      |
//        +------ on_free() <--------------------+  (the batch is free again)
//
// There are kSlots batches, reused: one being applied and one filled or waiting, so the
// writer never waits for the engine to fill the next while the engine keeps the work that
// is not yet in a batch (and can still change) to itself. Batches are applied in the order
// submitted. Run() executes other work on the Fib (a flush, a dump) in that same order.
// The thread runs at kNice below its creator: on a machine with fewer free cores than busy
// threads, the engine's UPDATEs go first and the kernel's work fills the gaps (measured at a
// million routes: the second peer converged in 1.1 s instead of 2.0 s; tests/bench/fib_bench.py).
//
// Threading: Acquire, Submit, Run, WaitFree, WaitIdle and the destructor are for one
// thread, the owner's; in_flight() for any. on_result and on_free run on the writer's
// thread: on_result before the batch is handed back, on_free after (nothing locked). The
// Fib is touched by the writer's thread only once the writer exists. The destructor
// applies what was submitted, then joins.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "bgp/fib/fib.h"

namespace bgpdemo::bgp::fib {

class FibWriter {
 public:
  static constexpr std::size_t kSlots = 2;
  static constexpr int kNice = 10;  // added to the writer thread's nice value
  using OnResult = std::function<void(const Batch&, const Result<void, std::string>&,
                                      const std::vector<ItemError>&)>;

  FibWriter(Fib& fib, OnResult on_result, std::function<void()> on_free);
  ~FibWriter();
  FibWriter(const FibWriter&) = delete;
  FibWriter& operator=(const FibWriter&) = delete;

  // An empty batch to fill, or null while every batch is submitted.
  Batch* Acquire();
  // Hands a batch from Acquire to the writer (an empty one goes straight back).
  void Submit(Batch* batch);
  // Runs f(fib) on the writer's thread after what was submitted before, and waits for it.
  void Run(const std::function<void(Fib&)>& f);
  // Waits until a batch is free / until everything submitted is applied.
  void WaitFree();
  void WaitIdle();
  // Operations submitted and not yet applied.
  std::size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    Batch* batch = nullptr;  // or
    const std::function<void(Fib&)>* task = nullptr;
  };
  void Loop();

  Fib& fib_;
  OnResult on_result_;
  std::function<void()> on_free_;
  std::array<Batch, kSlots> slots_;
  std::vector<ItemError> errors_;  // the writer's, reused

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // the writer waits for jobs
  std::condition_variable done_cv_;  // the owner waits for a free batch, idle, a task
  std::vector<Batch*> free_;
  std::deque<Job> jobs_;
  bool busy_ = false;
  bool stopping_ = false;
  std::uint64_t tasks_queued_ = 0;
  std::uint64_t tasks_done_ = 0;
  std::atomic<std::size_t> in_flight_{0};
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace bgpdemo::bgp::fib
