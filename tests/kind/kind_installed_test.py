#!/usr/bin/env python3
"""An installed bgpdemo alone makes its router image and brings the kind demo up with it.

The binary is copied alone into an empty folder (no source tree next to it, none as the
working directory: that is an empty folder too); the private Docker engine has no router
image and no base image for it. `bgpdemo up --provider kind` (the test doubles of kind,
kubectl, helm and cilium in front of PATH, as kind.e2e) must make bgpdemo-router:<version>
from its own executable and libraries, FROM scratch, run the route server in it, and pass
`verify` (sessions, routes in the router's kernel read by `bgpdemo router kernel-routes`,
HTTP from the router by `bgpdemo probe`); then `down`. Prints the image's size and the
image step's time.

  python3 tests/kind/kind_installed_test.py --bgpdemo build/bgpdemo --cache-dir build/docker-cache
"""

import argparse
import ipaddress
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLES = os.path.join(HERE, "doubles")
NODE_IMAGE = "bgpdemo-kind-node"
sys.path.insert(0, HERE)
import dockerlab as D  # noqa: E402
import docker_images as I  # noqa: E402

ARGS = None


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bgpdemo", required=True, help="the binary to install (copied)")
    p.add_argument("--cache-dir", default=os.environ.get("BGPDEMO_DOCKER_CACHE"))
    p.add_argument("--keep", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args()


def free_subnets(n):
    """n /24s of 172.16/12 that no route of this machine overlaps."""
    out = subprocess.run(["ip", "-j", "route", "show", "table", "all"], capture_output=True,
                         text=True).stdout
    used = [ipaddress.ip_network(r["dst"] if "/" in r["dst"] else r["dst"] + "/32",
                                 strict=False)
            for r in json.loads(out or "[]")
            if r.get("dst", "default") != "default" and ":" not in r["dst"]]
    found = []
    for second in range(29, 16, -1):
        for third in range(100, 150):
            net = ipaddress.ip_network(f"172.{second}.{third}.0/24")
            if not any(net.overlaps(u) for u in used):
                found.append(net)
                if len(found) == n:
                    return found
    raise D.Fatal("no free 172.16/12 subnets")


def scenario_file(path, nets):
    with open(path, "w") as f:
        f.write(f"""description: two-cluster on free subnets, for the installed-binary test
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
""")
    return path


def body(c):
    def run_here(d, workdir):
        # Only the node image (for the doubles' nodes) may be there: no router image, and no
        # base it could be built from.
        d.docker("rmi", "debian:bookworm", check=False)
        run(c, d, workdir)

    I.with_node_engine(c, ARGS, "ki", os.path.join(HERE, "node"), run_here)


def run(c, d, workdir):
    prefix = os.path.join(workdir, "opt", "bin")
    os.makedirs(prefix)
    exe = os.path.join(prefix, "bgpdemo")
    shutil.copy2(ARGS.bgpdemo, exe)
    cwd = os.path.join(workdir, "elsewhere")
    os.makedirs(cwd)
    c.check(os.listdir(prefix) == ["bgpdemo"] and not os.listdir(cwd),
            f"bgpdemo installed alone in {prefix}; the working directory is empty")
    env = dict(d.env)
    env.pop("BGPDEMO_SELF", None)
    env.update(PATH=DOUBLES + os.pathsep + d.env["PATH"],
               BGPDEMO_FAKE_K8S_STATE=os.path.join(workdir, "k8s"),
               KUBECONFIG=os.path.join(workdir, "kubeconfig"),
               BGPDEMO_KIND_NODE_IMAGE=f"{NODE_IMAGE}:latest",
               BGPDEMO_STATE_DIR=os.path.join(workdir, "state"),
               BGPDEMO_FAKE_HELM_TIMEOUT_SECONDS="2",
               HOME=workdir)

    def bd(*args, timeout=900):
        r = subprocess.run([exe, *args], env=env, cwd=cwd, capture_output=True, text=True,
                           timeout=timeout)
        if ARGS.verbose:
            D.log(f"  $ bgpdemo {' '.join(args)} -> {r.returncode}\n{r.stdout}{r.stderr}")
        return r

    version = json.loads(bd("version", "-o", "json").stdout)["version"]
    image = f"bgpdemo-router:{version}"
    c.check(not d.image_exists(image), f"no {image} in the engine before up")

    scenario = scenario_file(os.path.join(workdir, "scenario.yaml"), free_subnets(2))
    with D.timed("up (the router image made from the installed binary)"):
        r = bd("up", "--provider", "kind", "--scenario", scenario, "--timeout", "120",
               "-o", "json")
    events = D.up_events(c, r, "up comes up with the image it made")
    step = next((e for e in events if e.get("step") == "image"), {})
    c.check(step.get("detail") == f"{image} built from {exe} (FROM scratch)",
            "the image step made it from the installed executable, FROM scratch", step)

    info = d.json("image", "inspect", image)[0]
    labels = info["Config"].get("Labels") or {}
    D.log(f"router image {image}: {info.get('Size', 0) / 1e6:.1f} MB, made in "
          f"{step.get('seconds', 0):.1f} s (the image step)")
    c.check(labels.get("org.opencontainers.image.version") == version and
            labels.get("org.opencontainers.image.base.name") == "scratch",
            f"the image's labels: version {version}, base scratch", labels)
    r = d.docker("run", "--rm", "--entrypoint", "/bin/sh", image, "-c", "true", check=False)
    c.check(r.returncode != 0, "no shell in the image: nothing but bgpdemo and its libraries",
            r.stdout + r.stderr)

    r = bd("verify", "-o", "json")
    rep = json.loads(r.stdout) if r.stdout.startswith("{") else {"checks": []}
    bad = [f"{x['group']} {x['name']}: {x['detail']}" for x in rep["checks"] if not x["ok"]]
    c.check(r.returncode == 0 and rep.get("failed") == 0 and rep.get("passed", 0) > 0,
            f"verify: {rep.get('passed')} checks pass (router kernel routes and HTTP from the "
            "router by bgpdemo's own verbs)", bad or r.stderr[-1000:])

    r = bd("down")
    c.check(r.returncode == 0, "down returns 0", r.stdout + r.stderr)
    c.check(not os.listdir(cwd), "nothing was written to the working directory",
            os.listdir(cwd))


def main():
    global ARGS
    ARGS = parse_args()

    def setup():
        D.require_docker()
        if not os.access(ARGS.bgpdemo, os.X_OK):
            raise D.Fatal(f"{ARGS.bgpdemo} is not an executable")
    return D.run("kind.installed", "an installed bgpdemo makes its router image and the "
                 "kind demo comes up with it", body, setup=setup)


if __name__ == "__main__":
    sys.exit(main())
