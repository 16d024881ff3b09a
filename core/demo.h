// What a running demo is, whichever provider runs it (lab or kind): the topology it was
// built with, and what its speakers and the router's kernel say now. The verbs `peers`,
// `routes` and `verify` work on these shapes only, so that their output is the same for
// every provider (docs/architecture.md "Providers").
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/result.h"

namespace bgpdemo::core {

// What should be there: the nodes, their prefixes, the LoadBalancer IPs and the pods.
struct Topology {
  struct Node {
    std::string name;
    std::string cluster;
    std::string address;   // its sessions' source: IPv4, or IPv6 in an IPv6-only demo
    std::string pod_cidr;  // empty in an IPv6-only demo
    bool speaker = true;   // the BGP resources select it
    // Its IPv6 pod CIDR (dual stack: advertised over the same IPv4 session); else empty.
    std::string pod_cidr_v6;
  };
  // One per address: a dual-stack Service has an IPv4 and an IPv6 entry.
  struct LoadBalancer {
    std::string cluster;
    std::string service;
    std::string ip;
    std::vector<std::string> nodes;  // the nodes that advertise it
  };
  struct Pod {
    std::string cluster;
    std::string name;
    std::string node;
    std::string address;
    std::string address_v6;  // dual stack; else empty
  };
  std::string router;  // its name, as the peers table shows it
  std::vector<Node> nodes;
  std::vector<LoadBalancer> load_balancers;
  std::vector<Pod> pods;
};

// One route of the router's kernel table (ours: protocol 197), IPv4 or IPv6.
struct KernelRoute {
  std::string prefix;
  std::vector<std::string> next_hops;  // sorted; several: ECMP
};

// The routes' ends of a dual-stack demo: an IPv6 route learned over an IPv4 session goes
// via the node's link-local address (fe80::EUI-64 of its MAC, bgp/fib/mapped_gateway.h).
// By link-local address: the IPv4 address of the neighbour whose MAC it comes from.
using LinkLocalOwners = std::map<std::string, std::string>;

// A kernel next hop for people: "172.18.0.2", or a link-local one with the node it is
// ("172.18.0.2 (fe80::a8c1:abff:fe11:2233)").
std::string NextHopText(const std::string& hop, const LinkLocalOwners& owners);

// What the speakers and the kernel say now. A source that could not be read holds the
// reason, for people: the checks that need it fail with it as their detail, and nothing
// decides on its text.
struct Observed {
  Result<nlohmann::json, std::string> router_peers = Fail(std::string("not read"));
  Result<nlohmann::json, std::string> router_routes = Fail(std::string("not read"));
  Result<std::vector<KernelRoute>, std::string> kernel = Fail(std::string("not read"));
  // By node name: that node's speaker's peers, in the router's peer JSON shape.
  std::map<std::string, Result<nlohmann::json, std::string>> node_peers;
  // The router's IPv4 neighbours' link-local addresses (empty where nothing is IPv6).
  LinkLocalOwners link_local_owners;
  // False when the router is not bgpdemo's to read (kube's --router external): the
  // sessions are judged by the nodes' side, and the router's RIB, kernel and probes are not
  // checked.
  bool router_readable = true;
};

struct HttpResult {
  int status = 0;
  std::string body;
  double seconds = 0;
};

// An HTTP GET of http://<ip>:<port>/ from `from`: "router", or "<cluster>/<pod>".
using Prober = std::function<Result<HttpResult, Error>(const std::string& from,
                                                       const std::string& ip, std::uint16_t port)>;

// What a verb has to say, in both of its forms: one JSON object for `-o json`, and lines
// for people (each ending in a newline).
struct Report {
  nlohmann::json json;
  std::string text;
};

// `bgpdemo status`: whether the demo runs (exit 0) or not (exit 1), and what it is.
struct StatusReport {
  bool up = false;
  Report report;
};

enum class SpeakerAction { kStop, kStart };
std::string_view ToString(SpeakerAction action);  // "stop", "start"

// A failure `bgpdemo fault` starts and ends (core/fault.h).
enum class FaultKind {
  kSpeakerStop,    // a node's BGP speaker stopped (its Cease reaches the router)
  kLinkDown,       // a node's link to its network down, as if its cable were pulled
  kNodeStop,       // the node gone at once: its speaker killed (no NOTIFICATION), its link
                   // down; on kind its container stopped. Ended: the node started again
  kPacketLoss,     // netem dropping a share of a node's packets, both ways
  kRouterRestart,  // the route server stopped (its kernel routes go with it), then started
  // The route server restarted gracefully (`bgpdemo router restart`, RFC 4724): its kernel
  // routes stay, its peers keep its routes; over when the restart completes.
  kRouterGracefulRestart,
};
std::string_view ToString(FaultKind kind);  // "speaker-stop", "link-down", ...
// Whether the fault hits the route server (no node) rather than a node.
inline bool OnRouter(FaultKind kind) {
  return kind == FaultKind::kRouterRestart || kind == FaultKind::kRouterGracefulRestart;
}
struct Fault {
  FaultKind kind = FaultKind::kSpeakerStop;
  std::string node;           // the node it hits; empty for a fault OnRouter
  unsigned loss_percent = 0;  // kPacketLoss: 1..100
};

// A running demo, whichever provider made it: the half of the provider interface
// (core/provider.h) that works on a demo that is up. Opened from the state folder by its
// provider; one owner, used from one thread (Observe and the prober run their own threads).
class Demo {
 public:
  virtual ~Demo() = default;
  virtual std::string provider() const = 0;
  // What should be there (the lab knows it from its plan; kind asks the clusters).
  virtual Result<Topology, Error> GetTopology() const = 0;
  // What the router, its kernel and every node's speaker say now (read in parallel).
  virtual Observed Observe() const = 0;
  // GET http://ip:port/ from "router" or "<cluster>/<pod>".
  virtual Result<HttpResult, Error> Probe(const std::string& from, const std::string& ip,
                                          std::uint16_t port) const = 0;
  // What runs, since when, with which scenario; the text and JSON are the provider's own.
  virtual StatusReport Status() const = 0;
  // `bgpdemo speaker stop|start NODE`, an optional capability: a provider whose node
  // speakers are not bgpdemo's to run answers kUsage, saying what to do instead.
  virtual Result<Report, Error> Speaker(const std::string& node, SpeakerAction action) const;
  // `bgpdemo fault`, an optional capability: start `f` and end it again, each returning what
  // it did, for people. A kind the provider cannot do answers kUsage, naming those it can.
  virtual Result<std::string, Error> StartFault(const Fault& f) const;
  virtual Result<std::string, Error> EndFault(const Fault& f) const;
  // Whether StartFault can do `f`'s kind here, asked before anything is looked at or done:
  // kUsage saying what the provider can do instead.
  virtual Result<void, Error> CanFault(const Fault& f) const;
  // What the router did recently, for `bgpdemo events --since`: its control socket's
  // "journal" reply (bgp/api/server_api.h JournalJson), an optional capability. kUsage where
  // the router is not bgpdemo's to read.
  virtual Result<nlohmann::json, Error> RouterJournal() const;
};

// One step of up or down, reported when it ends; or, with `progress`, while it waits: what
// it awaits (detail) after `seconds`, at least every 10 s (core/k8s/waits.h).
struct StepEvent {
  std::string step;  // plan, namespaces, links, daemon, sessions, cleanup, ...
  bool ok = true;
  double seconds = 0;
  std::string detail;
  bool progress = false;  // a report while the step runs, not its end
};
using StepSink = std::function<void(const StepEvent&)>;

// Runs one step of up or down: `body` returns Result<std::string, E> (what it did, or why
// it failed; E is Error or a message); the sink hears of it, timed, ok or not. Returns
// body's result.
template <typename F>
auto TimedStep(const StepSink& sink, std::string name, F&& body) -> decltype(body()) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = body();
  StepEvent e{std::move(name), static_cast<bool>(r),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
              r ? *r : MessageOf(r.error())};
  if (sink) sink(e);
  return r;
}

// `ip -j route show` output (`ipv6`: of `ip -6`) -> routes (a multipath route's "nexthops"
// are its next hops). The error is a reason for Observed::kernel.
// `ip -j neigh show` output -> the link-local address each IPv4 neighbour's MAC makes
// (LinkLocalOwners); entries without a MAC are left out.
Result<std::vector<KernelRoute>, std::string> ParseIpRouteJson(const std::string& text,
                                                               bool ipv6 = false);
LinkLocalOwners ParseNeighbourLinkLocals(const std::string& text);

}  // namespace bgpdemo::core
