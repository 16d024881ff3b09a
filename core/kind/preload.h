// Images already in the local Docker loaded into the kind nodes instead of pulled by each
// node (issue #11, behaviour 4): `kind load docker-image IMAGE... --name CLUSTER` (kind
// 0.20: pkg/cmd/kind/load/docker-image; it saves the images once and imports them only on
// the nodes that lack them, so it is cheap to run again). The images are those of the
// scenario's Cilium version as its chart names them (values.yaml: image.repository and
// operator.image.repository + "-generic", tag v<version>) and nginx. The chart refers to
// its images by digest (image.useDigest), which an image loaded from `docker save` does not
// carry, so when Cilium's images are preloaded Helm is told `--set image.useDigest=false
// --set operator.image.useDigest=false`; the values and the nginx manifest ask for
// imagePullPolicy IfNotPresent, so the loaded images are used.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"

namespace bgpdemo::core::kind {

namespace detail {
class UpSteps;
}

// quay.io/cilium/cilium:vV and quay.io/cilium/operator-generic:vV.
std::vector<std::string> CiliumImages(const std::string& cilium_version);
// The image of templates/nginx.yaml.mustache.
inline constexpr const char* kNginxImage = "nginx:latest";

// Which of `images` to load: those present locally, unless preloading is off.
struct PreloadPlan {
  std::vector<std::string> load;    // present here: kind load docker-image
  std::vector<std::string> pulled;  // not here (or preload off): the nodes pull them
  bool off = false;                 // --no-preload
};
PreloadPlan PlanPreload(bool enabled, const std::vector<std::string>& images,
                        const std::set<std::string>& present);

// "preloaded quay.io/cilium/cilium:v1.14.0, ... (kind load docker-image)", "pulled by the
// nodes: ...", "preload off": for the step's line.
std::string DescribePreload(const PreloadPlan& plan);

// Asks Docker which of `images` it has (`docker image inspect`), and plans.
Result<PreloadPlan, Error> PlanPreloadHere(detail::UpSteps& up, bool enabled,
                                           const std::vector<std::string>& images);

// `kind load docker-image IMAGE... --name CLUSTER` when the plan loads anything.
Result<void, Error> Preload(detail::UpSteps& up, const PreloadPlan& plan,
                            const std::string& cluster);

}  // namespace bgpdemo::core::kind
