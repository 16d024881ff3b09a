// `kind up` step by step on a fake world (fake_kind.h): a fresh up, and every failure the
// end-to-end test (tests/kind/kind_e2e_test.py) provokes, plus those it cannot: for each, the
// step that failed, the error's kind, the command recorded, the exact message users see,
// and what the state holds for `up` again and `down`.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/k8s/output.h"
#include "core/kind/decisions.h"
#include "core/kind/kind.h"
#include "core/kind/node_image.h"
#include "tests/core/kind/fake_kind.h"
#include "tests/test_util.h"

namespace bgpdemo::core::kind::test {

// The Kubernetes side the kind provider shares with kube (core/k8s/).
using namespace bgpdemo::core::k8s;  // NOLINT(google-build-using-namespace)
namespace {

const std::vector<std::string> kAllSteps{"preflight", "networks", "clusters", "image", "router",
                                         "render",    "cilium",   "nginx",    "lb",    "annotate",
                                         "bgp",       "routes",   "sessions"};

TEST_CASE("kind up: a fresh up runs every step, creates what is missing and records it") {
  TempDir dir;
  FakeKind w;
  w.UserNetwork("kind2");
  const auto state = dir.path() + "/state";
  auto run = RunUp(Options(w, state, MakeInstallDir(dir.path())));
  INFO(w.runner.Problems());
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(w.runner.Problems().empty());
  CHECK(run.StepNames() == kAllSteps);
  CHECK_FALSE(run.result->resumed);
  CHECK(run.result->sessions == 6);

  CHECK(Ran(w.runner, "docker network create") ==
        std::vector<std::string>{
            "docker network create --driver bridge --subnet 172.30.200.0/24 --opt "
            "com.docker.network.bridge.enable_ip_masquerade=true --attachable --label "
            "io.bgpdemo.owner=bgpdemo kind"});
  std::map<std::string, std::map<std::string, std::string>> creates;
  for (const auto& c : w.runner.Calls()) {
    if (c.argv.size() > 4 && c.argv[1] == "create" && c.argv[2] == "cluster")
      creates[c.argv[4]] = c.env_add;
  }
  CHECK(creates == std::map<std::string, std::map<std::string, std::string>>{
                       {"cilium", {{"KIND_EXPERIMENTAL_DOCKER_NETWORK", "kind"}}},
                       {"cilium2", {{"KIND_EXPERIMENTAL_DOCKER_NETWORK", "kind2"}}}});
  CHECK(Ran(w.runner, "docker build").size() == 1);
  CHECK(Ran(w.runner, "docker run").size() == 1);
  CHECK(Ran(w.runner, "docker network connect") ==
        std::vector<std::string>{"docker network connect kind2 bgpdemo-router"});

  auto st = ReadKindState(state);
  REQUIRE(st);
  CHECK(st->networks == std::vector<std::string>{"kind"});  // kind2 is the user's
  CHECK(st->clusters == std::vector<std::string>{"cilium", "cilium2"});
  CHECK(st->router_container);
  CHECK(st->image_built);
  CHECK(st->router_image == kImage);
  CHECK(st->subnets == std::map<std::string, std::string>{{"kind", "172.30.200.0/24"},
                                                          {"kind2", "172.30.201.0/24"}});
  CHECK(st->router_addresses ==
        std::map<std::string, std::string>{{"kind", "172.30.200.2"}, {"kind2", "172.30.201.2"}});
}

// One up on a fresh fake world with the user's network kind2, as the e2e test starts.
struct FreshUp {
  TempDir dir;
  FakeKind w;
  std::string state = dir.path() + "/state";
  std::string repo = MakeInstallDir(dir.path());
  KindUpOptions options = Options(w, state, repo);
  FreshUp() { w.UserNetwork("kind2"); }
  KindState State() const {
    auto st = ReadKindState(state);
    REQUIRE(st);
    return *st;
  }
};

std::vector<std::string> StepsUpTo(const std::string& last) {
  std::vector<std::string> out;
  for (const auto& s : kAllSteps) {
    out.push_back(s);
    if (s == last) break;
  }
  return out;
}

TEST_CASE(
    "kind up: kind create fails: the clusters step quotes kind, and both clusters are recorded") {
  FreshUp t;
  t.w.kind_create_fails = {"cilium"};
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.StepNames() == StepsUpTo("clusters"));
  CHECK(run.FailedStep() == "clusters");
  CHECK(run.error->kind() == ErrorKind::kCommand);
  const std::vector<std::string> argv{"kind",
                                      "create",
                                      "cluster",
                                      "--name",
                                      "cilium",
                                      "--config",
                                      t.state + "/files/cilium/kind.yaml",
                                      "--image",
                                      PinFor("1.14.0").image};
  const std::string said =
      "Creating cluster \"cilium\" ...\n"
      "ERROR: failed to create cluster: failed to pull image \"kindest/node:v1.27.3\"";
  REQUIRE(run.error->command());
  CHECK(*run.error->command() == CommandFailure{argv, 1, false, said});
  CHECK(run.error->message() ==
        fmt::format("`kind create cluster --name cilium --config {}/files/cilium/kind.yaml "
                    "--image {}` exited with 1:\n"
                    "  Creating cluster \"cilium\" ...\n"
                    "  ERROR: failed to create cluster: failed to pull image "
                    "\"kindest/node:v1.27.3\"\n"
                    "  hint: kind needs its node image ({}) and a working Docker; `kind create "
                    "cluster --image {}` alone shows the same error (--node-image picks another "
                    "image)",
                    t.state, PinFor("1.14.0").image, PinFor("1.14.0").image,
                    PinFor("1.14.0").image));
  CHECK(run.steps.back().detail == run.error->message());
  // Recorded: the network up made and both clusters (cilium2 was made; kind removes what it
  // failed to make, and down deleting it again is harmless).
  CHECK(t.State().networks == std::vector<std::string>{"kind"});
  CHECK(t.State().clusters == std::vector<std::string>{"cilium", "cilium2"});
  CHECK_FALSE(t.State().router_container);
  CHECK(t.w.runner.HasFact("cluster cilium2"));
  CHECK_FALSE(t.w.runner.HasFact("cluster cilium"));
  CHECK(Ran(t.w.runner, "docker image").empty());  // nothing after the step that failed
  CHECK(t.w.runner.Problems().empty());
}

TEST_CASE("kind up: a --router-image that does not exist is named, and nothing is built") {
  FreshUp t;
  t.options.router_image = "no-such-image:1";
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.StepNames() == StepsUpTo("image"));
  CHECK(run.FailedStep() == "image");
  CHECK(run.error->kind() == ErrorKind::kCommand);
  CHECK(*run.error->command() == CommandFailure{{"docker", "image", "inspect", "no-such-image:1"},
                                                1,
                                                false,
                                                "Error: No such image: no-such-image:1"});
  CHECK(run.error->message() ==
        "--router-image no-such-image:1: no such image here; build or load it first (docker "
        "images), or leave the flag out to build it");
  CHECK(Ran(t.w.runner, "docker build").empty());
  CHECK_FALSE(t.State().image_built);
  CHECK(t.w.runner.Problems().empty());
}

TEST_CASE("kind up: the router image fails to build: the image step quotes the build's error") {
  FreshUp t;
  t.w.build_fails = true;
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.StepNames() == StepsUpTo("image"));
  CHECK(run.FailedStep() == "image");
  CHECK(run.error->kind() == ErrorKind::kCommand);
  const auto context = t.state + "/files/router-image";
  const std::vector<std::string> argv{"docker", "build", "--force-rm", "-t", kImage, context};
  REQUIRE(run.error->command());
  CHECK(run.error->command()->argv == argv);
  CHECK(run.error->command()->exit_code == 1);
  CHECK(run.error->message() ==
        fmt::format("`docker build --force-rm -t bgpdemo-router:test {0}` exited with 1:\n"
                    "  #5 [1/1] COPY rootfs/ /\n"
                    "  #5 ERROR: failed to copy files: write /usr/local/bin/bgpdemo: no space "
                    "left on device\n"
                    "  hint: the context is {0}; `docker build {0}` alone shows the same error",
                    context));
  const auto builds = t.w.runner.Calls();
  const auto build = std::find_if(builds.begin(), builds.end(), [](const FakeCall& c) {
    return c.argv[0] == "docker" && c.argv[1] == "build";
  });
  REQUIRE(build != builds.end());
  CHECK(build->timeout == std::chrono::minutes(10));
  CHECK_FALSE(t.State().image_built);
  CHECK_FALSE(t.w.runner.HasFact(std::string("image ") + kImage));
}

TEST_CASE("kind up: the router image is made from the installed executable, no source tree") {
  FreshUp t;
  auto run = RunUp(t.options);
  REQUIRE_FALSE(run.error);
  CHECK(Ran(t.w.runner, "ldd ") == std::vector<std::string>{"ldd " + t.repo + "/bgpdemo"});
  const auto context = t.state + "/files/router-image";
  CHECK(Ran(t.w.runner, "docker build") ==
        std::vector<std::string>{"docker build --force-rm -t bgpdemo-router:test " + context});
  // The context the build was given: the executable, the library at the path ldd named.
  CHECK(bgpdemo::test::ReadText(context + "/rootfs/usr/local/bin/bgpdemo") == "an executable\n");
  CHECK(bgpdemo::test::ReadText(context + "/rootfs" + t.repo + "/lib/libfmt.so.9") ==
        "a library\n");
  CHECK(std::filesystem::is_directory(context + "/rootfs/run/bgpdemo"));
  CHECK(bgpdemo::test::ReadText(context + "/Dockerfile").find("FROM scratch\n") !=
        std::string::npos);
  CHECK(t.State().image_built);
}

TEST_CASE("kind up: an executable with a library ldd cannot find is an environment error") {
  FreshUp t;
  t.w.ldd_says =
      ("\tlibmnl.so.0 => not found\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x1)\n");
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "image");
  CHECK(run.error->kind() == ErrorKind::kEnvironment);
  CHECK(run.error->message() ==
        "bgpdemo needs libmnl.so.0, which ldd did not find here; install it (the package that "
        "bgpdemo's own package depends on), or give --router-image");
  CHECK(Ran(t.w.runner, "docker build").empty());
}

std::string HelmLine(const std::string& state, const std::string& cluster) {
  return fmt::format(
      "`helm upgrade --install cilium cilium/cilium --version 1.14.0 --namespace kube-system "
      "--kube-context kind-{1} -f {0}/files/{1}/cilium-values.yaml --wait --timeout 10m`",
      state, cluster);
}

std::string HelmHint(const std::string& cluster) {
  return fmt::format(
      "  hint: see the Cilium pods: kubectl --context kind-{} -n kube-system get pods -l "
      "k8s-app=cilium",
      cluster);
}

TEST_CASE("kind up: Helm times out: the cilium step quotes helm for every cluster") {
  FreshUp t;
  t.w.helm_fails = true;
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.StepNames() == StepsUpTo("cilium"));
  CHECK(run.FailedStep() == "cilium");
  CHECK(run.error->kind() == ErrorKind::kCommand);
  REQUIRE(run.error->command());
  CHECK(run.error->command()->argv ==
        std::vector<std::string>{
            "helm", "upgrade", "--install", "cilium", "cilium/cilium", "--version", "1.14.0",
            "--namespace", "kube-system", "--kube-context", "kind-cilium", "-f",
            t.state + "/files/cilium/cilium-values.yaml", "--wait", "--timeout", "10m"});
  CHECK(run.error->command()->stderr_tail ==
        "Error: UPGRADE FAILED: timed out waiting for the condition");
  const auto helm_said =
      "exited with 1:\n  Error: UPGRADE FAILED: timed out waiting for the condition\n";
  CHECK(run.error->message() == HelmLine(t.state, "cilium") + " " + helm_said + HelmHint("cilium") +
                                    "\n" + HelmLine(t.state, "cilium2") + " " + helm_said +
                                    HelmHint("cilium2"));
  CHECK(Ran(t.w.runner, "cilium status").empty());  // never after a failed helm
  CHECK(Ran(t.w.runner, "helm repo add").size() == 1);
}

TEST_CASE("kind up: a helm that hangs is killed after 15 minutes and said so") {
  FreshUp t;
  t.w.helm_hangs = true;
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "cilium");
  CHECK(run.error->kind() == ErrorKind::kCommand);
  CHECK(run.error->command()->timed_out);
  CHECK(run.error->command()->exit_code == 137);
  CHECK(run.error->message() ==
        HelmLine(t.state, "cilium") + " timed out after 900.0 s and was killed\n" +
            HelmHint("cilium") + "\n" + HelmLine(t.state, "cilium2") +
            " timed out after 900.0 s and was killed\n" + HelmHint("cilium2"));
}

TEST_CASE(
    "kind up: the LB IP never comes: the lb step says so after its timeout, polling twice a "
    "second") {
  FreshUp t;
  t.w.no_lb_ip = true;
  t.options.timeout = std::chrono::seconds(10);
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.StepNames() == StepsUpTo("lb"));
  CHECK(run.FailedStep() == "lb");
  CHECK(run.error->kind() == ErrorKind::kFailed);
  CHECK_FALSE(run.error->command());
  CHECK(run.error->message() ==
        "the LoadBalancer IP of service nginx in cluster cilium never came (10 s)\n"
        "  hint: kubectl --context kind-cilium get ciliumloadbalancerippools, and check Cilium "
        "runs");
  // Asked at 0, 0.5, ... 10.5 s of fake time: the last one is past the deadline.
  CHECK(Ran(t.w.runner, "kubectl --context kind-cilium get service nginx").size() == 22);
  CHECK(Ran(t.w.runner, "kubectl --context kind-cilium2 get service nginx").empty());
  CHECK(Ran(t.w.runner, "kubectl --context kind-cilium rollout status") ==
        std::vector<std::string>{
            "kubectl --context kind-cilium rollout status deployment/nginx --timeout=300s"});
}

TEST_CASE("kind up: sessions that never come up: the sessions step names each, both sides") {
  FreshUp t;
  t.w.sessions_down = true;
  t.options.timeout = std::chrono::seconds(5);
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.StepNames() == kAllSteps);
  CHECK(run.FailedStep() == "sessions");
  CHECK(run.error->kind() == ErrorKind::kFailed);
  std::string expected = "6 of 6 sessions are not Established after 5 s:";
  for (const char* c : {"cilium", "cilium2"}) {
    for (const auto& n : FakeKind::Nodes(c)) {
      expected += "\n  " + n + ": router sees active, node sees active";
    }
  }
  CHECK(run.error->message() == expected);
}

TEST_CASE("kind up: a missing tool stops preflight, before anything runs or is recorded") {
  FreshUp t;
  t.w.runner.RemoveProgram("kind");
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.StepNames() == std::vector<std::string>{"preflight"});
  CHECK(run.error->kind() == ErrorKind::kEnvironment);
  CHECK(run.error->message() ==
        "missing or unusable tools, nothing was created:\n"
        "  kind: not found in PATH (needs 0.20.0 or later; go install sigs.k8s.io/kind@v0.20.0, "
        "or a release binary: https://kind.sigs.k8s.io/docs/user/quick-start/#installation)");
  CHECK(t.w.runner.CommandLines() ==
        std::vector<std::string>{"docker version --format '{{.Server.Version}}'",
                                 "helm version --short", "kubectl version --client -o json",
                                 "cilium version --client", "docker info --format '{{json .}}'"});
  CHECK_FALSE(ReadKindState(t.state));
}

TEST_CASE("kind up: a network that cannot be made is not recorded as made") {
  FreshUp t;
  t.w.network_create_fails = {"kind"};
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "networks");
  CHECK(run.error->kind() == ErrorKind::kCommand);
  CHECK(run.error->command()->argv == NetworkCreateArgv({"kind", "172.30.200.0/24"}));
  CHECK(run.error->message() ==
        "`docker network create --driver bridge --subnet 172.30.200.0/24 --opt "
        "com.docker.network.bridge.enable_ip_masquerade=true --attachable --label "
        "io.bgpdemo.owner=bgpdemo kind` exited with 1:\n"
        "  Error response from daemon: Pool overlaps with other one on this address space\n"
        "  hint: another Docker network may use the subnet: docker network ls; change the "
        "scenario's subnet or remove that network");
  CHECK(t.State().networks.empty());
}

TEST_CASE("kind up: a network of the scenario's name with another subnet is in the way") {
  FreshUp t;
  t.w.subnets["kind2"] = "172.30.99.0/24";
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "networks");
  CHECK(run.error->kind() == ErrorKind::kEnvironment);
  CHECK(run.error->message() ==
        "Docker network kind2 exists with subnet 172.30.99.0/24 (gateway 172.30.99.1), the "
        "scenario pins 172.30.201.0/24: leave the subnet out of the scenario to use the network "
        "as it is, or remove the network first (`kind delete cluster --name C` for each cluster "
        "on it, then docker network rm kind2)");
  // Every network is checked before any is made.
  CHECK(Ran(t.w.runner, "docker network create").empty());
  CHECK(t.State().networks.empty());
}

TEST_CASE("kind up: a container named as the router that bgpdemo did not make is in the way") {
  FreshUp t;
  t.w.runner.SetFact("container bgpdemo-router");
  t.w.runner.SetFact("foreign container bgpdemo-router");
  auto run = RunUp(t.options);
  REQUIRE(run.error);
  CHECK(run.StepNames() == StepsUpTo("router"));
  CHECK(run.error->kind() == ErrorKind::kEnvironment);
  CHECK(run.error->message() ==
        "a container named bgpdemo-router exists that bgpdemo did not create; remove or rename "
        "it");
  CHECK_FALSE(t.State().router_container);
  CHECK(Ran(t.w.runner, "docker run").empty());
  CHECK(Ran(t.w.runner, "docker rm").empty());
}

TEST_CASE("kind up: a scenario that is not valid is an input error, before preflight") {
  FreshUp t;
  auto r =
      KindUp({"networks: [{name: kind, subnet: not-a-cidr}]\n", "bad.yaml", "bad"}, t.options, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().kind() == ErrorKind::kInput);
  CHECK(t.w.runner.Calls().empty());
}
}  // namespace
}  // namespace bgpdemo::core::kind::test
