#!/usr/bin/env python3
"""bgpdemo router with BIRD 2 peers, both ways of bringing a session up.

Topology (one LAN 10.0.0.0/24, a bridge in P-sw; P is the lab prefix bgpi<pid>):

  P-r    bgpdemo router 10.0.0.1, AS 65000, router mode
  P-ba   BIRD "a" 10.0.0.2, AS 65301: dials the router, which only listens: the router
         knows it through a dynamic range (10.0.0.0/29)
  P-bb   BIRD "b" 10.0.0.10, AS 65302: the router has it as a neighbor `address:` and
         dials it; BIRD listens (and, passive off, would dial too after its connect delay)
  P-g    gobgpd 10.0.0.20, AS 65100 (dynamic range 10.0.0.16/28), a node announcing
         10.241.1.0/24 and 10.251.0.1/32

Checks: both sessions (and that the router dialled b), BIRD static routes in the router's
RIB and in the other BIRD and gobgpd, the node's routes in both BIRDs (`birdc show route`,
next hop = the router, AS path 65000 65100), a withdrawal each way, and `birdc disable
<proto> "<text>"`: the router logs the shutdown text, drops that BIRD's routes, and the
others lose them.

RFC 8654 extended messages: the router (`extended_messages: true`) and both BIRDs (`enable
extended messages`) negotiate them, gobgpd (which has no such capability) does not. BIRD a
announces a route with 400 large communities, an UPDATE of about 4,900 bytes: the router
takes it and passes it to BIRD b whole, and never to the node, which cannot take it.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import lab as L  # noqa: E402

ROUTER_IP, ROUTER_AS = "10.0.0.1", 65000
# BIRD a's route past 4,096 bytes: 400 large communities of 12 bytes each.
BIG_PREFIX, BIG_COMMUNITIES = "10.243.3.0/24", 400


class BirdPeer:
    def __init__(self, key, ip, asn, statics, dials):
        self.key, self.ip, self.asn = key, ip, asn
        self.statics = statics  # {static protocol name: prefix}
        self.dials = dials
        self.bird = None

    @property
    def prefixes(self):
        return list(self.statics.values())


def bird_config(b):
    statics = "".join(f"protocol static {name} {{ ipv4; route {prefix} blackhole; }}\n"
                      for name, prefix in b.statics.items())
    if b.dials:
        # BIRD's connect delay is 5 s and its retry 120 s; shortened so a first dial that
        # races the router's start is retried soon.
        timing = "connect delay time 1; connect retry time 5; error wait time 1, 10;"
    else:
        # Defaults (connect delay 5 s): the router's dial arrives first.
        timing = "error wait time 1, 10;"
    # The big route's communities, added in the export filter (one statement each: BIRD 2.0's
    # filters have no loop to build a list).
    big = "".join(f"bgp_large_community.add(({b.asn}, 1, {i})); "
                  for i in range(1, BIG_COMMUNITIES + 1))
    return f"""
router id {b.ip};
log stderr all;
protocol device {{ }}
{statics}
protocol bgp rtr {{
  local {b.ip} as {b.asn};
  neighbor {ROUTER_IP} as {ROUTER_AS};
  hold time 90;
  enable extended messages on;
  {timing}
  ipv4 {{
    import all;
    export filter {{
      if source != RTS_STATIC then reject;
      if net = {BIG_PREFIX} then {{ {big} }}
      accept;
    }};
  }};
}}
"""


ROUTER_CONFIG = f"""router_id: {ROUTER_IP}
local_as: {ROUTER_AS}
mode: router
extended_messages: true
listen:
  port: 179
neighbors:
  - name: bird-a          # BIRD a dials in: a dynamic range, passive
    range: 10.0.0.0/29
    peer_as: 65301
    import: all
    export: all
  - name: bird-b          # BIRD b is dialled: one address, active
    address: 10.0.0.10
    peer_as: 65302
    import: all
    export: all
    timers:
      connect_retry: 5
  - name: nodes
    range: 10.0.0.16/28
    peer_as: 65100
    import: all
    export: all
"""

GOBGP_CONFIG = f"""
[global.config]
  as = 65100
  router-id = "10.0.0.20"
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
NODE_IP, NODE_AS = "10.0.0.20", 65100
NODE_PREFIXES = ["10.241.1.0/24", "10.251.0.1/32"]


@L.requires("bird", "birdc", "gobgpd", "gobgp")
def body(lab):
    a = BirdPeer("a", "10.0.0.2", 65301,
                 {"static_keep": "10.243.1.0/24", "static_drop": "10.243.2.0/24",
                  "static_big": BIG_PREFIX}, dials=True)
    b = BirdPeer("b", "10.0.0.10", 65302,
                 {"static_keep": "10.244.1.0/24", "static_drop": "10.244.2.0/24"}, dials=False)
    birds = [a, b]

    sw = lab.netns("sw")
    br = lab.bridge(sw, "b0")
    rns = lab.netns("r")
    lab.attach(rns, sw, br, f"{ROUTER_IP}/24")
    for x in birds:
        ns = lab.netns(f"b{x.key}")
        lab.attach(ns, sw, br, f"{x.ip}/24")
        x.ns = ns
    gns = lab.netns("g")
    lab.attach(gns, sw, br, f"{NODE_IP}/24")

    # BIRD first: the router's first dial to b then finds it listening.
    for x in birds:
        x.bird = lab.start_bird(f"bird-{x.key}", x.ns, bird_config(x))
    router = lab.start_router("router", rns, ROUTER_CONFIG)
    node = lab.start_gobgpd("gobgpd", gns, GOBGP_CONFIG)
    for p in NODE_PREFIXES:
        node.add_route(p, "origin", "igp")

    # --- sessions ------------------------------------------------------------------------
    for x in birds:
        how = "BIRD dialling, router passive (range)" if x.dials else \
            "router dialling BIRD (neighbor address)"
        lab.wait(f"bird-{x.key} {x.ip} AS {x.asn}: Established on both sides ({how})",
                 lambda x=x: x.bird.protocol_state("rtr")[1].startswith("Established") and
                 (router.peer(x.ip) or {}).get("state") == "established", 30,
                 detail=lambda x=x: (x.bird.protocol_state("rtr"), router.peer(x.ip)), fatal=True)
        p = router.peer(x.ip) or {}
        lab.check(p.get("peer_asn") == x.asn and p.get("dynamic") is x.dials and
                  p.get("name") == f"bird-{x.key}" and p.get("router_id") == x.ip,
                  f"router: {x.ip} is neighbor bird-{x.key}, AS {x.asn}, dynamic={x.dials}",
                  str(p))
    rlog = router.log_text()
    out_b = [ln for ln in rlog.splitlines()
             if "event=connection" in ln and f"peer={b.ip}" in ln and "direction=outgoing" in ln]
    in_a = [ln for ln in rlog.splitlines()
            if "event=connection" in ln and f"peer={a.ip}" in ln and "direction=incoming" in ln]
    lab.check(out_b, f"router: dialled bird-b ({b.ip}) itself (outgoing connection logged)")
    lab.check(in_a and not any(f"peer={a.ip}" in ln and "direction=outgoing" in ln
                               for ln in rlog.splitlines()),
              f"router: never dialled bird-a ({a.ip}), only accepted its connection")
    collisions = [ln for ln in rlog.splitlines() if "event=collision" in ln]
    if collisions:
        L.log(f"note: connection collisions resolved: {collisions}")
    lab.wait("gobgpd node: session to the router established",
             lambda: node.established(ROUTER_IP), 30, fatal=True)
    for ip, who, want in ((a.ip, "bird-a", True), (b.ip, "bird-b", True),
                          (NODE_IP, "gobgpd", False)):
        p = router.peer(ip) or {}
        lab.check(p.get("extended_message") is want,
                  f"router peers: extended messages with {who} {'' if want else 'not '}"
                  "negotiated", str(p.get("extended_message")))

    # --- routes both ways ----------------------------------------------------------------
    def router_has(prefix, nh, as_path):
        best = router.best_routes().get(prefix)
        return best and best["next_hop"] == nh and best["as_path"] == as_path

    for x in birds:
        for prefix in x.prefixes:
            lab.wait(f"router RIB: BIRD {x.key}'s static {prefix} via {x.ip}, AS path {x.asn}",
                     lambda prefix=prefix, x=x: router_has(prefix, x.ip, str(x.asn)), 15,
                     detail=lambda prefix=prefix: router.route(prefix))
    for prefix in NODE_PREFIXES:
        lab.wait(f"router RIB: node's {prefix} via {NODE_IP}",
                 lambda prefix=prefix: router_has(prefix, NODE_IP, str(NODE_AS)), 15,
                 detail=lambda prefix=prefix: router.route(prefix))

    def bird_has(x, prefix, as_path):
        r = x.bird.route(prefix)
        return r and r["protocol"] == "rtr" and r["via"] == ROUTER_IP and r["as_path"] == as_path

    for x in birds:
        peer_bird = b if x is a else a
        for prefix in NODE_PREFIXES:
            lab.wait(f"bird-{x.key}: `show route` has the node's {prefix} via {ROUTER_IP}, "
                     f"AS path 65000 {NODE_AS}",
                     lambda x=x, prefix=prefix: bird_has(x, prefix, [ROUTER_AS, NODE_AS]), 15,
                     detail=lambda x=x, prefix=prefix: x.bird.routes().get(prefix))
        for prefix in peer_bird.prefixes:
            lab.wait(f"bird-{x.key}: has bird-{peer_bird.key}'s {prefix} via {ROUTER_IP}, "
                     f"AS path 65000 {peer_bird.asn}",
                     lambda x=x, prefix=prefix, pb=peer_bird: bird_has(x, prefix,
                                                                       [ROUTER_AS, pb.asn]), 15,
                     detail=lambda x=x, prefix=prefix: x.bird.routes().get(prefix))
        lab.check(not any(x.bird.route(p, "rtr") for p in x.prefixes),
                  f"bird-{x.key}: its own routes do not come back from the router")

    def node_has(prefix, as_path):
        paths = node.rib("ipv4").get(prefix, [])
        return any(p["next_hop"] == ROUTER_IP and p["as_path"] == as_path for p in paths)

    for x in birds:
        # The big route cannot reach the node (no extended messages): checked below.
        for prefix in (p for p in x.prefixes if p != BIG_PREFIX):
            lab.wait(f"gobgpd node: has bird-{x.key}'s {prefix} via {ROUTER_IP}, AS path "
                     f"[65000, {x.asn}]",
                     lambda prefix=prefix, x=x: node_has(prefix, [ROUTER_AS, x.asn]), 15)

    # --- a route past 4,096 bytes (RFC 8654) ----------------------------------------------
    def large_communities(text):
        return len(re.findall(rf"\({a.asn}, 1, \d+\)", text))

    big = router.route(BIG_PREFIX) or {}
    lab.check(len((big.get("best") or {}).get("large_communities", [])) == BIG_COMMUNITIES,
              f"router RIB: bird-a's {BIG_PREFIX} with all {BIG_COMMUNITIES} large communities",
              str(len((big.get("best") or {}).get("large_communities", []))))
    lab.wait(f"bird-b: {BIG_PREFIX} from the router with all {BIG_COMMUNITIES} large "
             "communities (an UPDATE past 4,096 bytes)",
             lambda: large_communities(b.bird.birdc("show", "route", "for", BIG_PREFIX, "all",
                                                    check=False)) == BIG_COMMUNITIES, 15,
             detail=lambda: b.bird.route(BIG_PREFIX))
    lab.check(BIG_PREFIX not in node.rib("ipv4"),
              f"gobgpd node (no extended messages): never got {BIG_PREFIX}",
              str(node.rib("ipv4").get(BIG_PREFIX)))

    # --- withdrawals -----------------------------------------------------------------------
    L.log("bird-a: disable static_drop (withdraws 10.243.2.0/24)")
    a.bird.birdc("disable", "static_drop")
    gone = a.statics["static_drop"]
    lab.wait(f"router: {gone} withdrawn by bird-a; {a.statics['static_keep']} kept",
             lambda: gone not in router.best_routes() and
             a.statics["static_keep"] in router.best_routes(), 10)
    lab.wait(f"bird-b and the node: {gone} gone",
             lambda: gone not in b.bird.routes() and gone not in node.rib("ipv4"), 10,
             detail=lambda: (b.bird.routes().get(gone), node.rib("ipv4").get(gone)))

    withdrawn = NODE_PREFIXES[1]
    L.log(f"gobgpd node: gobgp global rib del {withdrawn}")
    node.del_route(withdrawn)
    lab.wait(f"router: {withdrawn} withdrawn", lambda: withdrawn not in router.best_routes(), 10)
    for x in birds:
        lab.wait(f"bird-{x.key}: {withdrawn} gone from `show route`; {NODE_PREFIXES[0]} kept",
                 lambda x=x: withdrawn not in x.bird.routes() and
                 bird_has(x, NODE_PREFIXES[0], [ROUTER_AS, NODE_AS]), 10,
                 detail=lambda x=x: sorted(x.bird.routes()))

    # --- `birdc disable rtr "<text>"`: Cease 6/2 with a shutdown communication -------------
    for x in birds:
        text = f"bird-{x.key} maintenance window"
        L.log(f"bird-{x.key}: birdc disable rtr \"{text}\"")
        x.bird.birdc("disable", "rtr", f"\"{text}\"")  # birdc joins its arguments

        def logged(x=x, text=text):
            for ln in router.log_text().splitlines():
                if "event=notification_received" in ln and f"peer={x.ip}" in ln and \
                        "(6/2)" in ln and text in ln:
                    return ln
            return None

        lab.wait(f"router: logs bird-{x.key}'s Cease 6/2 with \"{text}\"", logged, 10)
        lab.wait(f"router: bird-{x.key}'s routes dropped",
                 lambda x=x: not any(p in router.best_routes() for p in x.prefixes), 10,
                 detail=lambda: sorted(router.best_routes()))
        lab.wait(f"gobgpd node: bird-{x.key}'s routes gone",
                 lambda x=x: not any(p in node.rib("ipv4") for p in x.prefixes), 10)
        if not x.dials:
            p = router.peer(x.ip) or {}
            lab.check(p.get("state") != "established" and text in p.get("last_error", ""),
                      f"router peers: bird-{x.key} not established, last_error has the text",
                      str(p))


if __name__ == "__main__":
    sys.exit(L.run("bird", "BIRD 2 peers: dialling in, dialled out, routes both ways", body))
