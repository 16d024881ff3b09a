// The apply-and-wait steps (core/k8s/apply_steps.h).
#include "core/k8s/apply_steps.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/cilium_model.h"
#include "core/files.h"
#include "core/k8s/crds.h"
#include "core/k8s/output.h"

namespace bgpdemo::core::k8s {

namespace {

std::string Absolute(const std::string& dir, const std::string& path) {
  return std::filesystem::absolute(std::filesystem::path(dir) / path).string();
}

}  // namespace

std::string WrittenFiles::Path(const std::string& cluster, FileKind kind) const {
  for (const auto& f : files.files) {
    if (f.cluster == cluster && f.kind == kind) return Absolute(dir, f.path);
  }
  return "";
}

std::string WrittenFiles::PathByName(const std::string& cluster, const std::string& name) const {
  for (const auto& f : files.files) {
    if (f.cluster == cluster && std::filesystem::path(f.path).filename() == name) {
      return Absolute(dir, f.path);
    }
  }
  return "";
}

Result<std::string, Error> WriteFiles(const WrittenFiles& written) {
  for (const auto& f : written.files.files) {
    const auto path = std::filesystem::path(written.dir) / f.path;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (auto r = WriteFileAtomic(path.string(), f.content, 0644); !r) return Fail(r.error());
  }
  return fmt::format("{} files in {}", written.files.files.size(), written.dir);
}

Result<std::string, Error> ApplyInClusters(const Clusters& up, const Scenario& s,
                                           const WrittenFiles& written, const std::string& name,
                                           std::chrono::seconds crd_timeout, bool optional) {
  std::size_t n = 0;
  for (const auto& c : s.clusters) {
    const auto path = written.PathByName(c.name, name);
    if (path.empty()) {
      if (optional) continue;
      return Fail(fmt::format("no {} was rendered for cluster {}", name, c.name));
    }
    // A custom resource waits for its CRD (core/k8s/crds.h).
    auto r = ApplyWhenEstablished(up, up.Runner(), up.Context(c.name), path, crd_timeout);
    if (!r) return Fail(r.error());
    ++n;
  }
  return fmt::format("{} applied in {} clusters", name, n);
}

Result<std::vector<std::string>, Error> AwaitLoadBalancerIps(const Clusters& up,
                                                             const std::string& cluster,
                                                             const Scenario& s,
                                                             std::chrono::seconds timeout) {
  const auto until = up.Runner().Now() + timeout;
  const auto context = up.Context(cluster);
  while (true) {
    auto r =
        up.Tool({"kubectl", "--context", context, "get", "service", "nginx", "-o", "json"}, "");
    if (!r) return Fail(r.error());
    auto j = ParseJson(*r, "kubectl get service");
    if (!j) return Fail(j.error());
    auto got = ServiceLoadBalancerIps(*j);
    const auto families = SplitFamilies(got);
    const bool v4 = !s.HasIpv4() || !families.v4.empty();
    const bool v6 = !s.HasIpv6() || !families.v6.empty();
    if (v4 && v6) return got;
    if (up.Runner().Now() > until) {
      const auto missing = got.empty() ? ""
                                       : fmt::format(" (it has {} only: no {} address)",
                                                     fmt::join(got, ", "), v4 ? "IPv6" : "IPv4");
      return Fail(fmt::format(
          "the LoadBalancer IP of service nginx in cluster {} never came ({} s){}\n  hint: "
          "kubectl --context {} get ciliumloadbalancerippools, and check Cilium runs",
          cluster, timeout.count(), missing, context));
    }
    up.Runner().Sleep(std::chrono::milliseconds(500));
  }
}

Result<std::string, Error> LoadBalancers(const Clusters& up, const Scenario& s,
                                         const WrittenFiles& written,
                                         std::chrono::seconds crd_timeout,
                                         std::chrono::seconds timeout) {
  auto a = ApplyInClusters(up, s, written, "lb-ippool.yaml", crd_timeout);
  if (!a) return a;
  std::vector<std::string> ips;
  for (const auto& c : s.clusters) {
    auto got = AwaitLoadBalancerIps(up, c.name, s, timeout);
    if (!got) return Fail(got.error());
    ips.push_back(fmt::format("{} {}", c.name, fmt::join(*got, " ")));
  }
  return fmt::format("{}", fmt::join(ips, ", "));
}

Result<std::string, Error> AnnotateNodes(const Clusters& up, const Scenario& s,
                                         const RenderResult& files) {
  std::size_t n = 0;
  for (const auto& c : s.clusters) {
    Cluster k;
    k.name = c.name;
    auto nodes = up.Nodes(c.name);
    if (!nodes) return Fail(nodes.error());
    for (const auto& name : *nodes) k.nodes.push_back({name, "", "", "", {}, {}});
    std::vector<RenderedFile> mine;
    for (const auto& f : files.files) {
      if (f.cluster == c.name && f.kind == FileKind::kNodeAnnotations) mine.push_back(f);
    }
    if (auto r = ApplyManifests(k, mine); !r) return Fail(r.error());
    for (const auto& node : k.nodes) {
      for (const auto& [key, value] : node.annotations) {
        if (auto r = up.Tool({"kubectl", "--context", up.Context(c.name), "annotate", "node",
                              node.name, "--overwrite", key + "=" + value},
                             "");
            !r) {
          return Fail(r.error());
        }
        ++n;
      }
    }
  }
  return fmt::format("{} annotations", n);
}

Result<std::string, Error> ApplyBgp(const Clusters& up, const Scenario& s,
                                    const WrittenFiles& written, std::chrono::seconds crd_timeout) {
  std::size_t n = 0;
  int retries = 0;
  for (const auto& c : s.clusters) {
    for (const auto& f : written.files.files) {
      if (f.cluster != c.name || f.kind != FileKind::kManifest) continue;
      const auto base = std::filesystem::path(f.path).filename().string();
      if (!base.starts_with("bgp-")) continue;
      auto r = ApplyWhenEstablished(up, up.Runner(), up.Context(c.name),
                                    written.PathByName(c.name, base), crd_timeout);
      if (!r) return Fail(r.error());
      retries += r->retries;
      ++n;
    }
  }
  return fmt::format("{} BGP files applied (Cilium {}, BGP API {}){}", n, s.cilium_version,
                     ToString(s.Api()),
                     retries ? fmt::format("; kubectl apply retried {} times until the CRDs "
                                           "were registered",
                                           retries)
                             : "");
}

}  // namespace bgpdemo::core::k8s
