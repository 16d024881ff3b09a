// `bgpdemo fault`'s measurement (core/fault.h) on a fake demo whose node loses its link:
// the timeline in order, the outage of the LB IP routed through the node and none for the
// other, healthy after; and the refusals before anything is started. tests/e2e/fault_test.py
// measures every fault on a real lab demo.
#include "core/fault.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace bgpdemo::core {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// n1 and n2 advertise 10.21.0.1 (the kernel sends it via n2) and n2 alone 10.21.0.2. While
// n2's link is down, probes of both fail until the session goes down (hold_after) and the
// route via n2 is withdrawn; 10.21.0.1 then goes via n1 and answers.
class FaultyDemo final : public Demo {
 public:
  std::string provider() const override { return "fake"; }
  Result<Topology, Error> GetTopology() const override { return Fail(Error("unused")); }
  Observed Observe() const override {
    const bool down = SessionDown();
    Observed o;
    o.router_peers = json::array({{{"address", "172.18.0.2"}, {"state", "established"}},
                                  {{"address", "172.18.0.3"},
                                   {"state", down ? "active" : "established"},
                                   {"last_error", down ? "hold timer expired" : ""}}});
    o.router_routes = json::array();
    std::vector<KernelRoute> k{{"10.21.0.1/32", {down ? "172.18.0.2" : "172.18.0.3"}}};
    if (!down) k.push_back({"10.21.0.2/32", {"172.18.0.3"}});
    o.kernel = k;
    return o;
  }
  Result<HttpResult, Error> Probe(const std::string& from, const std::string& ip,
                                  std::uint16_t port) const override {
    CHECK(from == "router");
    CHECK(port == 80);
    ++probes;
    if (ip == "10.21.0.1" && (!LinkDown() || SessionDown())) return HttpResult{200, "ok", 0};
    if (ip == "10.21.0.2" && !LinkDown() && !SessionDown()) return HttpResult{200, "ok", 0};
    return Fail(Error("timed out"));
  }
  StatusReport Status() const override { return {}; }
  Result<void, Error> CanFault(const Fault&) const override { return {}; }
  Result<std::string, Error> StartFault(const Fault& f) const override {
    CHECK(f.node == "n2");
    const std::lock_guard lock(mu);
    down_at = Clock::now();
    return std::string("n2's link down");
  }
  Result<std::string, Error> EndFault(const Fault&) const override {
    const std::lock_guard lock(mu);
    up_at = Clock::now();
    return std::string("n2's link up");
  }

  bool LinkDown() const {
    const std::lock_guard lock(mu);
    return down_at && (!up_at || Clock::now() < *up_at);
  }
  // From hold_after into the fault until recover_after past its end.
  bool SessionDown() const {
    const std::lock_guard lock(mu);
    const auto now = Clock::now();
    return down_at && now >= *down_at + hold_after && (!up_at || now < *up_at + recover_after);
  }

  std::chrono::milliseconds hold_after{150};
  std::chrono::milliseconds recover_after{100};
  mutable std::mutex mu;
  mutable std::optional<Clock::time_point> down_at, up_at;
  mutable std::atomic<int> probes = 0;
};

Topology Two() {
  Topology t;
  t.router = "r";
  t.nodes = {{"n1", "a", "172.18.0.2", "10.241.0.0/24", true, ""},
             {"n2", "a", "172.18.0.3", "10.241.1.0/24", true, ""},
             {"cp", "a", "172.18.0.4", "10.241.2.0/24", false, ""}};
  t.load_balancers = {{"a", "web", "10.21.0.1", {"n1", "n2"}}, {"a", "web2", "10.21.0.2", {"n2"}}};
  return t;
}

FaultOptions Fast() {
  return {.duration = std::chrono::milliseconds(400),
          .probe_every = std::chrono::milliseconds(10),
          .look_every = std::chrono::milliseconds(10),
          .recover_within = std::chrono::seconds(10),
          .baseline = std::chrono::milliseconds(100)};
}

TEST_CASE("fault: a link down, measured: timeline, outages, healthy after") {
  FaultyDemo demo;
  auto r = MeasureFault(demo, Two(), {FaultKind::kLinkDown, "n2", 0}, Fast());
  REQUIRE(r);
  CHECK(r->recovered);
  CHECK(r->duration >= 0.39);
  std::vector<std::string> events;
  for (const auto& e : r->timeline) events.push_back(e.event);
  const auto at = [&](const std::string& what, std::size_t from = 0) {
    for (std::size_t i = from; i < events.size(); ++i) {
      if (events[i] == what) return i;
    }
    return events.size();
  };
  CAPTURE(r->ToReport().text);
  REQUIRE(at("fault started") == 0);
  CHECK(r->timeline[0].t == 0);
  CHECK(r->timeline[0].detail == "n2's link down");
  // In order: traffic lost, the session down (with the reason) and routes withdrawn, the
  // first LB IP back via n1; the end; the session up, routes back, the second IP back;
  // healthy last.
  CHECK(at("traffic lost") < at("session down"));
  CHECK(at("session down") < at("fault ended"));
  CHECK(at("routes withdrawn") < at("fault ended"));
  CHECK(at("traffic back") < at("fault ended"));
  CHECK(at("fault ended") < at("session up"));
  CHECK(at("session up") < events.size() - 1);
  CHECK(at("traffic back", at("fault ended")) < events.size() - 1);
  CHECK(events.back() == "healthy");
  const auto down = r->timeline[at("session down")];
  CHECK(down.detail == "established -> active (hold timer expired)");
  CHECK(down.t >= 0.15);

  REQUIRE(r->probes.size() == 2);
  const auto& via_both = r->probes[0];
  const auto& n2_only = r->probes[1];
  CHECK(via_both.ip == "10.21.0.1");
  // Lost from the fault until the route moved to n1 (about 0.15 s).
  CHECK(via_both.lost_at >= 0);
  CHECK(via_both.lost_at < 0.05);
  CHECK(via_both.outage() > 0.1);
  CHECK(via_both.outage() < 0.35);
  CHECK(via_both.failed > 0);
  // Lost from the fault until after its end (0.4 s) and the session's recovery.
  CHECK(n2_only.lost_at < 0.05);
  CHECK(n2_only.back_at > 0.45);
  CHECK(r->Outage() == n2_only.outage());
  CHECK(n2_only.failed > 0);
  CHECK(n2_only.sent > n2_only.failed);
  // Each IP once lost and once back, at its window's ends.
  CHECK(std::count(events.begin(), events.end(), "traffic lost") == 2);
  CHECK(std::count(events.begin(), events.end(), "traffic back") == 2);

  const auto report = r->ToReport();
  CHECK(report.json["fault"] == json{{"kind", "link-down"}, {"node", "n2"}, {"loss_percent", 0}});
  CHECK(report.json["recovered"] == true);
  CHECK(report.json["outage_seconds"] == r->Outage());
  CHECK(report.json["timeline"].size() == r->timeline.size());
  CHECK(report.text.starts_with("Fault link-down on n2 for 0.4 s (fake); probes of 2 LB IPs"));
  CHECK(report.text.find("Outage: 10.21.0.1 ") != std::string::npos);
  CHECK(report.text.find("Healthy again ") != std::string::npos);
}

TEST_CASE("fault: refused before anything starts") {
  FaultyDemo demo;
  auto none = MeasureFault(demo, Two(), {FaultKind::kLinkDown, "n9", 0}, Fast());
  REQUIRE(!none);
  CHECK(none.error().kind() == ErrorKind::kUsage);
  CHECK(none.error().message() == "no speaker node \"n9\" in this demo; the nodes: n1, n2");
  auto cp = MeasureFault(demo, Two(), {FaultKind::kLinkDown, "cp", 0}, Fast());
  REQUIRE(!cp);
  CHECK(cp.error().message().starts_with("no speaker node \"cp\""));

  // Unhealthy before: the session is down already.
  demo.down_at = Clock::now() - std::chrono::seconds(1);
  auto sick = MeasureFault(demo, Two(), {FaultKind::kSpeakerStop, "n2", 0}, Fast());
  REQUIRE(!sick);
  CHECK(sick.error().kind() == ErrorKind::kFailed);
  CHECK(sick.error().message().starts_with("the demo is not healthy before the fault (active,"));
  CHECK(demo.probes == 0);
}

TEST_CASE("fault: a provider without faults says so, before the fault starts nothing") {
  class Plain final : public Demo {
   public:
    std::string provider() const override { return "plain"; }
    Result<Topology, Error> GetTopology() const override { return Fail(Error("unused")); }
    Observed Observe() const override { return FaultyDemo().Observe(); }
    Result<HttpResult, Error> Probe(const std::string&, const std::string&,
                                    std::uint16_t) const override {
      return HttpResult{200, "", 0};
    }
    StatusReport Status() const override { return {}; }
  } plain;
  auto r = MeasureFault(plain, Two(), {FaultKind::kRouterRestart, "", 0}, Fast());
  REQUIRE(!r);
  CHECK(r.error().kind() == ErrorKind::kUsage);
  CHECK(r.error().message() == "the plain provider cannot inject faults (router-restart)");
}

}  // namespace
}  // namespace bgpdemo::core
