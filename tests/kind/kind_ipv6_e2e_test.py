#!/usr/bin/env python3
"""`bgpdemo up --provider kind` with IPv6 (issue #14), end to end on a private Docker engine
with the test doubles of kind, kubectl, helm and cilium (tests/kind/doubles/), the route
server in its real container:

  two-cluster-dual  up makes both networks with IPv6 (kind's ULA) and kind clusters with
                    ipFamily dual and a RequireDualStack Service; the nodes' gobgpd send
                    their IPv6 pod CIDRs and LB IPs over their IPv4 sessions (as Cilium's
                    GoBGP does), the router container installs them via each node's
                    link-local address; verify's 56 checks, HTTP over both families
  two-cluster-ipv6  kind clusters with ipFamily ipv6: nodes with an IPv6 InternalIP only,
                    sessions over IPv6 with the router IDs of the rendered
                    CiliumBGPNodeConfigOverrides, routes via the nodes' global addresses;
                    verify's 34 checks, none IPv4

each: up -> the networks, nodes and LB IPs of the family -> peers -> verify -> routes ->
down leaving nothing. Nothing may fall back to IPv4: a missing IPv6 part fails its check.
Prints "N passed, M failed" last; exit 0, 1, or 77 (no root, no Docker).

  python3 tests/kind/kind_ipv6_e2e_test.py --bgpdemo build/bgpdemo --cache-dir build/docker-cache
"""

import argparse
import hashlib
import ipaddress
import json
import os
import re
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dockerlab as D  # noqa: E402
import docker_images as I  # noqa: E402
from kind_e2e_test import Env, contexts  # noqa: E402
import kind_e2e_test  # noqa: E402

ARGS = None


def kind_ula(name):
    """kind's IPv6 ULA for a network (v0.20.0 network.go generateULASubnetFromName, first
    attempt): fc00::/8 with bytes 2..7 of sha1(name, int32 0 little-endian), a /64."""
    h = hashlib.sha1(name.encode() + struct.pack("<i", 0)).digest()
    return str(ipaddress.IPv6Network((b"\xfc\x00" + h[2:8] + bytes(8), 64)))


ULA_OF = {n: kind_ula(n) for n in ("kind", "kind2")}

# What each scenario must give: the Service's LB IPs per cluster (a regex of the lb step's
# line), each node's InternalIP families and pod CIDR lengths, verify's passing checks (of
# which IPv6 HTTP), the routes (of which IPv6) and the families each session counts.
EXPECT = {
    "dual": {"scenario": "two-cluster-dual",
             "lb": r"cilium 10\.21\.0\.\d+ fd00:10:21::\S+, cilium2 10\.22\.0\.\d+ fd00:10:22::\S+",
             "node_ips": [4, 6], "pod_cidrs": [24, 64], "passed": 56, "v6_http": 6,
             "routes": 16, "families": {"ipv4-unicast", "ipv6-unicast"}, "session": 4},
    "ipv6": {"scenario": "two-cluster-ipv6",
             "lb": r"cilium fd00:10:21::\S+, cilium2 fd00:10:22::\S+$",
             "node_ips": [6], "pod_cidrs": [64], "passed": 34, "v6_http": 6,
             "routes": 8, "families": {"ipv6-unicast"}, "session": 6},
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bgpdemo", required=True)
    p.add_argument("--cache-dir", default=os.environ.get("BGPDEMO_DOCKER_CACHE"))
    p.add_argument("--only", choices=sorted(EXPECT), help="one scenario only")
    p.add_argument("--keep", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args()


def kubectl_json(e, context, *args):
    r = subprocess.run(["kubectl", "--context", context, *args, "-o", "json"], env=e.env,
                       capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else {"items": []}


def run_family(c, e, family):
    x = EXPECT[family]
    up = ["up", "--provider", "kind", "--scenario", x["scenario"], "--timeout", "90"]
    t = time.monotonic()
    r = e.bd(*up, "-o", "json")
    events = D.up_events(c, r, f"{family}: up completes ({time.monotonic() - t:.1f} s)")
    steps = {ev["step"]: ev.get("detail", "") for ev in events if ev.get("event") == "step"}
    c.check(all(ULA_OF[n] in steps.get("networks", "") for n in ("kind", "kind2")),
            f"{family}: up makes both networks with kind's IPv6 ULA", steps.get("networks"))
    c.check(re.search(x["lb"], steps.get("lb", "")) is not None,
            f"{family}: up waits for the LoadBalancer IPs of the scenario's families",
            steps.get("lb"))

    inspect = json.loads(e.d.docker("network", "inspect", "kind", "kind2").stdout)
    v6 = {n["Name"]: [s["Subnet"] for s in n["IPAM"]["Config"] if ":" in s["Subnet"]]
          for n in inspect}
    c.check(v6 == {"kind": [ULA_OF["kind"]], "kind2": [ULA_OF["kind2"]]} and
            all(n["EnableIPv6"] for n in inspect), f"{family}: Docker's networks have IPv6", v6)

    nodes = kubectl_json(e, "kind-cilium", "get", "nodes")["items"]

    def shape(n):
        ips = [ipaddress.ip_address(a["address"]).version for a in n["status"]["addresses"]
               if a["type"] == "InternalIP"]
        return ips, [int(p.split("/")[1]) for p in n["spec"].get("podCIDRs", [])]
    c.check(len(nodes) == 3 and all(shape(n) == (x["node_ips"], x["pod_cidrs"]) for n in nodes),
            f"{family}: each node's InternalIPs are IPv{x['node_ips']}, its pod CIDRs "
            f"/{x['pod_cidrs']}", [shape(n) for n in nodes])

    if family == "ipv6":
        # Cilium's GoBGP on the node: the override's router ID, the node's IPv6 address.
        toml = e.d.docker("exec", "cilium-worker", "cat", "/run/fakek8s/gobgpd.toml",
                          check=False).stdout
        worker = next((n for n in nodes if n["metadata"]["name"] == "cilium-worker"), {})
        address = next((a["address"] for a in worker.get("status", {}).get("addresses", [])
                        if a["type"] == "InternalIP"), "?")
        c.check('router-id = "10.255.1.2"' in toml and
                f'local-address-list = ["{address}"]' in toml and "ipv4-unicast" not in toml,
                "ipv6: cilium-worker's gobgpd has its override's router ID, its IPv6 address "
                "and IPv6 unicast only", toml[:700])

    r = e.bd("peers", "-o", "json")
    rows = json.loads(r.stdout) if r.returncode == 0 else []
    fams = {f["family"] for row in rows for f in row.get("families", [])}
    routers = [row for row in rows if row["side"] == "router"]
    received_v6 = [sum(f.get("received", 0) for f in row.get("families", [])
                       if f["family"] == "ipv6-unicast") for row in routers]
    c.check(len(rows) == 12 and all(row["state"] == "established" for row in rows) and
            fams == x["families"] and received_v6 == [2] * 6 and
            all(ipaddress.ip_address(row["peer_address"]).version == x["session"]
                for row in rows),
            f"{family}: 6 + 6 sessions established over IPv{x['session']}, families "
            f"{sorted(x['families'])}, the router receiving each node's IPv6 pod CIDR and LB IP",
            [(row["side"], row["node"], row["peer_address"], row["state"], row.get("families"))
             for row in rows])

    r = e.bd("verify", "-o", "json")
    rep = json.loads(r.stdout) if r.stdout.startswith("{") else {"checks": []}
    bad = [f"{k['group']} {k['name']}: {k['detail']}" for k in rep["checks"] if not k["ok"]]
    c.check(r.returncode == 0 and rep.get("failed") == 0 and rep.get("passed") == x["passed"],
            f"{family}: verify: {x['passed']} checks pass", bad or r.stderr[-600:])
    v6_http = [k["name"] for k in rep["checks"]
               if k["ok"] and k["group"] == "http" and "fd00:10:2" in k["name"]]
    c.check(len(v6_http) == x["v6_http"], f"{family}: {x['v6_http']} of them HTTP over IPv6 "
            "(router to both LB IPs, pods to the other cluster's LB IP and to a pod of their "
            "own)", v6_http)

    r = e.bd("routes", "-o", "json")
    routes = json.loads(r.stdout) if r.returncode == 0 else {"rib": [], "kernel": []}
    kernel_v6 = [k for k in routes["kernel"] if ":" in k.get("prefix", "")]
    c.check(len(routes["rib"]) == x["routes"] and len(routes["kernel"]) == x["routes"] and
            len(kernel_v6) == 8,
            f"{family}: routes: {x['routes']} prefixes (8 IPv6) in the router's RIB and kernel",
            routes)
    if family == "dual":
        # Learned over IPv4 sessions: via the nodes' link-local addresses, named as nodes.
        hops_ok = all(k.get("next_hops") and all(
            h.startswith("fe80:") and k.get("link_local_nodes", {}).get(h, "").startswith("172.")
            for h in k["next_hops"]) for k in kernel_v6)
        what = "via link-local addresses that routes names as nodes"
    else:
        # Learned over IPv6 sessions: via the nodes' global addresses in kind's ULAs.
        hops_ok = all(k.get("next_hops") and all(
            any(ipaddress.ip_address(h) in ipaddress.ip_network(u) for u in ULA_OF.values())
            for h in k["next_hops"]) for k in kernel_v6)
        what = "via the nodes' global addresses"
    lb_ecmp = [k for k in kernel_v6 if k["prefix"].endswith("/128")]
    c.check(hops_ok and len(lb_ecmp) == 2 and all(len(k["next_hops"]) == 3 for k in lb_ecmp),
            f"{family}: each IPv6 route goes {what}; each IPv6 LB IP over its cluster's 3 "
            "nodes (ECMP)", kernel_v6)

    r = e.bd("down")
    left = e.d.docker("ps", "-a", "--format", "{{.Names}}").stdout.split()
    nets_left = e.d.docker("network", "ls", "--format", "{{.Name}}").stdout.split()
    c.check(r.returncode == 0 and not left and "kind" not in nets_left and
            "kind2" not in nets_left and not contexts(e),
            f"{family}: down removes the containers, both networks it made, the contexts",
            (r.stderr[-400:], left, nets_left))


def body(c):
    def run(d, workdir):
        for family in ([ARGS.only] if ARGS.only else sorted(EXPECT)):
            run_family(c, Env(c, d, workdir), family)

    I.with_node_engine(c, ARGS, "k6", os.path.join(HERE, "node"), run)


def main():
    global ARGS
    ARGS = parse_args()
    kind_e2e_test.ARGS = ARGS  # Env runs ARGS.bgpdemo and logs under ARGS.verbose

    def setup():
        D.require_docker()
        if not os.access(ARGS.bgpdemo, os.X_OK):
            raise D.Fatal(f"{ARGS.bgpdemo} is not an executable")
    return D.run("kind.e2e_ipv6", "bgpdemo up --provider kind with IPv6, on a private Docker "
                 "engine", body, setup=setup)


if __name__ == "__main__":
    sys.exit(main())
