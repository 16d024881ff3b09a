// The demo's verbs: `bgpdemo up`, `down`, `status`, `peers`, `routes`, `verify`,
// `speaker` and `doctor`, plus the hidden `lab-daemon` that `up --provider lab` starts in
// the background. They reach the providers through the registry (core/providers.h) only:
// `up` takes the provider named or picked by auto, the others read it from the demo's
// state. Implemented in demo_command.cpp (flags, dispatch), demo_lifecycle.cpp (up, down,
// status, doctor) and demo_observe.cpp (peers, routes, verify, speaker).
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

namespace bgpdemo::cli {

struct DemoOptions {
  std::string state_dir;  // empty: core::DefaultStateDir()
  std::string output = "text";
  // up
  std::string scenario = "two-cluster";
  std::string provider = "auto";
  std::string node_speaker = "engine";
  std::string lab_prefix = "bgpdemo";
  int timeout_seconds = 300;
  int helm_timeout_seconds = 600;
  int cilium_timeout_seconds = 300;
  int rollout_timeout_seconds = 300;
  int crd_timeout_seconds = 120;
  bool preload = true;
  std::string router_image;
  std::string base_image;             // empty: the router image is FROM scratch
  std::string node_image;             // kind: empty = pinned per Cilium version
  std::vector<std::string> contexts;  // kube: CLUSTER=CONTEXT, as given
  std::string router;                 // kube: --router
  bool manage_cilium = false;
  bool static_routes = true;
  std::string routes_image;
  // verify
  std::string junit;
  // speaker
  std::string speaker_action;
  std::string speaker_node;
  // events, ui, and peers and routes with --watch
  bool watch = false;
  double watch_interval = 0.5;
  double watch_duration = 0;  // 0: until interrupted
  std::string events_since;   // events --since: "10m", "90s", "2h", or an RFC 3339 time
  // graph and ui
  std::string graph_format = "svg";
  std::string graph_file;  // empty: stdout
  std::size_t graph_group_over = 12;
  // ui
  std::string ui_listen = "127.0.0.1:8179";
  bool ui_allow_actions = false;
  // fault
  std::string fault_kind;
  std::string fault_node;
  double fault_for = 10;
  unsigned fault_loss = 30;
  double fault_probe_every = 0.25;
  double fault_recover_within = 120;

  CLI::App* up = nullptr;
  CLI::App* down = nullptr;
  CLI::App* status = nullptr;
  CLI::App* peers = nullptr;
  CLI::App* routes = nullptr;
  CLI::App* verify = nullptr;
  CLI::App* speaker = nullptr;
  CLI::App* doctor = nullptr;
  CLI::App* daemon = nullptr;
  CLI::App* graph = nullptr;
  CLI::App* events = nullptr;
  CLI::App* ui = nullptr;
  CLI::App* fault = nullptr;
};

void AddDemoCommands(CLI::App& app, DemoOptions& opts);
// Whether one of the demo's verbs was given; then RunDemo runs it.
bool DemoCommandParsed(const DemoOptions& opts);
int RunDemo(const DemoOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace bgpdemo::cli
