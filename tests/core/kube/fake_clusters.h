// A fake of what the kube provider drives (kubectl, helm and cilium-cli against two
// clusters the user has, and this machine's `ip`), for the provider's step tests: a
// FakeRunner whose handlers answer in the real tools' formats (tests/kind/doubles prints
// the same), plus this machine's sockets and processes (PortBinder, RouterProcesses).
//
//   contexts   prod-a (cluster cilium, nodes 172.18.0.2-4) and prod-b (cilium2,
//              172.19.0.2-4); the router's addresses 172.18.0.250 on br-a, 172.19.0.250 on
//              br-b. With `family` dual or ipv6 the nodes also or only have fd00:18::2-4 and
//              fd00:19::2-4, pod CIDRs /64 of the built-in scenarios' (two-cluster-dual,
//              two-cluster-ipv6), and Cilium runs with IPv6; this machine has fd00:18::fa
//              and fd00:19::fa (and link-local and tentative IPv6 addresses `ip` shows too)
//   facts      "applied <context> <file>", "cilium <context>" (Helm installed it here)
//
// Failures are switched on through the public fields. Not copyable: handlers point at it.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/fake_runner.h"
#include "core/host_network.h"
#include "core/kube/kube.h"
#include "core/router_daemon.h"

namespace bgpdemo::core::kube::test {

using nlohmann::json;

inline constexpr const char* kScenario = R"(description: two clusters, for the kube step tests
cilium: {version: 1.14.0}
bgp: {api: v1, hold_time: 9, keepalive: 3, connect_retry: 5}
router: {name: bgpdemo-router, as: 65000, mode: router}
networks:
  - {name: kind}
  - {name: kind2}
clusters:
  - {name: cilium, network: kind, pod_cidr: 10.241.0.0/16, service_cidr: 10.11.0.0/16,
      lb_pool: 10.21.0.0/24, as: 65100, workers: 2}
  - {name: cilium2, network: kind2, pod_cidr: 10.242.0.0/16, service_cidr: 10.12.0.0/16,
      lb_pool: 10.22.0.0/24, as: 65200, workers: 2}
)";

inline ScenarioText TestScenario() {
  return {kScenario, "kube-steps-test.yaml", "kube-steps-test"};
}

inline constexpr const char* kRouterFlag = "host:172.18.0.250,172.19.0.250";

// Cilium as a cluster runs it before up.
struct CiliumThere {
  bool present = false;
  bool bgp = true;
  std::string routing_mode = "native";
  std::string version = "1.14.0";
};

class FakeBinder final : public PortBinder {
 public:
  std::map<std::string, int> errors;  // address -> errno
  int TryBind(const bgp::wire::IpAddress& address, std::uint16_t) override {
    const auto it = errors.find(address.ToString());
    return it == errors.end() ? 0 : it->second;
  }
};

// The router service: spawned processes answer at once, SIGTERM stops them.
class FakeProcesses final : public RouterProcesses {
 public:
  std::map<pid_t, std::vector<std::string>> alive;
  std::vector<std::vector<std::string>> spawned;
  std::vector<std::pair<pid_t, int>> signals;
  pid_t next = 5000;
  Result<pid_t, std::string> Spawn(const std::vector<std::string>& argv,
                                   const SpawnOptions&) override {
    spawned.push_back(argv);
    alive[next] = argv;
    return next++;
  }
  bool Alive(pid_t pid) override { return alive.count(pid) != 0; }
  std::optional<std::vector<std::string>> Cmdline(pid_t pid) override {
    if (!Alive(pid)) return std::nullopt;
    return alive[pid];
  }
  Result<bool, std::string> Signal(pid_t pid, int signal) override {
    signals.emplace_back(pid, signal);
    return alive.erase(pid) != 0;
  }
  bool Answers(const std::string&) override { return !alive.empty(); }
};

class FakeClusters {
 public:
  FakeRunner runner;
  FakeBinder binder;
  FakeProcesses processes;

  std::map<std::string, std::string> cluster_of{{"prod-a", "cilium"}, {"prod-b", "cilium2"}};
  // Failure injection.
  std::set<std::string> unreachable;          // contexts whose API server refuses
  std::set<std::string> denied;               // "context verb resource"
  std::map<std::string, CiliumThere> cilium;  // context -> Cilium before up
  std::set<std::string> node_unreachable;     // node addresses `ip route get` refuses
  bool forwarding = true;                     // net.ipv4.ip_forward
  bool forwarding_v6 = true;                  // net.ipv6.conf.all.forwarding
  IpFamily family = IpFamily::kIpv4;          // the nodes' and Cilium's families
  std::string peer_address = "172.18.0.250";  // what the nodes' agents peer with
  int peer_as = 65000;
  std::string host_addresses = R"([
 {"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8},
   {"family":"inet6","local":"::1","prefixlen":128,"scope":"host"}]},
 {"ifindex":3,"ifname":"br-a","addr_info":[{"family":"inet","local":"172.18.0.1","prefixlen":16},
   {"family":"inet","local":"172.18.0.250","prefixlen":16},
   {"family":"inet6","local":"fd00:18::fa","prefixlen":64,"scope":"global"},
   {"family":"inet6","local":"fd00:18::fb","prefixlen":64,"scope":"global","tentative":true},
   {"family":"inet6","local":"fe80::42:acff:fe12:fa","prefixlen":64,"scope":"link"}]},
 {"ifindex":4,"ifname":"br-b","addr_info":[{"family":"inet","local":"172.19.0.1","prefixlen":16},
   {"family":"inet","local":"172.19.0.250","prefixlen":16},
   {"family":"inet6","local":"fd00:19::fa","prefixlen":64,"scope":"global"},
   {"family":"inet6","local":"fe80::42:acff:fe13:fa","prefixlen":64,"scope":"link"}]}])";

  FakeClusters() { Script(); }
  FakeClusters(const FakeClusters&) = delete;
  FakeClusters& operator=(const FakeClusters&) = delete;

  // Names as a cloud's clusters have them, not kind's: what render writes comes from here.
  static std::vector<std::string> Nodes(const std::string& cluster) {
    return {cluster + "-pool-1-a", cluster + "-pool-1-b", cluster + "-pool-1-c"};
  }
  static std::string NodeIp(const std::string& cluster, std::size_t i) {
    return fmt::format("172.{}.0.{}", cluster == "cilium" ? 18 : 19, 2 + i);
  }
  static std::string NodeIp6(const std::string& cluster, std::size_t i) {
    return fmt::format("fd00:{}::{}", cluster == "cilium" ? 18 : 19, 2 + i);
  }
  bool HasIpv4() const { return family != IpFamily::kIpv6; }
  bool HasIpv6() const { return family != IpFamily::kIpv4; }
  // The kubectl commands that changed a cluster: apply, annotate, delete, helm upgrade.
  std::vector<std::string> Changes() const {
    std::vector<std::string> out;
    for (const auto& l : runner.CommandLines()) {
      if (l.find(" auth can-i ") != std::string::npos) continue;
      if (l.find(" apply ") != std::string::npos || l.find(" annotate ") != std::string::npos ||
          l.find(" delete ") != std::string::npos || l.starts_with("helm upgrade") ||
          l.starts_with("helm uninstall")) {
        out.push_back(l);
      }
    }
    return out;
  }

 private:
  static std::string Context(const std::vector<std::string>& argv) {
    for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
      if (argv[i] == "--context" || argv[i] == "--kube-context") return argv[i + 1];
    }
    return "";
  }
  static bool Kubectl(const std::vector<std::string>& argv,
                      std::initializer_list<const char*> words) {
    if (argv.empty() || argv[0] != "kubectl") return false;
    std::size_t at = 0;
    for (const char* w : words) {
      bool found = false;
      for (; at < argv.size(); ++at) {
        if (argv[at] == w) {
          found = true;
          ++at;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }

  // kubectl 1.27 when the API server refuses connections.
  static FakeReply Refused() {
    return FakeReply::Exit(
        1,
        "E1202 20:41:07.123456   4242 memcache.go:265] couldn't get current server API group "
        "list: Get \"https://127.0.0.1:6443/api?timeout=32s\": dial tcp 127.0.0.1:6443: connect: "
        "connection refused\nThe connection to the server 127.0.0.1:6443 was refused - did you "
        "specify the right host or port?\n");
  }

  void On(const std::string& what, FakeRunner::Predicate p, FakeRunner::Handler h) {
    runner.ExpectMatching(what, std::move(p))
        .Always()
        .Does([this, h = std::move(h)](const FakeCall& c, FakeFacts& f) {
          if (c.argv[0] == "kubectl" && unreachable.count(Context(c.argv)) != 0) return Refused();
          return h(c, f);
        });
  }

  void Script() {
    for (const char* tool : {"kubectl", "helm", "cilium", "ip", "sysctl"}) runner.AddProgram(tool);
    runner.Expect({"kubectl", "version", "--client", "-o", "json"})
        .Prints(R"({"clientVersion":{"gitVersion":"v1.27.3"}})")
        .Always();
    runner.Expect({"helm", "version", "--short"}).Prints("v3.12.3+g3a31588\n").Always();
    runner.ExpectPrefix({"cilium", "version", "--client"})
        .Prints("cilium-cli: v0.15.0 compiled with go1.20.4 on linux/amd64\n")
        .Always();
    On(
        "kubectl get nodes -o json",
        [](const auto& a) {
          return Kubectl(a, {"get", "nodes", "json"});
        },
        [this](const FakeCall& c, FakeFacts&) {
          const auto cluster = cluster_of.at(Context(c.argv));
          json items = json::array();
          const auto nodes = Nodes(cluster);
          for (std::size_t i = 0; i < nodes.size(); ++i) {
            // kubelet's order: the first family's address and pod CIDR first.
            json addresses = json::array();
            json pod_cidrs = json::array();
            const auto octet = cluster == "cilium" ? 241 : 242;
            if (HasIpv4()) {
              addresses.push_back({{"type", "InternalIP"}, {"address", NodeIp(cluster, i)}});
              pod_cidrs.push_back(fmt::format("10.{}.{}.0/24", octet, i));
            }
            if (HasIpv6()) {
              addresses.push_back({{"type", "InternalIP"}, {"address", NodeIp6(cluster, i)}});
              pod_cidrs.push_back(fmt::format("fd00:10:{}:{}::/64", octet, i));
            }
            addresses.push_back({{"type", "Hostname"}, {"address", nodes[i]}});
            items.push_back(
                {{"metadata", {{"name", nodes[i]}, {"labels", {{"kubernetes.io/os", "linux"}}}}},
                 {"spec", {{"podCIDR", pod_cidrs[0]}, {"podCIDRs", pod_cidrs}}},
                 {"status", {{"addresses", addresses}}}});
          }
          return FakeReply::Ok(
              json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}}.dump());
        });
    On(
        "kubectl get nodes -o name",
        [](const auto& a) {
          return Kubectl(a, {"get", "nodes", "name"});
        },
        [this](const FakeCall& c, FakeFacts&) {
          std::string out;
          for (const auto& n : Nodes(cluster_of.at(Context(c.argv)))) out += "node/" + n + "\n";
          return FakeReply::Ok(out);
        });
    On(
        "kubectl get configmap cilium-config",
        [](const auto& a) {
          return Kubectl(a, {"get", "configmap", "cilium-config"});
        },
        [this](const FakeCall& c, FakeFacts& f) {
          const auto ctx = Context(c.argv);
          const auto there = Cilium(ctx, f);
          if (!there.present) {
            return FakeReply::Exit(
                1, "Error from server (NotFound): configmaps \"cilium-config\" not found\n");
          }
          json data = {{"ipam", "kubernetes"},
                       {"routing-mode", there.routing_mode},
                       {"enable-bgp-control-plane", there.bgp ? "true" : "false"},
                       {"ipv4-native-routing-cidr", "10.0.0.0/8"}};
          if (HasIpv6()) {
            data["enable-ipv6"] = "true";
            data["ipv6-native-routing-cidr"] = "fd00:10::/32";
          }
          return FakeReply::Ok(json{{"kind", "ConfigMap"}, {"data", data}}.dump());
        });
    On(
        "kubectl get daemonset cilium",
        [](const auto& a) {
          return Kubectl(a, {"get", "daemonset", "cilium"});
        },
        [this](const FakeCall& c, FakeFacts& f) {
          const auto there = Cilium(Context(c.argv), f);
          if (!there.present) {
            return FakeReply::Exit(
                1, "Error from server (NotFound): daemonsets.apps \"cilium\" not found\n");
          }
          json ds = {{"kind", "DaemonSet"},
                     {"spec",
                      {{"template",
                        {{"spec",
                          {{"containers",
                            json::array({{{"name", "cilium-agent"},
                                          {"image", "quay.io/cilium/cilium:v" + there.version +
                                                        "@sha256:abc123"}}})}}}}}}}};
          return FakeReply::Ok(ds.dump());
        });
    On(
        "kubectl auth can-i",
        [](const auto& a) {
          return Kubectl(a, {"auth", "can-i"});
        },
        [this](const FakeCall& c, FakeFacts&) {
          const auto at = std::find(c.argv.begin(), c.argv.end(), "can-i") - c.argv.begin();
          const auto key = fmt::format("{} {} {}", Context(c.argv), c.argv[at + 1], c.argv[at + 2]);
          if (denied.count(key) != 0) return FakeReply::Exit(1, "", "no\n");
          return FakeReply::Ok("yes\n");
        });
    On(
        "kubectl wait --for condition=established",
        [](const auto& a) { return Kubectl(a, {"wait"}); },
        [](const FakeCall& c, FakeFacts&) {
          return FakeReply::Ok("customresourcedefinition.apiextensions.k8s.io/" +
                               c.argv.back().substr(4) + " condition met\n");
        });
    On(
        "kubectl apply -f FILE",
        [](const auto& a) {
          return Kubectl(a, {"apply", "-f"});
        },
        [](const FakeCall& c, FakeFacts& f) {
          f.Add(fmt::format("applied {} {}", Context(c.argv),
                            std::filesystem::path(c.argv.back()).filename().string()));
          return FakeReply::Ok("configured\n");
        });
    On(
        "kubectl delete -f FILE",
        [](const auto& a) {
          return Kubectl(a, {"delete", "-f"});
        },
        [](const FakeCall& c, FakeFacts& f) {
          const auto at = std::find(c.argv.begin(), c.argv.end(), "-f") - c.argv.begin();
          f.Remove(fmt::format("applied {} {}", Context(c.argv),
                               std::filesystem::path(c.argv[at + 1]).filename().string()));
          return FakeReply::Ok("deleted\n");
        });
    On(
        "kubectl rollout status",
        [](const auto& a) {
          return Kubectl(a, {"rollout", "status"});
        },
        [](const FakeCall&, FakeFacts&) { return FakeReply::Ok("successfully rolled out\n"); });
    On(
        "kubectl annotate node",
        [](const auto& a) {
          return Kubectl(a, {"annotate", "node"});
        },
        [](const FakeCall&, FakeFacts&) { return FakeReply::Ok("annotated\n"); });
    On(
        "kubectl get service nginx",
        [](const auto& a) {
          return Kubectl(a, {"get", "service", "nginx"});
        },
        [this](const FakeCall& c, FakeFacts&) {
          const auto cluster = cluster_of.at(Context(c.argv));
          const auto n = cluster == "cilium" ? 21 : 22;
          json ingress = json::array();
          if (HasIpv4()) ingress.push_back({{"ip", fmt::format("10.{}.0.1", n)}});
          if (HasIpv6()) ingress.push_back({{"ip", fmt::format("fd00:10:{}::1", n)}});
          json svc = {{"kind", "Service"},
                      {"metadata", {{"name", "nginx"}}},
                      {"status", {{"loadBalancer", {{"ingress", ingress}}}}}};
          return FakeReply::Ok(svc.dump());
        });
    On(
        "kubectl get pods",
        [](const auto& a) {
          return Kubectl(a, {"get", "pods"});
        },
        [](const FakeCall&, FakeFacts&) { return FakeReply::Ok(R"({"kind":"List","items":[]})"); });
    runner.ExpectPrefix({"helm", "repo", "add", "cilium"})
        .Prints("\"cilium\" has been added to your repositories\n")
        .Always();
    runner.ExpectPrefix({"helm", "list"}).Always().Does([this](const FakeCall& c, FakeFacts&) {
      const auto there = cilium.find(Context(c.argv));
      if (there == cilium.end() || !there->second.present) return FakeReply::Ok("[]");
      return FakeReply::Ok(
          R"([{"name":"cilium","namespace":"kube-system","revision":"3","updated":"2026-11-30 10:00:00 +0000 UTC","status":"deployed","chart":"cilium-1.14.0","app_version":"1.14.0"}])");
    });
    runner.ExpectPrefix({"helm", "rollback", "cilium"})
        .Always()
        .Does([](const FakeCall&, FakeFacts&) {
          return FakeReply::Ok("Rollback was a success! Happy Helming!\n");
        });
    runner.ExpectPrefix({"kubectl", "config", "view", "--minify"})
        .Always()
        .Does([](const FakeCall& c, FakeFacts&) {
          return FakeReply::Ok(Context(c.argv) == "prod-a" ? "https://192.0.2.100:6443"
                                                           : "https://127.0.0.1:41234");
        });
    runner.ExpectPrefix({"helm", "upgrade", "--install", "cilium"})
        .Always()
        .Does([](const FakeCall& c, FakeFacts& f) {
          f.Add("cilium " + Context(c.argv));
          return FakeReply::Ok("Release \"cilium\" has been upgraded. Happy Helming!\n");
        });
    runner.ExpectPrefix({"helm", "uninstall", "cilium"})
        .Always()
        .Does([](const FakeCall& c, FakeFacts& f) {
          f.Remove("cilium " + Context(c.argv));
          return FakeReply::Ok("release \"cilium\" uninstalled\n");
        });
    runner.ExpectPrefix({"cilium", "status", "--wait"}).Prints("Cilium: OK\n").Always();
    // Every node Established with the router (cilium-cli 0.15's JSON: node -> peers).
    runner.ExpectPrefix({"cilium", "bgp", "peers"})
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) {
          const auto cluster = cluster_of.at(Context(c.argv));
          json out = json::object();
          for (const auto& n : Nodes(cluster)) {
            out[n] = json::array({{{"local-asn", cluster == "cilium" ? 65100 : 65200},
                                   {"peer-asn", peer_as},
                                   {"peer-address", peer_address},
                                   {"session-state", "established"},
                                   {"uptime-nanoseconds", 12000000000}}});
          }
          return FakeReply::Ok(out.dump());
        });
    runner.Expect({"ip", "-j", "addr", "show"}).Always().Does([this](const FakeCall&, FakeFacts&) {
      return FakeReply::Ok(host_addresses);
    });
    runner.ExpectPrefix({"ip", "-j", "route", "get"})
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) {
          const auto& node = c.argv[4];
          const auto& from = c.argv[6];
          if (node_unreachable.count(node) != 0)
            return FakeReply::Exit(2, "RTNETLINK answers: Network is unreachable\n");
          // 172.18.x and fd00:18:: on br-a, 172.19.x and fd00:19:: on br-b.
          const auto net = [](const std::string& a) {
            return a.starts_with("fd00:") ? a.substr(0, 7) : a.substr(0, 6);
          };
          const auto dev = net(node).ends_with("18") ? "br-a" : "br-b";
          if (net(node) != net(from)) {
            return FakeReply::Ok(fmt::format(
                R"([{{"dst":"{}","gateway":"{}","dev":"eth0","prefsrc":"{}","flags":[],"uid":0,"cache":[]}}])",
                node, node.find(':') == std::string::npos ? "192.168.1.1" : "fe80::1", from));
          }
          return FakeReply::Ok(fmt::format(
              R"([{{"dst":"{}","from":"{}","dev":"{}","flags":[],"uid":0,"cache":[]}}])", node,
              from, dev));
        });
    runner.Expect({"sysctl", "-n", "net.ipv4.ip_forward"})
        .Always()
        .Does([this](const FakeCall&, FakeFacts&) {
          return FakeReply::Ok(forwarding ? "1\n" : "0\n");
        });
    runner.Expect({"sysctl", "-n", "net.ipv6.conf.all.forwarding"})
        .Always()
        .Does([this](const FakeCall&, FakeFacts&) {
          return FakeReply::Ok(forwarding_v6 ? "1\n" : "0\n");
        });
    runner.ExpectPrefix({"ss"}).Always().Does(
        [](const FakeCall&, FakeFacts&) { return FakeReply::Ok(""); });
  }

  CiliumThere Cilium(const std::string& context, const FakeFacts& f) const {
    auto it = cilium.find(context);
    CiliumThere there = it == cilium.end() ? CiliumThere{} : it->second;
    if (f.Has("cilium " + context)) there.present = true;
    return there;
  }
};

// The command lines that start with `prefix`, in the order they ran.
inline std::vector<std::string> Ran(const FakeClusters& w, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& line : w.runner.CommandLines()) {
    if (line.starts_with(prefix)) out.push_back(line);
  }
  return out;
}

// Nothing applied to a cluster, no router started.
inline void NothingDone(const FakeClusters& w) {
  CHECK(w.Changes().empty());
  CHECK(w.processes.spawned.empty());
}

// A state folder under /tmp, removed with what is in it.
struct StateDir {
  std::string path;
  StateDir() {
    char tmpl[] = "/tmp/bgpdemo-kube-steps-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~StateDir() { std::filesystem::remove_all(path); }
};

// One `up`: its result or error and the steps it reported.
struct Run {
  std::optional<KubeUpResult> result;
  std::optional<Error> error;
  std::vector<StepEvent> steps;
  std::string FailedStep() const {
    return !steps.empty() && !steps.back().ok ? steps.back().step : "";
  }
};

inline Run Up(const KubeUpOptions& o, const ScenarioText& scenario = TestScenario()) {
  Run run;
  auto r = KubeUp(scenario, o, [&](const StepEvent& e) { run.steps.push_back(e); });
  if (r) {
    run.result = *r;
  } else {
    run.error = r.error();
  }
  return run;
}

// A rendered file of the state folder, whole; empty when it is not there.
inline std::string StateFile(const std::string& state_dir, const std::string& path) {
  std::ifstream f(state_dir + "/" + path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline KubeUpOptions Options(FakeClusters& w, const std::string& state_dir) {
  KubeUpOptions o;
  o.state_dir = state_dir;
  o.executable = "/usr/bin/bgpdemo";
  o.contexts = {{"cilium", "prod-a"}, {"cilium2", "prod-b"}};
  o.router = kRouterFlag;
  o.timeout = std::chrono::seconds(5);
  o.runner = &w.runner;
  o.binder = &w.binder;
  o.processes = &w.processes;
  return o;
}

}  // namespace bgpdemo::core::kube::test
