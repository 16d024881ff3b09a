// Which Kubernetes the kind nodes run (issue #11, "Kubernetes version skew"). kind's default
// node image depends on the kind release (v0.20: Kubernetes 1.27.3, v0.23: 1.30.0, ...),
// and a Cilium release is e2e tested on a window of Kubernetes minors only, so `up` pins the
// node image per Cilium version and passes it to `kind create cluster --image`; `--node-image`
// overrides the pin. Two tables, each row citing where its figures come from (node_image.cpp):
//
//   Cilium minor -> the Kubernetes minors it is tested on -> the pinned kindest/node image
//                   (with its sha256 digest, as kind's release notes list it) and the kind
//                   release it was built for
//   kind release -> its default node image
//
// Pure lookups; tests/core/kind/node_image_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bgpdemo::core::kind {

// One row of the pin table.
struct NodeImagePin {
  int cilium_minor = 0;           // 1.<minor>
  std::string tested_kubernetes;  // "1.26 to 1.29": Cilium's "Kubernetes Compatibility" page
  std::string kubernetes;         // "1.27.3": the Kubernetes the pinned image runs
  std::string image;              // "kindest/node:v1.27.3@sha256:..."
  std::string kind_release;       // "0.20.0": the kind release whose notes list the image
};

// The whole table, oldest Cilium first.
const std::vector<NodeImagePin>& NodeImagePins();

// The pin for a Cilium version ("1.14.0"): its minor's row; a version newer than the table
// gets the newest row, older the oldest (the scenario validator bounds the version anyway).
NodeImagePin PinFor(const std::string& cilium_version);

// The node image up uses: --node-image when given, else the pin.
struct NodeImageChoice {
  std::string image;
  bool pinned = true;  // false: --node-image
  NodeImagePin pin;    // the pin for the scenario's Cilium (shown even when overridden)
};
NodeImageChoice ChooseNodeImage(const std::string& cilium_version, const std::string& flag);

// kind's default node image for a kind version ("kind v0.23.0 go1.22 ..." or "0.23.0"):
// the row of the newest release not newer than it; nullopt when older than every row.
struct KindDefaultImage {
  std::string kind_release;  // "0.23.0"
  std::string image;         // "kindest/node:v1.30.0@sha256:..."
  std::string kubernetes;    // "1.30.0"
};
std::optional<KindDefaultImage> KindDefaultFor(const std::string& kind_version);
const std::vector<KindDefaultImage>& KindDefaultImages();

// A warning when the kind in use is older than the release the pinned image was built for
// (kind supports the images of its own release, others best effort:
// https://kind.sigs.k8s.io/docs/design/node-image); empty when there is nothing to say.
std::string NodeImageSkewWarning(const NodeImageChoice& choice, const std::string& kind_version);

}  // namespace bgpdemo::core::kind
