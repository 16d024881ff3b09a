#include "core/wire_json.h"

#include <fmt/format.h>

#include "base/overloaded.h"
#include "core/hex.h"

namespace bgpdemo::core {

using namespace bgp::wire;
using nlohmann::json;

namespace {

std::string Ipv4(std::uint32_t host_order) { return IpAddress::V4(host_order).ToString(); }

json PrefixList(const std::vector<Prefix>& prefixes, bool add_path) {
  json out = json::array();
  for (const auto& p : prefixes) {
    if (add_path) {
      out.push_back({{"prefix", p.ToString()}, {"path_id", p.path_id}});
    } else {
      out.push_back(p.ToString());
    }
  }
  return out;
}

json FamilyJson(Family f) {
  return {{"afi", static_cast<unsigned>(f.afi)},
          {"safi", static_cast<unsigned>(f.safi)},
          {"family", ToString(f)}};
}

json AsPathJson(const AsPath& p) {
  json segs = json::array();
  for (const auto& s : p.segments) segs.push_back({{"type", ToString(s.type)}, {"asns", s.asns}});
  return segs;
}

std::string Community(std::uint32_t c) { return fmt::format("{}:{}", c >> 16, c & 0xffff); }

json CapabilityJson(const Capability& c) {
  const std::uint8_t code = CodeOf(c);
  json j = {{"code", code}, {"name", CapabilityName(code)}};
  std::visit(
      Overloaded{
          [&](const MultiprotocolCap& m) {
            j.update(FamilyJson(m.family));
          },
          [](const RouteRefreshCap&) {},
          [&](const ExtendedNextHopCap& e) {
            json entries = json::array();
            for (const auto& x : e.entries) {
              entries.push_back({{"afi", static_cast<unsigned>(x.afi)},
                                 {"safi", x.safi},
                                 {"nexthop_afi", static_cast<unsigned>(x.nexthop_afi)}});
            }
            j["entries"] = entries;
          },
          [](const ExtendedMessageCap&) {},
          [&](const RoleCap& r) {
            static constexpr const char* kNames[] = {"provider", "route_server", "rs_client",
                                                     "customer", "peer"};
            j["role"] = r.role;
            if (r.role < 5) j["role_name"] = kNames[r.role];
          },
          [&](const GracefulRestartCap& g) {
            j["restart_state"] = (g.flags & GracefulRestartCap::kRestartState) != 0;
            j["notification"] = (g.flags & GracefulRestartCap::kNotification) != 0;
            j["restart_time"] = g.restart_time;
            json fams = json::array();
            for (const auto& f : g.families) {
              json x = FamilyJson(f.family);
              x["forwarding_state"] = (f.flags & GracefulRestartCap::kForwardingState) != 0;
              fams.push_back(x);
            }
            j["families"] = fams;
          },
          [&](const FourOctetAsCap& a) { j["asn"] = a.asn; },
          [&](const AddPathCap& a) {
            json entries = json::array();
            for (const auto& e : a.entries) {
              json x = FamilyJson(e.family);
              x["send"] = (e.send_receive & AddPathCap::kSend) != 0;
              x["receive"] = (e.send_receive & AddPathCap::kReceive) != 0;
              entries.push_back(x);
            }
            j["entries"] = entries;
          },
          [](const EnhancedRouteRefreshCap&) {},
          [&](const LlgrCap& l) {
            json entries = json::array();
            for (const auto& e : l.entries) {
              json x = FamilyJson(e.family);
              x["flags"] = e.flags;
              x["stale_time"] = e.stale_time;
              entries.push_back(x);
            }
            j["entries"] = entries;
          },
          [&](const FqdnCap& f) {
            j["hostname"] = f.hostname;
            j["domain"] = f.domain;
          },
          [&](const SoftwareVersionCap& s) { j["version"] = s.version; },
          [&](const RawCapability& r) { j["value"] = ToHex(r.value); },
      },
      c);
  return j;
}

}  // namespace

std::string SafeDump(const json& j, int indent) {
  // A peer's strings (FQDN, shutdown text) need not be UTF-8: replace, never throw.
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

json ToJson(const PathAttributes& a, const Context& ctx) {
  json j = json::object();
  if (a.origin) j["origin"] = ToString(*a.origin);
  if (a.as_path) j["as_path"] = AsPathJson(*a.as_path);
  if (a.next_hop) j["next_hop"] = a.next_hop->ToString();
  if (a.med) j["med"] = *a.med;
  if (a.local_pref) j["local_pref"] = *a.local_pref;
  if (a.atomic_aggregate) j["atomic_aggregate"] = true;
  if (a.aggregator) {
    j["aggregator"] = {{"asn", a.aggregator->asn}, {"address", Ipv4(a.aggregator->address)}};
  }
  if (!a.communities.empty()) {
    json c = json::array();
    for (auto x : a.communities) c.push_back(Community(x));
    j["communities"] = c;
  }
  if (a.originator_id) j["originator_id"] = Ipv4(*a.originator_id);
  if (!a.cluster_list.empty()) {
    json c = json::array();
    for (auto x : a.cluster_list) c.push_back(Ipv4(x));
    j["cluster_list"] = c;
  }
  if (a.mp_reach) {
    json m = FamilyJson(a.mp_reach->family);
    m["next_hop"] = a.mp_reach->next_hop.ToString();
    if (a.mp_reach->next_hop.IsV4Mapped()) m["next_hop_ipv4_mapped"] = true;
    if (a.mp_reach->link_local) m["link_local_next_hop"] = a.mp_reach->link_local->ToString();
    m["nlri"] = PrefixList(a.mp_reach->nlri, ctx.AddPath(a.mp_reach->family));
    j["mp_reach_nlri"] = m;
  }
  if (a.mp_unreach) {
    json m = FamilyJson(a.mp_unreach->family);
    m["withdrawn"] = PrefixList(a.mp_unreach->withdrawn, ctx.AddPath(a.mp_unreach->family));
    j["mp_unreach_nlri"] = m;
  }
  if (!a.extended_communities.empty()) {
    json c = json::array();
    for (const auto& x : a.extended_communities) c.push_back(ToHex(x));
    j["extended_communities"] = c;
  }
  if (a.as4_path) j["as4_path"] = AsPathJson(*a.as4_path);
  if (a.as4_aggregator) {
    j["as4_aggregator"] = {{"asn", a.as4_aggregator->asn},
                           {"address", Ipv4(a.as4_aggregator->address)}};
  }
  if (!a.large_communities.empty()) {
    json c = json::array();
    for (const auto& x : a.large_communities) {
      c.push_back(fmt::format("{}:{}:{}", x.global, x.local1, x.local2));
    }
    j["large_communities"] = c;
  }
  if (a.otc) j["otc"] = *a.otc;
  for (const auto& raw : a.unknown) {
    const auto name = AttrName(raw.type);
    const std::string key = name == "unknown" ? fmt::format("attr_{}", raw.type) : std::string(name);
    j[key] = {{"type", raw.type}, {"flags", raw.flags}, {"value", ToHex(raw.value)}};
  }
  return j;
}

json ToJson(const Error& e) {
  json j = {{"code", static_cast<unsigned>(e.code)},
            {"subcode", e.subcode},
            {"code_name", ToString(e.code)},
            {"subcode_name", SubcodeName(e.code, e.subcode)},
            {"action", ToString(e.action)},
            {"offset", e.offset},
            {"message", e.message}};
  if (!e.data.empty()) j["data"] = ToHex(e.data);
  if (e.action == Action::kAfiSafiDisable) j["family"] = ToString(e.family);
  return j;
}

json ToJson(const Message& m, const Context& ctx) {
  json j;
  std::visit(
      Overloaded{
          [&](const Open& o) {
            j = {{"type", "open"},
                 {"version", o.version},
                 {"my_as", o.my_as},
                 {"asn", o.Asn()},
                 {"hold_time", o.hold_time},
                 {"bgp_id", Ipv4(o.bgp_id)}};
            json caps = json::array();
            for (const auto& c : o.capabilities) caps.push_back(CapabilityJson(c));
            j["capabilities"] = caps;
            if (o.extended_parameters) j["extended_parameters"] = true;
          },
          [&](const Update& u) {
            const bool ap = ctx.AddPath(kIpv4Unicast);
            j = {{"type", "update"},
                 {"withdrawn", PrefixList(u.withdrawn, ap)},
                 {"attributes", ToJson(u.attrs, ctx)},
                 {"nlri", PrefixList(u.nlri, ap)}};
            if (auto eor = u.EndOfRib()) j["end_of_rib"] = ToString(*eor);
            if (u.action != Action::kNone) {
              j["action"] = ToString(u.action);
              json problems = json::array();
              for (const auto& e : u.problems) problems.push_back(ToJson(e));
              j["problems"] = problems;
            }
          },
          [&](const Notification& n) {
            j = {{"type", "notification"},
                 {"code", static_cast<unsigned>(n.code)},
                 {"subcode", n.subcode},
                 {"code_name", ToString(n.code)},
                 {"subcode_name", SubcodeName(n.code, n.subcode)},
                 {"data", ToHex(n.data)}};
            if (n.HasShutdownCommunication()) {
              auto text = n.ShutdownText();
              if (text) {
                j["shutdown_message"] = *text;
              } else {
                j["shutdown_message_error"] = text.error();
              }
            }
          },
          [&](const Keepalive&) { j = {{"type", "keepalive"}}; },
          [&](const RouteRefresh& rr) {
            j = {{"type", "route-refresh"}, {"subtype", rr.subtype}};
            j.update(FamilyJson(rr.family));
          },
      },
      m);
  return j;
}

std::string ToText(const Error& e) {
  return fmt::format("error {} {}: {} [{} at byte {}{}]", CodeText(e.code, e.subcode),
                     e.data.empty() ? "" : "data " + ToHex(e.data), e.message, ToString(e.action),
                     e.offset,
                     e.action == Action::kAfiSafiDisable ? ", " + ToString(e.family) : "");
}

std::string ToText(const Message& m, const Context& ctx) {
  // Text is the JSON, flattened to "key: value" lines: one code path, two formats.
  const json j = ToJson(m, ctx);
  std::string out = fmt::format("{}", j.value("type", "?"));
  std::string upper;
  for (char c : out) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out = upper;
  auto line = [&](const std::string& key, const json& v) {
    out += fmt::format("\n  {}: {}", key, v.is_string() ? v.get<std::string>() : SafeDump(v));
  };
  for (const auto& [key, value] : j.items()) {
    if (key == "type") continue;
    if (key == "attributes") {
      for (const auto& [k, v] : value.items()) line(k, v);
    } else if (key == "problems") {
      for (const auto& p : value) {
        out += fmt::format("\n  problem: {}/{} {} at byte {}: {}", p["code"].get<int>(),
                           p["subcode"].get<int>(), p["action"].get<std::string>(),
                           p["offset"].get<std::size_t>(), p["message"].get<std::string>());
      }
    } else if (key == "capabilities") {
      for (const auto& c : value) {
        json rest = c;
        rest.erase("code");
        rest.erase("name");
        out += fmt::format("\n  capability {} ({}){}", c["name"].get<std::string>(),
                           c["code"].get<int>(), rest.empty() ? "" : " " + SafeDump(rest));
      }
    } else if ((key == "withdrawn" || key == "nlri") && value.empty()) {
      continue;
    } else {
      line(key, value);
    }
  }
  return out;
}

}  // namespace bgpdemo::core
