"""The simulated Kubernetes clusters behind the test doubles `kind`, `kubectl`, `helm` and
`cilium` (tests/kind/doubles/): state, locking, Docker, kubeconfig and the "controllers".

A cluster is real Docker containers (one per kind node, from $BGPDEMO_KIND_NODE_IMAGE, on
the Docker network kind would use) plus a JSON file of API objects. There is no API server
and no background controller: every double that reads or changes a cluster first takes
the cluster's lock, then reconcile() does synchronously what Kubernetes and Cilium would
have done by then (pods for Deployments, LB IPs for Services, direct routes between nodes,
gobgpd in every node as Cilium's BGP Control Plane configures its GoBGP), and pushes each
node's desired state into its container through fakenode.py (only when it changed).

State layout ($BGPDEMO_FAKE_K8S_STATE, default /tmp/bgpdemo-fake-k8s-<uid>):

    lock                     flock: kubeconfig, cluster creation and deletion, helm repos
    helm-repositories.json   {"cilium": {"url": "https://helm.cilium.io/"}}
    clusters/NAME.json       one cluster: config, nodes, Helm releases, objects, pods
    clusters/NAME.lock       flock held by any double that reads or changes NAME

Data flow:  CLI args -> command function -> Cluster (JSON) -> reconcile() -> node docs
            -> `docker exec NODE python3 /usr/local/bin/fakenode.py sync` (JSON on stdin).
"""

import contextlib
import datetime
import fcntl
import hashlib
import ipaddress
import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid

import fakeyaml

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_AGENT = os.path.join(HERE, "fakenode.py")
NODE_AGENT_IN_NODE = "/usr/local/bin/fakenode.py"

KIND_NODE_IMAGE_REF = ("kindest/node:v1.27.3@sha256:"
                       "3966ac761ae0136263ffdb6cfd4db23ef8a83cba8a463690e98317add2c9ba72")
K8S_VERSION = "v1.27.3"
CLUSTER_LABEL = "io.x-k8s.kind.cluster"
ROLE_LABEL = "io.x-k8s.kind.role"


class ToolError(Exception):
    """A failure the double reports as the real tool would: message on stderr, exit code."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.message = message
        self.code = code


def main_wrapper(fn):
    """Runs fn(argv) and maps ToolError to its message and exit code."""
    try:
        code = fn(sys.argv[1:])
    except ToolError as e:
        if e.message:
            sys.stderr.write(e.message.rstrip("\n") + "\n")
        sys.exit(e.code)
    except BrokenPipeError:
        sys.exit(1)
    sys.stdout.flush()
    sys.exit(code or 0)


# --------------------------------------------------------------------------------------
# Environment


def failures():
    """The failures injected through BGPDEMO_FAKE_FAIL (comma-separated)."""
    return {f.strip() for f in os.environ.get("BGPDEMO_FAKE_FAIL", "").split(",") if f.strip()}


def state_dir():
    d = os.environ.get("BGPDEMO_FAKE_K8S_STATE") or f"/tmp/bgpdemo-fake-k8s-{os.getuid()}"
    os.makedirs(os.path.join(d, "clusters"), exist_ok=True)
    return d


def node_image():
    return os.environ.get("BGPDEMO_KIND_NODE_IMAGE") or "bgpdemo-kind-node:latest"


def docker_binary():
    """Debian's docker (20.10, matching the daemon) when present, else docker on PATH."""
    if os.environ.get("BGPDEMO_DOCKER"):
        return os.environ["BGPDEMO_DOCKER"]
    if os.access("/usr/bin/docker", os.X_OK):
        return "/usr/bin/docker"
    return shutil.which("docker") or "docker"


def kubeconfig_paths():
    env = os.environ.get("KUBECONFIG")
    if env:
        return [p for p in env.split(":") if p]
    return [os.path.join(os.path.expanduser("~"), ".kube", "config")]


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def flocked(path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def global_lock():
    return flocked(os.path.join(state_dir(), "lock"))


def write_json_atomic(path, data):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def read_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


# --------------------------------------------------------------------------------------
# Docker


def docker(*args, check=True, input=None, timeout=120):
    """Runs the docker CLI; returns the CompletedProcess (text)."""
    argv = [docker_binary(), *args]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, input=input, timeout=timeout)
    except FileNotFoundError:
        raise ToolError(f"ERROR: failed to run docker ({argv[0]}): not found")
    except subprocess.TimeoutExpired:
        raise ToolError(f"ERROR: command \"{' '.join(argv)}\" timed out after {timeout}s")
    if check and r.returncode != 0:
        raise ToolError(f"ERROR: command \"{' '.join(['docker', *args])}\" failed with error: "
                        f"exit status {r.returncode}\nCommand Output: "
                        f"{(r.stderr or r.stdout).strip()}")
    return r


def docker_cluster_containers(cluster=None):
    """{container name: cluster} of every container with kind's cluster label."""
    flt = f"label={CLUSTER_LABEL}" + (f"={cluster}" if cluster else "")
    r = docker("ps", "-a", "--filter", flt, "--format",
               f'{{{{.Names}}}}\t{{{{.Label "{CLUSTER_LABEL}"}}}}')
    out = {}
    for line in r.stdout.splitlines():
        if "\t" in line:
            name, c = line.split("\t", 1)
            out[name] = c
    return out


def container_running(name):
    r = docker("inspect", "-f", "{{.State.Running}}", name, check=False)
    return r.returncode == 0 and r.stdout.strip() == "true"


# --------------------------------------------------------------------------------------
# kubeconfig


def load_kubeconfig(path):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None
    try:
        cfg = fakeyaml.load(text) or {}
    except fakeyaml.YamlError as e:
        raise ToolError(f"error: error loading config file \"{path}\": {e}")
    if not isinstance(cfg, dict):
        raise ToolError(f"error: error loading config file \"{path}\": not a mapping")
    return cfg


def merged_kubeconfig():
    """The merged view kubectl has of $KUBECONFIG: first file wins for each name."""
    out = {"clusters": {}, "contexts": {}, "users": {}, "current-context": ""}
    for p in kubeconfig_paths():
        cfg = load_kubeconfig(p)
        if not cfg:
            continue
        if not out["current-context"]:
            out["current-context"] = cfg.get("current-context") or ""
        for section, inner in (("clusters", "cluster"), ("contexts", "context"),
                               ("users", "user")):
            for e in cfg.get(section) or []:
                if isinstance(e, dict) and e.get("name") and e["name"] not in out[section]:
                    out[section][e["name"]] = e.get(inner) or {}
    return out


def _set_entry(cfg, section, inner, name, value):
    entries = [e for e in (cfg.get(section) or []) if isinstance(e, dict) and
               e.get("name") != name]
    if value is not None:
        entries.append({inner: value, "name": name} if section != "users" else
                       {"name": name, inner: value})
    cfg[section] = entries


def kubeconfig_add(context, server):
    """Writes cluster, user and context `context` into the first kubeconfig file and makes
    it current, as kind does. REQUIRES: the global lock."""
    path = kubeconfig_paths()[0]
    cfg = load_kubeconfig(path) or {}
    fake = lambda what: __import__("base64").b64encode(  # noqa: E731
        f"fake {what} for {context}\n".encode()).decode()
    _set_entry(cfg, "clusters", "cluster", context,
               {"certificate-authority-data": fake("CA"), "server": server})
    _set_entry(cfg, "contexts", "context", context, {"cluster": context, "user": context})
    _set_entry(cfg, "users", "user", context,
               {"client-certificate-data": fake("certificate"), "client-key-data": fake("key")})
    cfg["current-context"] = context
    ordered = {"apiVersion": "v1", "clusters": cfg["clusters"], "contexts": cfg["contexts"],
               "current-context": context, "kind": "Config",
               "preferences": cfg.get("preferences") or {}, "users": cfg["users"]}
    for k, v in cfg.items():
        ordered.setdefault(k, v)
    _write_kubeconfig(path, ordered)


def kubeconfig_remove(context):
    """Removes cluster, user and context `context` from every kubeconfig file holding it.
    REQUIRES: the global lock."""
    for path in kubeconfig_paths():
        cfg = load_kubeconfig(path)
        if not cfg:
            continue
        names = {e.get("name") for s in ("clusters", "contexts", "users")
                 for e in (cfg.get(s) or []) if isinstance(e, dict)}
        if context not in names:
            continue
        for section, inner in (("clusters", "cluster"), ("contexts", "context"),
                               ("users", "user")):
            _set_entry(cfg, section, inner, context, None)
        if cfg.get("current-context") == context:
            cfg["current-context"] = ""
        _write_kubeconfig(path, cfg)


def _write_kubeconfig(path, cfg):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(fakeyaml.dump(cfg))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def resolve_context(context, tool, style="", ns_given=False):
    """(cluster name, server) for a kubeconfig context; context None: the current one.
    tool picks the error style: "kubectl", "helm" or "cilium"; style refines it (see
    refused() and missing_context())."""
    kc = merged_kubeconfig()
    name = context or kc["current-context"]
    if not name:
        if tool == "kubectl":
            raise ToolError(refused("localhost:8080", "http://localhost:8080", style))
        raise ToolError(_context_error(tool, "invalid configuration: no configuration has "
                                             "been provided", style))
    ctx = kc["contexts"].get(name)
    if ctx is None:
        raise ToolError(missing_context(tool, name, style, ns_given))
    server = (kc["clusters"].get(ctx.get("cluster")) or {}).get("server", "")
    hostport = server.split("://", 1)[-1]
    if name not in unreachable_contexts():
        for f in os.listdir(os.path.join(state_dir(), "clusters")):
            if f.endswith(".json"):
                data = read_json(os.path.join(state_dir(), "clusters", f)) or {}
                if data.get("server") == server and data.get("ready"):
                    return data["name"], server
    if tool == "kubectl":
        raise ToolError(refused(hostport, server, style))
    if tool == "cilium" and isinstance(style, tuple):  # (the command's prefix, its first GET)
        raise ToolError(f"Error: {style[0]}: Get \"{server}{style[1]}\": dial tcp {hostport}: "
                        f"connect: connection refused")
    raise ToolError(_context_error(tool, f"Get \"{server}/version\": dial tcp {hostport}: "
                                         f"connect: connection refused", style))


def unreachable_contexts():
    """$BGPDEMO_FAKE_UNREACHABLE: contexts whose API server refuses connections."""
    return {c.strip() for c in os.environ.get("BGPDEMO_FAKE_UNREACHABLE", "").split(",")
            if c.strip()}


def klog_error(where, msg):
    """A klog line as kubectl 1.27 writes it on stderr: Lmmdd hh:mm:ss.uuuuuu PID file:line]."""
    t = time.time()
    return (f"E{time.strftime('%m%d %H:%M:%S', time.localtime(t))}.{int(t % 1 * 1e6):06d} "
            f"{os.getpid():>7} {where}] {msg}")


def refused(hostport, server, style=""):
    """kubectl 1.27 against an API server that refuses connections. Discovery first: client-go
    v0.27 discovery/cached/memory/memcache.go logs `couldn't get current server API group
    list` (five times for `get`), then cmdutil.CheckErr turns the *url.Error into `The
    connection to the server H was refused - did you specify the right host or port?`
    (k8s.io/kubectl/pkg/cmd/util/helpers.go standardErrorMessage). `apply` fails earlier,
    downloading the OpenAPI schema for validation (style "apply:SOURCE"); `version`
    (style "plain") prints the refused line only."""
    line = f"The connection to the server {hostport} was refused - did you specify the right " \
           f"host or port?"
    if style.startswith("apply:"):
        return (f"error: error validating \"{style[6:]}\": error validating data: failed to "
                f"download openapi: Get \"{server}/openapi/v2?timeout=32s\": dial tcp "
                f"{hostport}: connect: connection refused; if you choose to ignore these "
                f"errors, turn validation off with --validate=false")
    if style == "plain":
        return line
    mem = klog_error("memcache.go:265", f"couldn't get current server API group list: Get "
                                        f"\"{server}/api?timeout=32s\": dial tcp {hostport}: "
                                        f"connect: connection refused")
    extra = [style[5:]] if style.startswith("warn:") else []
    return "\n".join([mem] * 5 + extra + [line])


def missing_context(tool, name, style="", ns_given=False):
    """A context the kubeconfig does not have. kubectl 1.27 resolves the namespace first
    (DirectClientConfig.Namespace -> ConfirmUsable: errContextNotFound, printed by
    cmdutil.CheckErr as a configuration error) unless -n is given, which skips that; then
    ClientConfig's getContext says `context "X" does not exist` (client-go v0.27
    tools/clientcmd/client_config.go). Helm and cilium-cli wrap the latter."""
    if tool == "kubectl":
        if ns_given:
            return f"error: context \"{name}\" does not exist"
        return f"Error in configuration: context was not found for specified context: {name}"
    return _context_error(tool, f"context \"{name}\" does not exist", style)


def _context_error(tool, detail, style=""):
    """Helm 3.12 pkg/kube/client.go IsReachable: `Kubernetes cluster unreachable: ...`; `helm
    install` and `helm upgrade` (without --install) wrap it in `INSTALLATION FAILED` /
    `UPGRADE FAILED` (style). cilium-cli internal/cli/cmd/cmd.go: `unable to create Kubernetes
    client: ...` for a context it cannot load; an unreachable server fails per command
    (style is then the command's own prefix)."""
    if tool == "helm":
        return f"Error: {style + ': ' if style else ''}Kubernetes cluster unreachable: {detail}"
    return f"Error: unable to create Kubernetes client: {detail}"


# --------------------------------------------------------------------------------------
# Clusters


def cluster_path(name):
    return os.path.join(state_dir(), "clusters", f"{name}.json")


@contextlib.contextmanager
def cluster_lock(name):
    with flocked(os.path.join(state_dir(), "clusters", f"{name}.lock")):
        yield


class Cluster:
    """One simulated cluster: the JSON document of clusters/NAME.json, with helpers.
    Not thread-safe; REQUIRES: the cluster's lock while loaded and saved."""

    def __init__(self, data):
        self.d = data

    @staticmethod
    def load(name):
        data = read_json(cluster_path(name))
        if data is None:
            return None
        return Cluster(data)

    def save(self):
        write_json_atomic(cluster_path(self.name), self.d)

    @property
    def name(self):
        return self.d["name"]

    @property
    def nodes(self):
        """Node records in creation order (control plane first)."""
        return [self.d["nodes"][n] for n in self.d["node_order"]]

    def node(self, name):
        return self.d["nodes"].get(name)

    def next_rv(self):
        self.d["rv"] = self.d.get("rv", 1000) + 1
        return str(self.d["rv"])

    # --- Helm / Cilium --------------------------------------------------------------------

    def cilium_release(self):
        return self.d.get("releases", {}).get("kube-system/cilium")

    def cilium_version(self):
        """The version of the Cilium that runs (last successfully deployed), or None."""
        r = self.cilium_release()
        return r.get("installed_version") if r else None

    def cilium_values(self):
        r = self.cilium_release()
        return (r.get("installed_values") if r else None) or {}

    def cni_ready(self):
        return bool(self.cilium_version()) or not self.d["config"].get("disableDefaultCNI")

    def pod_cidrs(self, node):
        """The node's pod CIDRs that its pods get addresses from and Cilium advertises: where
        Cilium runs, those of the families it has on (the chart's ipv4.enabled, default true,
        and ipv6.enabled, default false), so an IPv4 Cilium on a dual-stack node gives pods
        no IPv6 and advertises none; every one under kind's own CNI."""
        if not self.cilium_version():
            return list(node["podCIDRs"])
        values = self.cilium_values()
        on = {4: (values.get("ipv4") or {}).get("enabled", True),
              6: (values.get("ipv6") or {}).get("enabled", False)}
        return [c for c in node["podCIDRs"] if on[6 if ":" in c else 4]]

    # --- objects --------------------------------------------------------------------------

    def objects(self, kind=None):
        return [o for o in self.d["objects"].values() if kind is None or o["kind"] == kind]

    def get(self, kind, name, namespace=""):
        return self.d["objects"].get(object_key(kind, namespace, name))

    def pods(self):
        return list(self.d["pods"].values())


def object_key(kind, namespace, name):
    return f"{kind}/{namespace or ''}/{name}"


def cilium_version_tuple(v):
    try:
        parts = v.lstrip("v").split("-")[0].split(".")
        return tuple(int(x) for x in parts[:3])
    except (AttributeError, ValueError):
        return (0, 0, 0)


# --------------------------------------------------------------------------------------
# Selectors


def labels_match(selector, labels):
    """Kubernetes LabelSelector semantics (matchLabels and matchExpressions). An empty
    selector matches everything; None matches nothing."""
    if selector is None:
        return False
    labels = labels or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != str(v):
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), [str(x) for x in e.get("values") or []]
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def parse_label_selector(text):
    """kubectl's -l syntax: a=b,c!=d,e (exists); returns a LabelSelector."""
    sel = {"matchLabels": {}, "matchExpressions": []}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "!=" in part:
            k, v = part.split("!=", 1)
            sel["matchExpressions"].append({"key": k.strip(), "operator": "NotIn",
                                            "values": [v.strip()]})
        elif "==" in part or "=" in part:
            k, v = part.split("==", 1) if "==" in part else part.split("=", 1)
            sel["matchLabels"][k.strip()] = v.strip()
        elif part.startswith("!"):
            sel["matchExpressions"].append({"key": part[1:], "operator": "DoesNotExist"})
        else:
            sel["matchExpressions"].append({"key": part, "operator": "Exists"})
    return sel


# --------------------------------------------------------------------------------------
# Names


_ALNUM = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand


def safe_encode(data, length):
    h = hashlib.sha256(data.encode()).digest()
    return "".join(_ALNUM[b % len(_ALNUM)] for b in h[:length])


def random_suffix(length=5):
    return "".join(random.choice(_ALNUM) for _ in range(length))


def new_uid():
    return str(uuid.uuid4())


def pick_free(prefix_net, used, skip_first=True, skip_last=True, start=None, stop=None):
    """The lowest address of prefix_net (or start..stop) not in used, or None."""
    net = ipaddress.ip_network(prefix_net, strict=False)
    lo = ipaddress.ip_address(start) if start else net.network_address
    hi = ipaddress.ip_address(stop) if stop else net.broadcast_address
    if not start and skip_first and net.num_addresses > 2:
        lo += 1
    if not stop and skip_last and net.num_addresses > 2:
        hi -= 1
    a = lo
    while a <= hi:
        if str(a) not in used:
            return str(a)
        a += 1
    return None
