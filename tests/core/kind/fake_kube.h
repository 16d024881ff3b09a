// The slow and late parts of the fake kind world (fake_kind.h), for the long steps' tests
// (issue #11, behaviours 4, 6 and 7): Helm releases with their status, a Helm that takes
// fake time, pods that pull their images for a while, CRDs registered after Helm returns
// (and kubectl apply failing with kubectl's "no matches for kind" until then), and
// `kind load docker-image`. FakeKind scripts it first, so that its expectations come before
// FakeKind's own; its state is guarded by the runner's lock (handlers run under it).
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/fake_runner.h"

namespace bgpdemo::core::kind::test {

class KubeFake {
 public:
  using ms = std::chrono::milliseconds;

  // Knobs.
  std::chrono::seconds helm_takes{0};  // helm upgrade --wait lasts this long (fake time)
  std::chrono::seconds pull_time{0};   // pods ContainerCreating this long after they appear
  std::chrono::seconds crd_delay{0};   // CRDs registered this long after helm returned
  bool crds_never = false;             // ... or never
  int apply_no_kind = 0;               // custom resource applies that fail first anyway
  bool rollout_fails = false;          // rollout status times out (after pull_time)
  // A release as an interrupted Helm left it: cluster -> status (pending-install, ...).
  std::map<std::string, std::string> release_status;
  std::map<std::string, int> release_revision;

  static std::vector<std::string> Nodes(const std::string& cluster) {
    return {cluster + "-control-plane", cluster + "-worker", cluster + "-worker2"};
  }

  static std::string NoKindMessage(const std::string& path, const std::string& kind) {
    return fmt::format(
        "error: resource mapping not found for name: \"{}\" namespace: \"\" from \"{}\": no "
        "matches for kind \"{}\" in version \"cilium.io/v2alpha1\"\nensure CRDs are installed "
        "first\n",
        kind == "CiliumLoadBalancerIPPool" ? "lb-pool" : "bgp", path, kind);
  }

  void Script(FakeRunner& runner, const bool& helm_fails, const bool& helm_hangs) {
    using nlohmann::json;
    runner.ExpectPrefix({"helm", "upgrade", "--install", "cilium", "cilium/cilium"})
        .Always()
        .Does([this, &helm_fails, &helm_hangs](const FakeCall& c, FakeFacts& f) {
          const auto cluster = Value(c.argv, "--kube-context").substr(5);
          auto& status = release_status[cluster];
          if (status.starts_with("pending-")) {
            return FakeReply::Exit(1,
                                   "Error: UPGRADE FAILED: another operation "
                                   "(install/upgrade/rollback) is in progress\n");
          }
          const bool fresh = status.empty();
          status = fresh ? "pending-install" : "pending-upgrade";
          ++release_revision[cluster];
          pods_since_[cluster] = c.at;
          if (helm_hangs) return FakeReply::Timeout();  // killed: the release stays pending
          if (helm_fails) {
            status = "failed";
            return FakeReply::Exit(1,
                                   "Error: UPGRADE FAILED: timed out waiting for the condition\n");
          }
          status = "deployed";
          f.Add("cilium on " + cluster);
          crds_at_[cluster] = c.at + ms(helm_takes) + ms(crd_delay);
          return FakeReply::Ok(fresh ? "Release \"cilium\" does not exist. Installing it now.\n"
                                     : "Release \"cilium\" has been upgraded. Happy Helming!\n")
              .Taking(helm_takes);
        });
    runner.ExpectPrefix({"helm", "list", "--namespace", "kube-system", "--kube-context"})
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) {
          const auto cluster = Value(c.argv, "--kube-context").substr(5);
          json out = json::array();
          const auto it = release_status.find(cluster);
          if (it != release_status.end() && !it->second.empty()) {
            out.push_back({{"name", "cilium"},
                           {"namespace", "kube-system"},
                           {"revision", std::to_string(release_revision[cluster])},
                           {"updated", "2023-08-01 10:00:00.000000000 +0000 UTC"},
                           {"status", it->second},
                           {"chart", "cilium-1.14.0"},
                           {"app_version", "1.14.0"}});
          }
          return FakeReply::Ok(out.dump() + "\n");
        });
    runner.ExpectPrefix({"helm", "rollback", "cilium"})
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) {
          const auto cluster = Value(c.argv, "--kube-context").substr(5);
          release_status[cluster] = "deployed";
          ++release_revision[cluster];
          return FakeReply::Ok("Rollback was a success! Happy Helming!\n");
        });
    runner.ExpectPrefix({"helm", "uninstall", "cilium"})
        .Always()
        .Does([this](const FakeCall& c, FakeFacts& f) {
          const auto cluster = Value(c.argv, "--kube-context").substr(5);
          if (release_status[cluster].empty()) {
            return FakeReply::Exit(1,
                                   "Error: uninstall: Release not loaded: cilium: release: "
                                   "not found\n");
          }
          release_status.erase(cluster);
          release_revision.erase(cluster);
          f.Remove("cilium on " + cluster);
          return FakeReply::Ok("release \"cilium\" uninstalled\n");
        });
    runner
        .ExpectMatching("`kind load docker-image IMAGE... --name C`",
                        [](const auto& argv) {
                          return argv.size() > 5 && argv[0] == "kind" && argv[1] == "load" &&
                                 argv[2] == "docker-image";
                        })
        .Always()
        .Does([](const FakeCall& c, FakeFacts& f) {
          const auto cluster = c.argv.back();
          std::string err;
          for (std::size_t i = 3; i + 2 < c.argv.size(); ++i) {
            f.Add("loaded " + c.argv[i] + " into " + cluster);
            for (const auto& node : Nodes(cluster)) {
              err += fmt::format(
                  "Image: \"{}\" with ID \"sha256:5d1c\" not yet present on node \"{}\", "
                  "loading...\n",
                  c.argv[i], node);
            }
          }
          return FakeReply::Exit(0, err);
        });
    runner
        .ExpectMatching("`kubectl --context C wait --for condition=established --timeout=Ns crd/N`",
                        [](const auto& argv) {
                          return argv.size() == 8 && argv[0] == "kubectl" && argv[3] == "wait";
                        })
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) {
          const auto cluster = c.argv[2].substr(5);
          const auto crd = c.argv[7].substr(4);
          if (!CrdsThere(cluster, c.at)) {
            return FakeReply::Exit(
                1, fmt::format("Error from server (NotFound): customresourcedefinitions."
                               "apiextensions.k8s.io \"{}\" not found\n",
                               crd));
          }
          return FakeReply::Ok(
              fmt::format("customresourcedefinition.apiextensions.k8s.io/{} condition met\n", crd));
        });
    runner
        .ExpectMatching("`kubectl --context C apply -f` nginx.yaml, lb-ippool.yaml or bgp-*.yaml",
                        [](const auto& argv) {
                          if (argv.size() != 6 || argv[0] != "kubectl" || argv[3] != "apply") {
                            return false;
                          }
                          const auto base = std::filesystem::path(argv[5]).filename().string();
                          return base == "nginx.yaml" || base == "lb-ippool.yaml" ||
                                 base.starts_with("bgp-");
                        })
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) {
          const auto cluster = c.argv[2].substr(5);
          const auto base = std::filesystem::path(c.argv[5]).filename().string();
          if (base == "nginx.yaml") {
            nginx_since_[cluster] = c.at;
            return FakeReply::Ok("deployment.apps/nginx created\nservice/nginx created\n");
          }
          const auto kind =
              base == "lb-ippool.yaml" ? "CiliumLoadBalancerIPPool" : "CiliumBGPPeeringPolicy";
          if (!CrdsThere(cluster, c.at) || apply_no_kind > 0) {
            if (apply_no_kind > 0) --apply_no_kind;
            return FakeReply::Exit(1, NoKindMessage(c.argv[5], kind));
          }
          return FakeReply::Ok("configured\n");
        });
    runner
        .ExpectMatching("`kubectl --context C rollout status deployment/nginx --timeout=Ns`",
                        [](const auto& argv) {
                          return argv.size() == 7 && argv[0] == "kubectl" && argv[3] == "rollout";
                        })
        .Always()
        .Does([this](const FakeCall&, FakeFacts&) {
          if (rollout_fails) {
            return FakeReply::Exit(1, "error: timed out waiting for the condition\n",
                                   "Waiting for deployment \"nginx\" rollout to finish: 0 of 2 "
                                   "updated replicas are available...\n")
                .Taking(pull_time);
          }
          return FakeReply::Ok("deployment \"nginx\" successfully rolled out\n").Taking(pull_time);
        });
    runner
        .ExpectMatching("`kubectl --context C -n NS get pods [-l SEL] -o json`",
                        [](const auto& argv) {
                          return argv.size() >= 8 && argv[0] == "kubectl" && argv[3] == "-n" &&
                                 argv[5] == "get" && argv[6] == "pods";
                        })
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) { return Pods(c); });
  }

 private:
  static std::string Value(const std::vector<std::string>& argv, const std::string& flag) {
    for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
      if (argv[i] == flag) return argv[i + 1];
    }
    return "";
  }

  bool CrdsThere(const std::string& cluster, ms now) const {
    const auto it = crds_at_.find(cluster);
    return !crds_never && it != crds_at_.end() && now >= it->second;
  }

  FakeReply Pods(const FakeCall& c) const {
    using nlohmann::json;
    const auto cluster = c.argv[2].substr(5);
    const bool cilium = c.argv[4] == "kube-system";
    const auto& since = cilium ? pods_since_ : nginx_since_;
    json items = json::array();
    const auto it = since.find(cluster);
    if (it != since.end()) {
      const bool pulling = c.at < it->second + ms(pull_time);
      std::vector<std::pair<std::string, std::string>> pods;  // name, node
      const auto nodes = Nodes(cluster);
      if (cilium) {
        const char* ids[] = {"x7k2p", "b9q4m", "h3n8v"};
        for (std::size_t i = 0; i < nodes.size(); ++i) {
          pods.emplace_back(std::string("cilium-") + ids[i], nodes[i]);
        }
        pods.emplace_back("cilium-operator-6b8d9c7f5-r2x4z", nodes[1]);
      } else {
        pods = {{"nginx-7c5ddbdf54-4kq2z", nodes[1]}, {"nginx-7c5ddbdf54-9wzvd", nodes[2]}};
      }
      for (const auto& [name, node] : pods) {
        const auto image = !cilium ? std::string("nginx:latest")
                           : name.starts_with("cilium-operator")
                               ? std::string("quay.io/cilium/operator-generic:v1.14.0")
                               : std::string("quay.io/cilium/cilium:v1.14.0");
        json status =
            pulling ? json{{"phase", "Pending"},
                           {"conditions", json::array({{{"type", "Ready"},
                                                        {"status", "False"},
                                                        {"reason", "ContainersNotReady"}}})},
                           {"containerStatuses",
                            json::array(
                                {{{"name", cilium ? "cilium-agent" : "nginx"},
                                  {"image", image},
                                  {"ready", false},
                                  {"restartCount", 0},
                                  {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}}})}}
                    : json{{"phase", "Running"},
                           {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}};
        items.push_back(
            {{"metadata", {{"name", name}}}, {"spec", {{"nodeName", node}}}, {"status", status}});
      }
    }
    return FakeReply::Ok(json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}}.dump());
  }

  std::map<std::string, ms> pods_since_;   // cluster -> when helm began
  std::map<std::string, ms> nginx_since_;  // cluster -> when nginx.yaml was applied
  std::map<std::string, ms> crds_at_;      // cluster -> when its CRDs are registered
};

}  // namespace bgpdemo::core::kind::test
