#include "core/kind/tool_output.h"

#include <fmt/format.h>

#include <sstream>

#include "core/kind/internal.h"

namespace bgpdemo::core::kind {

using nlohmann::json;

Result<ContainerInfo, Error> ParseContainerInspect(const std::string& inspect_out) {
  auto j = ParseJson(inspect_out, "docker inspect");
  if (!j) return Fail(j.error());
  if (!j->is_array() || j->empty() || !(*j)[0].is_object()) {
    return Fail(
        fmt::format("docker inspect printed no container: {:?}", inspect_out.substr(0, 120)));
  }
  const json& c = (*j)[0];
  ContainerInfo info;
  const json labels = c.value("Config", json::object()).value("Labels", json::object());
  info.owned = labels.is_object() && labels.value("io.bgpdemo.owner", "") == "bgpdemo";
  info.running = c.value("State", json::object()).value("Running", false);
  const json networks =
      c.value("NetworkSettings", json::object()).value("Networks", json::object());
  if (networks.is_object()) {
    for (const auto& [name, n] : networks.items()) {
      info.addresses[name] = n.is_object() ? n.value("IPAddress", "") : "";
      const auto v6 = n.is_object() ? n.value("GlobalIPv6Address", "") : "";
      if (!v6.empty()) info.addresses_v6[name] = v6;
    }
  }
  return info;
}

bool DockerSaysNoSuchContainer(const ProcessResult& result) {
  return result.err.find("No such container") != std::string::npos;
}

bool DockerSaysNoSuchNetwork(const ProcessResult& result) {
  return result.err.find("not found") != std::string::npos ||
         result.err.find("No such network") != std::string::npos;
}

}  // namespace bgpdemo::core::kind
