// The ui's loop (core/ui/live.h) on a fake demo: what it publishes after each look, when the
// graph is drawn again, the events it logs, and actions run between looks.
#include "core/ui/live.h"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>

#include "core/event_log.h"
#include "core/fake_runner.h"
#include "tests/test_util.h"

namespace bgpdemo::core::ui {
namespace {

using nlohmann::json;

// Two nodes; n2's session goes down and up as the test says.
class FakeDemo final : public Demo {
 public:
  std::string provider() const override { return "fake"; }
  Result<Topology, Error> GetTopology() const override { return Fail(Error("unused")); }
  Observed Observe() const override {
    ++looks;
    Observed o;
    json peers = json::array(
        {{{"address", "172.18.0.2"},
          {"state", "established"},
          {"families", {{{"family", "ipv4-unicast"}, {"received", 2}, {"advertised", 3}}}}}});
    peers.push_back({{"address", "172.18.0.3"},
                     {"state", n2_up ? "established" : "active"},
                     {"last_error", n2_up ? "" : "Cease/Administrative Shutdown"}});
    o.router_peers = peers;
    json routes =
        json::array({{{"prefix", "10.241.0.0/24"}, {"paths", {{{"peer", "172.18.0.2"}}}}}});
    if (n2_up) {
      routes.push_back({{"prefix", "10.241.1.0/24"}, {"paths", {{{"peer", "172.18.0.3"}}}}});
    }
    o.router_routes = routes;
    o.kernel = std::vector<KernelRoute>{{"10.21.0.1/32", {"172.18.0.2"}}};
    return o;
  }
  Result<HttpResult, Error> Probe(const std::string&, const std::string&,
                                  std::uint16_t) const override {
    return Fail(Error("unused"));
  }
  StatusReport Status() const override { return {}; }
  Result<Report, Error> Speaker(const std::string& node, SpeakerAction action) const override {
    if (node != "n2") return Fail(Error::Usage("no node " + node));
    n2_up = action == SpeakerAction::kStart;
    return Report{{}, "speaker " + std::string(ToString(action)) + " n2: done\n"};
  }

  mutable bool n2_up = true;
  mutable int looks = 0;
};

Topology Two() {
  Topology t;
  t.router = "r";
  t.nodes = {{"n1", "a", "172.18.0.2", "10.241.0.0/24", true, ""},
             {"n2", "a", "172.18.0.3", "10.241.1.0/24", true, ""}};
  t.load_balancers = {{"a", "web", "10.21.0.1", {"n1", "n2"}},
                      {"a", "web2", "10.21.0.2", {"n1", "n2"}}};
  return t;
}

struct Published {
  json state;
  std::optional<std::string> svg;
};

TEST_CASE("ui live: a state after the first look, again only when something changed") {
  FakeDemo demo;
  FakeRunner dot;
  dot.Expect({"dot", "-Tsvg"})
      .Does([](const FakeCall& c, FakeFacts&) {
        return FakeReply::Ok("<svg>" + std::to_string(c.stdin_text.size()) + "</svg>");
      })
      .Always();
  std::vector<Published> out;
  Live live(demo, Two(), dot, {.allow_actions = true},
            [&out](std::string state, std::optional<std::string> svg) {
              out.push_back({json::parse(state), std::move(svg)});
            });
  live.Round();
  REQUIRE(out.size() == 1);
  const auto& first = out[0].state;
  CHECK(first["provider"] == "fake");
  CHECK(first["router"] == "r");
  CHECK(first["actions_allowed"] == true);
  CHECK(first["graph_version"] == 1);
  CHECK(first["error"] == "");
  CHECK(first["counts"] == json{{"sessions", 2},
                                {"established", 2},
                                {"routes", 2},
                                {"kernel_routes", 1},
                                {"lb_total", 2},
                                {"lb_routed", 1}});
  CHECK(first["sessions"][0] == json{{"node", "n1"},
                                     {"cluster", "a"},
                                     {"state", "established"},
                                     {"reason", ""},
                                     {"received", 2},
                                     {"advertised", 3}});
  CHECK(first["events"].empty());  // the first look has nothing to compare with
  REQUIRE(out[0].svg);

  live.Round();  // nothing changed: nothing published
  CHECK(out.size() == 1);

  demo.n2_up = false;
  live.Round();
  REQUIRE(out.size() == 2);
  const auto& down = out[1].state;
  CHECK(down["graph_version"] == 2);  // the session's edge changed colour
  REQUIRE(out[1].svg);
  CHECK(down["counts"]["established"] == 1);
  CHECK(down["sessions"][1]["state"] == "active");
  CHECK(down["sessions"][1]["reason"] == "Cease/Administrative Shutdown");
  REQUIRE(down["events"].size() == 2);
  CHECK(down["events"][0]["text"] ==
        "session n2: established -> active (Cease/Administrative Shutdown)");
  CHECK(down["events"][0]["time"] == down["time"]);
  CHECK(down["events"][1]["text"] == "route 10.241.1.0/24: withdrawn (was via 172.18.0.3)");
}

TEST_CASE("ui live: actions run before the next look and are logged, failures too") {
  FakeDemo demo;
  FakeRunner dot;
  dot.Expect({"dot", "-Tsvg"}).Prints("<svg/>").Always();
  std::vector<json> out;
  const test::TempDir state;
  // The log keeps milliseconds.
  const auto before =
      std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  Live live(
      demo, Two(), dot, {.allow_actions = true, .event_log_dir = state.path},
      [&out](std::string state, std::optional<std::string>) { out.push_back(json::parse(state)); });
  live.Round();
  std::vector<std::pair<unsigned, std::string>> answers;
  auto done = [&answers](unsigned status, std::string body) {
    answers.emplace_back(status, std::move(body));
  };
  live.Enqueue("n2", SpeakerAction::kStop, done);
  live.Enqueue("n9", SpeakerAction::kStop, done);
  CHECK(answers.empty());  // queued, not run
  live.Round();
  REQUIRE(answers.size() == 2);
  CHECK(answers[0] == std::pair<unsigned, std::string>{200, "speaker stop n2: done\n"});
  CHECK(answers[1] == std::pair<unsigned, std::string>{400, "no node n9\n"});
  const auto& events = out.back()["events"];
  REQUIRE(events.size() >= 3);
  CHECK(events[0]["text"] == "action n2: speaker stop");
  CHECK(events[1]["text"] == "action n9: speaker stop (no node n9)");
  CHECK(events[2]["text"] == "session n2: established -> active (Cease/Administrative Shutdown)");
  // In the demo's event log too, for `bgpdemo events` in another process: the actions only,
  // stamped when they were asked for.
  const auto logged = ReadEventLog(state.path, before);
  REQUIRE(logged.size() == 2);
  CHECK(logged[0].event == DemoEvent{"action", "n2", "", "speaker stop", ""});
  CHECK(logged[1].event == DemoEvent{"action", "n9", "", "speaker stop", "no node n9"});
  CHECK(logged[0].time >= before);
  CHECK(logged[0].time <= logged[1].time);
}

TEST_CASE("ui live: a fault from the page: the provider's refusal is the answer, nothing started") {
  FakeDemo demo;
  FakeRunner dot;
  dot.Expect({"dot", "-Tsvg"}).Prints("<svg/>").Always();
  std::vector<json> out;
  Live live(
      demo, Two(), dot, {.allow_actions = true, .heartbeat = std::chrono::seconds(0)},
      [&out](std::string state, std::optional<std::string>) { out.push_back(json::parse(state)); });
  std::vector<unsigned> answers;
  auto done = [&answers](unsigned status, std::string) { answers.push_back(status); };
  live.Round();
  CHECK(out.back()["faults"] == json::array());
  live.Enqueue(Fault{FaultKind::kLinkDown, "n1", 0}, true, done);
  live.Round();
  CHECK(answers == std::vector<unsigned>{400});
  CHECK(out.back()["faults"] == json::array());
  CHECK(out.back()["events"].back()["text"] ==
        "action n1: fault link-down start (the fake provider cannot inject faults (link-down))");
}

TEST_CASE("ui live: a fault started stays in the state until it is ended") {
  class Faulty final : public Demo {
   public:
    std::string provider() const override { return "faulty"; }
    Result<Topology, Error> GetTopology() const override { return Fail(Error("unused")); }
    Observed Observe() const override { return FakeDemo().Observe(); }
    Result<HttpResult, Error> Probe(const std::string&, const std::string&,
                                    std::uint16_t) const override {
      return Fail(Error("unused"));
    }
    StatusReport Status() const override { return {}; }
    Result<std::string, Error> StartFault(const Fault& f) const override {
      return "down " + f.node;
    }
    Result<std::string, Error> EndFault(const Fault& f) const override { return "up " + f.node; }
  } demo;
  FakeRunner dot;
  dot.Expect({"dot", "-Tsvg"}).Prints("<svg/>").Always();
  std::vector<json> out;
  Live live(
      demo, Two(), dot, {.allow_actions = true, .heartbeat = std::chrono::seconds(0)},
      [&out](std::string state, std::optional<std::string>) { out.push_back(json::parse(state)); });
  std::vector<std::string> answers;
  auto done = [&answers](unsigned, std::string body) { answers.push_back(body); };
  live.Enqueue(Fault{FaultKind::kLinkDown, "n1", 0}, true, done);
  live.Round();
  CHECK(out.back()["faults"] == json::array({{{"kind", "link-down"}, {"node", "n1"}}}));
  live.Enqueue(Fault{FaultKind::kLinkDown, "n1", 0}, false, done);
  live.Round();
  CHECK(out.back()["faults"] == json::array());
  CHECK(answers == std::vector<std::string>{"down n1\n", "up n1\n"});
  const auto& events = out.back()["events"];
  REQUIRE(events.size() == 2);
  CHECK(events[0]["text"] == "action n1: fault link-down start");
  CHECK(events[1]["text"] == "action n1: fault link-down end");
}

TEST_CASE("ui live: Graphviz missing is said in the state, and the rest still works") {
  FakeDemo demo;
  FakeRunner dot;
  dot.Expect({"dot", "-Tsvg"}).CannotStart("dot: not found in PATH").Always();
  std::vector<Published> out;
  Live live(demo, Two(), dot, {}, [&out](std::string state, std::optional<std::string> svg) {
    out.push_back({json::parse(state), std::move(svg)});
  });
  live.Round();
  REQUIRE(out.size() == 1);
  CHECK(!out[0].svg);
  CHECK(out[0].state["graph_version"] == 0);
  CHECK(out[0].state["error"].get<std::string>().find("apt-get install graphviz") !=
        std::string::npos);
  CHECK(out[0].state["counts"]["established"] == 2);
}

TEST_CASE("ui live: Run looks every interval, wakes for an action, and stops when asked") {
  FakeDemo demo;
  FakeRunner dot;
  dot.Expect({"dot", "-Tsvg"}).Prints("<svg/>").Always();
  std::atomic<int> published = 0;
  Live live(demo, Two(), dot, {.interval = std::chrono::hours(1)},
            [&published](std::string, std::optional<std::string>) { ++published; });
  std::stop_source stop;
  std::promise<unsigned> answered;
  std::jthread loop([&] { live.Run(stop.get_token()); });
  // The first look, then an action wakes the loop long before its hour is up.
  while (published == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  live.Enqueue("n2", SpeakerAction::kStop,
               [&answered](unsigned status, std::string) { answered.set_value(status); });
  auto f = answered.get_future();
  REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(f.get() == 200);
  stop.request_stop();
  loop.join();
  CHECK(demo.looks >= 2);
}

}  // namespace
}  // namespace bgpdemo::core::ui
