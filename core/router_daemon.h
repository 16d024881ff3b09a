// The route server as a background service on this machine (`--router host:...`): the
// running bgpdemo starts itself as
//
//   SELF router --config STATE/router/router.yaml --socket STATE/router/router.sock
//
// detached (own session and process group, stdin /dev/null, stdout and stderr appended to
// STATE/router/router.log, pid in STATE/router/router.pid), and waits until its control
// socket answers (core/router_service.h QueryRouter) or it exits. Stop sends SIGTERM (the
// router sends Cease to its peers and removes its kernel routes), then SIGKILL after a
// grace time, and only to a pid whose /proc/PID/cmdline is `router --config` of this state
// folder's router.yaml: a pid that the system gave to another program since is never
// signalled. Same shape as the lab's daemon (core/lab/lab.cpp), which starts
// `bgpdemo lab-daemon` this way.
//
// Processes and the socket go through RouterProcesses and time through a CommandRunner
// (Now, Sleep), so the decisions are tested with fakes; SystemRouterProcesses is the real
// one. Not thread-safe: one caller per state folder at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"
#include "core/process.h"

namespace bgpdemo::core {

// The router's files in a state folder: <state>/router/{router.yaml,.sock,.log,.pid}.
struct RouterDaemonPaths {
  std::string dir, config, socket, log, pid;
};
// `state_dir` made absolute, so that the cmdline check holds whatever the working folder.
RouterDaemonPaths RouterDaemonPathsIn(const std::string& state_dir);

// What the service needs from the system.
class RouterProcesses {
 public:
  virtual ~RouterProcesses() = default;
  virtual Result<pid_t, std::string> Spawn(const std::vector<std::string>& argv,
                                           const SpawnOptions& options) = 0;
  // True while pid exists and is no zombie (ProcessAlive: reaps our own exited child).
  virtual bool Alive(pid_t pid) = 0;
  // /proc/PID/cmdline split at its NULs; nullopt when pid is gone or a zombie.
  virtual std::optional<std::vector<std::string>> Cmdline(pid_t pid) = 0;
  // kill(pid, signal); false when it is gone (ESRCH). Other failures: the message.
  virtual Result<bool, std::string> Signal(pid_t pid, int signal) = 0;
  // Whether a router answers on the control socket now.
  virtual bool Answers(const std::string& socket) = 0;
};

class SystemRouterProcesses final : public RouterProcesses {
 public:
  Result<pid_t, std::string> Spawn(const std::vector<std::string>& argv,
                                   const SpawnOptions& options) override;
  bool Alive(pid_t pid) override;
  std::optional<std::vector<std::string>> Cmdline(pid_t pid) override;
  Result<bool, std::string> Signal(pid_t pid, int signal) override;
  bool Answers(const std::string& socket) override;
};

struct RouterDaemonOptions {
  std::string binary;     // SELF: the bgpdemo executable (cli/self_path.h)
  std::string state_dir;  // the demo's state folder; the rendered router.yaml is in router/
  std::string log_level = "info";
  std::chrono::milliseconds ready_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds stop_timeout = std::chrono::seconds(10);  // SIGTERM to SIGKILL
  std::string netns;  // run in /run/netns/<netns> (tests); empty: this machine's
};

struct RouterDaemonStatus {
  bool running = false;  // the pid file names a live `router --config` of this state folder
  pid_t pid = 0;         // when running
  bool answers = false;  // its control socket answers (Status only)
  RouterDaemonPaths paths;
};

// Whether pid is this state folder's router: alive, and its cmdline has `router` and
// `--config <paths.config>`.
bool IsOurRouter(RouterProcesses& procs, pid_t pid, const RouterDaemonPaths& paths);

// Starts the router unless it runs already (then its status, untouched), and returns once
// its socket answers. Errors: no router.yaml there (kInput), it could not be started or did
// not answer within ready_timeout (kEnvironment, quoting the end of router.log; one that
// did not answer is stopped first).
Result<RouterDaemonStatus, Error> StartRouterDaemon(const RouterDaemonOptions& options,
                                                    CommandRunner& clock, RouterProcesses& procs);

// Stops it: SIGTERM, up to stop_timeout, then SIGKILL and up to 2 s more; removes the pid
// file. One that is gone already, or a pid file naming another program, is success
// (returns false: nothing was running); true when it stopped a router. Errors: it could
// not be signalled or outlived SIGKILL (kEnvironment).
Result<bool, Error> StopRouterDaemon(const RouterDaemonOptions& options, CommandRunner& clock,
                                     RouterProcesses& procs);

// Running or not, and whether it answers.
RouterDaemonStatus RouterDaemonStatusOf(const std::string& state_dir, RouterProcesses& procs);

// The last `lines` non-blank lines of a file, each indented by two spaces; empty when it
// cannot be read.
std::string FileTail(const std::string& path, std::size_t lines);

}  // namespace bgpdemo::core
