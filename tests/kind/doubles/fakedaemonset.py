"""DaemonSets that run: what the DaemonSet controller, the scheduler and the kubelet would do
with a DaemonSet `kubectl apply` made whose pod template has `hostNetwork: true` (the only
kind of pod the simulated nodes can run: the node container is the host).

  scheduling   every node whose taints the pod tolerates and whose labels match
               `nodeSelector` (the DaemonSet controller's own tolerations added, k8s 1.27
               pkg/controller/daemon/util/daemonset_util.go AddOrUpdateDaemonPodTolerations);
               kind taints a control plane that has workers, so a DaemonSet without a
               toleration for node-role.kubernetes.io/control-plane skips it, as on kind
  the pod      the first container's command + args, run by the node's own /bin/sh and
               tools (no image is pulled: the image is only recorded, `_image`), in its own
               session, env from `value` and the downward API (spec.nodeName, status.hostIP,
               status.podIP, metadata.name, metadata.namespace); pid and log in
               /run/fakek8s/ds/NS_NAME.{pid,log} in the node container
  termination  SIGTERM to the process, up to terminationGracePeriodSeconds (default 30) for
               it to exit, then SIGKILL to its whole session, as the kubelet stops a
               container (pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer)
               and the runtime removes what is left. In the background, after `kubectl
               delete` returned, as with kubectl's default background cascading deletion
               (the DaemonSet object goes at once, its pods after their grace period)
  status       desiredNumberScheduled = the eligible nodes, numberReady/numberAvailable =
               those whose process is alive (a process that exits is not restarted)

Not simulated: restarts (restartPolicy Always), readiness probes, maxUnavailable (a changed
template restarts every node at once), the process being PID 1 of its own PID namespace (a
real PID 1 ignores a SIGTERM it has no handler for, and is then killed after the grace
period; here the default action kills it at once).
"""

import concurrent.futures
import copy
import json
import shlex

from fakek8s import docker, random_suffix

RUN_DIR = "/run/fakek8s/ds"

# Runs in the node container (python3 -c): start | stop GRACE | alive, JSON on argv.
_NODE_CODE = r'''
import json, os, signal, subprocess, sys, time
D = "/run/fakek8s/ds"
os.makedirs(D, exist_ok=True)
op, arg = sys.argv[1], json.loads(sys.argv[2])
def pid_of(key):
    try:
        pid = int(open(f"{D}/{key}.pid").read())
        with open(f"/proc/{pid}/stat") as f:
            return None if f.read().rsplit(")", 1)[1].split()[0] == "Z" else pid
    except (OSError, ValueError, IndexError):
        return None
if op == "start":
    env = dict(os.environ, **arg["env"])
    with open(f"{D}/{arg['key']}.log", "ab") as log:
        p = subprocess.Popen(arg["argv"], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             env=env, cwd="/", start_new_session=True, close_fds=True)
    open(f"{D}/{arg['key']}.pid", "w").write(str(p.pid))
elif op == "stop":
    pid = pid_of(arg["key"])
    if pid:
        os.kill(pid, signal.SIGTERM)
        end = time.time() + arg["grace"]
        while time.time() < end and pid_of(arg["key"]):
            time.sleep(0.1)
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.unlink(f"{D}/{arg['key']}.pid")
    except OSError:
        pass
elif op == "alive":
    print(json.dumps([k for k in arg if pid_of(k)]))
'''

# The DaemonSet controller's tolerations on every daemon pod (1.27, daemonset_util.go).
_DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/network-unavailable", "operator": "Exists",
     "effect": "NoSchedule"}]  # hostNetwork pods only, which these are


def pod_spec(ds):
    return ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}


def runs(ds):
    """Whether the double runs this DaemonSet's pods (kubectl-applied, hostNetwork)."""
    return bool(ds.get("_run"))


def runnable(ds):
    return ds.get("kind") == "DaemonSet" and pod_spec(ds).get("hostNetwork") is True


def _tolerates(tol, taint):
    if tol.get("effect") and tol["effect"] != taint.get("effect"):
        return False
    if tol.get("operator") == "Exists":
        return not tol.get("key") or tol["key"] == taint.get("key")
    return tol.get("key") == taint.get("key") and \
        str(tol.get("value", "")) == str(taint.get("value", ""))


def eligible_nodes(cluster, ds):
    spec = pod_spec(ds)
    tols = list(spec.get("tolerations") or []) + _DEFAULT_TOLERATIONS
    sel = spec.get("nodeSelector") or {}
    out = []
    for n in cluster.nodes:
        if any(n["labels"].get(a) != str(b) for a, b in sel.items()):
            continue
        if any(t.get("effect") in ("NoSchedule", "NoExecute") and
               not any(_tolerates(tol, t) for tol in tols) for t in n.get("taints") or []):
            continue
        out.append(n)
    return out


def _key(ds):
    md = ds["metadata"]
    return f"{md.get('namespace', '')}_{md['name']}"


def _node_exec(node, op, arg, detach=False):
    argv = ["exec"] + (["-d"] if detach else []) + [node, "python3", "-c", _NODE_CODE, op,
                                                    json.dumps(arg)]
    return docker(*argv, check=False, timeout=120)


def _env(container, node, pod_name, ns):
    fields = {"spec.nodeName": node["name"], "status.hostIP": node["ip"],
              "status.podIP": node["ip"], "metadata.name": pod_name,
              "metadata.namespace": ns, "spec.serviceAccountName": "default"}
    env = {}
    for e in container.get("env") or []:
        ref = ((e.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
        env[e["name"]] = fields.get(ref, "") if ref else str(e.get("value", ""))
    return env


def start(cluster, ds):
    """Starts the pods of ds on its eligible nodes; records them in ds (`_pods`)."""
    spec = pod_spec(ds)
    containers = spec.get("containers") or [{}]
    c = containers[0]
    argv = list(c.get("command") or []) + list(c.get("args") or [])
    ns = ds["metadata"].get("namespace", "")
    ds["_image"] = c.get("image")  # recorded, never pulled
    ds["_pods"] = {}
    nodes = eligible_nodes(cluster, ds)

    def one(n):
        pod = f"{ds['metadata']['name']}-{random_suffix()}"
        if not argv:  # the image's entrypoint: unknown here, so the pod never runs
            return n["name"], pod, "no command"
        r = _node_exec(n["name"], "start", {"key": _key(ds), "argv": argv,
                                            "env": _env(c, n, pod, ns)})
        return n["name"], pod, None if r.returncode == 0 else r.stderr.strip()

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(nodes))) as ex:
        for node, pod, err in ex.map(one, nodes):
            ds["_pods"][node] = {"pod": pod, "error": err}


def stop(ds, wait=False):
    """Stops ds's pods: SIGTERM, the grace period, SIGKILL. wait: return once they are gone
    (a rolling update, or `kubectl delete --cascade=foreground`); else in the background."""
    grace = pod_spec(ds).get("terminationGracePeriodSeconds", 30)
    nodes = list((ds.get("_pods") or {}))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(nodes))) as ex:
        list(ex.map(lambda n: _node_exec(n, "stop", {"key": _key(ds), "grace": grace},
                                         detach=not wait), nodes))
    ds["_pods"] = {}


def restart_if_changed(cluster, old, new):
    """After an apply: start, restart (template changed) or leave ds's pods."""
    if old is not None and runs(old):
        if (old.get("spec") or {}).get("template") == (new.get("spec") or {}).get("template"):
            new["_pods"], new["_image"] = old.get("_pods", {}), old.get("_image")
            return
        stop(old, wait=True)
    start(cluster, new)


def status(cluster, ds):
    """The DaemonSet's status as the controller reports it."""
    gen = ds["metadata"].get("generation", 1)
    if not runs(ds):  # kind's and Helm's DaemonSets: their pods run on every node
        desired = ready = len(cluster.nodes)
        if ds["metadata"].get("name") == "cilium" and not cluster.cilium_version():
            ready = 0
    else:
        desired = len(eligible_nodes(cluster, ds))
        pods = ds.get("_pods") or {}
        alive = set()
        by_node = {}
        for n in pods:
            r = _node_exec(n, "alive", [_key(ds)])
            by_node[n] = r
        for n, r in by_node.items():
            try:
                if json.loads(r.stdout.strip() or "[]"):
                    alive.add(n)
            except ValueError:
                pass
        ready = len(alive)
    st = {"currentNumberScheduled": desired, "desiredNumberScheduled": desired,
          "numberMisscheduled": 0, "numberReady": ready, "observedGeneration": gen,
          "updatedNumberScheduled": desired}
    if ready:
        st["numberAvailable"] = ready
    if desired - ready > 0:
        st["numberUnavailable"] = desired - ready
    return st


def ds_json(cluster, ds):
    out = copy.deepcopy(ds)
    out["status"] = status(cluster, ds)
    return out


def describe_argv(ds):
    """The command line the pods run, for messages."""
    c = (pod_spec(ds).get("containers") or [{}])[0]
    return " ".join(shlex.quote(a) for a in list(c.get("command") or []) +
                    list(c.get("args") or []))
