#!/usr/bin/env python3
"""The route server image, made by `bgpdemo image build` from the bgpdemo executable and its
libraries (FROM scratch, core/router_image.h), runs `bgpdemo router` and peers with gobgpd
(configured as Cilium 1.14 configures its GoBGP) across two Docker networks, on a private
Docker engine that the test starts and removes (tests/kind/dockerlab.py).

  private dockerd (vfs, no docker0, no iptables)
  debian:bookworm      debootstrap + docker import, the tarball cached in --cache-dir
                       (for the node image only)
  bgpdemo-router       `bgpdemo image build` (seconds: nothing to compile, nothing to pull)
  bgpdemo-kind-node    docker build of tests/kind/node/Dockerfile (cached with docker
                       save/load)

  net1 172.31.1.0/24 (or the first free 172.X.1.0/24 pair)     net2 172.31.2.0/24
    c1-node1 .11  gobgpd AS 65100                                 c2-node1 .11 AS 65200
        \\  announces 10.241.1.0/24, 10.251.0.1/32                 /  10.242.1.0/24, 10.252.0.1/32
         +---- .254 bgpdemo-router (AS 65000, router mode) .254 --+
               NET_ADMIN, net.ipv4.ip_forward=1, fib.install: true

Checks: the image (entrypoint, command, labels, version, no shell in it, its size and build
time printed); both sessions established from
both sides; every node route in the router's RIB and kernel table (proto 197); each node
has the other's routes via the router (AS path [65000, other AS]) and none of its own; real
traffic between the nodes' announced /32s, with static routes via the router, carried by
the router (its forwarded-datagram counter grows); `bgpdemo router kernel-routes` and
`bgpdemo probe` from the router container to the announced addresses (what the demo's
verify runs there); then containers, networks, the daemon
and everything it left on the machine removed.

  python3 tests/kind/router_image_test.py --bgpdemo build/bgpdemo --cache-dir build/docker-cache
      [--keep] [-v]
"""

import argparse
import ipaddress
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import dockerlab as D  # noqa: E402
import docker_images as I  # noqa: E402
from cilium_gobgp import cilium_gobgpd_toml  # noqa: E402  (tests/, on the path through dockerlab)

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTER_IMAGE = "bgpdemo-router"
NODE_IMAGE = "bgpdemo-kind-node"
ROUTER = "bgpdemo-router"
ROUTER_AS = 65000
LABEL = "io.bgpdemo.owner=test"


class Net:
    def __init__(self, idx, asn, subnet):
        self.idx, self.asn = idx, asn
        self.name = f"bgpdemo-test-net{idx}"
        self.subnet = ipaddress.ip_network(subnet)
        hosts = list(self.subnet.hosts())
        self.gateway = str(hosts[0])
        self.router_ip = str(hosts[-1])  # .254
        self.node_ip = str(self.subnet.network_address + 11)
        self.node = f"c{idx}-node1"
        self.pod_cidr = f"10.24{idx}.1.0/24"
        self.service = f"10.25{idx}.0.1"  # a /32 on the node's lo, served over HTTP
        self.prefixes = [self.pod_cidr, f"{self.service}/32"]


def free_subnets():
    """Two /24s in 172.16.0.0/12 that no route of the machine overlaps (another daemon on
    the machine may have networks too): 172.31.1.0/24 and 172.31.2.0/24 when free."""
    r = subprocess.run(["ip", "-j", "route", "show", "table", "all"], capture_output=True,
                       text=True)
    used = []
    for route in json.loads(r.stdout or "[]"):
        dst = route.get("dst", "")
        if dst and dst != "default" and ":" not in dst:
            try:
                used.append(ipaddress.ip_network(dst if "/" in dst else dst + "/32",
                                                 strict=False))
            except ValueError:
                pass
    for second in range(31, 15, -1):
        cand = [ipaddress.ip_network(f"172.{second}.{i}.0/24") for i in (1, 2)]
        if not any(c.overlaps(u) for c in cand for u in used if u.prefixlen > 0):
            return [str(c) for c in cand]
    raise D.Fatal("no free pair of /24s in 172.16.0.0/12 for the test networks")


def router_config(nets):
    neighbors = "".join(f"""  - name: cluster{n.idx}
    range: {n.subnet}
    peer_as: {n.asn}
    import: all
    export: all
""" for n in nets)
    return f"""# bgpdemo router in its image, as the kind provider runs it: dynamic neighbors per
# Docker network, so no node address is copied by hand; learned routes in the kernel.
router_id: {nets[0].router_ip}
local_as: {ROUTER_AS}
mode: router
listen:
  port: 179
timers:
  hold_time: 90
  keepalive: 30
fib:
  install: true
neighbors:
{neighbors}"""


def gobgpd_config(net):
    return cilium_gobgpd_toml(net.asn, net.node_ip, net.router_ip, ROUTER_AS)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cache-dir", default=os.environ.get("BGPDEMO_DOCKER_CACHE"),
                   help="keeps the base rootfs tarball and saved images between runs "
                        "(CTest: <build>/docker-cache); none: nothing is cached")
    p.add_argument("--bgpdemo", required=True, help="the binary the image is made from")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    p.add_argument("-v", "--verbose", action="store_true", help="print every command run")
    return p.parse_args()


def main(args):
    workdir = D.make_workdir("bgpdemo-ri-")

    def body(c):
        D.log(f"work directory {workdir}")
        cache = os.path.abspath(args.cache_dir) if args.cache_dir else None
        with D.PrivateDocker(os.path.join(workdir, "d"), verbose=args.verbose) as d:
            try:
                scenario(c, d, cache, os.path.abspath(args.bgpdemo))
            finally:
                teardown_checks(c, d)
        left = d.leftovers()
        c.check(not left, "nothing left on the machine: no dockerd, containerd or shim of "
                "ours, no br-* of our networks, no docker0, no mount, no cgroup", str(left))

    def setup():
        D.require_docker(need_debootstrap=False)
        if not os.access(args.bgpdemo, os.X_OK):
            raise D.Fatal(f"{args.bgpdemo} is not an executable")

    code = D.run("kind.router_image", "the router image made by bgpdemo with gobgpd "
                 "across two Docker networks", body, setup=setup)
    if os.path.isdir(workdir):
        if code == 1 or args.keep:
            D.log(f"logs kept in {workdir}")
        else:
            subprocess.run(["rm", "-rf", workdir])
    return code


def scenario(c, d, cache, bgpdemo):
    # --- images ---------------------------------------------------------------------------
    version = json.loads(subprocess.run([bgpdemo, "version", "-o", "json"], capture_output=True,
                                        text=True, check=True).stdout)["version"]
    context = os.path.join(d.dir, "router-image")
    with D.timed("router image: bgpdemo image build") as t:
        r = subprocess.run([bgpdemo, "image", "build", "--tag", ROUTER_IMAGE, "--context-dir",
                            context], env=d.env, capture_output=True, text=True, timeout=300)
    if not c.check(r.returncode == 0, f"`bgpdemo image build --tag {ROUTER_IMAGE}` makes the "
                   "image", r.stdout + r.stderr):
        raise D.Fatal("no router image")
    D.log(r.stdout.strip())
    base_key = I.ensure_base_image(d, cache or os.path.join(d.dir, "cache"), d.dir)
    how = I.ensure_image(d, NODE_IMAGE, os.path.join(HERE, "node"), cache_dir=cache,
                         base_key=base_key, step="node image")
    D.log(f"{NODE_IMAGE}: {how}")

    with open(os.path.join(context, "Dockerfile")) as f:
        dockerfile = f.read()
    c.check("\nFROM scratch\nCOPY rootfs/ /\n" in dockerfile and
            os.path.isfile(os.path.join(context, "rootfs", "usr", "local", "bin", "bgpdemo")),
            "the context: a Dockerfile FROM scratch and rootfs/ with bgpdemo on PATH",
            dockerfile)
    img = d.json("image", "inspect", ROUTER_IMAGE)[0]
    cfg = img.get("Config", {})
    labels = cfg.get("Labels") or {}
    c.check(cfg.get("Entrypoint") == ["bgpdemo"] and
            cfg.get("Cmd") == ["router", "--config", "/etc/bgpdemo/router.yaml"],
            "router image: ENTRYPOINT [bgpdemo], CMD [router --config "
            "/etc/bgpdemo/router.yaml]", f"{cfg.get('Entrypoint')} {cfg.get('Cmd')}")
    c.check("org.opencontainers.image.source" in labels and
            labels.get("org.opencontainers.image.version") == version and
            labels.get("org.opencontainers.image.base.name") == "scratch",
            f"router image: OCI labels, version {version}, base scratch", str(labels))
    D.log(f"{ROUTER_IMAGE}: {img.get('Size', 0) / 1e6:.1f} MB, built in {t.seconds:.1f} s")
    r = d.docker("run", "--rm", ROUTER_IMAGE, "--version", check=False, timeout=60)
    c.check(r.returncode == 0 and version in r.stdout,
            f"`docker run {ROUTER_IMAGE} --version` names the binary's version",
            (r.stdout + r.stderr).strip())
    r = d.docker("run", "--rm", "--entrypoint", "/bin/sh", ROUTER_IMAGE, "-c", "true",
                 check=False, timeout=60)
    c.check(r.returncode != 0, "no shell in the image (FROM scratch): bgpdemo and its "
            "libraries only", (r.stdout + r.stderr).strip())

    # --- networks and containers ----------------------------------------------------------
    subnets = free_subnets()
    nets = [Net(1, 65100, subnets[0]), Net(2, 65200, subnets[1])]
    for n in nets:
        d.network_create(n.name, str(n.subnet), gateway=n.gateway,
                         labels=dict([LABEL.split("=")]))
    D.log(f"networks {nets[0].name} {nets[0].subnet}, {nets[1].name} {nets[1].subnet}")

    cfg_path = os.path.join(d.dir, "router.yaml")
    with open(cfg_path, "w") as f:
        f.write(router_config(nets))
    with D.timed("router container up"):
        d.docker("run", "-d", "--name", ROUTER, "--hostname", ROUTER, "--label", LABEL,
                 "--network", nets[0].name, "--ip", nets[0].router_ip,
                 "--cap-add", "NET_ADMIN", "--sysctl", "net.ipv4.ip_forward=1",
                 "-v", f"{cfg_path}:/etc/bgpdemo/router.yaml:ro", ROUTER_IMAGE)
        d.docker("network", "connect", "--ip", nets[1].router_ip, nets[1].name, ROUTER)
    for n in nets:
        c.check(d.container_ip(ROUTER, n.name) == n.router_ip,
                f"{ROUTER} has {n.router_ip} on {n.name} (read back from docker inspect)")

    def router_pid():
        return d.json("inspect", ROUTER)[0]["State"]["Pid"]

    def router_query(what):
        r = d.docker("exec", ROUTER, "bgpdemo", "router", what, "-o", "json", check=False,
                     timeout=20)
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    c.wait(f"{ROUTER}: `bgpdemo router peers -o json` answers in the container",
           lambda: router_query("peers") is not None, 20,
           detail=lambda: d.docker("logs", "--tail", "20", ROUTER, check=False).stderr,
           fatal=True)

    with D.timed("node containers up"):
        for n in nets:
            d.docker("run", "-d", "--name", n.node, "--hostname", n.node, "--label", LABEL,
                     "--network", n.name, "--ip", n.node_ip, "--cap-add", "NET_ADMIN",
                     NODE_IMAGE)
            d.docker("exec", "-i", n.node, "sh", "-c", "cat > /etc/gobgpd.toml",
                     input=gobgpd_config(n))
            d.docker("exec", "-d", n.node, "sh", "-c",
                     "exec gobgpd -f /etc/gobgpd.toml -p --api-hosts 127.0.0.1:50051 "
                     "--pprof-disable > /var/log/gobgpd.log 2>&1")

    def gobgp(n, *args):
        r = d.docker("exec", n.node, "gobgp", "-u", "127.0.0.1", "-p", "50051", *args,
                     check=False, timeout=20)
        return r

    def gobgp_json(n, *args):
        r = gobgp(n, *args, "-j")
        try:
            return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None
        except ValueError:
            return None

    for n in nets:
        c.wait(f"{n.node}: gobgpd answers on its API", lambda n=n: gobgp(n, "global")
               .returncode == 0, 20,
               detail=lambda n=n: d.docker("exec", n.node, "tail", "-n", "15",
                                           "/var/log/gobgpd.log", check=False).stdout,
               fatal=True)
        for p in n.prefixes:  # as Cilium: next hop 0.0.0.0, origin igp
            gobgp(n, "global", "rib", "add", p, "origin", "igp", "-a", "ipv4")

    # --- sessions from both sides ---------------------------------------------------------
    def node_state(n):
        for nb in gobgp_json(n, "neighbor") or []:
            if nb.get("conf", {}).get("neighbor_address") == n.router_ip:
                return D_session_state(nb)
        return None

    for n in nets:
        c.wait(f"{n.node}: `gobgp neighbor` shows {n.router_ip} (AS {ROUTER_AS}) established",
               lambda n=n: node_state(n) == "established", 45,
               detail=lambda n=n: node_state(n))

    def router_peers():
        return {p["address"]: p for p in router_query("peers") or []}

    peers = c.wait("router: both sessions established (`bgpdemo router peers -o json` in the "
                   "container)", lambda: all(router_peers().get(n.node_ip, {}).get("state") ==
                                             "established" for n in nets) and router_peers(),
                   20, detail=lambda: [(a, p.get("state")) for a, p in router_peers().items()])
    for n in nets:
        p = (peers or {}).get(n.node_ip, {})
        c.check(p.get("dynamic") is True and p.get("peer_asn") == n.asn and
                p.get("name") == f"cluster{n.idx}" and p.get("local_address") == n.router_ip
                and p.get("hostname") == n.node,
                f"router: {n.node_ip} is a dynamic neighbor of cluster{n.idx}, AS {n.asn}, "
                f"local address {n.router_ip}, hostname {n.node} (the container's)", str(p))

    # --- routes: router RIB, router kernel, the other node --------------------------------
    want = {p: n.node_ip for n in nets for p in n.prefixes}

    def router_rib():
        return {r["prefix"]: r["best"]["next_hop"] for r in router_query("routes") or []
                if r.get("best")}

    c.wait("router RIB: the 4 node prefixes, best next hop = the node",
           lambda: router_rib() == want, 20, detail=router_rib)

    def kernel():
        r = d.docker("exec", ROUTER, "bgpdemo", "router", "kernel-routes", "-o", "json",
                     check=False)
        try:
            return {x["dst"]: x.get("gateway") for x in json.loads(r.stdout or "[]")}
        except ValueError:
            return {}

    c.wait("router kernel: `bgpdemo router kernel-routes -o json` in the container has the 4 "
           "prefixes via their nodes", lambda: kernel() == want, 20, detail=kernel)
    r = subprocess.run(["nsenter", "-t", str(router_pid()), "-n", "ip", "-j", "route", "show",
                        "proto", "197"], capture_output=True, text=True)
    ip_said = {x["dst"] if "/" in x["dst"] else x["dst"] + "/32": x.get("gateway")
               for x in json.loads(r.stdout or "[]")}
    c.check(ip_said == kernel(), "`ip -j route show proto 197` in the router's network "
            "namespace says the same", f"ip: {ip_said}, bgpdemo: {kernel()}")
    # Its neighbours (whose MACs make the link-local next hops of a dual-stack demo).
    r = d.docker("exec", ROUTER, "bgpdemo", "router", "neighbours", "-o", "json", check=False)
    ours = {x["dst"]: x["lladdr"] for x in json.loads(r.stdout or "[]")} if r.stdout else {}
    r = subprocess.run(["nsenter", "-t", str(router_pid()), "-n", "ip", "-4", "-j", "neigh",
                        "show"], capture_output=True, text=True)
    ip_neigh = {x["dst"]: x["lladdr"] for x in json.loads(r.stdout or "[]") if "lladdr" in x}
    c.check(ours == ip_neigh and all(n.node_ip in ours for n in nets),
            "`bgpdemo router neighbours -o json` in the container: each node's MAC, as `ip -j "
            "neigh` says", f"ip: {ip_neigh}, bgpdemo: {ours}")

    def node_rib(n):
        out = {}
        for prefix, paths in (gobgp_json(n, "global", "rib", "-a", "ipv4") or {}).items():
            for path in paths:
                if path.get("neighbor-ip") in (None, "<nil>", "0.0.0.0"):
                    continue
                nh, asp = None, []
                for a in path.get("attrs", []):
                    if a.get("type") == 3:
                        nh = a.get("nexthop")
                    elif a.get("type") == 2:
                        for seg in a.get("as_paths", []):
                            asp += seg.get("asns", [])
                out[prefix] = (nh, asp)
        return out

    for n in nets:
        o = nets[1 - (n.idx - 1)]
        exp = {p: (n.router_ip, [ROUTER_AS, o.asn]) for p in o.prefixes}
        c.wait(f"{n.node}: has {o.node}'s 2 routes via {n.router_ip}, AS path "
               f"[{ROUTER_AS}, {o.asn}], and none of its own", lambda n=n, exp=exp:
               node_rib(n) == exp, 20, detail=lambda n=n: node_rib(n))

    # --- real traffic through the router container ----------------------------------------
    for n in nets:
        o = nets[1 - (n.idx - 1)]
        d.docker("exec", n.node, "ip", "addr", "add", f"{n.service}/32", "dev", "lo")
        d.docker("exec", n.node, "sh", "-c", f"mkdir -p /srv && echo 'hello from {n.node}' "
                 "> /srv/hello.txt")
        d.docker("exec", "-d", n.node, "sh", "-c",
                 f"exec python3 -m http.server 8080 --bind {n.service} --directory /srv "
                 "> /var/log/http.log 2>&1")
        # The demo's static routes (`docker exec <node> ip route replace ...`): the other
        # cluster's announced prefixes via the router's address on this node's network.
        for p in o.prefixes:
            d.docker("exec", n.node, "ip", "route", "replace", p, "via", n.router_ip)

    def forwarded():
        # Read from the host: the image has no cat.
        try:
            with open(f"/proc/{router_pid()}/net/snmp") as f:
                text = f.read()
        except OSError:
            return -1
        lines = [x.split() for x in text.splitlines() if x.startswith("Ip:")]
        if len(lines) < 2:
            return -1
        return int(dict(zip(lines[0], lines[1])).get("ForwDatagrams", -1))

    def curl(container, url, source=None):
        argv = ["exec", container, "curl", "-sS", "--max-time", "3"]
        if source:
            argv += ["--interface", source]
        return d.docker(*argv, url, check=False, timeout=20)

    for n in nets:
        c.wait(f"{n.node}: its HTTP server answers on {n.service}:8080 (from the node itself)",
               lambda n=n: curl(n.node, f"http://{n.service}:8080/hello.txt").returncode == 0,
               15, fatal=True)
    for n in nets:
        o = nets[1 - (n.idx - 1)]
        c.wait(f"{n.node}: ping -I {n.service} {o.service} through the router",
               lambda n=n, o=o: d.docker("exec", n.node, "ping", "-c", "1", "-W", "2", "-I",
                                         n.service, o.service, check=False).returncode == 0,
               15)
        before = forwarded()
        r = curl(n.node, f"http://{o.service}:8080/hello.txt", source=n.service)
        after = forwarded()
        c.check(r.returncode == 0 and r.stdout.strip() == f"hello from {o.node}",
                f"{n.node} -> {o.node}: HTTP from {n.service} to {o.service}:8080 answered "
                f"by {o.node}", (r.stdout + r.stderr).strip())
        c.check(after - before >= 4,
                f"{ROUTER} forwarded it (Ip ForwDatagrams {before} -> {after})")
        log = d.docker("exec", o.node, "cat", "/var/log/http.log", check=False).stdout
        c.check(f"{n.service} - -" in log and "GET /hello.txt" in log,
                f"{o.node}: the request came from {n.service} (only the router routes it)",
                log.strip()[-300:])
    for n in nets:
        r = d.docker("exec", ROUTER, "bgpdemo", "probe", "-o", "json",
                     f"http://{n.service}:8080/", check=False, timeout=20)
        try:
            reply = json.loads(r.stdout)
        except ValueError:
            reply = {}
        c.check(r.returncode == 0 and reply.get("status") == 200 and "Directory listing" in
                reply.get("body", ""),
                f"{ROUTER}: bgpdemo probe http://{n.service}:8080/ (its BGP route in the "
                "kernel)", (r.stdout + r.stderr).strip()[:300])

    # --- the router container stops cleanly -----------------------------------------------
    with D.timed("docker stop router"):
        d.docker("stop", "-t", "10", ROUTER, timeout=30)
    st = d.json("inspect", ROUTER)[0]["State"]
    c.check(st.get("ExitCode") == 0, "router: `docker stop` (SIGTERM) -> exit code 0",
            str(st))
    for n in nets:
        c.wait(f"{n.node}: its session to the router is no longer established",
               lambda n=n: node_state(n) != "established", 10)


def D_session_state(nb):
    s = nb.get("state", {}).get("session_state")
    names = {1: "idle", 2: "connect", 3: "active", 4: "opensent", 5: "openconfirm",
             6: "established"}
    if isinstance(s, int):
        return names.get(s, str(s))
    return str(s or "unknown").lower().replace("session_state_", "")


def teardown_checks(c, d):
    """Removes what the test made, through Docker, and checks it is gone; the daemon is
    then stopped by PrivateDocker's cleanup."""
    if d.popen is None or d.popen.poll() is not None:
        return
    with D.timed("remove containers and networks"):
        # A removal can be "in progress" for a while (with vfs, the container's copy of the
        # file system is being deleted): ask again until none is left.
        deadline = time.monotonic() + 120
        while True:
            ids = d.docker("ps", "-aq", check=False).stdout.split()
            if not ids or time.monotonic() > deadline:
                break
            d.docker("rm", "-f", "-v", *ids, check=False, timeout=120)
            time.sleep(0.5)
        nets = d.docker("network", "ls", "-q", "--filter", f"label={LABEL}",
                        check=False).stdout.split()
        if nets:
            d.docker("network", "rm", *nets, check=False, timeout=60)
    left_c = d.docker("ps", "-aq", check=False).stdout.split()
    left_n = d.docker("network", "ls", "-q", "--filter", "type=custom", check=False)\
        .stdout.split()
    c.check(not left_c and not left_n, "docker: no container and no network left",
            f"containers {left_c}, networks {left_n}")


if __name__ == "__main__":
    sys.exit(main(parse_args()))
