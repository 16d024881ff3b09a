#!/usr/bin/env python3
"""End to end on the lab provider with IPv6-only clusters (scenario two-cluster-ipv6).

The nodes peer with the route server over IPv6 (native IPv6 sessions, IPv6 unicast only),
each with the BGP router ID its CiliumBGPNodeConfigOverride gives (an IPv6-only node has no
IPv4 address for one); the route server installs the pod CIDRs and LoadBalancer IPs via
the nodes' global IPv6 addresses and carries HTTP between the clusters over IPv6. The pods
have no IPv4 address.

  up -> verify: 34 checks pass (sessions, RIB and kernel routes, HTTP over IPv6 from the
  router and from pods), none of them IPv4 -> peers: every session over IPv6 with IPv6
  unicast only -> routes: each route via the sending node's global address, the LB IPs ECMP
  over three -> the router's view of each node's router ID -> a pod has no IPv4 address ->
  a node speaker stopped: exactly the checks that depend on it fail -> started again:
  verify passes -> down leaves nothing.

Run with --node-speaker gobgpd to have real gobgpd processes as the node speakers. Needs
root and iproute2 (and gobgpd for that variant); skips with 77 and the reason otherwise.
Prints how long up and verify took (a figure, never a pass condition).
"""

import json
import os
import subprocess
import sys

import demo_cli  # noqa: E402  (its folder is the script's)
from demo_cli import DemoCli  # noqa: E402

# kind's ULA for the networks kind and kind2 (core/docker_subnets.h KindUlaSubnet).
KIND = "fc00:f853:ccd:e793::"
KIND2 = "fc00:444c:147a:44ab::"
STOPPED_NODE = "cilium2-worker"
FAILS_WITHOUT_IT = {
    "sessions cilium2-worker: router's view",
    "sessions cilium2-worker: node's view",
    "rib fd00:10:242:1::/64",
    "kernel fd00:10:242:1::/64",
    "rib fd00:10:22::1/128",
    "kernel fd00:10:22::1/128",
    "http cilium2/nginx-1 -> fd00:10:21::1 (cilium nginx)",
}


def body(lab, speaker):
    cli = DemoCli(lab)
    prefix = cli.prefix
    bd = cli.run

    try:
        report = cli.up_and_verify("two-cluster-ipv6", speaker, 34,
                                   {"sessions": 12, "rib": 8, "kernel": 8, "http": 6})
        v4 = [c["name"] for c in report["checks"]
              if c["group"] in ("rib", "kernel", "http") and ":" not in c["name"]]
        lab.check(not v4, "no route or HTTP check is IPv4", v4)

        r = bd("peers", "-o", "json")
        rows = json.loads(r.stdout) if r.returncode == 0 else []
        fams = {(x["side"], f["family"], f["received"]) for x in rows for f in x["families"]}
        lab.check(len(rows) == 12 and all(x["state"] == "established" for x in rows) and
                  all(":" in x["peer_address"] for x in rows),
                  "peers: 12 sessions (both sides), all established over IPv6",
                  [(x["node"], x["peer_address"], x["state"]) for x in rows])
        lab.check(fams == {("router", "ipv6-unicast", 2), ("node", "ipv6-unicast", 4)},
                  "IPv6 unicast only: the router receives each node's pod CIDR and LB IP, each "
                  "node the other cluster's 4", sorted(fams))

        r = bd("routes", "-o", "json")
        routes = json.loads(r.stdout) if r.returncode == 0 else {"rib": [], "kernel": []}
        kernel = {k["prefix"]: k["next_hops"] for k in routes["kernel"]}
        lab.check(len(routes["rib"]) == 8 and len(kernel) == 8,
                  "routes: 8 prefixes in the RIB and in the kernel", routes)
        lab.check(kernel.get("fd00:10:241:1::/64") == [KIND + "3"],
                  "an IPv6 pod CIDR goes via the global address of the node that sent it",
                  kernel.get("fd00:10:241:1::/64"))
        lab.check(sorted(kernel.get("fd00:10:22::1/128", [])) ==
                  [KIND2 + "2", KIND2 + "3", KIND2 + "4"],
                  "the LoadBalancer IP is an ECMP route over its cluster's 3 nodes",
                  kernel.get("fd00:10:22::1/128"))

        r = bd("router", "peers", "--socket", os.path.join(cli.state, "router.sock"), "-o",
               "json")
        ids = sorted(p.get("router_id", "") for p in
                     (json.loads(r.stdout) if r.returncode == 0 and r.stdout.startswith("[")
                      else []))
        lab.check(ids == ["10.255.1.1", "10.255.1.2", "10.255.1.3",
                          "10.255.2.1", "10.255.2.2", "10.255.2.3"],
                  "each node's router ID is the one its CiliumBGPNodeConfigOverride gives",
                  r.stdout[-600:] + r.stderr[-300:])

        out = subprocess.run(["ip", "-n", f"{prefix}-pod-cilium-nginx-1", "-j", "addr", "show",
                              "eth0"], capture_output=True, text=True).stdout
        families = {a["family"] for link in json.loads(out or "[]")
                    for a in link.get("addr_info", []) if a.get("scope") == "global"}
        lab.check(families == {"inet6"}, "a pod has an IPv6 address and no IPv4 one", out[-400:])

        cli.speaker_outage(STOPPED_NODE, FAILS_WITHOUT_IT)
        cli.down_leaves_nothing()
    finally:
        bd("down", "--lab-prefix", prefix, timeout=60)


if __name__ == "__main__":
    sys.exit(demo_cli.run("e2e_lab_ipv6", "the IPv6-only demo on the lab provider", body))
