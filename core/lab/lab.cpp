#include "core/lab/lab.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "bgp/api/control_client.h"
#include "core/event_log.h"
#include "core/files.h"
#include "core/lab/gobgpd.h"
#include "core/lab/http.h"
#include "core/lab/netns.h"
#include "core/lab/workspace.h"
#include "core/process.h"
#include "core/router_service.h"
#include "core/table.h"
#include "core/verify.h"

namespace bgpdemo::core::lab {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The last `lines` lines of a file, indented.
std::string ReadTail(const std::string& path, std::size_t lines) {
  std::ifstream f(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(f, line);) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out += "  " + all[i] + "\n";
  }
  return out;
}

// Whether pid is a running `bgpdemo lab-daemon` (not a recycled pid).
bool IsDaemon(pid_t pid) {
  if (pid <= 0 || !ProcessAlive(pid)) return false;
  std::ifstream f(fmt::format("/proc/{}/cmdline", pid));
  const std::string cmdline((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return cmdline.find("lab-daemon") != std::string::npos;
}

// The namespaces of a lab with this prefix: <prefix>-router, -net-*, -node-*, -pod-*.
bool OursByName(const std::string& ns, const std::string& prefix) {
  if (ns == prefix + "-router") return true;
  for (const char* kind : {"-net-", "-node-", "-pod-"}) {
    if (ns.starts_with(prefix + kind)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> LabMissing(const std::string& node_speaker) {
  std::vector<std::string> missing;
#ifndef __linux__
  missing.push_back("Linux: the lab is made of Linux network namespaces");
#endif
  if (::geteuid() != 0) {
    missing.push_back("root: creating network namespaces needs it (run with sudo)");
  }
  if (FindProgram("ip").empty()) {
    missing.push_back("ip (iproute2): apt-get install iproute2");
  }
  if (node_speaker == "gobgpd") {
    for (const char* p : {"gobgpd", "gobgp"}) {
      if (FindProgram(p).empty()) {
        missing.push_back(fmt::format("{} (for --node-speaker gobgpd): apt-get install gobgpd", p));
      }
    }
  }
  return missing;
}

bool DaemonAlive(const LabState& state) { return IsDaemon(state.daemon_pid); }

namespace {

// Starts the lab daemon of `state` (it runs the router, the speakers, the pods and the
// LoadBalancers) and waits for it to be ready; records its pid in the state.
Result<std::string, Error> StartDaemon(const LabUpOptions& o, LabState& state, std::size_t speakers,
                                       std::size_t pods) {
  const Workspace ws(o.state_dir);
  std::error_code ec;
  std::filesystem::remove(o.state_dir + "/daemon.json", ec);
  SpawnOptions so;
  so.log_file = ws.DaemonLog();
  auto pid = SpawnDetached({o.binary, "lab-daemon", "--state-dir", o.state_dir}, so);
  if (!pid) return Fail(pid.error());
  state.daemon_pid = *pid;
  if (auto w = WriteLabState(o.state_dir, state); !w) return Fail(w.error());
  const auto until = Clock::now() + std::chrono::seconds(30);
  while (!std::filesystem::exists(o.state_dir + "/daemon.json")) {
    if (!ProcessAlive(*pid) || Clock::now() > until) {
      return Fail(fmt::format("the lab daemon (pid {}) {}; the end of {}:\n{}", *pid,
                              ProcessAlive(*pid) ? "did not get ready in 30 s" : "exited",
                              ws.DaemonLog(), ReadTail(ws.DaemonLog(), 15)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return fmt::format("pid {}: the router, {} node speakers, {} pods and the LoadBalancers run",
                     *pid, speakers, pods);
}

// The "sessions" step: every session Established, from both sides, within o.timeout.
Result<std::string, Error> WaitSessions(const LabUpOptions& o, const LabState& state,
                                        UpResult& result, Clock::time_point daemon_t0,
                                        const StepSink& on_step) {
  auto demo = LabDemo::Open(o.state_dir);
  if (!demo) return Fail(demo.error());
  const auto topology = demo->Plan();
  std::size_t speakers = 0;
  for (const auto& n : topology.nodes) speakers += n.speaker ? 1 : 0;
  return TimedStep(on_step, "sessions", [&]() -> Result<std::string, Error> {
    const auto until = Clock::now() + o.timeout;
    while (true) {
      const auto observed = demo->Observe();
      auto waiting = SessionsNotEstablished(topology, observed);
      if (waiting.empty()) break;
      if (Clock::now() > until || !DaemonAlive(state)) {
        return Fail(fmt::format("{} of {} sessions are not Established after {} s:\n  {}",
                                waiting.size(), speakers, o.timeout.count(),
                                fmt::join(waiting, "\n  ")));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    result.established_seconds = Since(daemon_t0);
    result.sessions = speakers;
    return fmt::format("{} of {} Established, from both sides", speakers, speakers);
  });
}

// A demo whose namespaces are all there but some of whose processes died (the daemon, the
// router, node speakers: SIGKILLed, say) is healed in place: only what died starts again,
// no namespace or link is made anew. nullopt: a namespace is gone, so only a rebuild helps.
Result<std::optional<UpResult>, Error> Heal(const LabState& old, const LabUpOptions& o,
                                            const StepSink& on_step, Clock::time_point t0) {
  // No daemon ever started: the up that made it stopped before its links were all made.
  if (old.daemon_pid <= 0) return std::optional<UpResult>();
  for (const auto& ns : old.namespaces) {
    if (!NetnsExists(ns)) return std::optional<UpResult>();
  }
  auto plan = PlanFromText(old.scenario, {old.prefix});
  if (!plan) return std::optional<UpResult>();
  UpResult result;
  result.state = old;
  const Workspace ws(o.state_dir);
  std::vector<json> requests;  // to the daemon: what to start again
  if (DaemonAlive(old)) {
    auto st =
        bgp::api::Request(ws.DaemonSocket(), {{"command", "status"}}, std::chrono::seconds(5));
    if (st) {
      if (!st->value("/router/alive"_json_pointer, true)) {
        requests.push_back({{"command", "router"}, {"action", "start"}});
        result.healed.emplace_back("the router");
      }
      const json speakers = st->value("speakers", json::object());  // items() needs it to live
      for (const auto& [node, sp] : speakers.items()) {
        if (sp.value("alive", true)) continue;
        requests.push_back({{"command", "speaker"}, {"node", node}, {"action", "start"}});
        result.healed.push_back(fmt::format("the speaker of {}", node));
      }
      if (requests.empty()) {
        result.already_up = true;
        return std::optional<UpResult>(std::move(result));
      }
    }
  }
  const auto daemon_t0 = Clock::now();
  auto healed = TimedStep(on_step, "heal", [&]() -> Result<std::string, Error> {
    if (!requests.empty()) {
      for (const auto& r : requests) {
        auto done = bgp::api::Request(ws.DaemonSocket(), r, std::chrono::seconds(30));
        if (!done) return Fail(Error::Failed(fmt::format("{}: {}", r.dump(), done.error())));
      }
      return fmt::format("started again: {}", fmt::join(result.healed, ", "));
    }
    // The daemon died (or does not answer): whatever it left running in the namespaces
    // goes, then a new daemon starts everything in the namespaces as they are.
    if (IsDaemon(old.daemon_pid)) (void)KillProcess(old.daemon_pid);
    std::size_t killed = 0;
    for (const auto& ns : old.namespaces) {
      for (const pid_t pid : NetnsPids(ns)) {
        if (KillProcess(pid)) ++killed;
      }
    }
    result.healed.emplace_back("the lab daemon, with its router and speakers");
    auto started = StartDaemon(o, result.state, plan->speakers.size(), plan->pods.size());
    if (!started) return Fail(started.error());
    return fmt::format("the lab daemon had died: {} processes it left stopped; {}", killed,
                       *started);
  });
  if (!healed) return Fail(healed.error());
  if (auto r = WaitSessions(o, result.state, result, daemon_t0, on_step); !r) {
    return Fail(r.error());
  }
  result.seconds = Since(t0);
  return std::optional<UpResult>(std::move(result));
}

}  // namespace

Result<UpResult, Error> LabUp(const ScenarioText& scenario, const LabUpOptions& o,
                              const StepSink& on_step) {
  const auto t0 = Clock::now();
  UpResult result;
  const Workspace ws(o.state_dir);

  if (LabStateExists(o.state_dir)) {
    auto old = ReadLabState(o.state_dir);
    if (old) {
      auto healed = Heal(*old, o, on_step, t0);
      if (!healed) return Fail(healed.error());
      if (*healed) return std::move(**healed);
    }
    // A previous demo that died (or a failed up): remove what it left, then start over.
    auto cleaned = TimedStep(on_step, "cleanup", [&]() -> Result<std::string, Error> {
      auto d = LabDown(o.state_dir, old ? old->prefix : o.prefix, nullptr);
      if (!d) return Fail(d.error());
      return fmt::format("removed what a previous run left: {} namespaces, {} processes",
                         d->namespaces.size(), d->processes);
    });
    if (!cleaned) return Fail(cleaned.error());
  }

  LabPlan plan;
  auto planned = TimedStep(on_step, "plan", [&]() -> Result<std::string, Error> {
    auto p = PlanFromText(scenario, {o.prefix});
    if (!p) return Fail(p.error());
    plan = std::move(*p);
    return fmt::format("scenario {}: {} networks, {} nodes, {} pods, {} node speakers ({})",
                       plan.scenario, plan.networks.size(), plan.nodes.size(), plan.pods.size(),
                       plan.speakers.size(), o.node_speaker);
  });
  if (!planned) return Fail(planned.error());

  LabState& state = result.state;
  state.prefix = o.prefix;
  state.scenario = scenario;
  state.node_speaker = o.node_speaker;
  state.binary = o.binary;
  state.started_at = std::time(nullptr);
  state.namespaces = plan.Namespaces();
  if (auto w = WriteLabState(o.state_dir, state); !w) return Fail(w.error());

  auto created = TimedStep(on_step, "namespaces", [&]() -> Result<std::string, Error> {
    for (const auto& ns : state.namespaces) {
      if (NetnsExists(ns)) {
        return Fail(fmt::format("network namespace {} exists already and is not this demo's; "
                                "remove it (ip netns del {}) or use another --lab-prefix",
                                ns, ns));
      }
    }
    for (const auto& ns : state.namespaces) {
      if (auto r = CreateNetns(ns); !r) return Fail(r.error());
    }
    return fmt::format("{} created ({}-*)", state.namespaces.size(), o.prefix);
  });
  if (!created) return Fail(created.error());

  auto linked = TimedStep(on_step, "links", [&]() -> Result<std::string, Error> {
    const auto scripts = BuildScripts(plan);
    std::size_t commands = 0;
    for (const auto& s : scripts) {
      for (const auto& [key, value] : s.sysctls) {
        if (auto r = SetSysctl(s.netns, key, value); !r) return Fail(r.error());
      }
      if (auto r = IpBatch(s.netns, s.ip_commands); !r) return Fail(r.error());
      commands += s.ip_commands.size();
    }
    return fmt::format("bridges, veths, addresses and routes: {} ip commands in {} batches",
                       commands, scripts.size());
  });
  if (!linked) return Fail(linked.error());

  const auto daemon_t0 = Clock::now();
  auto daemon = TimedStep(on_step, "daemon", [&]() -> Result<std::string, Error> {
    return StartDaemon(o, state, plan.speakers.size(), plan.pods.size());
  });
  if (!daemon) return Fail(daemon.error());
  if (auto r = WaitSessions(o, state, result, daemon_t0, on_step); !r) return Fail(r.error());
  result.seconds = Since(t0);
  return result;
}

Result<DownReport, Error> LabDown(const std::string& state_dir, const std::string& prefix,
                                  const StepSink& on_step) {
  DownReport report;
  const Workspace ws(state_dir);
  auto state = ReadLabState(state_dir);
  report.had_state = static_cast<bool>(state);
  const std::string pfx = state ? state->prefix : prefix;

  if (state && DaemonAlive(*state)) {
    auto stopped = TimedStep(on_step, "daemon", [&]() -> Result<std::string, Error> {
      const pid_t pid = state->daemon_pid;
      (void)bgp::api::Request(ws.DaemonSocket(), {{"command", "shutdown"}}, std::chrono::seconds(2));
      const auto until = Clock::now() + std::chrono::seconds(15);
      while (IsDaemon(pid) && Clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (IsDaemon(pid)) {
        if (auto r = StopProcess(pid, std::chrono::seconds(2)); !r) return Fail(r.error());
        return fmt::format("pid {} did not stop when asked; killed", pid);
      }
      report.daemon_stopped = true;
      return fmt::format("pid {} stopped: Cease sent to every peer, kernel routes removed", pid);
    });
    if (!stopped) return Fail(stopped.error());
  }

  auto removed = TimedStep(on_step, "namespaces", [&]() -> Result<std::string, Error> {
    std::set<std::string> names;
    if (state) names.insert(state->namespaces.begin(), state->namespaces.end());
    for (const auto& ns : ListNetns(pfx + "-")) {
      if (OursByName(ns, pfx)) names.insert(ns);
    }
    // Pods and nodes first: their veths' far ends go with them.
    std::vector<std::string> ordered(names.begin(), names.end());
    std::stable_partition(ordered.begin(), ordered.end(), [&](const std::string& ns) {
      return ns.find("-pod-") != std::string::npos || ns.find("-node-") != std::string::npos;
    });
    for (const auto& ns : ordered) {
      if (!NetnsExists(ns)) continue;
      report.processes += NetnsPids(ns).size();
      if (auto r = DeleteNetns(ns); !r) return Fail(r.error());
      report.namespaces.push_back(ns);
    }
    return fmt::format("{} deleted, {} processes in them stopped", report.namespaces.size(),
                       report.processes);
  });
  if (!removed) return Fail(removed.error());

  auto files = TimedStep(on_step, "files", [&]() -> Result<std::string, Error> {
    std::error_code ec;
    // Only the files the lab writes: the state folder may be one the user named.
    for (const auto& f : {state_dir + "/daemon.json", ws.DaemonSocket(), ws.DaemonLog(),
                          ws.RouterConfig(), ws.RouterSocket(), ws.RouterLog()}) {
      for (auto& removed : RemoveWritten(f)) report.files.push_back(std::move(removed));
    }
    if (std::filesystem::exists(ws.SpeakersDir(), ec)) {
      std::filesystem::remove_all(ws.SpeakersDir(), ec);
      if (ec) return Fail(fmt::format("{}: cannot remove: {}", ws.SpeakersDir(), ec.message()));
      report.files.push_back(ws.SpeakersDir());
    }
    // The state last: a down that fails above can run again.
    RemoveEventLog(state_dir);
    for (auto& removed : RemoveWritten(state_dir + "/state.json")) {
      report.files.push_back(std::move(removed));
    }
    std::filesystem::remove(state_dir, ec);  // only when empty
    return fmt::format("{} removed from {}", report.files.size(), state_dir);
  });
  if (!files) return Fail(files.error());
  return report;
}

Result<LabDemo, Error> LabDemo::Open(const std::string& state_dir) {
  auto state = ReadLabState(state_dir);
  if (!state) return Fail(state.error());
  auto plan = PlanFromText(state->scenario, {state->prefix});
  if (!plan) return Fail(plan.error());
  return LabDemo(state_dir, std::move(*state), std::move(*plan));
}

Topology LabDemo::Plan() const {
  Topology t;
  t.router = plan_.router_name;
  for (const auto& n : plan_.nodes) {
    const auto sp = std::find_if(plan_.speakers.begin(), plan_.speakers.end(),
                                 [&](const SpeakerConfig& s) { return s.node == n.name; });
    const bool speaker = sp != plan_.speakers.end();
    // The address its sessions come from: IPv6 in an IPv6-only demo.
    const auto& address = speaker ? sp->address : n.address;
    t.nodes.push_back({n.name, n.cluster, address, n.pod_cidr, speaker, n.pod_cidr_v6});
  }
  for (const auto& c : plan_.clusters) {
    for (auto& a : AdvertisedLoadBalancers(c.k8s, plan_.speakers)) {
      t.load_balancers.push_back(
          {c.k8s.name, std::move(a.service), std::move(a.ip), std::move(a.nodes)});
    }
  }
  for (const auto& p : plan_.pods) {
    t.pods.push_back({p.cluster, p.name, p.node, p.address, p.address_v6});
  }
  return t;
}

Observed LabDemo::Observe() const {
  const Workspace ws(dir_);
  const auto timeout = std::chrono::seconds(3);
  auto peers = std::async(std::launch::async, [&] {
    return bgp::api::Request(ws.RouterSocket(), {{"command", "peers"}}, timeout);
  });
  auto routes = std::async(std::launch::async, [&] {
    return bgp::api::Request(ws.RouterSocket(), {{"command", "routes"}}, timeout);
  });
  const bool v6 = plan_.HasIpv6();
  // `ip` in the router's namespace; its output, or why there is none.
  auto ip = [this, timeout](std::vector<std::string> args) -> Result<std::string, std::string> {
    std::vector<std::string> argv{"ip", "-n", plan_.router_netns};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = RunProcess(argv, {.timeout = timeout});
    if (!r) return Fail(r.error());
    if (r->exit_code != 0) return Fail(FormatFailure(argv, *r, 3));
    return r->out.empty() ? std::string("[]") : r->out;
  };
  auto kernel =
      std::async(std::launch::async, [&]() -> Result<std::vector<KernelRoute>, std::string> {
        auto out = ip({"-j", "route", "show", "proto", "197"});
        if (!out) return Fail(out.error());
        auto routes = ParseIpRouteJson(*out);
        if (!routes || !v6) return routes;
        auto out6 = ip({"-6", "-j", "route", "show", "proto", "197"});
        if (!out6) return Fail(out6.error());
        auto routes6 = ParseIpRouteJson(*out6, /*ipv6=*/true);
        if (!routes6) return routes6;
        routes->insert(routes->end(), routes6->begin(), routes6->end());
        return routes;
      });
  auto neighbours = std::async(std::launch::async, [&]() -> LinkLocalOwners {
    if (!v6) return {};
    auto out = ip({"-4", "-j", "neigh", "show"});
    return out ? ParseNeighbourLinkLocals(*out) : LinkLocalOwners{};
  });
  std::vector<std::pair<std::string, std::future<Result<json, std::string>>>> nodes;
  for (const auto& s : plan_.speakers) {
    nodes.emplace_back(s.node, std::async(std::launch::async, [&, s]() -> Result<json, std::string> {
      if (state_.node_speaker == "gobgpd") return GobgpdSpeaker(s).PeersJson();
      return bgp::api::Request(ws.SpeakerSocket(s.node), {{"command", "peers"}}, timeout);
    }));
  }
  Observed o;
  o.router_peers = peers.get();
  o.router_routes = routes.get();
  o.kernel = kernel.get();
  o.link_local_owners = neighbours.get();
  for (auto& [node, f] : nodes) o.node_peers.insert_or_assign(node, f.get());
  return o;
}

Result<HttpResult, Error> LabDemo::Probe(const std::string& from, const std::string& ip,
                                         std::uint16_t port) const {
  std::string netns;
  if (from == "router") {
    netns = plan_.router_netns;
  } else {
    for (const auto& p : plan_.pods) {
      if (p.cluster + "/" + p.name == from) netns = p.netns;
    }
  }
  if (netns.empty()) return Fail(fmt::format("no pod {} in this demo", from));
  auto r = HttpGet(netns, ip, port, std::chrono::seconds(2));
  if (!r) return Fail(r.error());
  return HttpResult{r->status, r->body, r->seconds};
}

Result<json, std::string> LabDemo::DaemonStatus() const {
  return bgp::api::Request(Workspace(dir_).DaemonSocket(), {{"command", "status"}},
                           std::chrono::seconds(3));
}

Result<nlohmann::json, Error> LabDemo::RouterJournal() const {
  return QueryRouter(Workspace(dir_).RouterSocket(), RouterQuery::kJournal);
}

Result<Report, Error> LabDemo::Speaker(const std::string& node, SpeakerAction action) const {
  auto r = bgp::api::Request(Workspace(dir_).DaemonSocket(),
                             {{"command", "speaker"}, {"node", node}, {"action", ToString(action)}},
                             std::chrono::seconds(10));
  if (!r) return Fail(r.error());
  const auto state = action == SpeakerAction::kStop
                         ? std::string("stopped")
                         : fmt::format("running (pid {})", r->value("pid", 0));
  return Report{*r, fmt::format("The speaker of {} is {}.\n", node, state)};
}

StatusReport LabDemo::Status() const {
  const auto& s = state_;
  const auto since = std::time(nullptr) - s.started_at;
  const time_t started = s.started_at;
  const bool alive = DaemonAlive(s);
  auto daemon = DaemonStatus();
  json speakers = json::object();
  std::size_t running = 0;
  if (daemon) {
    speakers = (*daemon)["speakers"];
    for (const auto& [node, v] : speakers.items()) running += v.value("alive", false) ? 1 : 0;
  }
  StatusReport out;
  out.up = alive;
  char when[32];
  std::strftime(when, sizeof when, "%FT%TZ", std::gmtime(&started));
  out.report.json = {{"up", alive},
                     {"provider", s.provider},
                     {"scenario", s.scenario.name},
                     {"node_speaker", s.node_speaker},
                     {"started_at", when},
                     {"up_seconds", since},
                     {"state_dir", dir_},
                     {"daemon", daemon ? *daemon : json{{"error", daemon.error()}}}};
  std::strftime(when, sizeof when, "%F %T UTC", std::gmtime(&started));
  std::string& t = out.report.text;
  t += fmt::format("Demo:      scenario {}, provider {}, up since {} ({})\n", s.scenario.name,
                   s.provider, when, Duration(since));
  t += fmt::format(
      "Daemon:    {}\n",
      alive ? fmt::format("running (pid {})", s.daemon_pid)
            : fmt::format("NOT running (pid {} is gone; `bgpdemo down` cleans up)", s.daemon_pid));
  if (daemon) {
    const auto& r = (*daemon)["router"];
    t += fmt::format("Router:    {} (pid {}) in netns {}\n",
                     r.value("alive", false) ? "running" : "NOT running", r.value("pid", 0),
                     plan_.router_netns);
    t +=
        fmt::format("Speakers:  {} of {} running ({})\n", running, speakers.size(), s.node_speaker);
    for (const auto& [node, v] : speakers.items()) {
      if (!v.value("alive", false)) t += fmt::format("           {} is stopped\n", node);
    }
    t += fmt::format("Pods:      {} HTTP responders, {} LoadBalancer listeners\n",
                     (*daemon)["pods"].get<int>(), (*daemon)["load_balancers"].get<int>());
  }
  t += fmt::format("Networks:  {} namespaces ({}-*), state in {}\n", s.namespaces.size(), s.prefix,
                   dir_);
  return out;
}

}  // namespace bgpdemo::core::lab
