// YAML helpers shared by the readers of bgpdemo's own YAML files (the route server's
// configuration, scenarios) and by the tests that check rendered manifests.
//
// YamlReader turns yaml-cpp nodes into values and throws YamlError with
// "file:line:column: field.path: what" on the first problem; ParseYaml() catches it (and
// yaml-cpp's own exceptions) at the edge and returns a Result whose Error is of kind kInput,
// so nothing outside a parser sees an exception. YamlToJson() converts a parsed document to
// nlohmann::json with YAML 1.2 core-schema typing, as Kubernetes reads manifests.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/result.h"

namespace bgpdemo::core {

// Thrown inside parsers only; ParseYaml() turns it into a Result.
struct YamlError {
  std::string message;
};

// "a.b" from "a" and "b"; just "b" when the path is empty.
std::string JoinPath(std::string_view path, std::string_view key);

// Reads typed values out of yaml-cpp nodes. Every failure throws YamlError with the
// node's position. Not thread-safe (none of it needs to be): one reader per parse.
class YamlReader {
 public:
  explicit YamlReader(std::string_view source) : source_(source) {}

  const std::string& source() const { return source_; }

  [[noreturn]] void Error(const YAML::Node& node, std::string_view path,
                          std::string_view what) const;
  // Every key of `map` is one of `allowed` (and `map` is a mapping).
  void CheckKeys(const YAML::Node& map, std::string_view path,
                 std::initializer_list<std::string_view> allowed) const;
  std::string Scalar(const YAML::Node& n, std::string_view path) const;
  // An unsigned decimal in lo..hi; `what` completes "\"x\" is not ...".
  std::uint64_t Number(const YAML::Node& n, std::string_view path, std::uint64_t lo,
                       std::uint64_t hi, std::string_view what) const;
  bool Bool(const YAML::Node& n, std::string_view path) const;

 private:
  std::string source_;
};

// Loads `text` and runs `parse` on its root, returning the first error as
// "source:line:col: ..." (YAML syntax errors included), of kind kInput.
template <typename T>
Result<T, Error> ParseYaml(std::string_view text, std::string_view source,
                           const std::function<T(const YAML::Node&)>& parse);

// Every document of a (multi-document) YAML text, or the syntax error (kInput).
Result<std::vector<YAML::Node>, Error> LoadAllYaml(std::string_view text, std::string_view source);

// A YAML node as JSON: quoted scalars are strings; plain scalars are null (~, null, empty),
// booleans (true/false), integers, floats, or else strings (the YAML 1.2 core schema).
nlohmann::json YamlToJson(const YAML::Node& node);

// ---- implementation of the template ----

std::string YamlExceptionMessage(std::string_view source, const YAML::Exception& e);

template <typename T>
Result<T, Error> ParseYaml(std::string_view text, std::string_view source,
                           const std::function<T(const YAML::Node&)>& parse) {
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    return parse(root);
  } catch (const YamlError& e) {
    return Fail(Error::Input(e.message));
  } catch (const YAML::Exception& e) {
    return Fail(Error::Input(YamlExceptionMessage(source, e)));
  }
}

}  // namespace bgpdemo::core
