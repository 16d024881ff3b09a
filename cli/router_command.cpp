#include "cli/router_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/exit_codes.h"
#include "cli/verb.h"
#include "cli/version.h"
#include "core/demo.h"
#include "core/kernel_routes.h"
#include "core/router_restart.h"
#include "core/router_service.h"
#include "core/table.h"

namespace bgpdemo::cli {

using nlohmann::json;

namespace {

void AddRouterFlags(CLI::App& cmd, RouterOptions& o) {
  cmd.footer(
      "Examples:\n"
      "  bgpdemo router --config examples/router/demo.yaml\n"
      "  bgpdemo router --config examples/router/demo.yaml --metrics 127.0.0.1:9179\n"
      "  bgpdemo router peers\n"
      "  bgpdemo router routes -o json\n"
      "  bgpdemo router kernel-routes -o json\n"
      "  bgpdemo router neighbours -o json\n"
      "  bgpdemo router reload\n"
      "  bgpdemo router restart\n"
      "Signals: SIGTERM/SIGINT send Cease to every peer and exit; SIGHUP reloads the config\n"
      "without dropping sessions whose neighbor did not change. Logs go to stderr, one\n"
      "key=value event per line.");
  cmd.add_option("--config", o.config, "Router configuration (YAML) to run with");
  cmd.add_option("--socket", o.socket, "Control socket path")
      ->default_str(core::DefaultRouterSocket());
  cmd.add_option("--metrics", o.metrics,
                 "Serve Prometheus metrics (sessions, prefixes, updates, FIB, memory) over "
                 "HTTP at http://ADDRESS:PORT/metrics; ADDRESS as 127.0.0.1 or [::1]")
      ->type_name("ADDRESS:PORT");
  cmd.add_option("--log-level", o.log_level, "Least severe log level printed")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  o.peers = cmd.add_subcommand("peers", "Sessions of a running router: state, uptime, routes");
  o.routes = cmd.add_subcommand("routes", "The running router's RIB: best path and why");
  o.journal = cmd.add_subcommand(
      "journal",
      "The running router's recent history: sessions up and down with the reason, best paths "
      "learned, moved and withdrawn, with their times (the last 4096)");
  o.reload = cmd.add_subcommand(
      "reload",
      "Make the running router read its config file again (as SIGHUP does): added neighbors "
      "start, removed ones get Cease 6/3, changed ones restart with 6/6, the others keep "
      "their sessions. A config with an error is refused with its file:line and the running "
      "one stays");
  o.restart = cmd.add_subcommand(
      "restart",
      "Restart the running router gracefully (RFC 4724; needs graceful_restart: true in its "
      "config): it keeps its kernel routes, closes its sessions without a NOTIFICATION so "
      "that its peers keep its routes, starts again in place (same pid), and sends nothing "
      "until every peer it had has sent End-of-RIB. Waits for that, then says how it went");
  o.restart->add_option("--timeout", o.restart_timeout, "Seconds to wait for it to complete")
      ->capture_default_str();
  o.kernel_routes = cmd.add_subcommand(
      "kernel-routes",
      "The routes the router installed in this network namespace's kernel table (proto 197), "
      "read over rtnetlink; -o json has the shape of `ip -j route`");
  o.neighbours = cmd.add_subcommand(
      "neighbours",
      "This network namespace's IPv4 neighbours and their MACs, read over rtnetlink (an IPv6 "
      "route learned over an IPv4 session goes via fe80:: made from the MAC); -o json has the "
      "shape of `ip -j neigh`");
  for (auto* sub : {o.kernel_routes, o.neighbours}) {
    sub->add_option("-o,--output", o.output, "Output format")
        ->check(CLI::IsMember({"table", "json"}))
        ->capture_default_str();
  }
  for (auto* sub : {o.peers, o.routes, o.journal, o.reload, o.restart}) {
    sub->add_option("--socket", o.socket, "Control socket path")
        ->default_str(core::DefaultRouterSocket());
    sub->add_option("-o,--output", o.output, "Output format")
        ->check(CLI::IsMember({"table", "json"}))
        ->capture_default_str();
  }
}

}  // namespace

CLI::App* AddRouterCommand(CLI::App& app, RouterOptions& o) {
  o.run =
      AddVerb(app, "router", "Run the BGP route server in the foreground, or query a running one",
              [&o](CLI::App& cmd) { AddRouterFlags(cmd, o); });
  return o.run;
}

namespace {

int Serve(const RouterOptions& o, std::ostream& err) {
  auto served = [&]() -> Result<void, Error> {
    if (o.config.empty()) {
      return Fail(Error::Usage(
          "--config FILE is required to run the router (or use `bgpdemo router peers|routes` "
          "to query one)"));
    }
    return core::RunRouterService({.config_path = o.config,
                                   .socket_path = o.socket,
                                   .log_level = o.log_level,
                                   .metrics_address = o.metrics,
                                   .version = kVersion},
                                  err);
  }();
  if (!served) {
    fmt::print(err, "bgpdemo router: {}\n", served.error());
    return ExitCodeFor(served.error());
  }
  return kExitOk;
}

std::string PeersTable(const json& peers) {
  core::Table t({"Name", "Peer Address", "Local AS", "Peer AS", "State", "Uptime", "Hostname",
                 "Family", "Received", "Accepted", "Advertised", "Info"});
  for (const auto& p : peers) {
    const bool up = p["state"] == "established";
    std::vector<std::string> row = {
        p["name"].get<std::string>(), p["address"].get<std::string>(),
        std::to_string(p["local_asn"].get<std::uint32_t>()),
        // A `peer_as: any` neighbor's AS is known once the peer's OPEN is accepted.
        p["peer_asn"].get<std::uint32_t>() == 0 && p.value("peer_as_any", false)
            ? std::string("any")
            : std::to_string(p["peer_asn"].get<std::uint32_t>()),
        p["state"].get<std::string>(),
        up ? core::Duration(p["uptime_seconds"].get<long long>()) : "-",
        p.value("hostname", std::string()).empty() ? "-" : p["hostname"].get<std::string>()};
    const auto& fams = p["families"];
    const std::string info = up ? "" : p.value("last_error", std::string());
    if (fams.empty()) {
      row.insert(row.end(), {"-", "-", "-", "-", info});
      t.Add(row);
      continue;
    }
    for (std::size_t i = 0; i < fams.size(); ++i) {
      std::vector<std::string> r = i == 0 ? row : std::vector<std::string>(row.size(), "");
      r.insert(r.end(),
               {fams[i]["family"].get<std::string>(),
                std::to_string(fams[i]["received"].get<std::size_t>()),
                std::to_string(fams[i]["accepted"].get<std::size_t>()),
                std::to_string(fams[i]["advertised"].get<std::size_t>()), i == 0 ? info : ""});
      t.Add(r);
    }
  }
  return t.Render();
}

std::string RoutesTable(const json& routes) {
  core::Table t({"Prefix", "Next Hop", "AS Path", "From", "Reason", "Paths"});
  for (const auto& r : routes) {
    const auto& best = r["best"];
    if (best.is_null()) {
      t.Add({r["prefix"].get<std::string>(), "-", "-", "-", "no usable path",
             std::to_string(r["paths"].size())});
      continue;
    }
    t.Add({r["prefix"].get<std::string>(), best["next_hop"].get<std::string>(),
           best["as_path"].get<std::string>().empty() ? "(local)"
                                                      : best["as_path"].get<std::string>(),
           best["peer"].get<std::string>(), best["reason"].get<std::string>(),
           std::to_string(r["paths"].size())});
  }
  return t.Render();
}

std::string JournalTable(const json& journal) {
  core::Table t({"Time", "Event", "Peer", "Prefix", "Detail"});
  for (const auto& e : journal.value("entries", json::array())) {
    const auto kind = e.value("kind", "");
    t.Add({e.value("time", ""), kind, e.value("peer", kind == "route" ? "local" : "-"),
           kind == "routes" ? fmt::format("{} prefixes", e.value("count", 0))
                            : e.value("prefix", "-"),
           kind == "route" && e.value("paths", 1) > 1
               ? fmt::format("best of {} ECMP paths", e.value("paths", 1))
               : e.value("detail", "")});
  }
  std::string out = t.Render();
  if (const auto dropped = journal.value("dropped", 0); dropped > 0) {
    out += fmt::format("({} older entries are gone: the journal keeps the last {})\n", dropped,
                       journal.value("capacity", 0));
  }
  return out;
}

int Query(const RouterOptions& o, core::RouterQuery query, std::ostream& out, std::ostream& err) {
  const std::string socket_path = o.socket.empty() ? core::DefaultRouterSocket() : o.socket;
  auto reply = core::QueryRouter(socket_path, query);
  if (!reply) {
    fmt::print(err, "bgpdemo router {}: {}\n", core::ToString(query), reply.error());
    return ExitCodeFor(reply.error());
  }
  if (o.output == "json") {
    out << reply->dump(2) << '\n';
  } else {
    switch (query) {
      case core::RouterQuery::kPeers:
        out << PeersTable(*reply);
        break;
      case core::RouterQuery::kRoutes:
        out << RoutesTable(*reply);
        break;
      case core::RouterQuery::kJournal:
        out << JournalTable(*reply);
        break;
    }
  }
  return kExitOk;
}

int Reload(const RouterOptions& o, std::ostream& out, std::ostream& err) {
  const std::string socket_path = o.socket.empty() ? core::DefaultRouterSocket() : o.socket;
  auto reply = core::ReloadRouter(socket_path);
  if (!reply) {
    fmt::print(err, "bgpdemo router reload: {}\n", reply.error());
    return ExitCodeFor(reply.error());
  }
  if (o.output == "json") {
    out << reply->dump(2) << '\n';
    return kExitOk;
  }
  const json& r = *reply;
  auto names = [&](const char* key) {
    const auto& v = r.value(key, json::array());
    return v.empty() ? std::string("-") : fmt::format("{}", fmt::join(v, ", "));
  };
  if (r.value("everything", false)) {
    out << "reloaded: router id, AS, mode, hostname or listeners changed: every session "
           "restarted\n";
  } else {
    out << "reloaded\n";
  }
  core::Table t({"Neighbors", "Sessions", "Names"});
  t.Add({"added", "started", names("added")});
  t.Add({"changed", "restarted (Cease 6/6)", names("changed")});
  t.Add({"removed", "closed (Cease 6/3)", names("removed")});
  t.Add({"unchanged", "kept", names("unchanged")});
  out << t.Render();
  if (r.value("originated", 0) + r.value("withdrawn", 0) > 0) {
    out << fmt::format("originate: {} prefixes announced, {} withdrawn\n", r.value("originated", 0),
                       r.value("withdrawn", 0));
  }
  for (const auto& n : r.value("not_applied", json::array())) {
    out << fmt::format("not applied at once: {}\n", n.get<std::string>());
  }
  return kExitOk;
}

int Restart(const RouterOptions& o, std::ostream& out, std::ostream& err) {
  const std::string socket_path = o.socket.empty() ? core::DefaultRouterSocket() : o.socket;
  auto r = core::RestartRouter(socket_path, std::chrono::seconds(o.restart_timeout));
  if (!r) {
    fmt::print(err, "bgpdemo router restart: {}\n", r.error());
    return ExitCodeFor(r.error());
  }
  if (o.output == "json") {
    out << r->dump(2) << '\n';
    return kExitOk;
  }
  out << core::DescribeRestart(*r) << '\n';
  return kExitOk;
}

int KernelRoutes(const RouterOptions& o, std::ostream& out, std::ostream& err) {
  auto routes = core::KernelRoutesJson();
  if (!routes) {
    fmt::print(err, "bgpdemo router kernel-routes: {}\n", routes.error());
    return ExitCodeFor(routes.error());
  }
  if (o.output == "json") {
    out << routes->dump(2) << '\n';
    return kExitOk;
  }
  core::Table t({"Prefix", "Next Hops"});
  for (const auto& r : *routes) {
    std::vector<std::string> hops;
    if (r.contains("gateway")) hops.push_back(r["gateway"].get<std::string>());
    for (const auto& nh : r.value("nexthops", json::array())) {
      hops.push_back(nh["gateway"].get<std::string>());
    }
    t.Add({r["dst"].get<std::string>(),
           hops.empty() ? "-" : fmt::format("{}", fmt::join(hops, ", "))});
  }
  out << t.Render();
  return kExitOk;
}

int Neighbours(const RouterOptions& o, std::ostream& out, std::ostream& err) {
  auto neighbours = core::KernelNeighboursJson();
  if (!neighbours) {
    fmt::print(err, "bgpdemo router neighbours: {}\n", neighbours.error());
    return ExitCodeFor(neighbours.error());
  }
  if (o.output == "json") {
    out << neighbours->dump(2) << '\n';
    return kExitOk;
  }
  core::Table t({"Address", "MAC", "Link-local"});
  const auto owners = core::ParseNeighbourLinkLocals(neighbours->dump());
  for (const auto& n : *neighbours) {
    std::string ll = "-";
    for (const auto& [link_local, address] : owners) {
      if (address == n["dst"].get<std::string>()) ll = link_local;
    }
    t.Add({n["dst"].get<std::string>(), n["lladdr"].get<std::string>(), ll});
  }
  out << t.Render();
  return kExitOk;
}

}  // namespace

int RunRouter(const RouterOptions& o, std::ostream& out, std::ostream& err) {
  if (o.peers && o.peers->parsed()) return Query(o, core::RouterQuery::kPeers, out, err);
  if (o.routes && o.routes->parsed()) return Query(o, core::RouterQuery::kRoutes, out, err);
  if (o.journal && o.journal->parsed()) return Query(o, core::RouterQuery::kJournal, out, err);
  if (o.reload && o.reload->parsed()) return Reload(o, out, err);
  if (o.restart && o.restart->parsed()) return Restart(o, out, err);
  if (o.kernel_routes && o.kernel_routes->parsed()) return KernelRoutes(o, out, err);
  if (o.neighbours && o.neighbours->parsed()) return Neighbours(o, out, err);
  return Serve(o, err);
}

}  // namespace bgpdemo::cli
