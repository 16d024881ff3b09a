#include "bgp/api/metrics.h"

#include <dirent.h>
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "bgp/fsm.h"
#include "bgp/session/clock.h"

namespace bgpdemo::bgp::api {

namespace {

// One metric family: # HELP, # TYPE, then its samples.
class Family {
 public:
  Family(std::string& out, std::string_view name, std::string_view type, std::string_view help)
      : out_(out), name_(name) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                   type);
  }
  // labels: "a=\"x\",b=\"y\"" (already escaped), or empty.
  template <typename T>
  void Sample(std::string_view labels, T value) {
    if (labels.empty()) {
      fmt::format_to(std::back_inserter(out_), "{} {}\n", name_, value);
    } else {
      fmt::format_to(std::back_inserter(out_), "{}{{{}}} {}\n", name_, labels, value);
    }
  }

 private:
  std::string& out_;
  std::string_view name_;
};

std::string Label(std::string_view key, std::string_view value) {
  return fmt::format("{}=\"{}\"", key, EscapeLabelValue(value));
}

std::string PeerLabel(const server::PeerSnapshot& p) {
  return Label("peer", p.address.ToString());
}

constexpr std::array<State, 6> kStates = {State::kIdle,        State::kConnect,
                                          State::kActive,      State::kOpenSent,
                                          State::kOpenConfirm, State::kEstablished};

// Field 22 of /proc/self/stat: the start time in clock ticks after boot.
double StartTimeSeconds() {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');  // the command may hold spaces and parentheses
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  unsigned long long ticks = 0;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) ticks = std::stoull(field);
  }
  std::ifstream up("/proc/stat");
  std::string line;
  unsigned long long boot = 0;
  while (std::getline(up, line)) {
    if (line.starts_with("btime ")) boot = std::stoull(line.substr(6));
  }
  const long hz = ::sysconf(_SC_CLK_TCK);
  if (boot == 0 || hz <= 0) return 0;
  return static_cast<double>(boot) + static_cast<double>(ticks) / static_cast<double>(hz);
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

ProcessFacts ReadProcessFacts() {
  ProcessFacts f;
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0, resident = 0;
  if (statm >> pages >> resident) {
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    f.virtual_bytes = pages * page;
    f.resident_bytes = resident * page;
  }
  f.start_time_seconds = StartTimeSeconds();
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ++f.open_fds;
    }
    ::closedir(d);
    if (f.open_fds > 0) --f.open_fds;  // the directory's own descriptor
  }
  f.timers = session::AsioClock::LiveTimers();
  return f;
}

std::string MetricsText(const MetricsInput& in) {
  std::string out;
  out.reserve(1024 + in.peers.size() * 1536);
  Family(out, "bgpdemo_build_info", "gauge", "The running bgpdemo's version, as a label.")
      .Sample(Label("version", in.version), 1);

  Family sessions(out, "bgpdemo_bgp_sessions", "gauge", "BGP peers by session state.");
  for (const auto state : kStates) {
    std::size_t n = 0;
    for (const auto& p : in.peers) n += p.state == state ? 1 : 0;
    sessions.Sample(Label("state", ToString(state)), n);
  }

  Family up(out, "bgpdemo_bgp_peer_up", "gauge",
            "1 when the session with the peer is Established.");
  for (const auto& p : in.peers) {
    up.Sample(fmt::format("{},{},{}", PeerLabel(p), Label("name", p.name),
                          Label("peer_asn", std::to_string(p.peer_as))),
              p.state == State::kEstablished ? 1 : 0);
  }
  Family uptime(out, "bgpdemo_bgp_peer_uptime_seconds", "gauge",
                "How long the session has been Established; 0 when it is not.");
  for (const auto& p : in.peers) {
    uptime.Sample(PeerLabel(p), p.state == State::kEstablished && p.uptime ? p.uptime->count() : 0);
  }

  struct Counter {
    const char* name;
    const char* help;
    std::uint64_t server::PeerSnapshot::*field;
  };
  for (const auto& c : {Counter{"bgpdemo_bgp_peer_received_messages_total",
                                "BGP messages received from the peer in this session.",
                                &server::PeerSnapshot::messages_received},
                        Counter{"bgpdemo_bgp_peer_sent_messages_total",
                                "BGP messages sent to the peer in this session.",
                                &server::PeerSnapshot::messages_sent},
                        Counter{"bgpdemo_bgp_peer_received_updates_total",
                                "UPDATE messages received from the peer in this session.",
                                &server::PeerSnapshot::updates_received},
                        Counter{"bgpdemo_bgp_peer_sent_updates_total",
                                "UPDATE messages sent to the peer in this session.",
                                &server::PeerSnapshot::updates_sent}}) {
    Family f(out, c.name, "counter", c.help);
    for (const auto& p : in.peers) f.Sample(PeerLabel(p), p.*(c.field));
  }

  struct Count {
    const char* name;
    const char* help;
    std::size_t server::FamilySnapshot::*field;
  };
  for (const auto& c :
       {Count{"bgpdemo_bgp_peer_prefixes_received",
              "Paths held from the peer, those import policy rejected included.",
              &server::FamilySnapshot::received},
        Count{"bgpdemo_bgp_peer_prefixes_accepted",
              "Paths from the peer that import policy accepted.",
              &server::FamilySnapshot::accepted},
        Count{"bgpdemo_bgp_peer_prefixes_advertised", "Prefixes advertised to the peer.",
              &server::FamilySnapshot::advertised}}) {
    Family f(out, c.name, "gauge", c.help);
    for (const auto& p : in.peers) {
      if (!p.negotiated) continue;
      for (const auto& fam : p.negotiated->families) {
        f.Sample(fmt::format("{},{}", PeerLabel(p), Label("family", wire::ToString(fam.family))),
                 fam.*(c.field));
      }
    }
  }

  Family rib(out, "bgpdemo_rib_prefixes", "gauge", "Prefixes in the Loc-RIB, by address family.");
  rib.Sample(Label("family", wire::ToString(wire::kIpv4Unicast)), in.rib_prefixes[0]);
  rib.Sample(Label("family", wire::ToString(wire::kIpv6Unicast)), in.rib_prefixes[1]);
  Family(out, "bgpdemo_rib_memory_bytes", "gauge",
         "Memory the RIB's tables and attribute sets hold.")
      .Sample("", in.rib_memory_bytes);

  if (in.fib) {
    Family(out, "bgpdemo_fib_routes", "gauge", "Routes of the router's in the kernel table.")
        .Sample("", in.fib->routes);
    Family(out, "bgpdemo_fib_pending_changes", "gauge",
           "Route changes not yet written to the kernel.")
        .Sample("", in.fib->pending);
    Family(out, "bgpdemo_fib_errors_total", "counter", "Route changes the kernel refused.")
        .Sample("", in.fib->errors);
    Family(out, "bgpdemo_fib_unusable_next_hops", "gauge",
           "Next hops left out of kernel routes: of another family than the prefix.")
        .Sample("", in.fib->unusable_next_hops);
  }

  Family(out, "bgpdemo_bgp_timers", "gauge",
         "Session timers that exist; steady while sessions come and go (else a leak).")
      .Sample("", in.process.timers);
  Family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
      .Sample("", in.process.resident_bytes);
  Family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.")
      .Sample("", in.process.virtual_bytes);
  Family(out, "process_start_time_seconds", "gauge",
         "Start time of the process since the Unix epoch in seconds.")
      .Sample("", fmt::format("{:.2f}", in.process.start_time_seconds));
  Family(out, "process_open_fds", "gauge", "Number of open file descriptors.")
      .Sample("", in.process.open_fds);
  return out;
}

}  // namespace bgpdemo::bgp::api
