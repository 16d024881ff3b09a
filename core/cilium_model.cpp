#include "core/cilium_model.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>

#include "core/scenario.h"
#include "core/yaml_util.h"

namespace bgpdemo::core {

namespace {

using nlohmann::json;

// One Kubernetes object with the file it came from, for messages.
struct Object {
  json doc;
  std::string file;
};

Result<std::vector<Object>, Error> Objects(const std::vector<RenderedFile>& files, FileKind kind) {
  std::vector<Object> out;
  for (const auto& f : files) {
    if (f.kind != kind) continue;
    try {
      for (const auto& node : YAML::LoadAll(f.content)) {
        if (node.IsNull()) continue;
        out.push_back({YamlToJson(node), f.path});
      }
    } catch (const YAML::Exception& e) {
      return Fail(Error::Input(fmt::format("{}: not YAML: {}", f.path, e.what())));
    }
  }
  return out;
}

Labels LabelsAt(const json& obj, const json::json_pointer& ptr) {
  Labels out;
  if (!obj.contains(ptr) || !obj.at(ptr).is_object()) return out;
  for (const auto& [k, v] : obj.at(ptr).items()) {
    out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

std::string KindOf(const json& obj) {
  return obj.value("kind", std::string{});
}

template <typename T>
T NumberAt(const json& obj, const char* key, T fallback) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->template get<T>() : fallback;
}

// The first usable address of an LB pool block, as Cilium's LB IPAM assigns it (the
// network address is skipped for blocks larger than /31 or /127), `n` addresses on.
Result<std::string, Error> PoolAddress(const std::string& cidr, const std::string& file,
                                       std::uint64_t n) {
  const auto p = bgp::wire::Prefix::Parse(cidr);
  if (!p) return Fail(Error::Input(fmt::format("{}: pool block {:?} is not a prefix", file, cidr)));
  const bool small = p->length + 1 >= p->MaxLength();
  return AddressIn(*p, (small ? 0 : 1) + n).ToString();
}

// The families a LoadBalancer Service asks LB IPAM for: "ipv4", "ipv6" or both.
std::vector<std::string> ServiceFamilies(const json& spec, bool pool_has_v4) {
  std::vector<std::string> asked;
  for (const auto& f : spec.value("ipFamilies", json::array())) {
    if (f == "IPv4") asked.push_back("ipv4");
    if (f == "IPv6") asked.push_back("ipv6");
  }
  if (asked.empty()) asked.push_back(pool_has_v4 ? "ipv4" : "ipv6");
  const auto policy = spec.value("ipFamilyPolicy", "SingleStack");
  if (policy == "SingleStack") {
    asked.resize(1);
  } else if (asked.size() == 1) {
    asked.push_back(asked.front() == "ipv4" ? "ipv6" : "ipv4");
  }
  return asked;
}

}  // namespace

bool Matches(const Labels& selector, const Labels& labels) {
  for (const auto& [k, v] : selector) {
    const auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

Result<void, Error> ApplyManifests(Cluster& c, const std::vector<RenderedFile>& files) {
  auto manifests = Objects(files, FileKind::kManifest);
  if (!manifests) return Fail(manifests.error());
  std::vector<std::string> pool_v4, pool_v6;  // blocks, in the pool's order
  std::string pool_file;
  std::vector<json> service_specs;
  for (const auto& [doc, file] : *manifests) {
    const auto kind = KindOf(doc);
    if (kind == "Deployment") {
      c.replicas = NumberAt<std::uint64_t>(doc.value("spec", json::object()), "replicas", 1);
      c.pod_labels = LabelsAt(doc, "/spec/template/metadata/labels"_json_pointer);
    } else if (kind == "Service") {
      if (doc.value("spec", json::object()).value("type", "") != "LoadBalancer") continue;
      Service s;
      s.name = doc.value("metadata", json::object()).value("name", "");
      s.labels = LabelsAt(doc, "/metadata/labels"_json_pointer);
      s.selector = LabelsAt(doc, "/spec/selector"_json_pointer);
      c.services.push_back(std::move(s));
      service_specs.push_back(doc.value("spec", json::object()));
    } else if (kind == "CiliumLoadBalancerIPPool") {
      const auto spec = doc.value("spec", json::object());
      // cilium.io/v2alpha1 in 1.14 names them cidrs; later releases, blocks.
      for (const char* key : {"blocks", "cidrs"}) {
        for (const auto& b : spec.value(key, json::array())) {
          const auto cidr = b.value("cidr", "");
          (cidr.find(':') == std::string::npos ? pool_v4 : pool_v6).push_back(cidr);
        }
      }
      pool_file = file;
    }
  }
  if (!c.services.empty() && pool_v4.empty() && pool_v6.empty()) {
    return Fail(Error::Input(
        fmt::format("cluster {}: a LoadBalancer Service but no CiliumLoadBalancerIPPool block "
                    "to take its address from",
                    c.name)));
  }
  // Each service takes the next address of each family; the demo has one per cluster.
  std::uint64_t taken_v4 = 0, taken_v6 = 0;
  for (std::size_t i = 0; i < c.services.size(); ++i) {
    for (const auto& family : ServiceFamilies(service_specs[i], !pool_v4.empty())) {
      const bool v6 = family == "ipv6";
      const auto& blocks = v6 ? pool_v6 : pool_v4;
      if (blocks.empty()) continue;  // PreferDualStack without that family: one address
      auto ip = PoolAddress(blocks.front(), pool_file, v6 ? taken_v6++ : taken_v4++);
      if (!ip) return Fail(ip.error());
      (v6 ? c.services[i].lb_ip_v6 : c.services[i].lb_ip) = std::move(*ip);
    }
  }

  auto patches = Objects(files, FileKind::kNodeAnnotations);
  if (!patches) return Fail(patches.error());
  for (const auto& [doc, file] : *patches) {
    const auto annotations = LabelsAt(doc, "/metadata/annotations"_json_pointer);
    for (auto& n : c.nodes) {
      for (const auto& [k, v] : annotations) n.annotations[k] = v;
    }
  }
  return {};
}

namespace {

// cilium.io/bgp-virtual-router.<asn>: "local-port=179,router-id=..." -> the port.
std::uint16_t ListenPortFor(const Node& n, std::uint32_t asn) {
  const auto it = n.annotations.find(fmt::format("cilium.io/bgp-virtual-router.{}", asn));
  if (it == n.annotations.end()) return 0;  // Cilium 1.14's GoBGP does not listen then
  const std::string& v = it->second;
  const auto at = v.find("local-port=");
  if (at == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoul(v.substr(at + 11)));
}

std::string StripHostLength(std::string address) {
  if (const auto slash = address.find('/'); slash != std::string::npos) address.resize(slash);
  return address;
}

// The families a speaker advertises: "ipv4", "ipv6".
using Families = std::vector<std::string>;

bool Has(const Families& families, std::string_view f) {
  return std::find(families.begin(), families.end(), f) != families.end();
}

void AddServicePrefixes(const Cluster& c, const Labels& selector, const Families& families,
                        std::vector<std::string>& prefixes) {
  for (const auto& svc : c.services) {
    if (!Matches(selector, svc.labels)) continue;
    if (!svc.lb_ip.empty() && Has(families, "ipv4")) prefixes.push_back(HostPrefix(svc.lb_ip));
    if (!svc.lb_ip_v6.empty() && Has(families, "ipv6")) {
      prefixes.push_back(HostPrefix(svc.lb_ip_v6));
    }
  }
}

void AddPodCidrs(const Node& n, const Families& families, std::vector<std::string>& prefixes) {
  if (!n.pod_cidr.empty() && Has(families, "ipv4")) prefixes.push_back(n.pod_cidr);
  if (!n.pod_cidr_v6.empty() && Has(families, "ipv6")) prefixes.push_back(n.pod_cidr_v6);
}

SpeakerConfig SpeakerFor(const Node& n, std::uint32_t asn) {
  SpeakerConfig s;
  s.node = n.name;
  s.netns = n.netns;
  s.address = n.address;
  s.router_id = n.address;
  s.local_as = asn;
  return s;
}

// The sessions' source: the node's IPv6 address when its neighbors are IPv6 ones.
void SetSessionAddress(const Node& n, SpeakerConfig& s) {
  if (!s.neighbors.empty() && s.neighbors.front().address.find(':') != std::string::npos) {
    s.address = n.address_v6;
  }
}

// BGPv1: every virtual router of every CiliumBGPPeeringPolicy whose nodeSelector matches.
Result<std::vector<SpeakerConfig>, Error> V1Speakers(const Cluster& c,
                                                     const std::vector<Object>& objects) {
  std::vector<SpeakerConfig> out;
  for (const auto& [doc, file] : objects) {
    if (KindOf(doc) != "CiliumBGPPeeringPolicy") continue;
    const auto node_selector = LabelsAt(doc, "/spec/nodeSelector/matchLabels"_json_pointer);
    const auto spec = doc.value("spec", json::object());
    for (const auto& n : c.nodes) {
      if (!Matches(node_selector, n.labels)) continue;
      for (const auto& vr : spec.value("virtualRouters", json::array())) {
        auto s = SpeakerFor(n, NumberAt<std::uint32_t>(vr, "localASN", 0));
        s.listen_port = ListenPortFor(n, s.local_as);
        for (const auto& nb : vr.value("neighbors", json::array())) {
          SpeakerNeighbor sn;
          sn.address = StripHostLength(nb.value("peerAddress", ""));
          sn.peer_as = NumberAt<std::uint32_t>(nb, "peerASN", 0);
          sn.hold_time = NumberAt<std::uint16_t>(nb, "holdTimeSeconds", 90);
          sn.keepalive = NumberAt<std::uint16_t>(nb, "keepAliveTimeSeconds", 30);
          sn.connect_retry = NumberAt<std::uint16_t>(nb, "connectRetryTimeSeconds", 120);
          const auto gr = nb.value("gracefulRestart", json::object());
          sn.graceful_restart = gr.value("enabled", false);
          sn.restart_time = NumberAt<std::uint16_t>(gr, "restartTimeSeconds", 120);
          if (!bgp::wire::IpAddress::Parse(sn.address)) {
            return Fail(Error::Input(
                fmt::format("{}: neighbor peerAddress {:?} is not an address (was the router's "
                            "address rendered?)",
                            file, nb.value("peerAddress", ""))));
          }
          s.neighbors.push_back(sn);
        }
        // A v1 neighbor carries IPv4 and IPv6 unicast unless its families say otherwise.
        const Families both{"ipv4", "ipv6"};
        if (vr.value("exportPodCIDR", false)) AddPodCidrs(n, both, s.prefixes);
        const auto svc_selector = LabelsAt(vr, "/serviceSelector/matchLabels"_json_pointer);
        if (vr.contains("serviceSelector")) AddServicePrefixes(c, svc_selector, both, s.prefixes);
        out.push_back(std::move(s));
      }
    }
  }
  return out;
}

// BGPv2: CiliumBGPClusterConfig instances and peers; each peer's CiliumBGPPeerConfig gives
// the timers and selects CiliumBGPAdvertisements by label.
Result<std::vector<SpeakerConfig>, Error> V2Speakers(const Cluster& c,
                                                     const std::vector<Object>& objects) {
  std::map<std::string, json> peer_configs;
  std::map<std::string, json> overrides;  // CiliumBGPNodeConfigOverride by name = node name
  std::vector<const Object*> advertisements;
  for (const auto& o : objects) {
    const auto name = o.doc.value("metadata", json::object()).value("name", "");
    if (KindOf(o.doc) == "CiliumBGPPeerConfig") {
      peer_configs[name] = o.doc;
    } else if (KindOf(o.doc) == "CiliumBGPNodeConfigOverride") {
      overrides[name] = o.doc;
    } else if (KindOf(o.doc) == "CiliumBGPAdvertisement") {
      advertisements.push_back(&o);
    }
  }
  std::vector<SpeakerConfig> out;
  for (const auto& [doc, file] : objects) {
    if (KindOf(doc) != "CiliumBGPClusterConfig") continue;
    const auto node_selector = LabelsAt(doc, "/spec/nodeSelector/matchLabels"_json_pointer);
    for (const auto& n : c.nodes) {
      if (!Matches(node_selector, n.labels)) continue;
      for (const auto& inst :
           doc.value("spec", json::object()).value("bgpInstances", json::array())) {
        auto s = SpeakerFor(n, NumberAt<std::uint32_t>(inst, "localASN", 0));
        s.listen_port = 179;
        // The node's override of this instance: its router ID and local port.
        if (const auto o = overrides.find(n.name); o != overrides.end()) {
          for (const auto& oi :
               o->second.value("spec", json::object()).value("bgpInstances", json::array())) {
            if (oi.value("name", "") != inst.value("name", "")) continue;
            s.router_id = oi.value("routerID", s.router_id);
            s.listen_port = NumberAt<std::uint16_t>(oi, "localPort", s.listen_port);
          }
        }
        std::vector<std::string> prefixes;
        for (const auto& peer : inst.value("peers", json::array())) {
          SpeakerNeighbor sn;
          sn.address = StripHostLength(peer.value("peerAddress", ""));
          sn.peer_as = NumberAt<std::uint32_t>(peer, "peerASN", 0);
          if (!bgp::wire::IpAddress::Parse(sn.address)) {
            return Fail(Error::Input(
                fmt::format("{}: peer peerAddress {:?} is not an address (was the router's "
                            "address rendered?)",
                            file, peer.value("peerAddress", ""))));
          }
          const auto ref = peer.value("peerConfigRef", json::object()).value("name", "");
          const auto pc = peer_configs.find(ref);
          if (pc == peer_configs.end()) {
            return Fail(Error::Input(
                fmt::format("{}: peerConfigRef {:?} names no CiliumBGPPeerConfig", file, ref)));
          }
          const auto spec = pc->second.value("spec", json::object());
          const auto timers = spec.value("timers", json::object());
          sn.hold_time = NumberAt<std::uint16_t>(timers, "holdTimeSeconds", 90);
          sn.keepalive = NumberAt<std::uint16_t>(timers, "keepAliveTimeSeconds", 30);
          sn.connect_retry = NumberAt<std::uint16_t>(timers, "connectRetryTimeSeconds", 120);
          const auto gr = spec.value("gracefulRestart", json::object());
          sn.graceful_restart = gr.value("enabled", false);
          sn.restart_time = NumberAt<std::uint16_t>(gr, "restartTimeSeconds", 120);
          if (spec.contains("families")) sn.families.clear();
          for (const auto& fam : spec.value("families", json::array())) {
            const auto afi = fam.value("afi", "");
            if ((afi != "ipv4" && afi != "ipv6") || fam.value("safi", "") != "unicast") continue;
            sn.families.push_back(afi);
            const Families families{afi};
            const auto sel = LabelsAt(fam, "/advertisements/matchLabels"_json_pointer);
            for (const auto* adv : advertisements) {
              if (!Matches(sel, LabelsAt(adv->doc, "/metadata/labels"_json_pointer))) continue;
              for (const auto& a :
                   adv->doc.value("spec", json::object()).value("advertisements", json::array())) {
                const auto type = a.value("advertisementType", "");
                if (type == "PodCIDR") {
                  AddPodCidrs(n, families, prefixes);
                } else if (type == "Service") {
                  AddServicePrefixes(c, LabelsAt(a, "/selector/matchLabels"_json_pointer), families,
                                     prefixes);
                }
              }
            }
          }
          s.neighbors.push_back(sn);
        }
        for (auto& p : prefixes) {
          if (std::find(s.prefixes.begin(), s.prefixes.end(), p) == s.prefixes.end()) {
            s.prefixes.push_back(std::move(p));
          }
        }
        SetSessionAddress(n, s);
        out.push_back(std::move(s));
      }
    }
  }
  return out;
}

}  // namespace

std::vector<AdvertisedAddress> AdvertisedLoadBalancers(const Cluster& c,
                                                       const std::vector<SpeakerConfig>& speakers) {
  std::vector<AdvertisedAddress> out;
  for (const auto& svc : c.services) {
    for (const auto* ip : {&svc.lb_ip, &svc.lb_ip_v6}) {
      if (ip->empty()) continue;
      const auto host = HostPrefix(*ip);
      AdvertisedAddress a{svc.name, *ip, {}};
      for (const auto& sp : speakers) {
        if (std::find(sp.prefixes.begin(), sp.prefixes.end(), host) != sp.prefixes.end()) {
          a.nodes.push_back(sp.node);
        }
      }
      out.push_back(std::move(a));
    }
  }
  return out;
}

Result<std::vector<SpeakerConfig>, Error> CiliumBgpSpeakers(
    const Cluster& c, const std::vector<RenderedFile>& files) {
  auto objects = Objects(files, FileKind::kManifest);
  if (!objects) return Fail(objects.error());
  auto v1 = V1Speakers(c, *objects);
  if (!v1) return v1;
  auto v2 = V2Speakers(c, *objects);
  if (!v2) return v2;
  auto out = std::move(*v1);
  out.insert(out.end(), v2->begin(), v2->end());
  return out;
}

}  // namespace bgpdemo::core
