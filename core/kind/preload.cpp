// Loading local images into the kind nodes (core/kind/preload.h).
#include "core/kind/preload.h"

#include <fmt/format.h>

#include "core/kind/internal.h"
#include "core/kind/up_steps.h"

namespace bgpdemo::core::kind {

std::vector<std::string> CiliumImages(const std::string& cilium_version) {
  const auto tag = cilium_version.starts_with("v") ? cilium_version : "v" + cilium_version;
  return {"quay.io/cilium/cilium:" + tag, "quay.io/cilium/operator-generic:" + tag};
}

PreloadPlan PlanPreload(bool enabled, const std::vector<std::string>& images,
                        const std::set<std::string>& present) {
  PreloadPlan plan;
  plan.off = !enabled;
  for (const auto& image : images) {
    if (enabled && present.count(image)) {
      plan.load.push_back(image);
    } else {
      plan.pulled.push_back(image);
    }
  }
  return plan;
}

std::string DescribePreload(const PreloadPlan& plan) {
  std::vector<std::string> parts;
  if (!plan.load.empty()) {
    parts.push_back(
        fmt::format("preloaded {} (kind load docker-image)", fmt::join(plan.load, ", ")));
  }
  if (!plan.pulled.empty()) {
    parts.push_back(fmt::format("{} {}",
                                plan.off ? "preload off, pulled by the nodes:"
                                         : "pulled by the nodes (not in the local Docker):",
                                fmt::join(plan.pulled, ", ")));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

Result<PreloadPlan, Error> PlanPreloadHere(detail::UpSteps& up, bool enabled,
                                           const std::vector<std::string>& images) {
  std::set<std::string> present;
  if (enabled) {
    for (const auto& image : images) {
      auto r = up.Ask({"docker", "image", "inspect", image});
      if (!r) return Fail(r.error());
      if (r->exit_code == 0 && !r->timed_out) present.insert(image);
    }
  }
  return PlanPreload(enabled, images, present);
}

Result<void, Error> Preload(detail::UpSteps& up, const PreloadPlan& plan,
                            const std::string& cluster) {
  if (plan.load.empty()) return {};
  std::vector<std::string> argv{"kind", "load", "docker-image"};
  argv.insert(argv.end(), plan.load.begin(), plan.load.end());
  argv.push_back("--name");
  argv.push_back(cluster);
  auto r = up.Tool(argv, fmt::format("`up --no-preload` lets the nodes pull the images instead; "
                                     "`docker images` lists what is here"));
  if (!r) return Fail(r.error());
  return {};
}

}  // namespace bgpdemo::core::kind
