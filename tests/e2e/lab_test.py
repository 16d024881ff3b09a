#!/usr/bin/env python3
"""End to end on the lab provider: the real `bgpdemo` binary, as a user runs it.

  up -> up again (already up) -> status -> verify passes (JSON and JUnit) -> peers ->
  routes -> a node speaker is stopped -> verify fails, naming exactly the checks that
  depend on it -> the speaker starts again -> verify passes -> the daemon is killed with
  SIGKILL -> status says so -> down -> no namespace, process, link or file is left.

Run with --node-speaker gobgpd to have real gobgpd processes as the node speakers (as
Cilium's agent embeds GoBGP). Needs root and iproute2 (and gobgpd for that variant);
skips with 77 and the reason otherwise. Everything runs in namespaces named after this
test's own prefix and a state folder of its own, so it never touches a demo of the user's.
"""

import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import lab as labmod  # noqa: E402
import demo_cli  # noqa: E402
from demo_cli import DemoCli  # noqa: E402

# What depends on cilium2-worker's speaker: its two session views, its pod CIDR, its
# path to cilium2's LoadBalancer IP, and the cross-cluster probe from the pod it hosts
# (the router no longer knows the way back to that pod).
STOPPED_NODE = "cilium2-worker"
FAILS_WITHOUT_IT = {
    "sessions cilium2-worker: router's view",
    "sessions cilium2-worker: node's view",
    "rib 10.242.1.0/24",
    "kernel 10.242.1.0/24",
    "rib 10.22.0.1/32",
    "kernel 10.22.0.1/32",
    "http cilium2/nginx-1 -> 10.21.0.1 (cilium nginx)",
}


def body(lab, speaker):
    cli = DemoCli(lab)
    prefix = cli.prefix
    bd, verify, failing, leftovers = cli.run, cli.verify, cli.failing, cli.leftovers

    try:
        t = time.monotonic()
        r = bd("up", "--provider", "lab", "--lab-prefix", prefix, "--node-speaker", speaker,
               "-o", "json", "--timeout", "120")
        took = time.monotonic() - t
        lab.check(r.returncode == 0, f"up returns 0 once every session is Established "
                  f"({took:.2f} s)", r.stdout + r.stderr)
        if r.returncode != 0:
            cli.dump_logs()
            raise labmod.Fatal("the demo did not come up")
        events = [json.loads(l) for l in r.stdout.splitlines()]
        steps = [e["step"] for e in events if e["event"] == "step"]
        lab.check(steps == ["plan", "namespaces", "links", "daemon", "sessions"],
                  "up reports each step with its time, as JSON lines", steps)
        lab.check(events[-1].get("event") == "up" and events[-1].get("sessions") == 6,
                  "up's last event: ok, 6 sessions", events[-1])

        r = bd("up", "--lab-prefix", prefix)
        lab.check(r.returncode == 0 and "already up" in r.stdout,
                  "a second up says the demo is already up", r.stdout + r.stderr)

        r = bd("status", "-o", "json")
        st = json.loads(r.stdout) if r.returncode == 0 else {}
        lab.check(st.get("up") is True and st.get("provider") == "lab" and
                  st.get("scenario") == "two-cluster" and st.get("node_speaker") == speaker,
                  "status: up, lab, two-cluster", r.stdout + r.stderr)
        daemon_pid = st.get("daemon", {}).get("pid", 0)

        junit = os.path.join(lab.workdir, "verify.xml")
        r = bd("verify", "-o", "json", "--junit", junit)
        report = json.loads(r.stdout) if r.stdout.startswith("{") else {"checks": []}
        lab.check(r.returncode == 0 and report.get("failed") == 0 and report.get("passed") == 34,
                  "verify: 34 checks pass (sessions, RIB, kernel, HTTP)",
                  sorted(failing(report)) or r.stdout + r.stderr)
        xml = open(junit).read() if os.path.exists(junit) else ""
        lab.check('tests="34" failures="0"' in xml, "verify writes a JUnit report", xml[:200])

        r = bd("peers", "-o", "json")
        rows = json.loads(r.stdout) if r.returncode == 0 else []
        node_rows = [x for x in rows if x["side"] == "node"]
        router_rows = [x for x in rows if x["side"] == "router"]
        lab.check(len(node_rows) == 6 and len(router_rows) == 6 and
                  all(x["state"] == "established" for x in rows),
                  "peers: 6 node sessions and 6 router sessions, all established",
                  [(x["node"], x["peer_address"], x["state"]) for x in rows])
        lab.check(sorted(x["hostname"] for x in router_rows) ==
                  ["cilium-control-plane", "cilium-worker", "cilium-worker2",
                   "cilium2-control-plane", "cilium2-worker", "cilium2-worker2"],
                  "the router learns each node's name from its FQDN capability",
                  [x["hostname"] for x in router_rows])

        r = bd("routes", "-o", "json")
        routes = json.loads(r.stdout) if r.returncode == 0 else {"rib": [], "kernel": []}
        ecmp = {k["prefix"]: k["next_hops"] for k in routes["kernel"] if len(k["next_hops"]) > 1}
        lab.check(len(routes["rib"]) == 8 and len(routes["kernel"]) == 8,
                  "routes: 8 prefixes in the RIB and in the kernel", routes)
        lab.check(ecmp == {"10.21.0.1/32": ["172.18.0.2", "172.18.0.3", "172.18.0.4"],
                           "10.22.0.1/32": ["172.19.0.2", "172.19.0.3", "172.19.0.4"]},
                  "each LoadBalancer IP is an ECMP route over its cluster's 3 nodes", ecmp)

        r = bd("speaker", "stop", STOPPED_NODE)
        lab.check(r.returncode == 0, f"the speaker of {STOPPED_NODE} stops", r.stdout + r.stderr)
        got = lab.wait_quiet(lambda: (lambda c, rep: rep if c == 1 and
                                      failing(rep) == FAILS_WITHOUT_IT else None)(*verify()), 15)
        code, rep = verify()
        lab.check(got is not None, "verify fails (exit 1) naming exactly the checks that "
                  f"depend on {STOPPED_NODE}", {"exit": code, "failing": sorted(failing(rep))})
        if got is not None:
            why = {f"{c['group']} {c['name']}": c["detail"] for c in got["checks"] if not c["ok"]}
            lab.check(why["sessions cilium2-worker: router's view"] ==
                      "the router has no session with 172.19.0.3",
                      "a failed check says why", why)

        r = bd("speaker", "start", STOPPED_NODE)
        lab.check(r.returncode == 0, f"the speaker of {STOPPED_NODE} starts again",
                  r.stdout + r.stderr)
        lab.wait("verify passes again once it is back",
                 lambda: verify()[0] == 0, 30, interval=0.5,
                 detail=lambda: sorted(failing(verify()[1])))

        lab.check(daemon_pid > 0, "status names the daemon's pid", daemon_pid)
        if daemon_pid > 0:
            os.kill(daemon_pid, signal.SIGKILL)
            lab.wait("status exits 1 once the daemon is killed",
                     lambda: bd("status").returncode == 1, 10)
        r = bd("down")
        lab.check(r.returncode == 0, "down after a killed daemon returns 0", r.stdout + r.stderr)
        left = lab.wait_quiet(lambda: not leftovers(), 5)
        lab.check(bool(left), "down leaves no namespace, process, link or file behind",
                  leftovers())
        r = bd("down")
        lab.check(r.returncode == 0 and "Nothing to remove" in r.stdout,
                  "a second down has nothing to remove", r.stdout + r.stderr)
    finally:
        bd("down", "--lab-prefix", prefix, timeout=60)


if __name__ == "__main__":
    sys.exit(demo_cli.run("e2e_lab", "the demo on the lab provider", body))
