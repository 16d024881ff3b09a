// The long steps of `kind up` (issue #11, behaviours 4, 6 and 7) on the fake world
// (fake_kind.h, fake_kube.h) and its fake clock: progress at least every 10 s naming the
// pods awaited while helm --wait and the rollout block; Cilium's CRDs waited for and the
// apply retried on kubectl's "no matches for kind"; a Helm release an interrupted Helm
// left pending, rolled back or reinstalled; images preloaded with kind load docker-image.
// Each behaviour also has its failure-and-resume case: the failure's message, then an up
// that completes.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/k8s/crds.h"
#include "core/k8s/helm_release.h"
#include "core/k8s/output.h"
#include "core/k8s/waits.h"
#include "core/kind/kind.h"
#include "core/kind/preload.h"
#include "tests/core/kind/fake_kind.h"

namespace bgpdemo::core::kind::test {

// The Kubernetes side the kind provider shares with kube (core/k8s/).
using namespace bgpdemo::core::k8s;  // NOLINT(google-build-using-namespace)
namespace {

struct World {
  TempDir dir;
  FakeKind w;
  std::string state = dir.path() + "/state";
  KindUpOptions options = Options(w, state, MakeInstallDir(dir.path()));
};

std::vector<StepEvent> Progress(const UpRun& run, const std::string& step) {
  std::vector<StepEvent> out;
  for (const auto& e : run.steps) {
    if (e.progress && e.step == step) out.push_back(e);
  }
  return out;
}

// The end events only (what StepNames() of fake_kind.h lists includes progress events).
std::vector<std::string> Ends(const UpRun& run) {
  std::vector<std::string> out;
  for (const auto& e : run.steps) {
    if (!e.progress) out.push_back(e.step);
  }
  return out;
}

const StepEvent* End(const UpRun& run, const std::string& step) {
  for (const auto& e : run.steps) {
    if (!e.progress && e.step == step) return &e;
  }
  return nullptr;
}

// ---- pods and progress ----------------------------------------------------------------

TEST_CASE("waits: pods not ready and why, from kubectl get pods -o json") {
  const auto list = nlohmann::json::parse(R"({"kind": "List", "items": [
    {"metadata": {"name": "cilium-x7k2p"}, "spec": {"nodeName": "cilium-worker"},
     "status": {"phase": "Pending", "containerStatuses": [{"name": "cilium-agent",
       "image": "quay.io/cilium/cilium:v1.14.0", "ready": false,
       "state": {"waiting": {"reason": "ContainerCreating"}}}]}},
    {"metadata": {"name": "cilium-b9q4m"}, "spec": {"nodeName": "cilium-worker2"},
     "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
       "containerStatuses": [{"name": "cilium-agent", "ready": false, "restartCount": 4,
         "state": {"waiting": {"reason": "CrashLoopBackOff",
           "message": "back-off 1m20s restarting failed container"}}}]}},
    {"metadata": {"name": "nginx-1"}, "spec": {},
     "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
       "reason": "Unschedulable", "message": "0/3 nodes are available"}]}},
    {"metadata": {"name": "cilium-h3n8v"}, "spec": {"nodeName": "cilium-control-plane"},
     "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
    {"metadata": {"name": "job-1"}, "status": {"phase": "Succeeded"}}]})");
  const auto pods = PodsNotReady(list);
  CHECK(pods.total == 4);
  REQUIRE(pods.waiting.size() == 3);
  CHECK(DescribePods(pods) ==
        "3 of 4 pods not ready: cilium-x7k2p ContainerCreating (image "
        "quay.io/cilium/cilium:v1.14.0) on cilium-worker, cilium-b9q4m CrashLoopBackOff "
        "(back-off 1m20s restarting failed container) on cilium-worker2, nginx-1 Pending "
        "(Unschedulable: 0/3 nodes are available)");
  CHECK(DescribePods(pods, 1).ends_with("on cilium-worker, 2 more"));
  CHECK(DescribePods(PodsNotReady(nlohmann::json::parse(R"({"items": []})"))) == "0 pods ready");
}

TEST_CASE("waits: GoDuration gives helm and cilium a duration they read") {
  CHECK(GoDuration(std::chrono::seconds(600)) == "10m");
  CHECK(GoDuration(std::chrono::seconds(90)) == "90s");
}

TEST_CASE(
    "kind up: while helm --wait runs 40 s and images pull, progress every 5 s names the pods") {
  World t;
  t.w.kube.helm_takes = std::chrono::seconds(40);
  t.w.kube.pull_time = std::chrono::seconds(20);
  auto run = RunUp(t.options);
  INFO(t.w.runner.Problems());
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(t.w.runner.Problems().empty());
  const auto cilium = Progress(run, "cilium");
  REQUIRE(cilium.size() >= 7);  // 40 s at one report every 5 s
  double last = 0;
  for (const auto& e : cilium) {
    CHECK(e.ok);
    CHECK(e.seconds - last <= 10.0);
    last = e.seconds;
  }
  // The first ones: helm is awaited, the agents pull their image on every node.
  CHECK(cilium.front().seconds == doctest::Approx(5.0));
  CHECK(cilium.front().detail ==
        "waiting for cilium: helm upgrade --install --wait, cilium2: helm upgrade --install "
        "--wait; cilium 4 of 4 pods not ready: cilium-x7k2p ContainerCreating (image "
        "quay.io/cilium/cilium:v1.14.0) on cilium-control-plane, cilium-b9q4m ContainerCreating "
        "(image quay.io/cilium/cilium:v1.14.0) on cilium-worker, cilium-h3n8v ContainerCreating "
        "(image quay.io/cilium/cilium:v1.14.0) on cilium-worker2, 1 more; cilium2 4 of 4 pods "
        "not ready: cilium-x7k2p ContainerCreating (image quay.io/cilium/cilium:v1.14.0) on "
        "cilium2-control-plane, cilium-b9q4m ContainerCreating (image "
        "quay.io/cilium/cilium:v1.14.0) on cilium2-worker, cilium-h3n8v ContainerCreating "
        "(image quay.io/cilium/cilium:v1.14.0) on cilium2-worker2, 1 more");
  // Past the pulls, helm is still awaited with every pod ready.
  CHECK(cilium.back().detail ==
        "waiting for cilium: helm upgrade --install --wait, cilium2: helm upgrade --install "
        "--wait; cilium 4 pods ready; cilium2 4 pods ready");
  // The rollout waits for the pulls too, and says so.
  const auto nginx = Progress(run, "nginx");
  REQUIRE(nginx.size() >= 3);
  CHECK(nginx.front().detail.find("nginx-7c5ddbdf54-4kq2z ContainerCreating (image "
                                  "nginx:latest) on cilium-worker") != std::string::npos);
  CHECK(nginx.front().detail.starts_with(
      "waiting for cilium: kubectl rollout status deployment/nginx"));
  // The step's end is still one event, after its progress.
  CHECK(Ends(run) == std::vector<std::string>{"preflight", "networks", "clusters", "image",
                                              "router", "render", "cilium", "nginx", "lb",
                                              "annotate", "bgp", "routes", "sessions"});
}

TEST_CASE(
    "kind up: a rollout that times out while images pull: progress, then kubectl quoted, and the "
    "next up completes") {
  World t;
  t.w.kube.pull_time = std::chrono::seconds(30);
  t.w.kube.rollout_fails = true;
  t.options.rollout_timeout = std::chrono::seconds(30);
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "nginx");
  CHECK(run.error->kind() == ErrorKind::kCommand);
  CHECK(run.error->message().starts_with(
      "`kubectl --context kind-cilium rollout status deployment/nginx --timeout=30s` exited with "
      "1:\n  error: timed out waiting for the condition\n  hint: kubectl --context kind-cilium "
      "get pods shows why (image pull, scheduling)\n"));
  const auto nginx = Progress(run, "nginx");
  REQUIRE(nginx.size() >= 5);
  CHECK(nginx.front().detail.find("nginx-7c5ddbdf54-4kq2z ContainerCreating (image "
                                  "nginx:latest) on cilium-worker") != std::string::npos);
  CHECK(nginx.front().seconds == doctest::Approx(5.0));
  t.w.kube.rollout_fails = false;
  t.w.kube.pull_time = std::chrono::seconds(0);
  auto again = RunUp(t.options);
  REQUIRE_MESSAGE(again.result, (again.error ? again.error->message() : ""));
  CHECK(again.result->resumed);
}

TEST_CASE("kind up: a helm that returns at once reports no progress") {
  World t;
  auto run = RunUp(t.options);
  REQUIRE(run.result);
  CHECK(Progress(run, "cilium").empty());
  CHECK(Ran(t.w.runner, "kubectl --context kind-cilium -n kube-system get pods").empty());
}

TEST_CASE("kind up: every wait takes its own timeout from the options") {
  World t;
  t.options.helm_timeout = std::chrono::seconds(900);
  t.options.cilium_timeout = std::chrono::seconds(90);
  t.options.rollout_timeout = std::chrono::seconds(45);
  t.options.crd_timeout = std::chrono::seconds(30);
  auto run = RunUp(t.options);
  REQUIRE(run.result);
  const auto helm = Ran(t.w.runner, "helm upgrade --install cilium cilium/cilium");
  REQUIRE(helm.size() == 2);
  CHECK(helm[0].ends_with("--wait --timeout 15m"));
  auto status = Ran(t.w.runner, "cilium status --wait --wait-duration 90s --context kind-");
  std::sort(status.begin(), status.end());  // the clusters' jobs run in parallel
  CHECK(status == std::vector<std::string>{
                      "cilium status --wait --wait-duration 90s --context kind-cilium",
                      "cilium status --wait --wait-duration 90s --context kind-cilium2"});
  CHECK(Ran(t.w.runner, "kubectl --context kind-cilium rollout status") ==
        std::vector<std::string>{
            "kubectl --context kind-cilium rollout status deployment/nginx --timeout=45s"});
  CHECK(Ran(t.w.runner,
            "kubectl --context kind-cilium wait --for condition=established "
            "--timeout=30s crd/ciliumloadbalancerippools.cilium.io")
            .size() == 1);
  for (const auto& c : t.w.runner.Calls()) {
    if (c.argv[0] == "helm" && c.argv[1] == "upgrade") {
      CHECK(c.timeout == std::chrono::minutes(20));  // helm's own, plus 5 minutes
    }
  }
}

// ---- preload --------------------------------------------------------------------------

TEST_CASE("preload: the images Docker has are loaded, the others pulled, none when off") {
  const auto images = CiliumImages("1.14.0");
  CHECK(images == std::vector<std::string>{"quay.io/cilium/cilium:v1.14.0",
                                           "quay.io/cilium/operator-generic:v1.14.0"});
  auto plan = PlanPreload(true, images, {"quay.io/cilium/cilium:v1.14.0"});
  CHECK(plan.load == std::vector<std::string>{"quay.io/cilium/cilium:v1.14.0"});
  CHECK(plan.pulled == std::vector<std::string>{"quay.io/cilium/operator-generic:v1.14.0"});
  CHECK(DescribePreload(plan) ==
        "preloaded quay.io/cilium/cilium:v1.14.0 (kind load docker-image); pulled by the nodes "
        "(not in the local Docker): quay.io/cilium/operator-generic:v1.14.0");
  plan = PlanPreload(false, images, {"quay.io/cilium/cilium:v1.14.0"});
  CHECK(plan.load.empty());
  CHECK(DescribePreload(plan) ==
        "preload off, pulled by the nodes: quay.io/cilium/cilium:v1.14.0, "
        "quay.io/cilium/operator-generic:v1.14.0");
}

TEST_CASE("kind up: images in the local Docker are loaded into each cluster, and Helm told") {
  World t;
  for (const auto& image : CiliumImages("1.14.0")) t.w.runner.SetFact("image " + image);
  t.w.runner.SetFact(std::string("image ") + kNginxImage);
  auto run = RunUp(t.options);
  REQUIRE(run.result);
  auto loads = Ran(t.w.runner, "kind load docker-image");
  std::sort(loads.begin(), loads.end());  // the clusters' jobs run in parallel
  CHECK(loads ==
        std::vector<std::string>{"kind load docker-image nginx:latest --name cilium",
                                 "kind load docker-image nginx:latest --name cilium2",
                                 "kind load docker-image quay.io/cilium/cilium:v1.14.0 "
                                 "quay.io/cilium/operator-generic:v1.14.0 --name cilium",
                                 "kind load docker-image quay.io/cilium/cilium:v1.14.0 "
                                 "quay.io/cilium/operator-generic:v1.14.0 --name cilium2"});
  for (const auto& line : Ran(t.w.runner, "helm upgrade")) {
    CHECK(line.ends_with("--set image.useDigest=false --set operator.image.useDigest=false"));
  }
  REQUIRE(End(run, "cilium"));
  CHECK(End(run, "cilium")->detail ==
        "Cilium 1.14.0 ready in 2 clusters; preloaded quay.io/cilium/cilium:v1.14.0, "
        "quay.io/cilium/operator-generic:v1.14.0 (kind load docker-image)");
  CHECK(End(run, "nginx")->detail ==
        "nginx rolled out in 2 clusters; preloaded nginx:latest (kind load docker-image)");
}

TEST_CASE("kind up --no-preload: nothing loaded, the nodes pull, the line says so") {
  World t;
  for (const auto& image : CiliumImages("1.14.0")) t.w.runner.SetFact("image " + image);
  t.options.preload = false;
  auto run = RunUp(t.options);
  REQUIRE(run.result);
  CHECK(Ran(t.w.runner, "kind load").empty());
  CHECK(Ran(t.w.runner, "docker image inspect quay.io").empty());
  for (const auto& line : Ran(t.w.runner, "helm upgrade")) CHECK(line.ends_with("--timeout 10m"));
  CHECK(End(run, "cilium")->detail ==
        "Cilium 1.14.0 ready in 2 clusters; preload off, pulled by the nodes: "
        "quay.io/cilium/cilium:v1.14.0, quay.io/cilium/operator-generic:v1.14.0");
}

// ---- CRDs -----------------------------------------------------------------------------

TEST_CASE("crds: the CRDs a manifest needs, and kubectl's answers") {
  auto crds = CrdsOf(
      "apiVersion: cilium.io/v2alpha1\nkind: CiliumBGPPeeringPolicy\nmetadata: {name: a}\n---\n"
      "apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\n---\n"
      "apiVersion: cilium.io/v2alpha1\nkind: CiliumBGPPeeringPolicy\n---\n"
      "apiVersion: apps/v1\nkind: Deployment\n---\napiVersion: v1\nkind: Service\n---\n"
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n");
  REQUIRE(crds);
  CHECK(*crds == std::vector<std::string>{"ciliumbgppeeringpolicies.cilium.io",
                                          "ciliumloadbalancerippools.cilium.io"});
  CHECK(CrdName("CiliumBGPClusterConfig", "cilium.io") == "ciliumbgpclusterconfigs.cilium.io");
  CHECK(CrdName("CiliumBGPAdvertisement", "cilium.io") == "ciliumbgpadvertisements.cilium.io");
  CHECK_FALSE(CrdsOf("a: [").has_value());
  ProcessResult r;
  r.exit_code = 1;
  r.err = KubeFake::NoKindMessage("/x/lb-ippool.yaml", "CiliumLoadBalancerIPPool");
  CHECK(KubectlSaysNoKind(r));
  CHECK_FALSE(KubectlSaysNotFound(r));
  r.err =
      "Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "
      "\"ciliumloadbalancerippools.cilium.io\" not found\n";
  CHECK(KubectlSaysNotFound(r));
  CHECK_FALSE(KubectlSaysNoKind(r));
}

TEST_CASE("kind up: CRDs registered 7 s after Helm: the pool waits for them, then applies once") {
  World t;
  t.w.kube.crd_delay = std::chrono::seconds(7);
  auto run = RunUp(t.options);
  INFO(t.w.runner.Problems());
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  const auto waits = Ran(t.w.runner, "kubectl --context kind-cilium wait");
  // NotFound at first, retried every 2 s until the CRD is there.
  CHECK(waits.size() >= 2);
  CHECK(waits.front() ==
        "kubectl --context kind-cilium wait --for condition=established --timeout=120s "
        "crd/ciliumloadbalancerippools.cilium.io");
  CHECK(Ran(t.w.runner,
            "kubectl --context kind-cilium apply -f " + t.state + "/files/cilium/lb-ippool.yaml")
            .size() == 1);
  CHECK(Ran(t.w.runner,
            "kubectl --context kind-cilium wait --for condition=established "
            "--timeout=120s crd/ciliumbgppeeringpolicies.cilium.io")
            .size() == 1);
}

TEST_CASE("kind up: kubectl apply says \"no matches for kind\" twice: retried, and the line says") {
  World t;
  t.w.kube.apply_no_kind = 2;  // the first two applies of a custom resource: the pool
  auto run = RunUp(t.options);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(Ran(t.w.runner,
            "kubectl --context kind-cilium apply -f " + t.state + "/files/cilium/lb-ippool.yaml")
            .size() == 3);
}

TEST_CASE("kind up: CRDs that never come: the lb step names the CRD, and the next up completes") {
  World t;
  t.w.kube.crds_never = true;
  t.options.crd_timeout = std::chrono::seconds(10);
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "lb");
  CHECK(run.error->kind() == ErrorKind::kFailed);
  CHECK(run.error->message() ==
        "the CRD ciliumloadbalancerippools.cilium.io is not registered in kind-cilium after 10 "
        "s, so " +
            t.state +
            "/files/cilium/lb-ippool.yaml cannot be applied\n  hint: Cilium's operator registers "
            "its CRDs when it starts: kubectl --context kind-cilium get crd; kubectl --context "
            "kind-cilium -n kube-system get pods -l name=cilium-operator");
  // Every 2 s for 10 s, then once past the deadline.
  CHECK(Ran(t.w.runner, "kubectl --context kind-cilium wait").size() == 6);
  t.w.kube.crds_never = false;
  auto again = RunUp(t.options);
  REQUIRE_MESSAGE(again.result, (again.error ? again.error->message() : ""));
  CHECK(again.result->resumed);
}

TEST_CASE(
    "kind up: apply fails with \"no matches for kind\" past the timeout: kubectl quoted, and "
    "the next up completes") {
  World t;
  t.w.kube.apply_no_kind = 100;
  t.options.crd_timeout = std::chrono::seconds(4);
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "lb");
  CHECK(run.error->kind() == ErrorKind::kCommand);
  const auto path = t.state + "/files/cilium/lb-ippool.yaml";
  CHECK(run.error->message().starts_with("`kubectl --context kind-cilium apply -f " + path +
                                         "` exited with 1:\n  error: resource mapping not found "
                                         "for name: \"lb-pool\" namespace: \"\" from \"" +
                                         path + "\": no matches for kind"));
  t.w.kube.apply_no_kind = 0;
  auto again = RunUp(t.options);
  REQUIRE_MESSAGE(again.result, (again.error ? again.error->message() : ""));
}

// ---- an interrupted Helm --------------------------------------------------------------

TEST_CASE("helm release: helm list -o json, and what each status needs") {
  auto list = ParseHelmList(
      R"([{"name":"cilium","namespace":"kube-system","revision":"3","updated":"2023-08-01 10:00:00 +0000 UTC","status":"pending-upgrade","chart":"cilium-1.14.0","app_version":"1.14.0"}])");
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK(list->front().revision == 3);
  CHECK(list->front().status == "pending-upgrade");
  CHECK_FALSE(ParseHelmList("Error: Kubernetes cluster unreachable").has_value());
  CHECK(RecoveryFor("pending-install") == ReleaseRecovery::kReinstall);
  CHECK(RecoveryFor("pending-upgrade") == ReleaseRecovery::kRollback);
  CHECK(RecoveryFor("pending-rollback") == ReleaseRecovery::kRollback);
  CHECK(RecoveryFor("deployed") == ReleaseRecovery::kNone);
  CHECK(RecoveryFor("failed") == ReleaseRecovery::kNone);
}

TEST_CASE(
    "kind up: a release left pending-upgrade is rolled back, then upgraded, as the line says") {
  World t;
  t.w.kube.release_status["cilium"] = "pending-upgrade";
  t.w.kube.release_revision["cilium"] = 2;
  auto run = RunUp(t.options);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(Ran(t.w.runner, "helm rollback") ==
        std::vector<std::string>{
            "helm rollback cilium --namespace kube-system --kube-context kind-cilium"});
  CHECK(Ran(t.w.runner, "helm uninstall").empty());
  CHECK(End(run, "cilium")
            ->detail.starts_with(
                "Cilium 1.14.0 ready in 2 clusters; cilium: release cilium was pending-upgrade at "
                "revision 2 (an interrupted helm): rolled back, upgrading again; "));
  CHECK(t.w.kube.release_status["cilium"] == "deployed");
}

TEST_CASE(
    "kind up: a release left pending-install is uninstalled, then installed, as the line says") {
  World t;
  t.w.kube.release_status["cilium2"] = "pending-install";
  t.w.kube.release_revision["cilium2"] = 1;
  auto run = RunUp(t.options);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(Ran(t.w.runner, "helm uninstall") ==
        std::vector<std::string>{
            "helm uninstall cilium --namespace kube-system --kube-context kind-cilium2"});
  CHECK(Ran(t.w.runner, "helm rollback").empty());
  CHECK(End(run, "cilium")
            ->detail.find(
                "cilium2: release cilium was pending-install (an interrupted helm): uninstalled, "
                "installing again") != std::string::npos);
}

TEST_CASE("kind up: helm killed mid-install leaves pending-install, and the next up reinstalls") {
  World t;
  t.w.helm_hangs = true;
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "cilium");
  CHECK(run.error->message().find("timed out after 900.0 s and was killed") != std::string::npos);
  CHECK(t.w.kube.release_status["cilium"] == "pending-install");
  // Without the recovery, Helm would refuse: the fake answers as Helm 3.12 does.
  t.w.helm_hangs = false;
  auto again = RunUp(t.options);
  REQUIRE_MESSAGE(again.result, (again.error ? again.error->message() : ""));
  CHECK(Ran(t.w.runner, "helm uninstall").size() == 2);
  CHECK(t.w.kube.release_status["cilium"] == "deployed");
  CHECK(t.w.kube.release_status["cilium2"] == "deployed");
}

TEST_CASE("kind up: Helm's refusal is what a pending release gives without the recovery") {
  // The fake's Helm refuses as the real one does; RecoverRelease is what avoids it.
  FakeRunner runner;
  KubeFake kube;
  const bool no = false;
  kube.Script(runner, no, no);
  kube.release_status["cilium"] = "pending-upgrade";
  auto r = runner.Run(
      {"helm", "upgrade", "--install", "cilium", "cilium/cilium", "--kube-context", "kind-cilium"});
  REQUIRE(r);
  CHECK(r->exit_code == 1);
  CHECK(r->err ==
        "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n");
}

}  // namespace
}  // namespace bgpdemo::core::kind::test
