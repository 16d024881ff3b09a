#include "core/router_config.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iterator>
#include <set>

#include "core/yaml_util.h"

namespace bgpdemo::core {

using bgp::policy::Filter;
using bgp::policy::Mode;
using bgp::server::NeighborConfig;
using bgp::server::RouterConfig;
using bgp::server::Timers;
using bgp::wire::IpAddress;
using bgp::wire::Prefix;

namespace {

class Parser : public YamlReader {
 public:
  explicit Parser(std::string_view source) : YamlReader(source) {}

  std::uint32_t Asn(const YAML::Node& n, std::string_view path) {
    const auto v = Number(n, path, 1, 4294967295u, "a valid AS number");
    if (v == 23456) {
      Error(n, path, "23456 is AS_TRANS (RFC 6793), not a real AS; expected 1..4294967295");
    }
    return static_cast<std::uint32_t>(v);
  }

  IpAddress Address(const YAML::Node& n, std::string_view path) {
    const auto text = Scalar(n, path);
    auto a = IpAddress::Parse(text);
    if (!a) Error(n, path, fmt::format("\"{}\" is not an IPv4 or IPv6 address", text));
    return *a;
  }

  Filter ParseFilter(const YAML::Node& n, std::string_view path) {
    if (n.IsScalar()) {
      const auto text = n.as<std::string>();
      if (text == "all") return Filter::AcceptAll();
      if (text == "none") return Filter::DenyAll();
      Error(n, path, fmt::format("\"{}\" is not all, none or a list of prefix-list entries", text));
    }
    if (!n.IsSequence()) Error(n, path, "expected all, none or a list of prefix-list entries");
    bgp::policy::PrefixList list;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const auto item_path = fmt::format("{}[{}]", path, i);
      auto entry = bgp::policy::ParsePrefixListEntry(Scalar(n[i], item_path));
      if (!entry) Error(n[i], item_path, entry.error());
      list.entries.push_back(*entry);
    }
    return Filter::Prefixes(std::move(list));
  }

  Timers ParseTimers(const YAML::Node& n, std::string_view path, Timers t) {
    CheckKeys(n, path, {"hold_time", "keepalive", "connect_retry"});
    if (n["hold_time"]) {
      const auto p = fmt::format("{}.hold_time", path);
      t.hold_time = static_cast<std::uint16_t>(Number(n["hold_time"], p, 0, 65535, "a hold time"));
      if (t.hold_time == 1 || t.hold_time == 2) {
        Error(n["hold_time"], p, "hold time must be 0 or at least 3 seconds (RFC 4271 §4.2)");
      }
    }
    if (n["keepalive"]) {
      t.keepalive = static_cast<std::uint16_t>(
          Number(n["keepalive"], fmt::format("{}.keepalive", path), 0, 65535, "a keepalive time"));
    }
    if (n["connect_retry"]) {
      t.connect_retry = static_cast<std::uint16_t>(Number(
          n["connect_retry"], fmt::format("{}.connect_retry", path), 1, 65535, "a retry time"));
    }
    if (t.hold_time != 0 && t.keepalive > t.hold_time / 3 + (t.hold_time % 3 ? 1 : 0) &&
        t.keepalive > t.hold_time) {
      Error(n, path, fmt::format("keepalive {} exceeds hold time {}", t.keepalive, t.hold_time));
    }
    return t;
  }

  NeighborConfig ParseNeighbor(const YAML::Node& n, std::string_view path, const Timers& defaults) {
    CheckKeys(n, path,
              {"name", "address", "range", "peer_as", "passive", "port", "local_address",
               "password", "ttl_security", "import", "export", "max_prefix", "ipv4", "ipv6",
               "graceful_restart", "timers"});
    NeighborConfig nb;
    nb.timers = defaults;
    const auto field = [&](std::string_view key) { return fmt::format("{}.{}", path, key); };
    if (n["address"] && n["range"]) {
      Error(n, path, "set either address (one peer) or range (dynamic neighbors), not both");
    }
    if (n["address"]) {
      nb.address = Address(n["address"], field("address"));
    } else if (n["range"]) {
      const auto text = Scalar(n["range"], field("range"));
      auto p = Prefix::Parse(text);
      if (!p) {
        Error(n["range"], field("range"),
              fmt::format("\"{}\" is not a prefix like 172.22.0.0/16 (no host bits set)", text));
      }
      nb.range = *p;
      nb.passive = true;
    } else {
      Error(n, path, "missing address (one peer) or range (dynamic neighbors)");
    }
    if (!n["peer_as"]) Error(n, path, "missing peer_as");
    if (n["peer_as"].IsScalar() && n["peer_as"].Scalar() == "any") {
      // Any external AS (BIRD's `external`, FRR's `remote-as external`): for ranges, where
      // a cluster's nodes may each have their own AS.
      if (!nb.range) {
        Error(n["peer_as"], field("peer_as"),
              "any is for a range of dynamic neighbors; one peer address needs its AS number");
      }
      nb.peer_as = bgp::server::kAnyPeerAs;
    } else {
      nb.peer_as = Asn(n["peer_as"], field("peer_as"));
    }
    nb.name = n["name"] ? Scalar(n["name"], field("name"))
                        : (nb.address ? nb.address->ToString() : nb.range->ToString());
    if (n["passive"]) {
      nb.passive = Bool(n["passive"], field("passive"));
      if (nb.range && !nb.passive) {
        Error(n["passive"], field("passive"), "a range of dynamic neighbors is always passive");
      }
    }
    if (n["port"]) nb.port = static_cast<std::uint16_t>(Number(n["port"], field("port"), 1, 65535, "a TCP port"));
    if (n["local_address"]) nb.local_address = Address(n["local_address"], field("local_address"));
    if (n["password"]) {
      nb.password = Scalar(n["password"], field("password"));
      if (nb.password.size() > 80) {
        Error(n["password"], field("password"), "TCP MD5 keys are at most 80 bytes (Linux)");
      }
    }
    if (n["ttl_security"]) nb.ttl_security = Bool(n["ttl_security"], field("ttl_security"));
    if (n["import"]) nb.policy.import_filter = ParseFilter(n["import"], field("import"));
    if (n["export"]) nb.policy.export_filter = ParseFilter(n["export"], field("export"));
    if (n["max_prefix"]) {
      bgp::policy::MaxPrefix max;
      max.limit = static_cast<std::uint32_t>(
          Number(n["max_prefix"], field("max_prefix"), 1, 4294967295u, "a prefix limit"));
      nb.policy.max_prefix = max;
    }
    if (n["ipv4"]) nb.ipv4 = Bool(n["ipv4"], field("ipv4"));
    if (n["ipv6"]) nb.ipv6 = Bool(n["ipv6"], field("ipv6"));
    if (!nb.ipv4 && !nb.ipv6) Error(n, path, "at least one of ipv4 and ipv6 must be true");
    if (n["graceful_restart"]) nb.graceful_restart = Bool(n["graceful_restart"], field("graceful_restart"));
    if (n["timers"]) nb.timers = ParseTimers(n["timers"], field("timers"), defaults);
    return nb;
  }

  RouterConfig Parse(const YAML::Node& root) {
    if (!root || root.IsNull()) throw YamlError{fmt::format("{}: the file is empty", source())};
    CheckKeys(
        root, "",
        {"router_id", "local_as", "mode", "listen", "timers", "neighbors", "hostname", "originate",
         "fib", "extended_next_hop", "extended_messages", "graceful_restart", "restart_time"});
    RouterConfig c;
    if (!root["router_id"]) Error(root, "router_id", "missing (an IPv4 address, e.g. 10.0.0.1)");
    const auto id = Address(root["router_id"], "router_id");
    if (id.afi != bgp::wire::Afi::kIpv4 || id.v4() == 0) {
      Error(root["router_id"], "router_id", "must be a non-zero IPv4 address (RFC 6286)");
    }
    c.router_id = id.v4();
    if (!root["local_as"]) Error(root, "local_as", "missing (the route server's AS, e.g. 65000)");
    c.local_as = Asn(root["local_as"], "local_as");
    if (root["mode"]) {
      const auto m = Scalar(root["mode"], "mode");
      if (m == "router") {
        c.mode = Mode::kRouter;
      } else if (m == "route-server") {
        c.mode = Mode::kRouteServer;
      } else {
        Error(root["mode"], "mode", fmt::format("\"{}\" is not router or route-server", m));
      }
    }
    if (root["hostname"]) c.hostname = Scalar(root["hostname"], "hostname");
    if (root["graceful_restart"]) {
      c.graceful_restart = Bool(root["graceful_restart"], "graceful_restart");
    }
    if (root["restart_time"]) {
      // 12 bits in the capability (RFC 4724 §3).
      c.restart_time = static_cast<std::uint16_t>(
          Number(root["restart_time"], "restart_time", 1, 4095, "a restart time in seconds"));
    }
    if (root["extended_next_hop"]) {
      c.offer_extended_next_hop = Bool(root["extended_next_hop"], "extended_next_hop");
    }
    if (root["extended_messages"]) {
      c.offer_extended_message = Bool(root["extended_messages"], "extended_messages");
    }
    if (const auto listen = root["listen"]) {
      CheckKeys(listen, "listen", {"addresses", "port"});
      if (listen["addresses"]) {
        const auto& a = listen["addresses"];
        if (!a.IsSequence()) Error(a, "listen.addresses", "expected a list of addresses");
        for (std::size_t i = 0; i < a.size(); ++i) {
          c.listen_addresses.push_back(Address(a[i], fmt::format("listen.addresses[{}]", i)));
        }
      }
      if (listen["port"]) {
        c.listen_port = static_cast<std::uint16_t>(
            Number(listen["port"], "listen.port", 0, 65535, "a TCP port (0: do not listen)"));
      }
    }
    if (root["timers"]) c.timers = ParseTimers(root["timers"], "timers", c.timers);
    if (const auto f = root["fib"]) {
      CheckKeys(f, "fib", {"install", "keep_on_exit", "table"});
      if (f["install"]) c.fib.install = Bool(f["install"], "fib.install");
      if (f["keep_on_exit"]) c.fib.keep_on_exit = Bool(f["keep_on_exit"], "fib.keep_on_exit");
      if (f["table"]) {
        c.fib.table = static_cast<std::uint32_t>(
            Number(f["table"], "fib.table", 1, 4294967295u, "a routing table number"));
      }
    }
    if (const auto o = root["originate"]) {
      if (!o.IsSequence()) Error(o, "originate", "expected a list of prefixes");
      for (std::size_t i = 0; i < o.size(); ++i) {
        const auto path = fmt::format("originate[{}]", i);
        const auto text = Scalar(o[i], path);
        auto p = Prefix::Parse(text);
        if (!p) {
          Error(o[i], path, fmt::format("\"{}\" is not a prefix like 10.241.1.0/24 (no host bits set)", text));
        }
        c.originate.push_back(*p);
      }
    }
    if (const auto ns = root["neighbors"]) {
      if (!ns.IsSequence()) Error(ns, "neighbors", "expected a list of neighbors");
      std::set<std::string> names;
      for (std::size_t i = 0; i < ns.size(); ++i) {
        const auto path = fmt::format("neighbors[{}]", i);
        auto nb = ParseNeighbor(ns[i], path, c.timers);
        if (!names.insert(nb.name).second) {
          Error(ns[i], path, fmt::format("a neighbor named \"{}\" is already defined", nb.name));
        }
        for (const auto& other : c.neighbors) {
          if (nb.address && other.address && *nb.address == *other.address) {
            Error(ns[i], path + ".address",
                  fmt::format("{} is already the address of neighbor \"{}\"",
                              nb.address->ToString(), other.name));
          }
        }
        c.neighbors.push_back(std::move(nb));
      }
    }
    return c;
  }
};

}  // namespace

Result<RouterConfig, std::string> ParseRouterConfig(std::string_view yaml, std::string_view source) {
  auto config = ParseYaml<RouterConfig>(
      yaml, source, [&](const YAML::Node& root) { return Parser(source).Parse(root); });
  if (!config) return Fail(config.error().message());
  return std::move(*config);
}

Result<RouterConfig, std::string> LoadRouterConfig(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Fail(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto config = ParseRouterConfig(text, path);
  if (!config) return config;
  if (auto r = CheckSecretsPrivate(*config, path); !r) return Fail(r.error());
  return config;
}

Result<void, std::string> CheckSecretsPrivate(const RouterConfig& config, const std::string& path) {
  const NeighborConfig* keyed = nullptr;
  for (const auto& n : config.neighbors) {
    if (!n.password.empty()) {
      keyed = &n;
      break;
    }
  }
  if (keyed == nullptr) return {};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Fail(fmt::format("{}: cannot stat: {}", path, std::strerror(errno)));
  }
  const unsigned mode = st.st_mode & 07777U;
  if ((mode & 077U) == 0) return {};
  return Fail(fmt::format(
      "{}: holds TCP MD5 passwords (neighbor \"{}\") and is readable or writable by {} "
      "(mode {:04o}); the router does not run with keys others can read. Fix: chmod {:04o} {}",
      path, keyed->name,
      (mode & 070U) && (mode & 07U) ? "group and others"
      : (mode & 070U)               ? "its group"
                                    : "others",
      mode, mode & 07700U, path));
}

}  // namespace bgpdemo::core
