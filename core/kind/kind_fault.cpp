// The kind provider's faults (`bgpdemo fault`, core/fault.h): the ones Docker can do.
//
//   node-stop       `docker stop NODE`: the node's processes end, Cilium's BGP speaker with
//                   them, and its link goes. Ended: `docker start NODE`. The node boots
//                   (kubelet, Cilium) and puts back its own routes and BGP; the static routes
//                   up added by `docker exec` are gone with the old network namespace, so
//                   they are added again here.
//   link-down       `docker network disconnect NET NODE`: its cable pulled. Ended:
//                   `docker network connect` with the addresses it had (kept in the state
//                   folder between the two calls, which may be two processes), then the
//                   static routes again.
//   router-restart  `docker stop ROUTER` (its Cease to every peer, its kernel routes gone
//                   with its namespace), then `docker start ROUTER`.
//   router-graceful-restart  `docker exec ROUTER bgpdemo router restart`: the router execs
//                   itself again inside its container, keeping its kernel routes (RFC 4724).
//
// speaker-stop and packet-loss are refused with what to do instead: the speakers are Cilium's
// agents, and netem is not bgpdemo's to put in a kind node.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/files.h"
#include "core/kind/internal.h"
#include "core/kind/kind.h"
#include "core/render.h"
#include "core/router_restart.h"

namespace bgpdemo::core::kind {

namespace {

using nlohmann::json;

// Where link-down keeps a node's addresses until it ends.
std::string AddressesFile(const std::string& dir, const std::string& node) {
  return fmt::format("{}/faults/{}.json", dir, node);
}

// Docker refuses --ip on a network whose subnet it chose itself (kind makes `kind` with only
// its IPv6 subnet given): daemon/container_operations.go.
bool NoUserSubnet(const Error& e) {
  const auto said = [](const std::string& text) {
    return text.find("user configured subnets") != std::string::npos;
  };
  return said(e.message()) || (e.command() && said(e.command()->stderr_tail));
}

std::string FirstLine(const Result<std::string, Error>& out) {
  if (!out) return "";
  const auto lines = Lines(*out);
  return lines.empty() ? "" : lines.front();
}

// An address the node came back with that is not the one it had: its peers (the router's
// neighbor, the other nodes' routes) know the old one.
Result<void, Error> SameAddress(const std::string& node, const std::string& was,
                                const std::string& now) {
  if (was.empty() || now == was) return {};
  return Fail(Error::Failed(
      fmt::format("{} came back with address {} where it had {}: its peers know the old one", node,
                  now.empty() ? "none" : now, was)));
}

}  // namespace

Result<std::string, Error> KindDemo::Docker(const std::vector<std::string>& args,
                                            std::string_view why) const {
  std::vector<std::string> argv{"docker"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto out = RunTool(argv, ToolRun{env_, std::chrono::seconds(60), runner_}, std::string(why));
  if (!out) return Fail(out.error());
  return std::move(*out);
}

Result<const ClusterSpec*, Error> KindDemo::ClusterOf(const std::string& node) const {
  const KindClusters clusters(ToolRun{env_, std::chrono::seconds(30), runner_});
  std::vector<std::string> names;
  for (const auto& c : scenario_.clusters) {
    auto nodes = clusters.Nodes(c.name);
    if (!nodes) return Fail(nodes.error());
    if (std::find(nodes->begin(), nodes->end(), node) != nodes->end()) return &c;
    names.insert(names.end(), nodes->begin(), nodes->end());
  }
  return Fail(Error::Usage(
      fmt::format("no node \"{}\" in this demo; the nodes: {}", node, fmt::join(names, ", "))));
}

Result<std::size_t, Error> KindDemo::RestoreStaticRoutes(const std::string& node,
                                                         const ClusterSpec& cluster) const {
  RenderOptions ro;
  ro.router_addresses = state_.router_addresses;
  ro.router_addresses_v6 = state_.router_addresses_v6;
  auto files = Render(scenario_, ro);
  if (!files) return Fail(files.error());
  auto routes = NodeRoutes(*files, cluster.name);
  if (!routes) return Fail(routes.error());
  for (const auto& [to, via] : *routes) {
    auto done = Docker({"exec", node, "ip", "route", "replace", to, "via", via},
                       "the node must reach the router on its network");
    if (!done) return Fail(done.error());
  }
  return routes->size();
}

// docker start returns when the container runs; its address is Docker's to give again.
Result<std::string, Error> KindDemo::StartNode(const std::string& node, const ClusterSpec& cluster,
                                               const std::string& before) const {
  if (auto r = Docker({"start", node}, "the node must start again"); !r) return Fail(r.error());
  auto routes = RestoreStaticRoutes(node, cluster);
  if (!routes) return Fail(routes.error());
  const auto now = FirstLine(Docker(
      {"inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", node}, ""));
  if (auto same = SameAddress(node, before, now); !same) return Fail(same.error());
  return fmt::format("{} started again (docker start); {} static routes added again", node,
                     *routes);
}

Result<void, Error> KindDemo::CanFault(const core::Fault& f) {
  switch (f.kind) {
    case FaultKind::kSpeakerStop:
      return Fail(Error::Usage(
          "kind's node speakers are Cilium's agents: use node-stop or link-down, or restart "
          "the node's cilium pod with kubectl"));
    case FaultKind::kPacketLoss:
      return Fail(
          Error::Usage("packet-loss runs on the lab only (netem in the node's namespace); on kind: "
                       "node-stop, link-down or router-restart"));
    case FaultKind::kNodeStop:
    case FaultKind::kLinkDown:
    case FaultKind::kRouterRestart:
    case FaultKind::kRouterGracefulRestart:
      break;
  }
  return {};
}

Result<std::string, Error> KindDemo::Fault(const core::Fault& f, bool start) const {
  if (auto can = CanFault(f); !can) return Fail(can.error());
  const auto& router = scenario_.router.name;
  if (f.kind == FaultKind::kRouterGracefulRestart) {
    if (!start) return std::string("nothing to end: the restart had completed when it began");
    // In its container, the router execs itself again (same pid 1): the container stays.
    auto r = RunTool({"docker", "exec", router, "bgpdemo", "router", "restart", "-o", "json"},
                     ToolRun{env_, std::chrono::seconds(150), runner_}, "");
    if (!r) return Fail(r.error());
    auto report = ParseJson(*r, "bgpdemo router restart");
    if (!report) return Fail(report.error());
    return DescribeRestart(*report);
  }
  if (f.kind == FaultKind::kRouterRestart) {
    if (auto r = Docker({start ? "stop" : "start", router}, ""); !r) return Fail(r.error());
    return start ? fmt::format("the router's container {} stopped (docker stop)", router)
                 : fmt::format("the router's container {} started again", router);
  }
  auto cluster = ClusterOf(f.node);
  if (!cluster) return Fail(cluster.error());
  const std::string& network = (*cluster)->network;
  const auto keep = AddressesFile(dir_, f.node);
  if (start) {
    // Its addresses on the network, for the end.
    auto addrs = Docker({"inspect", "-f", "{{json .NetworkSettings.Networks}}", f.node}, "");
    if (!addrs) return Fail(addrs.error());
    const auto nets = json::parse(*addrs, nullptr, false);
    const json mine = nets.is_object() && nets.contains(network) ? nets[network] : json::object();
    const json kept = {{"network", network},
                       {"ip", mine.value("IPAddress", "")},
                       {"ip6", mine.value("GlobalIPv6Address", "")}};
    std::error_code ec;
    std::filesystem::create_directories(dir_ + "/faults", ec);
    if (auto w = WriteFileAtomic(keep, kept.dump() + "\n", 0600); !w) return Fail(w.error());
    if (f.kind == FaultKind::kNodeStop) {
      if (auto r = Docker({"stop", f.node}, ""); !r) return Fail(r.error());
      return fmt::format("{} stopped (docker stop)", f.node);
    }
    if (auto r = Docker({"network", "disconnect", network, f.node}, ""); !r) {
      return Fail(r.error());
    }
    return fmt::format("{} disconnected from {} (docker network disconnect)", f.node, network);
  }
  json kept = json::object();
  if (std::ifstream in(keep); in) kept = json::parse(in, nullptr, false);
  if (!kept.is_object()) kept = json::object();
  const std::string ip = kept.value("ip", ""), ip6 = kept.value("ip6", "");
  if (f.kind == FaultKind::kNodeStop) {
    auto r = StartNode(f.node, **cluster, ip);
    if (r) std::filesystem::remove(keep);
    return r;
  }
  std::vector<std::string> connect{"network", "connect"};
  if (!ip.empty()) connect.insert(connect.end(), {"--ip", ip});
  if (!ip6.empty()) connect.insert(connect.end(), {"--ip6", ip6});
  connect.insert(connect.end(), {network, f.node});
  auto r = Docker(connect, "");
  if (!r && NoUserSubnet(r.error())) {
    // Docker gives it an address itself: the one it had, when nobody took it meanwhile.
    r = Docker({"network", "connect", network, f.node}, "");
  }
  if (!r) return Fail(r.error());
  auto routes = RestoreStaticRoutes(f.node, **cluster);
  if (!routes) return Fail(routes.error());
  const auto now = FirstLine(Docker(
      {"inspect", "-f",
       fmt::format("{{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}", network), f.node},
      ""));
  std::filesystem::remove(keep);
  if (auto same = SameAddress(f.node, ip, now); !same) return Fail(same.error());
  return fmt::format("{} connected to {} again; {} static routes added again", f.node, network,
                     *routes);
}

}  // namespace bgpdemo::core::kind
