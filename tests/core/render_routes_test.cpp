// Tests for the DaemonSet bgpdemo-routes that core/render writes on request
// (RenderOptions::routes_daemonset, templates/node-routes-daemonset.yaml.mustache): absent
// unless asked, everything else unchanged; a well-formed apps/v1 DaemonSet with the fields
// the kube provider relies on and no field kubectl's strict validation would refuse; its
// script holds exactly the routes of node-routes.yaml; the options are checked. The script
// itself runs for real in render_routes_root_test.cpp.
//
// Golden files: tests/data/render/routes-daemonset/<cluster>/node-routes-daemonset.yaml,
// rewritten with the other golden files (see the top of render_test.cpp).
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/render.h"
#include "core/scenario.h"
#include "core/scenario_validate.h"
#include "tests/core/scenario_checks.h"
#include "tests/test_util.h"

using namespace bgpdemo::core;
using bgpdemo::test::RenderableBuiltin;
namespace fs = std::filesystem;

namespace {

RenderOptions WithDaemonSet(RoutesDaemonSetOptions ds = {}) {
  RenderOptions o;
  o.router_addresses = {{"kind", "172.18.0.254"}, {"kind2", "172.19.0.254"}};
  o.routes_daemonset = ds;
  return o;
}

RenderResult RenderOk(const Scenario& s, const RenderOptions& o) {
  auto r = Render(s, o);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
  return *r;
}

const RenderedFile& FileOf(const RenderResult& r, const std::string& path) {
  for (const auto& f : r.files) {
    if (f.path == path) return f;
  }
  FAIL("no rendered file " << path);
  return r.files.front();
}

// The `"$1" TO VIA` lines of the script's `each` function, as "TO via VIA".
std::vector<std::string> ScriptRoutes(const std::string& script) {
  static const std::regex line(R"(^\s*"\$1" (\S+) (\S+)\s+# .*$)");
  std::vector<std::string> out;
  std::istringstream in(script);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_match(l, m, line)) out.push_back(m[1].str() + " via " + m[2].str());
  }
  return out;
}

// Every key path of a YAML mapping tree ("spec.template.spec.hostNetwork"); sequences add
// "[]".
void KeyPaths(const YAML::Node& n, const std::string& prefix, std::set<std::string>& out) {
  if (n.IsMap()) {
    for (const auto& kv : n) {
      const auto key =
          prefix.empty() ? kv.first.as<std::string>() : prefix + "." + kv.first.as<std::string>();
      out.insert(key);
      KeyPaths(kv.second, key, out);
    }
  } else if (n.IsSequence()) {
    for (const auto& item : n) KeyPaths(item, prefix + "[]", out);
  }
}

}  // namespace

TEST_CASE("render routes daemonset: only on request, and the other files stay the same") {
  for (const char* name : {"two-cluster", "two-cluster-v2"}) {
    CAPTURE(name);
    const auto s = RenderableBuiltin(name);
    RenderOptions plain = WithDaemonSet();
    plain.routes_daemonset.reset();
    const auto without = RenderOk(s, plain);
    const auto with = RenderOk(s, WithDaemonSet());
    for (const auto& f : without.files) CHECK(f.kind != FileKind::kRoutesDaemonSet);
    std::vector<RenderedFile> rest;
    std::vector<std::string> daemonsets;
    for (std::size_t i = 0; i < with.files.size(); ++i) {
      const auto& f = with.files[i];
      if (f.kind != FileKind::kRoutesDaemonSet) {
        rest.push_back(f);
        continue;
      }
      daemonsets.push_back(f.path);
      // Right after the cluster's node-routes.yaml.
      REQUIRE(i > 0);
      CHECK(with.files[i - 1].path == f.cluster + "/node-routes.yaml");
    }
    CHECK(daemonsets == std::vector<std::string>{"cilium/node-routes-daemonset.yaml",
                                                 "cilium2/node-routes-daemonset.yaml"});
    REQUIRE(rest.size() == without.files.size());
    for (std::size_t i = 0; i < rest.size(); ++i) {
      CAPTURE(rest[i].path);
      CHECK(rest[i].path == without.files[i].path);
      CHECK(rest[i].content == without.files[i].content);
    }
  }
  CHECK(ToString(FileKind::kRoutesDaemonSet) == "routes-daemonset");
}

TEST_CASE("render routes daemonset: a well-formed DaemonSet with the fields kube relies on") {
  const auto r = RenderOk(RenderableBuiltin("two-cluster"), WithDaemonSet());
  const auto& file = FileOf(r, "cilium/node-routes-daemonset.yaml");
  CHECK(file.cluster == "cilium");
  CHECK(file.kind == FileKind::kRoutesDaemonSet);
  const auto docs = YAML::LoadAll(file.content);
  REQUIRE(docs.size() == 1);
  const auto& ds = docs[0];
  CHECK(ds["apiVersion"].as<std::string>() == "apps/v1");
  CHECK(ds["kind"].as<std::string>() == "DaemonSet");
  CHECK(ds["metadata"]["name"].as<std::string>() == "bgpdemo-routes");
  CHECK(ds["metadata"]["namespace"].as<std::string>() == "kube-system");
  const std::map<std::string, std::string> labels{{"app.kubernetes.io/managed-by", "bgpdemo"},
                                                  {"app.kubernetes.io/name", "bgpdemo-routes"}};
  CHECK(ds["metadata"]["labels"].as<std::map<std::string, std::string>>() == labels);
  // The selector picks the pod template's labels (the API server refuses it otherwise).
  const auto pod = ds["spec"]["template"];
  CHECK(pod["metadata"]["labels"].as<std::map<std::string, std::string>>() == labels);
  for (const auto& kv : ds["spec"]["selector"]["matchLabels"]) {
    CHECK(labels.at(kv.first.as<std::string>()) == kv.second.as<std::string>());
  }
  const auto spec = pod["spec"];
  CHECK(spec["hostNetwork"].as<bool>());
  CHECK(spec["priorityClassName"].as<std::string>() == "system-node-critical");
  CHECK(spec["terminationGracePeriodSeconds"].as<int>() == 10);
  CHECK_FALSE(spec["automountServiceAccountToken"].as<bool>());
  // One toleration with operator Exists and no key or effect tolerates every taint.
  REQUIRE(spec["tolerations"].size() == 1);
  CHECK(spec["tolerations"][0].size() == 1);
  CHECK(spec["tolerations"][0]["operator"].as<std::string>() == "Exists");
  REQUIRE(spec["containers"].size() == 1);
  const auto c = spec["containers"][0];
  CHECK(c["image"].as<std::string>() == "busybox:1.36");
  CHECK(c["imagePullPolicy"].as<std::string>() == "IfNotPresent");
  CHECK(c["securityContext"]["capabilities"]["add"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"NET_ADMIN"});
  CHECK_FALSE(c["securityContext"]["privileged"]);
  CHECK(c["resources"]["requests"]["cpu"].as<std::string>() == "5m");
  CHECK(c["resources"]["requests"]["memory"].as<std::string>() == "8Mi");
  CHECK(c["readinessProbe"]["exec"]["command"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"/bin/sh", "-c", "test -f /tmp/bgpdemo-routes-ready"});
  const auto command = c["command"].as<std::vector<std::string>>();
  REQUIRE(command.size() == 3);
  CHECK(command[0] == "/bin/sh");
  CHECK(command[1] == "-c");
  CHECK(command[2].find("sleep 30 &") != std::string::npos);
  CHECK(command[2].find("ready=/tmp/bgpdemo-routes-ready\n") != std::string::npos);

  // Only fields of the apps/v1 DaemonSet, PodSpec and Container API types: kubectl's strict
  // field validation (the default since Kubernetes 1.27) refuses any other.
  std::set<std::string> paths;
  KeyPaths(ds, "", paths);
  const std::set<std::string> want{
      "apiVersion",
      "kind",
      "metadata",
      "metadata.name",
      "metadata.namespace",
      "metadata.labels",
      "metadata.labels.app.kubernetes.io/managed-by",
      "metadata.labels.app.kubernetes.io/name",
      "spec",
      "spec.selector",
      "spec.selector.matchLabels",
      "spec.selector.matchLabels.app.kubernetes.io/name",
      "spec.template",
      "spec.template.metadata",
      "spec.template.metadata.labels",
      "spec.template.metadata.labels.app.kubernetes.io/managed-by",
      "spec.template.metadata.labels.app.kubernetes.io/name",
      "spec.template.spec",
      "spec.template.spec.hostNetwork",
      "spec.template.spec.priorityClassName",
      "spec.template.spec.tolerations",
      "spec.template.spec.tolerations[].operator",
      "spec.template.spec.terminationGracePeriodSeconds",
      "spec.template.spec.automountServiceAccountToken",
      "spec.template.spec.containers",
      "spec.template.spec.containers[].name",
      "spec.template.spec.containers[].image",
      "spec.template.spec.containers[].imagePullPolicy",
      "spec.template.spec.containers[].securityContext",
      "spec.template.spec.containers[].securityContext.capabilities",
      "spec.template.spec.containers[].securityContext.capabilities.add",
      "spec.template.spec.containers[].resources",
      "spec.template.spec.containers[].resources.requests",
      "spec.template.spec.containers[].resources.requests.cpu",
      "spec.template.spec.containers[].resources.requests.memory",
      "spec.template.spec.containers[].readinessProbe",
      "spec.template.spec.containers[].readinessProbe.exec",
      "spec.template.spec.containers[].readinessProbe.exec.command",
      "spec.template.spec.containers[].readinessProbe.periodSeconds",
      "spec.template.spec.containers[].command",
  };
  CHECK(paths == want);
}

TEST_CASE("render routes daemonset: the script holds exactly the routes of node-routes.yaml") {
  auto s = RenderableBuiltin("two-cluster");
  // A third cluster: six routes per cluster, each via the router on that cluster's network.
  auto third = s.clusters.back();
  third.name = "cilium3";
  third.network = "kind3";
  third.pod_cidr = "10.243.0.0/16";
  third.service_cidr = "10.13.0.0/16";
  third.lb_pool = "10.23.0.0/24";
  third.as = 65300;
  auto net = s.networks.back();
  net.name = "kind3";
  net.subnet = "172.20.0.0/16";
  s.clusters.push_back(third);
  s.networks.push_back(net);
  REQUIRE_MESSAGE(ValidateScenario(s).empty(), FormatErrors(ValidateScenario(s)));
  auto o = WithDaemonSet();
  o.router_addresses["kind3"] = "172.20.0.254";
  const auto r = RenderOk(s, o);
  for (const auto& c : s.clusters) {
    CAPTURE(c.name);
    const auto list = YAML::Load(FileOf(r, c.name + "/node-routes.yaml").content);
    std::vector<std::string> want;
    for (const auto& route : list["routes"]) {
      want.push_back(route["to"].as<std::string>() + " via " + route["via"].as<std::string>());
    }
    CHECK(want.size() == 6);
    const auto ds = YAML::Load(FileOf(r, c.name + "/node-routes-daemonset.yaml").content);
    const auto script = ds["spec"]["template"]["spec"]["containers"][0]["command"][2];
    CHECK(ScriptRoutes(script.as<std::string>()) == want);
    CHECK(script.as<std::string>().find(" routes=6 ") != std::string::npos);
  }
}

TEST_CASE("render routes daemonset: image and interval are the caller's, and checked") {
  const auto s = RenderableBuiltin("two-cluster-v2");
  const auto r =
      RenderOk(s, WithDaemonSet({.image = "registry.example:5000/tools/netshoot:v0.13@sha256:0a1b",
                                 .interval_seconds = 7}));
  const auto ds = YAML::Load(FileOf(r, "cilium2/node-routes-daemonset.yaml").content);
  const auto c = ds["spec"]["template"]["spec"]["containers"][0];
  CHECK(c["image"].as<std::string>() == "registry.example:5000/tools/netshoot:v0.13@sha256:0a1b");
  const auto script = c["command"][2].as<std::string>();
  CHECK(script.find("sleep 7 &") != std::string::npos);
  CHECK(script.find("interval=7s") != std::string::npos);

  const auto error = [&](RoutesDaemonSetOptions ds_options) {
    const auto o = WithDaemonSet(ds_options);
    auto rendered = Render(s, o);
    REQUIRE_FALSE(rendered);
    auto check = CheckRenderOptions(s, o);
    REQUIRE_FALSE(check);
    CHECK(check.error() == rendered.error());
    CHECK(rendered.error().kind() == bgpdemo::ErrorKind::kUsage);
    return rendered.error().message();
  };
  const std::string how =
      ": not an image reference like busybox:1.36 or registry.example/tools/busybox:1.36 "
      "(letters, digits and . _ - / : @ only)";
  CHECK(error({.image = ""}) == "--routes-image \"\"" + how);
  CHECK(error({.image = "busybox 1.36"}) == "--routes-image \"busybox 1.36\"" + how);
  CHECK(error({.image = "-busybox"}) == "--routes-image \"-busybox\"" + how);
  CHECK(error({.image = "busybox\"\n"}) == "--routes-image \"busybox\\\"\\n\"" + how);
  CHECK(error({.interval_seconds = 0}) == "routes DaemonSet interval 0 s: give 1 to 3600 seconds");
  CHECK(error({.interval_seconds = 3601}) ==
        "routes DaemonSet interval 3601 s: give 1 to 3600 seconds");
  // Without the DaemonSet its options are not looked at.
  RenderOptions o = WithDaemonSet();
  o.routes_daemonset.reset();
  CHECK(CheckRenderOptions(s, o));
}

TEST_CASE("render routes daemonset: a missing router address is a listed placeholder") {
  RenderOptions o;
  o.routes_daemonset.emplace();
  const auto r = RenderOk(RenderableBuiltin("two-cluster"), o);
  REQUIRE(r.placeholders.size() == 2);
  CHECK(r.placeholders[0].token == "ROUTER_ADDRESS_ON_kind");
  CHECK(r.placeholders[0].files == std::vector<std::string>{"cilium/bgp-peering-policy.yaml",
                                                            "cilium/node-routes.yaml",
                                                            "cilium/node-routes-daemonset.yaml"});
  const auto& content = FileOf(r, "cilium/node-routes-daemonset.yaml").content;
  CHECK(content.find("\n# PLACEHOLDER ROUTER_ADDRESS_ON_kind: ") != std::string::npos);
  // Still YAML: the comment is outside the script.
  CHECK(YAML::Load(content)["kind"].as<std::string>() == "DaemonSet");
}

TEST_CASE("render routes daemonset: one cluster alone gets a script with no routes") {
  auto s = ParseScenario(
      "networks: [{name: kind, subnet: 172.18.0.0/16}]\nclusters: [{name: solo, network: kind, "
      "pod_cidr: 10.241.0.0/16, service_cidr: 10.11.0.0/16, lb_pool: 10.21.0.0/24, as: "
      "65100}]\n",
      "solo.yaml", "solo");
  REQUIRE(s);
  REQUIRE(ValidateScenario(*s).empty());
  RenderOptions o;
  o.routes_daemonset.emplace();
  const auto r = RenderOk(*s, o);
  const auto ds = YAML::Load(FileOf(r, "solo/node-routes-daemonset.yaml").content);
  const auto script =
      ds["spec"]["template"]["spec"]["containers"][0]["command"][2].as<std::string>();
  CHECK(ScriptRoutes(script).empty());
  // `each` keeps a body (`:`), which sh requires.
  CHECK(script.find("each() {\n  :\n}\n") != std::string::npos);
  CHECK(script.find(" routes=0 ") != std::string::npos);
}

TEST_CASE("render: golden files for the routes DaemonSet") {
  const bool update = std::getenv("BGPDEMO_UPDATE_GOLDEN") != nullptr;
  const auto dir = fs::path(BGPDEMO_TEST_DATA) / "render" / "routes-daemonset";
  const auto r = RenderOk(RenderableBuiltin("two-cluster"), WithDaemonSet());
  int n = 0;
  for (const auto& f : r.files) {
    if (f.kind != FileKind::kRoutesDaemonSet) continue;
    ++n;
    const auto path = dir / f.path;
    if (update) {
      fs::create_directories(path.parent_path());
      std::ofstream(path, std::ios::binary) << f.content;
      continue;
    }
    CAPTURE(f.path);
    REQUIRE_MESSAGE(fs::exists(path), "missing golden file; see the top of render_test.cpp");
    CHECK(bgpdemo::test::ReadText(path.string()) == f.content);
  }
  CHECK(n == 2);
}
