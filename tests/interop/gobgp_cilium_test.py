#!/usr/bin/env python3
"""bgpdemo router with six GoBGP nodes configured as Cilium 1.14 configures its GoBGP.

Topology (all in network namespaces of this test; `P` is the lab prefix bgpi<pid>):

  P-sw   two bridges: cluster 1's network 172.22.0.0/16 and cluster 2's 172.25.0.0/16
  P-r    bgpdemo router (AS 65000, router mode): 172.22.0.254 and 172.25.0.254,
         dynamic neighbors 172.22.0.0/16 as AS 65100 and 172.25.0.0/16 as AS 65200
  P-cXnY gobgpd, node Y of cluster X: 172.22.0.(Y+1) / 172.25.0.(Y+1), AS 65100 / 65200,
         router-id = node IP, hostname cX-nodeY (own UTS namespace), pod CIDR
         10.24X.Y.0/24 and service IP 10.25X.0.Y/32 announced with origin igp, and an
         IPv6 pod CIDR fd00:10:24X:Y::/64 over the same IPv4 session, as a dual-stack
         Cilium node does (next hop ::ffff:<node IP>); the node holds fd00:10:24X:Y::1

Checks: the six sessions from both sides (state, AS, hostname from the FQDN capability,
hold time 90, both families), every route in the router's RIB and in every node of the
other cluster (next hop = the router's address on that network, AS path [65000, origin
AS]), none of a cluster's routes sent back into that cluster, a withdrawal, a SIGKILLed
node's routes going away and coming back when it restarts, and the router's SIGTERM
reaching every node as a Cease with its shutdown text. The router installs what it learns
in its kernel (fib.install): the IPv6 pod CIDRs through each node's link-local address on
the router's interface to it, which a TCP connection to the node's IPv6 address crosses.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import lab as L  # noqa: E402
from cilium_gobgp import cilium_gobgpd_toml  # noqa: E402  (tests/, on the path through lab)

ROUTER_AS = 65000
SHUTDOWN_TEXT = "bgpdemo router stopping"  # what `bgpdemo router` sends on SIGTERM


class Cluster:
    def __init__(self, idx, asn, net, pod, svc):
        self.idx, self.asn = idx, asn
        self.router_ip = f"{net}.0.254"
        self.net = net
        self.pod, self.svc = pod, svc
        self.nodes = []


class Node:
    def __init__(self, cluster, y):
        self.cluster = cluster
        self.name = f"c{cluster.idx}n{y}"
        self.hostname = f"c{cluster.idx}-node{y}"
        self.ip = f"{cluster.net}.0.{y + 1}"
        self.pod_cidr = f"{cluster.pod}.{y}.0/24"
        self.service = f"{cluster.svc}.{y}/32"
        self.prefixes = [self.pod_cidr, self.service]
        self.pod_cidr_v6 = f"fd00:10:{cluster.pod.split('.')[1]}:{y}::/64"
        self.pod_ip_v6 = f"fd00:10:{cluster.pod.split('.')[1]}:{y}::1"
        self.ns = None
        self.gobgp = None


def gobgpd_config(node):
    c = node.cluster
    return cilium_gobgpd_toml(c.asn, node.ip, c.router_ip, ROUTER_AS)


def router_config(clusters):
    neighbors = "".join(
        f"""  - name: cluster{c.idx}
    range: {c.net}.0.0/16
    peer_as: {c.asn}
    import: all
    export: all
""" for c in clusters)
    return f"""router_id: {clusters[0].router_ip}
local_as: {ROUTER_AS}
mode: router
fib:
  install: true
listen:
  port: 179
timers:
  hold_time: 90
  keepalive: 30
neighbors:
{neighbors}"""


def start_node(lab, node):
    node.gobgp = lab.start_gobgpd(node.name, node.ns, gobgpd_config(node), hostname=node.hostname)
    for p in node.prefixes + [node.pod_cidr_v6]:
        node.gobgp.add_route(p, "origin", "igp")  # as Cilium: next hop 0.0.0.0 / ::, igp


@L.requires("gobgpd", "gobgp", "unshare", "nsenter")
def body(lab):
    c1 = Cluster(1, 65100, "172.22", "10.241", "10.251.0")
    c2 = Cluster(2, 65200, "172.25", "10.242", "10.252.0")
    clusters = [c1, c2]
    for c in clusters:
        c.nodes = [Node(c, y) for y in (1, 2, 3)]
    nodes = c1.nodes + c2.nodes
    other = {c1.idx: c2, c2.idx: c1}

    sw = lab.netns("sw")
    rns = lab.netns("r")
    bridges = {c.idx: lab.bridge(sw, f"b{c.idx}") for c in clusters}
    router_if = {}
    for c in clusters:
        router_if[c.idx] = lab.attach(rns, sw, bridges[c.idx], f"{c.router_ip}/16")
    for n in nodes:
        n.ns = lab.netns(n.name)
        n.ifname = lab.attach(n.ns, sw, bridges[n.cluster.idx], f"{n.ip}/16")
        lab.ns_run(n.ns, ["ip", "addr", "add", f"{n.pod_ip_v6}/128", "dev", "lo"])

    router = lab.start_router("router", rns, router_config(clusters))
    for n in nodes:
        start_node(lab, n)
    L.log(f"started the router and {len(nodes)} gobgpd nodes")

    # --- sessions, from both sides ------------------------------------------------------
    def all_up():
        return all(n.gobgp.established(n.cluster.router_ip) for n in nodes)

    lab.wait("all 6 gobgpd nodes see their session to the router established", all_up, 40,
             detail=lambda: {n.name: L.session_state(n.gobgp.neighbor(n.cluster.router_ip) or {})
                             for n in nodes}, fatal=True)

    def router_sees_all():
        peers = {p["address"]: p for p in router.peers()}
        return all(peers.get(n.ip, {}).get("state") == "established" for n in nodes) and peers

    peers = lab.wait("the router has all 6 sessions established", router_sees_all, 10,
                     detail=lambda: [(p["address"], p["state"]) for p in router.peers()])
    peers = peers or {}
    for n in nodes:
        p = peers.get(n.ip, {})
        # gobgpd sends os.Hostname() (FQDN capability): what `hostname` prints in its UTS
        # namespace (each node has its own, see lab.spawn).
        shown = lab.run_cmd(["nsenter", "--uts", "--target", str(n.gobgp.pid), "hostname"],
                            check=False).stdout.strip()
        fams = sorted(f["family"] for f in p.get("families", []))
        lab.check(p.get("peer_asn") == n.cluster.asn and p.get("dynamic") is True and
                  p.get("name") == f"cluster{n.cluster.idx}" and p.get("router_id") == n.ip and
                  p.get("local_address") == n.cluster.router_ip,
                  f"router: {n.ip} is a dynamic neighbor of cluster{n.cluster.idx}, AS "
                  f"{n.cluster.asn}, router id {n.ip}", str(p))
        lab.check(p.get("hostname") and p.get("hostname") == shown == n.hostname,
                  f"router: {n.ip} hostname from the FQDN capability is {n.hostname!r} "
                  f"(`hostname` in its UTS namespace: {shown!r})", str(p.get("hostname")))
        lab.check(fams == ["ipv4-unicast", "ipv6-unicast"] and p.get("hold_time") == 90 and
                  p.get("extended_next_hop") is True,
                  f"router: {n.ip} negotiated ipv4+ipv6 unicast, hold 90, extended next hop "
                  "capability seen", f"{fams} hold {p.get('hold_time')} enh "
                                     f"{p.get('extended_next_hop')}")
        nb = n.gobgp.neighbor(n.cluster.router_ip) or {}
        hold = nb.get("timers", {}).get("state", {}).get("negotiated_hold_time")
        lab.check(hold == 90 and nb.get("conf", {}).get("peer_asn") == ROUTER_AS,
                  f"{n.name}: gobgp neighbor {n.cluster.router_ip} AS {ROUTER_AS}, negotiated "
                  "hold 90", f"hold {hold}, conf {nb.get('conf')}")

    # --- routes: nodes -> router -> other cluster ---------------------------------------
    def expected_router_rib():
        return {p: (n.ip, str(n.cluster.asn)) for n in nodes for p in n.prefixes}

    def router_rib_ok(expected):
        best = router.best_routes()
        got = {p: (b["next_hop"], b["as_path"]) for p, b in best.items()
               if p in expected or p.startswith("10.2")}
        return got == expected and best

    exp = expected_router_rib()
    lab.wait(f"router RIB: all {len(exp)} node prefixes, best next hop = the node, AS path = "
             "its AS", lambda: router_rib_ok(exp), 15,
             detail=lambda: {p: (b["next_hop"], b["as_path"]) for p, b in
                             router.best_routes().items()})
    lab.check(all(r["best"]["origin"] == "igp" and r["best"]["peer"] == r["best"]["next_hop"]
                  for r in router.routes() if r["prefix"] in exp),
              "router RIB: origin igp kept, best path from the node itself")

    def node_view(n, removed=(), down=()):
        """What n should hold from the router: the other cluster's routes, nothing of its own."""
        oc = other[n.cluster.idx]
        want = {p: (n.cluster.router_ip, [ROUTER_AS, oc.asn])
                for m in oc.nodes if m.name not in down for p in m.prefixes if p not in removed}
        return want

    def node_ok(n, removed=(), down=()):
        want = node_view(n, removed, down)
        rib = n.gobgp.rib("ipv4")
        got = {}
        for prefix, paths in rib.items():
            for path in paths:
                if not path["local"]:
                    got[prefix] = (path["next_hop"], path["as_path"])
        return got == want

    def node_detail(n):
        return {p: [(x["next_hop"], x["as_path"]) for x in paths if not x["local"]]
                for p, paths in n.gobgp.rib("ipv4").items()}

    for n in nodes:
        lab.wait(f"{n.name}: has exactly the 6 routes of cluster {other[n.cluster.idx].idx} "
                 f"via {n.cluster.router_ip}, AS path [65000, {other[n.cluster.idx].asn}]",
                 lambda n=n: node_ok(n), 15, detail=lambda n=n: node_detail(n))

    # Router mode (bgp/policy/export.h): a route is never sent to a peer whose AS is already
    # in its AS_PATH (the peer would drop it as a loop, RFC 4271 §9.1.2). So the nodes of a
    # cluster (one AS) never receive each other's routes through the router: not even in
    # GoBGP's Adj-RIB-In, where a looped route would still show.
    for n in nodes:
        own = {p for m in n.cluster.nodes for p in m.prefixes}
        adj = n.gobgp.adj_in(n.cluster.router_ip, "ipv4")
        oc = other[n.cluster.idx]
        lab.check(not (set(adj) & own) and set(adj) == {p for m in oc.nodes for p in m.prefixes},
                  f"{n.name}: Adj-RIB-In from the router has no route of its own cluster "
                  f"(AS {n.cluster.asn} in the path)", str(sorted(adj)))
    peers = {p["address"]: p for p in router.peers()}
    for n in nodes:
        v4 = [f for f in peers.get(n.ip, {}).get("families", []) if f["family"] == "ipv4-unicast"]
        lab.check(v4 and v4[0]["advertised"] == 6 and v4[0]["received"] == 2 and
                  v4[0]["accepted"] == 2,
                  f"router: {n.ip} received 2, accepted 2, advertised 6 (ipv4)", str(v4))

    # --- IPv6 over the IPv4 sessions, into the router's kernel ----------------------------
    def v6_best():
        best = router.best_routes()
        return {n.pod_cidr_v6: best.get(n.pod_cidr_v6, {}).get("next_hop") for n in nodes}

    lab.wait("router RIB: every node's IPv6 pod CIDR, next hop ::ffff:<node IP> (IPv4-mapped, "
             "as GoBGP sends IPv6 over an IPv4 session)",
             lambda: v6_best() == {n.pod_cidr_v6: f"::ffff:{n.ip}" for n in nodes}, 15,
             detail=v6_best)

    def link_local(n):
        out = lab.ns_run(n.ns, ["ip", "-6", "-o", "addr", "show", "dev", n.ifname, "scope",
                                "link"]).stdout.split()
        return out[3].split("/")[0] if len(out) > 3 else None

    def kernel_v6():
        out = lab.ns_run(rns, ["ip", "-6", "route", "show", "proto", "197"]).stdout
        return {line.split()[0]: line.strip() for line in out.splitlines() if line.strip()}

    def kernel_v6_ok():
        k = kernel_v6()
        return all(f"via {link_local(n)} dev {router_if[n.cluster.idx]}" in k.get(n.pod_cidr_v6, "")
                   for n in nodes)

    lab.wait("router kernel: each IPv6 pod CIDR via the node's own link-local address (as its "
             "kernel made it) on the router's interface to that network", kernel_v6_ok, 15,
             detail=lambda: (kernel_v6(), {n.name: link_local(n) for n in nodes}))
    for n in (c1.nodes[0], c2.nodes[1]):
        r = lab.ns_run(rns, ["timeout", "5", "bash", "-c", f"echo > /dev/tcp/{n.pod_ip_v6}/9"],
                       check=False)
        lab.check("Connection refused" in r.stderr,
                  f"router -> [{n.pod_ip_v6}]:9 (closed): {n.name}'s RST comes back over the "
                  "route", r.stderr.strip())

    # The router passes IPv6 on to the other cluster's nodes the same way: next hop its own
    # address on their network, IPv4-mapped, as GoBGP itself sends it (`gobgp global rib -a
    # ipv6 -j` shows such a next hop as the plain IPv4 address).
    def node_v6(n):
        return {p: (x["next_hop"], x["as_path"]) for p, paths in n.gobgp.rib("ipv6").items()
                for x in paths if not x["local"]}

    for n in (c1.nodes[0], c2.nodes[2]):
        oc = other[n.cluster.idx]
        want = {m.pod_cidr_v6: (n.cluster.router_ip, [ROUTER_AS, oc.asn]) for m in oc.nodes}
        lab.wait(f"{n.name}: cluster {oc.idx}'s 3 IPv6 pod CIDRs via ::ffff:{n.cluster.router_ip}"
                 f", AS path [65000, {oc.asn}], none of its own cluster's",
                 lambda n=n, want=want: node_v6(n) == want, 15, detail=lambda n=n: node_v6(n))

    # --- a withdrawal --------------------------------------------------------------------
    w = c1.nodes[0]
    L.log(f"{w.name}: gobgp global rib del {w.service}")
    w.gobgp.del_route(w.service)
    lab.wait(f"router: {w.service} withdrawn, {w.pod_cidr} still there",
             lambda: w.service not in router.best_routes() and
             w.pod_cidr in router.best_routes(), 10)
    for n in c2.nodes:
        lab.wait(f"{n.name}: {w.service} gone, the rest of cluster 1's routes still there",
                 lambda n=n: node_ok(n, removed=(w.service,)), 10,
                 detail=lambda n=n: node_detail(n))

    # --- a node killed with SIGKILL, then restarted --------------------------------------
    k = c2.nodes[2]
    L.log(f"{k.name}: kill -9 gobgpd (pid {k.gobgp.pid})")
    k.gobgp.kill()
    lab.wait(f"router: {k.ip}'s session is gone and so are its routes",
             lambda: all(p not in router.best_routes() for p in k.prefixes) and
             (router.peer(k.ip) or {}).get("state") != "established", 10,
             detail=lambda: (router.peer(k.ip), sorted(router.best_routes())))
    for n in c1.nodes:
        lab.wait(f"{n.name}: {k.name}'s routes gone",
                 lambda n=n: node_ok(n, down=(k.name,)), 10, detail=lambda n=n: node_detail(n))

    L.log(f"{k.name}: restart gobgpd and re-add its routes")
    start_node(lab, k)
    lab.wait(f"{k.name}: session re-established after the restart",
             lambda: k.gobgp.established(c2.router_ip) and
             (router.peer(k.ip) or {}).get("state") == "established", 30)
    lab.wait(f"router: {k.name}'s routes are back",
             lambda: all(router.best_routes().get(p, {}).get("next_hop") == k.ip
                         for p in k.prefixes), 10)
    for n in c1.nodes:
        lab.wait(f"{n.name}: {k.name}'s routes are back",
                 lambda n=n: node_ok(n), 10, detail=lambda n=n: node_detail(n))
    lab.wait(f"{k.name}: has cluster 1's routes again (without the withdrawn {w.service})",
             lambda: node_ok(k, removed=(w.service,)), 10, detail=lambda: node_detail(k))

    # --- the router's SIGTERM: a Cease with its shutdown text to every node --------------
    L.log("router: SIGTERM")
    router.send_signal(signal.SIGTERM)
    t = time.monotonic()
    try:
        rc = router.popen.wait(10)
    except Exception:
        rc = None
    lab.check(rc == 0, f"router exits 0 after SIGTERM ({time.monotonic() - t:.1f}s)",
              f"exit code {rc}")

    def logged_cease(n):
        for line in n.gobgp.log_text().splitlines():
            if "received notification" in line and "Code=6" in line and "Subcode=2" in line \
                    and f'Communicated-Reason="{SHUTDOWN_TEXT}"' in line:
                return line
        return None

    for n in nodes:
        lab.wait(f"{n.name}: gobgpd logged Cease 6/2 with \"{SHUTDOWN_TEXT}\"",
                 lambda n=n: logged_cease(n), 5,
                 detail=lambda n=n: [x for x in n.gobgp.tail(8)])


if __name__ == "__main__":
    sys.exit(L.run("gobgp_cilium", "GoBGP as Cilium 1.14 configures it, 2 clusters x 3 nodes",
                   body))
