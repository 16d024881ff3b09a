#include "core/scenario_validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include "bgp/wire/prefix.h"

namespace bgpdemo::core {

namespace {

using bgp::wire::Afi;
using bgp::wire::Prefix;

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool IsAlnum(char c) {
  return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}

// kind cluster names become Docker container names (<name>-control-plane, <name>-worker2),
// host names and parts of Kubernetes node names: an RFC 1123 label once the longest
// suffix ("-control-plane", 14 characters) is added.
constexpr std::size_t kMaxClusterName = 63 - 14;

bool IsClusterName(std::string_view s) {
  if (s.empty() || s.size() > kMaxClusterName) return false;
  if (!IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// Docker's names for networks and containers: [a-zA-Z0-9][a-zA-Z0-9_.-]*.
bool IsDockerName(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

// A label value, and the name part of a label key: at most 63 of [A-Za-z0-9_.-], starting
// and ending with [A-Za-z0-9]; values may be empty.
bool IsLabelName(std::string_view s, bool allow_empty) {
  if (s.empty()) return allow_empty;
  if (s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// A DNS subdomain (RFC 1123), the optional prefix of a label key.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto dot = s.find('.', start);
    if (dot == std::string_view::npos) dot = s.size();
    const auto label = s.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || !IsLowerAlnum(label.front()) ||
        !IsLowerAlnum(label.back())) {
      return false;
    }
    for (char c : label) {
      if (!IsLowerAlnum(c) && c != '-') return false;
    }
    start = dot + 1;
  }
  return true;
}

bool IsLabelKey(std::string_view s) {
  const auto slash = s.find('/');
  if (slash == std::string_view::npos) return IsLabelName(s, false);
  return IsDnsSubdomain(s.substr(0, slash)) && IsLabelName(s.substr(slash + 1), false);
}

// A cluster's CIDR fields: the IPv4 one, and the IPv6 one whose key adds "_v6".
enum class CidrKind { kPod, kService, kLb };
struct CidrField {
  CidrKind kind;
  const char* key;
  const char* what;
  std::string ClusterSpec::*v4;
  std::string ClusterSpec::*v6;
  const char* v4_example;
  const char* v6_example;
};
constexpr CidrField kCidrFields[] = {
    {CidrKind::kPod, "pod_cidr", "pod CIDR", &ClusterSpec::pod_cidr, &ClusterSpec::pod_cidr_v6,
     "10.241.0.0/16", "fd00:10:241::/56"},
    {CidrKind::kService, "service_cidr", "service CIDR", &ClusterSpec::service_cidr,
     &ClusterSpec::service_cidr_v6, "10.11.0.0/16", "fd00:10:11::/112"},
    {CidrKind::kLb, "lb_pool", "LB pool", &ClusterSpec::lb_pool, &ClusterSpec::lb_pool_v6,
     "10.21.0.0/24", "fd00:10:21::/120"},
};

// One CIDR of the scenario, for the overlap checks.
struct Range {
  std::string path;
  std::string what;  // "cluster cilium's pod CIDR"
  Prefix prefix;
  bool is_lb = false;
  bool is_service = false;
};

class Validator {
 public:
  explicit Validator(const Scenario& s) : s_(s) {}

  std::vector<ScenarioError> Run() {
    CheckFamily();
    CheckVersionAndApi();
    CheckTimers();
    CheckRouter();
    CheckNetworks();
    CheckClusters();
    CheckContexts();
    CheckOverlaps();
    CheckNativeRouting();
    // File order; values set by flags first.
    std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
      const auto key = [](const SourcePos& p) {
        return std::tuple(p.origin.empty(), p.line, p.column);
      };
      return key(a.first) < key(b.first);
    });
    std::vector<ScenarioError> out;
    for (auto& [pos, e] : errors_) out.push_back(std::move(e));
    return out;
  }

 private:
  void Err(const std::string& path, std::string message, const std::string& at = "") {
    const auto& where = at.empty() ? path : at;
    errors_.push_back({s_.positions.Find(where),
                       {s_.positions.Locate(s_.source, where), path, std::move(message)}});
  }

  // A CIDR of family `afi`; reports what is wrong with it otherwise.
  std::optional<Prefix> Cidr(const std::string& path, const std::string& text,
                             Afi afi = Afi::kIpv4) {
    const bool v6 = afi == Afi::kIpv6;
    const char* example =
        v6 ? "an IPv6 prefix like fd00:10:241::/56" : "an IPv4 prefix like 10.241.0.0/16";
    if (auto p = Prefix::Parse(text); p && p->afi == afi) return p;
    if (auto p = Prefix::Parse(text)) {
      const auto key = path.substr(path.rfind('.') + 1);
      Err(path, fmt::format("\"{}\" is an {} prefix; this field takes {}{}", text,
                            v6 ? "IPv4" : "IPv6", example,
                            v6 ? ""
                               : fmt::format(" (IPv6 ones go in {}_v6, with ip_family dual "
                                             "or ipv6)",
                                             key)));
      return std::nullopt;
    }
    // Host bits set: say which prefix was probably meant.
    const auto slash = text.find('/');
    if (slash != std::string::npos) {
      auto addr = bgp::wire::IpAddress::Parse(text.substr(0, slash));
      unsigned len = 0;
      const auto digits = text.substr(slash + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
      if (addr && addr->afi == afi && ec == std::errc() && !digits.empty() &&
          end == digits.data() + digits.size() && len <= (v6 ? 128u : 32u)) {
        const auto fixed = PrefixOf(*addr, static_cast<int>(len));
        Err(path,
            fmt::format("\"{}\" has host bits set; did you mean {}?", text, fixed.ToString()));
        return std::nullopt;
      }
    }
    Err(path, fmt::format("\"{}\" is not {}", text, example));
    return std::nullopt;
  }

  void Asn(const std::string& path, std::uint64_t v) {
    if (v == 23456) {
      Err(path,
          "\"23456\" is AS_TRANS (RFC 6793), not a real AS; expected 1..4294967295 "
          "except 23456");
    } else if (v == 0 || v > 4294967295u) {
      Err(path, fmt::format("\"{}\" is not a valid AS number (1..4294967295, except 23456)", v));
    }
  }

  void CheckFamily() {
    family_ = ParseIpFamily(s_.ip_family);
    if (!family_) {
      Err("ip_family", fmt::format("\"{}\" is not ipv4, ipv6 or dual (kind's networking.ipFamily)",
                                   s_.ip_family));
    }
  }

  void CheckVersionAndApi() {
    version_ = CiliumVersion::Parse(s_.cilium_version);
    if (!version_) {
      Err("cilium.version",
          fmt::format("\"{}\" is not a Cilium version like 1.14.0 (MAJOR.MINOR.PATCH, optionally "
                      "-PRERELEASE)",
                      s_.cilium_version));
    } else if (!IsSupported(*version_)) {
      Err("cilium.version",
          fmt::format("\"{}\" is not supported: bgpdemo renders for Cilium {}.{}.0 to {}.{}.x, "
                      "the releases whose CRDs and Helm charts its tests check",
                      s_.cilium_version, 1, kMinCiliumMinor, 1, kMaxCiliumMinor));
      version_.reset();
    }
    const auto& api = s_.bgp.api;
    if (!api.empty() && api != "v1" && api != "v2") {
      Err("bgp.api", fmt::format("\"{}\" is not v1 (CiliumBGPPeeringPolicy) or v2 (the BGPv2 "
                                 "resources); leave it out to choose by Cilium version",
                                 api));
      return;
    }
    const auto effective = !version_     ? std::optional<BgpApi>{}
                           : api.empty() ? DefaultBgpApi(*version_)
                                         : (api == "v1" ? BgpApi::kV1 : BgpApi::kV2);
    if (family_ == IpFamily::kIpv6 && effective == BgpApi::kV1) {
      // A v1 node takes its router ID from its IPv4 address or an annotation bgpdemo does not
      // write; the v2 CiliumBGPNodeConfigOverride is how render gives IPv6-only nodes one.
      Err(api.empty() ? "cilium.version" : "bgp.api",
          fmt::format("ip_family ipv6 needs the BGPv2 resources (bgp.api: v2, Cilium 1.16 or "
                      "later): an IPv6-only node has no IPv4 address for a BGPv1 router ID"));
      return;
    }
    if (!version_ || api.empty()) return;  // the default always suits the version
    const auto chosen = api == "v1" ? BgpApi::kV1 : BgpApi::kV2;
    if (Supports(*version_, chosen)) return;
    if (chosen == BgpApi::kV1) {
      Err("bgp.api", fmt::format("\"v1\" (CiliumBGPPeeringPolicy) was removed in Cilium 1.19 and "
                                 "cilium.version is {}: use v2, or Cilium 1.14 to 1.18",
                                 version_->ToString()));
    } else {
      Err("bgp.api", fmt::format("\"v2\" (the BGPv2 resources) needs Cilium 1.16 or later and "
                                 "cilium.version is {}: use v1, or Cilium 1.16 or later",
                                 version_->ToString()));
    }
  }

  void CheckTimers() {
    const auto& b = s_.bgp;
    if (b.hold_time < 3 || b.hold_time > 65535) {
      Err("bgp.hold_time", fmt::format("\"{}\" is not a valid hold time (3..65535 seconds; "
                                       "Cilium refuses less than 3)",
                                       b.hold_time));
    }
    if (b.keepalive < 1 || b.keepalive > 65535) {
      Err("bgp.keepalive",
          fmt::format("\"{}\" is not a valid keepalive time (1..65535 seconds)", b.keepalive));
    } else if (b.hold_time >= 3 && b.hold_time <= 65535 && b.keepalive > b.hold_time) {
      Err("bgp.keepalive",
          fmt::format("\"{}\" is more than bgp.hold_time ({}), which Cilium refuses: use at "
                      "most {} seconds, usually a third of the hold time",
                      b.keepalive, b.hold_time, b.hold_time));
    }
    if (b.connect_retry < 1 || b.connect_retry > 65535) {
      Err("bgp.connect_retry", fmt::format("\"{}\" is not a valid connect retry time (1..65535 "
                                           "seconds)",
                                           b.connect_retry));
    }
  }

  void CheckRouter() {
    const auto& r = s_.router;
    if (!IsDockerName(r.name)) {
      Err("router.name", fmt::format("\"{}\" is not a valid Docker container name: letters, "
                                     "digits, '_', '.' and '-', starting with a letter or digit",
                                     r.name));
    }
    Asn("router.as", r.as);
    if (r.mode != "router" && r.mode != "route-server") {
      Err("router.mode",
          fmt::format("\"{}\" is not router (own AS prepended, next hop self) or route-server "
                      "(RFC 7947: AS path and next hop kept)",
                      r.mode));
    }
    auto id = bgp::wire::IpAddress::Parse(r.router_id);
    if (!id || id->afi != bgp::wire::Afi::kIpv4 || id->v4() == 0) {
      Err("router.router_id",
          fmt::format("\"{}\" is not a non-zero IPv4 address (RFC 6286), e.g. 10.0.0.1",
                      r.router_id));
    }
  }

  void CheckNetworks() {
    if (s_.networks.empty()) {
      Err("networks", "the list is empty: at least one Docker network is needed");
    }
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < s_.networks.size(); ++i) {
      const auto& n = s_.networks[i];
      const auto path = fmt::format("networks[{}]", i);
      if (!IsDockerName(n.name)) {
        Err(path + ".name", fmt::format("\"{}\" is not a valid Docker network name: letters, "
                                        "digits, '_', '.' and '-', starting with a letter or "
                                        "digit",
                                        n.name));
      } else if (auto [it, fresh] = seen.emplace(n.name, i); !fresh) {
        Err(path + ".name",
            fmt::format("\"{}\" is already the name of networks[{}]; network names must be unique",
                        n.name, it->second));
      }
      if (!n.subnet.empty()) {
        if (auto p = Cidr(path + ".subnet", n.subnet)) {
          ranges_.push_back({path + ".subnet", fmt::format("network {}'s subnet", n.name), *p});
        }
      }
      if (!n.subnet_v6.empty()) {
        if (family_ == IpFamily::kIpv4) {
          Err(path + ".subnet_v6",
              "ip_family is ipv4: the network's IPv6 subnet is used only "
              "with ip_family dual or ipv6");
        } else if (auto p = Cidr(path + ".subnet_v6", n.subnet_v6, Afi::kIpv6)) {
          ranges_.push_back(
              {path + ".subnet_v6", fmt::format("network {}'s IPv6 subnet", n.name), *p});
          if (p->length > 120) {
            Err(path + ".subnet_v6", fmt::format("\"{}\" leaves too few addresses for the nodes "
                                                 "and the router: use a /120 or shorter (kind "
                                                 "makes a /64)",
                                                 n.subnet_v6));
          }
        }
      }
      bool used = false;
      for (const auto& c : s_.clusters) used = used || c.network == n.name;
      if (!used && !s_.clusters.empty()) {
        Err(path + ".name", fmt::format("network \"{}\" has no cluster on it: the route server "
                                        "accepts each network's nodes with that cluster's AS; "
                                        "remove the network or put a cluster on it",
                                        n.name));
      }
    }
  }

  // `contexts:` (the kube provider) names clusters of the scenario, each with a context.
  void CheckContexts() {
    for (const auto& [cluster, context] : s_.contexts) {
      const auto path = "contexts." + cluster;
      if (!s_.FindCluster(cluster)) {
        Err(path, fmt::format("\"{}\" is not one of the scenario's clusters ({})", cluster,
                              fmt::join(s_.ClusterNames(), ", ")));
      } else if (context.empty()) {
        Err(path, "an empty context: the kubeconfig context of this cluster");
      }
    }
  }

  void CheckClusters() {
    if (s_.clusters.empty()) {
      Err("clusters", "the list is empty: at least one cluster is needed");
    }
    std::map<std::string, std::size_t> names;
    std::map<std::string, std::size_t> networks;
    for (std::size_t i = 0; i < s_.clusters.size(); ++i) {
      const auto& c = s_.clusters[i];
      const auto path = fmt::format("clusters[{}]", i);
      const auto field = [&](std::string_view key) { return fmt::format("{}.{}", path, key); };
      if (!IsClusterName(c.name)) {
        Err(field("name"),
            fmt::format("\"{}\" is not a valid cluster name: lowercase letters, digits and '-', "
                        "starting and ending with a letter or digit, at most {} characters "
                        "(kind names the nodes <name>-control-plane, <name>-worker...)",
                        c.name, kMaxClusterName));
      } else if (auto [it, fresh] = names.emplace(c.name, i); !fresh) {
        Err(field("name"),
            fmt::format("\"{}\" is already the name of clusters[{}]; cluster names must be unique",
                        c.name, it->second));
      }
      if (!s_.FindNetwork(c.network)) {
        std::string list;
        for (const auto& n : s_.networks) list += (list.empty() ? "" : ", ") + n.name;
        Err(field("network"),
            fmt::format("\"{}\" is not one of the scenario's networks ({})", c.network, list));
      } else if (auto [it, fresh] = networks.emplace(c.network, i); !fresh) {
        Err(field("network"),
            fmt::format("\"{}\" is already the network of clusters[{}]; each cluster needs its "
                        "own Docker network (the route server accepts a network's nodes with one "
                        "AS)",
                        c.network, it->second));
      }
      CheckClusterCidrs(c, path, Afi::kIpv4);
      CheckClusterCidrs(c, path, Afi::kIpv6);
      Asn(field("as"), c.as);
      if (!c.ibgp && c.as == s_.router.as) {
        Err(field("as"), fmt::format("\"{}\" is the route server's AS (router.as), which makes "
                                     "an iBGP session: choose another AS, or set {}.ibgp: true "
                                     "if iBGP is what you want",
                                     c.as, path));
      } else if (c.ibgp && c.as != s_.router.as) {
        Err(field("ibgp"), fmt::format("true needs {}.as ({}) to equal router.as ({}): iBGP is "
                                       "a session within one AS",
                                       path, c.as, s_.router.as));
      }
      if (c.workers < 1 || c.workers > 100) {
        Err(field("workers"),
            fmt::format("\"{}\" is not a valid number of workers (1..100)", c.workers));
      }
      if (c.nginx.replicas < 1 || c.nginx.replicas > 1000) {
        Err(field("nginx.replicas"),
            fmt::format("\"{}\" is not a valid number of nginx replicas (1..1000)",
                        c.nginx.replicas));
      }
      CheckLabels(field("nginx.labels"), c.nginx.labels);
    }
  }

  // The pod, service and LB CIDRs of one family: required when the scenario runs that
  // family, refused when it does not, each within the sizes Kubernetes and Cilium take.
  void CheckClusterCidrs(const ClusterSpec& c, const std::string& path, Afi afi) {
    if (!family_) return;  // reported at ip_family
    const bool v6 = afi == Afi::kIpv6;
    const bool wanted = v6 ? *family_ != IpFamily::kIpv4 : *family_ != IpFamily::kIpv6;
    for (const auto& f : kCidrFields) {
      const auto field = fmt::format("{}.{}{}", path, f.key, v6 ? "_v6" : "");
      const std::string& text = c.*(v6 ? f.v6 : f.v4);
      if (!wanted) {
        if (text.empty()) continue;
        Err(field, fmt::format("ip_family is {}, which has no {} addresses: remove this field, or "
                               "set ip_family: dual",
                               s_.ip_family, v6 ? "IPv6" : "IPv4"));
        continue;
      }
      if (text.empty()) {
        Err(field,
            fmt::format("missing: ip_family {} needs the cluster's {} {} (e.g. {})", s_.ip_family,
                        v6 ? "IPv6" : "IPv4", f.what, v6 ? f.v6_example : f.v4_example),
            path);
        continue;
      }
      auto p = Cidr(field, text, afi);
      if (!p) continue;
      Range r{field, fmt::format("cluster {}'s {}{}", c.name, v6 ? "IPv6 " : "", f.what), *p};
      r.is_service = f.kind == CidrKind::kService;
      r.is_lb = f.kind == CidrKind::kLb;
      ranges_.push_back(r);
      CheckCidrSize(c, field, text, *p, f.kind);
    }
  }

  // Kubernetes gives each node a /24 of an IPv4 pod CIDR and a /64 of an IPv6 one, with at
  // most 16 bits between the two (kube-controller-manager's node-cidr-mask-size); services
  // take at most a /12 (IPv4) or /108 (IPv6); Cilium takes at most 65,536 addresses in one
  // pool CIDR.
  void CheckCidrSize(const ClusterSpec& c, const std::string& field, const std::string& text,
                     const Prefix& p, CidrKind kind) {
    const bool v6 = p.afi == Afi::kIpv6;
    if (kind == CidrKind::kPod) {
      const int node = v6 ? 64 : 24;
      const auto nodes = c.workers + 1;
      const std::uint64_t room = p.length > node ? 0 : std::uint64_t{1} << (node - p.length);
      if (v6 && p.length < node - 16) {
        Err(field, fmt::format("\"{}\" is larger than Kubernetes takes: it gives each node a "
                               "/64, at most 16 bits below the pod CIDR; use a /48 or longer",
                               text));
      } else if (c.workers >= 1 && c.workers <= 100 && room < nodes) {
        int need = node;
        while ((std::uint64_t{1} << (node - need)) < nodes) --need;
        Err(field, fmt::format("\"{}\" is too small: Kubernetes gives each node a /{} of it and "
                               "the cluster has {} nodes; use a /{} or shorter",
                               text, node, nodes, need));
      }
    } else if (kind == CidrKind::kService && p.length < (v6 ? 108 : 12)) {
      Err(field, fmt::format("\"{}\" is larger than Kubernetes allows for services: use a /{} or "
                             "longer",
                             text, v6 ? 108 : 12));
    } else if (kind == CidrKind::kLb && p.length < (v6 ? 112 : 16)) {
      Err(field, fmt::format("\"{}\" has more than 65536 addresses, the most Cilium takes in one "
                             "pool CIDR: use a /{} or longer",
                             text, v6 ? 112 : 16));
    }
  }

  void CheckLabels(const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& labels) {
    if (labels.empty()) {
      Err(path,
          "no labels: the nginx Service and the BGP service selector need at least one, "
          "e.g. {app: nginx}");
    }
    for (const auto& [key, value] : labels) {
      const auto p = fmt::format("{}.{}", path, key);
      if (!IsLabelKey(key)) {
        Err(p,
            fmt::format("\"{}\" is not a valid Kubernetes label key: an optional DNS subdomain "
                        "and '/', then at most 63 letters, digits, '-', '_' or '.', starting and "
                        "ending with a letter or digit",
                        key),
            p + "#key");
      }
      if (!IsLabelName(value, true)) {
        Err(p, fmt::format("\"{}\" is not a valid Kubernetes label value: at most 63 letters, "
                           "digits, '-', '_' or '.', starting and ending with a letter or digit",
                           value));
      }
    }
  }

  void CheckOverlaps() {
    for (std::size_t j = 0; j < ranges_.size(); ++j) {
      for (std::size_t i = 0; i < j; ++i) {
        const auto& a = ranges_[i];
        const auto& b = ranges_[j];
        if (!Overlaps(a.prefix, b.prefix)) continue;
        const Range* lb = a.is_lb ? &a : (b.is_lb ? &b : nullptr);
        const Range* svc = a.is_service ? &a : (b.is_service ? &b : nullptr);
        if (lb && svc && Contains(svc->prefix, lb->prefix)) {
          Err(lb->path,
              fmt::format("{} is inside {} {} ({}): Cilium would hand out addresses "
                          "that Kubernetes also gives as ClusterIPs; use a range "
                          "outside every service CIDR",
                          lb->prefix.ToString(), svc->path, svc->prefix.ToString(), svc->what));
          continue;
        }
        Err(b.path, fmt::format("{} overlaps {} {} ({}); pod, service, LB pool and network "
                                "CIDRs must all be disjoint",
                                b.prefix.ToString(), a.path, a.prefix.ToString(), a.what));
      }
    }
  }

  // One native-routing CIDR per family covers every cluster's CIDRs of that family. It
  // must not cover the internet: IPv4 within one /8, IPv6 within one /32 unless it is all
  // unique local (fc00::/7), which is never routed there.
  void CheckNativeRouting() {
    for (const auto afi : {Afi::kIpv4, Afi::kIpv6}) {
      std::vector<Prefix> all;
      for (const auto& r : ranges_) {
        if (r.path.starts_with("clusters") && r.prefix.afi == afi) all.push_back(r.prefix);
      }
      if (all.size() != 3 * s_.clusters.size() || all.empty()) continue;  // reported already
      const auto super = Supernet(all);
      const bool v6 = afi == Afi::kIpv6;
      const auto ula = *Prefix::Parse("fc00::/7");
      if (v6 ? super.length >= 32 || Contains(ula, super) : super.length >= 8) continue;
      Err("clusters",
          fmt::format(
              "the {}pod, service and LB CIDRs of all clusters span {}, wider than a {}: "
              "Cilium does not masquerade traffic to one native-routing CIDR that covers "
              "them all, and one this wide would cover the internet too; keep them "
              "inside {}",
              v6 ? "IPv6 " : "", super.ToString(), v6 ? "/32" : "/8",
              v6 ? "one /32 or unique local addresses (fd00::/8)" : "one /8 such as 10.0.0.0/8"));
    }
  }

  const Scenario& s_;
  std::optional<CiliumVersion> version_;
  std::optional<IpFamily> family_;
  std::vector<Range> ranges_;
  std::vector<std::pair<SourcePos, ScenarioError>> errors_;
};

}  // namespace

std::vector<ScenarioError> ValidateScenario(const Scenario& s) {
  return Validator(s).Run();
}

std::string FormatErrors(const std::vector<ScenarioError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.ToString() + "\n";
  return out;
}

Result<void, Error> CheckScenario(const Scenario& s) {
  const auto errors = ValidateScenario(s);
  if (!errors.empty()) return Fail(Error::Input(FormatErrors(errors)));
  return {};
}

Result<void, Error> CheckRunnable(const Scenario& s, std::string_view provider,
                                  std::initializer_list<IpFamily> runs) {
  if (std::find(runs.begin(), runs.end(), s.Family()) != runs.end()) return {};
  std::vector<std::string> names;
  for (const auto f : runs) names.emplace_back(ToString(f));
  return Fail(Error::Input(fmt::format(
      "{}: ip_family {}: the {} provider brings up {} demos so far; `bgpdemo render` writes "
      "this scenario's cluster files",
      s.positions.Locate(s.source, "ip_family"), s.ip_family, provider,
      fmt::join(names, " and "))));
}

}  // namespace bgpdemo::core
