// Whether this machine can hold the scenario's kind nodes (issue #11, "Host limits"): what
// kind's known-issues page lists for many nodes (inotify limits), free disk under Docker's
// data root for the images, memory, and the cgroup version. Each finding names the command
// that fixes it; errors stop preflight, warnings are shown on its line and by `doctor`.
//
//   docker info --format '{{json .}}'   -> DockerRootDir, CgroupVersion, MemTotal (the
//                                          daemon's machine)
//   HostFacts::ReadFile                  -> /proc/sys/fs/inotify/*, /proc/meminfo
//   HostFacts::FreeBytes                 -> statvfs of DockerRootDir
//
// HostFacts is the seam for tests (tests/core/kind/fake_host.h): the real one reads this
// machine; programs still run through the CommandRunner.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/command_runner.h"

namespace bgpdemo::core::kind {

// What preflight reads from this machine other than by running a program. The real one is
// stateless (any thread); fakes say.
class HostFacts {
 public:
  virtual ~HostFacts() = default;
  // A file's text; an error text when it cannot be read.
  virtual Result<std::string, std::string> ReadFile(const std::string& path) = 0;
  // Bytes an unprivileged user may still write on the filesystem holding `path` (statvfs:
  // f_bavail * f_frsize); an error text when `path` is not there (a remote Docker daemon).
  virtual Result<std::uint64_t, std::string> FreeBytes(const std::string& path) = 0;
};

class SystemHostFacts final : public HostFacts {
 public:
  Result<std::string, std::string> ReadFile(const std::string& path) override;
  Result<std::uint64_t, std::string> FreeBytes(const std::string& path) override;
};

// The one SystemHostFacts of the process.
HostFacts& DefaultHostFacts();

enum class Severity { kWarning, kError };

struct HostFinding {
  Severity severity = Severity::kWarning;
  std::string what;  // "fs.inotify.max_user_instances is 128; kind recommends 512 for ..."
  std::string fix;   // "sudo sysctl fs.inotify.max_user_instances=512"
};

// What the scenario asks of the machine.
struct HostNeeds {
  std::size_t control_planes = 0;
  std::size_t workers = 0;
  int kubernetes_minor = 0;  // of the node image (1.<minor>); 0: unknown
};

// The estimates the checks use, in bytes (host_limits.cpp says where they come from).
std::uint64_t DiskNeeded(const HostNeeds& needs);
std::uint64_t MemoryNeeded(const HostNeeds& needs);

// Every finding, errors first. Reads nothing but what the header comment lists; a fact that
// cannot be read is skipped (the tool check reports a Docker that does not answer).
std::vector<HostFinding> CheckHostLimits(const HostNeeds& needs, HostFacts& facts,
                                         CommandRunner& runner,
                                         const std::map<std::string, std::string>& env);

// "warning: WHAT\n    fix: FIX" for people.
std::string FormatFinding(const HostFinding& f);

}  // namespace bgpdemo::core::kind
