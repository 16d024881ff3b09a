// The lab's default node speaker: `bgpdemo router` itself, configured as Cilium's agent
// configures its GoBGP (core/cilium_model.h): router mode (own AS, next hop self), the node's
// address as router id and source, the route server as the one neighbor, dialled out and
// listened for, the node's prefixes originated, FQDN and extended next hop offered.
#pragma once

#include <string>

#include "core/cilium_model.h"

namespace bgpdemo::core::lab {

// The router configuration file (core/router_config.h) for one node's speaker.
std::string EngineSpeakerYaml(const SpeakerConfig& s);

}  // namespace bgpdemo::core::lab
