#!/usr/bin/env python3
"""soak: session churn against `bgpdemo router`, then the same router as before (issue #16).

The router runs in route-server mode on a loopback port (no root, no namespace: every
source address is one of 127.77.0.0/24). bgpdemo_soak (tests/tools/soak.cpp) opens N
announcing sessions from that range and a monitor, loads M /24s per session, and once the
monitor holds them all flaps random sessions F times at random moments (TCP resets, Cease
NOTIFICATIONs, hold-timer expiry, half-open connections), at most C at once. This test
samples the router before the first flap (the plateau) and after the last one, and asserts:

- the soak passed: every flap over, every session back, the monitor holding exactly the
  first load's table, no session down unasked, no route from a wrong origin;
- the router's RIB (`router routes -o json`) is the same, route for route, as before;
- `router peers` shows N + 1 sessions Established;
- the router's RSS is within 10% of the plateau's highest sample;
- its open file descriptors and session timers (metrics `process_open_fds`,
  `bgpdemo_bgp_timers`) are as many as before: nothing leaked.

It prints the figures (flaps by kind, flap-to-Established times, RSS, fds, timers). CTest
runs a short soak (soak.short); `make soak` runs 100 sessions and 1,000 flaps.

    python3 tests/soak/soak_test.py --bgpdemo build/bgpdemo --soak build/tests/bgpdemo_soak \\
        --sessions 100 --flaps 1000

Exit status: 0 pass, 1 fail. The router and the soak are stopped on exit, also on failure.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import Checks, log, tail  # noqa: E402

LOCAL_AS = 65000
CLIENT_AS = 65100
MONITOR_AS = 64999
SUBNET = "127.77.0"
FIRST = 10        # sessions from 127.77.0.10
MONITOR = 250     # the monitor from 127.77.0.250


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def router_config(port):
    return f"""# written by tests/soak/soak_test.py
router_id: 127.0.0.1
local_as: {LOCAL_AS}
mode: route-server
listen:
  addresses: [127.0.0.1]
  port: {port}
neighbors:
  - name: monitor
    address: {SUBNET}.{MONITOR}
    peer_as: {MONITOR_AS}
    passive: true
    import: all
    export: all
  - name: clients
    range: {SUBNET}.0/24
    peer_as: {CLIENT_AS}
    import: all
    export: all
"""


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def metrics(port):
    """The router's gauges that tell of leaks: {name: value}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in ("process_open_fds", "bgpdemo_bgp_timers", "process_resident_memory_bytes"):
            out[name] = float(value)
    return out


class Router:
    def __init__(self, bgpdemo, work):
        self.bgpdemo = bgpdemo
        self.work = work
        self.port = free_port()
        self.metrics_port = free_port()
        self.sock = os.path.join(work, "router.sock")
        self.log = os.path.join(work, "router.log")
        cfg = os.path.join(work, "router.yaml")
        with open(cfg, "w") as f:
            f.write(router_config(self.port))
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [bgpdemo, "router", "--config", cfg, "--socket", self.sock, "--metrics",
                 f"127.0.0.1:{self.metrics_port}", "--log-level", "warn"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def ask(self, verb):
        r = subprocess.run([self.bgpdemo, "router", verb, "-o", "json", "--socket", self.sock],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"router {verb}: exit {r.returncode}: {r.stderr.strip()}")
        return json.loads(r.stdout)

    def answering(self):
        try:
            self.ask("peers")
            return True
        except (RuntimeError, ValueError, subprocess.SubprocessError):
            return False

    def sample(self):
        m = metrics(self.metrics_port)
        return {"rss_kib": rss_kib(self.proc.pid), "fds": m.get("process_open_fds"),
                "timers": m.get("bgpdemo_bgp_timers")}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def routes_key(routes):
    """The RIB as comparable text: every route with its attributes, sorted."""
    items = routes.get("routes", routes) if isinstance(routes, dict) else routes
    return sorted(json.dumps(r, sort_keys=True) for r in items)


def read_event(proc, timeout):
    """The next JSON line of the soak's stdout (None at EOF or after timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            return None
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    return None


def body(c, args, work):
    router = Router(args.bgpdemo, work)
    soak = None
    try:
        c.wait("the router answers on its control socket", router.answering, 15, fatal=True)
        argv = [args.soak, "--target", "127.0.0.1", "--port", str(router.port),
                "--source-base", f"{SUBNET}.{FIRST}", "--monitor-source", f"{SUBNET}.{MONITOR}",
                "--sessions", str(args.sessions), "--prefixes", str(args.prefixes),
                "--as", str(CLIENT_AS), "--monitor-as", str(MONITOR_AS),
                "--flaps", str(args.flaps), "--concurrency", str(args.concurrency),
                "--seed", str(args.seed), "--plateau", str(args.plateau),
                "--timeout", str(args.timeout), "--linger", "600"]
        log("$ " + " ".join(argv))
        soak = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=open(
            os.path.join(work, "soak.err"), "w"), text=True)
        ev = read_event(soak, 120)
        c.check(ev and ev.get("event") == "load_converged",
                f"the load converged: {args.sessions} sessions x {args.prefixes} prefixes",
                ev or tail(os.path.join(work, "soak.err")))
        if not ev or ev.get("event") != "load_converged":
            return
        # The plateau: the router holds the load and nothing moves.
        time.sleep(0.5)
        before_routes = router.ask("routes")
        samples = []
        deadline = time.monotonic() + max(0.5, args.plateau - 1.0)
        while time.monotonic() < deadline:
            samples.append(router.sample())
            time.sleep(0.2)
        before = max(samples, key=lambda s: s["rss_kib"])
        before["fds"] = samples[-1]["fds"]
        before["timers"] = samples[-1]["timers"]
        log(f"plateau: RSS {before['rss_kib']} KiB (highest of {len(samples)} samples), "
            f"{before['fds']:.0f} fds, {before['timers']:.0f} timers, "
            f"{len(routes_key(before_routes))} routes")
        ev = read_event(soak, 30)
        c.check(ev and ev.get("event") == "flaps_start", "the flaps start", ev)
        report = read_event(soak, args.timeout + 30)
        c.check(report is not None and report.get("ok") is True,
                f"the soak passes: {args.flaps} flaps, every session back",
                (report or {}).get("error") or tail(os.path.join(work, "soak.err")))
        if not report:
            return
        log("soak report: " + json.dumps({k: report.get(k) for k in
                                          ("flaps", "by_kind", "flap_to_established_s",
                                           "reasons", "soak_s", "monitor")}))
        flaps = report.get("flaps", {})
        c.check(flaps.get("over") == args.flaps and all(
            report["by_kind"][k]["count"] > 0 for k in report.get("by_kind", {})),
            "every flap over, each of the four kinds among them",
            {k: v.get("count") for k, v in report.get("by_kind", {}).items()})
        c.check(flaps.get("before_table", 0) > 0,
                "some flaps started before the session's table went out", flaps)
        c.check(report.get("monitor", {}).get("exact") is True,
                "the monitor holds exactly the first load's table", report.get("monitor"))
        # After: the router quiet again.
        time.sleep(1.0)
        peers = router.ask("peers")
        items = peers.get("peers", peers) if isinstance(peers, dict) else peers
        up = [p for p in items if p.get("state") == "established"]
        c.check(len(up) == args.sessions + 1,
                f"{args.sessions + 1} sessions Established after the soak",
                f"{len(up)} of {len(items)}")
        after_routes = router.ask("routes")
        c.check(routes_key(after_routes) == routes_key(before_routes),
                "the router's RIB is the same, route for route, as before the soak",
                f"{len(routes_key(after_routes))} routes against "
                f"{len(routes_key(before_routes))}")
        after = router.sample()
        for _ in range(20):  # a closed session's last timers go with their completions
            if after["timers"] == before["timers"] and after["fds"] == before["fds"]:
                break
            time.sleep(0.25)
            after = router.sample()
        growth = after["rss_kib"] / before["rss_kib"] - 1 if before["rss_kib"] else 1
        log(f"after: RSS {after['rss_kib']} KiB ({growth * 100:+.1f}%), "
            f"{after['fds']:.0f} fds, {after['timers']:.0f} timers")
        c.check(growth <= 0.10, "the router's RSS within 10% of the plateau",
                f"{before['rss_kib']} -> {after['rss_kib']} KiB")
        c.check(after["fds"] == before["fds"], "as many open file descriptors as before",
                f"{before['fds']} -> {after['fds']}")
        c.check(after["timers"] == before["timers"], "as many session timers as before",
                f"{before['timers']} -> {after['timers']}")
        c.check(router.proc.poll() is None, "the router still runs", tail(router.log))
        print("figure: soak: " + json.dumps({
            "sessions": args.sessions, "prefixes": report.get("prefixes"),
            "flaps": flaps.get("over"),
            "by_kind": {k: {"count": v["count"], "p50_s": round(v["to_established_s"]["p50"], 2),
                            "p99_s": round(v["to_established_s"]["p99"], 2)}
                        for k, v in report.get("by_kind", {}).items()},
            "flap_to_established_s": report.get("flap_to_established_s"),
            "soak_s": round(report.get("soak_s") or 0, 1),
            "rss_kib": [before["rss_kib"], after["rss_kib"]],
            "fds": [before["fds"], after["fds"]], "timers": [before["timers"], after["timers"]]}),
            flush=True)
    finally:
        if soak is not None and soak.poll() is None:
            soak.send_signal(signal.SIGTERM)
            try:
                soak.wait(15)
            except subprocess.TimeoutExpired:
                soak.kill()
                soak.wait()
        router.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bgpdemo", required=True)
    ap.add_argument("--soak", required=True, help="build/tests/bgpdemo_soak")
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--prefixes", type=int, default=100, help="per session")
    ap.add_argument("--flaps", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("BGPDEMO_SOAK_SEED", "1")))
    ap.add_argument("--plateau", type=float, default=4.0)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    if args.sessions + FIRST >= MONITOR:
        print(f"FAIL: at most {MONITOR - FIRST - 1} sessions (from {SUBNET}.{FIRST})")
        return 1
    args.bgpdemo = os.path.abspath(args.bgpdemo)
    args.soak = os.path.abspath(args.soak)
    work = tempfile.mkdtemp(prefix="bgpdemo-soak-")
    c = Checks()
    log(f"== soak: {args.sessions} sessions x {args.prefixes} prefixes, {args.flaps} flaps "
        f"(at most {args.concurrency} at once), seed {args.seed}; work directory {work}")
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, lambda sig, _f: (_ for _ in ()).throw(KeyboardInterrupt(sig)))
    try:
        body(c, args, work)
    except Exception as e:  # noqa: BLE001: every failure is a failed check, cleanup runs
        c.check(False, "the soak could not go on", repr(e))
    except KeyboardInterrupt as e:
        c.check(False, "interrupted", str(e))
    if c.failed or args.keep:
        log(f"work directory kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    log(f"soak took {c.elapsed():.1f}s")
    log(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
