#!/usr/bin/env python3
"""`bgpdemo router --metrics`: Prometheus metrics of a route server with real gobgpd peers.

Topology (one LAN 10.0.0.0/24, a bridge in P-sw; P is the lab prefix bgpi<pid>):

  P-r    bgpdemo router 10.0.0.1, AS 65000, kernel routes on, metrics on 127.0.0.1:9179
         of its namespace; a range 10.0.0.0/28 for the nodes and a configured neighbor
         10.0.0.9 that never answers (a session that is not Established)
  P-g1   gobgpd 10.0.0.2, AS 65101, announcing 10.241.0.0/24 and 10.241.1.0/24
  P-g2   gobgpd 10.0.0.3, AS 65102, announcing 10.242.0.0/24

Checks: `promtool check metrics` (Debian's prometheus package) finds nothing wrong with the
scrape; its values are those of `bgpdemo router peers -o json` (sessions by state, each
peer's up, prefixes received, accepted and advertised per family, UPDATEs in and out),
`routes` (RIB size) and the namespace's kernel table (FIB routes); the process' resident
memory is the kernel's VmRSS; a peer that stops shows as down in the next scrape. Every
metric docs/grafana-dashboard.json queries is one the router serves.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import lab as L  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROUTER_IP, ROUTER_AS = "10.0.0.1", 65000
METRICS = "127.0.0.1:9179"

ROUTER_CONFIG = f"""router_id: {ROUTER_IP}
local_as: {ROUTER_AS}
mode: router
listen:
  port: 179
timers:
  connect_retry: 5
fib:
  install: true
neighbors:
  - name: nodes
    range: 10.0.0.0/28
    peer_as: any
    import: all
    export: all
  - name: absent
    address: 10.0.0.9
    peer_as: 65109
    passive: true
    import: all
    export: all
"""

PEERS = {"g1": ("10.0.0.2", 65101, ["10.241.0.0/24", "10.241.1.0/24"]),
         "g2": ("10.0.0.3", 65102, ["10.242.0.0/24"])}


def gobgp_config(ip, asn):
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
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
"""


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset(labels)): value} of every sample."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(f"not a sample: {line!r}")
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


@L.requires("gobgpd", "gobgp", "promtool")
def body(lab):
    sw = lab.netns("sw")
    br = lab.bridge(sw, "b0")
    rns = lab.netns("r")
    lab.attach(rns, sw, br, f"{ROUTER_IP}/24")
    lab.ns_run(rns, ["ip", "link", "set", "lo", "up"])
    router = lab.start_router("router", rns, ROUTER_CONFIG, extra=["--metrics", METRICS])
    gobgp = {}
    for key, (ip, asn, prefixes) in PEERS.items():
        ns = lab.netns(key)
        lab.attach(ns, sw, br, f"{ip}/24")
        g = lab.start_gobgpd(key, ns, gobgp_config(ip, asn))
        for p in prefixes:
            g.add_route(p, "origin", "igp")
        gobgp[key] = g

    def scrape(path="/metrics"):
        r = lab.ns_run(rns, ["python3", "-c",
                             "import sys, urllib.request\n"
                             f"r = urllib.request.urlopen('http://{METRICS}{path}', timeout=5)\n"
                             "sys.stdout.write(r.headers['Content-Type'] + '\\n' + "
                             "r.read().decode())\n"], check=False)
        if r.returncode != 0:
            return None, r.stderr
        ctype, _, text = r.stdout.partition("\n")
        return ctype, text

    lab.wait("both gobgpd sessions Established",
             lambda: sum(p.get("state") == "established" for p in router.peers()) == 2, 40,
             detail=lambda: [(p["address"], p["state"]) for p in router.peers()])
    lab.wait("every prefix in the router's RIB and kernel table",
             lambda: len(router.best_routes()) == 3 and
             value(parse(scrape()[1] or ""), "bgpdemo_fib_routes") == 3, 20,
             detail=lambda: sorted(router.best_routes()))
    # Each node has the other's routes: the UPDATEs have gone both ways.
    lab.wait("each gobgpd learned the other's prefixes",
             lambda: all(any(not x["local"] for x in gobgp["g1"].rib().get(p, []))
                         for p in PEERS["g2"][2]) and
             all(any(not x["local"] for x in gobgp["g2"].rib().get(p, []))
                 for p in PEERS["g1"][2]), 20)

    ctype, text = scrape()
    lab.check(ctype == "text/plain; version=0.0.4; charset=utf-8",
              f"GET /metrics: {ctype}", text)
    r = lab.run_cmd(["promtool", "check", "metrics"], check=False, input=text or "")
    lab.check(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
              "promtool check metrics: no problem", r.stdout + r.stderr)
    samples = parse(text)
    peers = router.peers()
    by_state = {}
    for p in peers:
        by_state[p["state"]] = by_state.get(p["state"], 0) + 1
    lab.check(all(value(samples, "bgpdemo_bgp_sessions", state=s) == by_state.get(s, 0)
                  for s in ("idle", "connect", "active", "open_sent", "open_confirm",
                            "established")),
              f"sessions by state as `router peers` has them: {by_state}",
              {k: v for k, v in samples.items() if k[0] == "bgpdemo_bgp_sessions"})
    mismatches = []
    for p in peers:
        a = p["address"]
        want = {("bgpdemo_bgp_peer_up", (("peer", a), ("name", p["name"]),
                                          ("peer_asn", str(p["peer_asn"])))):
                1 if p["state"] == "established" else 0,
                ("bgpdemo_bgp_peer_received_updates_total", (("peer", a),)):
                p["updates_received"],
                ("bgpdemo_bgp_peer_sent_updates_total", (("peer", a),)): p["updates_sent"]}
        for f in p["families"]:
            for what in ("received", "accepted", "advertised"):
                want[(f"bgpdemo_bgp_peer_prefixes_{what}",
                      (("peer", a), ("family", f["family"])))] = f[what]
        for (name, labels), v in want.items():
            got = samples.get((name, frozenset(labels)))
            if got != v:
                mismatches.append(f"{name}{dict(labels)}: metrics {got}, peers {v}")
        # Messages go on (keepalives): the scrape came first, so it may lag by a few.
        got = value(samples, "bgpdemo_bgp_peer_sent_messages_total", peer=a)
        if got is None or not 0 <= p["messages_sent"] - got <= 3:
            mismatches.append(f"sent messages of {a}: metrics {got}, peers {p['messages_sent']}")
    lab.check(not mismatches and len(peers) == 3,
              "each peer's up, prefixes per family, UPDATEs and messages as `router peers` "
              "has them", mismatches)
    g1 = PEERS["g1"][0]
    lab.check(value(samples, "bgpdemo_bgp_peer_prefixes_received", peer=g1,
                    family="ipv4-unicast") == 2 and
              value(samples, "bgpdemo_bgp_peer_prefixes_advertised", peer=g1,
                    family="ipv4-unicast") == 1 and
              (value(samples, "bgpdemo_bgp_peer_received_updates_total", peer=g1) or 0) >= 1,
              "g1: 2 prefixes received, 1 advertised, its UPDATEs counted")
    kernel = lab.ns_run(rns, ["ip", "route", "show", "proto", "197"]).stdout.splitlines()
    lab.check(value(samples, "bgpdemo_rib_prefixes", family="ipv4-unicast") == 3 and
              value(samples, "bgpdemo_fib_routes") == len(kernel) == 3 and
              value(samples, "bgpdemo_fib_errors_total") == 0,
              "RIB and FIB sizes: 3 prefixes, 3 kernel routes, no FIB error", kernel)
    with open(f"/proc/{router.pid}/status") as f:
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) * 1024
    got = value(samples, "process_resident_memory_bytes") or 0
    lab.check(abs(got - rss) <= max(rss // 10, 1 << 20),
              f"process_resident_memory_bytes {got / 1e6:.1f} MB, VmRSS {rss / 1e6:.1f} MB")
    with open(os.path.join(REPO, "docs", "grafana-dashboard.json")) as f:
        exprs = [t["expr"] for p in json.load(f)["panels"] for t in p.get("targets", [])]
    served = {name for name, _ in samples}
    queried = {m for e in exprs for m in re.findall(r"\b(?:bgpdemo|process)_[a-z_]+", e)}
    lab.check(queried and queried <= served,
              f"docs/grafana-dashboard.json queries {len(queried)} metrics, all served",
              sorted(queried - served))
    ctype, text = scrape("/nope")
    lab.check(ctype is None and "404" in text, "another path: 404", text)

    gobgp["g2"].stop()

    def g2_down():
        s = parse(scrape()[1] or "")
        up = [v for (name, labels), v in s.items()
              if name == "bgpdemo_bgp_peer_up" and ("peer", PEERS["g2"][0]) in labels]
        return all(v == 0 for v in up) and \
            value(s, "bgpdemo_bgp_sessions", state="established") == 1
    lab.wait("g2 stopped: the next scrape has it down (or gone: a range's peer), one "
             "session Established", g2_down, 15)


if __name__ == "__main__":
    sys.exit(L.run("metrics", "Prometheus metrics of bgpdemo router against gobgpd", body))
