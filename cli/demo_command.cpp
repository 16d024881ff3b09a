#include "cli/demo_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/demo_verbs.h"
#include "cli/exit_codes.h"
#include "cli/verb.h"
#include "core/fault.h"
#include "core/providers.h"

namespace bgpdemo::cli {

namespace demo {

using nlohmann::json;

std::string StateDir(const DemoOptions& o) {
  return o.state_dir.empty() ? core::DefaultStateDir() : o.state_dir;
}

core::StepSink Printer(const DemoOptions& o, std::ostream& out, const char* verb) {
  if (o.output == "json") {
    return [&out, verb](const core::StepEvent& e) {
      out << json{{"event", e.progress ? "progress" : "step"},
                  {"verb", verb},
                  {"step", e.step},
                  {"ok", e.ok},
                  {"seconds", e.seconds},
                  {"detail", e.detail}}
                 .dump()
          << '\n'
          << std::flush;
    };
  }
  return [&out](const core::StepEvent& e) {
    if (e.progress) {  // while the step waits: what it awaits
      fmt::print(out, "  {:<11} {:>7.1f} s  ... {}\n", e.step, e.seconds, e.detail);
      out << std::flush;
      return;
    }
    // A failed step's whole message follows on stderr; its line shows the first line.
    const auto nl = e.detail.find('\n');
    fmt::print(out, "  {:<11} {:>7.3f} s  {}{}\n", e.step, e.seconds,
               e.ok ? "" : "FAILED: ", e.detail.substr(0, nl));
    if (e.ok && nl != std::string::npos) fmt::print(out, "{}\n", e.detail.substr(nl + 1));
    out << std::flush;
  };
}

core::Providers MakeProviders(const DemoOptions& o, core::StepSink on_step) {
  core::ProviderContext context;
  context.state_dir = StateDir(o);
  context.on_step = std::move(on_step);
  return core::Providers(context);
}

int Failed(std::ostream& err, std::string_view what, const Error& error) {
  fmt::print(err, "{}: {}\n", what, error.message());
  return ExitCodeFor(error);
}

void Print(const DemoOptions& o, std::ostream& out, const core::Report& r, bool pretty) {
  if (o.output == "json") {
    out << (pretty ? r.json.dump(2) : r.json.dump()) << '\n';
  } else {
    out << r.text;
  }
}

}  // namespace demo

namespace {

void AddStateDir(CLI::App& cmd, DemoOptions& o) {
  cmd.add_option("--state-dir", o.state_dir,
                 "Where the demo keeps its state (default: $BGPDEMO_STATE_DIR or "
                 "/run/bgpdemo/demo)");
}

// -o for the verbs that print steps or a report, and for those that print tables.
void AddTextOutput(CLI::App& cmd, DemoOptions& o) {
  cmd.add_option("-o,--output", o.output, "text or json (one JSON object per line)")
      ->check(CLI::IsMember({"text", "json"}));
}

// --interval and --duration of the verbs that watch the demo (events, ui).
void AddWatchFlags(CLI::App& cmd, DemoOptions& o) {
  cmd.add_option("--interval", o.watch_interval, "Seconds between two looks")
      ->check(CLI::Range(0.05, 60.0))
      ->capture_default_str();
  cmd.add_option("--duration", o.watch_duration,
                 "Stop after this many seconds (default: until interrupted)")
      ->check(CLI::Range(0.0, 86400.0 * 365));
}

// --watch and its timing, for peers and routes.
void AddWatch(CLI::App& cmd, DemoOptions& o) {
  cmd.add_flag("--watch", o.watch,
               "Look again every --interval: redrawn in place on a terminal, one JSON document "
               "per line with -o json");
  AddWatchFlags(cmd, o);
}

// --group-over of the verbs that draw the graph (graph, ui).
void AddGroupOver(CLI::App& cmd, DemoOptions& o) {
  cmd.add_option("--group-over", o.graph_group_over,
                 "Draw a cluster of more nodes than this as one box")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
}

void AddTableOutput(CLI::App& cmd, DemoOptions& o) {
  cmd.add_option("-o,--output", o.output, "table or json")
      ->check(CLI::IsMember({"table", "text", "json"}));
}

void AddUpFlags(CLI::App& up, DemoOptions& o) {
  up.footer(
      "Providers: lab builds the demo from Linux network namespaces on this machine (root,\n"
      "no Docker or Kubernetes needed); kind makes kind clusters on Docker; kube uses clusters\n"
      "you have (--context, --router; docs/kube.md). auto picks kind where Docker and kind are\n"
      "installed, else the lab; kube only when named.\n"
      "Examples:\n"
      "  sudo bgpdemo up\n"
      "  sudo bgpdemo up --scenario two-cluster-v2 --node-speaker gobgpd -o json\n"
      "  bgpdemo up --provider kube --context cilium=prod-a --context cilium2=prod-b \\\n"
      "      --router host:192.0.2.10");
  up.add_option("--scenario", o.scenario, "A built-in scenario (bgpdemo scenarios) or a file")
      ->capture_default_str();
  auto providers = core::ProviderNames();
  providers.insert(providers.begin(), "auto");
  up.add_option("--provider", o.provider, "Where the topology lives")
      ->check(CLI::IsMember(providers))
      ->capture_default_str();
  up.add_option("--node-speaker", o.node_speaker,
                "The lab's node BGP speakers: bgpdemo's engine, or real gobgpd (Cilium's GoBGP)")
      ->check(CLI::IsMember({"engine", "gobgpd"}))
      ->capture_default_str();
  up.add_option("--lab-prefix", o.lab_prefix, "Prefix of the lab's namespace names")
      ->capture_default_str();
  up.add_option("--router-image", o.router_image,
                "kind: the route server's image (default: bgpdemo-router:<version>, made from "
                "this executable when missing)");
  up.add_option("--base-image", o.base_image,
                "kind: the base of the router image made here (default: none, FROM scratch)");
  up.add_option("--node-image", o.node_image,
                "kind: the kindest/node image of every node (default: pinned per Cilium "
                "version, `bgpdemo doctor` shows it)");
  up.add_option("--timeout", o.timeout_seconds,
                "Seconds to wait for every session (kind: and for the LB IPs)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  const struct {
    const char* flag;
    int* seconds;
    const char* what;
  } waits[] = {
      {"--helm-timeout", &o.helm_timeout_seconds, "helm upgrade --install --wait --timeout"},
      {"--cilium-timeout", &o.cilium_timeout_seconds, "cilium status --wait-duration"},
      {"--rollout-timeout", &o.rollout_timeout_seconds, "kubectl rollout status of nginx"},
      {"--crd-timeout", &o.crd_timeout_seconds,
       "Cilium's CRDs to be Established before the pools and BGP resources"},
  };
  for (const auto& w : waits) {
    up.add_option(w.flag, *w.seconds, fmt::format("kind: seconds for {}", w.what))
        ->check(CLI::Range(1, 7200))
        ->capture_default_str();
  }
  up.add_option("--context", o.contexts,
                "kube: the kubeconfig context of a scenario cluster, CLUSTER=CONTEXT (once per "
                "cluster; or `contexts:` in the scenario)")
      ->type_name("CLUSTER=CONTEXT");
  up.add_option("--router", o.router,
                "kube: where the route server runs: host:ADDR[,ADDR...] (bgpdemo router on "
                "this machine, bound to its addresses), container:DOCKER_HOST[,ADDR[,ADDR6]], "
                "or external:ADDR[,ADDR6],AS (your own router); IPv4 and IPv6 addresses, one "
                "of each family per node subnet in dual stack");
  up.add_flag("--manage-cilium", o.manage_cilium,
              "kube: install or reconfigure the Cilium that runs in a cluster with the "
              "demo's Helm values (default: a running Cilium is only checked)");
  up.add_flag("--static-routes,!--no-static-routes", o.static_routes,
              "kube: keep the routes to the other clusters on every node with a DaemonSet "
              "(default: on; --no-static-routes: your network routes between the clusters)");
  up.add_option("--routes-image", o.routes_image,
                "kube: the image of the static-routes DaemonSet (default: busybox:1.36)");
  up.add_flag("--preload,!--no-preload", o.preload,
              "kind: load the Cilium and nginx images the local Docker has into the nodes "
              "(kind load docker-image) instead of pulling them on every node (default: on; "
              "--no-preload: every node pulls)");
}

}  // namespace

void AddDemoCommands(CLI::App& app, DemoOptions& o) {
  // Each verb's flags in the order its help has always listed them: its own, -o, --state-dir.
  o.up = AddVerb(app, "up", "Bring the two-cluster demo up and wait for every BGP session",
                 [&o](CLI::App& cmd) {
                   AddUpFlags(cmd, o);
                   AddTextOutput(cmd, o);
                   AddStateDir(cmd, o);
                 });
  o.down =
      AddVerb(app, "down", "Stop the demo and remove everything it created", [&o](CLI::App& cmd) {
        cmd.add_option("--lab-prefix", o.lab_prefix,
                       "Without a state: remove the lab namespaces with this prefix")
            ->capture_default_str();
        AddTextOutput(cmd, o);
        AddStateDir(cmd, o);
      });
  o.status = AddVerb(app, "status", "What is up, since when, with which scenario and provider",
                     [&o](CLI::App& cmd) {
                       cmd.footer(
                           "Exit code 0 when the demo is up, 1 when it is not (or its daemon is "
                           "gone).");
                       AddTextOutput(cmd, o);
                       AddStateDir(cmd, o);
                     });
  o.peers = AddVerb(app, "peers", "BGP sessions from the nodes' side and the router's",
                    [&o](CLI::App& cmd) {
                      AddTableOutput(cmd, o);
                      AddWatch(cmd, o);
                      AddStateDir(cmd, o);
                    });
  o.routes =
      AddVerb(app, "routes", "The router's RIB and its kernel routing table", [&o](CLI::App& cmd) {
        AddTableOutput(cmd, o);
        AddWatch(cmd, o);
        AddStateDir(cmd, o);
      });
  o.verify =
      AddVerb(app, "verify", "Check sessions, routes and traffic; exit 1 if any check fails",
              [&o](CLI::App& cmd) {
                cmd.add_option("--junit", o.junit, "Also write the checks as a JUnit XML report");
                AddTableOutput(cmd, o);
                AddStateDir(cmd, o);
              });
  o.graph = AddVerb(
      app, "graph",
      "The running demo as a picture: clusters, nodes, the route server, every session coloured "
      "by state with its prefix counts, the routes to each LoadBalancer IP",
      [&o](CLI::App& cmd) {
        cmd.footer(
            "Examples:\n"
            "  bgpdemo graph -o svg --file demo.svg\n"
            "  bgpdemo graph -o html --file demo.html   (one page, nothing fetched)\n"
            "  bgpdemo graph -o dot | dot -Tpng > demo.png\n"
            "svg and html need Graphviz's dot (apt-get install graphviz).");
        cmd.add_option("-o,--output", o.graph_format, "svg, html or dot (Graphviz)")
            ->check(CLI::IsMember({"svg", "html", "dot"}))
            ->capture_default_str();
        cmd.add_option("--file", o.graph_file, "Write it there instead of to stdout");
        AddGroupOver(cmd, o);
        AddStateDir(cmd, o);
      });
  o.events =
      AddVerb(app, "events",
              "What happens in the running demo, as it happens: sessions changing state (with the "
              "router's reason), prefixes learned and withdrawn, kernel routes changing, verify "
              "results and faults; with --since, what happened before too",
              [&o](CLI::App& cmd) {
                cmd.footer(
                    "Examples:\n"
                    "  bgpdemo events                      (until Ctrl-C)\n"
                    "  bgpdemo events -o json --duration 60 > events.jsonl\n"
                    "  bgpdemo events --since 10m --duration 0.1   (the last 10 minutes, then "
                    "stop)\n"
                    "Each line has the time a round saw the change (every --interval seconds).\n"
                    "--since first prints the past: the router's journal (sessions up and down,\n"
                    "best paths, when they happened; its last 4096 entries) and the verify\n"
                    "results, faults and actions other bgpdemo commands logged in the state "
                    "folder.");
                cmd.add_option("-o,--output", o.output, "text or json (one JSON object per line)")
                    ->check(CLI::IsMember({"text", "json"}));
                cmd.add_option("--since", o.events_since,
                               "Start with what happened since then: 90s, 10m, 2h, or a time "
                               "such as 2026-12-04T10:00:00Z")
                    ->type_name("WHEN");
                AddWatchFlags(cmd, o);
                AddStateDir(cmd, o);
              });
  o.ui = AddVerb(
      app, "ui",
      "A live page of the running demo on a local web server: the graph, the sessions and the "
      "last events, pushed to the page as they change",
      [&o](CLI::App& cmd) {
        cmd.footer(
            "Examples:\n"
            "  bgpdemo ui                                  (then open http://127.0.0.1:8179/)\n"
            "  bgpdemo ui --listen 127.0.0.1:0 --allow-actions\n"
            "The page and its script are served by bgpdemo; it fetches nothing from elsewhere.\n"
            "Endpoints for scripts: /api/state (JSON), /api/events (server-sent events),\n"
            "/graph.svg. Needs Graphviz's dot for the graph (apt-get install graphviz).");
        cmd.add_option("--listen", o.ui_listen,
                       "ADDRESS:PORT to serve on (port 0: any free one; it is printed)")
            ->capture_default_str();
        cmd.add_flag("--allow-actions", o.ui_allow_actions,
                     "Add buttons that stop and start a node's speaker (read-only without)");
        AddWatchFlags(cmd, o);
        AddGroupOver(cmd, o);
        AddTextOutput(cmd, o);
        AddStateDir(cmd, o);
      });
  o.fault = AddVerb(
      app, "fault",
      "Inject a failure into the running demo and measure it: a timeline from the fault to "
      "traffic back, and the outage of each LoadBalancer IP it touches",
      [&o](CLI::App& cmd) {
        cmd.footer(
            "Examples:\n"
            "  bgpdemo fault link-down cilium-worker --for 20\n"
            "  bgpdemo fault speaker-stop cilium2-worker -o json\n"
            "  bgpdemo fault node-stop cilium2-worker --for 5\n"
            "  bgpdemo fault packet-loss cilium-worker --loss 50\n"
            "  bgpdemo fault router-restart --for 0\n"
            "  bgpdemo fault router-graceful-restart\n"
            "The LB IPs the node advertises (all, for the router's faults) are probed from the\n"
            "router throughout. Exit 0 when the demo is healthy again within --recover-within, "
            "else 1.");
        cmd.add_option("kind", o.fault_kind,
                       fmt::format("{}", fmt::join(core::FaultKindNames(), ", ")))
            ->required()
            ->check(CLI::IsMember(core::FaultKindNames()));
        cmd.add_option("node", o.fault_node,
                       "The node it hits (not for router-restart, router-graceful-restart)");
        cmd.add_option("--for", o.fault_for, "Seconds the fault lasts")
            ->check(CLI::Range(0.0, 3600.0))
            ->capture_default_str();
        cmd.add_option("--loss", o.fault_loss, "packet-loss: the percentage of packets dropped")
            ->check(CLI::Range(1, 100))
            ->capture_default_str();
        cmd.add_option("--probe-interval", o.fault_probe_every,
                       "Seconds between two probes of an IP")
            ->check(CLI::Range(0.05, 10.0))
            ->capture_default_str();
        cmd.add_option("--recover-within", o.fault_recover_within,
                       "Seconds after the fault ends for the demo to be healthy again")
            ->check(CLI::Range(1.0, 3600.0))
            ->capture_default_str();
        AddTextOutput(cmd, o);
        AddStateDir(cmd, o);
      });
  o.doctor = AddVerb(app, "doctor", "Check the tools each provider needs, with versions",
                     [&o](CLI::App& cmd) {
                       cmd.add_option("--scenario", o.scenario,
                                      "The scenario whose needs to check (kind: its Cilium's node "
                                      "image pin, its nodes' memory and disk)")
                           ->capture_default_str();
                       AddTextOutput(cmd, o);
                     });
  o.speaker =
      AddVerb(app, "speaker", "Stop or start one node's BGP speaker (lab)", [&o](CLI::App& cmd) {
        cmd.add_option("action", o.speaker_action, "stop | start")
            ->required()
            ->check(CLI::IsMember({"stop", "start"}));
        cmd.add_option("node", o.speaker_node, "The node, e.g. cilium-worker")->required();
        AddTextOutput(cmd, o);
        AddStateDir(cmd, o);
      });
  // Started by `up --provider lab`; not for people.
  o.daemon = AddVerb(app, "lab-daemon", "", [&o](CLI::App& cmd) { AddStateDir(cmd, o); });
  o.daemon->group("");
}

bool DemoCommandParsed(const DemoOptions& o) {
  for (auto* cmd : {o.up, o.down, o.status, o.peers, o.routes, o.verify, o.speaker, o.doctor,
                    o.daemon, o.graph, o.events, o.ui, o.fault}) {
    if (cmd != nullptr && cmd->parsed()) return true;
  }
  return false;
}

int RunDemo(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  if (o.up->parsed()) return demo::Up(o, out, err);
  if (o.down->parsed()) return demo::Down(o, out, err);
  if (o.status->parsed()) return demo::Status(o, out, err);
  if (o.peers->parsed()) return demo::Peers(o, out, err);
  if (o.routes->parsed()) return demo::Routes(o, out, err);
  if (o.verify->parsed()) return demo::Verify(o, out, err);
  if (o.speaker->parsed()) return demo::Speaker(o, out, err);
  if (o.doctor->parsed()) return demo::Doctor(o, out);
  if (o.daemon->parsed()) return demo::Daemon(o, err);
  if (o.graph->parsed()) return demo::Graph(o, out, err);
  if (o.events->parsed()) return demo::Events(o, out, err);
  if (o.ui->parsed()) return demo::Ui(o, out, err);
  if (o.fault->parsed()) return demo::Fault(o, out, err);
  return kExitUsage;
}

}  // namespace bgpdemo::cli
