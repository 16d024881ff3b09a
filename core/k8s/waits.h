// The long waits of `kind up` made visible (issue #11, behaviour 4): while helm --wait,
// cilium status --wait or kubectl rollout status block, a poller beside them asks
// `kubectl get pods -o json` of the namespace concerned and reports, at least every 10 s,
// what is awaited (each job's phase, the pods not ready and why) with the time elapsed, as
// a StepEvent with `progress` set (core/demo.h): a line in text mode, an
// {"event":"progress",...} object with -o json.
//
//   step thread:  WaitReporting(jobs, poll) -- every second: done? -- every interval: poll()
//   job threads:  helm upgrade --wait ...     (JobPhases says what each one runs now)
//
// The poller's clock is the CommandRunner's, so tests run it on the FakeRunner's fake clock
// with tools whose replies take fake time (FakeReply::takes), without real sleeps.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/command_runner.h"
#include "core/demo.h"

namespace bgpdemo::core::k8s {

// A pod that is not ready, and why, from `kubectl get pods -o json`.
struct PodWait {
  std::string name;
  std::string node;    // spec.nodeName; empty while unscheduled
  std::string reason;  // ContainerCreating, ErrImagePull, CrashLoopBackOff, Pending, ...
  std::string detail;  // the image being pulled, the waiting message, the condition
};

// The pods of a `kubectl get pods -o json` List that are not ready (Succeeded pods are
// done; a Running pod is ready when its Ready condition is True), in the List's order, and
// how many pods there are.
struct PodsWaiting {
  std::size_t total = 0;
  std::vector<PodWait> waiting;
};
PodsWaiting PodsNotReady(const nlohmann::json& list);

// "2 of 5 pods not ready: cilium-x7k2p ContainerCreating (image quay.io/cilium/cilium:v1.14.0)
// on cilium-worker, ...", at most `shown` pods named; "5 pods ready" when none waits.
std::string DescribePods(const PodsWaiting& pods, std::size_t shown = 3);

// What each parallel job of a step is doing now ("cilium: helm upgrade --install --wait"),
// set by the jobs and read by the poller. Thread-safe.
class JobPhases {
 public:
  void Set(const std::string& job, std::string phase);
  void Done(const std::string& job) { Set(job, ""); }
  // "cilium: helm upgrade --wait, cilium2: cilium status --wait"; the jobs that are done
  // are left out.
  std::string Describe() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> phases_;
};

// How a step reports while it waits.
struct ProgressReport {
  CommandRunner* runner = nullptr;   // its clock; not owned, never null
  std::string step;                  // the step's name, in every progress event
  StepSink sink;                     // hears the progress events; may be empty
  std::chrono::seconds interval{5};  // between two reports (the promise is 10 s)
};

// Waits until every job is done, calling `poll` (what is awaited now, for people) every
// interval and reporting it with the seconds since the wait began. The jobs' results stay
// in their futures.
template <typename T>
void WaitReporting(std::vector<std::future<T>>& jobs, const std::function<std::string()>& poll,
                   const ProgressReport& report);

// Runs `poll` and reports it as a progress event, `since` being when the wait began.
void ReportProgress(const ProgressReport& report, CommandRunner::Clock::time_point since,
                    const std::function<std::string()>& poll);

template <typename T>
void WaitReporting(std::vector<std::future<T>>& jobs, const std::function<std::string()>& poll,
                   const ProgressReport& report) {
  const auto t0 = report.runner->Now();
  auto next = t0 + report.interval;
  auto done = [&] {
    for (auto& j : jobs) {
      if (j.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
    }
    return true;
  };
  while (!done()) {
    // Real time for the jobs to get on first: a fake clock must not run ahead of jobs that
    // are only starting (their threads), just of those blocked in a slow tool.
    for (auto& j : jobs) {
      if (j.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) break;
    }
    if (done()) break;
    if (report.runner->Now() >= next) {
      ReportProgress(report, t0, poll);
      next = report.runner->Now() + report.interval;
    }
    report.runner->Sleep(std::chrono::seconds(1));
  }
}

// "10m" for 600 s, "90s" otherwise: a duration for helm's and cilium's flags.
std::string GoDuration(std::chrono::seconds s);

}  // namespace bgpdemo::core::k8s
