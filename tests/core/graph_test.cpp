// `bgpdemo graph`'s pieces (core/graph.h): the DOT of a known topology and observation
// (sessions coloured by state with their counts, LB IPs with the router's ECMP routes,
// clusters grouped over a size), DOT quoting, the HTML page, and `dot` failing or missing.
// tests/e2e/see_test.py lays real demos out with Graphviz.
#include "core/graph.h"

#include <doctest/doctest.h>

#include "core/fake_runner.h"

namespace bgpdemo::core {
namespace {

using nlohmann::json;

Topology Demo() {
  Topology t;
  t.router = "bgpdemo-router";
  for (const char* c : {"a", "b"}) {
    for (int i = 0; i < 3; ++i) {
      const auto net = std::string(c) == "a" ? 18 : 19;
      t.nodes.push_back({fmt::format("{}-n{}", c, i), c, fmt::format("172.{}.0.{}", net, 2 + i),
                         fmt::format("10.24{}.{}.0/24", net - 17, i), true, ""});
    }
  }
  t.nodes.back().speaker = false;  // b-n2: no BGP resource selects it
  t.load_balancers = {{"a", "nginx", "10.21.0.1", {"a-n0", "a-n1", "a-n2"}},
                      {"b", "nginx", "10.22.0.1", {"b-n0", "b-n1"}}};
  t.pods = {{"a", "nginx-1", "a-n1", "10.241.1.10", ""},
            {"a", "nginx-2", "a-n1", "10.241.1.11", ""}};
  return t;
}

Observed Seen() {
  Observed o;
  json peers = json::array();
  for (const auto& n : Demo().nodes) {
    if (!n.speaker) continue;
    const bool up = n.name != "b-n1";
    peers.push_back(
        {{"address", n.address},
         {"state", up ? "established" : "active"},
         {"families",
          up ? json::array({{{"family", "ipv4-unicast"}, {"received", 2}, {"advertised", 4}}})
             : json::array()}});
  }
  o.router_peers = peers;
  // a's LB over its 3 nodes; b's LB has no route (b-n1 is down, b-n0 withdrew it).
  o.kernel = std::vector<KernelRoute>{{"10.21.0.1/32", {"172.18.0.2", "172.18.0.3", "172.18.0.4"}}};
  return o;
}

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

TEST_CASE("graph: sessions coloured by state with their counts, LB IPs and their routes") {
  const auto dot = TopologyDot(Demo(), Seen(), {.title = "t"});
  CHECK(dot.starts_with("digraph bgpdemo {\n"));
  CHECK(dot.ends_with("}\n"));
  CHECK(Has(dot, "subgraph \"cluster_a\" {"));
  CHECK(Has(dot, "\"node:a-n1\" [label=\"a-n1\\n172.18.0.3\\n2 pods\""));
  CHECK(Has(dot,
            "\"node:a-n0\" -> \"router:bgpdemo-router\" [label=\"2 in, 4 out\", "
            "color=\"#2e7d32\""));
  CHECK(Has(dot,
            "\"node:b-n1\" -> \"router:bgpdemo-router\" [label=\"active\", "
            "color=\"#c62828\""));
  CHECK_FALSE(Has(dot, "\"node:b-n2\" -> "));  // not a speaker: no session to draw
  CHECK(Has(dot,
            "\"lb:10.21.0.1\" -> \"node:a-n2\" [color=\"#1565c0\", style=dashed, "
            "arrowhead=none, label=\"ECMP 1/3\"]"));
  CHECK(Has(dot, "\"router:bgpdemo-router\" -> \"lb:10.22.0.1\" [label=\"no route\""));
  CHECK(Has(dot, "label=\"t\""));
}

TEST_CASE("graph: a cluster over group_over nodes is one box, its sessions one edge") {
  const auto dot = TopologyDot(Demo(), Seen(), {.group_over = 2});
  CHECK(Has(dot,
            "\"nodes:a\" [label=\"3 nodes\\n3 of 3 sessions Established\", "
            "tooltip=\"a-n0, a-n1, a-n2\""));
  CHECK(Has(dot,
            "\"nodes:a\" -> \"router:bgpdemo-router\" [label=\"3/3 up, 6 prefixes\", "
            "color=\"#2e7d32\""));
  // b: one of its two speakers down.
  CHECK(Has(dot,
            "\"nodes:b\" -> \"router:bgpdemo-router\" [label=\"1/2 up, 2 prefixes\", "
            "color=\"#ef6c00\""));
  CHECK(Has(dot,
            "\"lb:10.21.0.1\" -> \"nodes:a\" [color=\"#1565c0\", style=dashed, "
            "arrowhead=none, label=\"ECMP over 3 nodes\"]"));
  CHECK_FALSE(Has(dot, "\"node:a-n0\""));
}

TEST_CASE("graph: names are quoted for DOT, and an unreadable router leaves the nodes' side") {
  auto t = Demo();
  t.nodes[0].name = "odd \"name\"\\x";
  Observed o;
  o.router_peers = Fail(std::string("the router is yours"));
  o.node_peers.emplace(
      t.nodes[0].name,
      json::array({{{"state", "established"},
                    {"families", json::array({{{"received", 5}, {"advertised", 1}}})}}}));
  const auto dot = TopologyDot(t, o);
  CHECK(Has(dot,
            "\"node:odd \\\"name\\\"\\\\x\" -> \"router:bgpdemo-router\" [label=\"1 in, 5 "
            "out\""));
  CHECK(Has(dot, "\"node:a-n1\" -> \"router:bgpdemo-router\" [label=\"unknown\""));
}

TEST_CASE("graph: the HTML page holds the SVG and fetches nothing, and dot missing or refusing") {
  const auto page =
      HtmlPage("a <b> & c", "<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<svg x=\"1\"/>");
  CHECK(page.starts_with("<!DOCTYPE html>"));
  CHECK(Has(page, "<title>a &lt;b&gt; &amp; c</title>"));
  CHECK(Has(page, "\n<svg x=\"1\"/>\n"));
  CHECK_FALSE(Has(page, "<?xml"));
  CHECK_FALSE(Has(page, "<script"));
  CHECK_FALSE(Has(page, "src="));

  FakeRunner runner;
  runner.Expect({"dot", "-Tsvg"}).CannotStart("dot: not found in PATH");
  auto missing = RenderSvg("digraph {}", runner);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind() == ErrorKind::kEnvironment);
  CHECK(Has(missing.error().message(), "apt-get install graphviz"));
  runner.Expect({"dot", "-Tsvg"}).Exits(1, "Error: <stdin>: syntax error in line 1\n");
  auto refused = RenderSvg("digraph {", runner);
  REQUIRE_FALSE(refused);
  CHECK(Has(refused.error().message(), "syntax error"));
  runner.Expect({"dot", "-Tsvg"}).Prints("<svg/>");
  auto ok = RenderSvg("digraph {}", runner);
  REQUIRE(ok);
  CHECK(*ok == "<svg/>");
  CHECK(runner.Problems().empty());
}

}  // namespace
}  // namespace bgpdemo::core
