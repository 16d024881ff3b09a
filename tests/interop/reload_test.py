#!/usr/bin/env python3
"""interop.reload: the route server's config reloaded while 1,000,000 routes flow through it.

Two network namespaces joined by a veth pair (tests/interop/netns_scale.py): `bgpdemo
router` (route-server mode) in one; in the other bgpdemo_blaster (10 sessions x 100,000
/24s, and a monitor that must receive all 1,000,000) and four node speakers, each a
`bgpdemo router` with one neighbor, the route server:

    keep    its neighbor is never touched: its session must stay up throughout
    change  its neighbor's hold time goes 90 -> 27: Cease 6/6, back with hold time 27
    gone    its neighbor is removed (Cease 6/3), then put back (it comes back)
    late    its neighbor is added: it comes up

Once the routes flow, it reloads three times, back to back: SIGHUP with keep/change/gone/
late as above (done when the router logs its reload); `bgpdemo router reload` with `gone`
put back (its JSON must list only that); `router reload` with a config that has an error,
which must be refused with file:line:column and exit status 3 while the old config runs on.
The SIGHUP must come while the router has received some but not all of the routes (the flow
takes under a second here, so the later ones may find it done; each prints where the flow
was). It asserts that the blaster's monitor holds every one of the 1,000,000 routes from its
owner, that no untouched session (keep, the blaster's ten, the monitor) ever left
Established (the router's log), and that each changed neighbor ended as the config says. It
prints how far the flow was at each reload and how long each took.

    sudo tests/interop/reload_test.py --bgpdemo build/bgpdemo --blaster build/tests/bgpdemo_blaster

Exit status: 0 pass, 1 fail, 77 skipped (not root, no namespaces). Every namespace and
process it made is removed on exit, failure, SIGINT/SIGTERM/SIGHUP (names: bgpr<pid>s/c).
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import netns_scale  # noqa: E402
from harness import tail  # noqa: E402

SUBNET = "10.79.0"
LOCAL_AS = 65000
CLIENT_AS = 65100
MONITOR_AS = 64999
FIRST_CLIENT = 10      # blaster sessions from .10
MONITOR_HOST = 100
SPEAKERS = {"keep": 110, "change": 111, "gone": 112, "late": 113}


def log(msg):
    print("reload_test: " + msg, flush=True)


def addr(host):
    return "%s.%d" % (SUBNET, host)


def router_config(names, change_hold=90, broken=False):
    """The route server's config with the speaker neighbors in `names`."""
    text = """# written by tests/interop/reload_test.py
router_id: {r}
local_as: {las}
mode: route-server
listen:
  addresses: [{r}]
  port: 179
neighbors:
  - name: monitor
    address: {mon}
    peer_as: {mas}
    passive: true
    import: all
    export: all
  - name: clients
    range: {s}.0/27
    peer_as: {cas}
    import: all
    export: all
""".format(r=addr(1), las=LOCAL_AS, mon=addr(MONITOR_HOST), mas=MONITOR_AS, s=SUBNET,
           cas=CLIENT_AS)
    for name in names:
        host = SPEAKERS[name]
        text += """  - name: {n}
    address: {a}
    peer_as: {asn}
    passive: true
    import: none       # sessions only: the monitor must hold exactly the blaster's routes
    export: none
    timers: {{hold_time: {hold}, keepalive: {ka}}}
""".format(n=name, a=addr(host), asn=64000 + host,
           hold=change_hold if name == "change" else 90,
           ka=change_hold // 3 if name == "change" else 30)
    if broken:
        text += "  - name: broken\n    address: 10.79.0.300\n    peer_as: 64999\n"
    return text


def speaker_config(name):
    host = SPEAKERS[name]
    return """# written by tests/interop/reload_test.py
router_id: {a}
local_as: {asn}
listen: {{port: 0}}
neighbors:
  - name: route-server
    address: {r}
    peer_as: {las}
    local_address: {a}
    import: all
    export: all
    timers: {{connect_retry: 1}}
""".format(a=addr(host), asn=64000 + host, r=addr(1), las=LOCAL_AS)


def bgpdemo_json(bgpdemo, args, timeout=60):
    p = subprocess.run([bgpdemo] + args + ["-o", "json"], capture_output=True, text=True,
                       timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("bgpdemo %s failed (%d): %s" % (" ".join(args), p.returncode,
                                                           p.stderr.strip()))
    return json.loads(p.stdout)


def write(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class Run:
    def __init__(self, args, pair, work):
        self.bgpdemo = args.bgpdemo
        self.pair = pair
        self.work = work
        self.cfg = os.path.join(work, "router.yaml")
        self.sock = os.path.join(work, "router.sock")
        self.router_log = os.path.join(work, "router.log")
        self.failures = []

    def peers(self):
        return bgpdemo_json(self.bgpdemo, ["router", "peers", "--socket", self.sock])

    def by_name(self):
        out = {}
        for p in self.peers():
            out.setdefault(p["name"], []).append(p)
        return out

    def received(self):
        n = 0
        for p in self.peers():
            if p["name"] == "clients":
                n += sum(f.get("received", 0) for f in p.get("families", []))
        return n

    def wait(self, what, pred, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return True
            time.sleep(0.2)
        self.failures.append("timed out after %d s waiting for %s" % (timeout, what))
        return False

    def established(self, name, hold=None):
        def check():
            for p in self.by_name().get(name, []):
                if p["state"] == "established" and (hold is None or p.get("hold_time") == hold):
                    return True
            return False
        return check

    def reload_verb(self):
        t0 = time.monotonic()
        p = subprocess.run([self.bgpdemo, "router", "reload", "--socket", self.sock, "-o", "json"],
                           capture_output=True, text=True, timeout=120)
        return p, time.monotonic() - t0

    def log_text(self):
        with open(self.router_log, errors="replace") as f:
            return f.read()

    def left_established(self):
        """Peers whose session left Established, by address, from the router's log."""
        out = {}
        with open(self.router_log, errors="replace") as f:
            for line in f:
                if "event=session_state" in line and "from=established" in line:
                    m = re.search(r"\bpeer=(\S+)", line)
                    if m:
                        out[m.group(1)] = out.get(m.group(1), 0) + 1
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bgpdemo", required=True)
    ap.add_argument("--blaster", required=True)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--prefixes", type=int, default=100000, help="per blaster session")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--keep-logs", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    reason = netns_scale.skip_reason()
    if reason:
        print("SKIP: interop.reload %s" % reason)
        return 77
    for b in (args.bgpdemo, args.blaster):
        if not os.access(b, os.X_OK):
            print("FAIL: %s is not an executable" % b)
            return 1
    args.bgpdemo = os.path.abspath(args.bgpdemo)
    blaster = os.path.abspath(args.blaster)
    total = args.sessions * args.prefixes
    if args.sessions > 20:
        print("FAIL: at most 20 blaster sessions (they come from %s.10 to .29)" % SUBNET)
        return 1

    work = tempfile.mkdtemp(prefix="bgpdemo-reload-")
    prefix = "bgpr%d" % os.getpid()
    try:
        pair = netns_scale.NetnsPair(prefix, subnet=SUBNET).__enter__()
    except RuntimeError as e:
        print("SKIP: interop.reload cannot create network namespaces: %s" % e)
        return 77
    run = Run(args, pair, work)
    failures = run.failures
    try:
        sources = [addr(FIRST_CLIENT + i) for i in range(args.sessions)]
        pair.add_client_addresses(sources + [addr(MONITOR_HOST)] +
                                  [addr(h) for h in SPEAKERS.values()])
        if not pair.wait_link():
            raise RuntimeError("the veth between the namespaces never came up")

        write(run.cfg, router_config(["keep", "change", "gone"]))
        router = pair.spawn("server", [args.bgpdemo, "router", "--config", run.cfg, "--socket",
                                       run.sock, "--log-level", "info"], run.router_log)
        if not run.wait("the router's control socket", lambda: _answers(run), 15):
            raise RuntimeError("the router never answered:\n" + tail(run.router_log))
        for name in SPEAKERS:
            cfg = os.path.join(work, name + ".yaml")
            write(cfg, speaker_config(name))
            pair.spawn("client", [args.bgpdemo, "router", "--config", cfg, "--socket",
                                  os.path.join(work, name + ".sock"), "--log-level", "warn"],
                       os.path.join(work, name + ".log"))
        for name in ("keep", "change", "gone"):
            run.wait("%s Established" % name, run.established(name), 30)
        if failures:
            raise RuntimeError("speakers never came up:\n" + tail(run.router_log))
        log("router and 3 speakers up; blaster: %d sessions x %d prefixes + monitor" %
            (args.sessions, args.prefixes))

        bl = pair.spawn("client", [
            blaster, "--target", pair.server_addr, "--target-as", str(LOCAL_AS),
            "--sources", ",".join(sources), "--sessions", str(args.sessions),
            "--prefixes", str(args.prefixes), "--as-base", str(CLIENT_AS), "--as-step", "0",
            "--monitor-source", addr(MONITOR_HOST), "--monitor-as", str(MONITOR_AS),
            "--timeout", str(args.timeout), "--establish-timeout", "60", "--linger", "300",
            "--compact"], os.path.join(work, "blaster.log"), stdout=subprocess.PIPE)

        # 1: while the routes flow, SIGHUP: change, gone, late.
        run.wait("the first routes to arrive", lambda: run.received() > 0, 60)
        write(run.cfg, router_config(["keep", "change", "late"], change_hold=27))
        seen = run.received()
        t0 = time.monotonic()
        router.send_signal(signal.SIGHUP)
        want = "event=reload scope=neighbors added=1 changed=1 removed=1"
        while want not in run.log_text() and time.monotonic() - t0 < 10:
            time.sleep(0.01)
        took = time.monotonic() - t0
        if want not in run.log_text():
            failures.append("SIGHUP: the router did not log \"%s\" within 10 s" % want)
        log("reload 1 (SIGHUP) at %d of %d routes received, logged by the router %.3f s after" %
            (seen, total, took))
        if seen >= total:
            failures.append("reload 1 came after the flow: the test did not reload under load")

        # 2: the verb puts `gone` back, and says so.
        write(run.cfg, router_config(["keep", "change", "late", "gone"], change_hold=27))
        seen = run.received()
        p, took = run.reload_verb()
        if p.returncode != 0:
            failures.append("router reload exited %d: %s" % (p.returncode, p.stderr.strip()))
        else:
            r = json.loads(p.stdout)
            want = {"added": ["gone"], "changed": [], "removed": []}
            for k, v in want.items():
                if r.get(k) != v:
                    failures.append("reload 2: %s is %s, expected %s" % (k, r.get(k), v))
        log("reload 2 (router reload) at %d of %d routes received, took %.2f s" %
            (seen, total, took))

        # 3: a config with an error is refused, with where it is; the old one runs on.
        write(run.cfg, router_config(["keep", "change", "late", "gone"], change_hold=27,
                                     broken=True))
        seen = run.received()
        p, took = run.reload_verb()
        m = re.search(r"router\.yaml:(\d+):(\d+): neighbors\[\d+\]\.address", p.stderr)
        if p.returncode != 3 or not m:
            failures.append("a broken config: exit %d (expected 3), stderr %r" %
                            (p.returncode, p.stderr.strip()))
        log("reload 3 (broken config) at %d routes: refused with exit %d, took %.2f s: %s" %
            (seen, p.returncode, took, p.stderr.strip()))

        line = bl.stdout.readline()
        report = json.loads(line) if line else {}
        if not report.get("ok"):
            failures.append("blaster: %s" % report.get("error", "no report:\n" +
                                                       tail(os.path.join(work, "blaster.log"))))
        mon = report.get("monitor", {})
        if mon.get("prefixes_held") != total:
            failures.append("the monitor holds %s prefixes, expected %d" %
                            (mon.get("prefixes_held"), total))
        if mon.get("unexpected"):
            failures.append("the monitor received %d prefixes nobody announced" % mon["unexpected"])
        log("blaster: converged=%s in %s s, monitor holds %s" %
            (report.get("ok"), report.get("convergence_s"),
             mon.get("prefixes_held")))

        run.wait("late Established", run.established("late"), 30)
        run.wait("gone back and Established", run.established("gone"), 30)
        run.wait("change Established with hold time 27", run.established("change", 27), 30)
        if run.received() != total:
            failures.append("the router holds %d routes from the clients, expected %d" %
                            (run.received(), total))
        left = run.left_established()
        for a in sources + [addr(MONITOR_HOST), addr(SPEAKERS["keep"])]:
            if left.get(a):
                failures.append("%s left Established %d times; its neighbor never changed" %
                                (a, left[a]))
        for name in ("change", "gone"):
            if not left.get(addr(SPEAKERS[name])):
                failures.append("%s never left Established, yet its neighbor changed" % name)
        if router.poll() is not None:
            failures.append("bgpdemo router exited %d:\n%s" % (router.returncode,
                                                              tail(run.router_log)))
        log("sessions that left Established: %s" % (left or "none"))
    except (RuntimeError, ValueError, OSError, subprocess.SubprocessError) as e:
        failures.append(str(e))
    finally:
        pair.close()

    if failures:
        for f in failures:
            print("FAIL: interop.reload: " + f)
        print("logs kept in " + work)
        return 1
    if not args.keep_logs:
        subprocess.run(["rm", "-rf", work], check=False)
    print("PASS: interop.reload")
    return 0


def _answers(run):
    try:
        run.peers()
        return True
    except (RuntimeError, ValueError, subprocess.SubprocessError):
        return False


if __name__ == "__main__":
    sys.exit(main())
