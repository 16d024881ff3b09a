// libFuzzer target: the YAML readers of bgpdemo's own files. Byte 0 picks the reader, the
// rest is the file's text:
//   even  the route server's config (core::ParseRouterConfig)
//   odd   a scenario (core::ParseScenario, then ValidateScenario, then core::Render when it
//         is valid)
// Properties, whatever the text:
//   - nothing crashes, overflows or leaks (the sanitizers watch), and nothing throws;
//   - every error names the file ("router.yaml:...", "s.yaml:...");
//   - a config that parses keeps the rules its reader promises: one of address and range per
//     neighbor, keepalive within the hold time, MD5 keys of at most 80 bytes, restart time
//     within 12 bits;
//   - a scenario that validates renders, and every rendered YAML file parses as YAML (a
//     name or label the scenario carries cannot break out of its field).
// Seed corpus: tests/fuzz/corpus/config_fuzz (examples/router, scenarios, tests/data/scenarios).
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/render.h"
#include "core/router_config.h"
#include "core/scenario.h"
#include "core/scenario_validate.h"

namespace {

[[noreturn]] void Broken(const std::string& what) {
  std::fprintf(stderr, "fuzz property broken: %s\n", what.c_str());
  std::abort();
}

void RouterConfig(std::string_view text) {
  auto c = bgpdemo::core::ParseRouterConfig(text, "router.yaml");
  if (!c) {
    if (c.error().rfind("router.yaml", 0) != 0) Broken("an error without its file: " + c.error());
    return;
  }
  if (c->restart_time < 1 || c->restart_time > 4095) Broken("restart_time out of 1..4095");
  for (const auto& n : c->neighbors) {
    if (n.address.has_value() == n.range.has_value())
      Broken("neighbor without one of address, range");
    if (n.password.size() > 80) Broken("an MD5 key over 80 bytes");
    if (n.timers.hold_time != 0 &&
        (n.timers.hold_time < 3 || n.timers.keepalive > n.timers.hold_time)) {
      Broken("timers the RFC refuses");
    }
  }
}

void Scenario(std::string_view text) {
  auto s = bgpdemo::core::ParseScenario(text, "s.yaml", "s");
  if (!s) {
    if (s.error().message().rfind("s.yaml", 0) != 0) {
      Broken("an error without its file: " + s.error().message());
    }
    return;
  }
  if (!bgpdemo::core::ValidateScenario(*s).empty()) return;
  auto r = bgpdemo::core::Render(*s, {});
  if (!r) return;  // e.g. run-time values it needs: named, not a crash
  for (const auto& f : r->files) {
    try {
      (void)YAML::LoadAll(f.content);
    } catch (const YAML::Exception& e) {
      Broken(f.path + " is not YAML: " + e.what());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) == 0) {
    RouterConfig(text);
  } else {
    Scenario(text);
  }
  return 0;
}
