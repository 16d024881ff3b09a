// The one process runner of core/: runs a program (never through a shell), optionally
// inside a network namespace, and either waits for it (RunProcess: output captured,
// optional stdin text and timeout) or leaves it running (SpawnDetached: daemons such as
// gobgpd and our own background daemon, output appended to a log file).
//
// Data flow: argv -> FindProgram (PATH lookup in the parent) -> fork -> in the child, only
// async-signal-safe calls: setns(CLONE_NEWNET) into /run/netns/<name> (opened by the
// parent), optional setsid / UTS namespace, fds > 2 marked close-on-exec, execve. A
// close-on-exec pipe carries a failed setns/exec's errno back to the parent, so "could not
// start" is an error value and never an exit code. Safe to call from several threads.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace bgpdemo::core {

struct RunOptions {
  std::string stdin_text;                      // written to the child's stdin, then stdin is closed
  std::chrono::milliseconds timeout{0};        // 0: none; else SIGKILL the child when it expires
  std::map<std::string, std::string> env_add;  // added to (or replacing in) our environment
  std::string netns;  // run inside /run/netns/<netns>; empty: our own namespace
};

struct ProcessResult {
  int exit_code = 0;  // the exit status, or 128 + signal number when a signal ended it
  int signal = 0;     // the signal that ended it; 0 when it exited
  std::string out;
  std::string err;
  double seconds = 0;      // wall time from start to exit
  bool timed_out = false;  // killed because RunOptions::timeout expired (exit_code 137)
};

// Runs argv[0] (looked up in PATH unless it holds a '/') with the arguments argv[1...],
// waits for it and returns what it printed. The child's fds > 2 are closed. Returns an
// error only when the program could not be started ("ip: not found in PATH", "netns X: ...
// no such network namespace"); a non-zero exit or a timeout is a ProcessResult. Output is
// collected until the child exits (a grandchild keeping the pipes open does not hold it up).
// The child dies with us: killed (SIGKILL) when we are, so nothing we waited for goes on
// changing the machine after a killed `up` or `down`.
Result<ProcessResult, std::string> RunProcess(const std::vector<std::string>& argv,
                                              const RunOptions& options = {});

struct SpawnOptions {
  std::string netns;        // as RunOptions::netns
  std::string log_file;     // stdout and stderr appended there (created 0644); empty: /dev/null
  bool new_session = true;  // setsid(): no controlling terminal, own process group
  std::map<std::string, std::string> env_add;
  // Not empty: the child gets its own UTS namespace with this hostname (gobgpd sends
  // os.Hostname() in its FQDN capability; each lab node has its own).
  std::string hostname;
};

// Starts argv and returns at once with its pid; stdin is /dev/null, fds > 2 are closed.
// The process is our child until we exit: StopProcess or ProcessAlive reap it.
Result<pid_t, std::string> SpawnDetached(const std::vector<std::string>& argv,
                                         const SpawnOptions& options = {});

// The full path of an executable: `name` itself when it holds a '/', else the first match
// in PATH (a default path when PATH is unset). Empty when there is none.
std::string FindProgram(const std::string& name);

// True while pid exists and is not a zombie. Reaps pid when it is our exited child.
bool ProcessAlive(pid_t pid);

// SIGTERM, up to `grace` for it to exit, then SIGKILL and up to 2 s more. Reaps pid when it
// is our child. A process that is already gone is success. Errors: no permission to signal
// it, or it still exists after SIGKILL.
Result<void, std::string> StopProcess(pid_t pid,
                                      std::chrono::milliseconds grace = std::chrono::seconds(3));
// SIGKILL at once (no chance to say goodbye: a killed BGP speaker sends no NOTIFICATION),
// then up to 2 s for it to be gone; reaps pid when it is our child. Errors as StopProcess.
Result<void, std::string> KillProcess(pid_t pid);

// `a 'b c'`: argv as a POSIX shell would need it typed, for messages.
std::string ShellQuote(const std::vector<std::string>& argv);

// For users, a failed command in a few lines:
//   `ip -n bgpd1-r link set x up` exited with 1:
//     Cannot find device "x"
// (the last `stderr_lines` lines of stderr, or of stdout when stderr is empty; a timeout or
// a signal is said as such).
std::string FormatFailure(const std::vector<std::string>& argv, const ProcessResult& result,
                          std::size_t stderr_lines = 10);

// The last `lines` non-blank lines of stderr, or of stdout when stderr is blank, joined by
// '\n': what FormatFailure quotes, for an error value (CommandFailure::stderr_tail).
std::string OutputTail(const ProcessResult& result, std::size_t lines = 10);

}  // namespace bgpdemo::core
