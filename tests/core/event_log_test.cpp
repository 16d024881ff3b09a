// The demo's event log (core/event_log.h), `events --since` parsing and the router's journal
// as events (core/events.h), and a fault's events (core/fault.h).
#include "core/event_log.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/fault.h"
#include "tests/test_util.h"

namespace bgpdemo::core {
namespace {

using Clock = std::chrono::system_clock;
using namespace std::chrono_literals;
using test::TempDir;

TEST_CASE("timestamps: written with milliseconds in UTC, read back with offsets and fractions") {
  const auto t = Clock::from_time_t(1796380867) + 123ms;  // 2026-12-04T10:41:07.123Z
  CHECK(Timestamp(t) == "2026-12-04T10:41:07.123Z");
  CHECK(ParseTimestamp("2026-12-04T10:41:07.123Z") == t);
  CHECK(ParseTimestamp("2026-12-04T11:41:07.123+01:00") == t);
  CHECK(ParseTimestamp("2026-12-04T10:41:07Z") == t - 123ms);
  for (const char* bad : {"", "2026-12-04", "2026-12-04T10:41:07", "2026-13-04T10:41:07Z",
                          "2026-12-04T10:41:07.Z", "2026-12-04T10:41:07Zjunk", "yesterday"}) {
    CHECK_MESSAGE(!ParseTimestamp(bad), bad);
  }
}

TEST_CASE("events --since: a duration before now, or a time") {
  const auto now = Clock::from_time_t(1796380867);
  CHECK(ParseSince("90s", now) == now - 90s);
  CHECK(ParseSince("90", now) == now - 90s);
  CHECK(ParseSince("10m", now) == now - 10min);
  CHECK(ParseSince("1.5h", now) == now - 90min);
  CHECK(ParseSince("1d", now) == now - 24h);
  CHECK(ParseSince("2026-12-04T10:00:00Z", now) == Clock::from_time_t(1796378400));
  for (const char* bad : {"", "m", "-5m", "5 m", "5w", "soon"})
    CHECK_MESSAGE(!ParseSince(bad, now), bad);
}

TEST_CASE("event log: appended by several writers, read since a time, followed, rotated") {
  TempDir dir;
  const Clock::time_point t0 = std::chrono::floor<std::chrono::milliseconds>(Clock::now()) - 10s;
  CHECK(AppendEventLog(dir.path, {t0, {"verify", "verify", "", "passed", "34 passed, 0 failed"}}));
  EventLogFollower follow(dir.path);  // from here on
  CHECK(follow.Read().empty());
  CHECK(AppendEventLog(dir.path, {t0 + 5s, {"action", "cilium-worker", "", "speaker stop", ""}}));
  {
    // A torn line of a killed writer is skipped, the next whole one read.
    std::ofstream(dir.path + "/events.jsonl", std::ios::app) << "{\"time\":\"2026-\n";
  }
  CHECK(AppendEventLog(dir.path, {t0 + 6s, {"action", "cilium-worker", "", "speaker start", ""}}));
  const auto followed = follow.Read();
  REQUIRE(followed.size() == 2);
  CHECK(followed[0].event.to == "speaker stop");
  CHECK(followed[1].event.Text() == "action cilium-worker: speaker start");
  CHECK(follow.Read().empty());

  const auto since = ReadEventLog(dir.path, t0 + 1s);
  REQUIRE(since.size() == 2);
  CHECK(since[0].time == t0 + 5s);
  CHECK(ReadEventLog(dir.path, t0 - 1s).front().event.Text() ==
        "verify verify: passed (34 passed, 0 failed)");

  // Past 1 MiB the log moves to events.jsonl.1: both are read, and the follower starts the
  // new file from its beginning.
  {
    std::ofstream big(dir.path + "/events.jsonl", std::ios::app);
    big << std::string((1 << 20) + 10, ' ') << "\n";
  }
  CHECK(AppendEventLog(dir.path, {t0 + 7s, {"verify", "verify", "", "failed", "1 failed"}}));
  CHECK(std::filesystem::exists(dir.path + "/events.jsonl.1"));
  CHECK(ReadEventLog(dir.path, t0 - 1s).size() == 4);
  const auto after = follow.Read();
  REQUIRE(after.size() == 1);
  CHECK(after[0].event.to == "failed");
}

TEST_CASE("the router's journal as events: sessions by node, routes by peer, batches counted") {
  Topology t;
  t.nodes.push_back({"cilium-worker", "cilium", "172.18.0.3", "10.241.1.0/24"});
  const auto at = [](int s) { return Timestamp(Clock::from_time_t(1796380800 + s)); };
  const nlohmann::json journal = {
      {"entries",
       {{{"seq", 1}, {"time", at(0)}, {"kind", "session_up"}, {"peer", "172.18.0.3"}},
        {{"seq", 2},
         {"time", at(10)},
         {"kind", "route"},
         {"prefix", "10.21.0.1/32"},
         {"peer", "172.18.0.3"},
         {"paths", 3}},
        {{"seq", 3},
         {"time", at(20)},
         {"kind", "session_down"},
         {"peer", "172.18.0.3"},
         {"detail", "received Cease"}},
        {{"seq", 4}, {"time", at(20)}, {"kind", "withdrawn"}, {"prefix", "10.21.0.1/32"}},
        {{"seq", 5}, {"time", at(30)}, {"kind", "routes"}, {"count", 5000}, {"peer", "172.18.0.9"}},
        {{"seq", 6}, {"time", at(31)}, {"kind", "something_new"}}}},
      {"dropped", 0}};
  const auto events = JournalEvents(t, journal, Clock::from_time_t(1796380805));
  std::vector<std::string> text;
  for (const auto& e : events) text.push_back(Timestamp(e.time) + " " + e.event.Text());
  CHECK(text ==
        std::vector<std::string>{
            "2026-12-04T10:40:10.000Z route 10.21.0.1/32: learned via 172.18.0.3 (best of 3 ECMP "
            "paths)",
            "2026-12-04T10:40:20.000Z session cilium-worker: established -> down "
            "(received Cease)",
            "2026-12-04T10:40:20.000Z route 10.21.0.1/32: withdrawn",
            "2026-12-04T10:40:30.000Z route 5000 prefixes: learned via 172.18.0.9 (at "
            "once)"});
}

TEST_CASE("a fault's events: started, ended and healthy again at the timeline's times") {
  FaultReport r;
  r.fault = {FaultKind::kNodeStop, "cilium-worker", 0};
  r.started = Clock::from_time_t(1796380800);
  r.timeline = {{0, "fault started", "cilium-worker stopped"},
                {0.5, "session down", "x"},
                {3, "fault ended", "cilium-worker started again"},
                {4.25, "healthy", ""}};
  r.recovered = true;
  r.recovered_at = 4.25;
  r.probes = {{"10.21.0.1", 20, 2, 0.5, 1.5}};
  std::vector<std::string> text;
  for (const auto& e : r.Events()) text.push_back(Timestamp(e.time) + " " + e.event.Text());
  CHECK(text == std::vector<std::string>{
                    "2026-12-04T10:40:00.000Z action cilium-worker: fault node-stop started "
                    "(cilium-worker stopped)",
                    "2026-12-04T10:40:03.000Z action cilium-worker: fault node-stop ended "
                    "(cilium-worker started again)",
                    "2026-12-04T10:40:04.250Z action cilium-worker: fault node-stop healthy "
                    "again (outage 1.00 s)"});
}

}  // namespace
}  // namespace bgpdemo::core
