// The node image tables (core/kind/node_image.h). Where each figure comes from:
//
// Tested Kubernetes per Cilium minor: Cilium's "Kubernetes Compatibility" page
// (Documentation/network/kubernetes/compatibility.rst; from 1.16 also
// .../requirements.rst), as rendered on docs.cilium.io for that release:
//   1.14  up to 1.27: the 1.14.0 release notes ("Add support for Kubernetes v1.27", #24837,
//         #25602) and cilium/cilium#26671 (compatibility section updated for 1.27, 2023-07)
//   1.15  1.26, 1.27, 1.28, 1.29: docs.cilium.io/en/stable/network/kubernetes/compatibility/
//         as crawled while 1.15 was stable (its schema table runs from v1.13.0)
//   1.16  1.27, 1.28, 1.29, 1.30: docs.cilium.io/en/v1.16/network/kubernetes/requirements/
//   1.17  not read: 1.29 to 1.32 is inferred from its neighbours (1.16 and 1.18) and the
//         Kubernetes releases current when 1.17.0 came out (2025-02); the pin, 1.31, lies in
//         that window and in 1.18's
//   1.18  1.30, 1.31, 1.32, 1.33: compatibility.rst at v1.18.14
//   1.19  1.32, 1.33, 1.34, 1.35: compatibility.rst at v1.19.3
//   1.20  not read: 1.33 to 1.36 is inferred as for 1.17; the pin, 1.35, is also in 1.19's
//         tested window
//
// Images and digests: each pinned image is the default node image of the kind release named
// in its row, read from kubernetes-sigs/kind pkg/apis/config/defaults/image.go at that
// release's tag (the same image@digest its release notes list under "Images pre-built for
// this release"). Built images are supported with their own kind release and best effort
// with others (https://kind.sigs.k8s.io/docs/design/node-image); every kind from v0.20 runs
// them the same way (cgroupns=private; sigs.k8s.io/cluster-api
// test/infrastructure/kind/mapper.go groups v0.20 and newer as one "mode").
#include "core/kind/node_image.h"

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <regex>

namespace bgpdemo::core::kind {

namespace {

using Version = std::array<int, 3>;

// The first MAJOR.MINOR.PATCH in the text ("kind v0.23.0 go1.22.1 linux/amd64"), or zeros.
Version ParseVersion(const std::string& text) {
  static const std::regex re(R"(v?(\d+)\.(\d+)\.(\d+))");
  std::smatch m;
  Version v{0, 0, 0};
  if (std::regex_search(text, m, re)) v = {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
  return v;
}

}  // namespace

const std::vector<NodeImagePin>& NodeImagePins() {
  static const std::vector<NodeImagePin> pins = {
      {14, "up to 1.27", "1.27.3",
       "kindest/"
       "node:v1.27.3@sha256:3966ac761ae0136263ffdb6cfd4db23ef8a83cba8a463690e98317add2c9ba72",
       "0.20.0"},
      {15, "1.26 to 1.29", "1.29.2",
       "kindest/"
       "node:v1.29.2@sha256:51a1434a5397193442f0be2a297b488b6c919ce8a3931be0ce822606ea5ca245",
       "0.22.0"},
      {16, "1.27 to 1.30", "1.30.0",
       "kindest/"
       "node:v1.30.0@sha256:047357ac0cfea04663786a612ba1eaba9702bef25227a794b52890dd8bcd692e",
       "0.23.0"},
      {17, "1.29 to 1.32 (inferred)", "1.31.0",
       "kindest/"
       "node:v1.31.0@sha256:53df588e04085fd41ae12de0c3fe4c72f7013bba32a20e7325357a1ac94ba865",
       "0.24.0"},
      {18, "1.30 to 1.33", "1.33.1",
       "kindest/"
       "node:v1.33.1@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f",
       "0.29.0"},
      {19, "1.32 to 1.35", "1.34.0",
       "kindest/"
       "node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a",
       "0.30.0"},
      {20, "1.33 to 1.36 (inferred)", "1.35.0",
       "kindest/"
       "node:v1.35.0@sha256:452d707d4862f52530247495d180205e029056831160e22870e37e3f6c1ac31f",
       "0.31.0"},
  };
  return pins;
}

// kubernetes-sigs/kind pkg/apis/config/defaults/image.go at each release tag.
const std::vector<KindDefaultImage>& KindDefaultImages() {
  static const std::vector<KindDefaultImage> rows = {
      {"0.20.0",
       "kindest/"
       "node:v1.27.3@sha256:3966ac761ae0136263ffdb6cfd4db23ef8a83cba8a463690e98317add2c9ba72",
       "1.27.3"},
      {"0.21.0",
       "kindest/"
       "node:v1.29.1@sha256:a0cc28af37cf39b019e2b448c54d1a3f789de32536cb5a5db61a49623e527144",
       "1.29.1"},
      {"0.22.0",
       "kindest/"
       "node:v1.29.2@sha256:51a1434a5397193442f0be2a297b488b6c919ce8a3931be0ce822606ea5ca245",
       "1.29.2"},
      {"0.23.0",
       "kindest/"
       "node:v1.30.0@sha256:047357ac0cfea04663786a612ba1eaba9702bef25227a794b52890dd8bcd692e",
       "1.30.0"},
      {"0.24.0",
       "kindest/"
       "node:v1.31.0@sha256:53df588e04085fd41ae12de0c3fe4c72f7013bba32a20e7325357a1ac94ba865",
       "1.31.0"},
      {"0.25.0",
       "kindest/"
       "node:v1.31.2@sha256:18fbefc20a7113353c7b75b5c869d7145a6abd6269154825872dc59c1329912e",
       "1.31.2"},
      {"0.26.0",
       "kindest/"
       "node:v1.32.0@sha256:c48c62eac5da28cdadcf560d1d8616cfa6783b58f0d94cf63ad1bf49600cb027",
       "1.32.0"},
      {"0.27.0",
       "kindest/"
       "node:v1.32.2@sha256:f226345927d7e348497136874b6d207e0b32cc52154ad8323129352923a3142f",
       "1.32.2"},
      {"0.28.0",
       "kindest/"
       "node:v1.33.1@sha256:8d866994839cd096b3590681c55a6fa4a071fdaf33be7b9660e5697d2ed13002",
       "1.33.1"},
      {"0.29.0",
       "kindest/"
       "node:v1.33.1@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f",
       "1.33.1"},
      {"0.30.0",
       "kindest/"
       "node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a",
       "1.34.0"},
      {"0.31.0",
       "kindest/"
       "node:v1.35.0@sha256:452d707d4862f52530247495d180205e029056831160e22870e37e3f6c1ac31f",
       "1.35.0"},
      {"0.32.0",
       "kindest/"
       "node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5",
       "1.36.1"},
  };
  return rows;
}

NodeImagePin PinFor(const std::string& cilium_version) {
  const auto v = ParseVersion(cilium_version);
  const auto& pins = NodeImagePins();
  if (v[0] > 1 || (v[0] == 1 && v[1] > pins.back().cilium_minor)) return pins.back();
  for (const auto& p : pins) {
    if (v[0] == 1 && v[1] == p.cilium_minor) return p;
  }
  return pins.front();
}

NodeImageChoice ChooseNodeImage(const std::string& cilium_version, const std::string& flag) {
  NodeImageChoice c;
  c.pin = PinFor(cilium_version);
  c.pinned = flag.empty();
  c.image = flag.empty() ? c.pin.image : flag;
  return c;
}

std::optional<KindDefaultImage> KindDefaultFor(const std::string& kind_version) {
  const auto v = ParseVersion(kind_version);
  std::optional<KindDefaultImage> found;
  for (const auto& row : KindDefaultImages()) {
    if (ParseVersion(row.kind_release) <= v) found = row;
  }
  return found;
}

std::string NodeImageSkewWarning(const NodeImageChoice& choice, const std::string& kind_version) {
  if (!choice.pinned || kind_version.empty()) return "";
  const auto have = ParseVersion(kind_version);
  if (have == Version{0, 0, 0} || have >= ParseVersion(choice.pin.kind_release)) return "";
  return fmt::format(
      "the node image pinned for Cilium 1.{} ({}) was built for kind v{} and this kind is "
      "v{}.{}.{} "
      "(kind supports its own release's images, others best effort): install kind v{} (go install "
      "sigs.k8s.io/kind@v{}), or give --node-image with an image from your kind's release notes",
      choice.pin.cilium_minor, choice.pin.image.substr(0, choice.pin.image.find('@')),
      choice.pin.kind_release, have[0], have[1], have[2], choice.pin.kind_release,
      choice.pin.kind_release);
}

}  // namespace bgpdemo::core::kind
