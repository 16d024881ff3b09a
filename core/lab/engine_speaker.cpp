#include "core/lab/engine_speaker.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace bgpdemo::core::lab {
namespace {

bool Has(const std::vector<std::string>& families, std::string_view f) {
  return std::find(families.begin(), families.end(), f) != families.end();
}

}  // namespace

std::string EngineSpeakerYaml(const SpeakerConfig& s) {
  std::string y = fmt::format(
      "# Node {} as Cilium's BGP control plane sets up its speaker (written by bgpdemo up).\n"
      "router_id: {}\n"
      "local_as: {}\n"
      "mode: router\n"
      "hostname: {}\n"
      "extended_next_hop: true\n",
      s.node, s.router_id, s.local_as, s.node);
  // Port 0 with an address: no listener (Cilium 1.14 without the local-port annotation).
  y += fmt::format("listen: {{addresses: [{}], port: {}}}\n", s.address, s.listen_port);
  if (!s.prefixes.empty()) {
    y += "originate:\n";
    for (const auto& p : s.prefixes) y += fmt::format("  - {}\n", p);
  }
  y += "neighbors:\n";
  for (const auto& n : s.neighbors) {
    // Cilium's GoBGP imports everything (it installs nothing) and exports what it
    // originates; with the route server as its only neighbor, "all" says both.
    y += fmt::format(
        "  - name: {0}\n"
        "    address: {0}\n"
        "    peer_as: {1}\n"
        "    local_address: {2}\n"
        "    import: all\n"
        "    export: all\n"
        "    graceful_restart: {3}\n"
        "    timers: {{hold_time: {4}, keepalive: {5}, connect_retry: {6}}}\n"
        "    ipv4: {7}\n"
        "    ipv6: {8}\n",
        n.address, n.peer_as, s.address, n.graceful_restart ? "true" : "false", n.hold_time,
        n.keepalive, n.connect_retry, Has(n.families, "ipv4"), Has(n.families, "ipv6"));
  }
  return y;
}

}  // namespace bgpdemo::core::lab
