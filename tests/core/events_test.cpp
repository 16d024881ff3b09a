// `bgpdemo events`' diff (core/events.h): two observations of a demo become the session,
// route and FIB events between them, with the router's reason; an unread source says
// nothing. tests/e2e/see_test.py streams them from a real lab demo.
#include "core/events.h"

#include <doctest/doctest.h>

namespace bgpdemo::core {
namespace {

using nlohmann::json;

Topology Two() {
  Topology t;
  t.router = "r";
  t.nodes = {{"n1", "a", "172.18.0.2", "10.241.0.0/24", true, ""},
             {"n2", "a", "172.18.0.3", "10.241.1.0/24", true, ""}};
  return t;
}

Observed Both(bool n2_up) {
  Observed o;
  json peers = json::array({{{"address", "172.18.0.2"}, {"state", "established"}}});
  peers.push_back({{"address", "172.18.0.3"},
                   {"state", n2_up ? "established" : "active"},
                   {"last_error", n2_up ? "" : "hold timer expired"}});
  o.router_peers = peers;
  json routes = json::array({{{"prefix", "10.241.0.0/24"}, {"paths", {{{"peer", "172.18.0.2"}}}}}});
  json lb = {{"prefix", "10.21.0.1/32"}, {"paths", {{{"peer", "172.18.0.2"}}}}};
  std::vector<KernelRoute> kernel{{"10.241.0.0/24", {"172.18.0.2"}},
                                  {"10.21.0.1/32", {"172.18.0.2"}}};
  if (n2_up) {
    routes.push_back({{"prefix", "10.241.1.0/24"}, {"paths", {{{"peer", "172.18.0.3"}}}}});
    lb["paths"].push_back({{"peer", "172.18.0.3"}});
    kernel.push_back({"10.241.1.0/24", {"172.18.0.3"}});
    kernel[1].next_hops.push_back("172.18.0.3");
  }
  routes.push_back(lb);
  o.router_routes = routes;
  o.kernel = kernel;
  return o;
}

TEST_CASE("events: a node's session, routes and kernel routes going down and back") {
  const auto t = Two();
  const auto up = StateOf(t, Both(true));
  const auto down = StateOf(t, Both(false));
  CHECK(Diff(up, up).empty());
  const auto lost = Diff(up, down);
  REQUIRE(lost.size() == 5);
  CHECK(lost[0] == DemoEvent{"session", "n2", "established", "active", "hold timer expired"});
  CHECK(lost[0].Text() == "session n2: established -> active (hold timer expired)");
  CHECK(lost[1] == DemoEvent{"route", "10.21.0.1/32", "172.18.0.2, 172.18.0.3", "172.18.0.2", ""});
  CHECK(lost[1].Text() ==
        "route 10.21.0.1/32: now via 172.18.0.2 (was via 172.18.0.2, 172.18.0.3)");
  CHECK(lost[2] == DemoEvent{"route", "10.241.1.0/24", "172.18.0.3", "", ""});
  CHECK(lost[2].Text() == "route 10.241.1.0/24: withdrawn (was via 172.18.0.3)");
  CHECK(lost[4] == DemoEvent{"fib", "10.241.1.0/24", "172.18.0.3", "", ""});
  CHECK(lost[4].Text() == "fib 10.241.1.0/24: removed (was via 172.18.0.3)");
  const auto back = Diff(down, up);
  REQUIRE(back.size() == 5);
  CHECK(back[0].Text() == "session n2: active -> established");
  CHECK(back[2].Text() == "route 10.241.1.0/24: learned via 172.18.0.3");
  CHECK(back[4].Text() == "fib 10.241.1.0/24: installed via 172.18.0.3");
  CHECK(back[0].ToJson() == json{{"kind", "session"},
                                 {"subject", "n2"},
                                 {"from", "active"},
                                 {"to", "established"},
                                 {"detail", ""}});
}

TEST_CASE("events: a peer gone from the router is 'none', and an unread source says nothing") {
  const auto t = Two();
  auto gone = Both(true);
  gone.router_peers = json::array({{{"address", "172.18.0.2"}, {"state", "established"}}});
  const auto events = Diff(StateOf(t, Both(true)), StateOf(t, gone));
  REQUIRE_FALSE(events.empty());
  CHECK(events[0] == DemoEvent{"session", "n2", "established", "none", ""});
  auto blind = Both(false);
  blind.router_peers = Fail(std::string("socket gone"));
  blind.router_routes = Fail(std::string("socket gone"));
  blind.kernel = Fail(std::string("socket gone"));
  CHECK(Diff(StateOf(t, Both(true)), StateOf(t, blind)).empty());
  CHECK(Diff(StateOf(t, blind), StateOf(t, Both(true))).empty());
}

}  // namespace
}  // namespace bgpdemo::core
