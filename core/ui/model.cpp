#include "core/ui/model.h"

#include "core/graph.h"
#include "core/scenario.h"

namespace bgpdemo::core::ui {

using nlohmann::json;

void EventLog::Add(const std::string& time, const DemoEvent& e) {
  auto j = e.ToJson();
  j["time"] = time;
  j["text"] = e.Text();
  events_.push_back(std::move(j));
  while (events_.size() > capacity_) events_.pop_front();
}

json EventLog::ToJson() const {
  auto out = json::array();
  for (const auto& e : events_) out.push_back(e);
  return out;
}

json State(const Topology& t, const Observed& o, const EventState& s, const EventLog& log,
           const StateInfo& info) {
  json sessions = json::array();
  std::size_t established = 0;
  const auto views = SessionViews(t, o);
  for (const auto& n : t.nodes) {
    const auto v = views.find(n.name);
    if (v == views.end()) continue;  // not a speaker
    const auto why = s.reasons.find(n.name);
    const bool up = v->second.state == "established";
    established += up ? 1 : 0;
    sessions.push_back({{"node", n.name},
                        {"cluster", n.cluster},
                        {"state", v->second.state},
                        {"reason", why == s.reasons.end() || up ? "" : why->second},
                        {"received", v->second.received},
                        {"advertised", v->second.advertised}});
  }
  std::size_t routed = 0;
  for (const auto& lb : t.load_balancers) routed += s.kernel.count(HostPrefix(lb.ip));
  std::string error = info.error;
  const auto unread = [&error](const char* what, const auto& source) {
    if (source) return;
    error += (error.empty() ? "" : "; ") + std::string(what) + ": " + source.error();
  };
  if (o.router_readable) {
    unread("the router's peers", o.router_peers);
    unread("the router's routes", o.router_routes);
    unread("the router's kernel routes", o.kernel);
  }
  return {{"provider", info.provider},
          {"router", t.router},
          {"time", info.time},
          {"actions_allowed", info.actions_allowed},
          {"graph_version", info.graph_version},
          {"error", error},
          {"faults", info.faults},
          {"counts",
           {{"sessions", sessions.size()},
            {"established", established},
            {"routes", s.routes.size()},
            {"kernel_routes", s.kernel.size()},
            {"lb_total", t.load_balancers.size()},
            {"lb_routed", routed}}},
          {"sessions", std::move(sessions)},
          {"events", log.ToJson()}};
}

}  // namespace bgpdemo::core::ui
