"""The kubectl double's shared pieces (kubectl is the command, here are its helpers):
argument parsing, the context -> cluster step with kubectl 1.27's errors for a missing
context and a refusing API server, resource names, and the waiting verbs (`rollout status`
for Deployments and DaemonSets, `wait --for condition=established`)."""

import os
import re
import time

import fakeapi
import fakecontrol
import fakedaemonset
import fakek8s as k
from fakek8s import ToolError

VALUE_FLAGS = {"context", "kubeconfig", "namespace", "n", "output", "o", "selector", "l",
               "filename", "f", "timeout", "container", "c", "type", "patch", "p", "patch-file",
               "field-selector", "request-timeout", "cluster", "user", "server", "v",
               "field-manager", "revision", "sort-by", "for", "subresource", "cascade",
               "grace-period"}
BOOL_FLAGS = {"overwrite", "all", "A", "all-namespaces", "i", "stdin", "t", "tty",
              "ignore-not-found", "wait", "validate", "show-labels", "no-headers", "recursive",
              "R", "quiet", "q", "client", "watch", "w", "local", "force", "now",
              "list", "minify", "raw", "flatten"}


class Args:
    def __init__(self, argv):
        self.flags, self.pos, self.after_dash = {}, [], None
        i = 0
        while i < len(argv):
            a = argv[i]
            if a == "--":
                self.after_dash = argv[i + 1:]
                break
            if a.startswith("-") and a != "-" and not re.match(r"^-\d", a):
                name, eq, val = a.lstrip("-").partition("=")
                if not a.startswith("--") and len(name) > 1 and not eq and \
                        all(c in "itqAR" for c in name):
                    for c in name:  # -it
                        self.flags[c] = True
                elif name in VALUE_FLAGS:
                    if not eq:
                        i += 1
                        if i >= len(argv):
                            raise ToolError(f"error: flag needs an argument: {a}")
                        val = argv[i]
                    self.flags[name] = val
                elif name in BOOL_FLAGS:
                    self.flags[name] = (val.lower() not in ("false", "0")) if eq else True
                else:
                    raise ToolError(f"error: unknown flag: {a}\nSee 'kubectl --help' for usage.")
            else:
                self.pos.append(a)
            i += 1

    def get(self, *names, default=None):
        for n in names:
            if n in self.flags:
                return self.flags[n]
        return default


def load_cluster(args, style=""):
    """(cluster name, server) of --context (or the current one), or kubectl's error: a context
    the kubeconfig lacks (worded by whether -n was given), a server that refuses (`style`:
    see fakek8s.refused)."""
    if args.get("kubeconfig"):
        os.environ["KUBECONFIG"] = args.get("kubeconfig")
    return k.resolve_context(args.get("context"), "kubectl", style,
                             ns_given=bool(args.get("namespace", "n")))


def open_cluster(name, server, style=""):
    """The cluster; a stopped control plane refuses connections as a real one would."""
    c = k.Cluster.load(name)
    cp = next((n["name"] for n in c.nodes if n["role"] == "control-plane"), None) if c else None
    if c is None or not cp or not k.container_running(cp):
        raise ToolError(k.refused(server.split("://", 1)[-1], server, style))
    return c


def resolve_kind(word):
    kind = fakeapi.RESOURCE_NAMES.get(word.lower())
    if kind is None:
        # kind.group forms, e.g. ciliumbgppeeringpolicies.cilium.io
        base = word.lower().split(".")[0]
        kind = fakeapi.RESOURCE_NAMES.get(base)
    if kind is None:
        raise ToolError(f"error: the server doesn't have a resource type \"{word}\"")
    return kind


def plural(kind):
    return fakeapi.resource_of(kind)


def namespace_of(args):
    return args.get("namespace", "n", default="default")



def parse_duration(s):
    """Go's time.ParseDuration for what kubectl users write: 120s, 2m, 1m30s, 10m0s, 0."""
    if s in (None, ""):
        return None
    if re.fullmatch(r"\d+", s):
        return float(s)
    total, found = 0.0, False
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", s):
        found = True
        total += float(num) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    if not found:
        raise ToolError(f"error: invalid argument \"{s}\" for \"--timeout\" flag: time: invalid "
                        f"duration \"{s}\"")
    return total


def cmd_rollout(args, name, server):
    """`kubectl rollout status deployment/NAME | daemonset/NAME [--timeout=D]`, with the
    messages of k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go (1.27):
    DeploymentStatusViewer and DaemonSetStatusViewer (which refuses an OnDelete strategy)."""
    if not args.pos or args.pos[0] != "status":
        raise ToolError("error: the double supports `kubectl rollout status` only")
    target = args.pos[1:]
    if len(target) == 1 and "/" in target[0]:
        kw, _, dname = target[0].partition("/")
    elif len(target) == 2:
        kw, dname = target
    else:
        raise ToolError("error: required resource not specified")
    kind = resolve_kind(kw)
    if kind not in ("Deployment", "DaemonSet"):
        raise ToolError(f"error: no status viewer has been implemented for {kw}")
    timeout = parse_duration(args.get("timeout"))
    deadline = time.monotonic() + timeout if timeout else None
    ns = namespace_of(args)
    last = None
    while True:
        with k.cluster_lock(name):
            cluster = open_cluster(name, server)
            fakecontrol.reconcile(cluster)
            d = cluster.get(kind, dname, ns)
            if d is None:
                raise ToolError(f"Error from server (NotFound): {plural(kind)} \"{dname}\" "
                                f"not found")
            view = fakeapi.object_json(cluster, d)
        st = view.get("status") or {}
        if kind == "DaemonSet":
            strategy = ((d.get("spec") or {}).get("updateStrategy") or {}).get("type")
            if strategy not in (None, "RollingUpdate"):
                raise ToolError("error: rollout status is only available for RollingUpdate "
                                "strategy type")
            want = st.get("desiredNumberScheduled", 0)
            updated, avail = st.get("updatedNumberScheduled", 0), st.get("numberAvailable", 0)
            if updated < want:
                msg = (f"Waiting for daemon set \"{dname}\" rollout to finish: {updated} out of "
                       f"{want} new pods have been updated...")
            elif avail < want:
                msg = (f"Waiting for daemon set \"{dname}\" rollout to finish: {avail} of {want} "
                       f"updated pods are available...")
            else:
                print(f"daemon set \"{dname}\" successfully rolled out")
                return 0
        else:
            want = d["spec"].get("replicas", 1)
            avail = st.get("availableReplicas", 0)
            if avail >= want:
                print(f"deployment \"{dname}\" successfully rolled out")
                return 0
            msg = (f"Waiting for deployment \"{dname}\" rollout to finish: {avail} of {want} "
                   f"updated replicas are available...")
        if msg != last:
            print(msg, flush=True)
            last = msg
        if deadline is not None and time.monotonic() >= deadline:
            raise ToolError("error: timed out waiting for the condition")
        time.sleep(1)


def cmd_wait(args, cluster):
    """`kubectl wait --for condition=established [--timeout=D] crd/NAME...`, for Cilium's
    CRDs only. kubectl 1.27 fails at once with NotFound for an object that does not exist
    (k8s.io/kubectl/pkg/cmd/wait/wait.go: it waits only for objects that exist)."""
    cond = (args.get("for") or "").lower()
    if cond != "condition=established":
        raise ToolError(f"error: unrecognized condition: \"{args.get('for')}\"")
    for target in args.pos:
        resource, _, name = target.partition("/")
        if resource not in ("crd", "crds", "customresourcedefinition",
                            "customresourcedefinitions"):
            raise ToolError(f"error: the server doesn't have a resource type \"{resource}\"")
        if not fakeapi.crd_registered(cluster, name):
            raise ToolError(f"Error from server (NotFound): customresourcedefinitions."
                            f"apiextensions.k8s.io \"{name}\" not found")
        print(f"customresourcedefinition.apiextensions.k8s.io/{name} condition met")
    return 0


