// Reads the route server's YAML configuration (`bgpdemo router --config FILE`).
//
// Every error names the file, line and column, the field path, the bad value and what
// would be valid, e.g.
//   router.yaml:7:14: neighbors[0].peer_as: 0 is not a valid AS number (1..4294967295, not 23456)
// Unknown keys are errors too, so a typo never silently becomes a default. Filters are
// `all`, `none`, or a list of prefix-list entries ("10.241.0.0/16 le 24", "deny ...":
// bgp/policy/prefix_list.h).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "bgp/server/config.h"

namespace bgpdemo::core {

// `source` names the text in messages (the file name).
Result<bgp::server::RouterConfig, std::string> ParseRouterConfig(std::string_view yaml,
                                                                 std::string_view source);
// Reads the file and parses it; a file with TCP MD5 passwords must pass CheckSecretsPrivate.
Result<bgp::server::RouterConfig, std::string> LoadRouterConfig(const std::string& path);

// A config that holds TCP MD5 passwords must be private to its owner (no group or other
// bits, as ssh wants of a private key); otherwise the error names the file, the mode and the
// chmod that fixes it. Configs without passwords pass whatever their mode.
Result<void, std::string> CheckSecretsPrivate(const bgp::server::RouterConfig& config,
                                              const std::string& path);

}  // namespace bgpdemo::core
