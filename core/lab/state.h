// What `bgpdemo up --provider lab` has made, kept in the state folder so that the daemon,
// the other verbs and `down` (also after a crash or a killed daemon) know it:
//
//   <state_dir>/state.json     LabState below, written before each step acts
//   <state_dir>/daemon.json    the daemon's children (DaemonState), once it is ready
//   <state_dir>/daemon.sock    the daemon's control socket (JSON lines, mode 0600)
//   <state_dir>/router.{yaml,sock,log}, speakers/<node>.{yaml,sock,log}, daemon.log
//
// The folder holds nothing else; `down` removes it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/scenario.h"

namespace bgpdemo::core::lab {

struct LabState {
  std::string provider = "lab";
  std::string prefix;
  ScenarioText scenario;
  std::string node_speaker = "engine";  // engine | gobgpd
  std::string binary;                   // the bgpdemo that runs the router and speakers
  std::int64_t started_at = 0;          // Unix seconds
  pid_t daemon_pid = 0;
  std::vector<std::string> namespaces;  // every one created (or about to be)
};

struct DaemonState {
  pid_t router_pid = 0;
  std::map<std::string, pid_t> speakers;  // node -> pid (0: stopped)
  std::int64_t ready_at = 0;
};

Result<void, Error> WriteLabState(const std::string& dir, const LabState& s);
// Errors: no state (kFailed, the message says the demo is not up), or a file that does not
// parse (kInput).
Result<LabState, Error> ReadLabState(const std::string& dir);
bool LabStateExists(const std::string& dir);

Result<void, Error> WriteDaemonState(const std::string& dir, const DaemonState& s);
Result<DaemonState, Error> ReadDaemonState(const std::string& dir);

}  // namespace bgpdemo::core::lab
