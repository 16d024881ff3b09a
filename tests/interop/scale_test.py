#!/usr/bin/env python3
"""interop.scale: 50 BGP sessions x 1,000 prefixes through `bgpdemo router` (route server).

Two network namespaces joined by a veth pair (tests/interop/netns_scale.py): the router in
one, bgpdemo_blaster in the other with 51 source addresses. The router runs in route-server
mode and accepts the 50 announcing sessions as dynamic neighbors from one range (one AS,
as Cilium nodes of a cluster would come), plus a passive monitor neighbor with its own AS.
Each session announces 1,000 unique /24s; the monitor must receive all 50,000.

It asserts correctness only: all 51 sessions Established, the monitor holds exactly the
50,000 prefixes, and the router's `peers -o json` shows 1,000 received on each session. It
prints, never asserts, the convergence time and the router's peak RSS (VmHWM).

    sudo tests/interop/scale_test.py --bgpdemo build/bgpdemo --blaster build/tests/bgpdemo_blaster

Exit status: 0 pass, 1 fail, 77 skipped (not root, no namespaces). Every namespace and
process it made is removed on exit, failure, SIGINT/SIGTERM/SIGHUP (names: bgps<pid>s/c).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import netns_scale  # noqa: E402
from harness import tail  # noqa: E402

SESSIONS = 50
PREFIXES = 1000
SUBNET = "10.77.0"
FIRST_HOST = 10          # sessions from 10.77.0.10 .. .59
MONITOR_HOST = 100       # the monitor from 10.77.0.100
LOCAL_AS = 65000
CLIENT_AS = 65100        # every announcing session (the range's AS)
MONITOR_AS = 64999


def log(msg):
    print("scale_test: " + msg, flush=True)


def router_config():
    return """# written by tests/interop/scale_test.py
router_id: {s}.1
local_as: {las}
mode: route-server
listen:
  addresses: [{s}.1]
  port: 179
neighbors:
  - name: monitor
    address: {s}.{mon}
    peer_as: {mas}
    passive: true
    import: all
    export: all
  - name: clients
    range: {s}.0/24
    peer_as: {cas}
    import: all
    export: all
""".format(s=SUBNET, las=LOCAL_AS, mon=MONITOR_HOST, mas=MONITOR_AS, cas=CLIENT_AS)


def peers_json(bgpdemo, socket_path):
    p = subprocess.run([bgpdemo, "router", "peers", "-o", "json", "--socket", socket_path],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise RuntimeError("bgpdemo router peers failed (%d): %s" % (p.returncode, p.stderr.strip()))
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bgpdemo", required=True)
    ap.add_argument("--blaster", required=True)
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds from the first UPDATE for the monitor to hold everything")
    ap.add_argument("--keep-logs", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    reason = netns_scale.skip_reason()
    if reason:
        print("SKIP: interop.scale %s" % reason)
        return 77
    for b in (args.bgpdemo, args.blaster):
        if not os.access(b, os.X_OK):
            print("FAIL: %s is not an executable" % b)
            return 1
    bgpdemo = os.path.abspath(args.bgpdemo)
    blaster = os.path.abspath(args.blaster)

    work = tempfile.mkdtemp(prefix="bgpdemo-scale-")
    cfg = os.path.join(work, "router.yaml")
    sock = os.path.join(work, "router.sock")
    router_log = os.path.join(work, "router.log")
    blaster_log = os.path.join(work, "blaster.log")
    with open(cfg, "w") as f:
        f.write(router_config())

    failures = []
    prefix = "bgps%d" % os.getpid()
    try:
        pair = netns_scale.NetnsPair(prefix, subnet=SUBNET).__enter__()
    except RuntimeError as e:
        print("SKIP: interop.scale cannot create network namespaces: %s" % e)
        return 77
    try:
        sources = ["%s.%d" % (SUBNET, FIRST_HOST + i) for i in range(SESSIONS)]
        pair.add_client_addresses(sources + ["%s.%d" % (SUBNET, MONITOR_HOST)])
        if not pair.wait_link():
            raise RuntimeError("the veth between %s and %s never came up" %
                               (pair.server_ns, pair.client_ns))

        router = pair.spawn("server", [bgpdemo, "router", "--config", cfg, "--socket", sock,
                                       "--log-level", "warn"], router_log)
        deadline = time.monotonic() + 15
        while True:
            if router.poll() is not None:
                raise RuntimeError("bgpdemo router exited %d at start:\n%s" %
                                   (router.returncode, tail(router_log)))
            try:
                peers_json(bgpdemo, sock)
                break
            except (RuntimeError, ValueError):
                if time.monotonic() > deadline:
                    raise RuntimeError("bgpdemo router's control socket never answered:\n" +
                                       tail(router_log))
                time.sleep(0.2)
        log("router pid %d up in %s; %d sessions x %d prefixes + monitor" %
            (router.pid, pair.server_ns, SESSIONS, PREFIXES))

        bl = pair.spawn("client", [
            blaster, "--target", pair.server_addr, "--target-as", str(LOCAL_AS),
            "--source-base", sources[0], "--sessions", str(SESSIONS),
            "--prefixes", str(PREFIXES), "--as-base", str(CLIENT_AS), "--as-step", "0",
            "--monitor-source", "%s.%d" % (SUBNET, MONITOR_HOST),
            "--monitor-as", str(MONITOR_AS), "--timeout", str(args.timeout),
            "--establish-timeout", "60", "--linger", "120", "--compact"],
            blaster_log, stdout=subprocess.PIPE)
        line = bl.stdout.readline()
        if not line:
            rc = bl.wait()
            raise RuntimeError("bgpdemo_blaster exited %d without a report:\n%s" %
                               (rc, tail(blaster_log)))
        report = json.loads(line)
        if not report.get("ok"):
            failures.append("blaster: %s" % report.get("error", "not converged"))

        # Correctness, while the blaster still holds the sessions up.
        est = report.get("established_sessions", 0)
        if est != SESSIONS + 1:
            failures.append("%d of %d sessions Established" % (est, SESSIONS + 1))
        mon = report.get("monitor", {})
        total = SESSIONS * PREFIXES
        if mon.get("prefixes_held") != total:
            failures.append("the monitor holds %s prefixes, expected %d" %
                            (mon.get("prefixes_held"), total))
        if mon.get("unexpected"):
            failures.append("the monitor received %d prefixes nobody announced" % mon["unexpected"])

        if report.get("ok"):
            peers = peers_json(bgpdemo, sock)
            clients = [p for p in peers if p.get("name") == "clients"]
            up = [p for p in clients if p.get("state") == "established"]
            if len(up) != SESSIONS:
                failures.append("the router shows %d of %d client sessions established" %
                                (len(up), SESSIONS))
            for p in clients:
                fams = {f["family"]: f for f in p.get("families", [])}
                got = fams.get("ipv4-unicast", {}).get("received")
                if got != PREFIXES:
                    failures.append("router: %s received %s prefixes, expected %d" %
                                    (p.get("address"), got, PREFIXES))
            monitor = [p for p in peers if p.get("name") == "monitor"]
            if not monitor or monitor[0].get("state") != "established":
                failures.append("the router does not show the monitor established")
            else:
                fams = {f["family"]: f for f in monitor[0].get("families", [])}
                log("router advertised %s prefixes to the monitor" %
                    fams.get("ipv4-unicast", {}).get("advertised"))

        hwm = netns_scale.vm_hwm_kib(router.pid)  # at convergence, the sessions still up
        pair.stop(bl)
        time.sleep(2)
        hwm_teardown = netns_scale.vm_hwm_kib(router.pid)
        if router.poll() is not None:
            failures.append("bgpdemo router exited %d during the run:\n%s" %
                            (router.returncode, tail(router_log)))

        # Figures: printed, never asserted.
        log("sessions established in %s s" % fmt_s(report.get("established_s")))
        log("convergence (first UPDATE to the monitor holding %d prefixes): %s s" %
            (total, fmt_s(report.get("convergence_s"))))
        log("blaster send time: %s s; monitor: %s UPDATEs, %s NLRI, %s duplicates, %s withdrawn" %
            (fmt_s(report.get("send_s")), mon.get("updates_received"), mon.get("nlri_received"),
             mon.get("duplicates"), mon.get("withdrawn_received")))
        log("router peak RSS (VmHWM) at convergence: %s; after the sessions closed: %s" %
            (mib(hwm), mib(hwm_teardown)))
    except Exception as e:  # noqa: BLE001 - reported as a failure, cleanup below
        failures.append("%s: %s" % (type(e).__name__, e))
    finally:
        pair.close()

    if failures:
        for f in failures:
            print("FAIL: " + f)
        print("router log (tail):\n" + tail(router_log))
        print("blaster log (tail):\n" + tail(blaster_log))
        print("logs kept in " + work)
        return 1
    if not args.keep_logs:
        for p in (cfg, router_log, blaster_log):
            try:
                os.unlink(p)
            except OSError:
                pass
        try:
            os.rmdir(work)
        except OSError:
            pass
    print("PASS: interop.scale")
    return 0


def mib(kib):
    return "%.1f MiB" % (kib / 1024.0) if kib else "unknown"


def fmt_s(v):
    return "%.3f" % v if isinstance(v, (int, float)) else "n/a"


if __name__ == "__main__":
    sys.exit(main())
