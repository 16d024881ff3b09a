// A running kube demo behind core::Demo (core/demo.h): the clusters read as on kind
// (core/k8s/cluster_view.h), the route server where `--router` put it: on this machine
// through its control socket and this machine's kernel, in a container through `docker
// exec` on its Docker host, or not at all for the user's own router (verify then checks the
// nodes' side only, and says so).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"
#include "core/demo.h"

namespace bgpdemo::core::kube {

// `runner` must outlive the demo. Errors: no kube demo is up (kFailed), a state that cannot
// be read (kInput).
Result<std::unique_ptr<Demo>, Error> OpenKubeDemo(const std::string& state_dir,
                                                  const std::map<std::string, std::string>& env,
                                                  CommandRunner& runner);

}  // namespace bgpdemo::core::kube
