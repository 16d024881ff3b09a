#include "cli/demo_command.h"

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>

#include "cli/exit_codes.h"
#include "cli/version.h"
#include "core/kind/kind.h"
#include "core/kind/tools.h"
#include "core/lab/daemon.h"
#include "core/lab/lab.h"
#include "core/process.h"
#include "core/table.h"
#include "core/verify.h"

namespace bgpdemo::cli {

namespace {

using nlohmann::json;
namespace lab = core::lab;

void AddStateDir(CLI::App* cmd, DemoOptions& o) {
  cmd->add_option("--state-dir", o.state_dir,
                  "Where the demo keeps its state (default: $BGPDEMO_STATE_DIR or "
                  "/run/bgpdemo/demo)");
}

std::string StateDir(const DemoOptions& o) {
  return o.state_dir.empty() ? lab::DefaultStateDir() : o.state_dir;
}

// This program's path, run again as the daemon, the router and the speakers.
std::string SelfPath() {
  if (const char* env = std::getenv("BGPDEMO_SELF"); env != nullptr && *env != '\0') return env;
  char buf[4096];
  const auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "bgpdemo";
  return std::string(buf, static_cast<std::size_t>(n));
}

// Step lines: text for people, one JSON object per line for CI.
lab::StepSink Printer(const DemoOptions& o, std::ostream& out, const char* verb) {
  if (o.output == "json") {
    return [&out, verb](const lab::StepEvent& e) {
      out << json{{"event", "step"}, {"verb", verb}, {"step", e.step}, {"ok", e.ok},
                  {"seconds", e.seconds}, {"detail", e.detail}}.dump()
          << '\n'
          << std::flush;
    };
  }
  return [&out](const lab::StepEvent& e) {
    // A failed step's whole message follows on stderr; its line shows the first line.
    const auto nl = e.detail.find('\n');
    fmt::print(out, "  {:<11} {:>7.3f} s  {}{}\n", e.step, e.seconds, e.ok ? "" : "FAILED: ",
               e.detail.substr(0, nl));
    if (e.ok && nl != std::string::npos) fmt::print(out, "{}\n", e.detail.substr(nl + 1));
    out << std::flush;
  };
}

// auto: the lab where Docker or kind is missing and we may build namespaces; the kind
// provider otherwise. Returns the provider, or sets `why` when none can run.
std::string ChooseProvider(const DemoOptions& o, std::string& why) {
  if (o.provider != "auto") return o.provider;
  const bool docker = !core::FindProgram("docker").empty();
  const bool kind = !core::FindProgram("kind").empty();
  const auto lab_missing = lab::LabMissing(o.node_speaker);
  if ((!docker || !kind) && lab_missing.empty()) return "lab";
  if (docker && kind) return "kind";
  why = fmt::format(
      "no provider can run here: the kind provider needs {}{}{}, and the lab provider needs {}",
      docker ? "" : "docker", !docker && !kind ? " and " : "", kind ? "" : "kind",
      fmt::join(lab_missing, "; "));
  return "";
}

int UpKind(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto text = core::LoadScenarioText(o.scenario);
  if (!text) {
    fmt::print(err, "bgpdemo up: {}\n", text.error());
    return kExitInput;
  }
  const auto dir = StateDir(o);
  if (auto p = core::kind::ProviderOf(dir); p && *p != "kind") {
    fmt::print(err, "bgpdemo up: a {} demo is up (state in {}); `bgpdemo down` first\n", *p, dir);
    return kExitFailed;
  }
  core::kind::KindUpOptions ko;
  ko.state_dir = dir;
  ko.router_image = o.router_image;
  ko.dockerfile_dir = o.dockerfile_dir.empty() ? BGPDEMO_REPOSITORY_DIR : o.dockerfile_dir;
  ko.base_image = o.base_image;
  ko.version = kVersion;
  ko.timeout = std::chrono::seconds(o.timeout_seconds);
  if (o.output != "json") {
    fmt::print(out, "bgpdemo up: scenario {}, provider kind, state in {}\n", text->name, dir);
  }
  auto r = core::kind::KindUp(*text, ko, Printer(o, out, "up"));
  if (!r) {
    if (o.output == "json") {
      out << json{{"event", "up"}, {"ok", false}, {"error", r.error().message()}}.dump() << '\n';
    }
    fmt::print(err,
               "bgpdemo up: {}\nWhat was created is recorded in {}: `bgpdemo up` again resumes "
               "from here; `bgpdemo down` removes it.\n",
               r.error(), dir);
    return r.error().kind() == ErrorKind::kEnvironment ? kExitEnvironment : kExitFailed;
  }
  if (o.output == "json") {
    out << json{{"event", "up"}, {"ok", true}, {"seconds", r->seconds}, {"resumed", r->resumed},
                {"sessions", r->sessions}, {"scenario", text->name}, {"provider", "kind"}}.dump()
        << '\n';
  } else {
    fmt::print(out,
               "The demo is up in {:.1f} s: {} BGP sessions Established. Next: bgpdemo peers, "
               "bgpdemo verify, bgpdemo down\n",
               r->seconds, r->sessions);
  }
  return kExitOk;
}

int Up(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  std::string why;
  const auto provider = ChooseProvider(o, why);
  if (provider.empty()) {
    fmt::print(err, "bgpdemo up: {}\n", why);
    return kExitEnvironment;
  }
  if (provider == "kind") return UpKind(o, out, err);
  if (const auto missing = lab::LabMissing(o.node_speaker); !missing.empty()) {
    fmt::print(err, "bgpdemo up: the lab provider needs: {}\n", fmt::join(missing, "; "));
    return kExitEnvironment;
  }
  auto text = core::LoadScenarioText(o.scenario);
  if (!text) {
    fmt::print(err, "bgpdemo up: {}\n", text.error());
    return kExitInput;
  }
  const auto dir = StateDir(o);
  lab::LabUpOptions lo;
  lo.state_dir = dir;
  lo.prefix = o.lab_prefix;
  lo.node_speaker = o.node_speaker;
  lo.binary = SelfPath();
  lo.timeout = std::chrono::seconds(o.timeout_seconds);
  if (o.output != "json") {
    fmt::print(out, "bgpdemo up: scenario {}, provider lab, node speakers {}, state in {}\n",
               text->name, o.node_speaker, dir);
  }
  auto r = lab::LabUp(*text, lo, Printer(o, out, "up"));
  if (!r) {
    if (o.output == "json") {
      out << json{{"event", "up"}, {"ok", false}, {"error", r.error()}}.dump() << '\n';
    }
    fmt::print(err,
               "bgpdemo up: {}\nWhat was created is recorded in {}: `bgpdemo down` removes it; "
               "`bgpdemo up` removes it and starts again.\n",
               r.error(), dir);
    // A bad scenario is an input error; anything else, a failed step.
    return r.error().find(".yaml:") != std::string::npos ? kExitInput : kExitFailed;
  }
  if (r->already_up) {
    const auto since = std::time(nullptr) - r->state.started_at;
    if (o.output == "json") {
      out << json{{"event", "up"}, {"ok", true}, {"already_up", true},
                  {"scenario", r->state.scenario.name}, {"provider", r->state.provider},
                  {"up_seconds", since}}.dump()
          << '\n';
    } else {
      fmt::print(out,
                 "The demo is already up (scenario {}, provider {}, for {}). `bgpdemo down` "
                 "first to start again.\n",
                 r->state.scenario.name, r->state.provider, core::Duration(since));
    }
    return kExitOk;
  }
  if (o.output == "json") {
    out << json{{"event", "up"}, {"ok", true}, {"seconds", r->seconds},
                {"established_seconds", r->established_seconds}, {"sessions", r->sessions},
                {"scenario", text->name}, {"provider", "lab"}}.dump()
        << '\n';
  } else {
    fmt::print(out,
               "The demo is up in {:.2f} s: {} BGP sessions Established. Next: bgpdemo peers, "
               "bgpdemo verify, bgpdemo down\n",
               r->seconds, r->sessions);
  }
  return kExitOk;
}

int Down(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  const auto dir = StateDir(o);
  if (o.output != "json") fmt::print(out, "bgpdemo down: state in {}\n", dir);
  if (auto p = core::kind::ProviderOf(dir); p && *p == "kind") {
    auto k = core::kind::KindDown(dir, {}, Printer(o, out, "down"));
    if (!k) {
      fmt::print(err, "bgpdemo down: {}\nRun it again once the cause is fixed.\n", k.error());
      return kExitFailed;
    }
    if (o.output == "json") {
      out << json{{"event", "down"}, {"ok", true}, {"removed", k->removed}}.dump() << '\n';
    } else {
      fmt::print(out, "Down: {}; nothing bgpdemo did not create was touched.\n",
                 k->removed.empty() ? "nothing to remove" : fmt::format("{}", fmt::join(k->removed, ", ")));
    }
    return kExitOk;
  }
  auto r = lab::LabDown(dir, o.lab_prefix, Printer(o, out, "down"));
  if (!r) {
    fmt::print(err, "bgpdemo down: {}\nRun it again once the cause is fixed.\n", r.error());
    return kExitFailed;
  }
  if (o.output == "json") {
    out << json{{"event", "down"}, {"ok", true}, {"had_state", r->had_state},
                {"namespaces", r->namespaces}, {"processes", r->processes},
                {"files", r->files}}.dump()
        << '\n';
  } else if (!r->had_state && r->namespaces.empty()) {
    fmt::print(out, "Nothing to remove: no demo is up.\n");
  } else {
    fmt::print(out, "Down: {} namespaces, {} processes and {} files removed; nothing is left.\n",
               r->namespaces.size(), r->processes, r->files.size());
  }
  return kExitOk;
}

// Opens the running lab demo, or says why there is none (exit 1: "is it up" failed).
std::optional<lab::LabDemo> OpenLab(const DemoOptions& o, const char* verb, std::ostream& err) {
  auto demo = lab::LabDemo::Open(StateDir(o));
  if (!demo) {
    fmt::print(err, "bgpdemo {}: {}\n", verb, demo.error());
    return std::nullopt;
  }
  return std::move(*demo);
}

// The running demo of whichever provider, or why there is none.
std::unique_ptr<core::Demo> OpenDemo(const DemoOptions& o, const char* verb, std::ostream& err) {
  const auto dir = StateDir(o);
  auto provider = core::kind::ProviderOf(dir);
  if (!provider) {
    fmt::print(err, "bgpdemo {}: {}\n", verb, provider.error());
    return nullptr;
  }
  if (*provider == "kind") {
    auto d = core::kind::KindDemo::Open(dir);
    if (!d) {
      fmt::print(err, "bgpdemo {}: {}\n", verb, d.error());
      return nullptr;
    }
    return std::make_unique<core::kind::KindDemo>(std::move(*d));
  }
  auto d = OpenLab(o, verb, err);
  if (!d) return nullptr;
  return std::make_unique<lab::LabDemo>(std::move(*d));
}

std::string DaemonLine(const lab::LabDemo& d) {
  return lab::DaemonAlive(d.state())
             ? fmt::format("running (pid {})", d.state().daemon_pid)
             : fmt::format("NOT running (pid {} is gone; `bgpdemo down` cleans up)",
                           d.state().daemon_pid);
}

int StatusKind(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto d = core::kind::KindDemo::Open(StateDir(o));
  if (!d) {
    fmt::print(err, "bgpdemo status: {}\n", d.error());
    return kExitFailed;
  }
  const auto& s = d->state();
  const auto since = std::time(nullptr) - s.started_at;
  const auto router = d->Router();
  auto running = core::RunProcess({"docker", "container", "inspect", "-f", "{{.State.Running}}", router});
  const bool router_up = running && running->exit_code == 0 && running->out.starts_with("true");
  if (o.output == "json") {
    out << json{{"up", router_up}, {"provider", "kind"}, {"scenario", s.scenario.name},
                {"up_seconds", since}, {"state_dir", StateDir(o)}, {"clusters", s.clusters},
                {"networks_created", s.networks}, {"router_image", s.router_image},
                {"router_addresses", s.router_addresses}}.dump(2)
        << '\n';
  } else {
    fmt::print(out, "Demo:      scenario {}, provider kind, up for {}\n", s.scenario.name,
               core::Duration(since));
    fmt::print(out, "Clusters:  {} (contexts kind-<name>)\n", fmt::join(s.clusters, ", "));
    fmt::print(out, "Router:    container {} {} ({}), addresses {}\n", router,
               router_up ? "running" : "NOT running", s.router_image,
               json(s.router_addresses).dump());
  }
  return router_up ? kExitOk : kExitFailed;
}

int Status(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  if (auto p = core::kind::ProviderOf(StateDir(o)); p && *p == "kind") return StatusKind(o, out, err);
  auto d = OpenLab(o, "status", err);
  if (!d) {
    if (o.output == "json") out << json{{"up", false}}.dump() << '\n';
    return kExitFailed;
  }
  const auto& s = d->state();
  const auto since = std::time(nullptr) - s.started_at;
  auto daemon = d->DaemonStatus();
  json speakers = json::object();
  std::size_t running = 0;
  if (daemon) {
    speakers = (*daemon)["speakers"];
    for (const auto& [node, v] : speakers.items()) running += v.value("alive", false) ? 1 : 0;
  }
  if (o.output == "json") {
    char when[32];
    std::strftime(when, sizeof when, "%FT%TZ", std::gmtime(&s.started_at));
    out << json{{"up", lab::DaemonAlive(s)},
                {"provider", s.provider},
                {"scenario", s.scenario.name},
                {"node_speaker", s.node_speaker},
                {"started_at", when},
                {"up_seconds", since},
                {"state_dir", d->dir()},
                {"daemon", daemon ? *daemon : json{{"error", daemon.error()}}}}
               .dump(2)
        << '\n';
  } else {
    char when[32];
    std::strftime(when, sizeof when, "%F %T UTC", std::gmtime(&s.started_at));
    fmt::print(out, "Demo:      scenario {}, provider {}, up since {} ({})\n", s.scenario.name,
               s.provider, when, core::Duration(since));
    fmt::print(out, "Daemon:    {}\n", DaemonLine(*d));
    if (daemon) {
      const auto& r = (*daemon)["router"];
      fmt::print(out, "Router:    {} (pid {}) in netns {}\n",
                 r.value("alive", false) ? "running" : "NOT running", r.value("pid", 0),
                 d->plan().router_netns);
      fmt::print(out, "Speakers:  {} of {} running ({})\n", running, speakers.size(), s.node_speaker);
      for (const auto& [node, v] : speakers.items()) {
        if (!v.value("alive", false)) fmt::print(out, "           {} is stopped\n", node);
      }
      fmt::print(out, "Pods:      {} HTTP responders, {} LoadBalancer listeners\n",
                 (*daemon)["pods"].get<int>(), (*daemon)["load_balancers"].get<int>());
    }
    fmt::print(out, "Networks:  {} namespaces ({}-*), state in {}\n", s.namespaces.size(),
               s.prefix, d->dir());
  }
  return lab::DaemonAlive(s) ? kExitOk : kExitFailed;
}

// One row per session and family, from the nodes' side and then the router's, with the
// columns of `cilium bgp peers`.
json PeerRows(const core::Topology& t, const core::Observed& o) {
  json rows = json::array();
  auto add = [&rows](const std::string& node, const std::string& side, const json& p) {
    json fams = json::array();
    for (const auto& f : p.value("families", json::array())) {
      fams.push_back({{"family", f.value("family", "")},
                      {"received", f.value("received", 0)},
                      {"advertised", f.value("advertised", 0)}});
    }
    rows.push_back({{"node", node}, {"side", side}, {"local_asn", p.value("local_asn", 0)},
                    {"peer_asn", p.value("peer_asn", 0)}, {"peer_address", p.value("address", "")},
                    {"state", p.value("state", "")}, {"uptime_seconds", p.value("uptime_seconds", 0)},
                    {"hostname", p.value("hostname", "")}, {"families", fams},
                    {"last_error", p.value("last_error", "")}});
  };
  for (const auto& n : t.nodes) {
    if (!n.speaker) continue;
    const auto it = o.node_peers.find(n.name);
    if (it == o.node_peers.end()) continue;
    if (!it->second) {
      rows.push_back({{"node", n.name}, {"side", "node"}, {"local_asn", 0}, {"peer_asn", 0},
                      {"peer_address", ""}, {"state", "unknown"}, {"uptime_seconds", 0},
                      {"hostname", ""}, {"families", json::array()},
                      {"last_error", it->second.error()}});
      continue;
    }
    for (const auto& p : *it->second) add(n.name, "node", p);
  }
  if (o.router_peers) {
    for (const auto& p : *o.router_peers) add(t.router, "router", p);
  } else {
    rows.push_back({{"node", t.router}, {"side", "router"}, {"local_asn", 0}, {"peer_asn", 0},
                    {"peer_address", ""}, {"state", "unknown"}, {"uptime_seconds", 0},
                    {"hostname", ""}, {"families", json::array()},
                    {"last_error", o.router_peers.error()}});
  }
  return rows;
}

int Peers(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto d = OpenDemo(o, "peers", err);
  if (!d) return kExitFailed;
  const auto topology = d->GetTopology();
  if (!topology) {
    fmt::print(err, "bgpdemo peers: {}\n", topology.error());
    return kExitFailed;
  }
  const auto rows = PeerRows(*topology, d->Observe());
  if (o.output == "json") {
    out << rows.dump(2) << '\n';
    return kExitOk;
  }
  core::Table t({"Node", "Local AS", "Peer AS", "Peer Address", "Session State", "Uptime",
                 "Family", "Received", "Advertised"});
  std::vector<std::string> notes;
  for (const auto& r : rows) {
    const bool up = r.value("state", "") == "established";
    std::vector<std::string> row{r.value("node", ""), std::to_string(r.value("local_asn", 0)),
                                 std::to_string(r.value("peer_asn", 0)), r.value("peer_address", ""),
                                 r.value("state", ""),
                                 up ? core::Duration(r.value("uptime_seconds", 0LL)) : "-"};
    const auto& fams = r["families"];
    if (fams.empty()) {
      row.insert(row.end(), {"-", "-", "-"});
      t.Add(row);
    }
    for (std::size_t i = 0; i < fams.size(); ++i) {
      auto line = i == 0 ? row : std::vector<std::string>(row.size(), "");
      line.insert(line.end(), {fams[i].value("family", ""),
                               std::to_string(fams[i].value("received", 0)),
                               std::to_string(fams[i].value("advertised", 0))});
      t.Add(line);
    }
    if (!up && !r.value("last_error", "").empty()) {
      notes.push_back(fmt::format("{} -> {}: {}", r.value("node", ""), r.value("peer_address", ""),
                                  r.value("last_error", "")));
    }
  }
  out << t.Render();
  for (const auto& n : notes) fmt::print(out, "  {}\n", n);
  return kExitOk;
}

int Routes(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto d = OpenDemo(o, "routes", err);
  if (!d) return kExitFailed;
  const auto obs = d->Observe();
  if (o.output == "json") {
    json kernel = json::array();
    if (obs.kernel) {
      for (const auto& k : *obs.kernel) kernel.push_back({{"prefix", k.prefix}, {"next_hops", k.next_hops}});
    }
    out << json{{"rib", obs.router_routes ? *obs.router_routes : json{{"error", obs.router_routes.error()}}},
                {"kernel", obs.kernel ? kernel : json{{"error", obs.kernel.error()}}}}
               .dump(2)
        << '\n';
    return obs.router_routes && obs.kernel ? kExitOk : kExitFailed;
  }
  if (!obs.router_routes) {
    fmt::print(err, "bgpdemo routes: the router's RIB: {}\n", obs.router_routes.error());
    return kExitFailed;
  }
  core::Table t({"Prefix", "Next Hop", "AS Path", "From", "Reason", "Paths", "Kernel"});
  for (const auto& r : *obs.router_routes) {
    const auto prefix = r.value("prefix", "");
    std::string kernel = obs.kernel ? "-" : "?";
    if (obs.kernel) {
      for (const auto& k : *obs.kernel) {
        if (k.prefix == prefix) kernel = fmt::format("via {}", fmt::join(k.next_hops, ", "));
      }
    }
    const auto& best = r["best"];
    if (best.is_null()) {
      t.Add({prefix, "-", "-", "-", "no usable path", std::to_string(r["paths"].size()), kernel});
      continue;
    }
    const auto path = best.value("as_path", "");
    t.Add({prefix, best.value("next_hop", ""), path.empty() ? "(local)" : path,
           best.value("peer", ""), best.value("reason", ""), std::to_string(r["paths"].size()),
           kernel});
  }
  out << t.Render();
  if (!obs.kernel) fmt::print(out, "Kernel table: {}\n", obs.kernel.error());
  return kExitOk;
}

int Verify(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  auto d = OpenDemo(o, "verify", err);
  if (!d) return kExitFailed;
  const auto t0 = std::chrono::steady_clock::now();
  const auto topology = d->GetTopology();
  if (!topology) {
    fmt::print(err, "bgpdemo verify: {}\n", topology.error());
    return kExitFailed;
  }
  const auto checks = core::Verify(
      *topology, d->Observe(),
      [&d](const std::string& from, const std::string& ip, std::uint16_t port) {
        return d->Probe(from, ip, port);
      });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!o.junit.empty()) {
    std::ofstream f(o.junit, std::ios::trunc);
    f << core::ChecksJunit(checks, seconds);
    if (!f) {
      fmt::print(err, "bgpdemo verify: {}: cannot write the JUnit report\n", o.junit);
      return kExitInput;
    }
  }
  if (o.output == "json") {
    auto j = core::ChecksJson(checks);
    j["seconds"] = seconds;
    out << j.dump(2) << '\n';
  } else {
    core::PrintChecksTable(checks, out);
  }
  const bool ok = std::all_of(checks.begin(), checks.end(), [](const core::Check& c) { return c.ok; });
  return ok ? kExitOk : kExitFailed;
}

int Speaker(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  if (auto p = core::kind::ProviderOf(StateDir(o)); p && *p == "kind") {
    fmt::print(err, "bgpdemo speaker: only the lab runs the node speakers itself; on kind, "
                    "restart a node's Cilium agent with kubectl\n");
    return kExitUsage;
  }
  auto d = OpenLab(o, "speaker", err);
  if (!d) return kExitFailed;
  auto r = d->Speaker(o.speaker_node, o.speaker_action);
  if (!r) {
    fmt::print(err, "bgpdemo speaker {} {}: {}\n", o.speaker_action, o.speaker_node, r.error());
    return kExitFailed;
  }
  if (o.output == "json") {
    out << r->dump() << '\n';
  } else {
    fmt::print(out, "The speaker of {} is {}.\n", o.speaker_node,
               o.speaker_action == "stop" ? "stopped" : fmt::format("running (pid {})", (*r)["pid"].get<int>()));
  }
  return kExitOk;
}

// The kind provider's tools, and whether the lab can run here.
int Doctor(const DemoOptions& o, std::ostream& out) {
  const auto tools = core::kind::CheckTools();
  const auto lab_missing = lab::LabMissing(o.node_speaker);
  const bool kind_ok = std::all_of(tools.begin(), tools.end(), [](const auto& t) { return t.ok; });
  if (o.output == "json") {
    json list = json::array();
    for (const auto& t : tools) {
      list.push_back({{"name", t.name}, {"path", t.path}, {"version", t.version},
                      {"minimum", t.minimum}, {"ok", t.ok}, {"problem", t.problem},
                      {"install", t.install}});
    }
    out << json{{"kind", {{"ok", kind_ok}, {"tools", list}}},
                {"lab", {{"ok", lab_missing.empty()}, {"missing", lab_missing}}}}.dump(2)
        << '\n';
  } else {
    core::Table t({"Tool", "Version", "Needs", "Status"});
    for (const auto& tool : tools) {
      t.Add({tool.name, tool.version.empty() ? "-" : tool.version, ">= " + tool.minimum,
             tool.ok ? "ok" : tool.problem});
    }
    out << t.Render();
    for (const auto& tool : tools) {
      if (!tool.ok) fmt::print(out, "  {}: {}\n", tool.name, tool.install);
    }
    fmt::print(out, "kind provider: {}\n", kind_ok ? "ready" : "not ready (see above)");
    fmt::print(out, "lab provider:  {}\n",
               lab_missing.empty() ? "ready"
                                   : fmt::format("needs {}", fmt::join(lab_missing, "; ")));
  }
  return kind_ok || lab_missing.empty() ? kExitOk : kExitEnvironment;
}

}  // namespace

void AddDemoCommands(CLI::App& app, DemoOptions& o) {
  o.up = app.add_subcommand("up", "Bring the two-cluster demo up and wait for every BGP session");
  o.up->footer(
      "Providers: lab builds the demo from Linux network namespaces on this machine (root,\n"
      "no Docker or Kubernetes needed); kind runs real kind clusters (coming). auto picks the\n"
      "lab where Docker or kind is missing.\n"
      "Examples:\n"
      "  sudo bgpdemo up\n"
      "  sudo bgpdemo up --scenario two-cluster-v2 --node-speaker gobgpd -o json");
  o.up->add_option("--scenario", o.scenario, "A built-in scenario (bgpdemo scenarios) or a file")
      ->capture_default_str();
  o.up->add_option("--provider", o.provider, "Where the topology lives")
      ->check(CLI::IsMember({"auto", "lab", "kind"}))
      ->capture_default_str();
  o.up->add_option("--node-speaker", o.node_speaker,
                   "The lab's node BGP speakers: bgpdemo's engine, or real gobgpd (Cilium's GoBGP)")
      ->check(CLI::IsMember({"engine", "gobgpd"}))
      ->capture_default_str();
  o.up->add_option("--lab-prefix", o.lab_prefix, "Prefix of the lab's namespace names")
      ->capture_default_str();
  o.up->add_option("--router-image", o.router_image,
                   "kind: the route server's image (default: bgpdemo-router:<version>, built "
                   "from the Dockerfile when missing)");
  o.up->add_option("--dockerfile-dir", o.dockerfile_dir,
                   "kind: the folder with bgpdemo's Dockerfile (default: this build's source)");
  o.up->add_option("--base-image", o.base_image, "kind: the Dockerfile's base image")
      ->capture_default_str();
  o.up->add_option("--timeout", o.timeout_seconds, "Seconds to wait for every session")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();

  o.down = app.add_subcommand("down", "Stop the demo and remove everything it created");
  o.down->add_option("--lab-prefix", o.lab_prefix,
                     "Without a state: remove the lab namespaces with this prefix")
      ->capture_default_str();
  o.status = app.add_subcommand("status", "What is up, since when, with which scenario and provider");
  o.status->footer("Exit code 0 when the demo is up, 1 when it is not (or its daemon is gone).");
  o.peers = app.add_subcommand("peers", "BGP sessions from the nodes' side and the router's");
  o.routes = app.add_subcommand("routes", "The router's RIB and its kernel routing table");
  o.verify = app.add_subcommand("verify", "Check sessions, routes and traffic; exit 1 if any check fails");
  o.verify->add_option("--junit", o.junit, "Also write the checks as a JUnit XML report");
  o.doctor = app.add_subcommand("doctor", "Check the tools each provider needs, with versions");
  o.speaker = app.add_subcommand("speaker", "Stop or start one node's BGP speaker (lab)");
  o.speaker->add_option("action", o.speaker_action, "stop | start")
      ->required()
      ->check(CLI::IsMember({"stop", "start"}));
  o.speaker->add_option("node", o.speaker_node, "The node, e.g. cilium-worker")->required();
  for (auto* cmd : {o.up, o.down, o.status, o.speaker, o.doctor}) {
    cmd->add_option("-o,--output", o.output, "text or json (one JSON object per line)")
        ->check(CLI::IsMember({"text", "json"}));
  }
  for (auto* cmd : {o.peers, o.routes, o.verify}) {
    cmd->add_option("-o,--output", o.output, "table or json")
        ->check(CLI::IsMember({"table", "text", "json"}));
  }
  for (auto* cmd : {o.up, o.down, o.status, o.peers, o.routes, o.verify, o.speaker}) {
    AddStateDir(cmd, o);
  }
  // Started by `up --provider lab`; not for people.
  o.daemon = app.add_subcommand("lab-daemon", "");
  o.daemon->group("");
  AddStateDir(o.daemon, o);
}

bool DemoCommandParsed(const DemoOptions& o) {
  for (auto* cmd :
       {o.up, o.down, o.status, o.peers, o.routes, o.verify, o.speaker, o.doctor, o.daemon}) {
    if (cmd != nullptr && cmd->parsed()) return true;
  }
  return false;
}

int RunDemo(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  if (o.up->parsed()) return Up(o, out, err);
  if (o.down->parsed()) return Down(o, out, err);
  if (o.status->parsed()) return Status(o, out, err);
  if (o.peers->parsed()) return Peers(o, out, err);
  if (o.routes->parsed()) return Routes(o, out, err);
  if (o.verify->parsed()) return Verify(o, out, err);
  if (o.speaker->parsed()) return Speaker(o, out, err);
  if (o.doctor->parsed()) return Doctor(o, out);
  if (o.daemon->parsed()) return lab::RunLabDaemon(StateDir(o));
  return kExitUsage;
}

}  // namespace bgpdemo::cli
