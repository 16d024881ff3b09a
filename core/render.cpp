#include "core/render.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <kainjow/mustache.hpp>
#include <tuple>

#include "core/embedded_files.h"
#include "core/render_networks.h"

namespace bgpdemo::core {

namespace {

namespace mustache = kainjow::mustache;
using bgp::wire::IpAddress;

constexpr std::string_view kTemplateDir = "templates/";
constexpr std::string_view kTemplateSuffix = ".mustache";
constexpr std::string_view kHeaderPartial = "header";

// One output file: which template makes it, and the first line of its header comment.
struct FileSpec {
  std::string name;  // file name inside the cluster's (or the router's) folder
  std::string template_name;
  std::string title;
  FileKind kind;
};

// The files of one cluster, in the order the demo uses them.
std::vector<FileSpec> ClusterFiles(const CiliumVersion& v, BgpApi api, bool routes_daemonset,
                                   bool ipv6_only) {
  std::vector<FileSpec> f{
      {"kind.yaml", "kind.yaml", "kind cluster configuration", FileKind::kKindConfig},
      // 1.14 keeps the original demo's keys (tunnel, kubeProxyReplacement: strict); 1.15
      // ignores `tunnel` and 1.16 refuses it, so later lines get routingMode: native.
      {"cilium-values.yaml", v.minor == 14 ? "cilium-values-1.14.yaml" : "cilium-values.yaml",
       fmt::format("Helm values for Cilium {}", v.ToString()), FileKind::kHelmValues},
      {"nginx.yaml", "nginx.yaml", "nginx Deployment and LoadBalancer Service",
       FileKind::kManifest},
      {"lb-ippool.yaml", "lb-ippool.yaml", "LoadBalancer IP pool", FileKind::kManifest},
  };
  if (api == BgpApi::kV1) {
    f.push_back({"bgp-peering-policy.yaml", "bgp-peering-policy.yaml", "BGP peering policy (BGPv1)",
                 FileKind::kManifest});
    f.push_back({"node-annotations.yaml", "node-annotations.yaml",
                 "BGPv1 virtual router annotation for every node", FileKind::kNodeAnnotations});
  } else {
    f.push_back({"bgp-cluster-config.yaml", "bgp-cluster-config.yaml",
                 "BGP instance and peer (BGPv2)", FileKind::kManifest});
    f.push_back({"bgp-peer-config.yaml", "bgp-peer-config.yaml", "BGP session settings (BGPv2)",
                 FileKind::kManifest});
    f.push_back({"bgp-advertisement.yaml", "bgp-advertisement.yaml",
                 "what the nodes advertise (BGPv2)", FileKind::kManifest});
    if (ipv6_only) {
      f.push_back({"bgp-node-overrides.yaml", "bgp-node-overrides.yaml",
                   "each node's BGP router ID (BGPv2, IPv6-only nodes)", FileKind::kManifest});
    }
  }
  f.push_back({"node-routes.yaml", "node-routes.yaml",
               "static routes for every node (Cilium does not install BGP routes)",
               FileKind::kNodeRoutes});
  if (routes_daemonset) {
    f.push_back({"node-routes-daemonset.yaml", "node-routes-daemonset.yaml",
                 "DaemonSet keeping the static routes on every node", FileKind::kRoutesDaemonSet});
  }
  return f;
}

// Templates by name ("kind.yaml" -> kind.yaml.mustache), from the override folder when it
// has the file, else compiled in.
class Templates {
 public:
  explicit Templates(std::string dir) : dir_(std::move(dir)) {}

  Result<std::string, Error> Get(const std::string& name) const {
    const auto file = name + std::string(kTemplateSuffix);
    if (!dir_.empty()) {
      const auto path = std::filesystem::path(dir_) / file;
      std::error_code ec;
      if (std::filesystem::exists(path, ec)) {
        std::ifstream in(path);
        if (!in) {
          return Fail(Error::Input(fmt::format("{}: cannot read the template", path.string())));
        }
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      }
    }
    if (auto text = FindEmbeddedFile(std::string(kTemplateDir) + file)) return std::string(*text);
    return Fail(Error::Input(fmt::format("no template {} (compiled in or in --templates)", file)));
  }

  // Where a template came from, for error messages.
  std::string Origin(const std::string& name) const {
    const auto file = name + std::string(kTemplateSuffix);
    std::error_code ec;
    if (!dir_.empty() && std::filesystem::exists(std::filesystem::path(dir_) / file, ec)) {
      return (std::filesystem::path(dir_) / file).string();
    }
    return std::string(kTemplateDir) + file;
  }

 private:
  std::string dir_;
};

mustache::data Labels(const std::vector<std::pair<std::string, std::string>>& labels) {
  mustache::list l;
  for (const auto& [k, v] : labels) {
    mustache::data item;
    item.set("key", k);
    item.set("value", v);
    l.push_back(item);
  }
  return l;
}

mustache::data Strings(const std::vector<std::string>& values) {
  mustache::list l;
  for (const auto& v : values) l.push_back(mustache::data(v));
  return l;
}

std::string Num(std::uint64_t v) {
  return std::to_string(v);
}

// Whether `token` occurs in `text` as a whole word (ROUTER_ADDRESS_ON_kind is not in
// ROUTER_ADDRESS_ON_kind2).
bool HasToken(std::string_view text, std::string_view token) {
  for (auto at = text.find(token); at != std::string_view::npos; at = text.find(token, at + 1)) {
    const auto end = at + token.size();
    const char next = end < text.size() ? text[end] : ' ';
    const bool word = (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
                      (next >= '0' && next <= '9') || next == '_' || next == '.' || next == '-';
    if (!word) return true;
  }
  return false;
}

// Values every file can use.
mustache::data CommonView(const Scenario& s, const CiliumVersion& v, BgpApi api) {
  mustache::data d;
  d.set("scenario", s.name);
  d.set("description", s.description);
  d.set("cilium_version", v.ToString());
  d.set("cilium_line", v.Line());
  d.set("bgp_api", std::string(ToString(api)));
  d.set("bgp_v1", api == BgpApi::kV1);
  d.set("bgp_v2", api == BgpApi::kV2);
  // cilium.io/v2 serves the BGPv2 resources and the LB pool from 1.18; 1.14 pools take
  // `cidrs`, later ones `blocks`.
  d.set("bgp_v2_api_version", v.minor >= 18 ? "cilium.io/v2" : "cilium.io/v2alpha1");
  d.set("lb_pool_api_version", v.minor >= 18 ? "cilium.io/v2" : "cilium.io/v2alpha1");
  d.set("lb_pool_cidrs", v.minor == 14);
  d.set("router_name", s.router.name);
  d.set("router_as", Num(s.router.as));
  d.set("router_id", s.router.router_id);
  d.set("router_mode", s.router.mode);
  d.set("hold_time", Num(s.bgp.hold_time));
  d.set("keepalive", Num(s.bgp.keepalive));
  d.set("connect_retry", Num(s.bgp.connect_retry));
  d.set("graceful_restart", s.bgp.graceful_restart);
  d.set("graceful_restart_value", s.bgp.graceful_restart ? "true" : "false");
  d.set("ip_family", std::string(ToString(s.Family())));
  d.set("ip_family_set", s.Family() != IpFamily::kIpv4);
  d.set("has_ipv4", s.HasIpv4());
  d.set("has_ipv4_value", s.HasIpv4() ? "true" : "false");
  d.set("has_ipv6", s.HasIpv6());
  d.set("dual", s.Family() == IpFamily::kDual);
  if (s.HasIpv4()) d.set("native_routing_cidr", s.NativeRoutingCidr().ToString());
  if (s.HasIpv6()) {
    d.set("native_routing_cidr_v6", s.NativeRoutingCidr(bgp::wire::Afi::kIpv6).ToString());
  }
  return d;
}

mustache::data ClusterView(const Scenario& s, const ClusterSpec& c, const RenderOptions& o,
                           const std::map<std::string, NetworkValues>& nets, mustache::data d) {
  const auto& net = nets.at(c.network);
  d.set("name", c.name);
  d.set("context", "kind-" + c.name);
  d.set("network", c.network);
  d.set("subnet", net.subnet);
  d.set("subnet_known", net.subnet_known);
  d.set("subnet_v6", net.subnet_v6);
  d.set("subnet_v6_known", !net.subnet_v6.empty());
  d.set("pod_cidr", c.pod_cidr);
  d.set("service_cidr", c.service_cidr);
  d.set("lb_pool", c.lb_pool);
  // kind's podSubnet and serviceSubnet take one CIDR per family, comma-separated.
  d.set("pod_subnets", fmt::format("{}", fmt::join(c.PodCidrs(), ",")));
  d.set("service_subnets", fmt::format("{}", fmt::join(c.ServiceCidrs(), ",")));
  d.set("service_cidrs", JoinComma(c.ServiceCidrs()));
  d.set("lb_pools", Strings(c.LbPools()));
  d.set("lb_pools_joined", JoinComma(c.LbPools()));
  d.set("as", Num(c.as));
  d.set("replicas", Num(c.nginx.replicas));
  d.set("labels", Labels(c.nginx.labels));
  d.set("control_plane", c.name + "-control-plane");
  std::vector<std::string> nodes{c.name + "-control-plane"};
  mustache::list workers;
  for (std::uint64_t i = 1; i <= c.workers; ++i) {
    // kind's names: <name>-worker, <name>-worker2, <name>-worker3...
    nodes.push_back(i == 1 ? c.name + "-worker" : fmt::format("{}-worker{}", c.name, i));
    mustache::data w;
    w.set("node", nodes.back());
    workers.push_back(w);
  }
  // An existing cluster's nodes are what its API server names (the kube provider).
  if (const auto it = o.cluster_nodes.find(c.name); it != o.cluster_nodes.end()) {
    nodes = it->second;
  }
  d.set("nodes", Strings(nodes));
  d.set("nodes_joined", JoinComma(nodes));
  d.set("workers", workers);
  d.set("router_address", net.router_address);
  d.set("router_address_placeholder", s.HasIpv4() && !net.router_address_known);
  // The sessions' address: the route server's IPv4 one, its IPv6 one in an IPv6-only demo.
  const bool v4 = s.HasIpv4();
  d.set("peer_address", v4 ? net.router_address : net.router_address_v6);
  d.set("peer_address_placeholder", !(v4 ? net.router_address_known : net.router_address_v6_known));
  d.set("peer_address_what", v4 ? "address" : "IPv6 address");
  d.set("peer_address_flag", v4 ? "IP" : "IPv6");
  d.set("router_address_v6", net.router_address_v6);
  d.set("router_address_v6_placeholder", s.HasIpv6() && !net.router_address_v6_known);
  mustache::list routes;
  for (const auto& other : s.clusters) {
    if (other.name == c.name) continue;
    // IPv4 through the router's IPv4 address, IPv6 (dual stack) through its IPv6 one.
    const std::tuple<const std::string*, const std::string*, const char*> cidrs[] = {
        {&other.pod_cidr, &net.router_address, "pods"},
        {&other.service_cidr, &net.router_address, "services"},
        {&other.lb_pool, &net.router_address, "LoadBalancer IPs"},
        {&other.pod_cidr_v6, &net.router_address_v6, "IPv6 pods"},
        {&other.service_cidr_v6, &net.router_address_v6, "IPv6 services"},
        {&other.lb_pool_v6, &net.router_address_v6, "IPv6 LoadBalancer IPs"}};
    for (const auto& [cidr, via, what] : cidrs) {
      if (cidr->empty()) continue;
      mustache::data r;
      r.set("to", *cidr);
      r.set("via", *via);
      r.set("what", fmt::format("cluster {}'s {}", other.name, what));
      routes.push_back(r);
    }
  }
  // IPv6-only: no IPv4 address for Cilium's BGP router ID, so one per node (see
  // bgp-node-overrides.yaml.mustache): 10.255.<cluster's place>.<node's place>.
  const auto ordinal = static_cast<std::size_t>(&c - s.clusters.data()) + 1;
  d.set("cluster_ordinal", Num(ordinal));
  mustache::list overrides;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    mustache::data o;
    o.set("node", nodes[i]);
    o.set("router_id", fmt::format("10.255.{}.{}", ordinal, i + 1));
    overrides.push_back(o);
  }
  d.set("node_overrides", overrides);
  d.set("has_routes", !routes.empty());
  d.set("routes_count", Num(routes.size()));
  d.set("routes", routes);
  return d;
}

// An image reference as `docker pull` takes it (registry/name:tag@digest): letters, digits
// and . _ - / : @, starting with a letter or digit; so it goes into YAML and sh as it is.
bool PlainImageReference(std::string_view image) {
  if (image.empty() || !std::isalnum(static_cast<unsigned char>(image.front()))) return false;
  for (const char ch : image) {
    const auto c = static_cast<unsigned char>(ch);
    if (!std::isalnum(c) && std::string_view("._-/:@").find(ch) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Result<void, Error> CheckRoutesDaemonSet(const RoutesDaemonSetOptions& o) {
  if (!PlainImageReference(o.image)) {
    return Fail(Error::Usage(
        fmt::format("--routes-image {:?}: not an image reference like busybox:1.36 or "
                    "registry.example/tools/busybox:1.36 (letters, digits and . _ - / : @ only)",
                    o.image)));
  }
  if (o.interval_seconds < 1 || o.interval_seconds > 3600) {
    return Fail(Error::Usage(
        fmt::format("routes DaemonSet interval {} s: give 1 to 3600 seconds", o.interval_seconds)));
  }
  return {};
}

void SetRoutesDaemonSet(mustache::data& d, const RoutesDaemonSetOptions& o) {
  d.set("routes_image", o.image);
  d.set("routes_interval", Num(o.interval_seconds));
}

mustache::data RouterView(const Scenario& s, const RenderOptions& o,
                          const std::map<std::string, NetworkValues>& nets, mustache::data d) {
  mustache::list neighbors;
  for (const auto& n : s.networks) {
    const ClusterSpec* cluster = nullptr;
    for (const auto& c : s.clusters) {
      if (c.network == n.name) cluster = &c;
    }
    if (!cluster) continue;  // validation refuses networks without a cluster
    mustache::data nb;
    nb.set("network", n.name);
    nb.set("cluster", cluster->name);
    const auto& v = nets.at(n.name);
    nb.set("range", v.range);
    nb.set("range_placeholder", !v.range_known);
    nb.set("range_from_nodes", !v.range_nodes.empty());
    nb.set("range_nodes", v.range_nodes);
    nb.set("peer_as", Num(cluster->as));
    neighbors.push_back(nb);
  }
  d.set("neighbors", neighbors);
  std::vector<std::string> names;
  for (const auto& n : s.networks) names.push_back(n.name);
  d.set("networks_joined", JoinComma(names));
  std::vector<std::string> listen;
  for (const auto& a : o.router_listen_addresses) listen.push_back(IpAddress::Parse(a)->ToString());
  d.set("has_listen_addresses", !listen.empty());
  d.set("listen_addresses_joined", JoinComma(listen));
  return d;
}

// Lines that only held section tags come out empty (kainjow keeps some of them): rendered
// files have no blank lines at all, so templates write "#" for a break in a comment.
std::string DropBlankLines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      out.append(line);
      out.push_back('\n');
    }
    start = end + 1;
  }
  return out;
}

class Renderer {
 public:
  explicit Renderer(const Templates& t) : templates_(t) {}

  Result<std::string, Error> Run(const std::string& template_name, mustache::data view,
                                 const std::string& file, const std::string& title) {
    auto text = templates_.Get(template_name);
    if (!text) return Fail(text.error());
    auto header = templates_.Get(std::string(kHeaderPartial));
    if (!header) return Fail(header.error());
    const std::string header_text = *header;
    view.set("file", file);
    view.set("title", title);
    view.set(std::string(kHeaderPartial), mustache::partial([header_text] { return header_text; }));
    mustache::mustache tmpl(*text);
    if (!tmpl.is_valid()) {
      return Fail(Error::Input(
          fmt::format("{}: {}", templates_.Origin(template_name), tmpl.error_message())));
    }
    // YAML, not HTML: values go in as they are.
    tmpl.set_custom_escape([](const std::string& s) { return s; });
    const auto out = tmpl.render(view);
    if (!tmpl.is_valid()) {
      return Fail(Error::Input(
          fmt::format("{}: {}", templates_.Origin(template_name), tmpl.error_message())));
    }
    return DropBlankLines(out);
  }

 private:
  const Templates& templates_;
};

}  // namespace

std::string_view ToString(FileKind kind) {
  switch (kind) {
    case FileKind::kKindConfig:
      return "kind-config";
    case FileKind::kHelmValues:
      return "helm-values";
    case FileKind::kManifest:
      return "manifest";
    case FileKind::kNodeAnnotations:
      return "node-annotations";
    case FileKind::kNodeRoutes:
      return "node-routes";
    case FileKind::kRoutesDaemonSet:
      return "routes-daemonset";
    case FileKind::kRouterConfig:
      return "router-config";
  }
  return "unknown";
}

std::vector<std::string> TemplateNames() {
  std::vector<std::string> names;
  for (const auto& f : EmbeddedFiles()) {
    if (f.path.starts_with(kTemplateDir)) names.emplace_back(f.path.substr(kTemplateDir.size()));
  }
  return names;
}

Result<void, Error> CheckRenderOptions(const Scenario& s, const RenderOptions& options) {
  auto nets = ResolveNetworks(s, options);
  if (!nets) return Fail(nets.error());
  if (options.routes_daemonset) return CheckRoutesDaemonSet(*options.routes_daemonset);
  return {};
}

Result<RenderResult, Error> Render(const Scenario& s, const RenderOptions& options) {
  auto nets = ResolveNetworks(s, options);
  if (!nets) return Fail(nets.error());
  if (options.routes_daemonset) {
    if (auto ok = CheckRoutesDaemonSet(*options.routes_daemonset); !ok) return Fail(ok.error());
  }
  const auto version = s.Version();
  const auto api = s.Api();
  const Templates templates(options.templates_dir);
  Renderer renderer(templates);
  const auto common = CommonView(s, version, api);

  RenderResult result;
  for (const auto& c : s.clusters) {
    auto view = ClusterView(s, c, options, *nets, common);
    if (options.routes_daemonset) SetRoutesDaemonSet(view, *options.routes_daemonset);
    for (const auto& spec :
         ClusterFiles(version, api, options.routes_daemonset.has_value(), !s.HasIpv4())) {
      const auto path = fmt::format("{}/{}", c.name, spec.name);
      auto content = renderer.Run(spec.template_name, view, path, spec.title);
      if (!content) return Fail(content.error());
      result.files.push_back({path, std::move(*content), spec.kind, c.name});
    }
  }
  {
    const std::string path = "router/router.yaml";
    auto content = renderer.Run("router.yaml", RouterView(s, options, *nets, common), path,
                                "route server configuration");
    if (!content) return Fail(content.error());
    result.files.push_back({path, std::move(*content), FileKind::kRouterConfig, ""});
  }

  for (const auto& n : s.networks) {
    const auto& v = nets->at(n.name);
    std::vector<Placeholder> wanted;
    if (s.HasIpv4() && !v.router_address_known) {
      wanted.push_back({v.router_address,
                        fmt::format("the route server's address on Docker network {}", n.name),
                        fmt::format("--router-address {}=IP", n.name),
                        {}});
    }
    if (s.HasIpv6() && !v.router_address_v6_known) {
      wanted.push_back({v.router_address_v6,
                        fmt::format("the route server's IPv6 address on Docker network {}", n.name),
                        fmt::format("--router-address {}=IPv6", n.name),
                        {}});
    }
    if (!s.HasIpv4() && !v.range_known) {
      wanted.push_back({v.range,
                        fmt::format("the IPv6 subnet of Docker network {}", n.name),
                        fmt::format("--network-subnet {}=CIDR", n.name),
                        {}});
    }
    if (s.HasIpv4() && !v.subnet_known) {
      wanted.push_back({v.subnet,
                        fmt::format("the subnet Docker gave network {}", n.name),
                        fmt::format("--network-subnet {}=CIDR", n.name),
                        {}});
    }
    for (auto& p : wanted) {
      for (const auto& f : result.files) {
        if (HasToken(f.content, p.token)) p.files.push_back(f.path);
      }
      if (!p.files.empty()) result.placeholders.push_back(std::move(p));
    }
  }
  return result;
}

}  // namespace bgpdemo::core
