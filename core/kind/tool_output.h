// What the kind provider's tools print, read into values where it enters (docs/style.md "Parse
// once, at the edge"; networks.h reads the networks): `kind get clusters|nodes`, `docker container
// inspect`, `kubectl get service -o json`, and Docker's "no such object" answer.
// Pure functions; tests/core/kind/tool_output_test.cpp feeds them the tools' real output.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/process.h"

namespace bgpdemo::core::kind {

// A container as `docker container inspect NAME` describes it.
struct ContainerInfo {
  bool owned = false;    // labelled io.bgpdemo.owner=bgpdemo: bgpdemo made it
  bool running = false;  // State.Running
  std::map<std::string, std::string> addresses;  // network -> IPv4 (empty: none yet)
  // network -> GlobalIPv6Address, on networks made with IPv6 only.
  std::map<std::string, std::string> addresses_v6;
};
Result<ContainerInfo, Error> ParseContainerInspect(const std::string& inspect_out);

// Whether a failed `docker rm -f NAME` says there is no such container, and a failed
// `docker network rm NAME` that there is no such network ("network kind not found", "No
// such network"): for down, that one is done.
bool DockerSaysNoSuchContainer(const ProcessResult& result);
bool DockerSaysNoSuchNetwork(const ProcessResult& result);

}  // namespace bgpdemo::core::kind
