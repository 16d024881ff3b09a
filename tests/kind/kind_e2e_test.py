#!/usr/bin/env python3
"""`bgpdemo up --provider kind` end to end, on a private Docker engine with the test doubles
of kind, kubectl, helm and cilium (tests/kind/doubles/) in front of PATH, and the route
server in a real container whose image `up` makes from the bgpdemo executable.

  doctor -> failures first, each with a clear message and nothing half-made that a second
  up cannot resume from: kind create fails; Helm times out; the LB IP never comes; the
  router image fails to build; an image that does not exist -> then up (resuming) ->
  up again -> status -> peers -> verify (real HTTP across the two "clusters" through the
  real router container) -> routes -> down: no container, network or kubeconfig context
  left, and a network bgpdemo did not create is kept.

The scenario is the built-in two-cluster with subnets free on this machine. Prints
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


def scenario_file(workdir, nets):
    body = f"""description: two-cluster on free subnets, for the kind end-to-end test
cilium: {{version: 1.14.0}}
bgp: {{api: v1, hold_time: 9, keepalive: 3, connect_retry: 5}}
router: {{name: bgpdemo-router, as: 65000, mode: router}}
networks:
  - {{name: kind, subnet: {nets[0]}}}
  - {{name: kind2, subnet: {nets[1]}}}
clusters:
  - {{name: cilium, network: kind, pod_cidr: 10.241.0.0/16, service_cidr: 10.11.0.0/16,
      lb_pool: 10.21.0.0/24, as: 65100, workers: 2}}
  - {{name: cilium2, network: kind2, pod_cidr: 10.242.0.0/16, service_cidr: 10.12.0.0/16,
      lb_pool: 10.22.0.0/24, as: 65200, workers: 2}}
"""
    path = os.path.join(workdir, "e2e.yaml")
    with open(path, "w") as f:
        f.write(body)
    return path


class Env:
    def __init__(self, c, d, workdir):
        self.c, self.d, self.dir = c, d, workdir
        self.env = dict(d.env)
        self.env.update(PATH=DOUBLES + os.pathsep + d.env["PATH"],
                        BGPDEMO_FAKE_K8S_STATE=os.path.join(workdir, "k8s"),
                        KUBECONFIG=os.path.join(workdir, "kubeconfig"),
                        BGPDEMO_KIND_NODE_IMAGE=f"{NODE_IMAGE}:latest",
                        BGPDEMO_STATE_DIR=os.path.join(workdir, "state"),
                        BGPDEMO_FAKE_HELM_TIMEOUT_SECONDS="2",
                        HOME=workdir)
        self.env.pop("BGPDEMO_FAKE_FAIL", None)

    def bd(self, *args, fail=None, timeout=600, extra=None):
        env = dict(self.env)
        if fail:
            env["BGPDEMO_FAKE_FAIL"] = fail
        env.update(extra or {})
        t = time.monotonic()
        r = subprocess.run([ARGS.bgpdemo, *args], env=env, capture_output=True, text=True,
                           timeout=timeout)
        if ARGS.verbose:
            D.log(f"  $ {'BGPDEMO_FAKE_FAIL=' + fail + ' ' if fail else ''}bgpdemo "
                  f"{' '.join(args)} -> {r.returncode} in {time.monotonic() - t:.1f}s\n"
                  f"{r.stdout}{r.stderr}")
        return r


def body(c):
    workdir = D.make_workdir("bgpdemo-ke-")
    D.log(f"work directory {workdir}")
    failed_before = c.failed
    try:
        with D.PrivateDocker(os.path.join(workdir, "d"), verbose=ARGS.verbose) as d:
            cache = ARGS.cache_dir or os.path.join(workdir, "cache")
            os.makedirs(cache, exist_ok=True)
            base_key = D.ensure_base_image(d, cache, d.dir)
            how = D.ensure_image(d, NODE_IMAGE, os.path.join(HERE, "node"), cache_dir=cache,
                                 base_key=base_key)
            c.check(d.image_exists(NODE_IMAGE), f"node image {NODE_IMAGE} ({how})")
            version = subprocess.run([ARGS.bgpdemo, "version", "-o", "json"], capture_output=True,
                                     text=True).stdout
            # The router image is not here: up makes it (FROM scratch, from ARGS.bgpdemo).
            image = f"bgpdemo-router:{json.loads(version)['version']}"
            run_suite(c, Env(c, d, workdir), image)
            leftovers = d.cleanup()
            c.check(not leftovers, "the private Docker engine left nothing behind", f"{leftovers}")
    finally:
        if c.failed > failed_before or ARGS.keep:
            D.log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def contexts(e):
    try:
        with open(e.env["KUBECONFIG"]) as f:
            return re.findall(r"name: (kind-\S+)", f.read())
    except FileNotFoundError:
        return []


def run_suite(c, e, image):
    nets = free_subnets(2)
    scenario = scenario_file(e.dir, nets)
    up = ["up", "--provider", "kind", "--scenario", scenario, "--timeout", "90"]

    r = e.bd("doctor", "-o", "json")
    doc = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    c.check(r.returncode == 0 and doc.get("kind", {}).get("ok") is True,
            "doctor: docker, kind, helm, kubectl and cilium found with their versions",
            r.stdout + r.stderr)

    # A network of the user's with the scenario's name and subnet: used, never removed.
    e.d.docker("network", "create", "--subnet", str(nets[1]), "kind2")

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
    r = e.bd(*up, fail="helm-timeout")
    c.check(r.returncode == 1 and "helm upgrade --install" in r.stderr and
            "timed out waiting for the condition" in r.stderr,
            "Helm times out: up quotes helm's error", r.stderr[-600:])
    labels = (e.d.json("image", "inspect", image)[0]["Config"].get("Labels") or {}
              if e.d.image_exists(image) else {})
    c.check(labels.get("org.opencontainers.image.base.name") == "scratch",
            f"up made {image} from the executable, FROM scratch", labels)
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
            st.get("clusters") == ["cilium", "cilium2"] and st.get("networks_created") == ["kind"],
            "status: kind, both clusters, only network kind created by bgpdemo", st)

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

    r = e.bd("down")
    c.check(r.returncode == 0, "down returns 0", r.stdout + r.stderr)
    left = e.d.docker("ps", "-a", "--format", "{{.Names}} ({{.Image}}, {{.Status}})").stdout.splitlines()
    nets_left = e.d.docker("network", "ls", "--format", "{{.Name}}").stdout.split()
    c.check(not left, "down leaves no container", left)
    c.check("kind" not in nets_left and "kind2" in nets_left,
            "down removes the network it created and keeps the user's", nets_left)
    c.check(not contexts(e), "down leaves no kubeconfig context", contexts(e))
    c.check(not os.path.exists(os.path.join(e.env["BGPDEMO_STATE_DIR"], "state.json")),
            "down removes the state", os.listdir(e.dir))
    e.d.docker("network", "rm", "kind2")


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
