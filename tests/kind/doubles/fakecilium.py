"""What Cilium's Helm chart creates that a checker reads, computed from the release's merged
values with the chart's defaults: ConfigMap kube-system/cilium-config, DaemonSet
kube-system/cilium, Deployment kube-system/cilium-operator. Helm stores them when it deploys
the release and removes them when it uninstalls it.

The keys and defaults follow install/kubernetes/cilium/templates/cilium-configmap.yaml and
values.yaml of the chart (1.14 to 1.16; the differences by version are noted where they are
made). Only the keys below are rendered; the real ConfigMap has many more.
"""

import hashlib

from fakek8s import cilium_version_tuple, new_uid, now_rfc3339, object_key

HELM_LABELS = {"app.kubernetes.io/managed-by": "Helm"}


def _get(values, path, default=None):
    cur = values
    for p in path.split("."):
        if not isinstance(cur, dict) or p not in cur:
            return default
        cur = cur[p]
    return cur


def _q(v):
    """Helm's `quote` of a value: Go's fmt of bools and numbers, as a string."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def config_data(version, values):
    """cilium-config's data for chart `version` and the merged user values."""
    v = cilium_version_tuple(version)
    data = {}
    # `enable-ipv4: {{ .Values.ipv4.enabled | quote }}` (values.yaml: ipv4.enabled true)
    data["enable-ipv4"] = _q(_get(values, "ipv4.enabled", True))
    data["enable-ipv6"] = _q(_get(values, "ipv6.enabled", False))
    # Routing: `tunnel` until 1.13; from 1.14 `routing-mode` and `tunnel-protocol`. 1.14
    # renders tunnel-protocol only in its default case or when tunnelProtocol is set; from
    # 1.15 both always (`routingMode | default "tunnel"`, `tunnelProtocol | default "vxlan"`).
    tunnel = values.get("tunnel")
    if v < (1, 14):
        data["tunnel"] = _q(tunnel or "vxlan")
    elif tunnel and v < (1, 15):  # 1.14 still maps the deprecated value
        data["routing-mode"] = "native" if tunnel == "disabled" else "tunnel"
        if tunnel != "disabled":
            data["tunnel-protocol"] = _q(tunnel)
    elif v < (1, 15) and values.get("routingMode"):
        data["routing-mode"] = _q(values["routingMode"])
        if values.get("tunnelProtocol"):
            data["tunnel-protocol"] = _q(values["tunnelProtocol"])
    else:
        data["routing-mode"] = _q(values.get("routingMode") or "tunnel")
        data["tunnel-protocol"] = _q(values.get("tunnelProtocol") or "vxlan")
    data["auto-direct-node-routes"] = _q(values.get("autoDirectNodeRoutes", False))
    # `{{- if .Values.ipv4NativeRoutingCIDR }} ipv4-native-routing-cidr: ...`: absent unless set
    if values.get("ipv4NativeRoutingCIDR"):
        data["ipv4-native-routing-cidr"] = _q(values["ipv4NativeRoutingCIDR"])
    # kube-proxy-replacement: coalesce(value, default); the default is "false" from 1.14
    # ("probe" before, for charts first installed then).
    kpr = values.get("kubeProxyReplacement")
    data["kube-proxy-replacement"] = _q(kpr) if kpr not in (None, "", False) else (
        "false" if v >= (1, 14) else "probe")
    # ipam: `coalesce .Values.ipam.mode "cluster-pool"`; the pool's keys only for cluster-pool.
    ipam = _get(values, "ipam.mode") or "cluster-pool"
    data["ipam"] = _q(ipam)
    if ipam == "cluster-pool" and _get(values, "ipv4.enabled", True):
        cidrs = _get(values, "ipam.operator.clusterPoolIPv4PodCIDRList", ["10.0.0.0/8"])
        data["cluster-pool-ipv4-cidr"] = " ".join(cidrs) if isinstance(cidrs, list) else str(cidrs)
        data["cluster-pool-ipv4-mask-size"] = _q(
            _get(values, "ipam.operator.clusterPoolIPv4MaskSize", 24))
    # `{{- if .Values.bgpControlPlane.enabled }} enable-bgp-control-plane: "true"`: absent,
    # not "false", when it is off.
    if _get(values, "bgpControlPlane.enabled"):
        data["enable-bgp-control-plane"] = "true"
        data["bgp-secrets-namespace"] = _q(_get(values, "bgpControlPlane.secretsNamespace.name",
                                                "kube-system"))
    data["cluster-name"] = _q(_get(values, "cluster.name", "default"))
    data["enable-l7-proxy"] = _q(values.get("l7Proxy", True))
    return data


def _digest(what, version):
    """A stable stand-in for the digest values.yaml pins (the real ones are not known here)."""
    return "sha256:" + hashlib.sha256(f"{what}:{version}".encode()).hexdigest()


def image(version, values, which="agent"):
    """The chart's `cilium.image` helper: override, else repository:tag[@digest] with
    useDigest (true in every release's values.yaml)."""
    base = values.get("image") if which == "agent" else _get(values, "operator.image")
    base = base if isinstance(base, dict) else {}
    if base.get("override"):
        return base["override"]
    repo = base.get("repository") or ("quay.io/cilium/cilium" if which == "agent" else
                                      "quay.io/cilium/operator")
    if which != "agent":
        repo += base.get("suffix", "-generic")
    tag = base.get("tag") or f"v{version}"
    use = base.get("useDigest", True)
    digest = base.get("digest") or _digest(which, version)
    return f"{repo}:{tag}" + (f"@{digest}" if use else "")


def objects(version, values):
    """The chart's objects a checker reads, as stored objects."""
    md = lambda name, **kw: dict({"name": name, "namespace": "kube-system",  # noqa: E731
                                  "uid": new_uid(), "creationTimestamp": now_rfc3339(),
                                  "generation": 1, "resourceVersion": "900",
                                  "annotations": {"meta.helm.sh/release-name": "cilium",
                                                  "meta.helm.sh/release-namespace":
                                                      "kube-system"}}, **kw)
    agent = {"apiVersion": "apps/v1", "kind": "DaemonSet",
             "metadata": md("cilium", labels=dict(HELM_LABELS, **{"k8s-app": "cilium"})),
             "spec": {"selector": {"matchLabels": {"k8s-app": "cilium"}},
                      "updateStrategy": {"type": "RollingUpdate",
                                         "rollingUpdate": {"maxUnavailable": 2}},
                      "template": {"metadata": {"labels": {"k8s-app": "cilium"}},
                                   "spec": {"hostNetwork": True,
                                            "serviceAccountName": "cilium",
                                            "containers": [{"name": "cilium-agent",
                                                            "image": image(version, values),
                                                            "command": ["cilium-agent"],
                                                            "args": ["--config-dir=/tmp/"
                                                                     "cilium/config-map"]}],
                                            "tolerations": [{"operator": "Exists"}]}}}}
    operator = {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": md("cilium-operator",
                               labels=dict(HELM_LABELS, **{"io.cilium/app": "operator",
                                                           "name": "cilium-operator"})),
                "spec": {"replicas": _get(values, "operator.replicas", 2),
                         "selector": {"matchLabels": {"io.cilium/app": "operator",
                                                      "name": "cilium-operator"}},
                         "template": {"spec": {"containers": [{
                             "name": "cilium-operator",
                             "image": image(version, values, "operator"),
                             "command": ["cilium-operator-generic"]}]}}}}
    config = {"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": md("cilium-config", labels=dict(HELM_LABELS)),
              "data": config_data(version, values)}
    return [config, agent, operator]


def store(cluster, version, values):
    """Writes the release's objects into the cluster (a new revision replaces them)."""
    for o in objects(version, values):
        key = object_key(o["kind"], "kube-system", o["metadata"]["name"])
        old = cluster.d["objects"].get(key)
        if old is not None:
            o["metadata"]["uid"] = old["metadata"].get("uid", o["metadata"]["uid"])
            o["metadata"]["creationTimestamp"] = old["metadata"].get("creationTimestamp")
            same = old.get("spec") == o.get("spec") and old.get("data") == o.get("data")
            o["metadata"]["generation"] = old["metadata"].get("generation", 1) + (not same)
        o["metadata"]["resourceVersion"] = cluster.next_rv()
        o["_helm"] = "kube-system/cilium"
        cluster.d["objects"][key] = o


def remove(cluster):
    for key in [k for k, o in cluster.d["objects"].items() if o.get("_helm") == "kube-system/cilium"]:
        del cluster.d["objects"][key]
