#!/usr/bin/env python3
"""TCP MD5 (RFC 2385) between bgpdemo router and gobgpd (`auth-password`).

Topology (one LAN 10.0.0.0/24, a bridge in P-sw; P is the lab prefix bgpi<pid>):

  P-r    bgpdemo router 10.0.0.1, AS 65000
  P-g1   gobgpd 10.0.0.2, AS 65101, right password; listens (passive), the router dials
         it: the key on the router's connecting socket (neighbor `address:`)
  P-g2   gobgpd 10.0.0.17, AS 65102, right password; dials the router's range
         10.0.0.16/28: the key on the listener for a prefix (TCP_MD5SIG_EXT)
  P-g3   gobgpd 10.0.0.3, AS 65103, WRONG password; dials; the router has it as a passive
         neighbor `address:` with the right one
  P-g4   gobgpd 10.0.0.18, AS 65102, WRONG password; dials into the range

Checks: the two good sessions come up; the two bad ones never reach Established within
20 s on either side (the kernel drops their segments: TcpExtTCPMD5Failure counts them in
the router's namespace), while the good ones stay up, never reset.
"""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import lab as L  # noqa: E402

ROUTER_IP, ROUTER_AS = "10.0.0.1", 65000
RIGHT = "bgpdemo md5 key"   # a space inside, to check the key is passed as is
WRONG = "bgpdemo md5 kez"
NEVER_WINDOW = 20  # seconds the bad sessions must stay down

ROUTER_CONFIG = f"""router_id: {ROUTER_IP}
local_as: {ROUTER_AS}
mode: router
listen:
  port: 179
timers:
  connect_retry: 5
neighbors:
  - name: good-dialled
    address: 10.0.0.2
    peer_as: 65101
    password: "{RIGHT}"
    import: all
    export: all
  - name: bad-address
    address: 10.0.0.3
    peer_as: 65103
    passive: true
    password: "{RIGHT}"
    import: all
    export: all
  - name: range
    range: 10.0.0.16/28
    peer_as: 65102
    password: "{RIGHT}"
    import: all
    export: all
"""


class Peer:
    def __init__(self, key, ip, asn, password, listens, good):
        self.key, self.ip, self.asn = key, ip, asn
        self.password, self.listens, self.good = password, listens, good
        self.g = None

    def config(self):
        # Listening: port 179 and passive (the router dials). Dialling: no listener, as
        # Cilium by default; connect-retry 5 (GoBGP retries after 5-10 s instead of
        # 120-240 s; see gobgp_cilium_test.py).
        port = 179 if self.listens else -1
        return f"""
[global.config]
  as = {self.asn}
  router-id = "{self.ip}"
  port = {port}
[[neighbors]]
  [neighbors.config]
    neighbor-address = "{ROUTER_IP}"
    peer-as = {ROUTER_AS}
    auth-password = "{self.password}"
  [neighbors.timers.config]
    connect-retry = 5
  [neighbors.transport.config]
    passive-mode = {"true" if self.listens else "false"}
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
"""


def md5_failures(lab, ns):
    """TcpExtTCPMD5Failure (segments dropped for a wrong signature) in ns, or None."""
    if shutil.which("nstat") is None:
        return None
    r = lab.ns_run(ns, ["nstat", "-az", "TcpExtTCPMD5Failure"], check=False)
    for line in r.stdout.splitlines():
        f = line.split()
        if f and f[0] == "TcpExtTCPMD5Failure":
            return int(f[1])
    return None


@L.requires("gobgpd", "gobgp")
def body(lab):
    peers = [Peer("g1", "10.0.0.2", 65101, RIGHT, listens=True, good=True),
             Peer("g2", "10.0.0.17", 65102, RIGHT, listens=False, good=True),
             Peer("g3", "10.0.0.3", 65103, WRONG, listens=False, good=False),
             Peer("g4", "10.0.0.18", 65102, WRONG, listens=False, good=False)]
    good = [p for p in peers if p.good]
    bad = [p for p in peers if not p.good]

    sw = lab.netns("sw")
    br = lab.bridge(sw, "b0")
    rns = lab.netns("r")
    lab.attach(rns, sw, br, f"{ROUTER_IP}/24")
    for p in peers:
        p.ns = lab.netns(p.key)
        lab.attach(p.ns, sw, br, f"{p.ip}/24")
    # gobgpd first: the router's first dial to g1 finds it listening.
    for p in peers:
        p.g = lab.start_gobgpd(p.key, p.ns, p.config())
        p.prefix = f"10.24{peers.index(p)}.0.0/24"
        p.g.add_route(p.prefix, "origin", "igp")
    router = lab.start_router("router", rns, ROUTER_CONFIG)
    md5_before = md5_failures(lab, rns)

    for p in good:
        how = "router dials, key on connect()" if p.listens else "gobgpd dials the range"
        lab.wait(f"{p.key} {p.ip}: right password, Established on both sides ({how})",
                 lambda p=p: p.g.established(ROUTER_IP) and
                 (router.peer(p.ip) or {}).get("state") == "established", 30,
                 detail=lambda p=p: (L.session_state(p.g.neighbor(ROUTER_IP) or {}),
                                     router.peer(p.ip)))
    def learned(p, prefix):
        return any(not x["local"] for x in p.g.rib("ipv4").get(prefix, []))

    lab.wait("the good peers exchange routes through the router",
             lambda: learned(good[0], good[1].prefix) and learned(good[1], good[0].prefix), 10)
    lab.check(not any(learned(p, b.prefix) for p in good for b in bad) and
              not any(b.prefix in router.best_routes() for b in bad),
              "no route of a wrong-password peer anywhere")

    def bad_up():
        for p in bad:
            if p.g.established(ROUTER_IP):
                return f"{p.key}: gobgpd established"
            if (router.peer(p.ip) or {}).get("state") == "established":
                return f"{p.key}: router established"
        return None

    uptime_before = {p.key: (router.peer(p.ip) or {}).get("uptime_seconds", 0) for p in good}
    lab.never(f"wrong password: {', '.join(p.key for p in bad)} never Established "
              f"(either side) within {NEVER_WINDOW}s", bad_up, NEVER_WINDOW)
    for p in bad:
        st = L.session_state(p.g.neighbor(ROUTER_IP) or {})
        rp = router.peer(p.ip)
        if p.key == "g3":
            lab.check(rp is not None and rp["state"] != "established",
                      f"router: {p.ip} (neighbor address) is shown, not established "
                      f"({rp and rp['state']})", str(rp))
        else:
            lab.check(rp is None or rp["state"] != "established",
                      f"router: {p.ip} (in the range) never became a session "
                      f"({'absent' if rp is None else rp['state']})", str(rp))
        lab.check(st != "established", f"{p.key}: gobgpd shows {st}")
    md5_after = md5_failures(lab, rns)
    if md5_before is not None and md5_after is not None:
        lab.check(md5_after > md5_before,
                  f"router namespace: kernel dropped {md5_after - md5_before} segments "
                  "with a wrong MD5 signature (TcpExtTCPMD5Failure)")

    for p in good:
        rp = router.peer(p.ip) or {}
        lab.check(rp.get("state") == "established" and
                  rp.get("uptime_seconds", 0) >= uptime_before[p.key] + NEVER_WINDOW - 1,
                  f"{p.key}: still up after the window, uptime {uptime_before[p.key]}s -> "
                  f"{rp.get('uptime_seconds')}s", str(rp))
    downs = [ln for ln in router.log_text().splitlines()
             if "event=peer_down" in ln and any(f"peer={p.ip} " in ln for p in good)]
    lab.check(not downs, "router: no good session ever went down", "\n".join(downs))
    # The router logged at debug level, wrong passwords and all; the key is nowhere in it,
    # nor in what the control socket shows (`router peers -o json`).
    lab.check(RIGHT not in router.log_text() and "md5 kez" not in router.log_text(),
              "router log: no password in any line")
    shown = json.dumps(router.query("peers"))
    lab.check(RIGHT not in shown and '"tcp_md5": true' in shown,
              "router peers -o json: tcp_md5 true, and no password", shown[:300])
    # The config holds passwords: at mode 0644 the router refuses to start, and says how.
    cfg = lab.path("router.yaml")
    os.chmod(cfg, 0o644)
    p = subprocess.run([lab.bgpdemo, "router", "--config", cfg, "--socket",
                        lab.path("refused.sock")], capture_output=True, text=True, timeout=30)
    lab.check(p.returncode == 3 and f"Fix: chmod 0600 {cfg}" in p.stderr and
              RIGHT not in p.stderr,
              f"a group/world-readable config is refused (exit {p.returncode})", p.stderr)


if __name__ == "__main__":
    sys.exit(L.run("md5", "TCP MD5: right passwords come up, wrong ones never do", body))
