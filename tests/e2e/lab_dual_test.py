#!/usr/bin/env python3
"""End to end on the lab provider with dual-stack clusters (scenario two-cluster-dual).

The nodes peer with the route server over IPv4 and send their IPv6 pod CIDRs and IPv6
LoadBalancer IPs on the same sessions, as Cilium does; the route server installs those
through each node's link-local address (made from the MAC its IPv4 neighbour entry has)
and carries HTTP between the clusters over both families.

  up -> verify: 56 checks pass (sessions, both families' RIB and kernel routes, HTTP over
  IPv4 and IPv6 from the router and from pods) -> peers: both families counted on every
  session -> routes: each IPv6 route via the link-local address of the node that sent it,
  the LoadBalancer IPs ECMP over three -> a node speaker stopped: exactly the checks of both
  families that depend on it fail -> started again: verify passes -> down leaves nothing.

Run with --node-speaker gobgpd to have real gobgpd processes as the node speakers. Needs
root and iproute2 (and gobgpd for that variant); skips with 77 and the reason otherwise.
Prints how long up and verify took (a figure, never a pass condition).
"""

import ipaddress
import json
import os
import subprocess
import sys

import demo_cli  # noqa: E402  (its folder is the script's)
from demo_cli import DemoCli  # noqa: E402

STOPPED_NODE = "cilium2-worker"
FAILS_WITHOUT_IT = {
    "sessions cilium2-worker: router's view",
    "sessions cilium2-worker: node's view",
    "rib 10.242.1.0/24",
    "kernel 10.242.1.0/24",
    "rib fd00:10:242:1::/64",
    "kernel fd00:10:242:1::/64",
    "rib 10.22.0.1/32",
    "kernel 10.22.0.1/32",
    "rib fd00:10:22::1/128",
    "kernel fd00:10:22::1/128",
    "http cilium2/nginx-1 -> 10.21.0.1 (cilium nginx)",
    "http cilium2/nginx-1 -> fd00:10:21::1 (cilium nginx)",
}


def eui64_link_local(mac):
    """fe80:: and the MAC with its universal/local bit flipped and ff:fe in the middle."""
    b = [int(x, 16) for x in mac.split(":")]
    b[0] ^= 0x02
    iid = b[:3] + [0xFF, 0xFE] + b[3:]
    groups = [f"{iid[i] << 8 | iid[i + 1]:x}" for i in range(0, 8, 2)]
    return str(ipaddress.IPv6Address("fe80::" + ":".join(groups)))


def body(lab, speaker):
    cli = DemoCli(lab)
    prefix = cli.prefix
    bd = cli.run

    try:
        report = cli.up_and_verify("two-cluster-dual", speaker, 56,
                                   {"sessions": 12, "rib": 16, "kernel": 16, "http": 12})
        v6_http = [c["name"] for c in report["checks"]
                   if c["group"] == "http" and ":" in c["name"]]
        lab.check(len(v6_http) == 6, "the IPv6 probes: the router to both IPv6 LoadBalancer IPs, "
                  "pods to the other cluster's and to a pod on another node", v6_http)

        r = bd("peers", "-o", "json")
        rows = json.loads(r.stdout) if r.returncode == 0 else []
        counts = {(x["side"], f["family"], f["received"]) for x in rows for f in x["families"]}
        lab.check(len(rows) == 12 and all(x["state"] == "established" for x in rows),
                  "peers: 12 sessions (both sides), all established",
                  [(x["node"], x["peer_address"], x["state"]) for x in rows])
        lab.check(counts == {("router", "ipv4-unicast", 2), ("router", "ipv6-unicast", 2),
                             ("node", "ipv4-unicast", 4), ("node", "ipv6-unicast", 4)},
                  "every session counts both families: the router receives each node's pod "
                  "CIDR and LoadBalancer IP per family, each node the other cluster's 4",
                  sorted(counts))

        r = bd("routes", "-o", "json")
        routes = json.loads(r.stdout) if r.returncode == 0 else {"rib": [], "kernel": []}
        kernel = {k["prefix"]: k["next_hops"] for k in routes["kernel"]}
        lab.check(len(routes["rib"]) == 16 and len(kernel) == 16,
                  "routes: 16 prefixes in the RIB and in the kernel", routes)
        # Each node's link-local address, made from the MAC of its eth0.
        ll = {}
        for node in ("cilium-control-plane", "cilium-worker", "cilium-worker2"):
            out = subprocess.run(["ip", "-n", f"{prefix}-node-{node}", "-j", "link", "show",
                                  "eth0"], capture_output=True, text=True).stdout
            mac = json.loads(out)[0]["address"] if out.startswith("[") else "00:00:00:00:00:00"
            ll[node] = eui64_link_local(mac)
        lab.check(kernel.get("fd00:10:241:1::/64") == [ll["cilium-worker"]],
                  "an IPv6 pod CIDR goes via the link-local address of the node that sent it",
                  {"kernel": kernel.get("fd00:10:241:1::/64"), "node": ll["cilium-worker"]})
        lab.check(sorted(kernel.get("fd00:10:21::1/128", [])) == sorted(ll.values()),
                  "the IPv6 LoadBalancer IP is an ECMP route over its cluster's 3 nodes' "
                  "link-local addresses", {"kernel": kernel.get("fd00:10:21::1/128"), "nodes": ll})

        lab.check(all(k.get("link_local_nodes", {}).get(hop) == "172.18.0.3"
                      for k in routes["kernel"] if k["prefix"] == "fd00:10:241:1::/64"
                      for hop in k["next_hops"]),
                  "routes -o json names the node behind each link-local next hop",
                  [k for k in routes["kernel"] if k["prefix"] == "fd00:10:241:1::/64"])
        r = bd("routes")
        line = next((l for l in r.stdout.splitlines() if l.startswith("fd00:10:241:1::/64")), "")
        lab.check(f"via 172.18.0.3 ({ll['cilium-worker']})" in line,
                  "the routes table shows it as the node's IPv4 address and its link-local one",
                  line)

        cli.speaker_outage(STOPPED_NODE, FAILS_WITHOUT_IT)
        cli.down_leaves_nothing()
    finally:
        bd("down", "--lab-prefix", prefix, timeout=60)


if __name__ == "__main__":
    sys.exit(demo_cli.run("e2e_lab_dual", "the dual-stack demo on the lab provider", body))
