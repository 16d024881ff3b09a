#!/usr/bin/env python3
"""Graceful restart of bgpdemo router itself (RFC 4724 §4.1), gobgpd helping.

Topology (one LAN 10.0.0.0/24, a bridge in P-sw; P is the lab prefix bgpi<pid>):

  P-r    bgpdemo router 10.0.0.1, AS 65000, graceful_restart: true (restart time 30),
         fib.install: its best routes in its namespace's kernel; dials both nodes
  P-g1   gobgpd 10.0.0.2, AS 65101, graceful restart on (helper, as Cilium sets it up),
         announces 10.241.1.0/24
  P-g2   gobgpd 10.0.0.3, AS 65102, the same, announces 10.242.1.0/24

`bgpdemo router restart` runs while the test samples, every 50 ms: the router's kernel
routes (proto 197) and each node's route to the other's prefix. Checks: not one sample
misses any of them; the router came back with the same pid; it waited for both nodes'
End-of-RIB; it never flushed its kernel routes; gobgpd saw Restart State and kept the
routes stale until the router's End-of-RIB, after which they are fresh. Then with
graceful_restart switched off (router reload), `router restart` is refused (exit 1).
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import lab as L  # noqa: E402

ROUTER_IP, ROUTER_AS = "10.0.0.1", 65000
NODES = {"g1": ("10.0.0.2", 65101, "10.241.1.0/24"), "g2": ("10.0.0.3", 65102, "10.242.1.0/24")}


def router_config(graceful=True):
    text = f"""router_id: {ROUTER_IP}
local_as: {ROUTER_AS}
mode: router
graceful_restart: {"true" if graceful else "false"}
restart_time: 30
fib:
  install: true
listen:
  port: 179
neighbors:
"""
    for key, (ip, asn, _) in NODES.items():
        text += f"""  - name: {key}
    address: {ip}
    peer_as: {asn}
    import: all
    export: all
    timers: {{connect_retry: 1}}
"""
    return text


def gobgpd_config(ip, asn):
    # Cilium's gracefulRestart.enabled: GR with the N bit, restart time 30 here, every family
    # in mp-graceful-restart. It listens: the restarted router dials it at once.
    return f"""
[global.config]
  as = {asn}
  router-id = "{ip}"
  port = 179
  local-address-list = ["{ip}"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "{ROUTER_IP}"
    peer-as = {ROUTER_AS}
  [neighbors.timers.config]
    connect-retry = 5
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 30
    notification-enabled = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
"""


def kernel_routes(lab, ns):
    r = lab.ns_run(ns, ["ip", "-j", "route", "show", "proto", "197"], check=False)
    try:
        return {x["dst"] for x in json.loads(r.stdout or "[]")}
    except ValueError:
        return set()


@L.requires("gobgpd", "gobgp")
def body(lab):
    sw = lab.netns("sw")
    br = lab.bridge(sw, "b0")
    rns = lab.netns("r")
    lab.attach(rns, sw, br, f"{ROUTER_IP}/24")
    g = {}
    for key, (ip, asn, prefix) in NODES.items():
        ns = lab.netns(key)
        lab.attach(ns, sw, br, f"{ip}/24")
        g[key] = lab.start_gobgpd(key, ns, gobgpd_config(ip, asn))
        g[key].add_route(prefix, "origin", "igp")
    router = lab.start_router("router", rns, router_config())
    prefixes = {p for _, _, p in NODES.values()}

    def other(key):
        return next(p for k, (_, _, p) in NODES.items() if k != key)

    def node_has(key):
        return any(not x["local"] for x in g[key].rib("ipv4").get(other(key), []))

    lab.wait("both nodes Established, each with the other's route, both in the router's kernel",
             lambda: all(node_has(k) for k in g) and prefixes <= kernel_routes(lab, rns), 30)
    pid_before = router.pid

    restart = subprocess.Popen([lab.bgpdemo, "router", "restart", "--socket", router.socket,
                                "--timeout", "60", "-o", "json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples = 0
    missing = []
    stale_seen = False
    while restart.poll() is None:
        samples += 1
        gone = prefixes - kernel_routes(lab, rns)
        if gone:
            missing.append(f"router kernel lacks {sorted(gone)}")
        for key in g:
            paths = [x for x in g[key].rib("ipv4").get(other(key), []) if not x["local"]]
            if not paths:
                missing.append(f"{key} lacks {other(key)}")
            stale_seen = stale_seen or any(x["stale"] for x in paths)
        time.sleep(0.05)
    out, err = restart.communicate()
    lab.check(restart.returncode == 0, f"bgpdemo router restart exits 0 ({restart.returncode})",
              err)
    lab.check(not missing, f"{samples} samples across the restart: no route missing anywhere",
              "\n".join(missing[:10]))
    lab.check(stale_seen, "gobgpd kept the router's routes as stale while it was away")
    report = json.loads(out) if restart.returncode == 0 else {}
    st = report.get("restart", {})
    lab.check(report.get("pid") == pid_before and router.pid == pid_before,
              f"the router restarted in place: pid {pid_before} -> {report.get('pid')}")
    lab.check(st.get("ended_by") == "end-of-rib" and len(st.get("end_of_rib", [])) == 2,
              f"it waited for End-of-RIB from both nodes ({st.get('end_of_rib')}, "
              f"{st.get('ended_by')}), {st.get('elapsed_ms')} ms", json.dumps(report))
    L.log(f"  back on its socket after {report.get('back_after_ms')} ms; restart complete "
          f"after {st.get('elapsed_ms')} ms; {report.get('kernel_routes')} kernel routes kept")
    log_text = router.log_text()
    lab.check("event=fib_adopt routes=2" in log_text and "event=fib_removed" not in log_text and
              "event=fib_flush" not in log_text,
              "the new image adopted the 2 kernel routes, nothing flushed or removed")
    lab.wait("gobgpd's routes from the router are fresh again (stale cleared by End-of-RIB)",
             lambda: all(node_has(k) and not any(
                 x["stale"] for x in g[k].rib("ipv4").get(other(k), []) if not x["local"])
                 for k in g), 15)
    lab.check(prefixes <= kernel_routes(lab, rns), "the router's kernel still holds both routes")

    # Off: refused, nothing happens.
    with open(lab.path("router.yaml"), "w") as f:
        f.write(router_config(graceful=False))
    r = subprocess.run([lab.bgpdemo, "router", "reload", "--socket", router.socket],
                       capture_output=True, text=True, timeout=30)
    lab.check(r.returncode == 0, "router reload turns graceful_restart off", r.stdout + r.stderr)
    r = subprocess.run([lab.bgpdemo, "router", "restart", "--socket", router.socket],
                       capture_output=True, text=True, timeout=30)
    lab.check(r.returncode == 1 and "graceful_restart is off" in r.stderr,
              f"router restart is refused then (exit {r.returncode})", r.stderr)
    lab.check(router.pid == pid_before and router.alive(), "and the router runs on")


if __name__ == "__main__":
    sys.exit(L.run("router_restart", "the route server restarts gracefully, gobgpd helping",
                   body))
