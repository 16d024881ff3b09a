// A fake of the world the kind provider drives (Docker, kind, Helm, kubectl, cilium-cli),
// for the provider's step tests: a FakeRunner whose handlers answer from facts, in the real
// tools' formats (the ones tests/kind/doubles prints; its README lists them). What exists is
// a fact the runner keeps:
//
//   network <name>          a Docker network (its subnet: FakeExisting::subnets; the
//                           machine's networks and routes: fake_existing.h)
//   user network <name>     ... that the user made (down must keep it)
//   cluster <name>          a kind cluster: nodes <name>-control-plane, -worker, -worker2
//   image <ref>             a Docker image
//   container <name>        the router container; "foreign container <name>": not ours,
//                           "stopped <name>": not running
//   <container> on <net>    the container is connected to network <net>
//   cilium on <cluster>     Helm installed Cilium there
//
// Failures are switched on through the public fields, as BGPDEMO_FAKE_FAIL does for the
// doubles. Every command runs through the one FakeRunner, so a test reads what ran from
// runner.CommandLines() / Calls(), and runner.Problems() names any command the fake does
// not know.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/fake_runner.h"
#include "core/kind/kind.h"
#include "tests/core/kind/fake_cilium.h"
#include "tests/core/kind/fake_existing.h"
#include "tests/core/kind/fake_host.h"
#include "tests/core/kind/fake_kube.h"

namespace bgpdemo::core::kind::test {

using nlohmann::json;

// The kind end-to-end test's scenario (tests/kind/kind_e2e_test.py), on fixed subnets.
inline constexpr const char* kScenario = R"(description: two clusters, for the kind step tests
cilium: {version: 1.14.0}
bgp: {api: v1, hold_time: 9, keepalive: 3, connect_retry: 5}
router: {name: bgpdemo-router, as: 65000, mode: router}
networks:
  - {name: kind, subnet: 172.30.200.0/24}
  - {name: kind2, subnet: 172.30.201.0/24}
clusters:
  - {name: cilium, network: kind, pod_cidr: 10.241.0.0/16, service_cidr: 10.11.0.0/16,
      lb_pool: 10.21.0.0/24, as: 65100, workers: 2}
  - {name: cilium2, network: kind2, pod_cidr: 10.242.0.0/16, service_cidr: 10.12.0.0/16,
      lb_pool: 10.22.0.0/24, as: 65200, workers: 2}
)";

inline ScenarioText TestScenario() {
  return {kScenario, "kind-steps-test.yaml", "kind-steps-test"};
}

inline constexpr const char* kRouter = "bgpdemo-router";
inline constexpr const char* kImage = "bgpdemo-router:test";

// A temporary folder (state, the installed executable), removed with what is in it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/bgpdemo-kind-steps-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The value after `flag` in argv, or empty.
inline std::string FlagValue(const std::vector<std::string>& argv, const std::string& flag) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag) return argv[i + 1];
  }
  return "";
}

// The fake world. Not copyable: the runner's handlers point at it.
class FakeKind : public FakeExisting {
 public:
  FakeRunner runner;

  std::map<std::string, std::string> lb_ips{{"cilium", "10.21.0.1"}, {"cilium2", "10.22.0.1"}};

  // Failure injection.
  std::set<std::string> network_create_fails;  // these networks' subnets are taken
  std::set<std::string> network_in_use;        // docker network rm: active endpoints
  std::set<std::string> kind_create_fails;     // these clusters cannot be created (image pull)
  // kind delete cluster NAME fails this many times as when a node it listed was removed
  // before its `docker rm` (by an earlier, killed delete whose removal went on in Docker).
  std::map<std::string, int> kind_delete_races;
  bool build_fails = false;                    // docker build of the router image fails
  std::string ldd_says;                        // not empty: what ldd prints instead
  bool helm_fails = false;                     // helm upgrade: timed out waiting for the condition
  bool helm_hangs = false;                     // helm upgrade: killed after our timeout
  bool no_lb_ip = false;                       // services get no external IP
  bool sessions_down = false;                  // the nodes' sessions stay Active
  KubeFake kube;             // Helm releases, slow pulls, late CRDs, kind load (fake_kube.h)
  FakeCiliumCli cilium_cli;  // cilium version hangs, agents unreachable
  FakeHostFacts host;        // /proc and statvfs for preflight
  std::string docker_info = DockerInfoJson();  // `docker info --format '{{json .}}'`

  FakeKind() { Script(); }
  FakeKind(const FakeKind&) = delete;
  FakeKind& operator=(const FakeKind&) = delete;

  // The demo as the user left it before the first up: only their network kind2.
  void UserNetwork(const std::string& name) {
    runner.SetFact("network " + name);
    runner.SetFact("user network " + name);
  }

  static std::vector<std::string> Nodes(const std::string& cluster) {
    return {cluster + "-control-plane", cluster + "-worker", cluster + "-worker2"};
  }
  // The router's address on a network (the networks' subnets: FakeExisting).
  std::string RouterIp(const std::string& network) const {
    const auto& subnet = subnets.at(network);
    return subnet.substr(0, subnet.rfind('.')) + ".2";
  }
  std::string NodeIp(const std::string& cluster, std::size_t i) const {
    const auto& subnet = subnets.at(cluster_networks.at(cluster));
    return fmt::format("{}.{}", subnet.substr(0, subnet.rfind('.')), 3 + i);
  }

 private:
  static FakeReply Missing(const std::string& what) {
    return FakeReply::Exit(1, fmt::format("Error: No such {}\n", what));
  }

  void Script() {
    kube.Script(runner, helm_fails, helm_hangs);  // first: it comes before the rest
    for (const char* tool : {"docker", "kind", "helm", "kubectl", "cilium"})
      runner.AddProgram(tool);
    runner.Expect({"docker", "version", "--format", "{{.Server.Version}}"})
        .Prints("20.10.24\n")
        .Always();
    runner.Expect({"kind", "version"}).Prints("kind v0.20.0 go1.20.4 linux/amd64\n").Always();
    runner.Expect({"helm", "version", "--short"}).Prints("v3.12.3+g3a31588\n").Always();
    runner.Expect({"kubectl", "version", "--client", "-o", "json"})
        .Prints(R"({"clientVersion": {"gitVersion": "v1.27.3"}})")
        .Always();
    runner.Expect({"cilium", "version", "--client"})
        .Always()
        .Does([this](const FakeCall&, FakeFacts&) { return cilium_cli.Version(); });
    runner.Expect({"docker", "info", "--format", "{{json .}}"})
        .Always()
        .Does([this](const FakeCall&, FakeFacts&) { return FakeReply::Ok(docker_info); });
    ScriptExisting(runner, network_create_fails);
    ScriptDocker();
    ScriptKind();
    ScriptKubernetes();
  }

  void ScriptDocker() {
    runner.Expect({"docker", "network", "rm", FakeRunner::kAny})
        .Always()
        .Does([this](const FakeCall& c, FakeFacts& f) {
          const auto& name = c.argv[3];
          if (!f.Has("network " + name)) return Missing("network: " + name);
          if (network_in_use.count(name)) {
            return FakeReply::Exit(1,
                                   fmt::format("Error response from daemon: error while removing "
                                               "network: network {} id 4f0c2d1b9a8e has active "
                                               "endpoints\n",
                                               name));
          }
          f.Remove("network " + name);
          return FakeReply::Ok(name + "\n");
        });
    runner.Expect({"docker", "image", "inspect", FakeRunner::kAny})
        .Always()
        .Does([](const FakeCall& c, FakeFacts& f) {
          if (!f.Has("image " + c.argv[3])) return Missing("image: " + c.argv[3]);
          return FakeReply::Ok(R"([{"Id": "sha256:5d1c"}])");
        });
    // The router image from the executable (core/router_image.h): ldd names one library
    // next to it (MakeInstallDir), then docker build.
    runner.Expect({"ldd", FakeRunner::kAny}).Always().Does([this](const FakeCall& c, FakeFacts&) {
      if (!ldd_says.empty()) return FakeReply::Ok(ldd_says);
      const auto dir = std::filesystem::path(c.argv[1]).parent_path().string();
      return FakeReply::Ok(
          fmt::format("\tlinux-vdso.so.1 (0x00007ffc6a5e9000)\n"
                      "\tlibfmt.so.9 => {}/lib/libfmt.so.9 (0x00007f3b1c000000)\n",
                      dir));
    });
    runner.ExpectPrefix({"docker", "build"}).Always().Does([this](const FakeCall& c, FakeFacts& f) {
      if (build_fails) {
        return FakeReply::Exit(1,
                               "#5 [1/1] COPY rootfs/ /\n"
                               "#5 ERROR: failed to copy files: write /usr/local/bin/bgpdemo: no "
                               "space left on device\n");
      }
      f.Add("image " + FlagValue(c.argv, "-t"));
      return FakeReply::Ok("Successfully built 5d1c\n");
    });
    runner.Expect({"docker", "container", "inspect", FakeRunner::kAny})
        .Always()
        .Does([this](const FakeCall& c, FakeFacts& f) {
          const auto& name = c.argv[3];
          if (!f.Has("container " + name)) return Missing("container: " + name);
          json networks = json::object();
          for (const auto& net : f.WithPrefix(name + " on ")) {
            networks[net] = {{"IPAddress", RouterIp(net)}};
          }
          json labels = f.Has("foreign container " + name) ? json::object()
                                                           : json{{"io.bgpdemo.owner", "bgpdemo"}};
          return FakeReply::Ok(json::array({{{"Name", "/" + name},
                                             {"Config", {{"Labels", labels}}},
                                             {"State", {{"Running", !f.Has("stopped " + name)}}},
                                             {"NetworkSettings", {{"Networks", networks}}}}})
                                   .dump());
        });
    runner.ExpectPrefix({"docker", "run", "-d", "--name"})
        .Always()
        .Does([](const FakeCall& c, FakeFacts& f) {
          const auto name = FlagValue(c.argv, "--name");
          f.Add("container " + name);
          f.Add(name + " on " + FlagValue(c.argv, "--network"));
          return FakeReply::Ok("0a1b2c3d4e5f\n");
        });
    runner.Expect({"docker", "network", "connect", FakeRunner::kAny, FakeRunner::kAny})
        .Always()
        .Does([](const FakeCall& c, FakeFacts& f) {
          f.Add(c.argv[4] + " on " + c.argv[3]);
          return FakeReply::Ok();
        });
    runner.Expect({"docker", "start", FakeRunner::kAny})
        .Always()
        .Does([](const FakeCall& c, FakeFacts& f) {
          f.Remove("stopped " + c.argv[2]);
          return FakeReply::Ok(c.argv[2] + "\n");
        });
    runner.Expect({"docker", "rm", "-f", FakeRunner::kAny})
        .Always()
        .Does([](const FakeCall& c, FakeFacts& f) {
          const auto& name = c.argv[3];
          if (!f.Has("container " + name)) return Missing("container: " + name);
          f.Remove("container " + name);
          for (const auto& net : f.WithPrefix(name + " on ")) f.Remove(name + " on " + net);
          return FakeReply::Ok(name + "\n");
        });
    // The router's view, for the sessions step.
    runner.Expect({"docker", "exec", kRouter, "bgpdemo", "router", "peers", "-o", "json"})
        .Always()
        .Does([this](const FakeCall&, FakeFacts& f) {
          json peers = json::array();
          for (const auto& cluster : f.WithPrefix("cluster ")) {
            for (std::size_t i = 0; i < 3; ++i) {
              peers.push_back({{"address", NodeIp(cluster, i)},
                               {"state", sessions_down ? "active" : "established"},
                               {"last_error", ""}});
            }
          }
          return FakeReply::Ok(peers.dump());
        });
    runner.Expect({"docker", "exec", kRouter, "bgpdemo", "router", "routes", "-o", "json"})
        .Prints("[]")
        .Always();
    runner.Expect({"docker", "exec", kRouter, "bgpdemo", "router", "kernel-routes", "-o", "json"})
        .Prints("[]")
        .Always();
    // The static routes on the nodes.
    runner
        .ExpectMatching("`docker exec NODE ip route replace TO via VIA`",
                        [](const auto& argv) {
                          return argv.size() == 9 && argv[0] == "docker" && argv[1] == "exec" &&
                                 argv[3] == "ip" && argv[4] == "route" && argv[5] == "replace" &&
                                 argv[7] == "via";
                        })
        .Always();
  }

  void ScriptKind() {
    runner.Expect({"kind", "get", "clusters"}).Always().Does([](const FakeCall&, FakeFacts& f) {
      std::string out;
      for (const auto& c : f.WithPrefix("cluster ")) out += c + "\n";
      return out.empty() ? FakeReply::Exit(0, "No kind clusters found.\n") : FakeReply::Ok(out);
    });
    runner
        .Expect({"kind", "create", "cluster", "--name", FakeRunner::kAny, "--config",
                 FakeRunner::kAny, "--image", FakeRunner::kAny})
        .Always()
        .Does([this](const FakeCall& c, FakeFacts& f) {
          const auto& name = c.argv[4];
          if (kind_create_fails.count(name)) {
            return FakeReply::Exit(1, "Creating cluster \"" + name +
                                          "\" ...\n"
                                          "ERROR: failed to create cluster: failed to pull image "
                                          "\"kindest/node:v1.27.3\"\n");
          }
          if (f.Has("cluster " + name)) {
            return FakeReply::Exit(1,
                                   "ERROR: failed to create cluster: node(s) already exist for "
                                   "a cluster with the name \"" +
                                       name + "\"\n");
          }
          f.Add("cluster " + name);
          ClusterMade(name, c.argv[6]);
          return FakeReply::Exit(0, "Creating cluster \"" + name + "\" ...\n");
        });
    runner.Expect({"kind", "get", "nodes", "--name", FakeRunner::kAny})
        .Always()
        .Does([](const FakeCall& c, FakeFacts& f) {
          const auto& name = c.argv[4];
          if (!f.Has("cluster " + name)) {
            return FakeReply::Exit(0, "No kind nodes found for cluster \"" + name + "\".\n");
          }
          std::string out;
          for (const auto& n : Nodes(name)) out += n + "\n";
          return FakeReply::Ok(out);
        });
    runner.Expect({"kind", "delete", "cluster", "--name", FakeRunner::kAny})
        .Always()
        .Does([this](const FakeCall& c, FakeFacts& f) {
          if (auto it = kind_delete_races.find(c.argv[4]);
              it != kind_delete_races.end() && it->second > 0) {
            --it->second;
            return FakeReply::Exit(
                1,
                "Deleting cluster \"" + c.argv[4] + "\" ...\nERROR: command \"docker rm -f -v " +
                    c.argv[4] + "-worker " + c.argv[4] +
                    "-worker2\" failed with error: exit status 1\nCommand Output: Error: No such "
                    "container: " +
                    c.argv[4] + "-worker\n");
          }
          f.Remove("cluster " + c.argv[4]);
          f.Remove("cilium on " + c.argv[4]);
          return FakeReply::Exit(0, "Deleting cluster \"" + c.argv[4] + "\" ...\n");
        });
  }

  void ScriptKubernetes() {
    runner.Expect({"helm", "repo", "add", "cilium", "https://helm.cilium.io/", "--force-update"})
        .Prints("\"cilium\" has been added to your repositories\n")
        .Always();
    runner.ExpectPrefix({"cilium", "status", "--wait"}).Prints("Cilium: OK\n").Always();
    runner
        .ExpectMatching("`kubectl --context C apply -f FILE`",
                        [](const auto& argv) {
                          return argv.size() == 6 && argv[0] == "kubectl" && argv[3] == "apply" &&
                                 argv[4] == "-f";
                        })
        .Prints("configured\n")
        .Always();
    runner
        .ExpectMatching("`kubectl --context C rollout status deployment/nginx ...`",
                        [](const auto& argv) {
                          return argv.size() == 7 && argv[0] == "kubectl" && argv[3] == "rollout";
                        })
        .Prints("deployment \"nginx\" successfully rolled out\n")
        .Always();
    runner
        .ExpectMatching("`kubectl --context C annotate node N --overwrite K=V`",
                        [](const auto& argv) {
                          return argv.size() == 8 && argv[0] == "kubectl" && argv[3] == "annotate";
                        })
        .Always();
    runner
        .ExpectMatching("`kubectl --context C get service nginx -o json`",
                        [](const auto& argv) {
                          return argv.size() == 8 && argv[0] == "kubectl" && argv[3] == "get" &&
                                 argv[4] == "service";
                        })
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) {
          json svc = {{"kind", "Service"},
                      {"metadata", {{"name", "nginx"}}},
                      {"status", {{"loadBalancer", json::object()}}}};
          if (!no_lb_ip) {
            svc["status"]["loadBalancer"]["ingress"] =
                json::array({{{"ip", lb_ips.at(c.argv[2].substr(5))}}});
          }
          return FakeReply::Ok(svc.dump());
        });
    runner
        .ExpectMatching("`kubectl --context C get nodes -o json`",
                        [](const auto& argv) {
                          return argv.size() == 7 && argv[0] == "kubectl" && argv[3] == "get" &&
                                 argv[4] == "nodes";
                        })
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) {
          const auto cluster = c.argv[2].substr(5);
          json items = json::array();
          const auto nodes = Nodes(cluster);
          for (std::size_t i = 0; i < nodes.size(); ++i) {
            items.push_back(
                {{"metadata", {{"name", nodes[i]}, {"labels", {{"kubernetes.io/os", "linux"}}}}},
                 {"spec",
                  {{"podCIDR", fmt::format("10.{}.{}.0/24", cluster == "cilium" ? 241 : 242, i)}}},
                 {"status",
                  {{"addresses",
                    json::array({{{"type", "InternalIP"}, {"address", NodeIp(cluster, i)}}})}}}});
          }
          return FakeReply::Ok(json{{"kind", "List"}, {"items", items}}.dump());
        });
    runner
        .ExpectMatching("`kubectl --context C get pods -l app=nginx -o json`",
                        [](const auto& argv) {
                          return argv.size() == 9 && argv[0] == "kubectl" && argv[3] == "get" &&
                                 argv[4] == "pods";
                        })
        .Always()
        .Does([](const FakeCall& c, FakeFacts&) {
          const auto cluster = c.argv[2].substr(5);
          json items = json::array();
          for (int i = 0; i < 2; ++i) {
            items.push_back({{"metadata", {{"name", fmt::format("nginx-7c5ddbdf54-{}", i)}}},
                             {"spec", {{"nodeName", Nodes(cluster)[1 + i]}}},
                             {"status",
                              {{"podIP", fmt::format("10.{}.{}.10", cluster == "cilium" ? 241 : 242,
                                                     1 + i)}}}});
          }
          return FakeReply::Ok(json{{"kind", "List"}, {"items", items}}.dump());
        });
    runner
        .ExpectMatching("`cilium bgp peers -o json --context C`",
                        [](const auto& argv) {
                          return argv.size() >= 7 && argv[0] == "cilium" && argv[1] == "bgp" &&
                                 argv[2] == "peers";
                        })
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) {
          const auto cluster = c.argv[6].substr(5);
          return cilium_cli.Peers(c.argv, Nodes(cluster), [&](const std::string&) {
            json peer = {{"local-asn", cluster == "cilium" ? 65100 : 65200},
                         {"peer-asn", 65000},
                         {"peer-address", RouterIp(cluster_networks.at(cluster))},
                         {"session-state", sessions_down ? "active" : "established"}};
            if (!sessions_down) peer["uptime-nanoseconds"] = 12000000000;
            return json::array({peer});
          });
        });
  }
};

// The outcome of one KindUp: its result and the steps it reported.
struct UpRun {
  std::optional<KindUpResult> result;
  std::optional<Error> error;
  std::vector<StepEvent> steps;

  // The step that failed (the last one reported), or empty.
  std::string FailedStep() const {
    return !steps.empty() && !steps.back().ok ? steps.back().step : "";
  }
  std::vector<std::string> StepNames() const {
    std::vector<std::string> out;
    for (const auto& s : steps) out.push_back(s.step);
    return out;
  }
};

// Options for an up in `state_dir` on the fake, with bgpdemo installed in `install_dir`
// (MakeInstallDir): the router image is made from it.
inline KindUpOptions Options(FakeKind& world, const std::string& state_dir,
                             const std::string& install_dir) {
  KindUpOptions o;
  o.state_dir = state_dir;
  o.executable = install_dir + "/bgpdemo";
  o.version = "test";
  o.timeout = std::chrono::seconds(90);
  o.runner = &world.runner;
  o.host = &world.host;
  return o;
}

inline UpRun RunUp(const KindUpOptions& o) {
  UpRun run;
  auto r = KindUp(TestScenario(), o, [&](const StepEvent& e) { run.steps.push_back(e); });
  if (r) {
    run.result = *r;
  } else {
    run.error = r.error();
  }
  return run;
}

// A folder where bgpdemo is installed: the executable and the one library the fake ldd
// names (lib/libfmt.so.9), small stand-ins.
inline std::string MakeInstallDir(const std::string& under) {
  const auto dir = under + "/installed";
  std::filesystem::create_directories(dir + "/lib");
  std::ofstream(dir + "/bgpdemo") << "an executable\n";
  std::ofstream(dir + "/lib/libfmt.so.9") << "a library\n";
  return dir;
}

// The command lines that start with `prefix` (ShellQuote'd), in the order they ran.
inline std::vector<std::string> Ran(const FakeRunner& runner, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& line : runner.CommandLines()) {
    if (line.starts_with(prefix)) out.push_back(line);
  }
  return out;
}

}  // namespace bgpdemo::core::kind::test
