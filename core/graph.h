// `bgpdemo graph`: the running demo as a picture (issue #15). The topology and what is
// observed now (core/demo.h) become a Graphviz graph; Graphviz's `dot` lays it out into SVG,
// and an HTML page wraps that SVG with nothing fetched from elsewhere.
//
//   TopologyDot(topology, observed)  the graph in DOT: one box per cluster (subgraph) with
//                                    its nodes (pods and the LB IPs they advertise in the
//                                    label), the route server, every BGP session as an edge
//                                    coloured by its state with its prefix counts, and each
//                                    LB IP with the router's routes to it (ECMP fan-out)
//   RenderSvg(dot, runner)           `dot -Tsvg`
//   HtmlPage(title, svg)             a self-contained page
//
// A cluster of more than GraphOptions::group_over nodes is drawn as one box that counts its
// nodes and sessions (and its routes as one edge), so that a 100-node demo stays readable;
// every node's name is still in the SVG, in that box's tooltip.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "core/command_runner.h"
#include "core/demo.h"

namespace bgpdemo::core {

struct GraphOptions {
  std::size_t group_over = 12;  // clusters with more nodes are drawn as one box
  std::string title;            // the graph's label; empty: none
};

// One node's session with the router, as the router sees it (else, where the router is not
// bgpdemo's to read, as the node does): its state and prefix counts.
struct SessionView {
  std::string state = "unknown";  // "no session" when the router has none with the node
  std::size_t received = 0;       // by the router from the node
  std::size_t advertised = 0;     // by the router to the node
};

// By node name, for every speaker node of t.
std::map<std::string, SessionView> SessionViews(const Topology& t, const Observed& o);

// By LB IP: the nodes the router's kernel route to it goes through (a next hop that is no
// node: its address); an LB IP without a kernel route is absent.
std::map<std::string, std::vector<std::string>> LbRoutes(const Topology& t, const Observed& o);

std::string TopologyDot(const Topology& t, const Observed& o, const GraphOptions& options = {});

// SVG from DOT. Errors: kEnvironment when Graphviz is missing (with the package to install),
// kCommand when dot refuses the graph.
Result<std::string, Error> RenderSvg(const std::string& dot, CommandRunner& runner);

// An HTML page holding `svg` inline, its own styles, no script and nothing to fetch.
std::string HtmlPage(const std::string& title, const std::string& svg);

}  // namespace bgpdemo::core
