// The host checks of preflight (core/kind/host_limits.h).
//
// Which finding is an error and which a warning, and why:
// - inotify (kind's known-issues page, "Pod errors due to 'too many open files'", recommends
//   fs.inotify.max_user_watches=524288 and max_user_instances=512; Ubuntu's 8192 and 128
//   are "not enough to create a cluster with many nodes"). The limits are per user and not
//   namespaced, so every node's systemd, containerd, kubelet and Cilium agent draw on one
//   budget. Below the recommendation is a warning: many machines run six small nodes on
//   128 instances, and refusing them would stop demos that work. Fewer than 8 instances per
//   node is an error: a kind node's systemd alone holds several, and kubelet, containerd and
//   the agent at least one each, so the nodes cannot all start.
// - Disk: the images must fit under Docker's data root (DockerRootDir): the node image
//   (kindest/node, about 1 GiB unpacked; pulled once), per node the images its containerd
//   pulls (cilium, operator, nginx: about 1 GiB), and the route server's image build (about
//   2 GiB with its build stage). Less free space than that is an error: a pull that fills
//   the disk fails half-way and leaves nodes that never become Ready.
// - Memory: about 1 GiB per control plane (apiserver, etcd, controllers, Cilium agent and
//   operator) and 512 MiB per worker (kubelet, agent, nginx), estimates from running the
//   demo. Less total memory on Docker's machine (`docker info` MemTotal) is an error; less
//   available memory here now (/proc/meminfo MemAvailable) is a warning (other programs may
//   give it back; the kernel may swap).
// - cgroup v1 (`docker info` CgroupVersion): Kubernetes 1.31 put cgroup v1 in maintenance
//   mode and from 1.35 the kubelet refuses to start on it by default (failCgroupV1), so it is
//   an error for a node image of 1.35 or later and a warning before.
#include "core/kind/host_limits.h"

#include <fmt/format.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

namespace bgpdemo::core::kind {

namespace {

constexpr std::uint64_t kGiB = 1024ULL * 1024 * 1024;
constexpr std::uint64_t kMiB = 1024ULL * 1024;
constexpr std::uint64_t kRecommendedInstances = 512;
constexpr std::uint64_t kRecommendedWatches = 524288;
constexpr std::uint64_t kFatalInstancesPerNode = 8;

std::string Gib(std::uint64_t bytes) {
  return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / static_cast<double>(kGiB));
}

// The number a /proc/sys file holds; nullopt when unreadable.
std::optional<std::uint64_t> ReadNumber(HostFacts& facts, const std::string& path) {
  auto text = facts.ReadFile(path);
  if (!text) return std::nullopt;
  try {
    return std::stoull(*text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// "MemAvailable:   8012345 kB" of /proc/meminfo, in bytes.
std::optional<std::uint64_t> MemAvailable(HostFacts& facts) {
  auto text = facts.ReadFile("/proc/meminfo");
  if (!text) return std::nullopt;
  std::istringstream lines(*text);
  for (std::string key; lines >> key;) {
    std::uint64_t kb = 0;
    std::string unit;
    if (!(lines >> kb >> unit)) break;
    if (key == "MemAvailable:") return kb * 1024;
  }
  return std::nullopt;
}

void CheckInotify(const HostNeeds& needs, HostFacts& facts, std::vector<HostFinding>& out) {
  const auto nodes = needs.control_planes + needs.workers;
  const struct {
    const char* key;
    std::uint64_t recommended;
    std::uint64_t fatal;
  } limits[] = {
      {"fs.inotify.max_user_instances", kRecommendedInstances, kFatalInstancesPerNode * nodes},
      {"fs.inotify.max_user_watches", kRecommendedWatches, 0},
  };
  for (const auto& l : limits) {
    std::string path = std::string("/proc/sys/") + l.key;
    for (auto& c : path) c = c == '.' ? '/' : c;
    const auto have = ReadNumber(facts, path);
    if (!have || *have >= l.recommended) continue;
    const bool fatal = *have < l.fatal;
    out.push_back({fatal ? Severity::kError : Severity::kWarning,
                   fmt::format("{} is {}; kind recommends {} for clusters with many nodes "
                               "(here {}){}",
                               l.key, *have, l.recommended, nodes,
                               fatal ? ", and fewer than 8 per node cannot start them" : ""),
                   fmt::format("sudo sysctl {}={} (and `{} = {}` in /etc/sysctl.d/99-kind.conf "
                               "to keep it)",
                               l.key, l.recommended, l.key, l.recommended)});
  }
}

}  // namespace

Result<std::string, std::string> SystemHostFacts::ReadFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Fail(fmt::format("cannot read {}", path));
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

Result<std::uint64_t, std::string> SystemHostFacts::FreeBytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return Fail(fmt::format("cannot statvfs {}", path));
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

HostFacts& DefaultHostFacts() {
  static SystemHostFacts facts;
  return facts;
}

std::uint64_t DiskNeeded(const HostNeeds& needs) {
  return kGiB + (needs.control_planes + needs.workers) * kGiB + 2 * kGiB;
}

std::uint64_t MemoryNeeded(const HostNeeds& needs) {
  return needs.control_planes * kGiB + needs.workers * 512 * kMiB;
}

std::vector<HostFinding> CheckHostLimits(const HostNeeds& needs, HostFacts& facts,
                                         CommandRunner& runner,
                                         const std::map<std::string, std::string>& env) {
  std::vector<HostFinding> out;
  CheckInotify(needs, facts, out);
  const auto nodes = needs.control_planes + needs.workers;

  auto info = runner.Run({"docker", "info", "--format", "{{json .}}"},
                         {.timeout = std::chrono::seconds(10), .env_add = env});
  nlohmann::json j;
  if (info && info->exit_code == 0 && !info->timed_out) {
    j = nlohmann::json::parse(info->out, nullptr, false);
    if (!j.is_object()) j = nlohmann::json::object();
  }
  const auto root = j.value("DockerRootDir", std::string());
  if (!root.empty()) {
    // A daemon on another machine has its data root there: nothing to measure here.
    if (auto free = facts.FreeBytes(root); free && *free < DiskNeeded(needs)) {
      out.push_back({Severity::kError,
                     fmt::format("{} free under Docker's data root {}; the images of {} kind "
                                 "nodes and the route server need about {}",
                                 Gib(*free), root, nodes, Gib(DiskNeeded(needs))),
                     fmt::format("docker system prune (removes stopped containers and unused "
                                 "images), or free space on the filesystem of {}",
                                 root)});
    }
  }
  if (const auto total = j.value("MemTotal", std::uint64_t{0});
      total != 0 && total < MemoryNeeded(needs)) {
    out.push_back({Severity::kError,
                   fmt::format("Docker's machine has {} of memory; {} kind nodes with Cilium need "
                               "about {}",
                               Gib(total), nodes, Gib(MemoryNeeded(needs))),
                   "a machine (or Docker Desktop VM) with more memory, or a scenario with fewer "
                   "workers (clusters[].workers)"});
  } else if (const auto avail = MemAvailable(facts); avail && *avail < MemoryNeeded(needs)) {
    out.push_back({Severity::kWarning,
                   fmt::format("{} of memory is available now; {} kind nodes with Cilium need "
                               "about {}",
                               Gib(*avail), nodes, Gib(MemoryNeeded(needs))),
                   "close other programs (free -h shows what is used)"});
  }
  if (const auto cgroup = j.value("CgroupVersion", std::string()); cgroup == "1") {
    const bool fatal = needs.kubernetes_minor >= 35;
    out.push_back(
        {fatal ? Severity::kError : Severity::kWarning,
         fmt::format("Docker runs on cgroup v1; {}",
                     fatal ? fmt::format("the kubelet of Kubernetes 1.{} refuses to start on it",
                                         needs.kubernetes_minor)
                           : "Kubernetes deprecates it from 1.31 and refuses it from 1.35"),
         "boot with cgroup v2: add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in "
         "/etc/default/grub, then sudo update-grub && sudo reboot"});
  }
  std::stable_partition(out.begin(), out.end(),
                        [](const HostFinding& f) { return f.severity == Severity::kError; });
  return out;
}

std::string FormatFinding(const HostFinding& f) {
  return fmt::format("{}: {}\n    fix: {}", f.severity == Severity::kError ? "error" : "warning",
                     f.what, f.fix);
}

}  // namespace bgpdemo::core::kind
