#include "core/yaml_util.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace bgpdemo::core {

std::string JoinPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return fmt::format("{}.{}", path, key);
}

void YamlReader::Error(const YAML::Node& node, std::string_view path, std::string_view what) const {
  const auto mark = node.Mark();
  if (mark.is_null()) throw YamlError{fmt::format("{}: {}: {}", source_, path, what)};
  throw YamlError{
      fmt::format("{}:{}:{}: {}: {}", source_, mark.line + 1, mark.column + 1, path, what)};
}

void YamlReader::CheckKeys(const YAML::Node& map, std::string_view path,
                           std::initializer_list<std::string_view> allowed) const {
  if (!map.IsMap()) Error(map, path, "expected a mapping of keys to values");
  for (const auto& kv : map) {
    const auto key = kv.first.as<std::string>();
    bool ok = false;
    for (auto a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string list;
      for (auto a : allowed) list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
      Error(kv.first, JoinPath(path, key), fmt::format("unknown key; valid keys here: {}", list));
    }
  }
}

std::string YamlReader::Scalar(const YAML::Node& n, std::string_view path) const {
  if (!n.IsScalar()) Error(n, path, "expected a single value");
  return n.as<std::string>();
}

std::uint64_t YamlReader::Number(const YAML::Node& n, std::string_view path, std::uint64_t lo,
                                 std::uint64_t hi, std::string_view what) const {
  const auto text = Scalar(n, path);
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    Error(n, path, fmt::format("\"{}\" is not {} ({}..{})", text, what, lo, hi));
  }
  return v;
}

bool YamlReader::Bool(const YAML::Node& n, std::string_view path) const {
  const auto text = Scalar(n, path);
  if (text == "true" || text == "yes") return true;
  if (text == "false" || text == "no") return false;
  Error(n, path, fmt::format("\"{}\" is not true or false", text));
}

std::string YamlExceptionMessage(std::string_view source, const YAML::Exception& e) {
  if (e.mark.is_null()) return fmt::format("{}: {}", source, e.msg);
  return fmt::format("{}:{}:{}: {}", source, e.mark.line + 1, e.mark.column + 1, e.msg);
}

Result<std::vector<YAML::Node>, Error> LoadAllYaml(std::string_view text, std::string_view source) {
  try {
    return YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return Fail(Error::Input(YamlExceptionMessage(source, e)));
  }
}

namespace {

nlohmann::json PlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  {
    const char* b = s.data();
    const char* e = s.data() + s.size();
    if (*b == '+') ++b;
    std::int64_t i = 0;
    auto [end, ec] = std::from_chars(b, e, i);
    if (ec == std::errc() && end == e && b != e) return i;
    std::uint64_t u = 0;
    auto [uend, uec] = std::from_chars(b, e, u);
    if (uec == std::errc() && uend == e && b != e) return u;
  }
  {
    // Floats: digits with a '.' or an exponent (1.5, -2e3); not "1.14.0" or ".inf".
    const char* b = s.data();
    const char* e = s.data() + s.size();
    double d = 0;
    auto [end, ec] = std::from_chars(b, e, d);
    if (ec == std::errc() && end == e && std::isfinite(d)) return d;
  }
  return s;
}

}  // namespace

nlohmann::json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags plain scalars "?" and quoted ones "!".
      if (node.Tag() == "!") return node.as<std::string>();
      return PlainScalar(node.as<std::string>());
    case YAML::NodeType::Sequence: {
      auto a = nlohmann::json::array();
      for (const auto& item : node) a.push_back(YamlToJson(item));
      return a;
    }
    case YAML::NodeType::Map: {
      auto o = nlohmann::json::object();
      for (const auto& kv : node) o[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return o;
    }
  }
  return nullptr;
}

}  // namespace bgpdemo::core
