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

Besides the plain N x M rows, two kinds of row (issue #13):

    churn     N peers x M, converged; then each peer withdraws a random 10% of its prefixes
              and announces them again with a new community, three times, back to back.
              The figure is the time from the first churn UPDATE until the monitor holds
              exactly the final table (every prefix, from its owner, in its last version).
    dynamic   N peers x M, the peers accepted as dynamic neighbors of one range
              (10.78.4.0/22; bgpdemo `range`, BIRD `neighbor range`, FRR `bgp listen
              range`, GoBGP `dynamic-neighbors`), each with its own AS (4-octet private,
              4200000001 + i, RFC 6996) where the server accepts any AS for a range (bgpdemo `peer_as: any`, BIRD `external`, FRR
              `remote-as external`), else one AS for all (--dynamic-as). The figure is the
              time from the blaster's start to every session Established (shown in
              parentheses) and the monitor holding everything.

    bgpdemo   bgpdemo router --config (route-server mode, import/export all)
    BIRD 2    bird -f, `rs client`, import all / export all          (/usr/sbin/bird)
    FRR 8     bgpd -Z -S -n (no zebra), `neighbor X route-server-client`,
              `no bgp ebgp-requires-policy`                           (/usr/lib/frr/bgpd)
    GoBGP 3   gobgpd, route-server-client                            (gobgpd on PATH)

Usage (root; a mostly idle machine: the server and the blaster share its cores):

    sudo tests/bench/route_server_bench.py --bgpdemo build/bgpdemo \\
        --blaster build/tests/bgpdemo_blaster [--quick] [--servers bgpdemo,bird,frr,gobgp] \\
        [--workloads 10x100000,1x1000000,50x10000,wide,churn,dynamic] [--timeout 180] \\
        [--repeat 1] [--json results.json] [--logs DIR]

  --workloads  NxM (plain), wide (50x100000), churn (10x100000), dynamic (1000x100),
               churn:NxM, dynamic:NxM; default: all six rows
  --quick      smaller sizes: 10 x 10,000, 1 x 100,000, 50 x 1,000, wide 50 x 5,000,
               churn 10 x 10,000, dynamic 100 x 100
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

DYN_FIRST = "10.78.4.0"  # dynamic clients: 10.78.4.0 + i, in the range below
DYN_RANGE = "10.78.4.0/22"
DYN_MAX = 1024
# With one AS per dynamic peer, 4-octet private ASes (RFC 6996): 65001 + i would reach 65535
# (reserved, RFC 7300) at peer 534 of the 1,000, and 65534 just before it, whose community
# 65534:100 the blaster once read as a churn version (the monitor then never held its table).
DYN_AS_BASE = 4200000001

# Named rows: (kind, peers, prefixes) at full size and with --quick.
NAMED = {"wide": (("plain", 50, 100000), ("plain", 50, 5000)),
         "churn": (("churn", 10, 100000), ("churn", 10, 10000)),
         "dynamic": (("dynamic", 1000, 100), ("dynamic", 100, 100))}
FULL = [("plain", 10, 100000), ("plain", 1, 1000000), ("plain", 50, 10000)] + \
    [v[0] for v in NAMED.values()]
QUICK = [("plain", 10, 10000), ("plain", 1, 100000), ("plain", 50, 1000)] + \
    [v[1] for v in NAMED.values()]
CHURN_ROUNDS = 3
CHURN_FRACTION = 0.1
SERVERS = ["bgpdemo", "bird", "frr", "gobgp"]
TITLES = {"bgpdemo": "bgpdemo", "bird": "BIRD 2", "frr": "FRR 8", "gobgp": "GoBGP 3"}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def clients(n):
    return [("%s.%d" % (SUBNET, FIRST_HOST + i), AS_BASE + i) for i in range(n)]


def dyn_clients(n, distinct_as):
    """Dynamic neighbors: addresses DYN_FIRST + i, AS 4200000001 + i (or 65001 for all)."""
    first = [int(x) for x in DYN_FIRST.split(".")]
    base = (first[2] << 8) | first[3]
    return [("%s.%d.%d" % (".".join(map(str, first[:2])), (base + i) >> 8, (base + i) & 255),
             DYN_AS_BASE + i if distinct_as else AS_BASE) for i in range(n)]


def monitor():
    return ("%s.%d" % (SUBNET, MONITOR_HOST), MONITOR_AS)


# --- server configurations --------------------------------------------------------------

def bgpdemo_setup(w, work, tools):
    cfg = os.path.join(work, "router.yaml")
    lines = ["router_id: %s" % ROUTER_ID, "local_as: %d" % LOCAL_AS, "mode: route-server",
             "listen:", "  addresses: [%s]" % ROUTER_ID, "  port: 179", "neighbors:"]
    peers = [monitor()] if w.dynamic else clients(w.n) + [monitor()]
    for i, (addr, asn) in enumerate(peers):
        name = "monitor" if asn == MONITOR_AS else "c%d" % i
        lines += ["  - name: %s" % name, "    address: %s" % addr, "    peer_as: %d" % asn,
                  "    passive: true", "    import: all", "    export: all"]
    if w.dynamic:
        lines += ["  - name: cluster", "    range: %s" % DYN_RANGE,
                  "    peer_as: %s" % ("any" if w.distinct_as else AS_BASE),
                  "    import: all", "    export: all"]
    with open(cfg, "w") as f:
        f.write("\n".join(lines) + "\n")
    sock = os.path.join(work, "router.sock")
    return [tools["bgpdemo"], "router", "--config", cfg, "--socket", sock, "--log-level", "warn"]


def bird_setup(w, work, tools):
    cfg = os.path.join(work, "bird.conf")
    out = ["router id %s;" % ROUTER_ID,
           'log "%s" { warning, error, fatal };' % os.path.join(work, "bird.log"),
           "protocol device { scan time 60; }",
           "template bgp rsc {",
           "  local %s as %d;" % (ROUTER_ID, LOCAL_AS),
           "  rs client;", "  passive on;", "  hold time 90;",
           "  ipv4 { import all; export all; };", "}"]
    if w.dynamic:
        # BIRD 2: `neighbor range` spawns one protocol per connecting peer; `external`
        # accepts any AS but ours.
        out.append('protocol bgp dyn from rsc { neighbor range %s %s; dynamic name "d"; }'
                   % (DYN_RANGE, "external" if w.distinct_as else "as %d" % AS_BASE))
    else:
        for i, (addr, asn) in enumerate(clients(w.n)):
            out.append("protocol bgp c%d from rsc { neighbor %s as %d; }" % (i, addr, asn))
    addr, asn = monitor()
    out.append("protocol bgp monitor from rsc { neighbor %s as %d; }" % (addr, asn))
    with open(cfg, "w") as f:
        f.write("\n".join(out) + "\n")
    netns_scale.run([tools["bird"], "-p", "-c", cfg])
    return [tools["bird"], "-f", "-c", cfg, "-s", os.path.join(work, "bird.ctl"),
            "-P", os.path.join(work, "bird.pid")]


def frr_setup(w, work, tools):
    cfg = os.path.join(work, "bgpd.conf")
    out = ["frr defaults traditional", "hostname bench", "log file %s warnings" %
           os.path.join(work, "bgpd.log"), "!", "router bgp %d" % LOCAL_AS,
           " bgp router-id %s" % ROUTER_ID, " no bgp ebgp-requires-policy",
           " no bgp network import-check"]
    peers = [monitor()] if w.dynamic else clients(w.n) + [monitor()]
    for addr, asn in peers:
        out += [" neighbor %s remote-as %d" % (addr, asn), " neighbor %s passive" % addr]
    if w.dynamic:
        # FRR accepts 100 dynamic neighbors unless told otherwise.
        out += [" neighbor cluster peer-group",
                " neighbor cluster remote-as %s" % ("external" if w.distinct_as else AS_BASE),
                " bgp listen range %s peer-group cluster" % DYN_RANGE,
                " bgp listen limit %d" % max(100, w.n + 10)]
    out.append(" address-family ipv4 unicast")
    for addr, _ in peers:
        out.append("  neighbor %s route-server-client" % addr)
    if w.dynamic:
        out.append("  neighbor cluster route-server-client")
    out += [" exit-address-family", "!"]
    with open(cfg, "w") as f:
        f.write("\n".join(out) + "\n")
    vty = os.path.join(work, "frr-vty")
    os.makedirs(vty, exist_ok=True)
    return [tools["frr"], "-Z", "-S", "-n", "-f", cfg, "-i", os.path.join(work, "bgpd.pid"),
            "--vty_socket", vty, "-P", "0", "-l", ROUTER_ID]


def gobgp_neighbor(addr, asn):
    return ["[[neighbors]]", "  [neighbors.config]", '    neighbor-address = "%s"' % addr,
            "    peer-as = %d" % asn, "  [neighbors.transport.config]",
            "    passive-mode = true", "  [neighbors.route-server.config]",
            "    route-server-client = true", "  [[neighbors.afi-safis]]",
            "    [neighbors.afi-safis.config]", '      afi-safi-name = "ipv4-unicast"']


def gobgp_setup(w, work, tools):
    cfg = os.path.join(work, "gobgpd.toml")
    out = ["[global.config]", "  as = %d" % LOCAL_AS, '  router-id = "%s"' % ROUTER_ID,
           '  local-address-list = ["%s"]' % ROUTER_ID]
    for addr, asn in ([] if w.dynamic else clients(w.n)) + [monitor()]:
        out += gobgp_neighbor(addr, asn)
    if w.dynamic:
        # GoBGP's peer group names the AS; without one (peer-as 0) it takes the OPEN's.
        out += ["[[peer-groups]]", "  [peer-groups.config]", '    peer-group-name = "cluster"']
        if not w.distinct_as:
            out.append("    peer-as = %d" % AS_BASE)
        out += ["  [peer-groups.transport.config]", "    passive-mode = true",
                "  [peer-groups.route-server.config]", "    route-server-client = true",
                "  [[peer-groups.afi-safis]]", "    [peer-groups.afi-safis.config]",
                '      afi-safi-name = "ipv4-unicast"',
                "[[dynamic-neighbors]]", "  [dynamic-neighbors.config]",
                '    prefix = "%s"' % DYN_RANGE, '    peer-group = "cluster"']
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

class Workload:
    """One row: kind (plain, churn, dynamic), N peers, M prefixes each."""

    def __init__(self, kind, n, m, distinct_as=True):
        self.kind, self.n, self.m = kind, n, m
        self.distinct_as = distinct_as  # dynamic rows: one AS per peer, or one for all
        self.dynamic = kind == "dynamic"

    def key(self):
        return (self.kind, self.n, self.m)

    def tag(self):
        return ("%dx%d" % (self.n, self.m)) if self.kind == "plain" else \
            "%s-%dx%d" % (self.kind, self.n, self.m)

    def label(self):
        peers = "%s peer%s x %s" % (format(self.n, ","), "" if self.n == 1 else "s",
                                    format(self.m, ","))
        if self.kind == "churn":
            return "churn: %s, %d x %d%% again" % (peers, CHURN_ROUNDS, CHURN_FRACTION * 100)
        if self.kind == "dynamic":
            return "dynamic: %s%s" % (peers, "" if self.distinct_as else " (one AS)")
        return peers


def blaster_argv(w, pair, args, tools):
    if w.dynamic:
        source, est = DYN_FIRST, 180
        as_base, as_step = (DYN_AS_BASE, 1) if w.distinct_as else (AS_BASE, 0)
    else:
        source, as_base, as_step, est = clients(w.n)[0][0], AS_BASE, 1, 90
    argv = [tools["blaster"], "--target", pair.server_addr, "--target-as", str(LOCAL_AS),
            "--source-base", source, "--sessions", str(w.n), "--prefixes", str(w.m),
            "--as-base", str(as_base), "--as-step", str(as_step), "--monitor-source",
            monitor()[0], "--monitor-as", str(MONITOR_AS), "--timeout", str(args.timeout),
            "--establish-timeout", str(est), "--linger", "120", "--compact"]
    if w.kind == "churn":
        argv += ["--churn-rounds", str(CHURN_ROUNDS), "--churn-fraction", str(CHURN_FRACTION),
                 "--seed", "1", "--settle", "1"]
    return argv


def run_one(server, w, args, tools, work):
    """Returns a dict: ok, convergence_s (the row's figure), established_s, hwm_kib, error,
    report."""
    os.makedirs(work, exist_ok=True)
    result = {"server": server, "kind": w.kind, "peers": w.n, "prefixes": w.m, "ok": False,
              "convergence_s": None, "hwm_kib": None, "error": None}
    prefix = "bgpb%d" % os.getpid()
    with netns_scale.NetnsPair(prefix, subnet=SUBNET, prefix_len=16 if w.dynamic else 24) as pair:
        addrs = [a for a, _ in (dyn_clients(w.n, w.distinct_as) if w.dynamic else clients(w.n))]
        pair.add_client_addresses(addrs + [monitor()[0]])
        if not pair.wait_link():
            result["error"] = "veth never came up"
            return result
        argv = SETUP[server](w, work, tools)
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
        bl = pair.spawn("client", blaster_argv(w, pair, args, tools),
                        os.path.join(work, "blaster.stderr"), stdout=subprocess.PIPE)
        line = b""
        lines = []
        deadline = time.monotonic() + args.timeout * (2 if w.kind == "churn" else 1) + 300
        while time.monotonic() < deadline:
            ready, _, _ = select.select([bl.stdout], [], [], 1.0)
            if ready or bl.poll() is not None:
                line = bl.stdout.readline()
                lines.append(line)
                if line.startswith(b'{"event"'):
                    # The churn starts now: the server's CPU time is counted from here.
                    cpu0 = netns_scale.cpu_seconds(proc.pid)
                    line = b""
                    continue
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
            f.write(b"".join(lines))
        try:
            report = json.loads(line)
        except ValueError as e:
            report = {}
            result["error"] = result["error"] or "no blaster report: %s" % e
        result["report"] = report
        result["ok"] = bool(report.get("ok")) and result["error"] is None
        result["established_s"] = report.get("established_s")
        mon = report.get("monitor", {})
        result["held"] = mon.get("prefixes_held")
        result["final_state_exact"] = mon.get("final_state_exact")
        if w.kind == "churn":
            result["load_convergence_s"] = report.get("convergence_s")
            result["convergence_s"] = (report.get("churn") or {}).get("convergence_s")
            result["mismatched"] = mon.get("mismatched")
        elif w.dynamic:
            result["convergence_s"] = report.get("converged_since_start_s")
        else:
            result["convergence_s"] = report.get("convergence_s")
        if not report.get("ok") and report.get("error"):
            result["error"] = result["error"] or report["error"]
        result["timed_out"] = (report.get("error") or "").startswith("timeout:")
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
        if results[0].get("kind") == "dynamic":
            est = statistics.median(r["established_s"] or 0 for r in oks)
            return "%.2f s (Established %.2f s), %s" % (t, est, mem_s)
        return "%.2f s, %s" % (t, mem_s)
    r = next(r for r in results if not r["ok"])
    if r.get("timed_out"):
        if r.get("kind") == "churn" and r.get("load_convergence_s") is not None:
            return "> %g s, %s (%s differ)" % (timeout, mem_s,
                                                format(r.get("mismatched") or 0, ","))
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
    for w in workloads:
        row = [w.label()]
        for s in servers:
            if not tools.get(s):
                row.append("not installed")
            else:
                got = table.get(w.key() + (s,), [])
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


def parse_workloads(text, quick):
    """The rows asked for: NxM, a name of NAMED, or kind:NxM."""
    if not text:
        return [Workload(*t) for t in (QUICK if quick else FULL)]
    out = []
    for item in (x.strip().lower() for x in text.split(",") if x.strip()):
        if item in NAMED:
            out.append(Workload(*NAMED[item][1 if quick else 0]))
            continue
        kind, _, size = item.rpartition(":")
        kind = kind or "plain"
        if kind not in ("plain", "churn", "dynamic"):
            raise ValueError("unknown kind %r (plain, churn, dynamic)" % kind)
        try:
            n, m = (int(x) for x in size.split("x"))
        except ValueError:
            raise ValueError("expected NxM, wide, churn, dynamic or kind:NxM, got %r" % item)
        if n <= 0 or m <= 0:
            raise ValueError("%r: N and M must be positive" % item)
        limit = DYN_MAX if kind == "dynamic" else MONITOR_HOST - FIRST_HOST
        if n > limit:
            raise ValueError("%r: at most %d peers" % (item, limit))
        out.append(Workload(kind, n, m))
    return out


def accepts_any_as(bgpdemo):
    """Whether this bgpdemo takes `peer_as: any` on a range (it starts with such a config)."""
    work = tempfile.mkdtemp(prefix="bgpdemo-bench-probe-")
    cfg = os.path.join(work, "router.yaml")
    with open(cfg, "w") as f:
        f.write("router_id: 10.255.0.1\nlocal_as: 65000\nmode: route-server\n"
                "listen: {addresses: [127.0.0.1], port: 0}\n"
                "neighbors:\n  - {name: probe, range: 10.255.0.0/24, peer_as: any, "
                "import: all, export: all}\n")
    p = subprocess.Popen([bgpdemo, "router", "--config", cfg, "--socket",
                          os.path.join(work, "router.sock")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=1.5)
        ok = False
    except subprocess.TimeoutExpired:
        ok = True
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    shutil.rmtree(work, ignore_errors=True)
    return ok


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
    ap.add_argument("--workloads",
                    help="NxM, wide, churn, dynamic, churn:NxM, dynamic:NxM, comma-separated "
                         "(default: all six rows, or --quick's sizes of them)")
    ap.add_argument("--dynamic-as", choices=["auto", "distinct", "same"], default="auto",
                    help="dynamic rows: one AS per peer (needs bgpdemo's `peer_as: any`), one "
                         "AS for all, or distinct when the bgpdemo binary accepts `any`")
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
    try:
        workloads = parse_workloads(args.workloads, args.quick)
    except ValueError as e:
        ap.error("--workloads: %s" % e)
    tools = find_tools(args)
    tools["blaster"] = os.path.abspath(args.blaster)
    if any(w.dynamic for w in workloads):
        distinct = args.dynamic_as == "distinct" or (
            args.dynamic_as == "auto" and tools["bgpdemo"] and accepts_any_as(tools["bgpdemo"]))
        if not distinct:
            log("dynamic rows: every peer has AS %d (%s)" % (
                AS_BASE, "--dynamic-as same" if args.dynamic_as == "same"
                else "this bgpdemo has no `peer_as: any`"))
        for w in workloads:
            w.distinct_as = bool(distinct)
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
    for w in workloads:
        # Servers take turns within each repeat, so that a change in the machine's load
        # falls on all of them alike.
        for k in range(args.repeat):
            for s in servers:
                if not tools.get(s):
                    continue
                work = os.path.join(logs, "%s-%s-%d" % (s, w.tag(), k))
                log("%s: %s (run %d) ..." % (TITLES[s], w.label(), k + 1))
                t0 = time.monotonic()
                try:
                    r = run_one(s, w, args, tools, work)
                except SystemExit:
                    raise
                except Exception as e:  # noqa: BLE001 - one failed cell, not the whole table
                    r = {"server": s, "kind": w.kind, "peers": w.n, "prefixes": w.m,
                         "ok": False, "convergence_s": None, "hwm_kib": None, "error": str(e)}
                r["wall_s"] = time.monotonic() - t0
                r["loadavg"] = loadavg()
                log("  -> %s, server CPU %s s, load %s%s" % (
                    cell([r], args.timeout), fmt(r.get("server_cpu_s")), r["loadavg"],
                    "" if r["ok"] else " (%s)" % r.get("error")))
                table.setdefault(w.key() + (s,), []).append(r)
                all_results.append({k2: v for k2, v in r.items() if k2 != "report"})

    print()
    print("Route server convergence (first UPDATE to the monitor holding all N x M; churn: "
          "first churn UPDATE to the final table; dynamic: start to all Established and "
          "converged) and the server's peak RSS (VmHWM):")
    print()
    print_table(workloads, [s for s in servers], table, args.timeout, tools)
    print()
    print("Server CPU time (user + system, all threads) from the blaster's start (churn: the "
          "churn's start) to convergence (median; less sensitive to the machine's other load "
          "than the wall time):")
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
