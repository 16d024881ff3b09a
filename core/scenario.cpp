#include "core/scenario.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>

#include "base/check.h"
#include "core/embedded_files.h"
#include "core/yaml_util.h"

namespace bgpdemo::core {

SourcePos SourceMap::Find(std::string_view path) const {
  std::string p(path);
  while (true) {
    if (auto it = positions_.find(p); it != positions_.end()) return it->second;
    if (p.empty()) return {};
    // Drop the last component: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
    const auto cut = p.find_last_of(".[");
    p = cut == std::string::npos ? std::string() : p.substr(0, cut);
  }
}

std::string SourceMap::Locate(std::string_view source, std::string_view path) const {
  const auto pos = Find(path);
  if (!pos.origin.empty()) return pos.origin;
  if (pos.line == 0) return std::string(source);
  return fmt::format("{}:{}:{}", source, pos.line, pos.column);
}

std::optional<CiliumVersion> CiliumVersion::Parse(std::string_view text) {
  CiliumVersion v;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  int* parts[] = {&v.major, &v.minor, &v.patch};
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    if (p == end || *p < '0' || *p > '9') return std::nullopt;
    auto [next, ec] = std::from_chars(p, end, *parts[i]);
    if (ec != std::errc() || *parts[i] > 999) return std::nullopt;
    p = next;
  }
  if (p != end) {
    if (*p != '-' || p + 1 == end) return std::nullopt;
    v.prerelease.assign(p + 1, end);
    for (char c : v.prerelease) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-';
      if (!ok) return std::nullopt;
    }
  }
  return v;
}

std::string CiliumVersion::ToString() const {
  auto s = fmt::format("{}.{}.{}", major, minor, patch);
  if (!prerelease.empty()) s += "-" + prerelease;
  return s;
}

std::string CiliumVersion::Line() const {
  return fmt::format("{}.{}", major, minor);
}

bool IsSupported(const CiliumVersion& v) {
  return v.major == 1 && v.minor >= kMinCiliumMinor && v.minor <= kMaxCiliumMinor;
}

std::string_view ToString(IpFamily f) {
  switch (f) {
    case IpFamily::kIpv4:
      return "ipv4";
    case IpFamily::kIpv6:
      return "ipv6";
    case IpFamily::kDual:
      return "dual";
  }
  return "ipv4";
}

std::optional<IpFamily> ParseIpFamily(std::string_view text) {
  for (auto f : {IpFamily::kIpv4, IpFamily::kIpv6, IpFamily::kDual}) {
    if (ToString(f) == text) return f;
  }
  return std::nullopt;
}

std::string_view ToString(BgpApi api) {
  return api == BgpApi::kV1 ? "v1" : "v2";
}

BgpApi DefaultBgpApi(const CiliumVersion& v) {
  return v.major == 1 && v.minor < 18 ? BgpApi::kV1 : BgpApi::kV2;
}

bool Supports(const CiliumVersion& v, BgpApi api) {
  if (v.major != 1) return false;
  return api == BgpApi::kV1 ? v.minor <= 18 : v.minor >= 16;
}

CiliumVersion Scenario::Version() const {
  auto v = CiliumVersion::Parse(cilium_version);
  BGPDEMO_CHECK(v.has_value());
  return *v;
}

BgpApi Scenario::Api() const {
  if (bgp.api == "v1") return BgpApi::kV1;
  if (bgp.api == "v2") return BgpApi::kV2;
  return DefaultBgpApi(Version());
}

IpFamily Scenario::Family() const {
  auto f = ParseIpFamily(ip_family);
  BGPDEMO_CHECK(f.has_value());
  return *f;
}

const ClusterSpec* Scenario::FindCluster(std::string_view name) const {
  for (const auto& c : clusters) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<std::string> Scenario::ClusterNames() const {
  std::vector<std::string> out;
  for (const auto& c : clusters) out.push_back(c.name);
  return out;
}

const NetworkSpec* Scenario::FindNetwork(std::string_view name) const {
  for (const auto& n : networks) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::optional<bgp::wire::Prefix> ParseIpv4Prefix(std::string_view text) {
  auto p = bgp::wire::Prefix::Parse(text);
  if (!p || p->afi != bgp::wire::Afi::kIpv4) return std::nullopt;
  return p;
}

std::optional<bgp::wire::Prefix> ParseIpv6Prefix(std::string_view text) {
  auto p = bgp::wire::Prefix::Parse(text);
  if (!p || p->afi != bgp::wire::Afi::kIpv6) return std::nullopt;
  return p;
}

namespace {

// Whether the first `bits` bits of two addresses are equal.
bool SameBits(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
              int bits) {
  int i = 0;
  for (; bits >= 8; bits -= 8, ++i) {
    if (a[i] != b[i]) return false;
  }
  if (bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
  return ((a[i] ^ b[i]) & mask) == 0;
}

}  // namespace

bgp::wire::Prefix PrefixOf(const bgp::wire::IpAddress& a, int length) {
  bgp::wire::Prefix out;
  out.afi = a.afi;
  out.length = static_cast<std::uint8_t>(length);
  BGPDEMO_CHECK(length >= 0 && length <= out.MaxLength());
  for (int bit = 0; bit < length; ++bit) {
    const auto mask = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    out.addr[bit / 8] |= static_cast<std::uint8_t>(a.bytes[bit / 8] & mask);
  }
  return out;
}

namespace {

// bytes (big-endian, 4 or 16 of them) += value << shift; the carry goes up, never out.
void AddShifted(std::array<std::uint8_t, 16>& bytes, std::size_t width, std::uint64_t value,
                int shift) {
  unsigned carry = 0;
  for (std::size_t i = width; i-- > 0;) {
    const int bit = static_cast<int>(width - 1 - i) * 8 - shift;  // of value, at this byte
    unsigned add = 0;
    if (bit > -8 && bit < 64) {
      add = bit >= 0 ? static_cast<unsigned>((value >> bit) & 0xff)
                     : static_cast<unsigned>((value << -bit) & 0xff);
    }
    const unsigned sum = bytes[i] + add + carry;
    bytes[i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
}

std::size_t Width(bgp::wire::Afi afi) {
  return afi == bgp::wire::Afi::kIpv4 ? 4 : 16;
}

}  // namespace

bgp::wire::IpAddress AddressIn(const bgp::wire::Prefix& p, std::uint64_t n) {
  bgp::wire::IpAddress a{p.afi, p.addr};
  AddShifted(a.bytes, Width(p.afi), n, 0);
  return a;
}

bgp::wire::IpAddress AddressFromEnd(const bgp::wire::Prefix& p, std::uint64_t n) {
  bgp::wire::IpAddress a{p.afi, p.addr};
  const auto width = Width(p.afi);
  for (std::size_t bit = p.length; bit < width * 8; ++bit) {
    a.bytes[bit / 8] |= static_cast<std::uint8_t>(0x80 >> (bit % 8));
  }
  int borrow = 0;
  for (std::size_t i = width, k = 0; i-- > 0; ++k) {
    const int sub = k < 8 ? static_cast<int>((n >> (k * 8)) & 0xff) : 0;
    int diff = a.bytes[i] - sub - borrow;
    borrow = diff < 0 ? 1 : 0;
    a.bytes[i] = static_cast<std::uint8_t>(diff + borrow * 256);
  }
  return a;
}

namespace {

// The non-empty ones of an IPv4 and an IPv6 value, IPv4 first.
std::vector<std::string> BothFamilies(const std::string& v4, const std::string& v6) {
  std::vector<std::string> out;
  for (const auto* v : {&v4, &v6}) {
    if (!v->empty()) out.push_back(*v);
  }
  return out;
}

}  // namespace

std::vector<std::string> ClusterSpec::PodCidrs() const {
  return BothFamilies(pod_cidr, pod_cidr_v6);
}
std::vector<std::string> ClusterSpec::ServiceCidrs() const {
  return BothFamilies(service_cidr, service_cidr_v6);
}
std::vector<std::string> ClusterSpec::LbPools() const {
  return BothFamilies(lb_pool, lb_pool_v6);
}

std::string HostPrefix(std::string_view address) {
  return fmt::format("{}/{}", address, address.find(':') == std::string_view::npos ? 32 : 128);
}

bgp::wire::Prefix Subprefix(const bgp::wire::Prefix& p, int length, std::uint64_t index) {
  BGPDEMO_CHECK(length >= p.length && length <= p.MaxLength());
  bgp::wire::Prefix out = p;
  out.length = static_cast<std::uint8_t>(length);
  AddShifted(out.addr, Width(p.afi), index, p.MaxLength() - length);
  return out;
}

bool Contains(const bgp::wire::Prefix& outer, const bgp::wire::Prefix& inner) {
  return inner.afi == outer.afi && inner.length >= outer.length &&
         SameBits(inner.addr, outer.addr, outer.length);
}

bool Overlaps(const bgp::wire::Prefix& a, const bgp::wire::Prefix& b) {
  return Contains(a, b) || Contains(b, a);
}

bgp::wire::Prefix Supernet(const std::vector<bgp::wire::Prefix>& prefixes) {
  BGPDEMO_CHECK(!prefixes.empty());
  const auto& first = prefixes.front();
  int length = first.length;
  for (const auto& p : prefixes) {
    BGPDEMO_CHECK(p.afi == first.afi);
    length = std::min<int>(length, p.length);
    while (length > 0 && !SameBits(p.addr, first.addr, length)) --length;
  }
  return PrefixOf(bgp::wire::IpAddress{first.afi, first.addr}, length);
}

bgp::wire::Prefix Scenario::NativeRoutingCidr(bgp::wire::Afi afi) const {
  const bool v6 = afi == bgp::wire::Afi::kIpv6;
  std::vector<bgp::wire::Prefix> all;
  for (const auto& c : clusters) {
    for (const auto* text : v6 ? std::array{&c.pod_cidr_v6, &c.service_cidr_v6, &c.lb_pool_v6}
                               : std::array{&c.pod_cidr, &c.service_cidr, &c.lb_pool}) {
      auto p = v6 ? ParseIpv6Prefix(*text) : ParseIpv4Prefix(*text);
      BGPDEMO_CHECK(p.has_value());
      all.push_back(*p);
    }
  }
  return Supernet(all);
}

namespace {

class ScenarioParser : public YamlReader {
 public:
  ScenarioParser(std::string_view source, Scenario& s) : YamlReader(source), s_(s) {}

  void Parse(const YAML::Node& root) {
    if (!root || root.IsNull()) throw YamlError{fmt::format("{}: the file is empty", source())};
    CheckKeys(root, "",
              {"description", "ip_family", "cilium", "bgp", "router", "networks", "clusters",
               "contexts"});
    Mark(root, "");
    if (root["description"]) s_.description = Text(root["description"], "description");
    if (root["ip_family"]) s_.ip_family = Text(root["ip_family"], "ip_family");
    if (const auto c = root["cilium"]) {
      CheckKeys(c, "cilium", {"version"});
      Mark(c, "cilium");
      if (c["version"]) s_.cilium_version = Text(c["version"], "cilium.version");
    }
    if (const auto b = root["bgp"]) ParseBgp(b);
    if (const auto r = root["router"]) ParseRouter(r);

    const auto networks = root["networks"];
    if (!networks)
      Error(root, "networks", "missing (a list of Docker networks, e.g. [{name: kind}])");
    List(networks, "networks");
    for (std::size_t i = 0; i < networks.size(); ++i) {
      s_.networks.push_back(ParseNetwork(networks[i], fmt::format("networks[{}]", i)));
    }
    const auto clusters = root["clusters"];
    if (!clusters) Error(root, "clusters", "missing (a list of kind clusters)");
    List(clusters, "clusters");
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      s_.clusters.push_back(ParseCluster(clusters[i], fmt::format("clusters[{}]", i)));
    }
    if (const auto contexts = root["contexts"]) {
      if (!contexts.IsMap()) {
        Error(contexts, "contexts", "expected a mapping of cluster names to kubeconfig contexts");
      }
      Mark(contexts, "contexts");
      for (const auto& kv : contexts) {
        const auto cluster = kv.first.as<std::string>();
        s_.contexts[cluster] = Text(kv.second, "contexts." + cluster);
      }
    }
  }

 private:
  void Mark(const YAML::Node& n, const std::string& path) {
    const auto m = n.Mark();
    if (!m.is_null()) s_.positions.Set(path, SourcePos{m.line + 1, m.column + 1, {}});
  }
  std::string Text(const YAML::Node& n, const std::string& path) {
    Mark(n, path);
    return Scalar(n, path);
  }
  // Numbers are read whole here; their ranges are checked by ValidateScenario.
  std::uint64_t Count(const YAML::Node& n, const std::string& path) {
    Mark(n, path);
    const auto text = Scalar(n, path);
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) {
      Error(n, path, fmt::format("\"{}\" is not a whole number", text));
    }
    return v;
  }
  bool Flag(const YAML::Node& n, const std::string& path) {
    Mark(n, path);
    return Bool(n, path);
  }
  void List(const YAML::Node& n, const std::string& path) {
    if (!n.IsSequence()) Error(n, path, "expected a list");
    Mark(n, path);
  }

  void ParseBgp(const YAML::Node& b) {
    CheckKeys(b, "bgp", {"api", "hold_time", "keepalive", "connect_retry", "graceful_restart"});
    Mark(b, "bgp");
    if (b["api"]) s_.bgp.api = Text(b["api"], "bgp.api");
    if (b["hold_time"]) s_.bgp.hold_time = Count(b["hold_time"], "bgp.hold_time");
    if (b["keepalive"]) s_.bgp.keepalive = Count(b["keepalive"], "bgp.keepalive");
    if (b["connect_retry"]) s_.bgp.connect_retry = Count(b["connect_retry"], "bgp.connect_retry");
    if (b["graceful_restart"]) {
      s_.bgp.graceful_restart = Flag(b["graceful_restart"], "bgp.graceful_restart");
    }
  }

  void ParseRouter(const YAML::Node& r) {
    CheckKeys(r, "router", {"name", "as", "mode", "router_id"});
    Mark(r, "router");
    if (r["name"]) s_.router.name = Text(r["name"], "router.name");
    if (r["as"]) s_.router.as = Count(r["as"], "router.as");
    if (r["mode"]) s_.router.mode = Text(r["mode"], "router.mode");
    if (r["router_id"]) s_.router.router_id = Text(r["router_id"], "router.router_id");
  }

  NetworkSpec ParseNetwork(const YAML::Node& n, const std::string& path) {
    CheckKeys(n, path, {"name", "subnet", "subnet_v6"});
    Mark(n, path);
    NetworkSpec net;
    if (!n["name"]) Error(n, path, "missing name (the Docker network's name, e.g. kind)");
    net.name = Text(n["name"], path + ".name");
    if (n["subnet"]) net.subnet = Text(n["subnet"], path + ".subnet");
    if (n["subnet_v6"]) net.subnet_v6 = Text(n["subnet_v6"], path + ".subnet_v6");
    return net;
  }

  ClusterSpec ParseCluster(const YAML::Node& n, const std::string& path) {
    CheckKeys(n, path,
              {"name", "network", "pod_cidr", "service_cidr", "lb_pool", "pod_cidr_v6",
               "service_cidr_v6", "lb_pool_v6", "as", "ibgp", "workers", "nginx"});
    Mark(n, path);
    ClusterSpec c;
    const auto required = [&](const char* key, const char* example) -> std::string {
      if (!n[key]) Error(n, path, fmt::format("missing {} (e.g. {})", key, example));
      return Text(n[key], fmt::format("{}.{}", path, key));
    };
    c.name = required("name", "cilium");
    c.network = required("network", "kind");
    // Which CIDRs a cluster needs depends on ip_family: ValidateScenario says what is missing.
    const auto optional = [&](const char* key) -> std::string {
      return n[key] ? Text(n[key], fmt::format("{}.{}", path, key)) : std::string();
    };
    c.pod_cidr = optional("pod_cidr");
    c.service_cidr = optional("service_cidr");
    c.lb_pool = optional("lb_pool");
    c.pod_cidr_v6 = optional("pod_cidr_v6");
    c.service_cidr_v6 = optional("service_cidr_v6");
    c.lb_pool_v6 = optional("lb_pool_v6");
    if (!n["as"]) Error(n, path, "missing as (the cluster's AS number, e.g. 65100)");
    c.as = Count(n["as"], path + ".as");
    if (n["ibgp"]) c.ibgp = Flag(n["ibgp"], path + ".ibgp");
    if (n["workers"]) c.workers = Count(n["workers"], path + ".workers");
    if (const auto nginx = n["nginx"]) {
      const auto np = path + ".nginx";
      CheckKeys(nginx, np, {"replicas", "labels"});
      Mark(nginx, np);
      if (nginx["replicas"]) c.nginx.replicas = Count(nginx["replicas"], np + ".replicas");
      if (const auto labels = nginx["labels"]) {
        const auto lp = np + ".labels";
        if (!labels.IsMap()) Error(labels, lp, "expected a mapping of label keys to values");
        Mark(labels, lp);
        c.nginx.labels.clear();
        for (const auto& kv : labels) {
          const auto key = kv.first.as<std::string>();
          const auto value_path = fmt::format("{}.{}", lp, key);
          c.nginx.labels.emplace_back(key, Text(kv.second, value_path));
          // The key's own position, for errors about the key.
          Mark(kv.first, value_path + "#key");
        }
      }
    }
    return c;
  }

  Scenario& s_;
};

std::string StemOf(std::string_view path) {
  auto base = path.substr(path.find_last_of('/') + 1);
  if (base.size() > 5 && base.substr(base.size() - 5) == ".yaml") base.remove_suffix(5);
  return std::string(base);
}

constexpr std::string_view kScenarioDir = "scenarios/";

}  // namespace

Result<Scenario, Error> ParseScenario(std::string_view yaml, std::string_view source,
                                      std::string_view name) {
  return ParseYaml<Scenario>(yaml, source, [&](const YAML::Node& root) {
    Scenario s;
    s.name = std::string(name);
    s.source = std::string(source);
    ScenarioParser(source, s).Parse(root);
    return s;
  });
}

std::vector<BuiltinScenario> BuiltinScenarios() {
  std::vector<BuiltinScenario> out;
  for (const auto& f : EmbeddedFiles()) {
    if (!f.path.starts_with(kScenarioDir)) continue;
    const auto name = StemOf(f.path);
    auto s = ParseScenario(f.content, f.path, name);
    out.push_back({name, s ? s->description : fmt::format("(does not parse: {})", s.error())});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Result<Scenario, Error> LoadScenario(std::string_view name_or_path) {
  auto t = LoadScenarioText(name_or_path);
  if (!t) return Fail(t.error());
  return ParseScenario(t->text, t->source, t->name);
}

Result<ScenarioText, Error> LoadScenarioText(std::string_view name_or_path) {
  const bool is_path = name_or_path.find('/') != std::string_view::npos ||
                       name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml");
  if (!is_path) {
    const auto path = fmt::format("{}{}.yaml", kScenarioDir, name_or_path);
    if (auto text = FindEmbeddedFile(path)) {
      return ScenarioText{std::string(*text), path, std::string(name_or_path)};
    }
    std::string names;
    for (const auto& b : BuiltinScenarios()) names += (names.empty() ? "" : ", ") + b.name;
    return Fail(Error::Input(fmt::format(
        "\"{}\" is not a built-in scenario ({}); give a scenario file's path (ending in .yaml "
        "or containing a '/') to use your own",
        name_or_path, names)));
  }
  const std::string path(name_or_path);
  std::ifstream f(path);
  if (!f) return Fail(Error::Input(fmt::format("{}: cannot open: {}", path, std::strerror(errno))));
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return ScenarioText{std::move(text), path, StemOf(path)};
}

}  // namespace bgpdemo::core
