// The lab daemon: the background process `bgpdemo up --provider lab` starts (as the hidden
// verb `bgpdemo lab-daemon`) once the namespaces and links exist. It holds everything that
// runs in them:
//
//   router      `bgpdemo router` in the router's namespace (the rendered router.yaml, FIB
//               on), the same program the kind provider runs in its container
//   speakers    one per node: `bgpdemo router` with the node's speaker config
//               (core/lab/engine_speaker.h), or `gobgpd` (core/lab/gobgpd.h)
//   pods        an HTTP responder in each pod's namespace (nginx's stand-in)
//   LB IPs      a proxy on each node that advertises a LoadBalancer IP, to the pods
//
// The router starts first and the speakers once it answers, because a speaker whose first
// connection is refused waits a whole connect-retry time (120 s in the demo) to try again.
//
// Control socket <state_dir>/daemon.sock, one JSON request per line:
//   {"command":"status"}                            children, their pids and whether alive
//   {"command":"speaker","node":N,"action":"stop"|"start"}
//   {"command":"shutdown"}                          as SIGTERM
// SIGTERM/SIGINT: speakers stopped (Cease), then the router (Cease, its kernel routes
// removed), then the data plane; exit 0.
#pragma once

#include <string>

#include "base/error.h"
#include "base/result.h"

namespace bgpdemo::core::lab {

// Runs the daemon for the demo whose state is in state_dir until it is told to stop.
// Returns the process exit code; an error when the state cannot be read or planned. Logs
// go to stderr (daemon.log when started by up).
Result<int, Error> RunLabDaemon(const std::string& state_dir);

}  // namespace bgpdemo::core::lab
