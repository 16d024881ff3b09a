// A HostFacts (core/kind/host_limits.h) that answers from maps, for preflight's host checks:
// by default a roomy machine (kind's recommended inotify limits, 8 GiB available, 100 GiB
// free under /var/lib/docker), which a test changes field by field.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <string>

#include "core/kind/host_limits.h"

namespace bgpdemo::core::kind::test {

class FakeHostFacts final : public HostFacts {
 public:
  std::map<std::string, std::string> files{
      {"/proc/sys/fs/inotify/max_user_instances", "512\n"},
      {"/proc/sys/fs/inotify/max_user_watches", "524288\n"},
      {"/proc/meminfo",
       "MemTotal:       16314092 kB\nMemFree:         2119212 kB\nMemAvailable:    8388608 kB\n"}};
  std::map<std::string, std::uint64_t> free_bytes{{"/var/lib/docker", 100ULL << 30}};

  Result<std::string, std::string> ReadFile(const std::string& path) override {
    const auto it = files.find(path);
    if (it == files.end()) return Fail(fmt::format("cannot read {}", path));
    return it->second;
  }
  Result<std::uint64_t, std::string> FreeBytes(const std::string& path) override {
    const auto it = free_bytes.find(path);
    if (it == free_bytes.end()) return Fail(fmt::format("cannot statvfs {}", path));
    return it->second;
  }
};

// `docker info --format '{{json .}}'` as Docker 20.10 prints it, the fields preflight reads.
inline std::string DockerInfoJson(const std::string& root = "/var/lib/docker",
                                  const std::string& cgroup = "2",
                                  std::uint64_t mem_total = 16ULL << 30) {
  return fmt::format(
      R"j({{"ID":"Q3ZK:7VJX","Containers":3,"Driver":"overlay2","DockerRootDir":"{}",)j"
      R"j("CgroupDriver":"systemd","CgroupVersion":"{}","MemTotal":{},"NCPU":2,)j"
      R"j("ServerVersion":"20.10.24+dfsg1","OperatingSystem":"Debian GNU/Linux 12 (bookworm)"}})j"
      "\n",
      root, cgroup, mem_total);
}

}  // namespace bgpdemo::core::kind::test
