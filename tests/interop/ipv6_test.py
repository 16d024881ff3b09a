#!/usr/bin/env python3
"""bgpdemo router with BIRD 2 and FRR 8 over native IPv6 sessions (IPv6 unicast only).

Topology (one LAN fd42::/64, a bridge in P-sw; P is the lab prefix bgpi<pid>; no DAD in
any namespace, so every address, link-local ones too, is usable at once):

  P-r    bgpdemo router fd42::1, AS 65000, router id 10.0.0.1, router mode, fib.install
  P-b    BIRD fd42::2, AS 65301, router id 10.0.0.2: dials the router, which knows it
         through a dynamic range (fd42::/64, passive); announces its static
         fd00:301::/48 (blackhole) and holds fd00:301::1/128 on lo
  P-f    FRR bgpd fd42::3, AS 65302, router id 10.0.0.3 (standalone: -Z, no zebra): the
         router has it as a neighbor `address:` (which wins over the range) and dials it;
         announces fd00:302::/48 (`network`, no import check) and holds fd00:302::1/128 on
         lo. Only IPv6 unicast is activated (`no bgp default ipv4-unicast`)

Checks: both sessions Established from both sides with IPv6 unicast negotiated (and only
that: the router offers IPv4 too); each prefix in the router's RIB with the peer's address
as next hop; each daemon has the other's prefix via fd42::1 (next hop self) with AS path
[65000, origin AS] and not its own back; the router's kernel routes (protocol 197) and a
TCP connection to a closed port on each daemon's loopback address, whose RST must come
back over them; then a withdrawal each way (`birdc disable` of BIRD's static protocol,
`no network` in FRR): the prefix leaves the router's RIB, its kernel (the connection then
finds no route) and the other daemon.

FRR runs in the foreground with its vty socket, pid file and log in the lab's work
directory (`--vty_socket`, not `-N`: nothing is left in /var/run/frr); only the crash-log
directory /var/tmp/frr/bgpd.<pid> it makes is removed at exit. Without FRR installed the
FRR part is skipped with a printed reason and the BIRD part still runs.
"""

import atexit
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import lab as L  # noqa: E402

ROUTER_IP, ROUTER_AS, ROUTER_ID = "fd42::1", 65000, "10.0.0.1"
LAN = "fd42::/64"
FRR_BGPD = "/usr/lib/frr/bgpd"  # Debian keeps the daemons off PATH
FRR_TMP = "/var/tmp/frr"  # where bgpd makes its crash-log directory bgpd.<pid>


class Speaker:
    def __init__(self, key, ip, asn, router_id, prefix, loopback):
        self.key, self.ip, self.asn, self.router_id = key, ip, asn, router_id
        self.prefix, self.loopback = prefix, loopback  # announced; held on lo
        self.ns = self.ifname = self.proc = None


BIRD = Speaker("bird", "fd42::2", 65301, "10.0.0.2", "fd00:301::/48", "fd00:301::1")
FRR = Speaker("frr", "fd42::3", 65302, "10.0.0.3", "fd00:302::/48", "fd00:302::1")

ROUTER_CONFIG = f"""router_id: {ROUTER_ID}
local_as: {ROUTER_AS}
mode: router
fib:
  install: true
listen:
  port: 179
neighbors:
  - name: bird            # BIRD dials in: a dynamic range, passive
    range: {LAN}
    peer_as: {BIRD.asn}
    import: all
    export: all
  - name: frr             # FRR is dialled: one address (wins over the range), active
    address: {FRR.ip}
    peer_as: {FRR.asn}
    import: all
    export: all
    timers:
      connect_retry: 5
"""

BIRD_CONFIG = f"""
router id {BIRD.router_id};
log stderr all;
protocol device {{ }}
protocol static static6 {{ ipv6; route {BIRD.prefix} blackhole; }}
protocol bgp rtr {{
  local {BIRD.ip} as {BIRD.asn};
  neighbor {ROUTER_IP} as {ROUTER_AS};
  hold time 90;
  # BIRD's connect delay is 5 s and its retry 120 s; shortened (see bird_test.py).
  connect delay time 1; connect retry time 5; error wait time 1, 10;
  ipv6 {{ import all; export all; }};
}}
"""

FRR_CONFIG = f"""frr defaults traditional
hostname frr
router bgp {FRR.asn}
 bgp router-id {FRR.router_id}
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 neighbor {ROUTER_IP} remote-as {ROUTER_AS}
 neighbor {ROUTER_IP} timers connect 5
 neighbor {ROUTER_IP} advertisement-interval 0
 address-family ipv6 unicast
  network {FRR.prefix}
  neighbor {ROUTER_IP} activate
 exit-address-family
"""


class Frr(L.Proc):
    """FRR's bgpd in the foreground in a namespace, driven through vtysh on its vty socket."""

    def __init__(self, lab, name, ns, argv, log_path, popen, vty_dir):
        super().__init__(lab, name, ns, argv, log_path, popen)
        self.vty_dir = vty_dir

    def vtysh(self, *commands, check=True):
        # The vty socket is a Unix socket in the file system: vtysh needs no namespace.
        argv = ["vtysh", "--vty_socket", self.vty_dir]
        for c in commands:
            argv += ["-c", c]
        r = self.lab.run_cmd(argv, check=False, timeout=10)
        if check and r.returncode != 0:
            raise L.Fatal(f"{self.name}: vtysh {commands} failed: {r.stdout}{r.stderr}")
        return r.stdout

    def json(self, command):
        try:
            return json.loads(self.vtysh(command, check=False) or "null")
        except ValueError:
            return None

    def ready(self):
        return self.alive() and os.path.exists(os.path.join(self.vty_dir, "bgpd.vty")) and \
            "FRRouting" in self.vtysh("show version", check=False)

    def peer(self, address):
        """The ipv6Unicast entry of `show bgp summary json` for address, or {}."""
        s = self.json("show bgp summary json") or {}
        return s.get("ipv6Unicast", {}).get("peers", {}).get(address, {})

    def routes(self):
        """prefix -> paths of `show bgp ipv6 unicast json`, each simplified to a dict with
        "best", "via" (the global next hop), "as_path" (ints) and "peer"."""
        out = {}
        for prefix, paths in ((self.json("show bgp ipv6 unicast json") or {})
                              .get("routes", {}).items()):
            for p in paths:
                hops = [h.get("ip") for h in p.get("nexthops", [])
                        if h.get("scope", "global") == "global"]
                out.setdefault(prefix, []).append({
                    "best": bool(p.get("bestpath")), "via": hops[0] if hops else None,
                    "as_path": [int(x) for x in p.get("path", "").split() if x.isdigit()],
                    "peer": p.get("peerId")})
        return out


def frr_tmp_dirs():
    return set(os.listdir(FRR_TMP)) if os.path.isdir(FRR_TMP) else set()


def start_frr(lab, name, ns, config_text):
    cfg = lab.write(f"{name}.conf", config_text)
    before = frr_tmp_dirs()
    r = lab.run_cmd([FRR_BGPD, "-C", "-S", "-f", cfg], check=False)
    for d in frr_tmp_dirs() - before:  # the check leaves a crash-log directory too
        if not os.path.exists(f"/proc/{d.rpartition('.')[2]}"):
            shutil.rmtree(os.path.join(FRR_TMP, d), ignore_errors=True)
    if r.returncode != 0:
        raise L.Fatal(f"{name}: bad FRR config: {(r.stderr or r.stdout).strip()}")
    vty_dir = lab.path(f"{name}-vty")
    os.mkdir(vty_dir)
    # -S: stay root (the work directory is root's), -Z: no zebra, -P 0: no TCP vty.
    f = lab.spawn(name, ns, [FRR_BGPD, "-S", "-Z", "-P", "0", "-f", cfg,
                             "-i", lab.path(f"{name}.pid"), "--vty_socket", vty_dir,
                             "--log", "stdout"], cls=Frr, vty_dir=vty_dir)
    # `ip netns exec` execs bgpd: the directory is named after this pid.
    atexit.register(remove_frr_tmp, f.pid)
    lab.wait_quiet(lambda: f.ready() or not f.alive(), 15)
    if not f.ready():
        raise L.Fatal(f"{name} did not start:\n" + "\n".join(f.tail()))
    return f


_frr_tmp_existed = os.path.isdir(FRR_TMP)


def remove_frr_tmp(pid):
    """Removes bgpd's crash-log directory /var/tmp/frr/bgpd.<pid> (and /var/tmp/frr if this
    test made it). An atexit handler: by the time it runs, run() has stopped every process
    of the lab (its finally)."""
    shutil.rmtree(os.path.join(FRR_TMP, f"bgpd.{pid}"), ignore_errors=True)
    if not _frr_tmp_existed:
        try:
            os.rmdir(FRR_TMP)
        except OSError:
            pass


def frr_skip_reason():
    for t in (FRR_BGPD, "vtysh"):
        if shutil.which(t) is None:
            return f"{t} is not installed (Debian package frr)"
    return None


@L.requires("bird", "birdc", "bash", "timeout")
def body(lab):
    skip_frr = frr_skip_reason()
    if skip_frr:
        L.log(f"SKIP (the FRR part only): {skip_frr}")
    speakers = [BIRD] + ([] if skip_frr else [FRR])

    sw = lab.netns("sw")
    br = lab.bridge(sw, "b0")

    def node(short, cidr):
        ns = lab.netns(short)
        # No DAD: the global and link-local addresses are usable at once, not tentative.
        lab.ns_run(ns, ["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
                        "net.ipv6.conf.default.accept_dad=0"])
        return ns, lab.attach(ns, sw, br, cidr)

    rns, rif = node("r", f"{ROUTER_IP}/64")
    for s in speakers:
        s.ns, s.ifname = node(s.key[0], f"{s.ip}/64")
        lab.ns_run(s.ns, ["ip", "-6", "addr", "add", f"{s.loopback}/128", "dev", "lo"])
    tentative = [ns for ns in [rns] + [s.ns for s in speakers]
                 if lab.ns_run(ns, ["ip", "-6", "addr", "show", "tentative"]).stdout.strip()]
    lab.check(not tentative, "no IPv6 address tentative (DAD off) in any namespace",
              str(tentative))

    # The daemons first: the router's first dial to FRR then finds it listening.
    BIRD.proc = lab.start_bird("bird", BIRD.ns, BIRD_CONFIG)
    if not skip_frr:
        FRR.proc = start_frr(lab, "frr", FRR.ns, FRR_CONFIG)
    router = lab.start_router("router", rns, ROUTER_CONFIG)
    bird, frr = BIRD.proc, FRR.proc

    # --- sessions, from both sides --------------------------------------------------------
    def daemon_up(s):
        if s is BIRD:
            return bird.protocol_state("rtr")[1].startswith("Established")
        return frr.peer(ROUTER_IP).get("state") == "Established"

    def daemon_detail(s):
        return bird.protocol_state("rtr") if s is BIRD else frr.peer(ROUTER_IP)

    for s in speakers:
        how = "BIRD dialling, router passive (range)" if s is BIRD else \
            "router dialling FRR (neighbor address)"
        lab.wait(f"{s.key} [{s.ip}] AS {s.asn}: Established on both sides over IPv6 ({how})",
                 lambda s=s: daemon_up(s) and
                 (router.peer(s.ip) or {}).get("state") == "established", 30,
                 detail=lambda s=s: (daemon_detail(s), router.peer(s.ip)), fatal=True)
        p = router.peer(s.ip) or {}
        fams = sorted(f["family"] for f in p.get("families", []))
        lab.check(p.get("peer_asn") == s.asn and p.get("dynamic") is (s is BIRD) and
                  p.get("name") == s.key and p.get("router_id") == s.router_id and
                  p.get("local_address") == ROUTER_IP,
                  f"router: {s.ip} is neighbor {s.key}, AS {s.asn}, dynamic={s is BIRD}, "
                  f"router id {s.router_id}, local address {ROUTER_IP}", str(p))
        lab.check(fams == ["ipv6-unicast"],
                  f"router: {s.ip} negotiated ipv6-unicast, and not ipv4-unicast (the peer "
                  "offers IPv6 only)", str(fams))
    if not skip_frr:
        fp = frr.peer(ROUTER_IP)
        lab.check(fp.get("remoteAs") == ROUTER_AS and
                  not (frr.json("show bgp summary json") or {}).get("ipv4Unicast"),
                  f"frr: `show bgp summary json` has {ROUTER_IP} AS {ROUTER_AS} under "
                  "ipv6Unicast only", str(fp))
    rlog = router.log_text().splitlines()
    lab.check(any("event=connection" in ln and f"peer={BIRD.ip}" in ln and
                  "direction=incoming" in ln for ln in rlog) and
              not any(f"peer={BIRD.ip}" in ln and "direction=outgoing" in ln for ln in rlog),
              f"router: never dialled bird ({BIRD.ip}), only accepted its connection")

    # --- routes: daemons -> router -> the other daemon ------------------------------------
    def router_best(prefix):
        b = router.best_routes().get(prefix) or {}
        return (b.get("next_hop"), b.get("as_path"))

    for s in speakers:
        lab.wait(f"router RIB: {s.key}'s {s.prefix} via {s.ip}, AS path {s.asn}",
                 lambda s=s: router_best(s.prefix) == (s.ip, str(s.asn)), 15,
                 detail=lambda s=s: router.route(s.prefix))

    def bird_routes():
        return bird.routes("master6")

    def bird_has(prefix, as_path):
        r = (bird_routes().get(prefix) or [None])[0]
        return r and r["protocol"] == "rtr" and r["via"] == ROUTER_IP and \
            r["as_path"] == as_path

    def frr_has(prefix, as_path):
        return any(p["best"] and p["via"] == ROUTER_IP and p["as_path"] == as_path
                   for p in frr.routes().get(prefix, []))

    if not skip_frr:
        lab.wait(f"bird: `show route table master6` has frr's {FRR.prefix} via {ROUTER_IP}, "
                 f"AS path 65000 {FRR.asn}",
                 lambda: bird_has(FRR.prefix, [ROUTER_AS, FRR.asn]), 15,
                 detail=lambda: bird_routes().get(FRR.prefix))
        lab.wait(f"frr: `show bgp ipv6 unicast` has bird's {BIRD.prefix} via {ROUTER_IP}, "
                 f"AS path 65000 {BIRD.asn}, best",
                 lambda: frr_has(BIRD.prefix, [ROUTER_AS, BIRD.asn]), 15,
                 detail=lambda: frr.routes().get(BIRD.prefix))
        lab.check(not any(p["peer"] == ROUTER_IP for p in frr.routes().get(FRR.prefix, [])),
                  "frr: its own prefix does not come back from the router",
                  str(frr.routes().get(FRR.prefix)))
    lab.check([r["protocol"] for r in bird_routes().get(BIRD.prefix, [])] == ["static6"],
              "bird: its own prefix does not come back from the router",
              str(bird_routes().get(BIRD.prefix)))

    # --- into the router's kernel, and a path to each daemon ------------------------------
    def link_local(ns, ifname):
        out = lab.ns_run(ns, ["ip", "-6", "-o", "addr", "show", "dev", ifname, "scope",
                              "link"]).stdout.split()
        return out[3].split("/")[0] if len(out) > 3 else None

    def kernel_v6():
        out = lab.ns_run(rns, ["ip", "-6", "route", "show", "proto", "197"]).stdout
        return {line.split()[0]: line.strip() for line in out.splitlines() if line.strip()}

    for s in speakers:
        lab.wait(f"router kernel: {s.prefix} via {s.ip} dev {rif} (proto 197)",
                 lambda s=s: f"via {s.ip} dev {rif}" in kernel_v6().get(s.prefix, ""), 15,
                 detail=lambda s=s: (kernel_v6(), f"{s.key} link-local "
                                                  f"{link_local(s.ns, s.ifname)}"))

    def probe(address):
        return lab.ns_run(rns, ["timeout", "5", "bash", "-c", f"echo > /dev/tcp/{address}/9"],
                          check=False).stderr.strip()

    for s in speakers:
        err = probe(s.loopback)
        lab.check("Connection refused" in err,
                  f"router -> [{s.loopback}]:9 (closed): {s.key}'s RST comes back over the "
                  f"route to {s.prefix}", err)

    # --- withdrawals ------------------------------------------------------------------------
    def gone_everywhere(s, other):
        """s's prefix is out of the router's RIB and kernel and out of the other daemon."""
        if s.prefix in router.best_routes() or s.prefix in kernel_v6():
            return False
        if other is BIRD:
            return s.prefix not in bird_routes()
        return other is None or s.prefix not in frr.routes()

    withdrawals = [(BIRD, "birdc disable static6")]
    if not skip_frr:
        withdrawals.append((FRR, f"vtysh: no network {FRR.prefix}"))
    withdrawn = []
    for s, how in withdrawals:
        other = (FRR if not skip_frr else None) if s is BIRD else BIRD
        L.log(f"{s.key}: {how}")
        if s is BIRD:
            bird.birdc("disable", "static6")
        else:
            frr.vtysh("configure terminal", f"router bgp {FRR.asn}",
                      "address-family ipv6 unicast", f"no network {FRR.prefix}")
        withdrawn.append(s)
        lab.wait(f"{s.prefix} withdrawn: gone from the router's RIB and kernel"
                 + (f" and from {other.key}" if other else ""),
                 lambda s=s, other=other: gone_everywhere(s, other), 10,
                 detail=lambda s=s: (router.route(s.prefix), kernel_v6(),
                                     bird_routes().get(s.prefix),
                                     None if skip_frr else frr.routes().get(s.prefix)))
        err = probe(s.loopback)
        lab.check("unreachable" in err and "refused" not in err,
                  f"router -> [{s.loopback}]:9: no route any more", err)
        for k in speakers:
            if k not in withdrawn:
                lab.check(router_best(k.prefix) == (k.ip, str(k.asn)) and
                          f"via {k.ip} dev {rif}" in kernel_v6().get(k.prefix, ""),
                          f"router: {k.key}'s {k.prefix} still in the RIB and the kernel",
                          str((router.route(k.prefix), kernel_v6())))
        p = router.peer(s.ip) or {}
        lab.check(p.get("state") == "established",
                  f"router: the session to {s.key} stays up", str(p))

if __name__ == "__main__":
    sys.exit(L.run("ipv6", "BIRD 2 and FRR 8 over native IPv6 sessions", body))
