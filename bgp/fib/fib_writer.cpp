#include "bgp/fib/fib_writer.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace bgpdemo::bgp::fib {

FibWriter::FibWriter(Fib& fib, OnResult on_result, std::function<void()> on_free)
    : fib_(fib), on_result_(std::move(on_result)), on_free_(std::move(on_free)) {
  for (auto& b : slots_) free_.push_back(&b);
  thread_ = std::thread([this] {
    // Below the engine's thread: where the two share a core, UPDATEs to peers go first and
    // the kernel's work fills the gaps (Linux applies nice per thread).
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    (void)::setpriority(PRIO_PROCESS, tid, ::getpriority(PRIO_PROCESS, tid) + kNice);
    Loop();
  });
}

FibWriter::~FibWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  thread_.join();
}

Batch* FibWriter::Acquire() {
  std::lock_guard lock(mu_);
  if (free_.empty()) return nullptr;
  Batch* b = free_.back();
  free_.pop_back();
  return b;
}

void FibWriter::Submit(Batch* batch) {
  {
    std::lock_guard lock(mu_);
    if (batch->empty()) {
      free_.push_back(batch);
      return;
    }
    in_flight_.fetch_add(batch->size(), std::memory_order_relaxed);
    jobs_.push_back(Job{batch, nullptr});
  }
  work_cv_.notify_one();
}

void FibWriter::Run(const std::function<void(Fib&)>& f) {
  std::unique_lock lock(mu_);
  jobs_.push_back(Job{nullptr, &f});
  const std::uint64_t ticket = ++tasks_queued_;  // tasks run in order: done counts them
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return tasks_done_ >= ticket; });
}

void FibWriter::WaitFree() {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return !free_.empty(); });
}

void FibWriter::WaitIdle() {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return jobs_.empty() && !busy_; });
}

void FibWriter::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and everything submitted is applied
    const Job job = jobs_.front();
    jobs_.pop_front();
    busy_ = true;
    const std::size_t ops = job.batch != nullptr ? job.batch->size() : 0;
    lock.unlock();
    if (job.task != nullptr) {
      (*job.task)(fib_);
    } else {
      errors_.clear();
      const auto r = fib_.Apply(*job.batch, errors_);
      if (on_result_) on_result_(*job.batch, r, errors_);
      job.batch->Clear();
    }
    lock.lock();
    if (job.task != nullptr) {
      ++tasks_done_;
    } else {
      in_flight_.fetch_sub(ops, std::memory_order_relaxed);
      free_.push_back(job.batch);
      done_cv_.notify_all();
      if (on_free_) {
        lock.unlock();
        on_free_();
        lock.lock();
      }
    }
    busy_ = false;  // after on_free: WaitIdle returns once the writer is done with the batch
    done_cv_.notify_all();
  }
}

}  // namespace bgpdemo::bgp::fib
