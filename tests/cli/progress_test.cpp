// `up`'s progress events as users see them (issue #11, behaviour 4): a line in text mode,
// {"event":"progress",...} with -o json, next to the step events; and the kind waits'
// flags with their defaults in `up --help`.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/demo_command.h"
#include "cli/demo_verbs.h"
#include "tests/test_util.h"

namespace bgpdemo {
namespace {

core::StepEvent Waiting() {
  core::StepEvent e{"cilium", true, 25.0,
                    "waiting for cilium: helm upgrade --install --wait; cilium 1 of 4 pods not "
                    "ready: cilium-x7k2p ContainerCreating (image quay.io/cilium/cilium:v1.14.0)"};
  e.progress = true;
  return e;
}

TEST_CASE("up: a progress event is a line in text mode, after which the step's end follows") {
  cli::DemoOptions o;
  std::ostringstream out;
  const auto sink = cli::demo::Printer(o, out, "up");
  sink(Waiting());
  sink(core::StepEvent{"cilium", true, 31.5, "Cilium 1.14.0 ready in 2 clusters"});
  CHECK(out.str() ==
        "  cilium         25.0 s  ... waiting for cilium: helm upgrade --install --wait; cilium 1 "
        "of 4 pods not ready: cilium-x7k2p ContainerCreating (image "
        "quay.io/cilium/cilium:v1.14.0)\n"
        "  cilium       31.500 s  Cilium 1.14.0 ready in 2 clusters\n");
}

TEST_CASE("up -o json: a progress event is {\"event\":\"progress\",...}") {
  cli::DemoOptions o;
  o.output = "json";
  std::ostringstream out;
  cli::demo::Printer(o, out, "up")(Waiting());
  const auto j = nlohmann::json::parse(out.str());
  CHECK(j["event"] == "progress");
  CHECK(j["verb"] == "up");
  CHECK(j["step"] == "cilium");
  CHECK(j["seconds"] == 25.0);
  CHECK(j["ok"] == true);
  CHECK(j["detail"].get<std::string>().starts_with("waiting for cilium: helm upgrade"));
}

TEST_CASE("up --help: every kind wait has its flag and default, and --no-preload") {
  const auto help = test::Bgpdemo({"up", "--help"});
  REQUIRE(help.code == 0);
  // No structured binding: clang before 16 cannot capture one in doctest's lambdas.
  for (const auto& fv :
       std::vector<std::pair<std::string, std::string>>{{"--helm-timeout", "600"},
                                                        {"--cilium-timeout", "300"},
                                                        {"--rollout-timeout", "300"},
                                                        {"--crd-timeout", "120"}}) {
    const std::string& flag = fv.first;
    const std::string& value = fv.second;
    const auto at = help.out.find(flag);
    REQUIRE_MESSAGE(at != std::string::npos, flag);
    const auto line = help.out.substr(at, help.out.find('\n', at) - at);
    CHECK_MESSAGE(line.ends_with("=" + value), line);  // CLI11's "INT:INT in [1 - 7200]=600"
  }
  CHECK(help.out.find("--no-preload") != std::string::npos);
  CHECK(test::Bgpdemo({"up", "--helm-timeout", "0"}).code == 2);
}

}  // namespace
}  // namespace bgpdemo
