// Preflight's host checks (each finding with the command that fixes it), the version probes'
// bound (a `cilium version` that hangs), and doctor's report (core/kind/preflight.h,
// host_limits.h), on FakeKind (fake_kind.h) and FakeHostFacts (fake_host.h).
#include "core/kind/preflight.h"

#include <doctest/doctest.h>

#include "core/k8s/output.h"
#include "core/kind/kind.h"
#include "tests/core/kind/fake_kind.h"

namespace bgpdemo::core::kind::test {

// The Kubernetes side the kind provider shares with kube (core/k8s/).
using namespace bgpdemo::core::k8s;  // NOLINT(google-build-using-namespace)
namespace {

Scenario TestScenarioParsed() {
  auto s = ParseScenario(kScenario, "kind-steps-test.yaml", "kind-steps-test");
  REQUIRE(s);
  return std::move(*s);
}

PreflightReport Collect(FakeKind& w, const std::string& node_image = "") {
  return CollectPreflight(TestScenarioParsed(), node_image, {}, w.runner, w.host);
}

// The one finding whose text contains `needle`.
const HostFinding* Finding(const PreflightReport& r, const std::string& needle) {
  for (const auto& f : r.findings) {
    if (f.what.find(needle) != std::string::npos) return &f;
  }
  return nullptr;
}

TEST_CASE("preflight: a roomy machine has no findings") {
  FakeKind w;
  const auto r = Collect(w);
  CHECK(r.host_checked);
  CHECK(r.findings.empty());
  CHECK(w.runner.Problems().empty());
}

TEST_CASE("preflight: low inotify limits are warnings with kind's sysctl, far too low an error") {
  FakeKind w;
  w.host.files["/proc/sys/fs/inotify/max_user_instances"] = "128\n";
  w.host.files["/proc/sys/fs/inotify/max_user_watches"] = "8192\n";
  auto r = Collect(w);
  const auto* inst = Finding(r, "max_user_instances");
  REQUIRE(inst);
  CHECK(inst->severity == Severity::kWarning);
  CHECK(inst->what ==
        "fs.inotify.max_user_instances is 128; kind recommends 512 for clusters with many nodes "
        "(here 6)");
  CHECK(inst->fix ==
        "sudo sysctl fs.inotify.max_user_instances=512 (and `fs.inotify.max_user_instances = "
        "512` in /etc/sysctl.d/99-kind.conf to keep it)");
  const auto* watches = Finding(r, "max_user_watches");
  REQUIRE(watches);
  CHECK(watches->severity == Severity::kWarning);
  CHECK(watches->fix.starts_with("sudo sysctl fs.inotify.max_user_watches=524288"));
  auto step = PreflightStep(r);
  REQUIRE(step);
  CHECK(step->find("; 2 warnings\n    warning: fs.inotify.max_user_instances is 128") !=
        std::string::npos);

  // 6 nodes need at least 48 instances.
  w.host.files["/proc/sys/fs/inotify/max_user_instances"] = "40\n";
  r = Collect(w);
  REQUIRE(Finding(r, "max_user_instances"));
  CHECK(Finding(r, "max_user_instances")->severity == Severity::kError);
  step = PreflightStep(r);
  REQUIRE_FALSE(step);
  CHECK(step.error().kind() == ErrorKind::kEnvironment);
  CHECK(step.error().message().starts_with(
      "this machine cannot hold the scenario's kind nodes, nothing was created:\n  error: "
      "fs.inotify.max_user_instances is 40;"));
  CHECK(step.error().message().find("    fix: sudo sysctl fs.inotify.max_user_instances=512") !=
        std::string::npos);
}

TEST_CASE("preflight: too little disk under Docker's data root is an error naming it") {
  FakeKind w;
  w.docker_info = DockerInfoJson("/srv/docker");
  w.host.free_bytes = {{"/srv/docker", 3ULL << 30}};
  const auto r = Collect(w);
  const auto* f = Finding(r, "free under Docker's data root");
  REQUIRE(f);
  CHECK(f->severity == Severity::kError);
  CHECK(f->what ==
        "3.0 GiB free under Docker's data root /srv/docker; the images of 6 kind nodes and the "
        "route server need about 9.0 GiB");
  CHECK(f->fix.starts_with("docker system prune"));
  // A daemon elsewhere (its data root is not here): nothing measured.
  w.host.free_bytes.clear();
  CHECK(Collect(w).findings.empty());
}

TEST_CASE(
    "preflight: memory: too little on Docker's machine is an error, too little free a "
    "warning") {
  FakeKind w;
  w.docker_info = DockerInfoJson("/var/lib/docker", "2", 2ULL << 30);
  auto r = Collect(w);
  const auto* f = Finding(r, "of memory");
  REQUIRE(f);
  CHECK(f->severity == Severity::kError);
  CHECK(f->what ==
        "Docker's machine has 2.0 GiB of memory; 6 kind nodes with Cilium need about "
        "4.0 GiB");
  CHECK(f->fix.find("fewer workers") != std::string::npos);

  w.docker_info = DockerInfoJson();
  w.host.files["/proc/meminfo"] = "MemTotal: 16314092 kB\nMemAvailable: 1048576 kB\n";
  r = Collect(w);
  f = Finding(r, "of memory");
  REQUIRE(f);
  CHECK(f->severity == Severity::kWarning);
  CHECK(f->what ==
        "1.0 GiB of memory is available now; 6 kind nodes with Cilium need about 4.0 GiB");
  CHECK(f->fix == "close other programs (free -h shows what is used)");
}

TEST_CASE("preflight: cgroup v1 is a warning, and an error for Kubernetes 1.35 and later") {
  FakeKind w;
  w.docker_info = DockerInfoJson("/var/lib/docker", "1");
  auto r = Collect(w);
  const auto* f = Finding(r, "cgroup v1");
  REQUIRE(f);
  CHECK(f->severity == Severity::kWarning);
  CHECK(f->fix.find("systemd.unified_cgroup_hierarchy=1") != std::string::npos);

  auto s = TestScenarioParsed();
  s.cilium_version = "1.20.0";  // pinned to Kubernetes 1.35.0
  r = CollectPreflight(s, "", {}, w.runner, w.host);
  f = Finding(r, "cgroup v1");
  REQUIRE(f);
  CHECK(f->severity == Severity::kError);
  CHECK(f->what ==
        "Docker runs on cgroup v1; the kubelet of Kubernetes 1.35 refuses to start on it");
}

TEST_CASE("preflight: a `cilium version` that hangs is cut at 10 s and read, not a failure") {
  FakeKind w;
  w.cilium_cli.version_hangs = true;
  const auto before = w.runner.Elapsed();
  const auto r = Collect(w);
  CHECK(w.runner.Elapsed() - before == std::chrono::seconds(10));
  const ToolStatus* cilium = nullptr;
  for (const auto& t : r.tools) cilium = t.name == "cilium" ? &t : cilium;
  REQUIRE(cilium);
  CHECK(cilium->ok);
  CHECK(cilium->version == "0.18.9");
  CHECK(cilium->note ==
        "`cilium version --client` did not finish within 10 s (cilium-cli asks GitHub for the "
        "latest stable Cilium); version 0.18.9 read from its first line");
  // Every probe is bounded, and cilium's is pointed at a proxy that refuses at once.
  for (const auto& c : w.runner.Calls()) {
    if (c.argv.size() > 1 && c.argv[1] == "version") {
      CAPTURE(c.argv[0]);
      CHECK(c.timeout == std::chrono::seconds(10));
    }
    if (c.argv[0] == "cilium") CHECK(c.env_add.at("HTTPS_PROXY") == "http://127.0.0.1:9");
  }
  auto step = PreflightStep(r);
  REQUIRE(step);
  CHECK(step->find("; 1 warning\n    warning: `cilium version --client` did not finish") !=
        std::string::npos);
}

TEST_CASE("preflight: a probe that hangs without printing a version is a clear problem") {
  FakeRunner runner;
  for (const char* tool : {"docker", "kind", "helm", "kubectl", "cilium"}) runner.AddProgram(tool);
  runner.Expect({"docker", "version", "--format", "{{.Server.Version}}"}).Prints("20.10.24\n");
  runner.Expect({"kind", "version"}).Prints("kind v0.20.0 go1.20.4 linux/amd64\n");
  runner.Expect({"helm", "version", "--short"}).TimesOut();
  runner.Expect({"kubectl", "version", "--client", "-o", "json"})
      .Prints(R"({"clientVersion": {"gitVersion": "v1.27.3"}})");
  runner.Expect({"cilium", "version", "--client"}).Prints("cilium-cli: v0.15.7 compiled\n");
  const auto tools = CheckTools({}, runner);
  CHECK(tools[2].name == "helm");
  CHECK_FALSE(tools[2].ok);
  CHECK(tools[2].problem == "`helm version --short` did not answer within 10 s");
  CHECK(runner.Elapsed() == std::chrono::seconds(10));
}

TEST_CASE("doctor: kind's default node image for its release, the pin, and the host") {
  // FakeKind's kind says v0.20.0; the report as CheckTools makes it for `kind v0.23.0 ...`:
  FakeKind w23;
  w23.host.files["/proc/sys/fs/inotify/max_user_instances"] = "128\n";
  auto r = Collect(w23);
  r.kind_version = "0.23.0";
  r.kind_default = KindDefaultFor(r.kind_version);
  const auto d = DoctorOf(r);
  CHECK(d.ready);
  CHECK(d.summary == "ready, with warnings (see above)");
  CHECK(
      d.details.find(
          "  node image: kind v0.23.0 defaults to kindest/node:v1.30.0@sha256:047357ac0cfea04663786"
          "a612ba1eaba9702bef25227a794b52890dd8bcd692e; bgpdemo pins kindest/node:v1.27.3@sha256:"
          "3966ac761ae0136263ffdb6cfd4db23ef8a83cba8a463690e98317add2c9ba72 for Cilium 1.14.0 "
          "(tested on Kubernetes up to 1.27; built for kind v0.20.0)\n") != std::string::npos);
  CHECK(d.details.find("  warning: fs.inotify.max_user_instances is 128") != std::string::npos);
  CHECK(d.details.find("    fix: sudo sysctl fs.inotify.max_user_instances=512") !=
        std::string::npos);
  CHECK(d.json["node_image"]["kind_default"]["kubernetes"] == "1.30.0");
  CHECK(d.json["node_image"]["pinned"]["kubernetes"] == "1.27.3");
  CHECK(d.json["host"][0]["severity"] == "warning");

  // kind v0.20.0 as FakeKind prints it: its default is 1.27.3.
  FakeKind w20;
  const auto d20 = DoctorOf(Collect(w20));
  CHECK(d20.json["node_image"]["kind_default"]["image"] ==
        "kindest/"
        "node:v1.27.3@sha256:3966ac761ae0136263ffdb6cfd4db23ef8a83cba8a463690e98317add2c9ba72");
  CHECK(d20.summary == "ready");
  CHECK(d20.details.find("host: inotify limits, disk, memory and cgroup v2 are fine") !=
        std::string::npos);

  // An error on the host: not ready.
  w20.host.free_bytes = {{"/var/lib/docker", 1ULL << 30}};
  const auto bad = DoctorOf(Collect(w20));
  CHECK_FALSE(bad.ready);
  CHECK(bad.details.find("  error: 1.0 GiB free under Docker's data root") != std::string::npos);
}

TEST_CASE(
    "kind up: too little disk stops preflight with the fix, and up again after it completes") {
  TempDir dir;
  FakeKind w;
  auto o = Options(w, dir.path() + "/state", MakeInstallDir(dir.path()));
  w.host.free_bytes = {{"/var/lib/docker", 2ULL << 30}};
  auto run = RunUp(o);
  REQUIRE(run.error);
  CHECK(run.FailedStep() == "preflight");
  CHECK(run.error->kind() == ErrorKind::kEnvironment);
  CHECK(run.error->message().find("error: 2.0 GiB free under Docker's data root /var/lib/docker") !=
        std::string::npos);
  CHECK(run.error->message().find("fix: docker system prune") != std::string::npos);
  CHECK(Ran(w.runner, "docker network create").empty());  // nothing was created
  w.host.free_bytes = {{"/var/lib/docker", 50ULL << 30}};
  run = RunUp(o);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(w.runner.Problems().empty());
}

TEST_CASE("kind up: a `cilium version` that hangs does not stop up") {
  TempDir dir;
  FakeKind w;
  w.cilium_cli.version_hangs = true;
  auto o = Options(w, dir.path() + "/state", MakeInstallDir(dir.path()));
  auto run = RunUp(o);
  REQUIRE_MESSAGE(run.result, (run.error ? run.error->message() : ""));
  CHECK(run.steps.front().step == "preflight");
  CHECK(run.steps.front().detail.find("cilium 0.18.9") != std::string::npos);
  CHECK(run.steps.front().detail.find("warning: `cilium version --client` did not finish within "
                                      "10 s") != std::string::npos);
}

}  // namespace
}  // namespace bgpdemo::core::kind::test
