// bgpdemo_blaster: a bgperf-style load generator for a BGP route server.
//
// N announcing sessions to one target, each from its own source address and with its own
// AS (as_base + i * as_step), plus a "monitor" session that announces nothing and checks
// what it receives (blaster_session.h). Once every session is Established, each announcing
// session writes M unique IPv4 /24s, then End-of-RIB (blaster_table.h: what each session
// announces, what the monitor must hold; all encoded before the first connect). The clock
// runs from the first UPDATE byte written to the monitor holding all N x M, each from its
// owner's AS.
//
//   bgpdemo_blaster --target 10.0.0.1 --source-base 10.0.0.10 --sessions 10
//                   --prefixes 100000 --monitor-source 10.0.0.9 --timeout 180
//
// With --churn-rounds R, a second phase follows once the load has converged and the target
// has sent nothing for --settle seconds: each announcing session withdraws a random
// --churn-fraction of its prefixes and announces them again with a new community, R times,
// back to back; its clock runs from the first churn byte to the monitor holding exactly the
// final table. A line {"event":"churn_start"} on stdout marks its start.
//
// It prints one JSON object on stdout (also on failure, with "ok": false and "error"):
// times, what the monitor counted, the churn's figures, and each session's messages and
// bytes. Exit status: 0 converged, 1 timeout or session error, 2 bad options. Progress (-v)
// and errors go to stderr. --linger S keeps the sessions up S seconds after the report
// (until SIGTERM), so that a test can inspect the target while it holds the routes.
// One thread, non-blocking sockets and poll(2).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bgp/wire/update.h"
#include "tests/tools/blaster_session.h"
#include "tests/tools/blaster_table.h"

namespace {

using namespace bgpdemo::blaster;  // NOLINT(google-build-using-namespace): a tool's main file
using nlohmann::json;

volatile std::sig_atomic_t g_signal = 0;
void OnSignal(int sig) {
  g_signal = sig;
}

struct Options {
  std::string target;
  std::uint16_t port = 179;
  std::string source_base;
  std::vector<std::string> sources;
  std::size_t sessions = 0;
  std::size_t prefixes = 1000;
  std::string monitor_source;
  std::uint32_t as_base = 65001;
  std::uint32_t as_step = 1;
  std::uint32_t monitor_as = 64999;
  std::uint32_t target_as = 0;  // 0: accept any
  std::string prefix_base = "16.0.0.0";
  unsigned attr_sets = 4;
  unsigned hold_time = 180;
  double timeout = 300;
  double establish_timeout = 60;
  std::size_t write_chunk = 1 << 20;
  bool progress = false;
  double linger = 0;
  bool compact = false;
  unsigned churn_rounds = 0;
  double churn_fraction = 0.1;
  std::uint64_t seed = 1;
  double settle = 1.0;
  double open_timeout = 10;
};

enum class Phase { kLoad, kSettle, kChurn, kDone };

class Blaster : public SessionOwner {
 public:
  explicit Blaster(const Options& o) : o_(o) {}

  int Run();

  bool OnUpdate(Session& s, std::span<const std::uint8_t> body, Clock::time_point now) override;
  void OnUpdateWritten(Session& s, Clock::time_point before) override;
  void OnFailure(Session& s, const std::string& why, bool was_up, Clock::time_point now) override;
  void OnFatal(const std::string& why) override {
    if (error_.empty()) error_ = why;
  }

 private:
  bool Setup(std::string& err);
  void StartChurn(Clock::time_point now);
  std::string DownSessions() const;
  json Report(Clock::time_point now) const;
  void Linger();
  void Goodbye();

  Options o_;
  Target target_;
  std::vector<std::unique_ptr<Session>> conns_;  // announcing sessions first, the monitor last
  std::vector<SessionRoutes> routes_;
  std::vector<std::vector<std::vector<std::uint32_t>>> plans_;  // per session, per round
  std::vector<std::vector<std::uint8_t>> churn_bytes_;
  std::vector<std::uint64_t> churn_msgs_;
  std::unique_ptr<MonitorTable> mon_;
  bgpdemo::bgp::wire::Update update_;  // reused by every decode
  std::string error_;
  Phase phase_ = Phase::kLoad;
  Clock::time_point start_{}, all_established_{}, first_update_{}, converged_{}, all_sent_{};
  Clock::time_point churn_start_{}, churn_first_{}, churn_converged_{};
  bool established_ = false, started_ = false, converged_flag_ = false, sent_flag_ = false;
  bool churn_started_ = false, churn_converged_flag_ = false;
  std::uint64_t prefixes_encoded_ = 0, churn_prefixes_ = 0;
  Poller poller_;
};

bool Blaster::Setup(std::string& err) {
  std::vector<std::uint32_t> srcs;
  std::uint32_t mon_src = 0;
  if (!SourceAddresses(o_.sources, o_.source_base, o_.monitor_source, o_.sessions, srcs, mon_src,
                       err)) {
    return false;
  }
  if (std::find(srcs.begin(), srcs.end(), mon_src) != srcs.end()) {
    err = fmt::format("the monitor's source {} is also a session's", V4String(mon_src));
    return false;
  }
  auto pb = ParseV4(o_.prefix_base);
  if (!pb) {
    err = fmt::format("--prefix-base: \"{}\" is not an IPv4 address", o_.prefix_base);
    return false;
  }
  const std::uint64_t total = std::uint64_t{o_.sessions} * o_.prefixes;
  const std::uint64_t base24 = *pb >> 8;
  if (base24 + total > (0xe0000000u >> 8)) {
    err = fmt::format("{} sessions x {} /24s from {} run past 224.0.0.0; lower --prefix-base",
                      o_.sessions, o_.prefixes, o_.prefix_base);
    return false;
  }
  if (o_.churn_rounds > 200) {
    err = "--churn-rounds: at most 200";
    return false;
  }
  if (o_.attr_sets == 0) o_.attr_sets = 1;
  target_.address = *ParseV4(o_.target);
  target_.port = o_.port;
  target_.expected_as = o_.target_as;
  target_.hold_time = o_.hold_time;
  target_.write_chunk = o_.write_chunk;

  std::vector<std::uint32_t> owner_as;
  // Many sessions read little each: a smaller read buffer keeps a thousand of them cheap.
  const std::size_t read_buffer = o_.sessions > 64 ? 64 * 1024 : 256 * 1024;
  for (std::size_t i = 0; i <= o_.sessions; ++i) {
    const bool monitor = i == o_.sessions;
    const std::uint32_t asn =
        monitor ? o_.monitor_as : o_.as_base + static_cast<std::uint32_t>(i) * o_.as_step;
    conns_.push_back(std::make_unique<Session>(
        *this, target_, monitor ? "monitor" : fmt::format("peer{}", i), monitor ? mon_src : srcs[i],
        asn, monitor, monitor ? 256 * 1024 : read_buffer));
    if (monitor) break;
    owner_as.push_back(asn);
    Session& c = *conns_.back();
    SessionRoutes r{asn, c.src, static_cast<std::uint32_t>(base24 + i * o_.prefixes), o_.prefixes,
                    o_.attr_sets};
    std::vector<std::uint8_t> bytes;
    auto n = EncodeTable(c.ctx, r, bytes);
    if (!n) {
      err = fmt::format("{}: {}", c.name, n.error());
      return false;
    }
    c.Load(std::move(bytes), *n);
    prefixes_encoded_ += o_.prefixes;
    if (o_.churn_rounds > 0) {
      plans_.push_back(ChurnPlan(o_.prefixes, o_.churn_fraction, o_.churn_rounds, o_.seed + i));
      churn_bytes_.emplace_back();
      auto m = EncodeChurn(c.ctx, r, plans_.back(), churn_bytes_.back());
      if (!m) {
        err = fmt::format("{}: churn: {}", c.name, m.error());
        return false;
      }
      churn_msgs_.push_back(*m);
      for (const auto& round : plans_.back()) churn_prefixes_ += round.size();
    }
    routes_.push_back(r);
  }
  mon_ = std::make_unique<MonitorTable>(static_cast<std::uint32_t>(base24), o_.prefixes,
                                        std::move(owner_as));
  return true;
}

bool Blaster::OnUpdate(Session& s, std::span<const std::uint8_t> body, Clock::time_point now) {
  if (!s.monitor) return true;  // the others' routes: only counted as bytes and messages
  auto r = bgpdemo::bgp::wire::DecodeUpdate(body, s.ctx, update_);
  if (!r) {
    s.Fail(fmt::format("bad UPDATE: {}", bgpdemo::bgp::wire::Describe(r.error())), now);
    return false;
  }
  mon_->Apply(update_);
  return true;
}

void Blaster::OnUpdateWritten(Session&, Clock::time_point before) {
  if (phase_ == Phase::kLoad && !started_) {
    started_ = true;
    first_update_ = before;
  } else if (phase_ == Phase::kChurn && !churn_started_) {
    churn_started_ = true;
    churn_first_ = before;
  }
}

// Before Established a failure is retried (the target may still be starting, or refuse a
// first connection); after it, the run is over.
void Blaster::OnFailure(Session& s, const std::string& why, bool was_up, Clock::time_point now) {
  if (was_up || started_) {
    OnFatal(fmt::format("{} (from {}, AS {}): {}", s.name, V4String(s.src), s.asn, why));
    return;
  }
  if (o_.progress) fmt::print(stderr, "blaster: {}: {}; retrying in 1 s\n", s.name, why);
  s.retry_at = now + std::chrono::seconds(1);
}

// The churn phase: the monitor now wants each prefix in the version of the last round
// that re-announced it, and every announcing session gets its churn UPDATEs.
void Blaster::StartChurn(Clock::time_point now) {
  for (std::size_t i = 0; i < plans_.size(); ++i) {
    for (std::size_t round = 0; round < plans_[i].size(); ++round) {
      for (const std::uint32_t k : plans_[i][round])
        mon_->Want(i, k, static_cast<unsigned>(round + 1));
    }
    conns_[i]->Load(std::move(churn_bytes_[i]), churn_msgs_[i]);
    conns_[i]->sending = true;
  }
  phase_ = Phase::kChurn;
  churn_start_ = now;
  fmt::print(
      "{}\n",
      json{{"event", "churn_start"}, {"since_converged_s", Seconds(now - converged_)}}.dump());
  std::fflush(stdout);
  if (o_.progress) {
    fmt::print(stderr, "blaster: churn: {} rounds, {} prefixes withdrawn and announced again\n",
               o_.churn_rounds, churn_prefixes_);
  }
}

std::string Blaster::DownSessions() const {
  std::string down;
  for (const auto& c : conns_) {
    if (c->state == State::kEstablished) continue;
    down += fmt::format("{}{} ({}{}{})", down.empty() ? "" : ", ", c->name, StateName(c->state),
                        c->last_error.empty() ? "" : ": ", c->last_error);
    if (down.size() > 600) {
      down += ", ...";
      break;
    }
  }
  return down;
}

int Blaster::Run() {
  std::string err;
  if (!Setup(err)) {
    fmt::print(stderr, "bgpdemo_blaster: {}\n", err);
    return 2;
  }
  start_ = Clock::now();
  for (auto& c : conns_) c->retry_at = start_;
  Clock::time_point last_progress = start_;
  while (error_.empty() && phase_ != Phase::kDone) {
    if (g_signal) {
      OnFatal(fmt::format("interrupted by signal {}", static_cast<int>(g_signal)));
      break;
    }
    auto now = Clock::now();
    // Deadlines.
    if (!established_ && now - start_ > Span(o_.establish_timeout)) {
      OnFatal(fmt::format("timeout: not every session was Established after {} s: {}",
                          o_.establish_timeout, DownSessions()));
      break;
    }
    if (phase_ == Phase::kLoad && started_ && now - first_update_ > Span(o_.timeout)) {
      OnFatal(
          fmt::format("timeout: the monitor holds {} of {} prefixes {} s after the first UPDATE",
                      mon_->held(), mon_->expected(), o_.timeout));
      break;
    }
    if (phase_ == Phase::kSettle && now - converged_ > Span(o_.timeout)) {
      OnFatal(
          fmt::format("timeout: the target was never quiet for {} s in the {} s after the "
                      "load converged",
                      o_.settle, o_.timeout));
      break;
    }
    if (phase_ == Phase::kChurn && churn_started_ && now - churn_first_ > Span(o_.timeout)) {
      OnFatal(
          fmt::format("timeout: {} s after the first churn UPDATE, {} of {} prefixes are not "
                      "as the churn left them",
                      o_.timeout, mon_->mismatched(), mon_->expected()));
      break;
    }
    // Connect, and start announcing once every session is up.
    std::size_t up = 0;
    for (auto& c : conns_) {
      // A connection the target accepted but never answered is tried again, as a BGP
      // speaker's ConnectRetry timer would (RFC 4271 §8.2.2).
      if (!established_ && c->state != State::kIdle && c->state != State::kEstablished &&
          now - c->connect_at > Span(o_.open_timeout)) {
        c->Fail(fmt::format("no OPEN and KEEPALIVE in {} s", o_.open_timeout), now);
      }
      if (c->state == State::kIdle && now >= c->retry_at && !established_) c->Connect(now);
      if (c->state == State::kEstablished) ++up;
    }
    if (!error_.empty()) break;
    if (!established_ && up == conns_.size()) {
      established_ = true;
      all_established_ = now;
      for (auto& c : conns_) c->sending = !c->monitor;
      if (o_.progress) {
        fmt::print(stderr, "blaster: all {} sessions established in {:.2f} s; announcing\n",
                   conns_.size(), Seconds(now - start_));
      }
    }
    if (established_ && !sent_flag_ && phase_ == Phase::kLoad) {
      bool all = true;
      Clock::time_point last{};
      for (const auto& c : conns_) {
        if (c->monitor) continue;
        if (!c->UpdatesDone()) all = false;
        last = std::max(last, c->send_done);
      }
      if (all) {
        sent_flag_ = true;
        all_sent_ = conns_.size() > 1 ? last : now;
      }
    }
    if (phase_ == Phase::kSettle) {
      Clock::time_point quiet_since = converged_;
      for (const auto& c : conns_) quiet_since = std::max(quiet_since, c->last_read);
      if (now - quiet_since >= Span(o_.settle)) StartChurn(now);
    }
    if (o_.progress && now - last_progress >= std::chrono::seconds(1)) {
      last_progress = now;
      std::uint64_t sent = 0, total = 0;
      for (const auto& c : conns_) {
        sent += c->UpdateBytesSent();
        total += c->UpdateBytes();
      }
      fmt::print(stderr, "blaster: {:.1f} s: sent {}/{} bytes; monitor holds {}/{}, {} differ\n",
                 Seconds(now - start_), sent, total, mon_->held(), mon_->expected(),
                 mon_->mismatched());
    }
    for (auto& c : conns_) c->MaybeKeepalive(now);
    if (!poller_.Once(conns_, 100, *this)) break;
    now = Clock::now();
    if (phase_ == Phase::kLoad && established_ && (started_ || mon_->expected() == 0) &&
        mon_->Converged()) {
      converged_flag_ = true;
      converged_ = now;
      if (!sent_flag_) {
        // The monitor can hold everything before the last End-of-RIB left; say so in the
        // report (before a churn sets send_done again).
        Clock::time_point last{};
        for (const auto& c : conns_) last = std::max(last, c->send_done);
        all_sent_ = last;
        sent_flag_ = last != Clock::time_point{};
      }
      phase_ = o_.churn_rounds > 0 && churn_prefixes_ > 0 ? Phase::kSettle : Phase::kDone;
    } else if (phase_ == Phase::kChurn && mon_->Converged()) {
      churn_converged_flag_ = true;
      churn_converged_ = now;
      phase_ = Phase::kDone;
    }
  }
  const auto now = Clock::now();
  const json report = Report(now);
  fmt::print("{}\n", report.dump(o_.compact ? -1 : 2));
  std::fflush(stdout);
  if (!error_.empty()) {
    Goodbye();
    fmt::print(stderr, "bgpdemo_blaster: {}\n", error_);
    return 1;
  }
  if (o_.progress) {
    fmt::print(stderr, "blaster: converged: {} prefixes in {:.3f} s after the first UPDATE\n",
               mon_->expected(), Seconds(converged_ - first_update_));
  }
  if (o_.linger > 0) Linger();
  Goodbye();
  return 0;
}

json Blaster::Report(Clock::time_point now) const {
  std::uint64_t ms = 0, bs = 0, mr = 0, br = 0, est = 0;
  for (const auto& c : conns_) {
    ms += c->msgs_sent;
    bs += c->bytes_sent;
    mr += c->msgs_recv;
    br += c->bytes_recv;
    est += c->state == State::kEstablished ? 1 : 0;
  }
  const bool done =
      converged_flag_ && (o_.churn_rounds == 0 || churn_prefixes_ == 0 || churn_converged_flag_);
  auto when = [](bool set, Clock::duration d) { return set ? json(Seconds(d)) : json(nullptr); };
  json j;
  j["ok"] = error_.empty() && done;
  if (!error_.empty()) j["error"] = error_;
  j["target"] = fmt::format("{}:{}", o_.target, o_.port);
  j["sessions"] = o_.sessions;
  j["prefixes_per_session"] = o_.prefixes;
  j["expected_prefixes"] = mon_->expected();
  j["prefixes_prepared"] = prefixes_encoded_;
  j["established_sessions"] = est;
  j["established_s"] = when(established_, all_established_ - start_);
  j["send_s"] = when(sent_flag_, all_sent_ - first_update_);
  j["convergence_s"] = when(converged_flag_, converged_ - first_update_);
  // From the blaster's start: connecting, every session Established, and the load converged.
  j["converged_since_start_s"] = when(converged_flag_, converged_ - start_);
  j["elapsed_since_first_update_s"] = when(started_, now - first_update_);
  const MonitorTable& m = *mon_;
  j["monitor"] = {{"prefixes_held", m.held()},
                  {"mismatched", m.mismatched()},
                  {"final_state_exact", done && m.Converged() && m.unexpected == 0},
                  {"nlri_received", m.nlri},
                  {"withdrawn_received", m.withdrawn},
                  {"duplicates", m.duplicates},
                  {"replaced", m.replaced},
                  {"unexpected", m.unexpected},
                  {"wrong_origin", m.wrong_origin},
                  {"treat_as_withdraw", m.treat_as_withdraw},
                  {"end_of_rib", m.eor},
                  {"updates_received", conns_.back()->updates_recv}};
  if (o_.churn_rounds > 0) {
    j["churn"] = {
        {"rounds", o_.churn_rounds},
        {"fraction", o_.churn_fraction},
        {"seed", o_.seed},
        {"prefixes", churn_prefixes_},
        {"settle_s", when(churn_start_ != Clock::time_point{}, churn_start_ - converged_)},
        {"convergence_s", when(churn_converged_flag_, churn_converged_ - churn_first_)},
        {"elapsed_s", when(churn_started_, now - churn_first_)}};
  }
  j["messages_sent"] = ms;
  j["bytes_sent"] = bs;
  j["messages_received"] = mr;
  j["bytes_received"] = br;
  json per = json::array();
  for (const auto& c : conns_) per.push_back(c->ToJson(start_));
  j["per_session"] = per;
  return j;
}

// Keeps every session up (reading, answering with KEEPALIVEs) after the report, so that a
// test can look at the target while it still holds the routes; ends on SIGTERM/SIGINT, when
// --linger runs out, or when a session goes down.
void Blaster::Linger() {
  const auto until = Clock::now() + Span(o_.linger);
  while (!g_signal && error_.empty() && Clock::now() < until) {
    const auto now = Clock::now();
    for (auto& c : conns_) c->MaybeKeepalive(now);
    if (!poller_.Once(conns_, 200, *this)) break;
  }
  if (!error_.empty()) fmt::print(stderr, "bgpdemo_blaster: while lingering: {}\n", error_);
}

// Says goodbye politely so that the target logs a Cease, not a dropped connection.
void Blaster::Goodbye() {
  for (auto& c : conns_) c->Goodbye();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "bgpdemo_blaster: N BGP sessions announce M unique IPv4 /24s each to a route server; a "
      "monitor session measures the time until it holds all N x M (and, with --churn-rounds, "
      "until it holds the table a churn left). Prints JSON on stdout; exit 0 converged, 1 "
      "timeout or session error, 2 bad options."};
  app.add_option("--target", o.target, "The route server's IPv4 address")->required();
  app.add_option("--port", o.port, "Its TCP port")->capture_default_str();
  app.add_option("--source-base", o.source_base,
                 "First source address; session i binds to base + i (with --sessions)");
  app.add_option("--sources", o.sources, "Source addresses, one per session (comma-separated)")
      ->delimiter(',');
  app.add_option("--sessions,-n", o.sessions, "Announcing sessions (N)");
  app.add_option("--prefixes,-m", o.prefixes, "Unique /24s announced per session (M)")
      ->capture_default_str();
  app.add_option("--monitor-source", o.monitor_source,
                 "The monitor's source address (default: source-base + N)");
  app.add_option("--as-base", o.as_base, "AS of session 0")->capture_default_str();
  app.add_option("--as-step", o.as_step, "Session i has AS as-base + i * as-step (0: all the same)")
      ->capture_default_str();
  app.add_option("--monitor-as", o.monitor_as, "The monitor's AS")->capture_default_str();
  app.add_option("--target-as", o.target_as, "Check the target's AS in its OPEN (0: any)")
      ->capture_default_str();
  app.add_option("--prefix-base", o.prefix_base, "The first /24 announced")->capture_default_str();
  app.add_option("--attr-sets", o.attr_sets, "Attribute sets per session (MED and community vary)")
      ->capture_default_str();
  app.add_option("--hold-time", o.hold_time, "Hold time offered in OPEN (0 or >= 3)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--timeout", o.timeout, "Seconds from the first UPDATE (of a phase) to give up")
      ->capture_default_str();
  app.add_option("--establish-timeout", o.establish_timeout,
                 "Seconds for every session to reach Established")
      ->capture_default_str();
  app.add_option("--write-chunk", o.write_chunk, "Bytes per write(2) of UPDATEs")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{64} << 20))
      ->capture_default_str();
  app.add_option("--churn-rounds", o.churn_rounds,
                 "After converging, each session withdraws and announces again a random share "
                 "of its prefixes this many times (0: no churn)")
      ->capture_default_str();
  app.add_option("--churn-fraction", o.churn_fraction,
                 "The share of a session's prefixes per round")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the churn's random choice (session i: seed + i)")
      ->capture_default_str();
  app.add_option("--settle", o.settle,
                 "Seconds the target must have sent nothing before the churn starts")
      ->capture_default_str();
  app.add_option("--open-timeout", o.open_timeout,
                 "Seconds a connection may take to reach Established before it is tried again")
      ->capture_default_str();
  app.add_flag("--progress,-v", o.progress, "Progress lines on stderr");
  app.add_option("--linger", o.linger,
                 "After converging and printing the report, keep the sessions up this many "
                 "seconds (or until SIGTERM/SIGINT), e.g. for the target to be inspected")
      ->capture_default_str();
  app.add_flag("--compact", o.compact, "Print the report as one line of JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.hold_time == 1 || o.hold_time == 2) {
    fmt::print(stderr, "bgpdemo_blaster: --hold-time must be 0 or at least 3 (RFC 4271 §4.2)\n");
    return 2;
  }
  if (!ParseV4(o.target)) {
    fmt::print(stderr, "bgpdemo_blaster: --target: \"{}\" is not an IPv4 address\n", o.target);
    return 2;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  Blaster b(o);
  return b.Run();
}
