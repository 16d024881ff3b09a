#!/usr/bin/env python3
"""`bgpdemo up --provider kube` end to end (issues #12 and #14): clusters a user already has,
made with the test doubles of kind, kubectl, helm and cilium (tests/kind/doubles/) on a
private Docker engine, and the route server "on this machine": a network namespace with a
leg in each Docker network's bridge, where every bgpdemo command of the test runs.

  the clusters as a user makes them: dual stack (bgpdemo render's kind configs of
  two-cluster-dual, kind create cluster on networks kind and kind2, made with IPv6), and
  what they look like -> failures first (scenario two-cluster, IPv4), each naming the
  problem and its fix, with nothing applied, no router running, and `down` leaving the
  clusters as they were: an unreachable context, a missing right, a node the router cannot
  reach, a router address that is not this machine's, port 179 taken, a Cilium without the
  BGP Control Plane (installed in cilium2 by "someone else" and kept: the happy paths use
  --manage-cilium) -> up -> status, peers (every node Established), verify (HTTP across the
  clusters through the router in the namespace, from pods and from the router), routes ->
  down: the clusters as before up (same nodes, contexts and kube-system objects), nothing
  labelled by bgpdemo, the DaemonSet's routes gone from the nodes, no router, no state.
  Then the same happy path with two-cluster-dual (BGPv2, Cilium 1.19): IPv4 sessions
  carrying IPv6, the router's IPv6 addresses the nodes' IPv6 next hop, HTTP over IPv6.

One pair of clusters serves every case. Prints "N passed, M failed" last; exit 0, 1, or 77
(no root, no Docker).

  python3 tests/kind/kube_e2e_test.py --bgpdemo build/bgpdemo --cache-dir build/docker-cache
"""

import argparse
import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLES = os.path.join(HERE, "doubles")
NODE_IMAGE = "bgpdemo-kind-node"
sys.path.insert(0, HERE)
import dockerlab as D  # noqa: E402
import docker_images as I  # noqa: E402
from kind_e2e_test import free_subnets  # noqa: E402

ARGS = None
LABEL = "app.kubernetes.io/managed-by=bgpdemo"
CLUSTERS = {"cilium": ("kind", "kind-cilium"), "cilium2": ("kind2", "kind-cilium2")}
# What bgpdemo applies, by kind (kubectl get KIND -A -l LABEL).
LABELLED_KINDS = ["deployments", "services", "daemonsets", "configmaps",
                  "ciliumloadbalancerippool", "ciliumbgppeeringpolicy",
                  "ciliumbgpclusterconfig", "ciliumbgppeerconfig", "ciliumbgpadvertisement"]
KUBE_SYSTEM_KINDS = ["configmaps", "daemonsets", "deployments", "services", "secrets",
                     "serviceaccounts"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bgpdemo", required=True)
    p.add_argument("--cache-dir", default=os.environ.get("BGPDEMO_DOCKER_CACHE"))
    p.add_argument("--keep", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args()


class RouterPlace:
    """A network namespace standing for "this machine" of a user whose router runs next to
    the clusters: a veth leg in each network's bridge holding `.250` of its subnet and `::fa`
    of its IPv6 one, forwarding on. Removed (with its processes and legs) by remove()."""

    def __init__(self, d, nets):
        self.ns = f"bgpdemo-kube-rs-{os.getpid()}"
        self.d = d
        self.addrs = {}   # network -> address on it
        self.addrs6 = {}  # network -> IPv6 address on it
        self.legs = []
        self.made = False
        self.nets = nets  # network -> (ip_network, IPv6 ip_network)

    def ip(self, *args, ns=False, check=True):
        argv = (["ip", "netns", "exec", self.ns] if ns else []) + list(args)
        return D.run_cmd(argv, check=check)

    def make(self):
        self.ip("ip", "netns", "add", self.ns)
        self.made = True
        self.ip("ip", "link", "set", "lo", "up", ns=True)
        self.ip("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=True)
        self.ip("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1", ns=True)
        for i, (net, (subnet, subnet6)) in enumerate(self.nets.items()):
            net_id = self.d.docker("network", "inspect", "-f", "{{.Id}}", net).stdout.strip()
            bridge = f"br-{net_id[:12]}"
            outer, inner = f"kk{os.getpid() % 100000}n{i}", f"rs{i}"
            self.ip("ip", "link", "add", outer, "type", "veth", "peer", "name", inner,
                    "netns", self.ns)
            self.legs.append(outer)
            self.ip("ip", "link", "set", outer, "master", bridge, "up")
            addr = str(subnet.network_address + 250)
            addr6 = str(subnet6.network_address + 250)
            self.ip("ip", "addr", "add", f"{addr}/{subnet.prefixlen}", "dev", inner, ns=True)
            self.ip("ip", "addr", "add", f"{addr6}/{subnet6.prefixlen}", "dev", inner, "nodad",
                    ns=True)
            self.ip("ip", "link", "set", inner, "up", ns=True)
            self.addrs[net] = addr
            self.addrs6[net] = addr6

    def pids(self):
        r = self.ip("ip", "netns", "pids", self.ns, check=False)
        return [int(p) for p in r.stdout.split()]

    def remove(self):
        if not self.made:
            return []
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for p in self.pids():
                try:
                    os.kill(p, sig)
                except ProcessLookupError:
                    pass
            D.Checks.wait_quiet(lambda: not self.pids(), 5, 0.1)
        self.ip("ip", "netns", "del", self.ns, check=False)
        for leg in self.legs:
            subprocess.run(["ip", "link", "del", leg], capture_output=True)
        left = [f"netns {self.ns}"] if os.path.exists(f"/run/netns/{self.ns}") else []
        have = D._links()
        return left + [f"link {x}" for x in self.legs if x in have]


class Env:
    def __init__(self, d, workdir, place):
        self.d, self.dir, self.place = d, workdir, place
        self.state = os.path.join(workdir, "state")
        self.env = dict(d.env)
        self.env.update(PATH=DOUBLES + os.pathsep + d.env["PATH"],
                        BGPDEMO_FAKE_K8S_STATE=os.path.join(workdir, "k8s"),
                        KUBECONFIG=os.path.join(workdir, "kubeconfig"),
                        BGPDEMO_KIND_NODE_IMAGE=f"{NODE_IMAGE}:latest",
                        HOME=workdir)
        for k in ("BGPDEMO_FAKE_FAIL", "BGPDEMO_FAKE_DENY", "BGPDEMO_FAKE_UNREACHABLE",
                  "BGPDEMO_STATE_DIR"):
            self.env.pop(k, None)

    def tool(self, *argv, extra=None, timeout=300):
        r = subprocess.run(list(argv), env=dict(self.env, **(extra or {})), capture_output=True,
                           text=True, timeout=timeout)
        if ARGS.verbose:
            D.log(f"  $ {' '.join(argv)} -> {r.returncode}\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
        return r

    def bd(self, *args, extra=None, timeout=600):
        """bgpdemo inside the router's namespace, on the test's state folder."""
        return self.tool("ip", "netns", "exec", self.place.ns, ARGS.bgpdemo, *args,
                         "--state-dir", self.state, extra=extra, timeout=timeout)

    def kubectl(self, context, *args):
        return self.tool("kubectl", "--context", context, *args)

    def names(self, context, *args):
        r = self.kubectl(context, *args, "-o", "name")
        return sorted(r.stdout.split()) if r.returncode == 0 else []


def per_cluster(fn):
    """fn(cluster, context) for both clusters at once: {cluster: result}."""
    with ThreadPoolExecutor(len(CLUSTERS)) as pool:
        futures = {c: pool.submit(fn, c, ctx) for c, (_, ctx) in CLUSTERS.items()}
        return {c: f.result() for c, f in futures.items()}


def snapshot(e):
    """What the clusters look like: node containers, contexts, and per context the nodes,
    their BGP annotations and the kube-system objects by name."""
    def one(cluster, ctx):
        nodes = json.loads(e.kubectl(ctx, "get", "nodes", "-o", "json").stdout or "{}")
        return {f"{cluster} nodes": sorted(n["metadata"]["name"] for n in nodes.get("items", [])),
                f"{cluster} bgp annotations": sorted(
                    f"{n['metadata']['name']} {k}" for n in nodes.get("items", [])
                    for k in (n["metadata"].get("annotations") or {}) if "bgp" in k),
                f"{cluster} kube-system": e.names(ctx, "-n", "kube-system", "get",
                                                  ",".join(KUBE_SYSTEM_KINDS))}
    out = {"containers": sorted(e.d.docker("ps", "-a", "--format", "{{.Names}}").stdout.split()),
           "contexts": sorted(e.tool("kubectl", "config", "get-contexts", "-o",
                                     "name").stdout.split())}
    for part in per_cluster(one).values():
        out.update(part)
    return out


def labelled(e):
    """Every object carrying bgpdemo's label, in both clusters."""
    found = per_cluster(lambda cluster, ctx: [
        f"{cluster}: {n}" for n in e.names(ctx, "get", ",".join(LABELLED_KINDS), "-A", "-l",
                                           LABEL)])
    return found["cilium"] + found["cilium2"]


def router_processes(e):
    """`bgpdemo router` processes of this test's state folder."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"router" in argv and any(e.state.encode() in a for a in argv):
            out.append(int(pid))
    return out


def applied_files(e):
    """What the state says was applied, and the rendered files in it."""
    got = []
    try:
        with open(os.path.join(e.state, "state.json")) as f:
            made = json.load(f).get("made") or {}
        got += [f"applied {k}: {v}" for k, v in (made.get("applied") or {}).items() if v]
        got += [f"annotated {k}" for k, v in (made.get("annotated") or {}).items() if v]
        got += [f"cilium installed {x}" for x in made.get("cilium_installed") or []]
        got += ["router started"] if made.get("router_started") else []
    except (OSError, ValueError):
        pass
    for root, _, files in os.walk(os.path.join(e.state, "files")):
        got += [os.path.relpath(os.path.join(root, f), e.state) for f in files]
    return got


def node_routes(e, via, family="-4"):
    """Routes on every node container via one of the router's addresses."""
    out = {}
    for node in e.d.docker("ps", "--format", "{{.Names}}").stdout.split():
        r = e.d.docker("exec", node, "ip", family, "route", "show", check=False)
        hits = [ln for ln in r.stdout.splitlines() if any(f"via {a} " in ln + " " for a in via)]
        if hits:
            out[node] = hits
    return out


def failed_up(c, e, baseline, what, argv, extra, code, needles):
    """One failing up: its exit code and message; nothing applied, no router; then down as a
    user would, which leaves the clusters as they were."""
    r = e.bd(*argv, extra=extra)
    missing = [n for n in needles if n not in r.stderr]
    c.check(r.returncode == code and not missing,
            f"{what}: exit {code}, the message names the problem and its fix",
            f"exit {r.returncode}, missing {missing}\n{r.stderr[-1500:]}")
    left = (applied_files(e), labelled(e), router_processes(e))
    c.check(not any(left), f"{what}: nothing applied, no router running", left)
    r = e.bd("down")
    c.check(r.returncode == 0 and not os.path.exists(os.path.join(e.state, "state.json")) and
            snapshot(e) == baseline, f"{what}: down leaves the clusters as they were",
            r.stdout[-400:] + r.stderr[-800:])


def make_clusters(c, e):
    files = os.path.join(e.dir, "files")
    r = e.tool(ARGS.bgpdemo, "render", "--scenario", "two-cluster-dual", "-o", files)
    c.check(r.returncode == 0, "bgpdemo render writes the dual-stack scenario's kind configs",
            r.stderr)
    made = {}
    for cluster, (net, _) in CLUSTERS.items():
        made[cluster] = e.tool("kind", "create", "cluster", "--name", cluster, "--config",
                               os.path.join(files, cluster, "kind.yaml"),
                               extra={"KIND_EXPERIMENTAL_DOCKER_NETWORK": net})
    c.check(all(m.returncode == 0 for m in made.values()),
            "kind create cluster cilium (network kind) and cilium2 (network kind2), dual stack",
            "".join(m.stderr[-600:] for m in made.values()))
    if any(m.returncode for m in made.values()):
        raise D.Fatal("the clusters could not be made")


def run_suite(c, e):
    place = e.place
    a1, a2 = place.addrs["kind"], place.addrs["kind2"]
    make_clusters(c, e)
    baseline = snapshot(e)
    c.check(len(baseline["containers"]) == 6 and
            baseline["contexts"] == ["kind-cilium", "kind-cilium2"] and
            len(baseline["cilium nodes"]) == 3 and len(baseline["cilium2 nodes"]) == 3 and
            baseline["cilium kube-system"] and not labelled(e),
            "the clusters: 6 node containers, contexts kind-cilium and kind-cilium2, nothing "
            "of bgpdemo's", baseline)
    ctx = ["--context", "cilium=kind-cilium", "--context", "cilium2=kind-cilium2"]
    up = ["up", "--provider", "kube", "--scenario", "two-cluster", *ctx, "--timeout", "90",
          "-o", "json"]
    router = ["--router", f"host:{a1},{a2}"]

    failed_up(c, e, baseline, "an unreachable context", up + router,
              {"BGPDEMO_FAKE_UNREACHABLE": "kind-cilium2"}, 1,
              ["kind-cilium2", "was refused", "does its API server answer?"])
    failed_up(c, e, baseline, "a missing right", up + router,
              {"BGPDEMO_FAKE_DENY": "kind-cilium2:create/ciliumbgppeeringpolicies.cilium.io"}, 4,
              ["context kind-cilium2 may not", "create ciliumbgppeeringpolicies.cilium.io",
               "fix: bind its user to a role"])
    failed_up(c, e, baseline, "nodes the router cannot reach (--router host:A1 only)",
              up + ["--router", f"host:{a1}"], None, 4,
              ["cannot run here",
               "cluster cilium2's nodes are on none of the router's IPv4 subnets",
               f"it would use {a1}, which its nodes reach only through a gateway",
               "give an IPv4 address of this machine on cluster cilium2's node subnet"])
    absent = str(ipaddress.ip_address(a2) + 1)
    failed_up(c, e, baseline, "a router address that is not this machine's",
              up + ["--router", f"host:{a1},{absent}"], None, 4,
              [f"{absent} is not an address of this machine",
               "give addresses of this machine on the clusters' node subnets"])
    listener = subprocess.Popen(
        ["ip", "netns", "exec", place.ns, "python3", "-c",
         "import socket, sys, time\ns = socket.socket()\n"
         "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
         f"s.bind(('{a1}', 179))\ns.listen()\nprint('ready', flush=True)\ntime.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        listener.stdout.readline()
        failed_up(c, e, baseline, "port 179 taken on A1", up + router, None, 4,
                  [f"TCP port 179 on {a1} is in use", "python3", f"pid {listener.pid}",
                   f"stop python3 (pid {listener.pid})"])
    finally:
        listener.kill()
        listener.wait()

    # Someone else's Cilium in cilium2, without BGP: refused, with the Helm value and
    # --manage-cilium as fixes. It stays: the happy path lets bgpdemo manage it.
    for argv in (["helm", "repo", "add", "cilium", "https://helm.cilium.io/"],
                 ["helm", "upgrade", "--install", "cilium", "cilium/cilium", "--version",
                  "1.14.0", "--namespace", "kube-system", "--kube-context", "kind-cilium2",
                  "--set", "bgpControlPlane.enabled=false"]):
        r = e.tool(*argv)
        c.check(r.returncode == 0, " ".join(argv[:3]), r.stderr)
    with_cilium = snapshot(e)
    failed_up(c, e, with_cilium, "a Cilium without the BGP Control Plane", up + router, None, 4,
              ["cluster cilium2 (context kind-cilium2)", "without the BGP Control Plane",
               "bgpControlPlane.enabled=true", "--manage-cilium"])

    happy_path(c, e, up + router + ["--manage-cilium"], with_cilium, IPV4)
    # Dual stack on the same clusters: IPv4 sessions carry IPv6; the nodes' IPv6 routes go
    # via the router's IPv6 address on their network.
    b1, b2 = place.addrs6["kind"], place.addrs6["kind2"]
    dual_up = ["up", "--provider", "kube", "--scenario", "two-cluster-dual", *ctx,
               "--timeout", "90", "-o", "json", "--router", f"host:{a1},{a2},{b1},{b2}",
               "--manage-cilium"]
    happy_path(c, e, dual_up, snapshot(e), DUAL)


# What each happy path expects: its steps, status's addresses, the routes, and the families
# of HTTP checks and node routes.
IPV4 = {"name": "two-cluster", "steps": ["preflight", "clusters", "router", "render", "cilium",
                                          "nginx", "lb", "annotate", "bgp", "routes",
                                          "sessions"],
        "routes": 8, "v6": False}
DUAL = {"name": "two-cluster-dual", "steps": ["preflight", "clusters", "router", "render",
                                               "cilium", "nginx", "lb", "bgp", "routes",
                                               "sessions"],
        "routes": 16, "v6": True}


def happy_path(c, e, up, before, x):
    name = x["name"]
    via = (e.place.addrs["kind"], e.place.addrs["kind2"])
    via6 = (e.place.addrs6["kind"], e.place.addrs6["kind2"])
    t = time.monotonic()
    r = e.bd(*up)
    events = D.up_events(c, r, f"{name}: up --manage-cilium passes "
                               f"({time.monotonic() - t:.1f} s)")
    steps = [ev["step"] for ev in events if ev.get("event") == "step"]
    c.check(steps == x["steps"], f"{name}: up reports every step", steps)
    c.check(router_processes(e), f"{name}: bgpdemo router runs in the background")

    r = e.bd("status", "-o", "json")
    st = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    c.check(r.returncode == 0 and st.get("provider") == "kube" and st.get("up") is True and
            st.get("router_addresses") == {"kind": via[0], "kind2": via[1]} and
            st.get("router_addresses_v6") == ({"kind": via6[0], "kind2": via6[1]}
                                              if x["v6"] else {}) and
            st.get("cilium_installed") == ["cilium"],
            f"{name}: status: kube, the router's addresses, Cilium installed by up in cilium "
            "only", st)
    r = e.bd("peers", "-o", "json")
    rows = json.loads(r.stdout) if r.returncode == 0 and r.stdout.startswith("[") else []
    nodes = [x for x in rows if x.get("side") == "node"]
    routers = [x for x in rows if x.get("side") == "router"]
    c.check(len(nodes) == 6 and len(routers) == 6 and
            all(x.get("state") == "established" for x in rows) and
            all(":" not in str(x.get("peer_address", "")) for x in rows),
            f"{name}: peers: every node Established over IPv4, from the nodes' side and the "
            "router's",
            [(x.get("node"), x.get("peer_address"), x.get("state")) for x in rows] or r.stderr)
    r = e.bd("verify", "-o", "json")
    rep = json.loads(r.stdout) if r.stdout.startswith("{") else {"checks": []}
    bad = [f"{k['group']} {k['name']}: {k['detail']}" for k in rep["checks"] if not k["ok"]]
    http = [k for k in rep["checks"] if "http" in (k["group"] + k["name"]).lower()]
    http6 = [k for k in http if "fd00:10:2" in k["name"]]
    c.check(r.returncode == 0 and rep.get("failed") == 0 and rep.get("passed", 0) > 0 and http and
            (bool(http6) == x["v6"]),
            f"{name}: verify: {rep.get('passed')} checks pass, {len(http)} of them HTTP across "
            f"the clusters through the router ({len(http6)} over IPv6)", bad or r.stderr[-1500:])
    nodes_v4 = {x.get("peer_address") for x in routers}
    r = e.bd("routes", "-o", "json")
    routes = json.loads(r.stdout) if r.returncode == 0 and r.stdout.startswith("{") else {}
    n = x["routes"]
    c.check(len(routes.get("rib", [])) == n and len(routes.get("kernel", [])) == n,
            f"{name}: routes: {n} prefixes in the router's RIB and the namespace's kernel table",
            routes or r.stderr)
    if x["v6"]:
        kernel_v6 = [k for k in routes.get("kernel", []) if ":" in k.get("prefix", "")]
        # Learned over IPv4 sessions: via the nodes' link-local addresses, which routes names
        # as the nodes (from this machine's neighbour table).
        c.check(len(kernel_v6) == 8 and all(k.get("next_hops") and all(
            h.startswith("fe80:") and k.get("link_local_nodes", {}).get(h, "") in nodes_v4
            for h in k["next_hops"]) for k in kernel_v6),
            f"{name}: the 8 IPv6 routes go via link-local addresses that routes names as nodes",
            kernel_v6)
    c.check(node_routes(e, via), f"{name}: the DaemonSet's routes via the router are on the nodes")
    if x["v6"]:
        c.check(node_routes(e, via6, "-6"),
                f"{name}: and its IPv6 routes via the router's IPv6 addresses")

    r = e.bd("down", "-o", "json")
    c.check(r.returncode == 0, f"{name}: down returns 0", r.stdout[-600:] + r.stderr[-1500:])
    after = snapshot(e)
    diff = {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
            if before.get(k) != after.get(k)}
    c.check(not diff, f"{name}: down: the same nodes, contexts, annotations and kube-system objects as "
            "before up", diff)
    c.check(not labelled(e), f"{name}: down: no bgpdemo-labelled object left", labelled(e))
    r = e.kubectl("kind-cilium", "-n", "kube-system", "get", "daemonset", "bgpdemo-routes")
    r2 = e.kubectl("kind-cilium2", "-n", "kube-system", "get", "daemonset", "bgpdemo-routes")
    c.check("(NotFound)" in r.stderr and "(NotFound)" in r2.stderr,
            f"{name}: down: no DaemonSet bgpdemo-routes", r.stdout + r2.stdout)
    c.wait(f"{name}: down: the static routes via the router are gone from every node",
           lambda: not node_routes(e, via) and not node_routes(e, via6, "-6"), 20, interval=0.5,
           detail=lambda: (node_routes(e, via), node_routes(e, via6, "-6")))
    releases = {ctx: [x["name"] for x in json.loads(e.tool(
        "helm", "list", "-n", "kube-system", "--kube-context", ctx, "-o", "json").stdout or "[]")]
        for _, ctx in CLUSTERS.values()}
    c.check(releases == {"kind-cilium": [], "kind-cilium2": ["cilium"]},
            f"{name}: down: Cilium uninstalled where up installed it, kept where it was", releases)
    cm = json.loads(e.kubectl("kind-cilium2", "-n", "kube-system", "get", "configmap",
                              "cilium-config", "-o", "json").stdout or "{}").get("data", {})
    c.check(cm and "enable-bgp-control-plane" not in cm,
            f"{name}: down: the Cilium --manage-cilium changed is rolled back (BGP off, as its owner left "
            "it)", cm)
    c.check(not router_processes(e), f"{name}: down: no router process", router_processes(e))
    c.check(not os.path.exists(e.state), f"{name}: down: the state folder is gone",
            os.listdir(e.state) if os.path.isdir(e.state) else "")


def body(c):
    def run(d, workdir):
        # kind's networks as kind makes them, on subnets no route of this machine uses.
        # kind's networks as kind makes them (with IPv6: the clusters are dual stack), on
        # subnets no route of this machine uses.
        v6 = [ipaddress.ip_network(f"fd00:6b75:{os.getpid() % 0xffff:x}:{i}::/64")
              for i in range(2)]
        nets = dict(zip(["kind", "kind2"], zip(free_subnets(2), v6)))
        for name, (subnet, subnet6) in nets.items():
            d.network_create(name, str(subnet), subnet_v6=str(subnet6))
        place = RouterPlace(d, nets)
        e = Env(d, workdir, place)
        try:
            place.make()
            c.check(True, f"router namespace {place.ns}: {place.addrs}")
            run_suite(c, e)
        finally:
            subprocess.run(["ip", "netns", "exec", place.ns, ARGS.bgpdemo, "down",
                            "--state-dir", e.state], env=e.env, capture_output=True,
                           timeout=300) if os.path.exists(e.state) and place.made else None
            left = place.remove()
            e.tool("kind", "delete", "clusters", "--all")
            c.check(not left, "the router's namespace and legs are removed", left)

    I.with_node_engine(c, ARGS, "kk", os.path.join(HERE, "node"), run)


def main():
    global ARGS
    ARGS = parse_args()

    def setup():
        D.require_docker()
        if not os.access(ARGS.bgpdemo, os.X_OK):
            raise D.Fatal(f"{ARGS.bgpdemo} is not an executable")
    return D.run("kind.kube", "bgpdemo up --provider kube, the router in a namespace", body,
                 setup=setup)


if __name__ == "__main__":
    sys.exit(main())
