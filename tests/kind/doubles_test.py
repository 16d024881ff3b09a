#!/usr/bin/env python3
"""The test doubles for kind, kubectl, helm and cilium (tests/kind/doubles/) on a private
Docker engine: two clusters made in parallel from `bgpdemo render`'s files, Cilium
"installed" with Helm, nginx, LB pools and the BGP resources applied (BGPv1 on cluster
cilium, BGPv2 on cilium2), a gobgpd route server in a container on both networks, and the
real tools' output formats checked along the way.

  private dockerd (tests/kind/dockerlab.py)    image bgpdemo-kind-node (tests/kind/node)

  kind  (a free 172.x.1.0/24)                        kind2 (172.x.2.0/24)
    cilium-control-plane, -worker, -worker2            cilium2-control-plane, -worker, -worker2
    AS 65100, CiliumBGPPeeringPolicy (1.14)            AS 65200, BGPv2 trio (1.19)
         \\                                              /
          +------ .254 router: gobgpd AS 65000, dynamic neighbors per network, .254 --+

Checks: versions; `kind get clusters` empty and full; parallel `kind create cluster` (nodes
as containers with kind's names, labels, network, hostname; kubeconfig contexts); the
"already exist" error; `kubectl get nodes -o json` (pod CIDRs, InternalIP, labels); CRDs
missing before Cilium; `helm` without `repo add`; Helm's release output; `cilium status
--wait`; direct routes between nodes; Deployment pods (names, nodes, IPs, HTTP answers via
`kubectl exec curl`, exit codes passed through); LB IPs (first usable address) answering on
every node; apply created/unchanged; BGP sessions established with the router
(`cilium bgp peers` JSON shape and table), pod CIDRs and LB IPs in the router's RIB,
listening on 179 only where annotated; traffic across the clusters through the router;
failure injection (kind-create, helm-timeout, no-lb-ip) and resuming after it; `kind delete
cluster` (idempotent, keeps networks, removes contexts). Prints "N passed, M failed" last;
exit 0, 1, or 77 (skip) when Docker or dockerlab.py is missing.

  python3 tests/kind/doubles_test.py --bgpdemo build/bgpdemo --cache-dir build/docker-cache
      [--dockerlab-dir DIR] [--keep] [-v]
"""

import argparse
import concurrent.futures
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DOUBLES = os.path.join(HERE, "doubles")
NODE_IMAGE = "bgpdemo-kind-node"
ROUTER = "bgpdemo-doubles-router"
ROUTER_AS = 65000

sys.path.insert(0, DOUBLES)
import fakeyaml  # noqa: E402
import doubles_kube as kube_cases  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bgpdemo", help="bgpdemo, for `render` (default: the checked-in files "
                                     "of tests/data/render)")
    p.add_argument("--cache-dir", default=os.environ.get("BGPDEMO_DOCKER_CACHE"),
                   help="keeps the base rootfs and saved images between runs")
    p.add_argument("--dockerlab-dir", default=HERE,
                   help="where dockerlab.py and node/Dockerfile are (default: tests/kind)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("-v", "--verbose", action="store_true", help="print every command run")
    return p.parse_args()


ARGS = parse_args()
if not os.path.exists(os.path.join(ARGS.dockerlab_dir, "dockerlab.py")):
    print(f"SKIP: {ARGS.dockerlab_dir}/dockerlab.py is missing (branch kind-docker); pass "
          f"--dockerlab-dir")
    sys.exit(77)
sys.path.insert(0, ARGS.dockerlab_dir)
import dockerlab as D  # noqa: E402
import docker_images as I  # noqa: E402


class Net:
    def __init__(self, name, subnet, cluster, asn):
        self.name, self.cluster, self.asn = name, cluster, asn
        self.subnet = ipaddress.ip_network(subnet)
        self.router_ip = str(self.subnet.network_address + 254)
        self.context = f"kind-{cluster}"


def free_subnets():
    """Two /24s (172.X.1.0/24, 172.X.2.0/24) that no route of this machine overlaps."""
    used = []
    out = subprocess.run(["ip", "-4", "route", "show", "table", "all"], capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        w = line.split()[0] if line.split() else ""
        if w in ("local", "broadcast", "unreachable", "blackhole"):
            w = line.split()[1]
        try:
            used.append(ipaddress.ip_network(w if "/" in w else w + "/32", strict=False))
        except ValueError:
            pass
    for x in range(31, 15, -1):
        cand = [ipaddress.ip_network(f"172.{x}.{i}.0/24") for i in (1, 2)]
        if not any(c.overlaps(u) for c in cand for u in used if u.prefixlen > 0):
            return [str(c) for c in cand]
    raise D.Fatal("no free pair of /24s in 172.16.0.0/12 for the test networks")


def router_toml(nets):
    groups = "".join(f"""
[[peer-groups]]
  [peer-groups.config]
    peer-group-name = "{n.cluster}"
    peer-as = {n.asn}
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
[[dynamic-neighbors]]
  [dynamic-neighbors.config]
    prefix = "{n.subnet}"
    peer-group = "{n.cluster}"
""" for n in nets)
    return f"""# The route server of the test: passive dynamic neighbors per network, as bgpdemo router.
[global.config]
  as = {ROUTER_AS}
  router-id = "{nets[0].router_ip}"
  port = 179
{groups}"""


class Suite:
    def __init__(self, c, d, workdir):
        self.c, self.d, self.dir = c, d, workdir
        self.env = dict(d.env)
        self.env.update(PATH=DOUBLES + os.pathsep + d.env["PATH"],
                        BGPDEMO_FAKE_K8S_STATE=os.path.join(workdir, "state"),
                        KUBECONFIG=os.path.join(workdir, "kubeconfig"),
                        BGPDEMO_KIND_NODE_IMAGE=f"{NODE_IMAGE}:latest",
                        HOME=workdir)
        self.env.pop("BGPDEMO_FAKE_FAIL", None)

    def tool(self, *argv, fail=None, extra=None, timeout=180, input=None):
        env = dict(self.env)
        if fail:
            env["BGPDEMO_FAKE_FAIL"] = fail
        env.update(extra or {})
        if ARGS.verbose:
            D.log(f"  $ {'BGPDEMO_FAKE_FAIL=' + fail + ' ' if fail else ''}{' '.join(argv)}")
        try:
            return subprocess.run(list(argv), capture_output=True, text=True, env=env,
                                  timeout=timeout, input=input)
        except subprocess.TimeoutExpired:
            raise D.Fatal(f"timed out after {timeout}s: {' '.join(argv)}")

    def ok(self, *argv, **kw):
        r = self.tool(*argv, **kw)
        if r.returncode != 0:
            raise D.Fatal(f"`{' '.join(argv)}` failed ({r.returncode}): {r.stderr.strip()}")
        return r

    def kjson(self, ctx, *argv):
        return json.loads(self.ok("kubectl", "--context", ctx, *argv, "-o", "json").stdout)

    def docker(self, *args, check=True):
        return self.d.docker(*args, check=check)


def render(s, nets):
    """The two clusters' files: `bgpdemo render` (cilium from two-cluster, cilium2 from
    two-cluster-v2), else the checked-in copies with the router addresses filled in."""
    out = {}
    for n, scenario in zip(nets, ("two-cluster", "two-cluster-v2")):
        dest = os.path.join(s.dir, "render", scenario)
        if ARGS.bgpdemo:
            argv = [ARGS.bgpdemo, "render", "--scenario", scenario, "-o", dest]
            for m in nets:
                argv += ["--router-address", f"{m.name}={m.router_ip}",
                         "--network-subnet", f"{m.name}={m.subnet}"]
            r = subprocess.run(argv, capture_output=True, text=True)
            if r.returncode != 0:
                raise D.Fatal(f"bgpdemo render failed: {r.stderr.strip()}")
        else:
            shutil.copytree(os.path.join(REPO, "tests", "data", "render", scenario), dest)
            for root, _, files in os.walk(dest):
                for f in files:
                    p = os.path.join(root, f)
                    text = open(p).read()
                    for m in sorted(nets, key=lambda m: -len(m.name)):
                        text = text.replace(f"ROUTER_ADDRESS_ON_{m.name}", m.router_ip)
                    open(p, "w").write(text)
        out[n.cluster] = os.path.join(dest, n.cluster)
    return out


def body(c):
    I.with_node_engine(c, ARGS, "kd", os.path.join(ARGS.dockerlab_dir, "node"),
                       lambda d, workdir: run_suite(c, Suite(c, d, workdir)))


def run_suite(c, s):
    d = s.d
    # --- versions and an empty machine ------------------------------------------------------
    c.check(s.ok("kind", "version").stdout == "kind v0.20.0 go1.20.4 linux/amd64\n", "kind version")
    c.check(s.ok("helm", "version", "--short").stdout == "v3.12.3+g3a31588\n", "helm version --short")
    c.check(s.ok("cilium", "version", "--client").stdout ==
            "cilium-cli: v0.15.7 compiled with go1.21.0 on linux/amd64\n"
            "cilium image (default): v1.14.1\ncilium image (stable): unknown\n",
            "cilium version --client (cilium-cli's three lines)")
    kv = json.loads(s.ok("kubectl", "version", "--client", "-o", "json").stdout)
    c.check(kv["clientVersion"]["gitVersion"] == "v1.27.3" and kv["clientVersion"]["minor"] == "27",
            "kubectl version --client -o json")
    r = s.ok("kind", "get", "clusters")
    c.check(r.stdout == "" and r.stderr == "No kind clusters found.\n",
            "kind get clusters with none: stderr only", repr(r.stderr))

    subnets = free_subnets()
    nets = [Net("kind", subnets[0], "cilium", 65100), Net("kind2", subnets[1], "cilium2", 65200)]
    for n in nets:
        d.network_create(n.name, str(n.subnet))
    files = render(s, nets)

    # --- failure injection: kind create ----------------------------------------------------
    r = s.tool("kind", "create", "cluster", "--name", "broken", "--config",
               os.path.join(files["cilium"], "kind.yaml"), fail="no-lb-ip,kind-create",
               extra={"KIND_EXPERIMENTAL_DOCKER_NETWORK": "kind"})
    c.check(r.returncode == 1 and "ERROR: failed to create cluster: failed to pull image "
            "\"kindest/node:v1.27.3@sha256:" in r.stderr and " ✗ Ensuring node image" in r.stderr,
            "BGPDEMO_FAKE_FAIL=kind-create: kind's pull error, exit 1", r.stderr[-400:])
    left = s.docker("ps", "-aq", "--filter", "label=io.x-k8s.kind.cluster=broken").stdout.strip()
    c.check(not left and "kind-broken" not in _read(s.env["KUBECONFIG"]),
            "a failed create leaves no container and no context")

    # --- dual stack: kind's subnet validation, and a network without IPv6 -------------------
    dual_cfg = os.path.join(s.dir, "dual.yaml")
    for pods, problem in (("10.9.0.0/16,10.8.0.0/16", "expected one (IPv4 or IPv6) CIDR or two "
                           "CIDRs from each family for dual-stack networking"),
                          ("10.9.0.0/16,fd00::/56,fd01::/56", "expected one (IPv4 or IPv6) CIDR "
                           "or two CIDRs from each family for dual-stack networking"),
                          ("10.9.0.0/16,nonsense", 'failed to parse cidr value:"nonsense"')):
        with open(dual_cfg, "w") as f:
            f.write("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n"
                    f"  ipFamily: dual\n  podSubnet: \"{pods}\"\n")
        r = s.tool("kind", "create", "cluster", "--name", "dual", "--config", dual_cfg)
        c.check(r.returncode == 1 and r.stderr.startswith(
            f"ERROR: failed to create cluster: invalid pod subnet {problem}"),
            f"kind: ipFamily dual with podSubnet {pods}: kind's validation error", r.stderr)
    with open(dual_cfg, "w") as f:
        f.write("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n"
                "  ipFamily: dual\nnodes:\n- role: control-plane\n")
    r = s.tool("kind", "create", "cluster", "--name", "dual", "--config", dual_cfg,
               extra={"KIND_EXPERIMENTAL_DOCKER_NETWORK": "kind"})
    left = s.docker("ps", "-aq", "--filter", "label=io.x-k8s.kind.cluster=dual").stdout.strip()
    c.check(r.returncode == 1 and "ERROR: failed to create cluster: failed to generate kubeadm "
            "config content: failed to get IPv6 address for node dual-control-plane; is docker "
            "configured to use IPv6 correctly?" in r.stderr and not left,
            "kind: a dual-stack cluster on a network without IPv6 fails as kind does, nothing "
            "left", r.stderr[-400:])

    # --- two clusters in parallel ----------------------------------------------------------
    t = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        futs = {n.cluster: ex.submit(s.tool, "kind", "create", "cluster", "--name", n.cluster,
                                     "--config", os.path.join(files[n.cluster], "kind.yaml"),
                                     extra={"KIND_EXPERIMENTAL_DOCKER_NETWORK": n.name},
                                     timeout=600)
                for n in nets}
    results = {k: f.result() for k, f in futs.items()}
    took = time.monotonic() - t
    for n in nets:
        r = results[n.cluster]
        c.check(r.returncode == 0, f"kind create cluster --name {n.cluster} on {n.name} "
                                   f"(both in parallel: {took:.1f}s)", r.stderr[-800:])
        c.check(all(line in r.stderr.splitlines() for line in (
            f"Creating cluster \"{n.cluster}\" ...",
            " ✓ Ensuring node image (kindest/node:v1.27.3) 🖼",
            "WARNING: Here be dragons! This is not supported currently.",
            f"Set kubectl context to \"kind-{n.cluster}\"")),
            f"kind's progress lines for {n.cluster}", r.stderr)
    if any(r.returncode for r in results.values()):
        raise D.Fatal("the clusters could not be created")
    c.check(s.ok("kind", "get", "clusters").stdout == "cilium\ncilium2\n", "kind get clusters")
    want_nodes = {n.cluster: [f"{n.cluster}-control-plane", f"{n.cluster}-worker",
                              f"{n.cluster}-worker2"] for n in nets}
    for n in nets:
        got = s.ok("kind", "get", "nodes", "--name", n.cluster).stdout.split()
        c.check(got == want_nodes[n.cluster], f"kind get nodes --name {n.cluster}", repr(got))
        info = s.d.json("inspect", *want_nodes[n.cluster])
        c.check(all(i["Config"]["Hostname"] == i["Name"].lstrip("/") and
                    list(i["NetworkSettings"]["Networks"]) == [n.name] and
                    i["Config"]["Labels"].get("io.x-k8s.kind.cluster") == n.cluster and
                    i["Config"]["Labels"].get("io.x-k8s.kind.role") ==
                    ("control-plane" if "control-plane" in i["Name"] else "worker") and
                    ("NET_ADMIN" in (i["HostConfig"]["CapAdd"] or []) or
                     i["HostConfig"]["Privileged"]) for i in info),
                f"{n.cluster}'s nodes: containers with kind's hostnames, labels, network {n.name}")
    kc = fakeyaml.load(_read(s.env["KUBECONFIG"]))
    ctxs = sorted(e["name"] for e in kc["contexts"])
    c.check(ctxs == ["kind-cilium", "kind-cilium2"] and
            sorted(e["name"] for e in kc["clusters"]) == ctxs and
            sorted(e["name"] for e in kc["users"]) == ctxs, "kubeconfig: cluster, user and "
                                                           "context kind-NAME for each", repr(kc))
    r = s.tool("kind", "create", "cluster", "--name", "cilium", "--config",
               os.path.join(files["cilium"], "kind.yaml"))
    c.check(r.returncode == 1 and r.stderr == "ERROR: failed to create cluster: node(s) already "
            "exist for a cluster with the name \"cilium\"\n", "create again: kind's error",
            r.stderr)

    node_ip = {}
    for n, pods in zip(nets, ("10.241", "10.242")):
        nodes = s.kjson(n.context, "get", "nodes")["items"]
        names = [x["metadata"]["name"] for x in nodes]
        cidrs = [x["spec"]["podCIDR"] for x in nodes]
        for x in nodes:
            node_ip[x["metadata"]["name"]] = next(a["address"] for a in x["status"]["addresses"]
                                                  if a["type"] == "InternalIP")
        c.check(names == want_nodes[n.cluster] and
                cidrs == [f"{pods}.0.0/24", f"{pods}.1.0/24", f"{pods}.2.0/24"],
                f"get nodes -o json ({n.cluster}): a /24 of podSubnet each, control plane first",
                f"{names} {cidrs}")
        c.check(all(node_ip[m] == s.d.container_ip(m, n.name) for m in names) and
                all(x["metadata"]["labels"].get("kubernetes.io/os") == "linux" and
                    x["metadata"]["labels"].get("kubernetes.io/hostname") == x["metadata"]["name"]
                    and ("node-role.kubernetes.io/control-plane" in x["metadata"]["labels"]) ==
                    x["metadata"]["name"].endswith("control-plane") and
                    isinstance(x["metadata"]["annotations"], dict) for x in nodes),
                f"get nodes -o json ({n.cluster}): InternalIP = the container's address, labels")

    # --- before Cilium -------------------------------------------------------------------------
    r = s.tool("kubectl", "--context", "kind-cilium", "apply", "-f",
               os.path.join(files["cilium"], "lb-ippool.yaml"))
    c.check(r.returncode == 1 and r.stderr.startswith(
        "error: resource mapping not found for name: \"bgpdemo\" namespace: \"\" from ") and
        "no matches for kind \"CiliumLoadBalancerIPPool\" in version \"cilium.io/v2alpha1\"\n"
        "ensure CRDs are installed first" in r.stderr, "no Cilium: kubectl's CRD error", r.stderr)
    helm_args = {n.cluster: ["helm", "upgrade", "--install", "cilium", "cilium/cilium",
                             "--version", ver, "--namespace", "kube-system", "--kube-context",
                             n.context, "-f", os.path.join(files[n.cluster], "cilium-values.yaml"),
                             "--wait", "--timeout", "10m"]
                 for n, ver in zip(nets, ("1.14.0", "1.19.0"))}
    r = s.tool(*helm_args["cilium"])
    c.check(r.returncode == 1 and r.stderr == "Error: repo cilium not found\n",
            "helm upgrade before repo add: helm's error", r.stderr)
    r = s.tool("cilium", "status", "--context", "kind-cilium")
    c.check(r.returncode == 1 and "daemonsets.apps \"cilium\" not found" in r.stdout,
            "cilium status without Cilium: exit 1")

    # --- Cilium ----------------------------------------------------------------------------
    r = s.ok("helm", "repo", "add", "cilium", "https://helm.cilium.io/", "--force-update")
    c.check(r.stdout == "\"cilium\" has been added to your repositories\n", "helm repo add")
    for n in nets:
        r = s.tool(*helm_args[n.cluster])
        c.check(r.returncode == 0 and all(x in r.stdout.splitlines() for x in (
            "NAME: cilium", "NAMESPACE: kube-system", "STATUS: deployed", "REVISION: 1")) and
            re.search(r"^LAST DEPLOYED: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$", r.stdout, re.M),
            f"helm upgrade --install ({n.cluster}): helm's release output", r.stdout + r.stderr)
        r = s.tool("cilium", "status", "--wait", "--wait-duration", "5m", "--context", n.context)
        c.check(r.returncode == 0 and re.search(r"Cilium:\s+OK", r.stdout) and
                "DaemonSet              cilium             Desired: 3, Ready: 3/3" in r.stdout,
                f"cilium status --wait ({n.cluster})", r.stdout + r.stderr)
    routes = s.docker("exec", "cilium-worker", "ip", "-4", "route").stdout
    c.check(f"10.241.0.0/24 via {node_ip['cilium-control-plane']}" in routes and
            f"10.241.2.0/24 via {node_ip['cilium-worker2']}" in routes,
            "direct routes to the other nodes' pod CIDRs (autoDirectNodeRoutes)", routes)

    # --- nginx, LB IPs ----------------------------------------------------------------------
    pods_of = {}
    for n in nets:
        r = s.ok("kubectl", "--context", n.context, "apply", "-f",
                 os.path.join(files[n.cluster], "nginx.yaml"))
        c.check(r.stdout == "deployment.apps/nginx created\nservice/nginx created\n",
                f"apply nginx.yaml ({n.cluster})", r.stdout)
        r = s.ok("kubectl", "rollout", "status", "deployment/nginx", "--timeout=120s",
                 "--context", n.context)
        c.check(r.stdout.endswith("deployment \"nginx\" successfully rolled out\n"),
                f"rollout status ({n.cluster})", r.stdout)
        pods = s.kjson(n.context, "get", "pods", "-l", "app=nginx")["items"]
        pods_of[n.cluster] = pods
        cidr = {x["metadata"]["name"]: x["spec"]["podCIDR"]
                for x in s.kjson(n.context, "get", "nodes")["items"]}
        c.check(len(pods) == 2 and
                all(re.fullmatch(r"nginx-[a-z0-9]{10}-[a-z0-9]{5}", p["metadata"]["name"]) and
                    p["status"]["phase"] == "Running" and p["metadata"]["labels"]["app"] == "nginx"
                    and ipaddress.ip_address(p["status"]["podIP"]) in
                    ipaddress.ip_network(cidr[p["spec"]["nodeName"]]) for p in pods) and
                sorted(p["spec"]["nodeName"] for p in pods) ==
                [f"{n.cluster}-worker", f"{n.cluster}-worker2"],
                f"get pods -l app=nginx -o json ({n.cluster}): 2 Running, one per worker, IPs "
                f"from the node's pod CIDR", json.dumps(pods)[:600])
        svc = s.kjson(n.context, "get", "service", "nginx")
        c.check(svc["spec"]["type"] == "LoadBalancer" and svc["status"]["loadBalancer"] == {},
                f"no LB IP without a pool ({n.cluster})")
        r = s.ok("kubectl", "--context", n.context, "apply", "-f",
                 os.path.join(files[n.cluster], "lb-ippool.yaml"))
        c.check(r.stdout == "ciliumloadbalancerippool.cilium.io/bgpdemo created\n",
                f"apply lb-ippool.yaml ({n.cluster})", r.stdout)
        r = s.ok("kubectl", "--context", n.context, "apply", "-f",
                 os.path.join(files[n.cluster], "nginx.yaml"))
        c.check(r.stdout == "deployment.apps/nginx unchanged\nservice/nginx unchanged\n",
                f"apply nginx.yaml again: unchanged ({n.cluster})", r.stdout)
    # A dual-stack Service on these IPv4 clusters: refused as the API server refuses it.
    dual = ("apiVersion: v1\nkind: Service\nmetadata: {name: dual}\nspec:\n  type: "
            "LoadBalancer\n  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv4, IPv6]\n"
            "  selector: {app: nginx}\n  ports: [{port: 80}]\n")
    r = s.tool("kubectl", "--context", "kind-cilium", "apply", "-f", "-", input=dual)
    c.check(r.returncode == 1 and r.stderr.strip().endswith(
        'The Service "dual" is invalid: [spec.ipFamilyPolicy: Invalid value: "RequireDualStack": '
        'this cluster is not configured for dual-stack services, spec.ipFamilies[1]: Invalid '
        'value: "IPv6": not configured on this cluster]'),
        "a RequireDualStack Service on an IPv4 cluster is refused (kube-apiserver's words)",
        r.stderr)
    lb = {}
    for n, want in zip(nets, ("10.21.0.1", "10.22.0.1")):
        svc = s.kjson(n.context, "get", "service", "nginx")
        lb[n.cluster] = (svc["status"]["loadBalancer"].get("ingress") or [{}])[0].get("ip")
        c.check(lb[n.cluster] == want, f"LB IP {want}: the pool's first usable address "
                                       f"({n.cluster})", json.dumps(svc["status"]))

    # --- data plane inside a cluster ----------------------------------------------------------
    p1, p2 = pods_of["cilium"]
    r = s.tool("kubectl", "--context", "kind-cilium", "exec", p1["metadata"]["name"], "--",
               "curl", "-s", "-m", "5", f"http://{p2['status']['podIP']}/")
    c.check(r.returncode == 0 and r.stdout == f"nginx pod {p2['metadata']['name']}\n",
            "kubectl exec curl: a pod answers another pod with its name", r.stdout + r.stderr)
    r = s.tool("kubectl", "--context", "kind-cilium", "exec", p1["metadata"]["name"], "--",
               "curl", "-s", "-m", "5", f"http://{p2['status']['podIP']}:81/")
    c.check(r.returncode == 7 and r.stderr == "command terminated with exit code 7\n",
            "kubectl exec: the exit code passes through", f"{r.returncode} {r.stderr}")
    for n in nets:
        names = {p["metadata"]["name"] for p in pods_of[n.cluster]}
        answers = {}
        for m in want_nodes[n.cluster]:
            r = s.docker("exec", m, "curl", "-s", "-m", "5", f"http://{lb[n.cluster]}/", check=False)
            answers[m] = r.stdout.strip()
        c.check(all(a.startswith("nginx pod ") and a.split()[-1] in names
                    for a in answers.values()),
                f"LB IP {lb[n.cluster]} answers on every node with a real pod ({n.cluster})",
                repr(answers))

    # --- BGP ----------------------------------------------------------------------------------
    rt = f"{ROUTER}"
    s.docker("run", "-d", "--name", rt, "--hostname", rt, "--cap-add", "NET_ADMIN",
             "--sysctl", "net.ipv4.ip_forward=1", "--net", nets[0].name, "--ip",
             nets[0].router_ip, "--entrypoint", "sleep", f"{NODE_IMAGE}:latest", "infinity")
    s.docker("network", "connect", "--ip", nets[1].router_ip, nets[1].name, rt)
    d.docker("exec", "-i", rt, "sh", "-c", "cat > /etc/router.toml", input=router_toml(nets))
    d.docker("exec", "-d", rt, "sh", "-c", "exec gobgpd -f /etc/router.toml --api-hosts "
             "127.0.0.1:50051 --pprof-disable > /tmp/gobgpd.log 2>&1")
    c.wait("the route server (gobgpd) answers", lambda: d.docker(
        "exec", rt, "gobgp", "global", check=False).returncode == 0, 20, fatal=True)

    for m in want_nodes["cilium"]:
        r = s.ok("kubectl", "--context", "kind-cilium", "annotate", "node", m, "--overwrite",
                 "cilium.io/bgp-virtual-router.65100=local-port=179")
        c.check(r.stdout == f"node/{m} annotated\n", f"annotate node {m}", r.stdout)
    r = s.ok("kubectl", "--context", "kind-cilium", "apply", "-f",
             os.path.join(files["cilium"], "bgp-peering-policy.yaml"))
    c.check(r.stdout == "ciliumbgppeeringpolicy.cilium.io/bgpdemo created\n",
            "apply the BGPv1 peering policy (cilium)", r.stdout)
    out = ""
    for f in ("bgp-peer-config", "bgp-advertisement", "bgp-cluster-config"):
        out += s.ok("kubectl", "--context", "kind-cilium2", "apply", "-f",
                    os.path.join(files["cilium2"], f + ".yaml")).stdout
    c.check(out == "ciliumbgppeerconfig.cilium.io/bgpdemo created\n"
                   "ciliumbgpadvertisement.cilium.io/bgpdemo created\n"
                   "ciliumbgpclusterconfig.cilium.io/bgpdemo created\n",
            "apply the BGPv2 resources (cilium2)", out)

    def peers(ctx):
        r = s.tool("cilium", "bgp", "peers", "-o", "json", "--context", ctx)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def all_established():
        for n in nets:
            p = peers(n.context)
            if not p or any(len(v) != 1 or v[0].get("session-state") != "established"
                            for v in p.values()):
                return False
        return True

    # gobgpd 3.10 waits rand(5)+5 s before its first dial.
    c.wait("every node's session with the router is established", all_established, 60,
           interval=1, detail=lambda: json.dumps({n.cluster: peers(n.context) for n in nets})[:1500])
    def peers_ok(n):
        p = peers(n.context) or {}
        fam_ok = True
        for node, lst in p.items():
            peer = lst[0] if lst else {}
            v4 = next((f for f in peer.get("families", []) if f.get("afi") == "ipv4"), {})
            fam_ok &= (peer.get("local-asn") == n.asn and peer.get("peer-asn") == ROUTER_AS and
                       peer.get("peer-address") == n.router_ip and peer.get("peer-port") == 179 and
                       peer.get("uptime-nanoseconds", 0) > 0 and v4.get("safi") == "unicast" and
                       v4.get("advertised") == 2)
        return sorted(p) == want_nodes[n.cluster] and fam_ok

    for n in nets:
        # Polled: a session that has just come up may not have sent its routes yet.
        c.wait(f"cilium bgp peers -o json ({n.cluster}): node -> peers, ASNs, address, port, "
               f"uptime, ipv4/unicast advertised 2 (pod CIDR + LB IP)", lambda n=n: peers_ok(n),
               10, interval=0.5, detail=lambda n=n: json.dumps(peers(n.context))[:1500])
    r = s.ok("cilium", "bgp", "peers", "--context", "kind-cilium")
    lines = r.stdout.splitlines()
    c.check(lines[0].split() == ["Node", "Local", "AS", "Peer", "AS", "Peer", "Address",
                                 "Session", "State", "Uptime", "Family", "Received",
                                 "Advertised"] and len(lines) == 7 and
            lines[1].startswith("cilium-control-plane   65100 ") and
            lines[2].split() == ["ipv6/unicast", "0", "0"],
            "cilium bgp peers: the table (a row per family, node named once)", r.stdout)

    def rib():
        out = d.docker("exec", rt, "gobgp", "global", "rib", "-j", check=False).stdout
        try:
            return json.loads(out) if out.strip() else {}
        except ValueError:
            return {}
    want_rib = {f"10.241.{i}.0/24" for i in range(3)} | {f"10.242.{i}.0/24" for i in range(3)} | \
        {"10.21.0.1/32", "10.22.0.1/32"}
    c.wait("the router has every pod CIDR and both LB IPs", lambda: want_rib <= set(rib()), 30,
           detail=lambda: sorted(rib()))
    got = rib()
    c.check(len(got.get("10.21.0.1/32", [])) == 3 and len(got.get("10.22.0.1/32", [])) == 3,
            "each LB IP is advertised by all three nodes of its cluster",
            json.dumps({k: len(v) for k, v in got.items()}))
    listen1 = s.docker("exec", "cilium-worker", "ss", "-ltn").stdout
    listen2 = s.docker("exec", "cilium2-worker", "ss", "-ltn").stdout
    c.check(re.search(r":179\s", listen1) and not re.search(r":179\s", listen2),
            "gobgpd listens on 179 where annotated (cilium), not without (cilium2, BGPv2)",
            listen1 + listen2)

    # --- across the clusters, through the router ---------------------------------------------
    for prefix, paths in got.items():
        nh = next((a["nexthop"] for a in paths[0].get("attrs", []) if a.get("type") == 3), None)
        if nh:
            d.docker("exec", rt, "ip", "route", "replace", prefix, "via", nh)
    for n in nets:
        routes = fakeyaml.load(_read(os.path.join(files[n.cluster], "node-routes.yaml")))
        for m in routes["nodes"]:
            for rte in routes["routes"]:
                d.docker("exec", m, "ip", "route", "replace", rte["to"], "via", rte["via"])
    other = {"cilium": ("cilium2", "kind-cilium"), "cilium2": ("cilium", "kind-cilium2")}
    for cl, (peer, ctx) in other.items():
        src = pods_of[cl][0]["metadata"]["name"]
        names = {p["metadata"]["name"] for p in pods_of[peer]}
        r = s.tool("kubectl", "--context", ctx, "exec", src, "--", "curl", "-s", "-m", "5",
                   f"http://{lb[peer]}/")
        c.check(r.returncode == 0 and r.stdout.startswith("nginx pod ") and
                r.stdout.split()[-1] in names,
                f"a {cl} pod reaches {peer}'s LB IP {lb[peer]} through the router",
                r.stdout + r.stderr)
    r = d.docker("exec", rt, "curl", "-s", "-m", "5", f"http://{lb['cilium']}/", check=False)
    c.check(r.stdout.startswith("nginx pod "), "the router reaches cilium's LB IP", r.stdout)

    # --- the kube provider's view of existing clusters; a third cluster -------------------
    kube_cases.existing_clusters(c, s, nets, files)
    kube_cases.third_cluster(c, s, files)

    # --- delete ----------------------------------------------------------------------------
    for n in nets:
        r = s.ok("kind", "delete", "cluster", "--name", n.cluster)
        c.check(r.stderr == f"Deleting cluster \"{n.cluster}\" ...\nDeleted nodes: "
                f"[{' '.join(chr(34) + x + chr(34) for x in sorted(want_nodes[n.cluster]))}]\n",
                f"kind delete cluster --name {n.cluster}", r.stderr)
    left = s.docker("ps", "-aq", "--filter", "label=io.x-k8s.kind.cluster").stdout.strip()
    nets_left = s.docker("network", "ls", "--format", "{{.Name}}").stdout.split()
    kc = fakeyaml.load(_read(s.env["KUBECONFIG"])) or {}
    c.check(not left and {"kind", "kind2"} <= set(nets_left) and not kc.get("contexts"),
            "no node container and no context left; the networks stay", f"{left} {nets_left} {kc}")
    r = s.tool("kind", "delete", "cluster", "--name", "cilium")
    c.check(r.returncode == 0 and r.stderr == "Deleting cluster \"cilium\" ...\n",
            "kind delete again: idempotent", r.stderr)
    r = s.tool("kind", "get", "clusters")
    c.check(r.stdout == "" and r.stderr == "No kind clusters found.\n", "kind get clusters: none")
    r = s.tool("kubectl", "--context", "kind-cilium", "get", "nodes")
    c.check(r.returncode == 1 and r.stderr == "Error in configuration: context was not found "
            "for specified context: kind-cilium\n", "kubectl on a deleted cluster's context: "
            "kubectl's error", r.stderr)
    d.docker("rm", "-f", rt, check=False)


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def main():
    def setup():
        D.require_docker()
    return D.run("kind.doubles", "the kind/kubectl/helm/cilium test doubles on a private "
                 "Docker engine", body, setup=setup)


if __name__ == "__main__":
    sys.exit(main())
