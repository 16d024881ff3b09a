// Pods that are not ready, and the progress events of a step that waits (core/k8s/waits.h).
#include "core/k8s/waits.h"

#include <fmt/format.h>

#include <string_view>

namespace bgpdemo::core::k8s {

namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& Field(const json& j, const char* key) {
  static const json kNull;
  const auto it = j.find(key);
  return it != j.end() ? *it : kNull;
}

// The first container (init containers first) that waits or is not ready, as a PodWait's
// reason and detail.
bool ContainerWait(const json& status, PodWait& w) {
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    const auto& statuses = Field(status, list);
    if (!statuses.is_array()) continue;
    for (const auto& c : statuses) {
      const auto& waiting = Field(Field(c, "state"), "waiting");
      if (waiting.is_object()) {
        w.reason = Str(waiting, "reason");
        const auto message = Str(waiting, "message");
        // ContainerCreating has no message; the image is what takes the time then.
        w.detail = message.empty() ? "image " + Str(c, "image") : message;
        if (w.reason.empty()) w.reason = "Waiting";
        return true;
      }
      if (std::string_view(list) == "containerStatuses" && Field(c, "ready") == false) {
        w.reason = "Running";
        w.detail = fmt::format(
            "container {} not ready ({} restarts)", Str(c, "name"),
            Field(c, "restartCount").is_number() ? Field(c, "restartCount").get<int>() : 0);
        return true;
      }
    }
  }
  return false;
}

bool Ready(const json& status) {
  const auto& conditions = Field(status, "conditions");
  if (!conditions.is_array()) return false;
  for (const auto& c : conditions) {
    if (Str(c, "type") == "Ready") return Str(c, "status") == "True";
  }
  return false;
}

}  // namespace

PodsWaiting PodsNotReady(const json& list) {
  PodsWaiting out;
  const auto& items = Field(list, "items");
  if (!items.is_array()) return out;
  for (const auto& pod : items) {
    const auto& status = Field(pod, "status");
    const auto phase = Str(status, "phase");
    if (phase == "Succeeded") continue;
    ++out.total;
    if (phase == "Running" && Ready(status)) continue;
    PodWait w;
    w.name = Str(Field(pod, "metadata"), "name");
    w.node = Str(Field(pod, "spec"), "nodeName");
    if (!ContainerWait(status, w)) {
      w.reason = phase.empty() ? "Pending" : phase;
      // An unscheduled pod says why in its PodScheduled condition.
      const auto& conditions = Field(status, "conditions");
      if (conditions.is_array()) {
        for (const auto& c : conditions) {
          if (Str(c, "status") == "False" && !Str(c, "reason").empty()) {
            w.detail = Str(c, "reason");
            if (const auto m = Str(c, "message"); !m.empty()) w.detail += ": " + m;
            break;
          }
        }
      }
    }
    out.waiting.push_back(std::move(w));
  }
  return out;
}

std::string DescribePods(const PodsWaiting& pods, std::size_t shown) {
  if (pods.waiting.empty()) return fmt::format("{} pods ready", pods.total);
  std::vector<std::string> named;
  for (std::size_t i = 0; i < pods.waiting.size() && i < shown; ++i) {
    const auto& w = pods.waiting[i];
    std::string s = w.name + " " + w.reason;
    if (!w.detail.empty()) s += " (" + w.detail + ")";
    if (!w.node.empty()) s += " on " + w.node;
    named.push_back(std::move(s));
  }
  if (pods.waiting.size() > shown)
    named.push_back(fmt::format("{} more", pods.waiting.size() - shown));
  return fmt::format("{} of {} pods not ready: {}", pods.waiting.size(), pods.total,
                     fmt::join(named, ", "));
}

void JobPhases::Set(const std::string& job, std::string phase) {
  std::lock_guard lock(mu_);
  phases_[job] = std::move(phase);
}

std::string JobPhases::Describe() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [job, phase] : phases_) {
    if (!phase.empty()) out.push_back(job + ": " + phase);
  }
  return fmt::format("{}", fmt::join(out, ", "));
}

void ReportProgress(const ProgressReport& report, CommandRunner::Clock::time_point since,
                    const std::function<std::string()>& poll) {
  auto detail = poll();
  const double seconds = std::chrono::duration<double>(report.runner->Now() - since).count();
  StepEvent e{report.step, true, seconds, std::move(detail)};
  e.progress = true;
  if (report.sink) report.sink(e);
}

std::string GoDuration(std::chrono::seconds s) {
  if (s.count() > 0 && s.count() % 60 == 0) return fmt::format("{}m", s.count() / 60);
  return fmt::format("{}s", s.count());
}

}  // namespace bgpdemo::core::k8s
