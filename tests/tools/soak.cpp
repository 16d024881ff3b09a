// bgpdemo_soak: a churn soak for a BGP route server (issue #16).
//
// N announcing sessions from their own source addresses (one AS: a route server's range)
// and a monitor, as the blaster has them (blaster_session.h, blaster_table.h). Once the
// monitor holds all N x M prefixes, the soak flaps random sessions at random moments, F
// times in all and at most C at once, each one of four ways:
//   reset         the connection closed with a TCP RST (SO_LINGER 0)
//   notification  a Cease NOTIFICATION (administrative shutdown), then a FIN
//   hold-expiry   the session goes silent (no KEEPALIVE, nothing read) until the target's
//                 hold timer has run out, then reads the target's NOTIFICATION
//   half-open     the socket dropped without a word (as a rebooted peer leaves it) and a
//                 new connection made at once from the same address, while the target
//                 still holds the old session
// A flapped session connects again after a random pause (0 to 200 ms; every 500 ms while
// refused), announces its table again, and its flap is over once it is Established. One
// flap in eight that ends starts the next one on the same session at once, before a byte
// of its table went out (the report's "before_table"). The
// soak ends when F flaps are over, the monitor holds exactly the table of the first load
// (a clean run's) and the target has sent nothing for --settle s. A session that goes
// down unasked, or a monitor that sees a wrong route, fails the run.
//
// On stdout, one JSON object a line: {"event":"load_converged"} once the first load
// converged (the soak then waits --plateau s before the first flap: a caller samples the
// target's memory meanwhile), {"event":"flaps_start"}, and the report. With --linger it
// keeps the sessions up after the report (until SIGTERM) while the caller inspects the
// target. Exit status: 0 pass, 1 failed, 2 bad options. One thread, poll(2).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
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

constexpr std::uint32_t kNextHopBase = 0x64400000;  // 100.64.0.0

enum class Kind { kReset, kNotification, kHoldExpiry, kHalfOpen };
constexpr std::array<const char*, 4> kKindNames = {"reset", "notification", "hold-expiry",
                                                   "half-open"};

struct Options {
  std::string target;
  std::uint16_t port = 179;
  std::string source_base;
  std::size_t sessions = 100;
  std::size_t prefixes = 100;
  std::string monitor_source;
  std::uint32_t as = 65100;
  std::uint32_t monitor_as = 64999;
  std::string prefix_base = "16.0.0.0";
  unsigned hold_time = 6;
  unsigned flaps = 1000;
  unsigned concurrency = 10;
  std::uint64_t seed = 1;
  double plateau = 3;
  double settle = 2;
  double timeout = 600;
  double linger = 0;
};

// What a flapping session is going through.
struct Flap {
  bool active = false;
  Kind kind = Kind::kReset;
  Clock::time_point started{};
  Clock::time_point unmute_at{};  // hold-expiry
  int abandoned_fd = -1;          // half-open: closed once the session is back
};

class Soak : public SessionOwner {
 public:
  explicit Soak(const Options& o) : o_(o), rng_(o.seed) {}
  int Run();

  bool OnUpdate(Session& s, std::span<const std::uint8_t> body, Clock::time_point now) override;
  void OnUpdateWritten(Session&, Clock::time_point) override {}
  void OnFailure(Session& s, const std::string& why, bool was_up, Clock::time_point now) override;
  void OnFatal(const std::string& why) override {
    if (error_.empty()) error_ = why;
  }

 private:
  bool Setup(std::string& err);
  void StartFlap(std::size_t i, Clock::time_point now);
  void Tend(Clock::time_point now);  // connects, unmutes, and ends flaps that are over
  std::size_t Index(const Session& s) const;
  json Report() const;

  Options o_;
  std::mt19937_64 rng_;
  Target target_;
  std::vector<std::unique_ptr<Session>> conns_;  // announcing sessions, then the monitor
  std::vector<std::vector<std::uint8_t>> tables_;
  std::vector<std::uint64_t> table_msgs_;
  std::vector<Flap> flaps_;
  std::unique_ptr<MonitorTable> mon_;
  bgpdemo::bgp::wire::Update update_;
  std::string error_;
  Poller poller_;
  // Figures.
  Clock::time_point start_{}, load_converged_{}, flaps_start_{}, last_flap_over_{}, end_{};
  Clock::time_point last_update_{};  // the last UPDATE any session received
  unsigned started_ = 0, over_ = 0, active_ = 0, max_active_ = 0;
  unsigned before_table_ = 0;  // flaps started before the session's table went out
  std::array<unsigned, 4> by_kind_{};
  std::array<std::vector<double>, 4> durations_;  // flap to Established, by kind
  std::map<std::string, unsigned> reasons_;  // why flapped sessions went down, and refusals
  std::uint64_t reconnects_ = 0;
};

std::size_t Soak::Index(const Session& s) const {
  for (std::size_t i = 0; i < conns_.size(); ++i) {
    if (conns_[i].get() == &s) return i;
  }
  return conns_.size();
}

bool Soak::Setup(std::string& err) {
  std::vector<std::uint32_t> srcs;
  std::uint32_t mon_src = 0;
  if (!SourceAddresses({}, o_.source_base, o_.monitor_source, o_.sessions, srcs, mon_src, err)) {
    return false;
  }
  auto pb = ParseV4(o_.prefix_base);
  auto target = ParseV4(o_.target);
  if (!pb || !target) {
    err = "--prefix-base and --target must be IPv4 addresses";
    return false;
  }
  target_.address = *target;
  target_.port = o_.port;
  target_.hold_time = o_.hold_time;
  const std::uint32_t base24 = *pb >> 8;
  std::vector<std::uint32_t> owner_as(o_.sessions, o_.as);
  for (std::size_t i = 0; i <= o_.sessions; ++i) {
    const bool monitor = i == o_.sessions;
    conns_.push_back(std::make_unique<Session>(
        *this, target_, monitor ? "monitor" : fmt::format("peer{}", i), monitor ? mon_src : srcs[i],
        monitor ? o_.monitor_as : o_.as, monitor, monitor ? 256 * 1024 : 64 * 1024));
    if (monitor) break;
    // Next hops in 100.64.0.0/10, not the source: a loopback source (127/8) is no next hop
    // a receiver may accept (RFC 4271 §6.3), and the route server passes next hops on.
    const SessionRoutes r{o_.as, kNextHopBase + static_cast<std::uint32_t>(i) + 1,
                          static_cast<std::uint32_t>(base24 + i * o_.prefixes), o_.prefixes, 2};
    tables_.emplace_back();
    auto n = EncodeTable(conns_.back()->ctx, r, tables_.back());
    if (!n) {
      err = n.error();
      return false;
    }
    table_msgs_.push_back(*n);
    conns_.back()->Load(tables_.back(), *n);
  }
  flaps_.resize(o_.sessions);
  mon_ = std::make_unique<MonitorTable>(base24, o_.prefixes, std::move(owner_as));
  return true;
}

bool Soak::OnUpdate(Session& s, std::span<const std::uint8_t> body, Clock::time_point now) {
  last_update_ = now;
  if (!s.monitor) return true;
  auto r = bgpdemo::bgp::wire::DecodeUpdate(body, s.ctx, update_);
  if (!r) {
    s.Fail(fmt::format("bad UPDATE: {}", bgpdemo::bgp::wire::Describe(r.error())), now);
    return false;
  }
  mon_->Apply(update_);
  if (mon_->wrong_origin > 0 || mon_->unexpected > 0) {
    OnFatal(
        fmt::format("the monitor got a route it should not have: {} wrong origin, {} "
                    "outside the table",
                    mon_->wrong_origin, mon_->unexpected));
  }
  return true;
}

// Digits out, so that reasons group ("connect to 127.0.0.1:1790: ..." stays one).
std::string Reason(std::string why) {
  why.erase(std::remove_if(why.begin(), why.end(), [](char c) { return c >= '0' && c <= '9'; }),
            why.end());
  return why.substr(0, 120);
}

void Soak::OnFailure(Session& s, const std::string& why, bool was_up, Clock::time_point now) {
  const std::size_t i = Index(s);
  const bool flapping = i < flaps_.size() && flaps_[i].active;
  if (load_converged_ == Clock::time_point{} && !was_up) {
    s.retry_at = now + std::chrono::milliseconds(500);  // the target may still be starting
    return;
  }
  if (!flapping) {
    OnFatal(fmt::format("{} (from {}) went down unasked: {}", s.name, V4String(s.src), why));
    return;
  }
  ++reasons_[Reason(why)];
  s.retry_at = now + std::chrono::milliseconds(was_up ? rng_() % 200 : 500);
}

void Soak::StartFlap(std::size_t i, Clock::time_point now) {
  Session& s = *conns_[i];
  Flap& f = flaps_[i];
  f = Flap{true, static_cast<Kind>(rng_() % 4), now};
  ++started_;
  ++active_;
  max_active_ = std::max(max_active_, active_);
  ++by_kind_[static_cast<std::size_t>(f.kind)];
  const auto pause = std::chrono::milliseconds(rng_() % 200);
  switch (f.kind) {
    case Kind::kReset:
      s.Reset();
      s.retry_at = now + pause;
      break;
    case Kind::kNotification:
      s.Goodbye();
      s.retry_at = now + pause;
      break;
    case Kind::kHoldExpiry:
      s.muted = true;
      f.unmute_at = now + std::chrono::seconds(o_.hold_time + 1);
      break;
    case Kind::kHalfOpen:
      f.abandoned_fd = s.Abandon();
      s.retry_at = now;
      break;
  }
}

void Soak::Tend(Clock::time_point now) {
  for (std::size_t i = 0; i < conns_.size(); ++i) {
    Session& s = *conns_[i];
    Flap* f = i < flaps_.size() ? &flaps_[i] : nullptr;
    if (f && f->active && s.muted && now >= f->unmute_at) s.muted = false;
    // A connection the target took but never answered is tried again.
    if (s.state != State::kIdle && s.state != State::kEstablished &&
        now - s.connect_at > std::chrono::seconds(10)) {
      s.Fail("no OPEN and KEEPALIVE in 10 s", now);
    }
    if (s.state == State::kIdle && now >= s.retry_at && error_.empty()) {
      if (f && f->active) ++reconnects_;
      s.Connect(now);
    }
    if (f && f->active && s.state == State::kEstablished && !s.muted &&
        s.established_at > f->started) {
      const double took = Seconds(now - f->started);
      durations_[static_cast<std::size_t>(f->kind)].push_back(took);
      if (f->abandoned_fd >= 0) ::close(f->abandoned_fd);
      *f = Flap{};
      ++over_;
      --active_;
      last_flap_over_ = now;
      s.Load(tables_[i], table_msgs_[i]);  // the target dropped its routes with the session
      s.sending = true;
      if (started_ < o_.flaps && rng_() % 8 == 0) {
        ++before_table_;
        StartFlap(i, now);
      }
    }
  }
}

int Soak::Run() {
  std::string err;
  if (!Setup(err)) {
    fmt::print(stderr, "bgpdemo_soak: {}\n", err);
    return 2;
  }
  start_ = Clock::now();
  for (auto& c : conns_) c->retry_at = start_;
  Clock::time_point next_flap{};
  bool announcing = false;
  while (error_.empty()) {
    if (g_signal) {
      OnFatal(fmt::format("interrupted by signal {}", static_cast<int>(g_signal)));
      break;
    }
    auto now = Clock::now();
    if (now - start_ > Span(o_.timeout)) {
      OnFatal(
          fmt::format("timeout after {} s: {} of {} flaps over, {} active, the monitor has "
                      "{} of {} prefixes as expected",
                      o_.timeout, over_, o_.flaps, active_, mon_->expected() - mon_->mismatched(),
                      mon_->expected()));
      break;
    }
    Tend(now);
    if (!announcing && std::all_of(conns_.begin(), conns_.end(),
                                   [](const auto& c) { return c->state == State::kEstablished; })) {
      announcing = true;
      for (auto& c : conns_) c->sending = !c->monitor;
    }
    const bool converged = announcing && mon_->Converged();
    if (converged && load_converged_ == Clock::time_point{}) {
      load_converged_ = now;
      next_flap = now + Span(o_.plateau);
      fmt::print("{}\n", json{{"event", "load_converged"},
                              {"seconds", Seconds(now - start_)},
                              {"prefixes", mon_->expected()},
                              {"plateau_s", o_.plateau}}
                             .dump());
      std::fflush(stdout);
    }
    if (load_converged_ != Clock::time_point{} && started_ < o_.flaps && now >= next_flap) {
      if (started_ == 0) {
        flaps_start_ = now;
        fmt::print("{}\n", json{{"event", "flaps_start"}}.dump());
        std::fflush(stdout);
      }
      // A random session that is up and not flapping; the next flap at a random moment.
      std::vector<std::size_t> idle;
      for (std::size_t i = 0; i < flaps_.size(); ++i) {
        if (!flaps_[i].active && conns_[i]->state == State::kEstablished) idle.push_back(i);
      }
      if (active_ < o_.concurrency && !idle.empty()) {
        StartFlap(idle[rng_() % idle.size()], now);
      }
      next_flap = now + std::chrono::milliseconds(rng_() % 40);
    }
    // Over when the target has sent no UPDATE for a while (KEEPALIVEs go on).
    if (started_ == o_.flaps && active_ == 0 && converged &&
        now - std::max(last_update_, last_flap_over_) >= Span(o_.settle)) {
      break;
    }
    for (auto& c : conns_) c->MaybeKeepalive(now);
    if (!poller_.Once(conns_, 20, *this)) break;
  }
  end_ = Clock::now();
  fmt::print("{}\n", Report().dump());
  std::fflush(stdout);
  if (!error_.empty()) {
    fmt::print(stderr, "bgpdemo_soak: {}\n", error_);
    for (auto& c : conns_) c->Goodbye();
    return 1;
  }
  const auto until = Clock::now() + Span(o_.linger);
  while (!g_signal && error_.empty() && Clock::now() < until) {
    const auto now = Clock::now();
    for (auto& c : conns_) c->MaybeKeepalive(now);
    if (!poller_.Once(conns_, 200, *this)) break;
  }
  for (auto& c : conns_) c->Goodbye();
  return error_.empty() ? 0 : 1;
}

json Soak::Report() const {
  json j;
  j["ok"] = error_.empty();
  if (!error_.empty()) j["error"] = error_;
  j["sessions"] = o_.sessions;
  j["prefixes"] = mon_->expected();
  j["flaps"] = {{"asked", o_.flaps},
                {"started", started_},
                {"over", over_},
                {"max_at_once", max_active_},
                {"before_table", before_table_},
                {"reconnect_attempts", reconnects_}};
  // Flap to Established: p50, p99 and the longest, of one kind and of all. The kinds differ
  // by their nature (a hold-timer expiry or a half-open connection waits out the hold time),
  // so the figures of all mix two groups.
  const auto quantiles = [](std::vector<double> d) {
    std::sort(d.begin(), d.end());
    const auto at = [&](double q) {
      return d.empty() ? 0.0 : d[static_cast<std::size_t>(q * static_cast<double>(d.size() - 1))];
    };
    return json{{"p50", at(0.5)}, {"p99", at(0.99)}, {"max", at(1.0)}};
  };
  json kinds = json::object();
  std::vector<double> all;
  for (std::size_t k = 0; k < kKindNames.size(); ++k) {
    kinds[kKindNames[k]] = {{"count", by_kind_[k]}, {"to_established_s", quantiles(durations_[k])}};
    all.insert(all.end(), durations_[k].begin(), durations_[k].end());
  }
  j["by_kind"] = kinds;
  j["flap_to_established_s"] = quantiles(std::move(all));
  j["reasons"] = reasons_;
  const MonitorTable& m = *mon_;
  j["monitor"] = {{"held", m.held()},
                  {"mismatched", m.mismatched()},
                  {"exact", m.Converged() && m.unexpected == 0},
                  {"withdrawn", m.withdrawn},
                  {"nlri", m.nlri},
                  {"wrong_origin", m.wrong_origin},
                  {"unexpected", m.unexpected}};
  const auto since = [](Clock::time_point a, Clock::time_point b) {
    return a == Clock::time_point{} || b == Clock::time_point{} ? json(nullptr)
                                                                : json(Seconds(b - a));
  };
  j["load_converged_s"] = since(start_, load_converged_);
  j["soak_s"] = since(flaps_start_, end_);
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "bgpdemo_soak: N BGP sessions load a route server, then F random flaps (TCP reset, "
      "NOTIFICATION, hold-timer expiry, half-open), at most C at once; passes when every "
      "session is back and a monitor session holds exactly the first load's table. JSON "
      "lines on stdout; exit 0 pass, 1 failed, 2 bad options."};
  app.add_option("--target", o.target, "The route server's IPv4 address")->required();
  app.add_option("--port", o.port, "Its TCP port")->capture_default_str();
  app.add_option("--source-base", o.source_base, "Session i binds to base + i")->required();
  app.add_option("--sessions,-n", o.sessions, "Announcing sessions (N)")->capture_default_str();
  app.add_option("--prefixes,-m", o.prefixes, "Unique /24s per session (M)")->capture_default_str();
  app.add_option("--monitor-source", o.monitor_source, "The monitor's source (default: base + N)");
  app.add_option("--as", o.as, "The sessions' AS")->capture_default_str();
  app.add_option("--monitor-as", o.monitor_as, "The monitor's AS")->capture_default_str();
  app.add_option("--prefix-base", o.prefix_base, "The first /24")->capture_default_str();
  app.add_option("--hold-time", o.hold_time, "Hold time offered in OPEN (>= 3)")
      ->check(CLI::Range(3, 600))
      ->capture_default_str();
  app.add_option("--flaps,-f", o.flaps, "Flaps in all (F)")->capture_default_str();
  app.add_option("--concurrency,-c", o.concurrency, "Flaps at once, at most (C)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of every random choice")->capture_default_str();
  app.add_option("--plateau", o.plateau, "Seconds between the load converging and the first flap")
      ->capture_default_str();
  app.add_option("--settle", o.settle, "Seconds of quiet that end the soak")->capture_default_str();
  app.add_option("--timeout", o.timeout, "Seconds for the whole run")->capture_default_str();
  app.add_option("--linger", o.linger, "Seconds (or until SIGTERM) to stay up after the report")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  Soak soak(o);
  return soak.Run();
}
