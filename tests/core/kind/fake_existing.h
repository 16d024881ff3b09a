// The part of the fake world (fake_kind.h) that exists before up: Docker's networks and the
// machine's routes, and kind clusters made by someone else. In the real tools' formats:
//
//   docker network ls --format {{.Name}}     bridge, host, none, then every "network X" fact
//   docker network inspect A B ...           Docker 20.10's JSON: IPAM.Config with an IPv6
//                                            ULA first when the network has one (as kind
//                                            makes `kind`), Options with the driver MTU on
//                                            `bridge`; "Error: No such network: X" on stderr
//                                            and exit 1 for a missing one
//   docker network create ...                a missing network gets the --subnet given, or
//                                            the first of 172.18.0.0/16, 172.19.0.0/16 ...
//                                            no network has (Docker's default pools)
//   ip -j route                              iproute2's JSON: default, eth0's, docker0's and
//                                            one br- route per network
//   docker container inspect NODE NODE...    a cluster's nodes: kind's role label, its network
//   kubectl ... get configmap kubeadm-config, get daemonsets -o name
//                                            the cluster as kind v0.20.0 made it, from
//                                            `shapes` (see existing.h for the sources)
#pragma once

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/fake_runner.h"

namespace bgpdemo::core::kind::test {

// A kind cluster as kubeadm and kind set it up.
struct FakeClusterShape {
  std::string pod_subnet;
  std::string service_subnet;
  bool kindnet = false;
  bool kube_proxy = false;
};

class FakeExisting {
 public:
  // The IPv4 subnet of each network while it exists (the ones given here are for networks a
  // test makes exist; up's creates add theirs), and an IPv6 ULA beside it.
  std::map<std::string, std::string> subnets{{"kind", "172.30.200.0/24"},
                                             {"kind2", "172.30.201.0/24"}};
  std::map<std::string, std::string> ipv6_subnets;
  int docker0_mtu = 1500;  // the `bridge` network's com.docker.network.driver.mtu
  // The machine's routes besides Docker's: (dst, dev).
  std::vector<std::pair<std::string, std::string>> host_routes{{"10.0.2.0/24", "eth0"}};
  std::map<std::string, std::string> cluster_networks{{"cilium", "kind"}, {"cilium2", "kind2"}};
  // How each cluster was made (the test scenario's, unless a test says otherwise).
  std::map<std::string, FakeClusterShape> shapes{
      {"cilium", {"10.241.0.0/16", "10.11.0.0/16", false, false}},
      {"cilium2", {"10.242.0.0/16", "10.12.0.0/16", false, false}}};

  // What `kind create cluster --config FILE` makes: kind's defaults (kind v0.20.0
  // pkg/apis/config/v1alpha4/default.go: pods 10.244.0.0/16, services 10.96.0.0/16, kindnet,
  // kube-proxy) overridden by the file's `networking`.
  void ClusterMade(const std::string& name, const std::string& config) {
    FakeClusterShape shape{"10.244.0.0/16", "10.96.0.0/16", true, true};
    const YAML::Node networking = YAML::LoadFile(config)["networking"];
    if (networking["podSubnet"]) shape.pod_subnet = networking["podSubnet"].as<std::string>();
    if (networking["serviceSubnet"]) {
      shape.service_subnet = networking["serviceSubnet"].as<std::string>();
    }
    shape.kindnet =
        !(networking["disableDefaultCNI"] && networking["disableDefaultCNI"].as<bool>());
    shape.kube_proxy =
        !(networking["kubeProxyMode"] && networking["kubeProxyMode"].as<std::string>() == "none");
    shapes[name] = shape;
  }

  // A network that exists before up, as kind makes it: Docker's subnet and kind's ULA.
  void KindMadeNetwork(FakeRunner& runner, const std::string& name, const std::string& subnet) {
    runner.SetFact("network " + name);
    subnets[name] = subnet;
    ipv6_subnets[name] = "fc00:f853:ccd:e793::/64";
  }

 protected:
  static std::string Gateway(const std::string& subnet) {
    const auto base = subnet.substr(0, subnet.find('/'));
    return base.substr(0, base.rfind('.')) + ".1";
  }

  nlohmann::json NetworkJson(const std::string& name) const {
    using nlohmann::json;
    json config = json::array();
    json options = json::object();
    if (name == "bridge") {
      config.push_back({{"Subnet", "172.17.0.0/16"}, {"Gateway", "172.17.0.1"}});
      options = {{"com.docker.network.bridge.default_bridge", "true"},
                 {"com.docker.network.bridge.name", "docker0"},
                 {"com.docker.network.driver.mtu", std::to_string(docker0_mtu)}};
    } else if (name != "host" && name != "none") {
      if (const auto v6 = ipv6_subnets.find(name); v6 != ipv6_subnets.end()) {
        config.push_back({{"Subnet", v6->second}, {"Gateway", "fc00:f853:ccd:e793::1"}});
      }
      config.push_back({{"Subnet", subnets.at(name)}, {"Gateway", Gateway(subnets.at(name))}});
      options = {{"com.docker.network.bridge.enable_ip_masquerade", "true"}};
    }
    const char* driver = name == "host" ? "host" : name == "none" ? "null" : "bridge";
    return {{"Name", name},
            {"Driver", driver},
            {"EnableIPv6", ipv6_subnets.count(name) != 0},
            {"IPAM", {{"Driver", "default"}, {"Options", json::object()}, {"Config", config}}},
            {"Options", options},
            {"Labels", json::object()}};
  }

  // The first /16 of Docker's default pools that no network has.
  std::string DockerChosenSubnet(const FakeFacts& f) const {
    for (int second = 18; second < 32; ++second) {
      const auto candidate = fmt::format("172.{}.0.0/16", second);
      bool taken = false;
      for (const auto& n : f.WithPrefix("network ")) {
        taken = taken || (subnets.count(n) && subnets.at(n) == candidate);
      }
      if (!taken) return candidate;
    }
    return "192.168.0.0/20";
  }

  // `create_fails`: the networks whose `docker network create` fails (a pool overlap).
  void ScriptExisting(FakeRunner& runner, const std::set<std::string>& create_fails) {
    using nlohmann::json;
    runner.Expect({"docker", "network", "ls", "--format", "{{.Name}}"})
        .Always()
        .Does([](const FakeCall&, FakeFacts& f) {
          std::string out = "bridge\nhost\nnone\n";
          for (const auto& n : f.WithPrefix("network ")) out += n + "\n";
          return FakeReply::Ok(out);
        });
    runner.ExpectPrefix({"docker", "network", "inspect"})
        .Always()
        .Does([this](const FakeCall& c, FakeFacts& f) {
          json out = json::array();
          std::string err;
          for (std::size_t i = 3; i < c.argv.size(); ++i) {
            const auto& name = c.argv[i];
            const bool builtin = name == "bridge" || name == "host" || name == "none";
            if (builtin || f.Has("network " + name)) {
              out.push_back(NetworkJson(name));
            } else {
              err += "Error: No such network: " + name + "\n";
            }
          }
          return err.empty() ? FakeReply::Ok(out.dump(4)) : FakeReply::Exit(1, err, out.dump(4));
        });
    runner.ExpectPrefix({"docker", "network", "create"})
        .Always()
        .Does([this, &create_fails](const FakeCall& c, FakeFacts& f) {
          const auto& name = c.argv.back();
          if (create_fails.count(name)) {
            return FakeReply::Exit(
                1,
                "Error response from daemon: Pool overlaps with other one on this address space\n");
          }
          if (f.Has("network " + name)) {
            return FakeReply::Exit(
                1, fmt::format("Error response from daemon: network with name {} already exists\n",
                               name));
          }
          std::string subnet;
          for (std::size_t i = 0; i + 1 < c.argv.size(); ++i) {
            if (c.argv[i] == "--subnet") subnet = c.argv[i + 1];
          }
          subnets[name] = subnet.empty() ? DockerChosenSubnet(f) : subnet;
          f.Add("network " + name);
          return FakeReply::Ok("4f0c2d1b9a8e\n");
        });
    runner.Expect({"ip", "-j", "route"}).Always().Does([this](const FakeCall&, FakeFacts& f) {
      json out = json::array({{{"dst", "default"}, {"gateway", "10.0.2.2"}, {"dev", "eth0"}}});
      for (const auto& [dst, dev] : host_routes) out.push_back({{"dst", dst}, {"dev", dev}});
      out.push_back({{"dst", "172.17.0.0/16"}, {"dev", "docker0"}, {"linkdown", true}});
      for (const auto& n : f.WithPrefix("network ")) {
        out.push_back({{"dst", subnets.at(n)}, {"dev", "br-4f0c2d1b9a8e"}});
      }
      return FakeReply::Ok(out.dump());
    });
    runner
        .ExpectMatching("`docker container inspect NODE NODE...`",
                        [](const auto& argv) {
                          return argv.size() > 4 && argv[0] == "docker" && argv[1] == "container" &&
                                 argv[2] == "inspect";
                        })
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) {
          json out = json::array();
          for (std::size_t i = 3; i < c.argv.size(); ++i) {
            const auto& node = c.argv[i];
            const bool cp = node.ends_with("-control-plane");
            const auto name = node.substr(0, node.rfind(cp ? "-control-plane" : "-worker"));
            out.push_back(
                {{"Name", "/" + node},
                 {"Config",
                  {{"Labels",
                    {{"io.x-k8s.kind.cluster", name},
                     {"io.x-k8s.kind.role", cp ? "control-plane" : "worker"}}}}},
                 {"NetworkSettings",
                  {{"Networks", {{cluster_networks.at(name), {{"IPAddress", "172.30.0.9"}}}}}}}});
          }
          return FakeReply::Ok(out.dump());
        });
    runner
        .ExpectMatching("`kubectl --context C -n kube-system get configmap kubeadm-config -o json`",
                        [](const auto& argv) {
                          return argv.size() == 10 && argv[0] == "kubectl" &&
                                 argv[6] == "configmap" && argv[7] == "kubeadm-config";
                        })
        .Always()
        .Does([this](const FakeCall& c, FakeFacts&) {
          const auto& shape = shapes.at(c.argv[2].substr(5));
          // kind v0.20.0's ClusterConfiguration as kubeadm stores it (abridged).
          const auto config = fmt::format(
              "apiServer:\n  certSANs:\n  - localhost\n  - 127.0.0.1\n"
              "apiVersion: kubeadm.k8s.io/v1beta3\nclusterName: {}\n"
              "controlPlaneEndpoint: {}-control-plane:6443\nkind: ClusterConfiguration\n"
              "kubernetesVersion: v1.27.3\nnetworking:\n  dnsDomain: cluster.local\n"
              "  podSubnet: {}\n  serviceSubnet: {}\n",
              c.argv[2].substr(5), c.argv[2].substr(5), shape.pod_subnet, shape.service_subnet);
          return FakeReply::Ok(
              json{{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"metadata", {{"name", "kubeadm-config"}, {"namespace", "kube-system"}}},
                   {"data", {{"ClusterConfiguration", config}}}}
                  .dump());
        });
    runner
        .ExpectMatching("`kubectl --context C -n kube-system get daemonsets -o name`",
                        [](const auto& argv) {
                          return argv.size() == 9 && argv[0] == "kubectl" &&
                                 argv[6] == "daemonsets" && argv[8] == "name";
                        })
        .Always()
        .Does([this](const FakeCall& c, FakeFacts& f) {
          const auto cluster = c.argv[2].substr(5);
          const auto& shape = shapes.at(cluster);
          std::string out;
          if (f.Has("cilium on " + cluster)) out += "daemonset.apps/cilium\n";
          if (shape.kindnet) out += "daemonset.apps/kindnet\n";
          if (shape.kube_proxy) out += "daemonset.apps/kube-proxy\n";
          return FakeReply::Ok(out);
        });
  }
};

}  // namespace bgpdemo::core::kind::test
