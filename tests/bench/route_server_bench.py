#!/usr/bin/env python3
"""route_server_bench.py: bgpdemo's route server against BIRD 2, FRR 8 and GoBGP 3.

The bgperf-style workloads of docs/architecture.md ("Performance targets"): N peers each announce M
unique IPv4 /24s to a route server (every peer also receives the others' routes), and one
monitor peer must receive all N x M. The figure is the time from the first UPDATE to the
monitor holding everything, and the server's peak RSS (VmHWM from /proc/PID/status) read
at that moment, while the sessions are still up (the teardown's peak is kept in --json as
hwm_after_teardown_kib).

For every workload and every server that is installed, it builds two fresh network
namespaces (server and clients, one veth pair: tests/interop/netns_scale.py), starts the
server in route-server mode with one passive neighbor per client (AS 65001 + i) and the
monitor (AS 64999), runs bgpdemo_blaster against it, and prints one table side by side.

    bgpdemo   bgpdemo router --config (route-server mode, import/export all)
    BIRD 2    bird -f, `rs client`, import all / export all          (/usr/sbin/bird)
    FRR 8     bgpd -Z -S -n (no zebra), `neighbor X route-server-client`,
              `no bgp ebgp-requires-policy`                           (/usr/lib/frr/bgpd)
    GoBGP 3   gobgpd, route-server-client                            (gobgpd on PATH)

Usage (root; a mostly idle machine: the server and the blaster share its cores):

    sudo tests/bench/route_server_bench.py --bgpdemo build/bgpdemo \\
        --blaster build/tests/bgpdemo_blaster [--quick] [--servers bgpdemo,bird,frr,gobgp] \\
        [--workloads 10x100000,1x1000000,50x10000] [--timeout 180] [--repeat 1] \\
        [--json results.json] [--logs DIR]

  --quick      smaller sizes: 10 x 10,000, 1 x 100,000, 50 x 1,000
  --timeout S  per run, from the first UPDATE (default 180); a run past it shows "> S s"
  --repeat K   run each cell K times and show the median time (and the largest RSS)
  --logs DIR   keep every config, server log and blaster report there

Exit status: 0 when every bgpdemo run converged, 1 otherwise, 2 on bad usage, 77 when not
root. Everything it creates (namespaces bgpb<pid>s/c, processes) is removed on exit and on
SIGINT/SIGTERM/SIGHUP.
"""

import argparse
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import netns_scale  # noqa: E402

SUBNET = "10.78.0"
FIRST_HOST = 10
MONITOR_HOST = 250
LOCAL_AS = 65000
AS_BASE = 65001
MONITOR_AS = 64999
ROUTER_ID = SUBNET + ".1"

FULL = [(10, 100000), (1, 1000000), (50, 10000)]
QUICK = [(10, 10000), (1, 100000), (50, 1000)]
SERVERS = ["bgpdemo", "bird", "frr", "gobgp"]
TITLES = {"bgpdemo": "bgpdemo", "bird": "BIRD 2", "frr": "FRR 8", "gobgp": "GoBGP 3"}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def clients(n):
    return [("%s.%d" % (SUBNET, FIRST_HOST + i), AS_BASE + i) for i in range(n)]


def monitor():
    return ("%s.%d" % (SUBNET, MONITOR_HOST), MONITOR_AS)


# --- server configurations --------------------------------------------------------------

def bgpdemo_setup(n, work, tools):
    cfg = os.path.join(work, "router.yaml")
    lines = ["router_id: %s" % ROUTER_ID, "local_as: %d" % LOCAL_AS, "mode: route-server",
             "listen:", "  addresses: [%s]" % ROUTER_ID, "  port: 179", "neighbors:"]
    for i, (addr, asn) in enumerate(clients(n) + [monitor()]):
        name = "monitor" if asn == MONITOR_AS else "c%d" % i
        lines += ["  - name: %s" % name, "    address: %s" % addr, "    peer_as: %d" % asn,
                  "    passive: true", "    import: all", "    export: all"]
    with open(cfg, "w") as f:
        f.write("\n".join(lines) + "\n")
    sock = os.path.join(work, "router.sock")
    return [tools["bgpdemo"], "router", "--config", cfg, "--socket", sock, "--log-level", "warn"]


def bird_setup(n, work, tools):
    cfg = os.path.join(work, "bird.conf")
    out = ["router id %s;" % ROUTER_ID,
           'log "%s" { warning, error, fatal };' % os.path.join(work, "bird.log"),
           "protocol device { scan time 60; }",
           "template bgp rsc {",
           "  local %s as %d;" % (ROUTER_ID, LOCAL_AS),
           "  rs client;", "  passive on;", "  hold time 90;",
           "  ipv4 { import all; export all; };", "}"]
    for i, (addr, asn) in enumerate(clients(n)):
        out.append("protocol bgp c%d from rsc { neighbor %s as %d; }" % (i, addr, asn))
    addr, asn = monitor()
    out.append("protocol bgp monitor from rsc { neighbor %s as %d; }" % (addr, asn))
    with open(cfg, "w") as f:
        f.write("\n".join(out) + "\n")
    netns_scale.run([tools["bird"], "-p", "-c", cfg])
    return [tools["bird"], "-f", "-c", cfg, "-s", os.path.join(work, "bird.ctl"),
            "-P", os.path.join(work, "bird.pid")]


def frr_setup(n, work, tools):
    cfg = os.path.join(work, "bgpd.conf")
    out = ["frr defaults traditional", "hostname bench", "log file %s warnings" %
           os.path.join(work, "bgpd.log"), "!", "router bgp %d" % LOCAL_AS,
           " bgp router-id %s" % ROUTER_ID, " no bgp ebgp-requires-policy",
           " no bgp network import-check"]
    peers = clients(n) + [monitor()]
    for addr, asn in peers:
        out += [" neighbor %s remote-as %d" % (addr, asn), " neighbor %s passive" % addr]
    out.append(" address-family ipv4 unicast")
    for addr, _ in peers:
        out.append("  neighbor %s route-server-client" % addr)
    out += [" exit-address-family", "!"]
    with open(cfg, "w") as f:
        f.write("\n".join(out) + "\n")
    vty = os.path.join(work, "frr-vty")
    os.makedirs(vty, exist_ok=True)
    return [tools["frr"], "-Z", "-S", "-n", "-f", cfg, "-i", os.path.join(work, "bgpd.pid"),
            "--vty_socket", vty, "-P", "0", "-l", ROUTER_ID]


def gobgp_setup(n, work, tools):
    cfg = os.path.join(work, "gobgpd.toml")
    out = ["[global.config]", "  as = %d" % LOCAL_AS, '  router-id = "%s"' % ROUTER_ID,
           '  local-address-list = ["%s"]' % ROUTER_ID]
    for addr, asn in clients(n) + [monitor()]:
        out += ["[[neighbors]]", "  [neighbors.config]", '    neighbor-address = "%s"' % addr,
                "    peer-as = %d" % asn, "  [neighbors.transport.config]",
                "    passive-mode = true", "  [neighbors.route-server.config]",
                "    route-server-client = true", "  [[neighbors.afi-safis]]",
                "    [neighbors.afi-safis.config]", '      afi-safi-name = "ipv4-unicast"']
    with open(cfg, "w") as f:
        f.write("\n".join(out) + "\n")
    return [tools["gobgp"], "-f", cfg, "-l", "warn", "-p", "--pprof-disable",
            "--api-hosts", "127.0.0.1:50051"]


SETUP = {"bgpdemo": bgpdemo_setup, "bird": bird_setup, "frr": frr_setup, "gobgp": gobgp_setup}


def find_tools(args):
    tools = {"bgpdemo": os.path.abspath(args.bgpdemo) if args.bgpdemo else None,
             "bird": shutil.which("bird") or ("/usr/sbin/bird" if os.path.exists("/usr/sbin/bird") else None),
             "frr": "/usr/lib/frr/bgpd" if os.path.exists("/usr/lib/frr/bgpd") else shutil.which("bgpd"),
             "gobgp": shutil.which("gobgpd")}
    return tools


# --- one run ------------------------------------------------------------------------------

def run_one(server, n, m, args, tools, work):
    """Returns a dict: ok, convergence_s, established_s, hwm_kib, error, report."""
    os.makedirs(work, exist_ok=True)
    result = {"server": server, "peers": n, "prefixes": m, "ok": False, "convergence_s": None,
              "hwm_kib": None, "error": None}
    prefix = "bgpb%d" % os.getpid()
    with netns_scale.NetnsPair(prefix, subnet=SUBNET) as pair:
        pair.add_client_addresses([a for a, _ in clients(n)] + [monitor()[0]])
        if not pair.wait_link():
            result["error"] = "veth never came up"
            return result
        argv = SETUP[server](n, work, tools)
        server_log = os.path.join(work, "server.stderr")
        proc = pair.spawn("server", argv, server_log)
        time.sleep(0.5)
        if proc.poll() is not None:
            result["error"] = "%s exited %d at start (see %s)" % (server, proc.returncode, server_log)
            return result
        report_path = os.path.join(work, "blaster.json")
        cpu0 = netns_scale.cpu_seconds(proc.pid)
        # The blaster keeps the sessions up after its report (--linger), so that the peak
        # RSS is read at convergence: the teardown after it (withdrawing everything) is not
        # part of the workload, and some servers allocate a lot for it.
        bl = pair.spawn("client", [
            tools["blaster"], "--target", pair.server_addr, "--target-as", str(LOCAL_AS),
            "--source-base", clients(n)[0][0], "--sessions", str(n), "--prefixes", str(m),
            "--as-base", str(AS_BASE), "--as-step", "1", "--monitor-source", monitor()[0],
            "--monitor-as", str(MONITOR_AS), "--timeout", str(args.timeout),
            "--establish-timeout", "90", "--linger", "120", "--compact"],
            os.path.join(work, "blaster.stderr"), stdout=subprocess.PIPE)
        line = b""
        deadline = time.monotonic() + args.timeout + 200
        while time.monotonic() < deadline:
            ready, _, _ = select.select([bl.stdout], [], [], 1.0)
            if ready:
                line = bl.stdout.readline()
                break
            if bl.poll() is not None:
                line = bl.stdout.readline()
                break
        result["hwm_kib"] = netns_scale.vm_hwm_kib(proc.pid)
        cpu1 = netns_scale.cpu_seconds(proc.pid)
        if cpu0 is not None and cpu1 is not None:
            result["server_cpu_s"] = cpu1 - cpu0
        if proc.poll() is not None:
            result["error"] = "%s exited %d during the run" % (server, proc.returncode)
        pair.stop(bl)
        time.sleep(2)
        result["hwm_after_teardown_kib"] = netns_scale.vm_hwm_kib(proc.pid)
        with open(report_path, "wb") as f:
            f.write(line)
        try:
            report = json.loads(line)
        except ValueError as e:
            report = {}
            result["error"] = result["error"] or "no blaster report: %s" % e
        result["report"] = report
        result["ok"] = bool(report.get("ok")) and result["error"] is None
        result["convergence_s"] = report.get("convergence_s")
        result["established_s"] = report.get("established_s")
        result["held"] = report.get("monitor", {}).get("prefixes_held")
        if not report.get("ok") and report.get("error"):
            result["error"] = result["error"] or report["error"]
        result["timed_out"] = "timeout: the monitor" in (report.get("error") or "")
        pair.stop(proc)
    return result


def cell(results, timeout):
    if not results:
        return "-"
    oks = [r for r in results if r["ok"]]
    mem = max((r["hwm_kib"] or 0) for r in results)
    mem_s = "%s MiB" % format(int(round(mem / 1024.0)), ",") if mem else "? MiB"
    if len(oks) == len(results):
        t = statistics.median(r["convergence_s"] for r in oks)
        return "%.2f s, %s" % (t, mem_s)
    r = next(r for r in results if not r["ok"])
    if r.get("timed_out"):
        return "> %g s, %s (%s held)" % (timeout, mem_s, format(r.get("held") or 0, ","))
    return "failed, %s" % mem_s


def cpu_cell(results):
    vals = [r["server_cpu_s"] for r in results if r.get("server_cpu_s") is not None]
    if not vals:
        return "-"
    done = all(r["ok"] for r in results)
    return ("%.2f s" if done else ">= %.2f s") % statistics.median(vals)


def print_table(workloads, servers, table, timeout, tools, cpu=False):
    head = ["workload"] + [TITLES[s] for s in servers]
    rows = []
    for n, m in workloads:
        row = ["%d peer%s x %s" % (n, "" if n == 1 else "s", format(m, ","))]
        for s in servers:
            if not tools.get(s):
                row.append("not installed")
            else:
                got = table.get((n, m, s), [])
                row.append(cpu_cell(got) if cpu else cell(got, timeout))
        rows.append(row)
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def fmt(v):
    return "%.2f" % v if isinstance(v, (int, float)) else "?"


def versions(tools):
    v = {}
    for name, argv in (("bird", ["--version"]), ("frr", ["-v"]), ("gobgp", ["--version"])):
        if tools.get(name):
            p = subprocess.run([tools[name]] + argv, capture_output=True, text=True)
            v[name] = (p.stdout + p.stderr).strip().splitlines()[0] if (p.stdout + p.stderr).strip() else "?"
    return v


def main():
    ap = argparse.ArgumentParser(
        description="bgpdemo's route server against BIRD 2, FRR 8 and GoBGP 3 (docs/architecture.md "
                    "workloads). Needs root.",
        epilog="Usage" + __doc__.split("Usage", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bgpdemo", help="the bgpdemo binary (its row is skipped without it)")
    ap.add_argument("--blaster", required=True, help="the bgpdemo_blaster binary")
    ap.add_argument("--servers", default=",".join(SERVERS),
                    help="comma-separated subset of %s" % ",".join(SERVERS))
    ap.add_argument("--workloads", help="NxM,... (default: docs/architecture.md's, or --quick's)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    ap.add_argument("--timeout", type=float, default=180, help="seconds per run")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", help="write every run's result here")
    ap.add_argument("--logs", help="keep configs, logs and reports in this directory")
    args = ap.parse_args()

    reason = netns_scale.skip_reason()
    if reason:
        print("route_server_bench: skipped: %s" % reason, file=sys.stderr)
        return 77
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    bad = [s for s in servers if s not in SERVERS]
    if bad:
        ap.error("unknown server(s) %s; choose from %s" % (",".join(bad), ",".join(SERVERS)))
    if args.workloads:
        try:
            workloads = [tuple(int(x) for x in w.lower().split("x")) for w in args.workloads.split(",")]
            assert all(len(w) == 2 and w[0] > 0 and w[1] > 0 for w in workloads)
        except (ValueError, AssertionError):
            ap.error("--workloads: expected NxM,... e.g. 10x100000,1x1000000")
        if any(n > MONITOR_HOST - FIRST_HOST for n, _ in workloads):
            ap.error("at most %d peers" % (MONITOR_HOST - FIRST_HOST))
    else:
        workloads = QUICK if args.quick else FULL
    tools = find_tools(args)
    tools["blaster"] = os.path.abspath(args.blaster)
    if "bgpdemo" in servers and not tools["bgpdemo"]:
        log("no --bgpdemo given: its row is skipped")
    for s in servers:
        if not tools.get(s):
            log("%s is not installed: skipped" % TITLES[s])

    logs = args.logs or tempfile.mkdtemp(prefix="bgpdemo-bench-")
    os.makedirs(logs, exist_ok=True)
    log("logs in %s; versions: %s" % (logs, versions(tools)))
    log("load average before: %s" % loadavg())

    table = {}
    all_results = []
    for n, m in workloads:
        # Servers take turns within each repeat, so that a change in the machine's load
        # falls on all of them alike.
        for k in range(args.repeat):
            for s in servers:
                if not tools.get(s):
                    continue
                work = os.path.join(logs, "%s-%dx%d-%d" % (s, n, m, k))
                log("%s: %d peers x %d prefixes (run %d) ..." % (TITLES[s], n, m, k + 1))
                t0 = time.monotonic()
                try:
                    r = run_one(s, n, m, args, tools, work)
                except SystemExit:
                    raise
                except Exception as e:  # noqa: BLE001 - one failed cell, not the whole table
                    r = {"server": s, "peers": n, "prefixes": m, "ok": False,
                         "convergence_s": None, "hwm_kib": None, "error": str(e)}
                r["wall_s"] = time.monotonic() - t0
                r["loadavg"] = loadavg()
                log("  -> %s, server CPU %s s, load %s%s" % (
                    cell([r], args.timeout), fmt(r.get("server_cpu_s")), r["loadavg"],
                    "" if r["ok"] else " (%s)" % r.get("error")))
                table.setdefault((n, m, s), []).append(r)
                all_results.append({k2: v for k2, v in r.items() if k2 != "report"})

    print()
    print("Route server convergence (first UPDATE to the monitor holding all N x M) and the "
          "server's peak RSS (VmHWM):")
    print()
    print_table(workloads, [s for s in servers], table, args.timeout, tools)
    print()
    print("Server CPU time (user + system, all threads) from the first UPDATE to convergence "
          "(median; less sensitive to the machine's other load than the wall time):")
    print()
    print_table(workloads, [s for s in servers], table, args.timeout, tools, cpu=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(all_results, f, indent=2)
    if not args.logs:
        log("run logs kept in %s" % logs)
    ok = all(r["ok"] for r in all_results if r["server"] == "bgpdemo")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
