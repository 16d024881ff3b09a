#!/usr/bin/env python3
"""`bgpdemo up --provider kind` end to end, on a private Docker engine with the test doubles
of kind, kubectl, helm and cilium (tests/kind/doubles/) in front of PATH, and the route
server in a real container whose image `up` makes from the bgpdemo executable.

bgpdemo runs as installed: the binary copied alone into an empty folder, run from another
empty folder, with no base image in the engine; `up` makes bgpdemo-router:<version> from
that executable and its libraries, FROM scratch (its labels, no shell in it, its size and
the image step's time printed), and nothing is written to the working directory.

  doctor -> failures first, each with a clear message and nothing half-made that a second
  up cannot resume from: kind create fails; Helm times out; the LB IP never comes; the
  router image fails to build; an image that does not exist -> then up (resuming) ->
  up again -> status -> peers -> verify (real HTTP across the two "clusters" through the
  real router container) -> routes -> fault node-stop (docker stop and start of a node,
  measured; verify after) -> fault router-graceful-restart (the router execs itself in its
  container: not one probe lost) -> down: no container, network or kubeconfig context
  left, and a network bgpdemo did not create is kept.

The scenario is the built-in two-cluster, which pins no subnet: the network `kind` is made
first as kind makes it (IPv6 ULA, and an IPv4 subnet the scenario does not name) and up
adopts it; up makes kind2 with the subnet Docker chooses. Before that, up refuses a
scenario that pins another subnet for `kind`, and a cluster `cilium` made with kind's
defaults (pod CIDR, kindnet), each with its message and nothing made. Prints
"N passed, M failed" last; exit 0, 1, or 77 (no root, no Docker).

  python3 tests/kind/kind_e2e_test.py --bgpdemo build/bgpdemo --cache-dir build/docker-cache
"""

import argparse
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DOUBLES = os.path.join(HERE, "doubles")
NODE_IMAGE = "bgpdemo-kind-node"
sys.path.insert(0, HERE)
import dockerlab as D  # noqa: E402
import docker_images as I  # noqa: E402

ARGS = None


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bgpdemo", required=True)
    p.add_argument("--cache-dir", default=os.environ.get("BGPDEMO_DOCKER_CACHE"))
    p.add_argument("--keep", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args()


def free_subnets(n):
    """n /24s of 172.16/12 that no route of this machine overlaps."""
    out = subprocess.run(["ip", "-j", "route", "show", "table", "all"], capture_output=True,
                         text=True).stdout
    used = []
    for r in json.loads(out or "[]"):
        dst = r.get("dst", "")
        if dst and dst != "default" and ":" not in dst:
            try:
                used.append(ipaddress.ip_network(dst if "/" in dst else dst + "/32", strict=False))
            except ValueError:
                pass
    found = []
    for second in range(30, 16, -1):
        for third in range(200, 250):
            net = ipaddress.ip_network(f"172.{second}.{third}.0/24")
            if not any(net.overlaps(u) for u in used) and net not in found:
                found.append(net)
                if len(found) == n:
                    return found
    raise D.Fatal("no free 172.16/12 subnets")


def pinned_scenario(workdir, subnet):
    """The built-in two-cluster with network kind pinned to `subnet`."""
    with open(os.path.join(REPO, "scenarios", "two-cluster.yaml")) as f:
        text = f.read()
    anchor = "\nnetworks:\n  - name: kind\n"  # the key, not the comment above it
    assert anchor in text
    text = text.replace(anchor, f"{anchor}    subnet: {subnet}\n", 1)
    path = os.path.join(workdir, "pinned.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def kind_network(d, subnet):
    """`kind` as kind v0.20.0 makes it, but on `subnet`: masquerading, its IPv6 ULA (IPv4 only
    where the engine has no IPv6)."""
    args = ["network", "create", "-d=bridge", "-o",
            "com.docker.network.bridge.enable_ip_masquerade=true"]
    r = d.docker(*args, "--ipv6", "--subnet", "fc00:f853:ccd:e793::/64", "--subnet", subnet,
                 "kind", check=False)
    if r.returncode != 0:
        d.docker(*args, "--subnet", subnet, "kind")


class Env:
    """bgpdemo with the doubles in front of PATH, on a private engine. `exe` and `cwd`: the
    binary as installed (kind.e2e); by default ARGS.bgpdemo, run from here (kind.e2e_ipv6
    shares this class)."""

    def __init__(self, c, d, workdir, exe=None, cwd=None):
        self.c, self.d, self.dir = c, d, workdir
        self.exe, self.cwd = exe or ARGS.bgpdemo, cwd
        self.env = dict(d.env)
        self.env.update(PATH=DOUBLES + os.pathsep + d.env["PATH"],
                        BGPDEMO_FAKE_K8S_STATE=os.path.join(workdir, "k8s"),
                        KUBECONFIG=os.path.join(workdir, "kubeconfig"),
                        BGPDEMO_KIND_NODE_IMAGE=f"{NODE_IMAGE}:latest",
                        BGPDEMO_STATE_DIR=os.path.join(workdir, "state"),
                        BGPDEMO_FAKE_HELM_TIMEOUT_SECONDS="2",
                        HOME=workdir)
        self.env.pop("BGPDEMO_FAKE_FAIL", None)
        self.env.pop("BGPDEMO_SELF", None)

    def bd(self, *args, fail=None, timeout=600, extra=None):
        env = dict(self.env)
        if fail:
            env["BGPDEMO_FAKE_FAIL"] = fail
        env.update(extra or {})
        t = time.monotonic()
        r = subprocess.run([self.exe, *args], env=env, cwd=self.cwd, capture_output=True,
                           text=True, timeout=timeout)
        if ARGS.verbose:
            D.log(f"  $ {'BGPDEMO_FAKE_FAIL=' + fail + ' ' if fail else ''}bgpdemo "
                  f"{' '.join(args)} -> {r.returncode} in {time.monotonic() - t:.1f}s\n"
                  f"{r.stdout}{r.stderr}")
        return r


def install(c, workdir):
    """The binary alone in <workdir>/opt/bin, and an empty working directory."""
    prefix = os.path.join(workdir, "opt", "bin")
    os.makedirs(prefix)
    exe = os.path.join(prefix, "bgpdemo")
    shutil.copy2(ARGS.bgpdemo, exe)
    cwd = os.path.join(workdir, "elsewhere")
    os.makedirs(cwd)
    c.check(os.listdir(prefix) == ["bgpdemo"] and not os.listdir(cwd),
            f"bgpdemo installed alone in {prefix}; the working directory is empty")
    return exe, cwd


def body(c):
    def run(d, workdir):
        # Only the node image (for the doubles' nodes) may be there: no router image, and no
        # base it could be built from.
        d.docker("rmi", "debian:bookworm", check=False)
        exe, cwd = install(c, workdir)
        version = json.loads(subprocess.run([exe, "version", "-o", "json"], cwd=cwd,
                                            capture_output=True, text=True).stdout)["version"]
        image = f"bgpdemo-router:{version}"
        c.check(not d.image_exists(image) and not d.image_exists("debian:bookworm"),
                f"no {image} and no base image in the engine before up")
        e = Env(c, d, workdir, exe, cwd)
        run_suite(c, e, image, version)
        c.check(not os.listdir(cwd), "nothing was written to the working directory",
                os.listdir(cwd))

    I.with_node_engine(c, ARGS, "ke", os.path.join(HERE, "node"), run)


def contexts(e):
    try:
        with open(e.env["KUBECONFIG"]) as f:
            return re.findall(r"name: (kind-\S+)", f.read())
    except FileNotFoundError:
        return []


def run_suite(c, e, image, version):
    nets = free_subnets(2)
    up = ["up", "--provider", "kind", "--scenario", "two-cluster", "--timeout", "90"]

    r = e.bd("doctor", "-o", "json")
    doc = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    c.check(r.returncode == 0 and doc.get("kind", {}).get("ok") is True,
            "doctor: docker, kind, helm, kubectl and cilium found with their versions",
            r.stdout + r.stderr)

    # kind's network from an earlier kind, on a subnet the scenario does not name: adopted,
    # never removed.
    kind_network(e.d, str(nets[0]))

    # A scenario pinning another subnet for it is refused, naming both; nothing is made.
    r = e.bd(*up[:3], "--scenario", pinned_scenario(e.dir, str(nets[1])), *up[5:])
    c.check(r.returncode == 4 and f"Docker network kind exists with subnet {nets[0]}" in r.stderr
            and f"the scenario pins {nets[1]}" in r.stderr and
            "kind2" not in e.d.docker("network", "ls", "--format", "{{.Name}}").stdout.split(),
            "a pinned subnet the existing network kind does not have: refused, nothing made",
            r.stderr[-600:])

    # A cluster `cilium` made with kind's defaults (as a user's earlier demo may be): refused,
    # each difference named; the fix it names, then up goes on.
    config = os.path.join(e.dir, "kind-defaults.yaml")
    with open(config, "w") as f:
        f.write("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n"
                "- role: control-plane\n- role: worker\n- role: worker\n")
    made = subprocess.run(["kind", "create", "cluster", "--name", "cilium", "--config", config],
                          env=dict(e.env, KIND_EXPERIMENTAL_DOCKER_NETWORK="kind"),
                          capture_output=True, text=True)
    c.check(made.returncode == 0, "kind create cluster cilium with kind's defaults", made.stderr)
    r = e.bd(*up)
    c.check(r.returncode == 4 and "kind cluster cilium exists and is not the scenario's" in r.stderr
            and "pod CIDR 10.244.0.0/16, the scenario's 10.241.0.0/16" in r.stderr and
            "service CIDR 10.96.0.0/16, the scenario's 10.11.0.0/16" in r.stderr and
            "kindnet" in r.stderr and "kube-proxy runs" in r.stderr and
            "kind delete cluster --name cilium" in r.stderr,
            "an existing cluster cilium unlike the scenario's: refused, every difference named",
            r.stderr[-900:])
    subprocess.run(["kind", "delete", "cluster", "--name", "cilium"], env=e.env,
                   capture_output=True, text=True)

    # Failures first; each must end with a clear message, and up again must resume.
    r = e.bd(*up, fail="kind-create")
    c.check(r.returncode == 1 and "kind create cluster" in r.stderr and "hint:" in r.stderr,
            "kind create fails: up names the command, its exit code and a hint", r.stderr[-600:])
    r = e.bd(*up, "--router-image", "no-such-image:1")
    c.check(r.returncode == 1 and "--router-image no-such-image:1: no such image" in r.stderr,
            "a --router-image that does not exist is named", r.stderr[-400:])
    r = e.bd(*up, "--base-image", "no-such-base:1")
    c.check(r.returncode == 1 and "docker build" in r.stderr and "no-such-base" in r.stderr and
            not e.d.image_exists(image),
            "the router image fails to build: up quotes the build's error", r.stderr[-600:])
    r = e.bd(*up, "-o", "json", fail="helm-timeout")
    c.check(r.returncode == 1 and "helm upgrade --install" in r.stderr and
            "timed out waiting for the condition" in r.stderr,
            "Helm times out: up quotes helm's error", r.stderr[-600:])
    # That up got as far as Helm: it made the router image on the way.
    events = [json.loads(ln) for ln in r.stdout.splitlines() if ln.startswith("{")]
    step = next((ev for ev in events if ev.get("step") == "image"), {})
    c.check(step.get("detail") == f"{image} built from {e.exe} (FROM scratch)",
            "the image step made it from the installed executable, FROM scratch", step)
    D.log(f"the image step: {step.get('seconds', 0):.1f} s")
    labels = (e.d.json("image", "inspect", image)[0]["Config"].get("Labels") or {}
              if e.d.image_exists(image) else {})
    c.check(labels.get("org.opencontainers.image.base.name") == "scratch" and
            labels.get("org.opencontainers.image.version") == version,
            f"up made {image} from the installed executable, FROM scratch, labelled {version}",
            labels)
    if e.d.image_exists(image):
        D.log(f"router image {image}: "
              f"{e.d.json('image', 'inspect', image)[0].get('Size', 0) / 1e6:.1f} MB")
    r = e.d.docker("run", "--rm", "--entrypoint", "/bin/sh", image, "-c", "true", check=False)
    c.check(r.returncode != 0, "no shell in the image: nothing but bgpdemo and its libraries",
            r.stdout + r.stderr)
    r = e.bd(*up[:-1], "10", fail="no-lb-ip")
    c.check(r.returncode == 1 and "never came" in r.stderr,
            "the LB IP never comes: up says so after its timeout", r.stderr[-600:])

    # Helm killed mid-upgrade (issue #11, 7): the release is left pending-upgrade.
    r = e.bd(*up, fail="helm-interrupt")
    c.check(r.returncode == 1 and "helm upgrade --install" in r.stderr and "exited with 137" in
            r.stderr, "Helm killed mid-run: up quotes it", r.stderr[-600:])

    # The next up recovers the release (rollback), shows its waits while Helm waits 8 s and
    # the CRDs come 3 s after it (issue #11, 4 and 6), and completes.
    t = time.monotonic()
    r = e.bd(*up, "-o", "json", extra={"BGPDEMO_FAKE_HELM_WAIT_SECONDS": "8",
                                       "BGPDEMO_FAKE_CRD_DELAY_SECONDS": "3"})
    events = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    progress = [ev for ev in events if ev.get("event") == "progress" and ev["step"] == "cilium"]
    c.check(progress and all("waiting for" in ev["detail"] for ev in progress),
            "while helm --wait runs, progress events name what is awaited",
            [ev.get("detail") for ev in progress][:2])
    cilium = [ev for ev in events if ev.get("event") == "step" and ev["step"] == "cilium"]
    c.check(cilium and "pending-upgrade" in cilium[0]["detail"] and "rolled back" in
            cilium[0]["detail"], "the pending release is rolled back, and the step says so",
            cilium[0]["detail"] if cilium else events[-3:])
    c.check(r.returncode == 0 and events and events[-1].get("ok") is True and
            events[-1].get("resumed") is True,
            f"up again resumes and completes ({time.monotonic() - t:.1f} s)",
            f"exit {r.returncode}\n{r.stdout[-1500:]}\nstderr:\n{r.stderr[-3000:]}")
    if r.returncode != 0:
        raise D.Fatal("the demo did not come up")
    steps = [ev["step"] for ev in events if ev.get("event") == "step"]
    c.check(steps == ["preflight", "networks", "clusters", "image", "router", "render", "cilium",
                      "nginx", "lb", "annotate", "bgp", "routes", "sessions"],
            "up reports every step with its time", steps)

    r = e.bd(*up)
    c.check(r.returncode == 0, "up on a running demo checks every step and returns 0",
            r.stdout[-400:] + r.stderr[-400:])
    r = e.bd("status", "-o", "json")
    st = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    c.check(r.returncode == 0 and st.get("provider") == "kind" and
            st.get("clusters") == ["cilium", "cilium2"] and
            st.get("networks_created") == ["kind2"],
            "status: kind, both clusters, only network kind2 created by bgpdemo", st)
    inspect = json.loads(e.d.docker("network", "inspect", "kind", "kind2").stdout)
    subnets = {n["Name"]: [c_["Subnet"] for c_ in n["IPAM"]["Config"] if ":" not in c_["Subnet"]]
               for n in inspect}
    with open(os.path.join(e.env["BGPDEMO_STATE_DIR"], "files", "router", "router.yaml")) as f:
        router_yaml = f.read()
    c.check(subnets["kind"] == [str(nets[0])] and
            all(f"range: {subnets[n][0]}" in router_yaml for n in ("kind", "kind2")),
            "the router's neighbor ranges are the networks' real subnets (kind adopted, kind2 "
            "Docker's choice)", (subnets, router_yaml[-400:]))

    r = e.bd("peers", "-o", "json")
    rows = json.loads(r.stdout) if r.returncode == 0 else []
    nodes = [x for x in rows if x["side"] == "node"]
    routers = [x for x in rows if x["side"] == "router"]
    c.check(len(nodes) == 6 and len(routers) == 6 and all(x["state"] == "established" for x in rows),
            "peers: the router's view (docker exec) and cilium bgp peers, 6 + 6 established",
            [(x["node"], x["peer_address"], x["state"]) for x in rows])

    junit = os.path.join(e.dir, "verify.xml")
    r = e.bd("verify", "-o", "json", "--junit", junit)
    rep = json.loads(r.stdout) if r.stdout.startswith("{") else {"checks": []}
    bad = [f"{x['group']} {x['name']}: {x['detail']}" for x in rep["checks"] if not x["ok"]]
    c.check(r.returncode == 0 and rep.get("failed") == 0 and rep.get("passed") == 34,
            "verify: 34 checks pass, HTTP through the router container included", bad or r.stderr)
    c.check(os.path.exists(junit), "verify writes its JUnit report")

    r = e.bd("routes", "-o", "json")
    routes = json.loads(r.stdout) if r.returncode == 0 else {"rib": [], "kernel": []}
    c.check(len(routes["rib"]) == 8 and len(routes["kernel"]) == 8,
            "routes: 8 prefixes in the router's RIB and its kernel table", routes)

    faults(c, e)

    r = e.bd("down")
    c.check(r.returncode == 0, "down returns 0", r.stdout + r.stderr)
    left = e.d.docker("ps", "-a", "--format", "{{.Names}} ({{.Image}}, {{.Status}})").stdout.splitlines()
    nets_left = e.d.docker("network", "ls", "--format", "{{.Name}}").stdout.split()
    c.check(not left, "down leaves no container", left)
    c.check("kind2" not in nets_left and "kind" in nets_left,
            "down removes the network it created and keeps kind's", nets_left)
    c.check(not contexts(e), "down leaves no kubeconfig context", contexts(e))
    c.check(not os.path.exists(os.path.join(e.env["BGPDEMO_STATE_DIR"], "state.json")),
            "down removes the state", os.listdir(e.dir))
    e.d.docker("network", "rm", "kind")


def faults(c, e):
    """A fault Docker can do (issue #15): a node's container stopped, then started again.
    gobgpd dies with the container, so the router sees its connection close at once (and,
    graceful restart negotiated, keeps its routes as stale); the node boots (the doubles'
    fakenode.py boot, as kubelet and Cilium would) and bgpdemo puts back its static routes.
    The faults kind cannot do are refused before anything is looked at, naming those it
    can."""
    r = e.bd("fault", "node-stop", "cilium-worker", "--for", "2", "--recover-within", "120",
             "-o", "json", timeout=400)
    rep = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    timeline = [(x["t"], x["event"], x["detail"]) for x in rep.get("timeline", [])]
    events = [x[1] for x in timeline]
    down = next((t for t, ev, _ in timeline if ev == "session down"), 99)
    # Cilium's sessions have graceful restart (the scenario's default): the router keeps the
    # node's routes, stale, while it is away (RFC 4724), so "routes withdrawn" need not come.
    c.check(r.returncode == 0 and rep.get("recovered") and
            {"session down", "fault ended", "session up", "healthy"} <= set(events),
            "fault node-stop on kind: docker stop ends the session, docker start brings it "
            "back and the demo is healthy again", (r.returncode, timeline, r.stderr[-800:]))
    if not rep.get("recovered"):
        # What the node and the router say, for whoever reads the failure.
        r = e.d.docker("exec", "cilium-worker", "sh", "-c",
                       "cat /var/log/fakenode-boot.log; tail -40 /run/fakek8s/gobgpd.log; "
                       "gobgp -u 127.0.0.1 -p 50051 global rib; gobgp -u 127.0.0.1 -p 50051 "
                       "neighbor", check=False)
        D.log(f"cilium-worker after the fault:\n{r.stdout}{r.stderr}")
        r = e.d.docker("exec", "bgpdemo-router", "bgpdemo", "router", "journal", check=False)
        D.log(f"the router's journal:\n{r.stdout[-4000:]}{r.stderr}")
    c.check(down < 10, "node-stop on kind: the session goes when the container stops, not "
            "after a hold time", timeline)
    outage = ", ".join(f"{p['ip']} {p['outage_seconds']:.2f} s ({p['failed']} of {p['sent']})"
                       for p in rep.get("probes", []))
    D.log(f"figure: kind fault node-stop: outage {rep.get('outage_seconds', 0):.2f} s "
          f"({outage}); healthy {rep.get('recovered_at') or 0:.2f} s after the fault started")
    r = e.bd("verify", "-o", "json")
    rep = json.loads(r.stdout) if r.stdout.startswith("{") else {"checks": []}
    c.check(r.returncode == 0, "verify passes after the node started again",
            [f"{x['group']} {x['name']}: {x['detail']}" for x in rep["checks"] if not x["ok"]] or
            r.stderr[-600:])
    # The router restarted gracefully in its container (`docker exec ... bgpdemo router
    # restart`: it execs itself, pid 1 stays): the nodes' gobgpd keep its routes, it keeps
    # its kernel routes, and not one probe may fail.
    r = e.bd("fault", "router-graceful-restart", "--for", "1", "--recover-within", "120",
             "-o", "json", timeout=400)
    rep = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    probes = rep.get("probes", [])
    c.check(r.returncode == 0 and rep.get("recovered") and probes and
            all(p["failed"] == 0 for p in probes),
            f"fault router-graceful-restart on kind: not one of "
            f"{sum(p['sent'] for p in probes)} probes lost",
            (r.returncode, rep.get("timeline"), probes, r.stderr[-800:]))
    D.log("figure: kind fault router-graceful-restart: " +
          next((x["detail"] for x in rep.get("timeline", []) if x["event"] == "fault started"),
               "no timeline"))
    r = e.bd("fault", "speaker-stop", "cilium-worker")
    c.check(r.returncode == 2 and "node-stop" in r.stderr,
            "speaker-stop on kind: a usage error naming what kind can do", r.stderr[-400:])


def main():
    global ARGS
    ARGS = parse_args()

    def setup():
        D.require_docker()
        if not os.access(ARGS.bgpdemo, os.X_OK):
            raise D.Fatal(f"{ARGS.bgpdemo} is not an executable")
    return D.run("kind.e2e", "bgpdemo up --provider kind on a private Docker engine", body,
                 setup=setup)


if __name__ == "__main__":
    sys.exit(main())
