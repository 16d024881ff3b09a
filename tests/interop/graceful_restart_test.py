#!/usr/bin/env python3
"""Graceful restart (RFC 4724): bgpdemo router as the receiving speaker, gobgpd restarting.

Topology (one LAN 10.0.0.0/24, a bridge in P-sw; P is the lab prefix bgpi<pid>):

  P-r    bgpdemo router 10.0.0.1, AS 65000, graceful_restart (helper) on by default
  P-gr   gobgpd 10.0.0.2, AS 65100, dynamic neighbor (range 10.0.0.0/29): GR on, restart
         time 30, N bit, ipv4 and ipv6 unicast both in mp-graceful-restart (as Cilium's
         gracefulRestart.enabled sets it up)
  P-gr2  gobgpd 10.0.0.12, AS 65101, neighbor address: GR on, restart time 10, only
         ipv4 unicast in mp-graceful-restart (ipv6 unicast carried without GR)
  P-w    gobgpd 10.0.0.20, AS 65200, no GR: watches what the router advertises

Scenarios:
  1. kill -9 the first node: its routes stay in the router marked stale (routes JSON
     `stale: true`, peers `stale: true`) and the watcher keeps them; gobgpd restarts with
     -r (Restart State bit) and re-adds only some routes: after its End-of-RIB the router
     has those (not stale) and the others are gone, from the router and the watcher.
  2. kill -9 the second node, which does not come back: its IPv6 route goes at once (the
     family is not in its GR capability), its IPv4 route when its restart time (10 s)
     expires, not before.
  3. kill -9 the first node again and restart it without graceful restart: RFC 4724 §4.2
     says the stale routes must go at once when the new session has no GR capability
     (GoBGP sends no End-of-RIB then, so there is nothing else to wait for).
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import lab as L  # noqa: E402

ROUTER_IP, ROUTER_AS = "10.0.0.1", 65000

ROUTER_CONFIG = f"""router_id: {ROUTER_IP}
local_as: {ROUTER_AS}
mode: router
listen:
  port: 179
neighbors:
  - name: nodes
    range: 10.0.0.0/29
    peer_as: 65100
    import: all
    export: all
  - name: gr2
    address: 10.0.0.12
    peer_as: 65101
    passive: true
    import: all
    export: all
  - name: watcher
    address: 10.0.0.20
    peer_as: 65200
    passive: true
    import: all
    export: all
"""


def gobgpd_config(ip, asn, restart_time=None, gr_ipv6=True):
    gr = ""
    mp_gr = ""
    mp_gr6 = ""
    if restart_time is not None:
        # Cilium 1.14 gracefulRestart.enabled: GR with the N bit (RFC 8538), restart time
        # from the policy (here short), every family in mp-graceful-restart.
        gr = f"""  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = {restart_time}
    notification-enabled = true
"""
        mp_gr = """    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
"""
        mp_gr6 = mp_gr if gr_ipv6 else ""
    # connect-retry 5: GoBGP 3.10 dials after rand(t)+t s (t = 5, then connect-retry), so a
    # restarted gobgpd is back within 5-10 s; see gobgp_cilium_test.py.
    return f"""
[global.config]
  as = {asn}
  router-id = "{ip}"
  port = -1
[[neighbors]]
  [neighbors.config]
    neighbor-address = "{ROUTER_IP}"
    peer-as = {ROUTER_AS}
  [neighbors.timers.config]
    connect-retry = 5
{gr}  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
{mp_gr}  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
{mp_gr6}"""


GR_IP, GR2_IP, W_IP = "10.0.0.2", "10.0.0.12", "10.0.0.20"
KEPT = ["10.241.1.0/24", "10.251.0.1/32", "fd00:241:1::/64"]  # re-added after the restart
DROPPED = ["10.241.2.0/24", "fd00:241:2::/64"]                # not re-added
GR2_PREFIXES = ["10.242.1.0/24", "fd00:242:1::/64"]


def v4(prefixes):
    return [p for p in prefixes if ":" not in p]


@L.requires("gobgpd", "gobgp")
def body(lab):
    sw = lab.netns("sw")
    br = lab.bridge(sw, "b0")
    rns = lab.netns("r")
    lab.attach(rns, sw, br, f"{ROUTER_IP}/24")
    ns = {}
    for key, ip in (("gr", GR_IP), ("gr2", GR2_IP), ("w", W_IP)):
        ns[key] = lab.netns(key)
        lab.attach(ns[key], sw, br, f"{ip}/24")

    router = lab.start_router("router", rns, ROUTER_CONFIG)
    gr_cfg = gobgpd_config(GR_IP, 65100, restart_time=30)
    gr = lab.start_gobgpd("gr", ns["gr"], gr_cfg)
    gr2 = lab.start_gobgpd("gr2", ns["gr2"],
                           gobgpd_config(GR2_IP, 65101, restart_time=10, gr_ipv6=False))
    w = lab.start_gobgpd("watcher", ns["w"], gobgpd_config(W_IP, 65200))
    for p in KEPT + DROPPED:
        gr.add_route(p, "origin", "igp")
    for p in GR2_PREFIXES:
        gr2.add_route(p, "origin", "igp")

    def up(ip, g):
        return g.established(ROUTER_IP) and (router.peer(ip) or {}).get("state") == "established"

    for ip, g in ((GR_IP, gr), (GR2_IP, gr2), (W_IP, w)):
        lab.wait(f"{g.name} {ip}: session established", lambda ip=ip, g=g: up(ip, g), 30,
                 fatal=True)
    for ip in (GR_IP, GR2_IP):
        p = router.peer(ip) or {}
        lab.check(p.get("graceful_restart") is True,
                  f"router: {ip} sent the graceful restart capability", str(p))
    lab.check((router.peer(W_IP) or {}).get("graceful_restart") is False,
              f"router: the watcher {W_IP} sent none")

    def paths_from(prefix, peer):
        r = router.route(prefix)
        return [x for x in (r or {}).get("paths", []) if x["peer"] == peer]

    def watcher_has(prefixes):
        rib = w.rib("ipv4")
        return all(any(x["next_hop"] == ROUTER_IP for x in rib.get(p, [])) for p in prefixes)

    def watcher_lacks(prefixes):
        rib = w.rib("ipv4")
        return not any(p in rib for p in prefixes)

    lab.wait("router has the 5 routes of gr and the 2 of gr2; the watcher the IPv4 ones",
             lambda: all(router.best_routes().get(p, {}).get("peer") == GR_IP
                         for p in KEPT + DROPPED) and
             all(router.best_routes().get(p, {}).get("peer") == GR2_IP for p in GR2_PREFIXES)
             and watcher_has(v4(KEPT + DROPPED + GR2_PREFIXES)), 15,
             detail=lambda: (sorted(router.best_routes()), sorted(w.rib("ipv4"))))

    # --- 1. restart with -r, some routes re-added --------------------------------------------
    L.log(f"gr: kill -9 gobgpd (pid {gr.pid})")
    gr.kill()
    t_kill = time.monotonic()

    def all_stale():
        return all(len(paths_from(p, GR_IP)) == 1 and paths_from(p, GR_IP)[0]["stale"] and
                   paths_from(p, GR_IP)[0]["best"] for p in KEPT + DROPPED)

    lab.wait("router: gr's 5 routes (both families) kept, marked stale, still best",
             all_stale, 10, detail=lambda: [router.route(p) for p in KEPT + DROPPED])
    p = router.peer(GR_IP) or {}
    lab.check(p.get("stale") is True and p.get("state") != "established",
              f"router peers: {GR_IP} stale, not established ({p.get('state')})", str(p))
    lab.check(re.search(rf"event=routes_stale peer={re.escape(GR_IP)} paths=5 restart_time=30",
                        router.log_text()),
              "router log: routes_stale peer=10.0.0.2 paths=5 restart_time=30")
    lab.never("watcher: keeps gr's IPv4 routes while they are stale (3 s)",
              lambda: not watcher_has(v4(KEPT + DROPPED)), 3)

    L.log("gr: restart gobgpd with -r (Restart State) and re-add only " + ", ".join(KEPT))
    gr = lab.start_gobgpd("gr-restarted", ns["gr"], gr_cfg, restarting=True)
    for pfx in KEPT:
        gr.add_route(pfx, "origin", "igp")
    lab.wait("gr: session re-established within the restart time",
             lambda: up(GR_IP, gr), 30 - (time.monotonic() - t_kill))

    def eor_logged(family):
        return re.search(rf"event=end_of_rib peer={re.escape(GR_IP)} family={family}",
                         router.log_text())

    lab.wait("router log: End-of-RIB from gr for ipv4-unicast and ipv6-unicast",
             lambda: eor_logged("ipv4-unicast") and eor_logged("ipv6-unicast"), 10)
    lab.wait("router: the re-added routes are there and not stale; the others are gone",
             lambda: all(len(paths_from(x, GR_IP)) == 1 and not paths_from(x, GR_IP)[0]["stale"]
                         for x in KEPT) and not any(router.route(x) for x in DROPPED), 10,
             detail=lambda: {x: paths_from(x, GR_IP) for x in KEPT + DROPPED})
    p = router.peer(GR_IP) or {}
    lab.check(p.get("stale") is False, f"router peers: {GR_IP} no longer stale", str(p))
    lab.wait("watcher: keeps the re-added IPv4 routes, loses the others",
             lambda: watcher_has(v4(KEPT)) and watcher_lacks(v4(DROPPED)), 10,
             detail=lambda: sorted(w.rib("ipv4")))

    # --- 2. no restart: the restart time (10 s) expires ------------------------------------
    L.log(f"gr2: kill -9 gobgpd (pid {gr2.pid}), not restarted; restart time 10 s")
    gr2.kill()
    t_kill = time.monotonic()
    gr2_v4, gr2_v6 = v4(GR2_PREFIXES), [x for x in GR2_PREFIXES if ":" in x]
    lab.wait("router: gr2's IPv4 route marked stale, its IPv6 one (no GR for ipv6) gone",
             lambda: all(paths_from(x, GR2_IP) and paths_from(x, GR2_IP)[0]["stale"]
                         for x in gr2_v4) and not any(router.route(x) for x in gr2_v6), 5,
             detail=lambda: [router.route(x) for x in GR2_PREFIXES])
    lab.never("router and watcher: gr2's IPv4 route stays until the restart time (8 s of 10)",
              lambda: not all(paths_from(x, GR2_IP) for x in gr2_v4) or
              not watcher_has(gr2_v4),
              max(0.0, 8 - (time.monotonic() - t_kill)))
    lab.wait("router: gr2's routes gone after the restart time",
             lambda: not any(router.route(x) for x in GR2_PREFIXES), 8)
    took = time.monotonic() - t_kill
    lab.check(9 <= took <= 14, f"... {took:.1f}s after the kill (restart time 10 s)")
    lab.check(re.search(rf"event=restart_timer_expired peer={re.escape(GR2_IP)}",
                        router.log_text()), "router log: restart_timer_expired for gr2")
    lab.wait("watcher: gr2's routes gone", lambda: watcher_lacks(v4(GR2_PREFIXES)), 5)
    p = router.peer(GR2_IP) or {}
    lab.check(p.get("stale") is False and p.get("state") != "established",
              f"router peers: {GR2_IP} not stale any more, not established ({p.get('state')})",
              str(p))

    # --- 3. restart without graceful restart ----------------------------------------------
    L.log(f"gr: kill -9 gobgpd (pid {gr.pid}), restart WITHOUT graceful restart, re-add "
          f"only {KEPT[0]}")
    gr.kill()
    lab.wait("router: gr's routes stale again",
             lambda: all(paths_from(x, GR_IP) and paths_from(x, GR_IP)[0]["stale"]
                         for x in KEPT), 10)
    gr = lab.start_gobgpd("gr-nogr", ns["gr"], gobgpd_config(GR_IP, 65100))
    gr.add_route(KEPT[0], "origin", "igp")
    lab.wait("gr: session re-established (no GR capability)", lambda: up(GR_IP, gr), 30)
    lab.check((router.peer(GR_IP) or {}).get("graceful_restart") is False,
              "router: the new session has no graceful restart capability")
    lab.wait(f"router: stale routes dropped at once (RFC 4724 §4.2), {KEPT[0]} fresh",
             lambda: not any(router.route(x) for x in KEPT[1:]) and
             len(paths_from(KEPT[0], GR_IP)) == 1 and not paths_from(KEPT[0], GR_IP)[0]["stale"],
             5, detail=lambda: {x: paths_from(x, GR_IP) for x in KEPT})
    p = router.peer(GR_IP) or {}
    lab.check(p.get("stale") is False, f"router peers: {GR_IP} not stale", str(p))
    lab.wait("watcher: only the re-announced route of gr left",
             lambda: watcher_has([KEPT[0]]) and watcher_lacks(v4(KEPT[1:])), 5,
             detail=lambda: sorted(w.rib("ipv4")))


if __name__ == "__main__":
    sys.exit(L.run("graceful_restart", "RFC 4724 helper: stale routes, End-of-RIB, expiry",
                   body))
