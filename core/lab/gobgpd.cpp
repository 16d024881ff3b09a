#include "core/lab/gobgpd.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "core/lab/netns.h"
#include "core/process.h"

namespace bgpdemo::core::lab {

namespace {

using json = nlohmann::json;

constexpr auto kCliTimeout = std::chrono::seconds(10);
constexpr auto kStopGrace = std::chrono::seconds(3);

// gobgp's SessionState enum (api/gobgp.proto) -> the engine's names (bgp/fsm.h).
std::string StateName(const json& s) {
  static const char* kNames[] = {"unknown",   "idle",         "connect",    "active",
                                 "open_sent", "open_confirm", "established"};
  if (s.is_number_integer()) {
    const auto v = s.get<int>();
    return v >= 0 && v < 7 ? kNames[v] : fmt::format("unknown({})", v);
  }
  if (s.is_string()) {  // "SESSION_STATE_ESTABLISHED" in other gobgp versions
    std::string t = s.get<std::string>();
    for (const auto* p : {"SESSION_STATE_", "session_state_"}) {
      if (t.rfind(p, 0) == 0) t = t.substr(std::string(p).size());
    }
    for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (t == "opensent") return "open_sent";
    if (t == "openconfirm") return "open_confirm";
    return t;
  }
  return "unknown";
}

std::string Base64Decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;  // '=' padding, whitespace
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

// The fields of a protobuf message, enough for gobgp's capability messages: varints and
// length-delimited fields by number. Stops at anything else or at a truncated field.
struct ProtoFields {
  std::vector<std::pair<int, std::uint64_t>> varints;
  std::vector<std::pair<int, std::string>> bytes;
};

ProtoFields ParseProto(const std::string& b) {
  ProtoFields f;
  std::size_t i = 0;
  auto varint = [&](std::uint64_t& v) {
    v = 0;
    for (int shift = 0; i < b.size() && shift < 64; shift += 7) {
      const auto byte = static_cast<unsigned char>(b[i++]);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return true;
    }
    return false;
  };
  while (i < b.size()) {
    std::uint64_t key;
    if (!varint(key)) break;
    const int field = static_cast<int>(key >> 3);
    const int type = static_cast<int>(key & 7);
    std::uint64_t v;
    if (type == 0) {
      if (!varint(v)) break;
      f.varints.emplace_back(field, v);
    } else if (type == 2) {
      if (!varint(v) || v > b.size() - i) break;
      f.bytes.emplace_back(field, b.substr(i, v));
      i += v;
    } else {
      break;
    }
  }
  return f;
}

// The (afi, safi) of an apipb.Family message: afi = 1, safi = 2.
std::pair<unsigned, unsigned> Family(const std::string& msg) {
  unsigned afi = 0, safi = 0;
  for (const auto& [field, v] : ParseProto(msg).varints) {
    if (field == 1) afi = static_cast<unsigned>(v);
    if (field == 2) safi = static_cast<unsigned>(v);
  }
  return {afi, safi};
}

std::string FamilyName(unsigned afi, unsigned safi) {
  const std::string a = afi == 1 ? "ipv4" : afi == 2 ? "ipv6" : fmt::format("afi{}", afi);
  const std::string s = safi == 1 ? "unicast" : fmt::format("safi{}", safi);
  return a + "-" + s;
}

const json& At(const json& j, std::initializer_list<const char*> path) {
  static const json kNull;
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object()) return kNull;
    const auto it = p->find(k);
    if (it == p->end()) return kNull;
    p = &*it;
  }
  return *p;
}

// A number or a string at path, or 0 / "" when it is missing or of another type.
std::uint64_t Num(const json& j, std::initializer_list<const char*> path) {
  const json& v = At(j, path);
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() > 0)
    return static_cast<std::uint64_t>(v.get<std::int64_t>());
  return 0;
}

std::string Str(const json& j, std::initializer_list<const char*> path) {
  const json& v = At(j, path);
  return v.is_string() ? v.get<std::string>() : std::string();
}

// The reason of the last "Peer Down" gobgpd logged for address (its plain log format:
// msg="Peer Down" Key=10.0.0.1 Reason="..." ...), or "".
std::string LastPeerDown(const std::string& log_path, const std::string& address) {
  std::ifstream f(log_path);
  std::string line, reason;
  const std::string key = "Key=" + address + " ";
  while (std::getline(f, line)) {
    if (line.find("msg=\"Peer Down\"") == std::string::npos ||
        line.find(key) == std::string::npos) {
      continue;
    }
    const auto r = line.find("Reason=");
    if (r == std::string::npos) continue;
    std::size_t b = r + 7, e;
    if (b < line.size() && line[b] == '"') {
      e = line.find('"', ++b);
    } else {
      e = line.find(' ', b);
    }
    reason = line.substr(b, e == std::string::npos ? std::string::npos : e - b);
  }
  return reason;
}

// True when something accepts TCP connections on 127.0.0.1:port inside netns.
bool LoopbackPortOpen(const std::string& netns, std::uint16_t port) {
  bool open = false;
  std::thread t([&] {
    std::optional<NetnsGuard> guard;
    if (!netns.empty()) {
      auto g = EnterNetns(netns);
      if (!g) return;
      guard.emplace(std::move(*g));
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    open = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
    ::close(fd);
  });
  t.join();
  return open;
}

std::string Tail(const std::string& path, std::size_t lines) {
  std::ifstream f(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(f, line);) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out += "\n  " + all[i];
  }
  return out;
}

}  // namespace

std::string GobgpdConfig(const SpeakerConfig& c) {
  std::string out = fmt::format(
      "# gobgpd 3.10 for lab node {node}, as Cilium 1.14's BGP Control Plane sets up its GoBGP.\n"
      "[global.config]\n"
      "  as = {asn}\n"
      "  router-id = \"{id}\"\n"
      "  port = {port}\n"
      "  local-address-list = [\"{addr}\"]\n"
      "# Cilium never uses the routes it receives; GoBGP's global import policy applies to\n"
      "# local routes too, hence allow-local (Cilium's pkg/bgpv1/gobgp/server.go).\n"
      "[global.apply-policy.config]\n"
      "  import-policy-list = [\"allow-local\"]\n"
      "  default-import-policy = \"reject-route\"\n"
      "\n"
      "[[policy-definitions]]\n"
      "  name = \"allow-local\"\n"
      "  [[policy-definitions.statements]]\n"
      "    [policy-definitions.statements.conditions.bgp-conditions]\n"
      "      route-type = \"local\"\n"
      "    [policy-definitions.statements.actions]\n"
      "      route-disposition = \"accept-route\"\n",
      fmt::arg("node", c.node), fmt::arg("asn", c.local_as), fmt::arg("addr", c.address),
      fmt::arg("id", c.router_id), fmt::arg("port", c.listen_port));
  for (const auto& n : c.neighbors) {
    out += fmt::format(
        "\n[[neighbors]]\n"
        "  [neighbors.config]\n"
        "    neighbor-address = \"{addr}\"\n"
        "    peer-as = {asn}\n"
        "  [neighbors.timers.config]\n"
        "    connect-retry = {retry}\n"
        "    hold-time = {hold}\n"
        "    keepalive-interval = {keepalive}\n"
        "    idle-hold-time-after-reset = 5\n"
        "  [neighbors.transport.config]\n"
        "    passive-mode = false\n",
        fmt::arg("addr", n.address), fmt::arg("asn", n.peer_as), fmt::arg("retry", n.connect_retry),
        fmt::arg("hold", n.hold_time), fmt::arg("keepalive", n.keepalive));
    if (n.graceful_restart) {
      out += fmt::format(
          "  [neighbors.graceful-restart.config]\n"
          "    enabled = true\n"
          "    restart-time = {}\n"
          "    notification-enabled = true\n",
          n.restart_time);
    }
    for (const auto& afi : n.families) {
      const auto family = afi + "-unicast";
      out += fmt::format(
          "  [[neighbors.afi-safis]]\n"
          "    [neighbors.afi-safis.config]\n"
          "      afi-safi-name = \"{}\"\n",
          family);
      if (n.graceful_restart) {
        out +=
            "    [neighbors.afi-safis.mp-graceful-restart.config]\n"
            "      enabled = true\n";
      }
    }
  }
  return out;
}

json PeerJsonFromGobgp(const json& n, const std::string& node, std::int64_t now_unix) {
  // Every read checks the type: gobgp's output is input, and json's value() would throw.
  const json& conf = At(n, {"conf"});
  const json& state = At(n, {"state"});
  const std::string address = !Str(conf, {"neighbor_address"}).empty()
                                  ? Str(conf, {"neighbor_address"})
                                  : Str(state, {"neighbor_address"});
  const std::string st = StateName(At(state, {"session_state"}));
  json j = {
      {"node", node},
      {"address", address},
      {"local_asn", Num(conf, {"local_asn"})},
      {"peer_asn", Num(conf, {"peer_asn"}) ? Num(conf, {"peer_asn"}) : Num(state, {"peer_asn"})},
      {"state", st},
      {"uptime_seconds", 0},
      {"hostname", ""},
      {"last_error", ""},
      {"messages_received", Num(state, {"messages", "received", "total"})},
      {"messages_sent", Num(state, {"messages", "sent", "total"})}};
  json families = json::array();
  if (st == "established") {
    const auto up = static_cast<std::int64_t>(Num(n, {"timers", "state", "uptime", "seconds"}));
    j["uptime_seconds"] = up > 0 ? std::max<std::int64_t>(0, now_unix - up) : 0;
    j["router_id"] = Str(state, {"router_id"});
    j["hold_time"] = Num(n, {"timers", "state", "negotiated_hold_time"});
    j["local_address"] = Str(n, {"transport", "local_address"});
    // The peer's capabilities come as protobuf Any values (base64): decode the few we show.
    std::vector<std::pair<unsigned, unsigned>> remote_families;
    bool extended_next_hop = false;
    bool graceful_restart = false;
    const json& caps = At(state, {"remote_cap"});
    for (const auto& cap : caps.is_array() ? caps : json::array()) {
      const std::string type = Str(cap, {"type_url"});
      const std::string value = Base64Decode(Str(cap, {"value"}));
      if (type.ends_with(".MultiProtocolCapability")) {
        for (const auto& [field, msg] : ParseProto(value).bytes) {
          if (field == 1) remote_families.push_back(Family(msg));
        }
      } else if (type.ends_with(".FqdnCapability")) {
        for (const auto& [field, text] : ParseProto(value).bytes) {
          if (field == 1) j["hostname"] = text;
        }
      } else if (type.ends_with(".ExtendedNexthopCapability")) {
        extended_next_hop = true;
      } else if (type.ends_with(".GracefulRestartCapability")) {
        graceful_restart = true;
      }
    }
    j["extended_next_hop"] = extended_next_hop;
    j["graceful_restart"] = graceful_restart;
    const json& afi_safis = At(n, {"afi_safis"});
    for (const auto& a : afi_safis.is_array() ? afi_safis : json::array()) {
      const std::pair<unsigned, unsigned> f{
          static_cast<unsigned>(Num(a, {"config", "family", "afi"})),
          static_cast<unsigned>(Num(a, {"config", "family", "safi"}))};
      if (std::find(remote_families.begin(), remote_families.end(), f) == remote_families.end()) {
        continue;  // configured here, not offered by the peer: not negotiated
      }
      families.push_back({{"afi", f.first},
                          {"safi", f.second},
                          {"family", FamilyName(f.first, f.second)},
                          {"received", Num(a, {"state", "received"})},
                          {"accepted", Num(a, {"state", "accepted"})},
                          {"advertised", Num(a, {"state", "advertised"})}});
    }
  }
  j["families"] = families;
  return j;
}

GobgpdSpeaker::GobgpdSpeaker(SpeakerConfig config, GobgpdOptions options)
    : config_(std::move(config)), options_(std::move(options)) {}

GobgpdSpeaker::~GobgpdSpeaker() {
  (void)Stop();
}

Result<std::string, std::string> GobgpdSpeaker::Gobgp(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{options_.gobgp, "-u", "127.0.0.1", "-p",
                                std::to_string(options_.api_port)};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunProcess(argv, {.timeout = kCliTimeout, .netns = config_.netns});
  if (!r) return Fail(r.error());
  if (r->exit_code != 0) {
    return Fail(fmt::format("node {}: {}", config_.node, FormatFailure(argv, *r, 5)));
  }
  return std::move(r->out);
}

Result<void, std::string> GobgpdSpeaker::Start(const std::string& workdir) {
  if (pid_ != 0)
    return Fail(fmt::format("node {}: gobgpd is running already (pid {})", config_.node, pid_));
  std::error_code ec;
  std::filesystem::create_directories(workdir, ec);
  if (ec)
    return Fail(fmt::format("node {}: cannot create {}: {}", config_.node, workdir, ec.message()));
  const std::string conf = fmt::format("{}/gobgpd-{}.toml", workdir, config_.node);
  log_path_ = fmt::format("{}/gobgpd-{}.log", workdir, config_.node);
  {
    std::ofstream f(conf, std::ios::trunc);
    f << GobgpdConfig(config_);
    if (!f.flush()) return Fail(fmt::format("node {}: cannot write {}", config_.node, conf));
  }
  auto pid = SpawnDetached({options_.gobgpd, "-f", conf, "-p", "--api-hosts",
                            fmt::format("127.0.0.1:{}", options_.api_port), "--pprof-disable"},
                           {.netns = config_.netns,
                            .log_file = log_path_,
                            .new_session = true,
                            .hostname = config_.node});
  if (!pid) return Fail(fmt::format("node {}: {}", config_.node, pid.error()));
  pid_ = *pid;

  // Ready when the API answers; gone when gobgpd exits (a bad config, a port in use). The
  // gobgp CLI waits a whole second when nothing listens yet (gRPC's dial backoff), so first
  // wait for the port with plain connects, then ask once.
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  for (;;) {
    if (!ProcessAlive(pid_)) {
      pid_ = 0;
      return Fail(fmt::format("node {}: gobgpd exited at start; the end of {}:{}", config_.node,
                              log_path_, Tail(log_path_, 10)));
    }
    if (LoopbackPortOpen(config_.netns, options_.api_port)) {
      auto r = RunProcess(
          {options_.gobgp, "-u", "127.0.0.1", "-p", std::to_string(options_.api_port), "global"},
          {.timeout = kCliTimeout, .netns = config_.netns});
      if (!r) {
        (void)Stop();
        return Fail(fmt::format("node {}: {}", config_.node, r.error()));
      }
      if (r->exit_code == 0) break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      (void)Stop();
      return Fail(fmt::format(
          "node {}: gobgpd's API on 127.0.0.1:{} did not answer within {} ms; the end of {}:{}",
          config_.node, options_.api_port, options_.start_timeout.count(), log_path_,
          Tail(log_path_, 10)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (const auto& prefix : config_.prefixes) {
    if (auto r = Announce(prefix); !r) {
      (void)Stop();
      return r;
    }
  }
  return {};
}

Result<void, std::string> GobgpdSpeaker::Stop() {
  if (pid_ == 0) return {};
  auto r = StopProcess(pid_, kStopGrace);
  if (!r) return Fail(fmt::format("node {}: gobgpd: {}", config_.node, r.error()));
  pid_ = 0;
  return {};
}

bool GobgpdSpeaker::Running() const {
  return pid_ != 0 && ProcessAlive(pid_);
}

Result<void, std::string> GobgpdSpeaker::Announce(const std::string& prefix) {
  const char* family = prefix.find(':') != std::string::npos ? "ipv6" : "ipv4";
  auto r = Gobgp({"global", "rib", "add", prefix, "origin", "igp", "-a", family});
  if (!r) return Fail(r.error());
  return {};
}

Result<void, std::string> GobgpdSpeaker::Withdraw(const std::string& prefix) {
  const char* family = prefix.find(':') != std::string::npos ? "ipv6" : "ipv4";
  auto r = Gobgp({"global", "rib", "del", prefix, "-a", family});
  if (!r) return Fail(r.error());
  return {};
}

Result<nlohmann::json, std::string> GobgpdSpeaker::PeersJson() const {
  json out = json::array();
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (const auto& n : config_.neighbors) {
    // With an address, gobgp also reports what it advertised per family.
    auto text = Gobgp({"-j", "neighbor", n.address});
    if (!text) return Fail(text.error());
    json parsed = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return Fail(fmt::format("node {}: gobgp -j neighbor {} printed no JSON object: {}",
                              config_.node, n.address, text->substr(0, 200)));
    }
    json j = PeerJsonFromGobgp(parsed, config_.node, now);
    if (j["state"] != "established") j["last_error"] = LastPeerDown(log_path_, n.address);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace bgpdemo::core::lab
