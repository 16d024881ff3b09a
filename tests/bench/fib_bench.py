#!/usr/bin/env python3
"""fib_bench.py: kernel route programming in router mode, bgpdemo against BIRD 2.

The FIB row of issue #13: one peer announces M unique IPv4 /24s to a router in router mode
(its AS prepended, next hop self), which installs them in its kernel table and passes them
on to a second peer (the monitor). Per server and size it prints:

    peer      first UPDATE to the monitor holding all M (bgpdemo_blaster's convergence_s)
    kernel    first UPDATE to the router's main table holding all M: its prefix count in
              /proc/PID/net/fib_triestat (the router's namespace), read every 20 ms
    RSS       the router's peak RSS (VmHWM) once both are done

    bgpdemo-nofib  bgpdemo router, mode router, no `fib` (the baseline: no kernel column)
    bgpdemo        the same with `fib: {install: true}`
    bird           BIRD 2, `protocol kernel { ipv4 { export all; }; }`, both peers
                   `import all; export all` (/usr/sbin/bird)

Each run builds two fresh network namespaces (router and clients, one veth pair:
tests/interop/netns_scale.py, subnet 10.79.0.0/24; the /24s start at 16.0.0.0, clear of
it) and starts the router and bgpdemo_blaster (1 session and the monitor) in them.

Usage (root; a mostly idle machine: the router, the kernel and the blaster share its cores):

    sudo tests/bench/fib_bench.py --bgpdemo build/bgpdemo \\
        --blaster build/tests/bgpdemo_blaster [--sizes 200000,1000000] \\
        [--servers bgpdemo-nofib,bgpdemo,bird] [--repeat 3] [--timeout 180] \\
        [--json results.json] [--logs DIR]

Exit status: 0 when every bgpdemo run converged (monitor and kernel), 1 otherwise, 2 on bad
usage, 77 when not root. Everything it creates (namespaces fibb<pid>s/c, processes) is
removed on exit and on SIGINT/SIGTERM/SIGHUP.
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
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import netns_scale  # noqa: E402

SUBNET = "10.79.0"
ROUTER_ID = SUBNET + ".1"
PEER = (SUBNET + ".10", 65001)
MONITOR = (SUBNET + ".250", 64999)
LOCAL_AS = 65000
SERVERS = ["bgpdemo-nofib", "bgpdemo", "bird"]
TITLES = {"bgpdemo-nofib": "bgpdemo, FIB off", "bgpdemo": "bgpdemo, FIB on",
          "bird": "BIRD 2 (kernel export)"}


def log(msg):
    print("fib_bench: " + msg, file=sys.stderr, flush=True)


def bgpdemo_setup(work, tools, fib):
    cfg = os.path.join(work, "router.yaml")
    lines = ["router_id: %s" % ROUTER_ID, "local_as: %d" % LOCAL_AS, "mode: router",
             "listen:", "  addresses: [%s]" % ROUTER_ID, "  port: 179"]
    if fib:
        lines.append("fib: {install: true}")
    lines.append("neighbors:")
    for name, (addr, asn) in (("peer", PEER), ("monitor", MONITOR)):
        lines += ["  - name: %s" % name, "    address: %s" % addr, "    peer_as: %d" % asn,
                  "    passive: true", "    import: all", "    export: all"]
    with open(cfg, "w") as f:
        f.write("\n".join(lines) + "\n")
    return [tools["bgpdemo"], "router", "--config", cfg, "--socket",
            os.path.join(work, "router.sock"), "--log-level", "warn"]


def bird_setup(work, tools):
    cfg = os.path.join(work, "bird.conf")
    out = ["router id %s;" % ROUTER_ID,
           'log "%s" { warning, error, fatal };' % os.path.join(work, "bird.log"),
           "protocol device { scan time 60; }",
           "protocol kernel { learn off; scan time 600; ipv4 { import none; export all; }; }",
           "template bgp peers {", "  local %s as %d;" % (ROUTER_ID, LOCAL_AS),
           "  passive on;", "  hold time 90;", "  ipv4 { import all; export all; };", "}"]
    for name, (addr, asn) in (("peer", PEER), ("monitor", MONITOR)):
        out.append("protocol bgp %s from peers { neighbor %s as %d; }" % (name, addr, asn))
    with open(cfg, "w") as f:
        f.write("\n".join(out) + "\n")
    netns_scale.run([tools["bird"], "-p", "-c", cfg])
    return [tools["bird"], "-f", "-c", cfg, "-s", os.path.join(work, "bird.ctl"),
            "-P", os.path.join(work, "bird.pid")]


def main_prefixes(pid):
    """Prefixes in the main table of pid's network namespace; None when unreadable."""
    try:
        with open("/proc/%d/net/fib_triestat" % pid) as f:
            text = f.read()
    except OSError:
        return None
    section = text.split("Main:", 1)[1] if "Main:" in text else ""
    for line in section.splitlines():
        if line.strip().startswith("Prefixes:"):
            return int(line.split()[1])
    return None


class KernelWatch(threading.Thread):
    """Polls the main table's prefix count until it reaches `want`; `done_at` is then the
    monotonic time it was first seen there."""

    def __init__(self, pid, want):
        super().__init__(daemon=True)
        self.pid, self.want = pid, want
        self.done_at = None
        self.last = None
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            n = main_prefixes(self.pid)
            now = time.monotonic()
            if n is not None:
                self.last = n
                if n >= self.want:
                    self.done_at = now
                    return
            self.stop.wait(0.02)


def run_one(server, m, args, tools, work):
    os.makedirs(work, exist_ok=True)
    result = {"server": server, "prefixes": m, "ok": False, "peer_s": None, "kernel_s": None,
              "hwm_kib": None, "error": None}
    with netns_scale.NetnsPair("fibb%d" % os.getpid(), subnet=SUBNET) as pair:
        pair.add_client_addresses([PEER[0], MONITOR[0]])
        if not pair.wait_link():
            result["error"] = "veth never came up"
            return result
        if server == "bird":
            argv = bird_setup(work, tools)
        else:
            argv = bgpdemo_setup(work, tools, fib=(server == "bgpdemo"))
        proc = pair.spawn("server", argv, os.path.join(work, "server.stderr"))
        time.sleep(0.5)
        if proc.poll() is not None:
            result["error"] = "%s exited %d at start" % (server, proc.returncode)
            return result
        baseline = main_prefixes(proc.pid) or 0
        watch = KernelWatch(proc.pid, baseline + m) if server != "bgpdemo-nofib" else None
        if watch:
            watch.start()
        bl = pair.spawn("client", [
            tools["blaster"], "--target", pair.server_addr, "--target-as", str(LOCAL_AS),
            "--sources", PEER[0], "--sessions", "1", "--prefixes", str(m),
            "--as-base", str(PEER[1]), "--monitor-source", MONITOR[0],
            "--monitor-as", str(MONITOR[1]), "--timeout", str(args.timeout),
            "--establish-timeout", "90", "--linger", str(args.timeout + 60), "--compact"],
            os.path.join(work, "blaster.stderr"), stdout=subprocess.PIPE)
        line, line_at = b"", None
        deadline = time.monotonic() + args.timeout + 120
        while time.monotonic() < deadline:
            ready, _, _ = select.select([bl.stdout], [], [], 1.0)
            if ready or bl.poll() is not None:
                line = bl.stdout.readline()
                line_at = time.monotonic()
                break
        try:
            report = json.loads(line)
        except ValueError as e:
            report = {}
            result["error"] = "no blaster report: %s" % e
        with open(os.path.join(work, "blaster.json"), "wb") as f:
            f.write(line)
        result["peer_s"] = report.get("convergence_s")
        ok = bool(report.get("ok"))
        if not ok:
            result["error"] = result["error"] or report.get("error") or "the monitor did not converge"
        if watch:
            # The blaster's clock starts at its first UPDATE; its report says how long ago.
            since = report.get("elapsed_since_first_update_s")
            t0 = line_at - since if (line_at is not None and since is not None) else None
            watch.join(max(0.0, (t0 or time.monotonic()) + args.timeout - time.monotonic()))
            watch.stop.set()
            if watch.done_at is not None and t0 is not None:
                result["kernel_s"] = watch.done_at - t0
            else:
                ok = False
                result["error"] = result["error"] or "the kernel held %s of %d routes" % (
                    (watch.last or baseline) - baseline, m)
        result["hwm_kib"] = netns_scale.vm_hwm_kib(proc.pid)
        if proc.poll() is not None:
            ok = False
            result["error"] = "%s exited %d during the run" % (server, proc.returncode)
        result["ok"] = ok and result["error"] is None
        pair.stop(bl)
        pair.stop(proc)
    return result


def cell(results, key):
    vals = [r[key] for r in results if r.get(key) is not None]
    if not vals or not all(r["ok"] for r in results):
        return "failed" if results else "-"
    return "%.2f s" % statistics.median(vals)


def mem(results):
    m = max((r["hwm_kib"] or 0) for r in results) if results else 0
    return "%s MiB" % format(int(round(m / 1024.0)), ",") if m else "?"


def main():
    ap = argparse.ArgumentParser(
        description="Kernel FIB programming in router mode: bgpdemo (FIB off, on) and BIRD 2. "
                    "Needs root.",
        epilog="Usage" + __doc__.split("Usage", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bgpdemo", help="the bgpdemo binary (its rows are skipped without it)")
    ap.add_argument("--blaster", required=True, help="the bgpdemo_blaster binary")
    ap.add_argument("--servers", default=",".join(SERVERS))
    ap.add_argument("--sizes", default="200000,1000000", help="prefixes per run, comma-separated")
    ap.add_argument("--timeout", type=float, default=180, help="seconds per run")
    ap.add_argument("--repeat", type=int, default=1, help="runs per cell (the median is shown)")
    ap.add_argument("--json", help="write every run's result here")
    ap.add_argument("--logs", help="keep configs, logs and reports in this directory")
    args = ap.parse_args()

    reason = netns_scale.skip_reason()
    if reason:
        print("fib_bench: skipped: %s" % reason, file=sys.stderr)
        return 77
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    if any(s not in SERVERS for s in servers):
        ap.error("--servers: choose from %s" % ",".join(SERVERS))
    try:
        sizes = [int(x) for x in args.sizes.split(",")]
        assert all(0 < s <= 4000000 for s in sizes)
    except (ValueError, AssertionError):
        ap.error("--sizes: expected counts of prefixes, e.g. 200000,1000000")
    tools = {"bgpdemo": os.path.abspath(args.bgpdemo) if args.bgpdemo else None,
             "bird": shutil.which("bird") or ("/usr/sbin/bird" if os.path.exists("/usr/sbin/bird") else None),
             "blaster": os.path.abspath(args.blaster)}
    have = lambda s: tools["bird"] if s == "bird" else tools["bgpdemo"]  # noqa: E731
    for s in servers:
        if not have(s):
            log("%s: not installed, skipped" % TITLES[s])
    logs = args.logs or tempfile.mkdtemp(prefix="bgpdemo-fib-bench-")
    os.makedirs(logs, exist_ok=True)

    table, all_results = {}, []
    for m in sizes:
        for k in range(args.repeat):
            for s in servers:  # servers take turns within each repeat
                if not have(s):
                    continue
                log("%s: %d prefixes (run %d) ..." % (TITLES[s], m, k + 1))
                try:
                    r = run_one(s, m, args, tools, os.path.join(logs, "%s-%d-%d" % (s, m, k)))
                except SystemExit:
                    raise
                except Exception as e:  # noqa: BLE001 - one failed cell, not the whole table
                    r = {"server": s, "prefixes": m, "ok": False, "hwm_kib": None, "error": str(e)}
                log("  -> peer %s, kernel %s, RSS %s%s" % (
                    r.get("peer_s"), r.get("kernel_s"), mem([r]),
                    "" if r["ok"] else " (%s)" % r.get("error")))
                table.setdefault((m, s), []).append(r)
                all_results.append(r)

    print()
    print("Router mode, 1 peer announcing M /24s: time from the first UPDATE until the second "
          "peer holds them (peer), until the router's kernel table holds them (kernel), and the "
          "router's peak RSS (median of %d):" % args.repeat)
    print()
    head = ["prefixes"] + [TITLES[s] for s in servers]
    rows = []
    for m in sizes:
        row = [format(m, ",")]
        for s in servers:
            got = table.get((m, s), [])
            if not have(s):
                row.append("not installed")
            elif s == "bgpdemo-nofib":
                row.append("peer %s, %s" % (cell(got, "peer_s"), mem(got)))
            else:
                row.append("peer %s, kernel %s, %s" % (cell(got, "peer_s"), cell(got, "kernel_s"),
                                                       mem(got)))
        rows.append(row)
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    fmt_row = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    print(fmt_row(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(fmt_row(r))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(all_results, f, indent=2)
    log("run logs in %s" % logs)
    return 0 if all(r["ok"] for r in all_results if r["server"].startswith("bgpdemo")) else 1


if __name__ == "__main__":
    sys.exit(main())
