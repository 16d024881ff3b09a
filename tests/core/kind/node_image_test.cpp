// The node image pin per Cilium version, kind's default per kind release, --node-image, and
// what up passes to `kind create cluster --image` (core/kind/node_image.h).
#include "core/kind/node_image.h"

#include <doctest/doctest.h>

#include "core/kind/kind.h"
#include "tests/core/kind/fake_kind.h"

namespace bgpdemo::core::kind::test {
namespace {

TEST_CASE("node image: each Cilium minor has its pin, tested on that Kubernetes") {
  CHECK(PinFor("1.14.0").image ==
        "kindest/"
        "node:v1.27.3@sha256:3966ac761ae0136263ffdb6cfd4db23ef8a83cba8a463690e98317add2c9ba72");
  CHECK(PinFor("1.14.0").kind_release == "0.20.0");
  CHECK(PinFor("1.15.4").kubernetes == "1.29.2");
  CHECK(PinFor("1.16.1").kubernetes == "1.30.0");
  CHECK(PinFor("1.18.3").kubernetes == "1.33.1");
  CHECK(PinFor("1.19.0").image ==
        "kindest/"
        "node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a");
  // Beyond the table: the nearest row.
  CHECK(PinFor("1.21.0").cilium_minor == 20);
  CHECK(PinFor("1.13.0").cilium_minor == 14);
  // Every pin carries a digest, and its Kubernetes is the image's tag.
  for (const auto& p : NodeImagePins()) {
    CAPTURE(p.cilium_minor);
    CHECK(p.image.starts_with("kindest/node:v" + p.kubernetes + "@sha256:"));
    CHECK(p.image.size() ==
          std::string("kindest/node:v@sha256:").size() + p.kubernetes.size() + 64);
  }
}

TEST_CASE("node image: --node-image overrides the pin, which is still reported") {
  const auto c = ChooseNodeImage("1.14.0", "kindest/node:v1.26.6");
  CHECK(c.image == "kindest/node:v1.26.6");
  CHECK_FALSE(c.pinned);
  CHECK(c.pin.kubernetes == "1.27.3");
  const auto p = ChooseNodeImage("1.16.0", "");
  CHECK(p.pinned);
  CHECK(p.image == PinFor("1.16.0").image);
}

TEST_CASE("node image: kind's default depends on its release") {
  CHECK(KindDefaultFor("kind v0.20.0 go1.20.4 linux/amd64")->kubernetes == "1.27.3");
  CHECK(KindDefaultFor("0.23.0")->image ==
        "kindest/"
        "node:v1.30.0@sha256:047357ac0cfea04663786a612ba1eaba9702bef25227a794b52890dd8bcd692e");
  CHECK(KindDefaultFor("0.25.1")->kind_release == "0.25.0");  // a patch release: its minor's
  CHECK(KindDefaultFor("0.40.0")->kind_release == "0.32.0");
  CHECK_FALSE(KindDefaultFor("0.19.0").has_value());
}

TEST_CASE("node image: a kind older than the pin's release is warned about, with the fix") {
  const auto c = ChooseNodeImage("1.19.0", "");
  CHECK(NodeImageSkewWarning(c, "0.20.0") ==
        "the node image pinned for Cilium 1.19 (kindest/node:v1.34.0) was built for kind v0.30.0 "
        "and this kind is v0.20.0 (kind supports its own release's images, others best effort): "
        "install kind v0.30.0 (go install sigs.k8s.io/kind@v0.30.0), or give --node-image with "
        "an image from your kind's release notes");
  CHECK(NodeImageSkewWarning(c, "0.30.0").empty());
  CHECK(NodeImageSkewWarning(ChooseNodeImage("1.19.0", "my/node:1"), "0.20.0").empty());
}

TEST_CASE("kind up: the clusters get the pinned image, or --node-image") {
  TempDir dir;
  FakeKind w;
  auto o = Options(w, dir.path() + "/state", MakeInstallDir(dir.path()));
  auto run = RunUp(o);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  const auto creates = Ran(w.runner, "kind create cluster");
  REQUIRE(creates.size() == 2);
  for (const auto& line : creates) CHECK(line.ends_with("--image " + PinFor("1.14.0").image));
  CHECK(run.steps.front().detail.find("node image kindest/node:v1.27.3 (pinned for Cilium 1.14, "
                                      "tested on Kubernetes up to 1.27)") != std::string::npos);

  TempDir dir2;
  FakeKind w2;
  auto o2 = Options(w2, dir2.path() + "/state", MakeInstallDir(dir2.path()));
  o2.node_image = "kindest/node:v1.26.6";
  run = RunUp(o2);
  REQUIRE(run.result);
  for (const auto& line : Ran(w2.runner, "kind create cluster")) {
    CHECK(line.ends_with("--image kindest/node:v1.26.6"));
  }
  CHECK(run.steps.front().detail.find("node image kindest/node:v1.26.6 (--node-image; the pin for "
                                      "Cilium 1.14 is Kubernetes 1.27.3)") != std::string::npos);
}

TEST_CASE(
    "kind up: a node image that cannot be pulled names it and --node-image, up again "
    "completes") {
  TempDir dir;
  FakeKind w;
  auto o = Options(w, dir.path() + "/state", MakeInstallDir(dir.path()));
  w.kind_create_fails = {"cilium"};
  auto run = RunUp(o);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "clusters");
  CHECK(run.error->message().find("hint: kind needs its node image (" + PinFor("1.14.0").image +
                                  ")") != std::string::npos);
  CHECK(run.error->message().find("--node-image picks another image") != std::string::npos);
  w.kind_create_fails.clear();
  run = RunUp(o);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(run.result->resumed);
  CHECK(w.runner.Problems().empty());
}

}  // namespace
}  // namespace bgpdemo::core::kind::test
