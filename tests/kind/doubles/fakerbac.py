"""RBAC of the simulated clusters: everything is allowed (kind's kubeconfig user is
`kubernetes-admin`, in system:masters) except what $BGPDEMO_FAKE_DENY (or the file
$BGPDEMO_FAKE_DENY_FILE, one entry a line, # comments) denies:

    BGPDEMO_FAKE_DENY="CONTEXT:VERB/RESOURCE[/SUBRESOURCE][@NAMESPACE],..."

    kind-cilium2:create/ciliumbgppeeringpolicies.cilium.io
    kind-cilium2:create/daemonsets.apps@kube-system     only in kube-system
    kind-cilium2:create/pods/exec                       the exec subresource
    *:list/nodes                                        every context

RESOURCE is the plural, with its API group for a non-core one (`deployments.apps`); `*`
matches any context, verb or resource. An entry without @NAMESPACE denies in every namespace
and at the cluster scope.

`kubectl auth can-i` answers from this (k8s.io/kubectl/pkg/cmd/auth/cani.go, 1.27), and
`kubectl get`, `apply` and `delete` refuse a denied action with the API server's Forbidden
(k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage).
"""

import os

from fakek8s import ToolError

USER = "kubernetes-admin"

# Resources discovery knows (plural -> (group, namespaced)), and kubectl's short names.
_CORE = {"pods": ("", True), "nodes": ("", False), "services": ("", True),
         "configmaps": ("", True), "secrets": ("", True), "namespaces": ("", False),
         "serviceaccounts": ("", True), "events": ("", True), "endpoints": ("", True),
         "deployments": ("apps", True), "daemonsets": ("apps", True),
         "replicasets": ("apps", True), "statefulsets": ("apps", True),
         "customresourcedefinitions": ("apiextensions.k8s.io", False),
         "roles": ("rbac.authorization.k8s.io", True),
         "rolebindings": ("rbac.authorization.k8s.io", True),
         "clusterroles": ("rbac.authorization.k8s.io", False),
         "clusterrolebindings": ("rbac.authorization.k8s.io", False),
         "selfsubjectaccessreviews": ("authorization.k8s.io", False)}
_SHORT = {"po": "pods", "pod": "pods", "no": "nodes", "node": "nodes", "svc": "services",
          "service": "services", "cm": "configmaps", "configmap": "configmaps",
          "secret": "secrets", "ns": "namespaces", "namespace": "namespaces",
          "sa": "serviceaccounts", "deploy": "deployments", "deployment": "deployments",
          "ds": "daemonsets", "daemonset": "daemonsets", "rs": "replicasets",
          "sts": "statefulsets", "crd": "customresourcedefinitions",
          "crds": "customresourcedefinitions", "ev": "events", "ep": "endpoints"}
_CILIUM = ["ciliumloadbalancerippools", "ciliumbgppeeringpolicies", "ciliumbgpclusterconfigs",
           "ciliumbgppeerconfigs", "ciliumbgpadvertisements", "ciliumbgpnodeconfigoverrides"]
# kubectl's verbs that need no warning (cani.go resourceVerbs).
_VERBS = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
          "use", "bind", "impersonate", "*", "approve", "sign", "escalate", "attest"}


def denials():
    """[(context, verb, resource, subresource, namespace or None)] from the environment."""
    text = os.environ.get("BGPDEMO_FAKE_DENY", "").replace(",", "\n")
    path = os.environ.get("BGPDEMO_FAKE_DENY_FILE")
    if path:
        try:
            text += "\n" + open(path).read()
        except OSError as e:
            raise ToolError(f"fake-k8s: BGPDEMO_FAKE_DENY_FILE: {e}")
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        ctx, sep, rest = line.partition(":")
        rest, _, ns = rest.partition("@")
        parts = rest.split("/")
        if not sep or len(parts) not in (2, 3) or not all(parts):
            raise ToolError(f"fake-k8s: bad BGPDEMO_FAKE_DENY entry {line!r} (want "
                            f"CONTEXT:VERB/RESOURCE[/SUBRESOURCE][@NAMESPACE])")
        out.append((ctx, parts[0], parts[1].lower(), parts[2] if len(parts) == 3 else "",
                    ns or None))
    return out


def allowed(context, verb, resource, subresource="", namespace=""):
    """Whether the user may: resource is `plural[.group]`; namespace "" is cluster scope."""
    for ctx, v, res, sub, ns in denials():
        if ctx not in ("*", context) or v not in ("*", verb) or res not in ("*", resource):
            continue
        if sub != (subresource or "") or (ns is not None and ns != namespace):
            continue
        return False
    return True


def forbidden(context, verb, resource, name, namespace, prefix=""):
    """Raises the API server's Forbidden when the user may not verb resource."""
    if allowed(context, verb, resource, "", namespace or ""):
        return
    plural, _, group = resource.partition(".")
    what = f"{resource} \"{name}\"" if name else resource
    scope = f"in the namespace \"{namespace}\"" if namespace else "at the cluster scope"
    raise ToolError(f"Error from server (Forbidden): {prefix}{what} is forbidden: User "
                    f"\"{USER}\" cannot {verb} resource \"{plural}\" in API group \"{group}\" "
                    f"{scope}")


def resolve(word, cilium_registered):
    """(plural, group, namespaced, known) for a can-i RESOURCE word, as kubectl's REST mapper
    resolves it against discovery (Cilium's kinds exist once their CRDs are registered)."""
    base, _, group = word.lower().partition(".")
    base = _SHORT.get(base, base)
    table = dict(_CORE)
    if cilium_registered:
        table.update({c: ("cilium.io", False) for c in _CILIUM})
    if base in table and (not group or group == table[base][0]):
        return base, table[base][0], table[base][1], True
    return base, group, True, False


def can_i(args, context, cluster_or_none, namespace, ns_given):
    """`kubectl auth can-i VERB RESOURCE[/NAME]` (cani.go, kubectl 1.27): `yes` and exit 0,
    or `no` and exit 1 (RBAC gives no reason when it simply finds no rule; a
    `no - RBAC: ...` reason only comes when a binding names a missing role, which the
    double does not model). `-q` prints nothing. Warnings on stderr as kubectl's: an unknown
    verb, a resource discovery does not know (checked anyway, as the raw word), a cluster-
    scoped resource checked in a namespace. RESOURCE/NAME names an object: `pods/exec` is
    the pod named `exec`, not the exec subresource (that is `--subresource exec`)."""
    import sys
    if args.get("list"):
        raise ToolError("error: the double does not support `kubectl auth can-i --list`")
    if len(args.pos) != 2:
        raise ToolError("error: you must specify two arguments: verb resource or verb "
                        "resource/resourceName.\nSee 'kubectl auth can-i -h' for help and "
                        "examples.")
    verb, target = args.pos
    sub = args.get("subresource") or ""
    if target.startswith("/"):
        raise ToolError("error: the double does not check non-resource URLs")
    word, _, name = target.partition("/")
    registered = bool(cluster_or_none) and __import__("fakeapi").crds_registered(cluster_or_none)
    plural, group, namespaced, known = resolve(word, registered)
    warn = []
    if verb not in _VERBS:
        warn.append(f"Warning: verb '{verb}' is not a known verb")
    if word == "*":
        plural, group, known = "*", "", True
    if not known:
        warn.append(f"Warning: the server doesn't have a resource type '{plural}'" +
                    (f" in group '{group}'" if group else ""))
        plural, group = word, ""
    elif not namespaced and not args.get("A", "all-namespaces"):
        warn.append(f"Warning: resource '{plural}' is not namespace scoped" +
                    (f" in group '{group}'" if group else ""))
    resource = plural + (f".{group}" if group else "")
    ns = "" if args.get("A", "all-namespaces") else namespace
    ok = allowed(context, verb, resource, sub, ns)
    if warn:
        sys.stderr.write("\n".join(warn) + "\n")
    if not args.get("q", "quiet"):
        print("yes" if ok else "no")
    return 0 if ok else 1
