// Tests for core/yaml_util: YAML to JSON typing (as Kubernetes reads manifests) and the
// reader's error messages.
#include "core/yaml_util.h"

#include <doctest/doctest.h>

using bgpdemo::core::YamlReader;
using bgpdemo::core::YamlToJson;

TEST_CASE("yaml: plain scalars are typed, quoted ones stay strings") {
  const auto j = YamlToJson(
      YAML::Load("a: 65100\nb: \"65100\"\nc: true\nd: 'true'\ne: ~\nf:\ng: 1.5\nh: 1.14.0\n"
                 "i: 10.0.0.0/8\nj: [1, x]\nk: -3\nl: 18446744073709551615\n"));
  CHECK(j == nlohmann::json::parse(R"({"a":65100,"b":"65100","c":true,"d":"true","e":null,
      "f":null,"g":1.5,"h":"1.14.0","i":"10.0.0.0/8","j":[1,"x"],"k":-3,
      "l":18446744073709551615})"));
}

TEST_CASE("yaml: the reader names file, line, column and field") {
  const YamlReader r("x.yaml");
  const auto doc = YAML::Load("a: 1\nb: [2]\nc: maybe\n");
  try {
    r.Scalar(doc["b"], "b");
    FAIL("no error");
  } catch (const bgpdemo::core::YamlError& e) {
    CHECK(e.message == "x.yaml:2:4: b: expected a single value");
  }
  try {
    r.Bool(doc["c"], "c");
    FAIL("no error");
  } catch (const bgpdemo::core::YamlError& e) {
    CHECK(e.message == "x.yaml:3:4: c: \"maybe\" is not true or false");
  }
  CHECK(r.Number(doc["a"], "a", 1, 9, "a digit") == 1);
  auto bad = bgpdemo::core::LoadAllYaml("a: [\n", "y.yaml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind() == bgpdemo::ErrorKind::kInput);
  CHECK(bad.error().message().starts_with("y.yaml:"));
}
