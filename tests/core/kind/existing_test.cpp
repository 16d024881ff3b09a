// Tests for core/kind/existing: a kind cluster read from docker inspect of its nodes,
// kubeadm's config map and its DaemonSets (kind v0.20.0 / kubeadm v1beta3 shapes, trimmed),
// and how it differs from the scenario's.
#include "core/kind/existing.h"

#include <doctest/doctest.h>

namespace bgpdemo::core::kind {
namespace {

// `docker container inspect cilium-control-plane cilium-worker` of a kind cluster.
constexpr const char* kNodes = R"([
  {"Name": "/cilium-control-plane",
   "Config": {"Labels": {"io.x-k8s.kind.cluster": "cilium",
                         "io.x-k8s.kind.role": "control-plane"}},
   "NetworkSettings": {"Networks": {"kind": {"IPAddress": "172.18.0.3",
                                             "GlobalIPv6Address": "fc00:f853:ccd:e793::3"}}}},
  {"Name": "/cilium-worker",
   "Config": {"Labels": {"io.x-k8s.kind.cluster": "cilium", "io.x-k8s.kind.role": "worker"}},
   "NetworkSettings": {"Networks": {"kind": {"IPAddress": "172.18.0.2"}}}}
])";

// `kubectl -n kube-system get configmap kubeadm-config -o json` as kubeadm stores it.
constexpr const char* kKubeadmConfig = R"({
  "apiVersion": "v1", "kind": "ConfigMap",
  "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
  "data": {"ClusterConfiguration": "apiServer:\n  certSANs:\n  - localhost\n  - 127.0.0.1\n  extraArgs:\n    runtime-config: \"\"\napiVersion: kubeadm.k8s.io/v1beta3\nclusterName: cilium\ncontrolPlaneEndpoint: cilium-control-plane:6443\nkind: ClusterConfiguration\nkubernetesVersion: v1.27.3\nnetworking:\n  dnsDomain: cluster.local\n  podSubnet: 10.244.0.0/16\n  serviceSubnet: 10.96.0.0/16\nscheduler: {}\n"}
})";

ClusterSpec Want() {
  ClusterSpec c;
  c.name = "cilium";
  c.network = "kind";
  c.pod_cidr = "10.241.0.0/16";
  c.service_cidr = "10.11.0.0/16";
  c.workers = 2;
  return c;
}

TEST_CASE("kind existing: nodes, kubeadm's networking and the DaemonSets read from the tools") {
  ExistingCluster c;
  c.name = "cilium";
  REQUIRE(ReadNodeContainers(kNodes, c));
  CHECK(c.control_planes == 1);
  CHECK(c.workers == 1);
  CHECK(c.networks == std::set<std::string>{"kind"});
  REQUIRE(ReadKubeadmConfig(kKubeadmConfig, c));
  CHECK(c.pod_subnet == "10.244.0.0/16");
  CHECK(c.service_subnet == "10.96.0.0/16");
  ReadDaemonSets("daemonset.apps/kindnet\ndaemonset.apps/kube-proxy\n", c);
  CHECK(c.kindnet);
  CHECK(c.kube_proxy);

  ExistingCluster none;
  none.name = "x";
  CHECK(ReadKubeadmConfig(R"({"data": {}})", none).error().message() ==
        "configmap kubeadm-config of cluster x has no ClusterConfiguration");
  CHECK(ReadKubeadmConfig(R"({"data": {"ClusterConfiguration": "a: [b"}})", none)
            .error()
            .message()
            .starts_with("configmap kubeadm-config of cluster x: its ClusterConfiguration is not "
                         "YAML: "));
  ReadDaemonSets("", none);
  CHECK_FALSE(none.kindnet);
}

TEST_CASE("kind existing: a cluster made as the scenario says has no differences") {
  ExistingCluster c{"cilium", 1, 2, {"kind"}, "10.241.0.0/16", "10.11.0.0/16", false, false};
  CHECK(ClusterDifferences(Want(), c).empty());
}

TEST_CASE("kind existing: kind's defaults (the original demo made otherwise) differ in each way") {
  ExistingCluster c;
  c.name = "cilium";
  REQUIRE(ReadNodeContainers(kNodes, c));
  REQUIRE(ReadKubeadmConfig(kKubeadmConfig, c));
  ReadDaemonSets("daemonset.apps/kindnet\ndaemonset.apps/kube-proxy\n", c);
  auto want = Want();
  want.network = "kind2";
  const auto diff = ClusterDifferences(want, c);
  CHECK(diff ==
        std::vector<std::string>{
            "its nodes are on Docker network kind, the scenario's on kind2",
            "pod CIDR 10.244.0.0/16, the scenario's 10.241.0.0/16",
            "service CIDR 10.96.0.0/16, the scenario's 10.11.0.0/16", "1 workers, the scenario's 2",
            "kind's default CNI (kindnet) runs, the scenario's has none (Cilium is the CNI)",
            "kube-proxy runs, the scenario's has none (Cilium replaces it)"});
  const auto e = ClusterMismatch("cilium", {diff[1]});
  CHECK(e.kind() == ErrorKind::kEnvironment);
  CHECK(e.message() ==
        "kind cluster cilium exists and is not the scenario's cluster cilium:\n"
        "  pod CIDR 10.244.0.0/16, the scenario's 10.241.0.0/16\n"
        "  fix: delete it (kind delete cluster --name cilium) and up creates it as the scenario "
        "says, or change the scenario to match it");

  ExistingCluster ha{"cilium", 3, 2, {"kind"}, "10.241.0.0/16", "10.11.0.0/16", false, false};
  CHECK(ClusterDifferences(Want(), ha) ==
        std::vector<std::string>{"3 control-plane nodes, the scenario's 1"});
}

}  // namespace
}  // namespace bgpdemo::core::kind
