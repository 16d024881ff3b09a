// A scenario: one YAML file that describes a whole demo (route server, Docker networks,
// kind clusters, Cilium version and BGP API, timers), from which `bgpdemo render` generates
// every file the demo applies or runs. The format and its defaults are documented in
// scenarios/two-cluster.yaml and in README.md ("Scenario files").
//
// Data flow: ParseScenario() reads the YAML into plain structs, keeping each field's
// position in a SourceMap; it stops at the first structural problem (unknown key, a list
// where a value belongs, a number that is not one). ValidateScenario()
// (core/scenario_validate.h) then checks the meaning (CIDRs, overlaps, AS numbers, names,
// versions, counts) and reports every problem at once, each at its file:line:column.
// Fields whose meaning is checked there (CIDRs, versions, names) are kept as the text the
// user wrote.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "bgp/wire/prefix.h"

namespace bgpdemo::core {

// Where a field's value came from: a line and column of the scenario file, or a
// command-line flag that overrode it.
struct SourcePos {
  int line = 0;        // 1-based; 0 when not from the file
  int column = 0;      // 1-based
  std::string origin;  // e.g. "--cilium-version"; empty: the scenario file
};

// Field path ("clusters[1].pod_cidr") to position. A path that was not in the file (a
// default) is reported at its nearest enclosing path that was.
class SourceMap {
 public:
  void Set(const std::string& path, SourcePos pos) { positions_[path] = std::move(pos); }
  SourcePos Find(std::string_view path) const;
  // "file:line:col", or the flag's name for an overridden value.
  std::string Locate(std::string_view source, std::string_view path) const;

 private:
  std::map<std::string, SourcePos, std::less<>> positions_;
};

// A Cilium release: MAJOR.MINOR.PATCH with an optional -PRERELEASE ("1.20.0-dev").
struct CiliumVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string prerelease;

  static std::optional<CiliumVersion> Parse(std::string_view text);
  std::string ToString() const;
  // Minor release line, e.g. "1.14".
  std::string Line() const;
  friend bool operator==(const CiliumVersion&, const CiliumVersion&) = default;
};

// The supported range: the release lines whose CRDs and Helm charts bgpdemo's tests check
// the rendered files against (tests/fixtures/cilium): 1.14 to 1.20.
inline constexpr int kMinCiliumMinor = 14;
inline constexpr int kMaxCiliumMinor = 20;
bool IsSupported(const CiliumVersion& v);

// Which Cilium resources configure BGP.
enum class BgpApi {
  kV1,  // CiliumBGPPeeringPolicy (cilium.io/v2alpha1), Cilium 1.14 to 1.18
  kV2,  // CiliumBGPClusterConfig, CiliumBGPPeerConfig, CiliumBGPAdvertisement, from 1.16
};
std::string_view ToString(BgpApi api);
// The API a version uses when the scenario does not say: v1 before 1.18, v2 from 1.18.
BgpApi DefaultBgpApi(const CiliumVersion& v);
// Whether `v` serves `api`: v1 to 1.18 (removed in 1.19), v2 from 1.16.
bool Supports(const CiliumVersion& v, BgpApi api);

// Which address families the clusters run (kind's networking.ipFamily): IPv4 only, IPv6
// only, or both. The route server carries each family the clusters have.
enum class IpFamily { kIpv4, kIpv6, kDual };
std::string_view ToString(IpFamily f);
std::optional<IpFamily> ParseIpFamily(std::string_view text);

struct NetworkSpec {
  std::string name;
  std::string subnet;     // IPv4 prefix; empty: Docker chooses (known only at run time)
  std::string subnet_v6;  // IPv6 prefix; empty: a ULA chosen as kind chooses it
};

struct NginxSpec {
  std::uint64_t replicas = 2;
  std::vector<std::pair<std::string, std::string>> labels{{"app", "nginx"}};
};

struct ClusterSpec {
  std::string name;  // kind cluster name; nodes are <name>-control-plane, <name>-worker...
  std::string network;
  // IPv4 CIDRs (empty when ip_family is ipv6) and IPv6 ones (empty when it is ipv4).
  std::string pod_cidr;
  std::string service_cidr;
  std::string lb_pool;  // CiliumLoadBalancerIPPool range for LoadBalancer services
  std::string pod_cidr_v6;
  std::string service_cidr_v6;
  std::string lb_pool_v6;
  std::uint64_t as = 0;
  bool ibgp = false;  // allows as == router.as (an iBGP session with the route server)
  std::uint64_t workers = 2;
  NginxSpec nginx;

  // The CIDRs of the families the cluster has, IPv4 first (Kubernetes' and kind's order for
  // the primary family of a dual-stack cluster): one or two entries.
  std::vector<std::string> PodCidrs() const;
  std::vector<std::string> ServiceCidrs() const;
  std::vector<std::string> LbPools() const;
};

struct RouterSpec {
  std::string name = "bgpdemo-router";  // container name and BGP hostname
  std::uint64_t as = 65000;
  std::string mode = "router";  // router | route-server (core/router_config.h)
  std::string router_id = "10.0.0.1";
};

struct BgpSpec {
  std::string api;  // "v1", "v2" or empty: DefaultBgpApi(version)
  std::uint64_t hold_time = 90;
  std::uint64_t keepalive = 30;
  std::uint64_t connect_retry = 120;
  bool graceful_restart = true;
};

struct Scenario {
  std::string name;    // the built-in name, or the file name without .yaml
  std::string source;  // the file, for messages
  std::string description;
  std::string cilium_version = "1.14.0";
  std::string ip_family = "ipv4";  // ipv4 | ipv6 | dual
  BgpSpec bgp;
  RouterSpec router;
  std::vector<NetworkSpec> networks;
  std::vector<ClusterSpec> clusters;
  // The kube provider's kubeconfig context of each cluster (`contexts:`; --context wins).
  std::map<std::string, std::string> contexts;
  SourceMap positions;

  // REQUIRES: the scenario is valid (ValidateScenario found nothing).
  CiliumVersion Version() const;
  BgpApi Api() const;
  IpFamily Family() const;
  bool HasIpv4() const { return Family() != IpFamily::kIpv6; }
  bool HasIpv6() const { return Family() != IpFamily::kIpv4; }
  const NetworkSpec* FindNetwork(std::string_view name) const;
  const ClusterSpec* FindCluster(std::string_view name) const;
  std::vector<std::string> ClusterNames() const;
  // Cilium's ipv4NativeRoutingCIDR (ipv6NativeRoutingCIDR for kIpv6) for every cluster: the
  // smallest prefix that covers the pod, service and LB CIDRs of that family in all
  // clusters, so that traffic between clusters is routed as it is, not masqueraded.
  // REQUIRES: the scenario is valid and has that family.
  bgp::wire::Prefix NativeRoutingCidr(bgp::wire::Afi afi = bgp::wire::Afi::kIpv4) const;
};

// An IPv4 prefix as a scenario writes it ("10.241.0.0/16"); nullopt otherwise.
std::optional<bgp::wire::Prefix> ParseIpv4Prefix(std::string_view text);
// An IPv6 prefix as a scenario writes it ("fd00:10:241::/56"); nullopt otherwise.
std::optional<bgp::wire::Prefix> ParseIpv6Prefix(std::string_view text);
// The prefix of `length` bits that holds `a`, host bits cleared. REQUIRES: length fits a.afi.
bgp::wire::Prefix PrefixOf(const bgp::wire::IpAddress& a, int length);
// Address arithmetic inside a prefix, for both families: the address `n` after its first
// (`n` 0: the network address), the address `n` before its last (0: the last), and its
// `index`-th sub-prefix of `length` bits (the 2nd /64 of fd00:10:241::/56 is
// fd00:10:241:1::/64). REQUIRES: the result lies inside `p` (length >= p.length).
bgp::wire::IpAddress AddressIn(const bgp::wire::Prefix& p, std::uint64_t n);
bgp::wire::IpAddress AddressFromEnd(const bgp::wire::Prefix& p, std::uint64_t n);
bgp::wire::Prefix Subprefix(const bgp::wire::Prefix& p, int length, std::uint64_t index);
// The host route of an address: "10.21.0.1/32", "fd00:10:21::1/128".
std::string HostPrefix(std::string_view address);
// The smallest prefix that covers every one of `prefixes`. REQUIRES: non-empty, one family.
bgp::wire::Prefix Supernet(const std::vector<bgp::wire::Prefix>& prefixes);
// Whether two prefixes share an address; whether `inner` lies inside `outer`. Prefixes of
// different families do neither.
bool Overlaps(const bgp::wire::Prefix& a, const bgp::wire::Prefix& b);
bool Contains(const bgp::wire::Prefix& outer, const bgp::wire::Prefix& inner);

// Reads a scenario. `source` names the text in messages; `name` becomes Scenario::name.
// Errors: kInput, at "source:line:col".
Result<Scenario, Error> ParseScenario(std::string_view yaml, std::string_view source,
                                      std::string_view name);

// A built-in scenario (compiled in from scenarios/) with its one-line description.
struct BuiltinScenario {
  std::string name;
  std::string description;
};
std::vector<BuiltinScenario> BuiltinScenarios();

// A scenario's text before parsing, with the names ParseScenario wants: what `up` keeps in
// its state so that the daemon and `down` plan from exactly the text `up` used.
struct ScenarioText {
  std::string text;
  std::string source;  // the file, or scenarios/<name>.yaml for a built-in one
  std::string name;
};

// `name_or_path` is a built-in name ("two-cluster") or a file. A value with a '/' or
// ending in .yaml is always a file. Errors (kInput): no such built-in scenario, a file that
// cannot be read, and for LoadScenario what ParseScenario finds.
Result<ScenarioText, Error> LoadScenarioText(std::string_view name_or_path);
Result<Scenario, Error> LoadScenario(std::string_view name_or_path);

}  // namespace bgpdemo::core
