#include "core/k8s/output.h"

#include <initializer_list>
#include <sstream>

#include "base/check.h"

namespace bgpdemo::core::k8s {

using nlohmann::json;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream lines(text);
  for (std::string l; std::getline(lines, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

Result<json, Error> ParseJson(const std::string& text, const std::string& what) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return Fail(fmt::format("{} printed no JSON: {:?}", what, text.substr(0, 120)));
  }
  return j;
}

namespace {

// obj[a][b]... or null, for objects nested in tool output that may lack any level.
const json& At(const json& obj, std::initializer_list<const char*> path) {
  static const json kNull;
  const json* at = &obj;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return kNull;
    at = &(*at)[key];
  }
  return *at;
}

// The strings of `list` (each itself, or its `key` when an object), skipping the rest.
std::vector<std::string> Strings(const json& list, const char* key = nullptr) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const auto& v : list) {
    const json& s = key != nullptr && v.is_object() && v.contains(key) ? v[key] : v;
    if (s.is_string() && !s.get<std::string>().empty()) out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace

std::vector<std::string> ServiceLoadBalancerIps(const json& service) {
  return Strings(At(service, {"status", "loadBalancer", "ingress"}), "ip");
}

std::vector<std::string> NodeInternalIps(const json& node) {
  std::vector<std::string> out;
  const auto& addresses = At(node, {"status", "addresses"});
  if (!addresses.is_array()) return out;
  for (const auto& a : addresses) {
    if (a.is_object() && a.value("type", "") == "InternalIP" && a.value("address", "") != "") {
      out.push_back(a.value("address", ""));
    }
  }
  return out;
}

std::vector<std::string> NodePodCidrs(const json& node) {
  auto out = Strings(At(node, {"spec", "podCIDRs"}));
  if (out.empty()) out = Strings(json::array({At(node, {"spec", "podCIDR"})}));
  return out;
}

std::vector<std::string> PodIps(const json& pod) {
  auto out = Strings(At(pod, {"status", "podIPs"}), "ip");
  if (out.empty()) out = Strings(json::array({At(pod, {"status", "podIP"})}));
  return out;
}

ByFamily SplitFamilies(const std::vector<std::string>& values) {
  ByFamily out;
  for (const auto& v : values) {
    auto& slot = v.find(':') == std::string::npos ? out.v4 : out.v6;
    if (slot.empty()) slot = v;
  }
  return out;
}

std::map<std::string, nlohmann::json> PeersFromCilium(const nlohmann::json& cilium) {
  std::map<std::string, json> out;
  if (!cilium.is_object()) return out;
  for (const auto& [node, peers] : cilium.items()) {
    json list = json::array();
    for (const auto& p : peers) {
      json fams = json::array();
      for (const auto& f : p.value("families", json::array())) {
        fams.push_back({{"family", f.value("afi", "") + "-" + f.value("safi", "")},
                        {"received", f.value("received", 0)},
                        {"accepted", f.value("accepted", 0)},
                        {"advertised", f.value("advertised", 0)}});
      }
      // The 1.14 agent prints the peer as ip:port.
      auto address = p.value("peer-address", "");
      if (const auto colon = address.rfind(':');
          colon != std::string::npos && address.find('.') != std::string::npos) {
        address.resize(colon);
      }
      list.push_back(
          {{"address", address},
           {"local_asn", p.value("local-asn", 0)},
           {"peer_asn", p.value("peer-asn", 0)},
           {"state", p.value("session-state", "unknown")},
           {"uptime_seconds", p.value("uptime-nanoseconds", std::int64_t{0}) / 1000000000},
           {"families", fams},
           {"last_error", ""}});
    }
    out[node] = std::move(list);
  }
  return out;
}

Result<HttpResult, Error> ParseCurl(const std::string& out, double seconds) {
  const auto nl = out.rfind('\n');
  const auto code_text = nl == std::string::npos ? out : out.substr(nl + 1);
  int code = 0;
  try {
    code = std::stoi(code_text);
  } catch (const std::exception&) {
    return Fail(fmt::format("curl printed no status code: {:?}", out.substr(0, 80)));
  }
  return HttpResult{code, nl == std::string::npos ? "" : out.substr(0, nl), seconds};
}

Error JoinErrors(std::vector<Error> errors) {
  BGPDEMO_CHECK(!errors.empty());
  std::vector<std::string> messages;
  for (const auto& e : errors) messages.push_back(e.message());
  Error first = std::move(errors.front());
  if (messages.size() == 1) return first;
  Error joined(first.kind(), fmt::format("{}", fmt::join(messages, "\n")));
  if (first.command()) return Error::Command(*first.command(), joined.message());
  return joined;
}

}  // namespace bgpdemo::core::k8s
