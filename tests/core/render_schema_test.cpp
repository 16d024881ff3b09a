// Evidence that what `bgpdemo render` writes is what each Cilium version accepts: every
// rendered Cilium resource validates against the CRD OpenAPI schema of the matching
// version in tests/fixtures/cilium/crds/ (the schema of the manifest's own apiVersion),
// Helm values validate against the chart's values.schema.json where it has one and use no
// key the chart does not know, and kind configs use only kind v1alpha4 fields. The
// fixtures are part of the repository (tests/fixtures/README.md says where each came
// from): a missing folder fails the tests, it does not skip them.
//
// Kubernetes schema extensions, handled minimally (valijson knows JSON Schema only):
// - unknown fields: kubectl's strict field validation (the default since Kubernetes 1.27)
//   refuses them, where the API server alone would prune them silently; so every object
//   schema with `properties` gets additionalProperties: false, unless it has
//   x-kubernetes-preserve-unknown-fields;
// - x-kubernetes-int-or-string: integer or string;
// - formats cidr and ipv4 (valijson skips formats it does not know) are checked here, as
//   are x-kubernetes-list-type map/set (unique keys/items) and x-kubernetes-validations:
//   the CEL rules of the shapes these CRDs use ("self.a <= self.b" and
//   "self.f ==/!= 'v' || [!]has(self.g)") are evaluated; any other rule fails the test so
//   that someone looks at it. x-kubernetes-map-type and defaults need nothing.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "bgp/wire/prefix.h"
#include "core/docker_subnets.h"
#include "core/render.h"
#include "core/scenario.h"
#include "core/scenario_validate.h"
#include "core/yaml_util.h"
#include "tests/test_util.h"

using namespace bgpdemo::core;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(BGPDEMO_SOURCE_DIR) / "tests" / "fixtures" / "cilium";

// The vendored fixtures are checked in, so their absence is a broken tree, not a reason to
// skip.
void RequireFixtures() {
  REQUIRE_MESSAGE(fs::is_directory(kFixtures / "crds"),
                  "no Cilium CRD fixtures at " << (kFixtures / "crds").string());
  REQUIRE_MESSAGE(fs::is_directory(kFixtures / "helm"),
                  "no Cilium Helm fixtures at " << (kFixtures / "helm").string());
}

// "v1.14.0" -> 1.14.0, "v1.15-branchpoint" -> 1.15.0, "main-1.20.0-dev" -> 1.20.0-dev,
// "v1.16.0-values.schema.json" -> 1.16.0.
std::string VersionOfFixture(const std::string& name) {
  static const std::regex re(R"((\d+)\.(\d+)(?:\.(\d+))?(-dev)?)");
  std::smatch m;
  REQUIRE(std::regex_search(name, m, re));
  return fmt::format("{}.{}.{}{}", m[1].str(), m[2].str(), m[3].matched ? m[3].str() : "0",
                     m[4].matched ? "-dev" : "");
}

std::vector<fs::path> SortedEntries(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

json YamlFileToJson(const fs::path& path) {
  return YamlToJson(YAML::Load(bgpdemo::test::ReadText(path.string())));
}

// The CRDs of one fixture folder, by kind.
std::map<std::string, json> LoadCrds(const fs::path& dir) {
  std::map<std::string, json> crds;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    auto crd = YamlFileToJson(e.path());
    const auto kind = crd["spec"]["names"]["kind"].get<std::string>();
    crds[kind] = std::move(crd);
  }
  return crds;
}

// JSON Schema from a Kubernetes structural schema (see the top of this file).
json ToJsonSchema(json s) {
  if (s.is_object()) {
    for (auto& [key, value] : s.items()) value = ToJsonSchema(value);
    if (s.contains("properties") && !s.contains("additionalProperties") &&
        !s.value("x-kubernetes-preserve-unknown-fields", false)) {
      s["additionalProperties"] = false;
    }
    if (s.value("x-kubernetes-int-or-string", false)) {
      s.erase("type");
      s["anyOf"] = json::array({{{"type", "integer"}}, {{"type", "string"}}});
    }
  } else if (s.is_array()) {
    for (auto& item : s) item = ToJsonSchema(item);
  }
  return s;
}

std::vector<std::string> ValidateJsonSchema(const json& schema_json, const json& doc) {
  valijson::Schema schema;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
  parser.populateSchema(schema_adapter, schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter doc_adapter(doc);
  std::vector<std::string> errors;
  if (validator.validate(schema, doc_adapter, &results)) return errors;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) {
    std::string where;
    for (const auto& c : e.context) where += c;
    errors.push_back(where + ": " + e.description);
  }
  return errors;
}

std::optional<std::int64_t> IntField(const json& self, const json& schema, const std::string& k) {
  if (self.contains(k) && self[k].is_number_integer()) return self[k].get<std::int64_t>();
  if (schema.contains("properties") && schema["properties"].contains(k) &&
      schema["properties"][k].contains("default")) {
    return schema["properties"][k]["default"].get<std::int64_t>();
  }
  return std::nullopt;
}

// The CEL rules of the shapes these CRDs use; nullopt for any other.
std::optional<bool> EvalCel(const std::string& rule, const json& self, const json& schema) {
  static const std::regex le(R"(^self\.(\w+) <= self\.(\w+)$)");
  static const std::regex eq_has(R"(^self\.(\w+) (==|!=) '([^']*)' \|\| (!?)has\(self\.(\w+)\)$)");
  std::smatch m;
  if (std::regex_match(rule, m, le)) {
    const auto a = IntField(self, schema, m[1]);
    const auto b = IntField(self, schema, m[2]);
    if (!a || !b) return false;
    return *a <= *b;
  }
  if (std::regex_match(rule, m, eq_has)) {
    bool lhs = self.contains(m[1].str()) && self[m[1].str()] == m[3].str();
    if (m[2] == "!=") lhs = !lhs;
    bool has = self.contains(m[5].str());
    if (m[4] == "!") has = !has;
    return lhs || has;
  }
  return std::nullopt;
}

bool IsCidr(const std::string& s) {
  const auto slash = s.find('/');
  if (slash == std::string::npos) return false;
  auto ip = bgpdemo::bgp::wire::IpAddress::Parse(s.substr(0, slash));
  const auto len = s.substr(slash + 1);
  if (!ip || len.empty() || len.size() > 3 ||
      len.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  return std::stoi(len) <= (ip->afi == bgpdemo::bgp::wire::Afi::kIpv4 ? 32 : 128);
}

// What valijson does not check: formats, list types, CEL rules (see the top of the file).
void CheckExtensions(const json& schema, const json& value, const std::string& path,
                     std::vector<std::string>& errors) {
  if (schema.contains("x-kubernetes-validations") && value.is_object()) {
    for (const auto& v : schema["x-kubernetes-validations"]) {
      const auto rule = v["rule"].get<std::string>();
      const auto ok = EvalCel(rule, value, schema);
      if (!ok) {
        errors.push_back(fmt::format("{}: CEL rule this test does not evaluate: {}", path, rule));
      } else if (!*ok) {
        errors.push_back(fmt::format("{}: {} ({})", path, v.value("message", "rule fails"), rule));
      }
    }
  }
  if (schema.contains("format") && value.is_string()) {
    const auto format = schema["format"].get<std::string>();
    const auto s = value.get<std::string>();
    if (format == "cidr" && !IsCidr(s)) {
      errors.push_back(fmt::format("{}: \"{}\" is not in format cidr", path, s));
    }
    if (format == "ipv4") {
      auto ip = bgpdemo::bgp::wire::IpAddress::Parse(s);
      if (!ip || ip->afi != bgpdemo::bgp::wire::Afi::kIpv4) {
        errors.push_back(fmt::format("{}: \"{}\" is not in format ipv4", path, s));
      }
    }
  }
  if (value.is_array()) {
    const auto type = schema.value("x-kubernetes-list-type", std::string());
    std::set<std::string> seen;
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::string key;
      if (type == "map") {
        for (const auto& k : schema["x-kubernetes-list-map-keys"]) {
          key += value[i].value(k.get<std::string>(), json()).dump() + "|";
        }
      } else if (type == "set") {
        key = value[i].dump();
      }
      if (!key.empty() && !seen.insert(key).second) {
        errors.push_back(fmt::format("{}[{}]: duplicate {} key {}", path, i, type, key));
      }
      if (schema.contains("items")) {
        CheckExtensions(schema["items"], value[i], fmt::format("{}[{}]", path, i), errors);
      }
    }
  }
  if (value.is_object()) {
    for (const auto& [k, v] : value.items()) {
      const auto child = path + "." + k;
      if (schema.contains("properties") && schema["properties"].contains(k)) {
        CheckExtensions(schema["properties"][k], v, child, errors);
      } else if (schema.contains("additionalProperties") &&
                 schema["additionalProperties"].is_object()) {
        CheckExtensions(schema["additionalProperties"], v, child, errors);
      }
    }
  }
}

struct CrdCheck {
  std::vector<std::string> errors;
  bool deprecated = false;
};

// Validates one manifest against the CRD of its kind, using the schema of its apiVersion.
CrdCheck CheckAgainstCrd(const std::map<std::string, json>& crds, const json& manifest) {
  CrdCheck out;
  const auto kind = manifest.value("kind", std::string());
  const auto api_version = manifest.value("apiVersion", std::string());
  const auto it = crds.find(kind);
  if (it == crds.end()) {
    out.errors.push_back(fmt::format("no CRD for kind {} in this Cilium version", kind));
    return out;
  }
  const auto& crd = it->second;
  const auto group = crd["spec"]["group"].get<std::string>();
  if (!api_version.starts_with(group + "/")) {
    out.errors.push_back(fmt::format("apiVersion {} is not in group {}", api_version, group));
    return out;
  }
  const auto version = api_version.substr(group.size() + 1);
  const json* entry = nullptr;
  std::string served;
  for (const auto& v : crd["spec"]["versions"]) {
    served += v["name"].get<std::string>() + " ";
    if (v["name"] == version) entry = &v;
  }
  if (!entry || !(*entry).value("served", false)) {
    out.errors.push_back(
        fmt::format("{} {} is not served (this version serves: {})", kind, api_version, served));
    return out;
  }
  out.deprecated = entry->value("deprecated", false);
  const auto& schema = (*entry)["schema"]["openAPIV3Schema"];
  out.errors = ValidateJsonSchema(ToJsonSchema(schema), manifest);
  CheckExtensions(schema, manifest, "<root>", out.errors);
  static const std::regex dns_subdomain(R"(^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$)");
  const auto name = manifest["metadata"].value("name", std::string());
  if (!std::regex_match(name, dns_subdomain)) {
    out.errors.push_back(fmt::format("metadata.name \"{}\" is not a DNS subdomain", name));
  }
  return out;
}

bool HasServedNonDeprecated(const json& crd) {
  for (const auto& v : crd["spec"]["versions"]) {
    if (v.value("served", false) && !v.value("deprecated", false)) return true;
  }
  return false;
}

RenderResult RenderFor(const std::string& scenario, const std::string& version, bool keep_api) {
  auto s = LoadScenario(scenario);
  REQUIRE(s);
  s->cilium_version = version;
  // IPv6-only needs BGPv2 whatever the version's default.
  if (!keep_api && s->HasIpv4()) s->bgp.api.clear();
  AssumeDockerSubnets(*s);
  if (!s->HasIpv4()) {  // the sessions' range: the networks' IPv6 subnets
    s->networks[0].subnet_v6 = "fd00:18::/64";
    s->networks[1].subnet_v6 = "fd00:19::/64";
  }
  const auto errors = ValidateScenario(*s);
  REQUIRE_MESSAGE(errors.empty(), FormatErrors(errors));
  RenderOptions o;
  o.router_addresses = {{"kind", "172.18.0.254"}, {"kind2", "172.19.0.254"}};
  if (s->HasIpv6()) o.router_addresses_v6 = {{"kind", "fd00:18::fe"}, {"kind2", "fd00:19::fe"}};
  auto r = Render(*s, o);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
  REQUIRE(r->placeholders.empty());
  return *r;
}

bool ScenarioSupports(const std::string& scenario, const std::string& version) {
  auto s = LoadScenario(scenario);
  REQUIRE(s);
  return Supports(*CiliumVersion::Parse(version), s->Api());
}

// Every key path with a value that is not a mapping: "ipam.mode".
void LeafPaths(const json& j, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& [k, v] : j.items()) {
    const auto path = prefix.empty() ? k : prefix + "." + k;
    if (v.is_object() && !v.empty()) {
      LeafPaths(v, path, out);
    } else {
      out.push_back(path);
    }
  }
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

bool InSchema(const json& schema, const std::string& path) {
  const json* node = &schema;
  for (const auto& part : Split(path)) {
    if (!node->contains("properties") || !(*node)["properties"].contains(part)) return false;
    node = &(*node)["properties"][part];
  }
  return true;
}

bool InValues(const json& values, const std::string& path) {
  const json* node = &values;
  for (const auto& part : Split(path)) {
    if (!node->is_object() || !node->contains(part)) return false;
    node = &(*node)[part];
  }
  return true;
}

// Whether values.yaml documents `path` as a commented-out key, the chart's way of listing a
// value that its templates read but that has no default ("#kubeProxyReplacement: ...", or
// "  # requireIPv4PodCIDR: ..." under "k8s:").
bool CommentedInValues(const std::string& text, const std::string& path) {
  const auto parts = Split(path);
  if (parts.size() == 1) {
    return std::regex_search(text, std::regex("(^|\n)#\\s*" + parts[0] + ":"));
  }
  if (parts.size() != 2) return false;
  const auto start = text.find("\n" + parts[0] + ":");
  if (start == std::string::npos) return false;
  std::size_t end = start + 1;
  while (true) {
    end = text.find('\n', end);
    if (end == std::string::npos || end + 1 >= text.size()) break;
    const char c = text[end + 1];
    if (c != ' ' && c != '#' && c != '\n') break;
    ++end;
  }
  const auto block = text.substr(start, end - start);
  return std::regex_search(block, std::regex("\n\\s+#\\s*" + parts[1] + ":"));
}

const RenderedFile& FileOf(const RenderResult& r, const std::string& path) {
  for (const auto& f : r.files) {
    if (f.path == path) return f;
  }
  FAIL("no rendered file " << path);
  return r.files.front();
}

const std::vector<std::string> kScenarios = {"two-cluster", "two-cluster-dual", "two-cluster-ipv6",
                                             "two-cluster-v2"};

}  // namespace

TEST_CASE("render schema: every Cilium resource validates against its version's CRD schema") {
  RequireFixtures();
  int versions = 0;
  for (const auto& dir : SortedEntries(kFixtures / "crds")) {
    if (!fs::is_directory(dir)) continue;
    const auto version = VersionOfFixture(dir.filename().string());
    CAPTURE(version);
    const auto crds = LoadCrds(dir);
    int rendered = 0;
    for (const auto& scenario : kScenarios) {
      if (!ScenarioSupports(scenario, version)) continue;
      CAPTURE(scenario);
      ++rendered;
      std::set<std::string> kinds;
      int checked = 0;
      for (const auto& file : RenderFor(scenario, version, true).files) {
        if (file.kind != FileKind::kManifest) continue;
        auto docs = LoadAllYaml(file.content, file.path);
        REQUIRE(docs);
        for (const auto& doc : *docs) {
          const auto manifest = YamlToJson(doc);
          if (!manifest.value("apiVersion", std::string()).starts_with("cilium.io/")) continue;
          CAPTURE(file.path);
          const auto result = CheckAgainstCrd(crds, manifest);
          CHECK_MESSAGE(result.errors.empty(), fmt::format("{}", fmt::join(result.errors, "\n")));
          const auto kind = manifest["kind"].get<std::string>();
          // A deprecated apiVersion only when the kind has nothing newer (the v1 policy
          // in 1.18).
          if (result.deprecated) CHECK_FALSE(HasServedNonDeprecated(crds.at(kind)));
          kinds.insert(kind);
          ++checked;
        }
      }
      const auto loaded = LoadScenario(scenario);
      const auto api = loaded->Api();
      std::set<std::string> want =
          api == BgpApi::kV1
              ? std::set<std::string>{"CiliumBGPPeeringPolicy", "CiliumLoadBalancerIPPool"}
              : std::set<std::string>{"CiliumBGPAdvertisement", "CiliumBGPClusterConfig",
                                      "CiliumBGPPeerConfig", "CiliumLoadBalancerIPPool"};
      // IPv6-only nodes get their router IDs from CiliumBGPNodeConfigOverrides.
      if (!loaded->HasIpv4()) want.insert("CiliumBGPNodeConfigOverride");
      CHECK(kinds == want);
      MESSAGE(fmt::format("{} ({}): {}: {} Cilium resources validated", dir.filename().string(),
                          version, scenario, checked));
    }
    CHECK_MESSAGE(rendered > 0, "no built-in scenario supports " << version);
    ++versions;
  }
  CHECK(versions == 7);
}

TEST_CASE("render schema: the checks catch the mistakes they are there for") {
  RequireFixtures();
  const auto v14 = LoadCrds(kFixtures / "crds" / "v1.14.0");
  const auto v17 = LoadCrds(kFixtures / "crds" / "v1.17.0");
  const auto v19 = LoadCrds(kFixtures / "crds" / "v1.19.0");
  const auto policy = [](const char* peer) {
    return json::parse(fmt::format(
        R"({{"apiVersion":"cilium.io/v2alpha1","kind":"CiliumBGPPeeringPolicy",
            "metadata":{{"name":"bgpdemo"}},
            "spec":{{"virtualRouters":[{{"localASN":65100,
              "neighbors":[{{"peerAddress":"{}","peerASN":65000}}]}}]}}}})",
        peer));
  };
  CHECK(CheckAgainstCrd(v14, policy("172.18.0.254/32")).errors.empty());
  // The v1 policy's peerAddress is a CIDR: a bare IP fails.
  CHECK(CheckAgainstCrd(v14, policy("172.18.0.254")).errors ==
        std::vector<std::string>{
            "<root>.spec.virtualRouters[0].neighbors[0].peerAddress: \"172.18.0.254\" is not in "
            "format cidr"});
  // 1.16 and later have no `cidrs` in the pool: an unknown field.
  const auto pool = json::parse(R"({"apiVersion":"cilium.io/v2alpha1",
      "kind":"CiliumLoadBalancerIPPool","metadata":{"name":"bgpdemo"},
      "spec":{"cidrs":[{"cidr":"10.21.0.0/24"}]}})");
  CHECK(CheckAgainstCrd(v14, pool).errors.empty());
  CHECK_FALSE(CheckAgainstCrd(v17, pool).errors.empty());
  // cilium.io/v2 of the BGPv2 kinds is served from 1.18 only.
  const auto peer_config = [](const char* api, int keepalive) {
    return json::parse(fmt::format(
        R"({{"apiVersion":"{}","kind":"CiliumBGPPeerConfig","metadata":{{"name":"bgpdemo"}},
            "spec":{{"timers":{{"holdTimeSeconds":90,"keepAliveTimeSeconds":{}}}}}}})",
        api, keepalive));
  };
  CHECK(CheckAgainstCrd(v17, peer_config("cilium.io/v2", 30)).errors ==
        std::vector<std::string>{
            "CiliumBGPPeerConfig cilium.io/v2 is not served (this version serves: v2alpha1 )"});
  CHECK(CheckAgainstCrd(v19, peer_config("cilium.io/v2", 30)).errors.empty());
  // CEL: keepalive above the hold time.
  CHECK(CheckAgainstCrd(v19, peer_config("cilium.io/v2", 91)).errors ==
        std::vector<std::string>{
            "<root>.spec.timers: keepAliveTimeSeconds can not be larger than holdTimeSeconds "
            "(self.keepAliveTimeSeconds <= self.holdTimeSeconds)"});
  // CEL: a Service advertisement without its service field.
  const auto ad = json::parse(R"({"apiVersion":"cilium.io/v2","kind":"CiliumBGPAdvertisement",
      "metadata":{"name":"bgpdemo"},"spec":{"advertisements":[{"advertisementType":"Service"}]}})");
  CHECK(CheckAgainstCrd(v19, ad).errors ==
        std::vector<std::string>{"<root>.spec.advertisements[0]: service field is required for "
                                 "the 'Service' advertisementType (self.advertisementType != "
                                 "'Service' || has(self.service))"});
  // The v1 policy does not exist in 1.19.
  CHECK(CheckAgainstCrd(v19, policy("172.18.0.254/32")).errors ==
        std::vector<std::string>{"no CRD for kind CiliumBGPPeeringPolicy in this Cilium version"});
}

TEST_CASE("render schema: Helm values validate against values.schema.json, with chart keys only") {
  RequireFixtures();
  const auto helm = kFixtures / "helm";
  const auto v16_values = bgpdemo::test::ReadText((helm / "v1.16.0-values.yaml").string());
  int schemas = 0;
  for (const auto& path : SortedEntries(helm)) {
    const auto name = path.filename().string();
    if (!name.ends_with("-values.schema.json")) continue;
    const auto version = VersionOfFixture(name);
    CAPTURE(version);
    const auto schema = json::parse(bgpdemo::test::ReadText(path.string()));
    for (const auto& scenario : kScenarios) {
      CAPTURE(scenario);
      const auto r = RenderFor(scenario, version, false);
      for (const auto& cluster : {"cilium", "cilium2"}) {
        const auto values =
            YamlToJson(YAML::Load(FileOf(r, std::string(cluster) + "/cilium-values.yaml").content));
        const auto errors = ValidateJsonSchema(schema, values);
        CHECK_MESSAGE(errors.empty(), fmt::format("{}", fmt::join(errors, "\n")));
        // 1.16 and later: kubeProxyReplacement true, routingMode native, no tunnel.
        CHECK(values["kubeProxyReplacement"] == true);
        CHECK(values["routingMode"] == "native");
        CHECK_FALSE(values.contains("tunnel"));
        std::vector<std::string> keys;
        LeafPaths(values, "", keys);
        for (const auto& key : keys) {
          CAPTURE(key);
          if (InSchema(schema, key)) continue;
          // The schema is generated from values.yaml and so leaves out values documented
          // only as comments; kubeProxyReplacement is one (in the schema from 1.19).
          CHECK(CommentedInValues(v16_values, key));
        }
      }
    }
    ++schemas;
  }
  CHECK(schemas == 4);
}

TEST_CASE("render schema: Helm values for 1.14 use only keys of the 1.14.0 chart") {
  RequireFixtures();
  const auto text = bgpdemo::test::ReadText((kFixtures / "helm" / "v1.14.0-values.yaml").string());
  const auto chart = YamlToJson(YAML::Load(text));
  // No values.schema.json before 1.16: every key we set must be in values.yaml, as a key or
  // as a documented commented-out one.
  const auto r = RenderFor("two-cluster", "1.14.0", true);
  const auto values = YamlToJson(YAML::Load(FileOf(r, "cilium/cilium-values.yaml").content));
  std::vector<std::string> keys;
  LeafPaths(values, "", keys);
  CHECK(keys.size() == 12);
  for (const auto& key : keys) {
    CAPTURE(key);
    CHECK((InValues(chart, key) || CommentedInValues(text, key)));
  }
  CHECK_FALSE(InValues(chart, "hostServices"));  // why the original's key was dropped
  CHECK(values["tunnel"] == "disabled");
  CHECK(values["kubeProxyReplacement"] == "strict");
  // The comment above the chart's kubeProxyReplacement lists what it takes.
  CHECK(text.find(R"(Valid options are "true", "false", "disabled" (deprecated), "partial" )"
                  R"((deprecated), "strict" (deprecated).)") != std::string::npos);
}

TEST_CASE("render schema: kind configs use only kind v1alpha4 fields") {
  // kubernetes-sigs/kind pkg/apis/config/v1alpha4/types.go: Cluster, Node and Networking
  // (with TypeMeta); kubeProxyMode values from kind's pkg/internal/apis/config/types.go
  // (iptables, ipvs, nftables, none).
  const std::set<std::string> cluster_fields = {"kind",
                                                "apiVersion",
                                                "name",
                                                "nodes",
                                                "networking",
                                                "featureGates",
                                                "runtimeConfig",
                                                "kubeadmConfigPatches",
                                                "kubeadmConfigPatchesJSON6902",
                                                "containerdConfigPatches",
                                                "containerdConfigPatchesJSON6902"};
  const std::set<std::string> node_fields = {"role",
                                             "image",
                                             "labels",
                                             "extraMounts",
                                             "extraPortMappings",
                                             "gpus",
                                             "kubeadmConfigPatches",
                                             "kubeadmConfigPatchesJSON6902"};
  const std::set<std::string> networking_fields = {
      "ipFamily",      "apiServerPort",     "apiServerAddress", "podSubnet",
      "serviceSubnet", "disableDefaultCNI", "kubeProxyMode",    "dnsSearch"};
  for (const auto& scenario : kScenarios) {
    auto s = LoadScenario(scenario);
    REQUIRE(s);
    auto r = Render(*s, {});
    REQUIRE(r);
    for (const auto& f : r->files) {
      if (f.kind != FileKind::kKindConfig) continue;
      CAPTURE(f.path);
      const auto cfg = YamlToJson(YAML::Load(f.content));
      CHECK(cfg["kind"] == "Cluster");
      CHECK(cfg["apiVersion"] == "kind.x-k8s.io/v1alpha4");
      for (const auto& item : cfg.items()) {
        const auto& key = item.key();
        CHECK_MESSAGE(cluster_fields.count(key), key);
      }
      for (const auto& item : cfg["networking"].items()) {
        const auto& key = item.key();
        CHECK_MESSAGE(networking_fields.count(key), key);
      }
      CHECK(std::set<std::string>{"iptables", "ipvs", "nftables", "none"}.count(
          cfg["networking"]["kubeProxyMode"].get<std::string>()));
      CHECK(cfg["networking"]["disableDefaultCNI"] == true);
      CHECK(cfg["networking"]["podSubnet"].is_string());
      for (const auto& node : cfg["nodes"]) {
        for (const auto& item : node.items()) {
          const auto& key = item.key();
          CHECK_MESSAGE(node_fields.count(key), key);
        }
        CHECK((node["role"] == "control-plane" || node["role"] == "worker"));
      }
    }
  }
}
