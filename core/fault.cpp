#include "core/fault.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "core/graph.h"

namespace bgpdemo::core {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr std::size_t kWorkersPerIp = 8;  // probes of one IP in flight at once, at most
// After the baseline, how long to wait for its probes to finish before judging them.
constexpr std::chrono::seconds kBaselineLimit{20};

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct Sample {
  Clock::time_point start, end;  // sent, answered (or given up)
  bool ok = false;
};

// Probes of each LB IP from the router, a new one every `every` whatever the others take:
// kWorkersPerIp threads per IP take turns, so a probe that hangs until its timeout does not
// leave a gap.
class ProbeLoop {
 public:
  ProbeLoop(const Demo& demo, const std::vector<const Topology::LoadBalancer*>& targets,
            std::chrono::milliseconds every)
      : samples_(targets.size()) {
    const auto start = Clock::now();
    for (std::size_t t = 0; t < targets.size(); ++t) {
      for (std::size_t w = 0; w < kWorkersPerIp; ++w) {
        threads_.emplace_back([this, &demo, ip = targets[t]->ip, t, w, every, start] {
          auto next = start + every * w;
          while (!stop_) {
            std::this_thread::sleep_until(next);
            if (stop_) break;
            const auto began = Clock::now();
            const auto r = demo.Probe("router", ip, 80);
            const bool ok = r && r->status == 200;
            {
              const std::lock_guard lock(mu_);
              samples_[t].push_back({began, Clock::now(), ok});
            }
            next += every * kWorkersPerIp;
            while (next < Clock::now()) next += every * kWorkersPerIp;
          }
        });
      }
    }
  }
  ~ProbeLoop() { Stop(); }
  ProbeLoop(const ProbeLoop&) = delete;
  ProbeLoop& operator=(const ProbeLoop&) = delete;

  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  // Each IP's samples in start order.
  std::vector<std::vector<Sample>> Samples() {
    const std::lock_guard lock(mu_);
    auto out = samples_;
    for (auto& s : out) {
      std::sort(s.begin(), s.end(),
                [](const Sample& a, const Sample& b) { return a.start < b.start; });
    }
    return out;
  }
  // Whether the last `n` probes of every IP answered.
  bool AllAnswering(std::size_t n) {
    for (const auto& s : Samples()) {
      if (s.size() < n || !std::all_of(s.end() - static_cast<std::ptrdiff_t>(n), s.end(),
                                       [](const Sample& x) { return x.ok; })) {
        return false;
      }
    }
    return true;
  }
  // As AllAnswering, once each IP has `n` probes (or by `limit`: a
  // probe through `docker exec` on a busy machine can take longer than the baseline).
  // Empty when they did; else which did not, and why.
  std::string NotAnswering(const std::vector<const Topology::LoadBalancer*>& targets, std::size_t n,
                           Clock::time_point limit) {
    auto samples = Samples();
    const auto enough = [&] {
      return std::all_of(samples.begin(), samples.end(),
                         [n](const std::vector<Sample>& s) { return s.size() >= n; });
    };
    while (!enough() && Clock::now() < limit) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      samples = Samples();
    }
    std::vector<std::string> bad;
    for (std::size_t t = 0; t < samples.size(); ++t) {
      const auto& s = samples[t];
      const auto last = s.end() - static_cast<std::ptrdiff_t>(std::min(n, s.size()));
      const auto failed = std::count_if(last, s.end(), [](const Sample& x) { return !x.ok; });
      if (s.size() < n) {
        bad.push_back(fmt::format("{}: {} of {} probes finished", targets[t]->ip, s.size(), n));
      } else if (failed > 0) {
        bad.push_back(
            fmt::format("{}: {} of the last {} probes failed", targets[t]->ip, failed, n));
      }
    }
    return fmt::format("{}", fmt::join(bad, "; "));
  }

 private:
  std::atomic<bool> stop_ = false;
  std::mutex mu_;
  std::vector<std::vector<Sample>> samples_;  // by target
  std::vector<std::thread> threads_;
};

// What one look says of the things the fault touches.
struct Look {
  std::string session;      // the node's session state (router-restart: "N of M Established")
  std::string reason;       // the router's last error for it
  bool routes = false;      // the kernel routes the demo needs are there (via the node)
  std::string routes_text;  // for the timeline
  bool readable = true;
  std::string unreadable;  // why not
};

// `node`: the node the fault hits; nullptr for a fault on the router (every session and LB IP).
Look LookAt(const Demo& demo, const Topology& t, const Topology::Node* node,
            const std::vector<const Topology::LoadBalancer*>& targets) {
  const auto o = demo.Observe();
  Look l;
  if (!o.router_peers || !o.kernel) {
    l.readable = false;
    l.unreadable = !o.router_peers ? o.router_peers.error() : o.kernel.error();
    return l;
  }
  const auto views = SessionViews(t, o);
  const auto routes = LbRoutes(t, o);
  if (node == nullptr) {
    std::size_t up = 0;
    for (const auto& [name, v] : views) up += v.state == "established" ? 1 : 0;
    l.session = fmt::format("{} of {} Established", up, views.size());
    std::size_t routed = 0;
    for (const auto* lb : targets) routed += routes.count(lb->ip);
    l.routes = routed == targets.size() && up == views.size();
    l.routes_text = fmt::format("{} of {} LB IPs routed, {} kernel routes", routed, targets.size(),
                                o.kernel->size());
    return l;
  }
  const auto v = views.find(node->name);
  l.session = v == views.end() ? "unknown" : v->second.state;
  for (const auto& p : *o.router_peers) {
    if (p.value("address", "") == node->address) l.reason = p.value("last_error", "");
  }
  // A range's peer leaves the router's table when its session ends, and its reason with it:
  // the node's side then says why.
  if (l.reason.empty() && l.session != "established") {
    const auto side = o.node_peers.find(node->name);
    if (side != o.node_peers.end() && !side->second) {
      l.reason = "the node's speaker does not answer";
    } else if (side != o.node_peers.end() && !side->second->empty()) {
      const auto why = side->second->front().value("last_error", "");
      if (!why.empty()) l.reason = "the node says: " + why;
    }
  }
  std::size_t via = 0;
  for (const auto* lb : targets) {
    const auto it = routes.find(lb->ip);
    if (it != routes.end() &&
        std::find(it->second.begin(), it->second.end(), node->name) != it->second.end()) {
      ++via;
    }
  }
  l.routes = via == targets.size();
  l.routes_text = fmt::format("routes via {} to {} of {} LB IPs", node->name, via, targets.size());
  return l;
}

}  // namespace

const std::vector<FaultKind>& FaultKinds() {
  static const std::vector<FaultKind> kinds{
      FaultKind::kSpeakerStop, FaultKind::kLinkDown,      FaultKind::kNodeStop,
      FaultKind::kPacketLoss,  FaultKind::kRouterRestart, FaultKind::kRouterGracefulRestart};
  return kinds;
}

std::vector<std::string> FaultKindNames() {
  std::vector<std::string> names;
  for (const auto kind : FaultKinds()) names.emplace_back(ToString(kind));
  return names;
}

std::optional<FaultKind> ParseFaultKind(std::string_view name) {
  for (const auto kind : FaultKinds()) {
    if (ToString(kind) == name) return kind;
  }
  return std::nullopt;
}

std::vector<TimedEvent> FaultReport::Events() const {
  const auto when = [this](double t) {
    return started + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                         std::chrono::duration<double>(t));
  };
  const std::string subject = fault.node.empty() ? "router" : fault.node;
  const std::string name = fmt::format("fault {}", ToString(fault.kind));
  std::vector<TimedEvent> out;
  for (const auto& e : timeline) {
    if (e.event.starts_with("fault ")) {
      out.push_back({when(e.t), {"action", subject, "", name + e.event.substr(5), e.detail}});
    }
  }
  out.push_back({when(recovered          ? recovered_at
                      : timeline.empty() ? 0
                                         : timeline.back().t),
                 {"action", subject, "", name + (recovered ? " healthy again" : " not healthy"),
                  fmt::format("outage {:.2f} s", Outage())}});
  return out;
}

double FaultReport::Outage() const {
  double out = 0;
  for (const auto& p : probes) out = std::max(out, p.outage());
  return out;
}

Result<FaultReport, Error> MeasureFault(const Demo& demo, const Topology& t, const Fault& f,
                                        const FaultOptions& options) {
  if (auto can = demo.CanFault(f); !can) return Fail(can.error());
  std::vector<const Topology::LoadBalancer*> targets;
  const Topology::Node* node = nullptr;  // the one the fault hits; none for the router
  if (OnRouter(f.kind)) {
    for (const auto& lb : t.load_balancers) targets.push_back(&lb);
  } else {
    const auto n = std::find_if(t.nodes.begin(), t.nodes.end(),
                                [&](const Topology::Node& x) { return x.name == f.node; });
    if (n == t.nodes.end() || !n->speaker) {
      std::vector<std::string> names;
      for (const auto& x : t.nodes) {
        if (x.speaker) names.push_back(x.name);
      }
      return Fail(Error::Usage(fmt::format("no speaker node \"{}\" in this demo; the nodes: {}",
                                           f.node, fmt::join(names, ", "))));
    }
    node = &*n;
    for (const auto& lb : t.load_balancers) {
      if (std::find(lb.nodes.begin(), lb.nodes.end(), f.node) != lb.nodes.end()) {
        targets.push_back(&lb);
      }
    }
  }
  if (targets.empty()) {
    return Fail(
        Error::Usage(fmt::format("{} advertises no LoadBalancer IP: nothing to probe", f.node)));
  }
  const auto before = LookAt(demo, t, node, targets);
  if (!before.readable) {
    return Fail(Error::Usage(fmt::format(
        "fault measures from the router, and the router cannot be read: {}", before.unreadable)));
  }
  if (!before.routes || (node != nullptr && before.session != "established")) {
    return Fail(Error::Failed(
        fmt::format("the demo is not healthy before the fault ({}, {}); `bgpdemo verify` says more",
                    before.session, before.routes_text)));
  }

  FaultReport report;
  report.fault = f;
  report.provider = demo.provider();
  ProbeLoop prober(demo, targets, options.probe_every);
  std::this_thread::sleep_for(options.baseline);
  if (auto bad = prober.NotAnswering(targets, 2, Clock::now() + kBaselineLimit); !bad.empty()) {
    return Fail(Error::Failed(fmt::format(
        "the LoadBalancer IPs do not all answer before the fault ({}); `bgpdemo verify` says more",
        bad)));
  }
  const auto t0 = Clock::now();
  report.started = std::chrono::system_clock::now();
  const auto at = [&t0] { return Seconds(Clock::now() - t0); };
  auto started = demo.StartFault(f);
  if (!started) return Fail(started.error());
  report.timeline.push_back({0, "fault started", *started});

  Look last = before;  // the last look that could read the router
  bool readable = true;
  bool ended = false;
  const auto end_at = t0 + options.duration;
  const auto give_up = end_at + options.recover_within;
  for (;;) {
    const auto now = Clock::now();
    if (!ended && now >= end_at) {
      auto r = demo.EndFault(f);
      report.duration = at();
      report.timeline.push_back({report.duration, r ? "fault ended" : "fault could not be ended",
                                 r ? *r : r.error().message()});
      ended = true;
      if (!r) break;
    }
    const auto l = LookAt(demo, t, node, targets);
    const double when = at();
    if (l.readable != readable) {
      report.timeline.push_back(
          {when, l.readable ? "router answering" : "router not answering", l.unreadable});
      readable = l.readable;
    }
    if (l.readable) {
      if (l.session != last.session) {
        const bool up = node == nullptr ? l.routes : l.session == "established";
        const bool was_up = last.session == "established";
        // Down when it leaves Established, up when it gets there, else on its way.
        const char* event = node == nullptr ? "sessions"
                            : up            ? "session up"
                            : was_up        ? "session down"
                                            : "session";
        report.timeline.push_back(
            {when, event,
             fmt::format("{} -> {}{}", last.session, l.session,
                         l.reason.empty() || up ? "" : " (" + l.reason + ")")});
      }
      if (l.routes != last.routes) {
        report.timeline.push_back(
            {when, l.routes ? "routes back" : "routes withdrawn", l.routes_text});
      }
      last = l;
    }
    if (ended && l.readable && l.routes && (node == nullptr || l.session == "established") &&
        prober.AllAnswering(2)) {
      report.recovered = true;
      report.recovered_at = when;
      report.timeline.push_back({when, "healthy", "sessions, routes and every probe"});
      break;
    }
    if (now >= give_up) break;
    std::this_thread::sleep_for(options.look_every);
  }
  prober.Stop();

  const auto samples = prober.Samples();
  for (std::size_t i = 0; i < targets.size(); ++i) {
    FaultReport::Probed p;
    p.ip = targets[i]->ip;
    const auto& all = samples[i];
    p.sent = all.size();
    const auto first = std::find_if(all.begin(), all.end(), [](const Sample& x) { return !x.ok; });
    if (first != all.end()) {
      const auto last = std::find_if(all.rbegin(), all.rend(), [](const Sample& x) {
                          return !x.ok;
                        }).base();  // one past the last failed probe
      p.failed = static_cast<std::size_t>(
          std::count_if(all.begin(), all.end(), [](const Sample& x) { return !x.ok; }));
      // A probe in flight when the fault began that then failed lost traffic to the fault:
      // the loss starts with it, not with the probe (which would put it before the fault).
      const auto lost = first->start < t0 && first->end >= t0 ? t0 : first->start;
      p.lost_at = Seconds(lost - t0);
      p.back_at = Seconds((last == all.end() ? all.back().start : last->start) - t0);
      report.timeline.push_back({p.lost_at, "traffic lost", p.ip});
      if (last != all.end()) report.timeline.push_back({p.back_at, "traffic back", p.ip});
    }
    report.probes.push_back(std::move(p));
  }
  std::stable_sort(report.timeline.begin(), report.timeline.end(),
                   [](const auto& a, const auto& b) { return a.t < b.t; });
  return report;
}

Report FaultReport::ToReport() const {
  json timeline_json = json::array();
  std::string text =
      fmt::format("Fault {}{} for {:.1f} s ({}); probes of {} LB IP{} from the router\n",
                  ToString(fault.kind), fault.node.empty() ? "" : " on " + fault.node, duration,
                  provider, probes.size(), probes.size() == 1 ? "" : "s");
  for (const auto& e : timeline) {
    timeline_json.push_back({{"t", e.t}, {"event", e.event}, {"detail", e.detail}});
    text +=
        fmt::format("  {:>8.3f} s  {}{}\n", e.t, e.event, e.detail.empty() ? "" : ": " + e.detail);
  }
  json probes_json = json::array();
  std::vector<std::string> outages;
  for (const auto& p : probes) {
    probes_json.push_back({{"ip", p.ip},
                           {"sent", p.sent},
                           {"failed", p.failed},
                           {"outage_seconds", p.outage()},
                           {"lost_at", p.failed == 0 ? json(nullptr) : json(p.lost_at)},
                           {"back_at", p.failed == 0 ? json(nullptr) : json(p.back_at)}});
    outages.push_back(p.failed == 0
                          ? fmt::format("{} none ({} probes)", p.ip, p.sent)
                          : fmt::format("{} {:.2f} s, from {:.2f} s ({} of {} probes failed)", p.ip,
                                        p.outage(), p.lost_at, p.failed, p.sent));
  }
  text += fmt::format("Outage: {}\n", fmt::join(outages, "; "));
  text += recovered ? fmt::format(
                          "Healthy again {:.2f} s after the fault started ({:.2f} s after "
                          "it ended).\n",
                          recovered_at, recovered_at - duration)
                    : std::string(
                          "Not healthy again in time: `bgpdemo verify` says what is "
                          "wrong.\n");
  json j = {{"fault",
             {{"kind", ToString(fault.kind)},
              {"node", fault.node},
              {"loss_percent", fault.loss_percent}}},
            {"provider", provider},
            {"duration_seconds", duration},
            {"timeline", timeline_json},
            {"probes", probes_json},
            {"outage_seconds", Outage()},
            {"recovered", recovered},
            {"recovered_at", recovered ? json(recovered_at) : json(nullptr)}};
  return {std::move(j), std::move(text)};
}

}  // namespace bgpdemo::core
