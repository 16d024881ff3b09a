"""The API-server side of the simulated clusters: which kinds exist (Cilium's CRDs by
Cilium version), `kubectl apply` semantics (created/configured/unchanged, the validation
errors the real CRDs give), and the JSON views `kubectl get -o json` prints.

Objects are kept as the API server returns them (metadata filled in, Services with their
allocated clusterIP and nodePorts); status is computed when printed, from the cluster's
pods and the controllers' results in fakecontrol.py.
"""

import copy
import ipaddress
import json
import os
import random
import time

from fakek8s import (K8S_VERSION, ToolError, cilium_version_tuple, new_uid, now_rfc3339,
                     object_key, pick_free)

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class Kind:
    """A resource kind: its group, the resource name kubectl prints and its scope."""

    def __init__(self, kind, group, resource, namespaced, versions):
        self.kind, self.group, self.resource = kind, group, resource
        self.namespaced = namespaced
        self.versions = versions  # version -> fn(cilium version tuple or None) -> served?

    def printed(self, name):
        return f"{self.resource}{'.' + self.group if self.group else ''}/{name}"


def _always(_v):
    return True


def _cilium(lo, hi=None):
    return lambda v: v is not None and v >= lo and (hi is None or v < hi)


KINDS = {k.kind: k for k in [
    Kind("Service", "", "service", True, {"v1": _always}),
    Kind("ConfigMap", "", "configmap", True, {"v1": _always}),
    Kind("Secret", "", "secret", True, {"v1": _always}),
    Kind("Namespace", "", "namespace", False, {"v1": _always}),
    Kind("ServiceAccount", "", "serviceaccount", True, {"v1": _always}),
    Kind("Deployment", "apps", "deployment", True, {"v1": _always}),
    # Stored only (kind's kindnet and kubeadm's kube-proxy, `kubectl get daemonsets`).
    Kind("DaemonSet", "apps", "daemonset", True, {"v1": _always}),
    # Cilium's CRDs exist once Cilium is installed, by release (reference §1).
    Kind("CiliumLoadBalancerIPPool", "cilium.io", "ciliumloadbalancerippool", False,
         {"v2alpha1": _cilium((1, 11)), "v2": _cilium((1, 18))}),
    Kind("CiliumBGPPeeringPolicy", "cilium.io", "ciliumbgppeeringpolicy", False,
         {"v2alpha1": _cilium((1, 12), (1, 19))}),
    Kind("CiliumBGPClusterConfig", "cilium.io", "ciliumbgpclusterconfig", False,
         {"v2alpha1": _cilium((1, 15)), "v2": _cilium((1, 18))}),
    Kind("CiliumBGPPeerConfig", "cilium.io", "ciliumbgppeerconfig", False,
         {"v2alpha1": _cilium((1, 15)), "v2": _cilium((1, 18))}),
    Kind("CiliumBGPAdvertisement", "cilium.io", "ciliumbgpadvertisement", False,
         {"v2alpha1": _cilium((1, 15)), "v2": _cilium((1, 18))}),
    Kind("CiliumBGPNodeConfigOverride", "cilium.io", "ciliumbgpnodeconfigoverride", False,
         {"v2alpha1": _cilium((1, 15)), "v2": _cilium((1, 18))}),
]}

# What kubectl get accepts as a resource name, to the kind.
RESOURCE_NAMES = {}
for _k in KINDS.values():
    for _n in (_k.resource, _k.resource + "s", _k.kind.lower(), _k.kind.lower() + "s"):
        RESOURCE_NAMES[_n] = _k.kind
RESOURCE_NAMES.update({"svc": "Service", "deploy": "Deployment", "ns": "Namespace",
                       "cm": "ConfigMap", "sa": "ServiceAccount", "node": "Node", "ds": "DaemonSet",
                       "nodes": "Node", "no": "Node", "pod": "Pod", "pods": "Pod",
                       "po": "Pod", "deployments.apps": "Deployment",
                       "ippools": "CiliumLoadBalancerIPPool"})


def resource_of(kind):
    """`plural[.group]` of a kind, as API errors and RBAC name it: deployments.apps."""
    if kind in ("Node", "Pod"):
        return kind.lower() + "s"
    kd = KINDS[kind]
    p = kd.resource + ("es" if kd.resource.endswith("s") else "s")
    if p.endswith("ys"):
        p = p[:-2] + "ies"
    return p + (f".{kd.group}" if kd.group else "")


def kind_for(cluster, api_version, kind):
    """The Kind for apiVersion/kind if this cluster serves it, else None."""
    k = KINDS.get(kind)
    if k is None:
        return None
    group, _, version = api_version.rpartition("/")
    if group != k.group or version not in k.versions:
        return None
    cv = cilium_version_tuple(cluster.cilium_version()) if cluster.cilium_version() else None
    if k.group == "cilium.io" and not crds_registered(cluster):
        return None
    return k if k.versions[version](cv) else None


def crds_registered(cluster):
    """Whether Cilium's operator has registered its CRDs: $BGPDEMO_FAKE_CRD_DELAY_SECONDS
    (default 0) after Helm deployed Cilium, as the operator does once it runs
    (cilium/operator: it registers the CRDs at start, after `helm --wait` may have returned)."""
    r = cluster.cilium_release()
    if not r or not r.get("installed_version"):
        return False
    delay = float(os.environ.get("BGPDEMO_FAKE_CRD_DELAY_SECONDS", "0"))
    return time.time() >= float(r.get("deployed_at", 0)) + delay


def crd_registered(cluster, crd_name):
    """Whether CRD `crd_name` (ciliumbgppeeringpolicies.cilium.io) is registered."""
    if not crds_registered(cluster):
        return False
    cv = cilium_version_tuple(cluster.cilium_version())
    for k in KINDS.values():
        plural = k.resource + ("es" if k.resource.endswith("s") else "s")
        if plural.endswith("ys"):
            plural = plural[:-2] + "ies"
        if k.group and f"{plural}.{k.group}" == crd_name:
            return any(served(cv) for served in k.versions.values())
    return False


# --------------------------------------------------------------------------------------
# Validation, as the CRDs' OpenAPI schemas and strict decoding reject manifests


def _invalid(kind, name, field, value, what):
    return (f"The {kind} \"{name}\" is invalid: {field}: Invalid value: {json.dumps(value)}: "
            f"{field} in body must be of type {what}: {json.dumps(value)}")


def _service_families(cluster):
    """The families the cluster's service CIDRs give it (kube-apiserver
    --service-cluster-ip-range, from kind's serviceSubnet: one CIDR, or one of each)."""
    subnets = str(cluster.d["config"]["serviceSubnet"]).split(",")
    return ["IPv6" if ":" in c else "IPv4" for c in subnets]


def _service_subnet(cluster, family):
    """The cluster's service CIDR of a family (IPv4 or IPv6)."""
    for c in str(cluster.d["config"]["serviceSubnet"]).split(","):
        if (":" in c) == (family == "IPv6"):
            return c
    raise ValueError(f"no {family} service subnet")


def _validate_service_families(name, spec, families):
    """The API server's refusal of families the cluster lacks (pkg/registry/core/service/
    storage/alloc.go), as kubectl prints an Invalid status: one error, or several in [...]."""
    errors = []
    if spec.get("ipFamilyPolicy") == "RequireDualStack" and len(families) < 2:
        errors.append('spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is '
                      'not configured for dual-stack services')
    for i, fam in enumerate(spec.get("ipFamilies") or []):
        if fam not in families:
            errors.append(f'spec.ipFamilies[{i}]: Invalid value: "{fam}": not configured on '
                          f'this cluster')
    if not errors:
        return None
    what = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    return (f"The Service \"{name}\" is invalid: {what}", "Invalid")


def validate(cluster, obj):
    """None, or the error the API server would give for obj (without kubectl's prefix)."""
    kind, name = obj["kind"], obj["metadata"]["name"]
    spec = obj.get("spec") or {}
    version = obj["apiVersion"].rpartition("/")[2]
    if kind == "Service":
        return _validate_service_families(name, spec, _service_families(cluster))
    cv = cilium_version_tuple(cluster.cilium_version() or "0.0.0")
    if kind == "CiliumLoadBalancerIPPool":
        allowed = {"serviceSelector", "disabled"}
        allowed |= {"cidrs"} if cv < (1, 16) else set()
        allowed |= {"blocks", "allowFirstLastIPs"} if cv >= (1, 15) else set()
        for f in spec:
            if f not in allowed:
                return (f"{kind} in version \"{version}\" cannot be handled as a {kind}: "
                        f"strict decoding error: unknown field \"spec.{f}\"", "BadRequest")
        if cv < (1, 15) and "cidrs" not in spec:
            return (f"The {kind} \"{name}\" is invalid: spec.cidrs: Required value", "Invalid")
        for i, b in enumerate((spec.get("cidrs") or []) + (spec.get("blocks") or [])):
            c = b.get("cidr") if isinstance(b, dict) else None
            if c is not None:
                try:
                    ipaddress.ip_network(c, strict=False)
                except ValueError:
                    return (_invalid(kind, name, f"spec.blocks[{i}].cidr", c, "cidr"), "Invalid")
    if kind == "CiliumBGPPeeringPolicy":
        for i, vr in enumerate(spec.get("virtualRouters") or []):
            if "localASN" not in vr:
                return (f"The {kind} \"{name}\" is invalid: spec.virtualRouters[{i}].localASN: "
                        f"Required value", "Invalid")
            for j, n in enumerate(vr.get("neighbors") or []):
                field = f"spec.virtualRouters[{i}].neighbors[{j}].peerAddress"
                addr = n.get("peerAddress")
                try:
                    if "/" not in str(addr):
                        raise ValueError
                    ipaddress.ip_network(str(addr), strict=False)
                except ValueError:
                    return (_invalid(kind, name, field, addr, "cidr"), "Invalid")
                hold = n.get("holdTimeSeconds")
                if hold is not None and not 3 <= int(hold) <= 65535:
                    return (f"The {kind} \"{name}\" is invalid: spec.virtualRouters[{i}]."
                            f"neighbors[{j}].holdTimeSeconds: Invalid value: {hold}: "
                            f"spec.virtualRouters[{i}].neighbors[{j}].holdTimeSeconds in body "
                            f"should be greater than or equal to 3", "Invalid")
    if kind == "CiliumBGPClusterConfig":
        for i, inst in enumerate(spec.get("bgpInstances") or []):
            for j, p in enumerate(inst.get("peers") or []):
                addr = p.get("peerAddress")
                try:
                    ipaddress.ip_address(str(addr))
                except ValueError:
                    field = f"spec.bgpInstances[{i}].peers[{j}].peerAddress"
                    return (f"The {kind} \"{name}\" is invalid: {field}: Invalid value: "
                            f"{json.dumps(addr)}: {field} in body should match "
                            f"'((^\\s*((([0-9]|[1-9][0-9]|1[0-9]{{2}}|2[0-4][0-9]|25[0-5])\\.)"
                            f"{{3}}...'", "Invalid")
    return None


# --------------------------------------------------------------------------------------
# apply / delete


def _applied_config(doc, namespace):
    d = copy.deepcopy(doc)
    d.pop("status", None)
    md = d.setdefault("metadata", {})
    if namespace:
        md["namespace"] = namespace
    ann = md.get("annotations") or {}
    ann.pop(LAST_APPLIED, None)
    if ann:
        md["annotations"] = ann
    else:
        md.pop("annotations", None)
    return json.dumps(d, separators=(",", ":"), sort_keys=True) + "\n"


def apply_doc(cluster, doc, source, default_ns):
    """Applies one manifest; returns kubectl's line ("service/nginx created") or raises
    ToolError with kubectl's error for this document."""
    if not isinstance(doc, dict) or not doc.get("kind") or not doc.get("apiVersion"):
        raise ToolError(f"error: error validating \"{source}\": error validating data: "
                        f"[apiVersion not set, kind not set]; if you choose to ignore these "
                        f"errors, turn validation off with --validate=false")
    md = doc.get("metadata") or {}
    name = md.get("name")
    k = kind_for(cluster, doc["apiVersion"], doc["kind"])
    known = KINDS.get(doc["kind"])
    namespaced = k.namespaced if k else (known.namespaced if known else True)
    ns = (md.get("namespace") or default_ns) if namespaced else ""
    if k is None:
        # kubectl prints the namespace from the manifest (empty when it has none).
        raise ToolError(f"error: resource mapping not found for name: \"{name}\" namespace: "
                        f"\"{md.get('namespace') or ''}\" "
                        f"from \"{source}\": no matches for kind \"{doc['kind']}\" in version "
                        f"\"{doc['apiVersion']}\"\nensure CRDs are installed first")
    if not name:
        raise ToolError(f"error: error when retrieving current configuration of:\nResource: "
                        f"\"{k.group}/{doc['apiVersion']}\", Name: \"\"\nfrom server for: "
                        f"\"{source}\": resource name may not be empty")
    if k.namespaced and ns != "default" and k.kind != "Namespace" and \
            cluster.get("Namespace", ns) is None and ns not in ("kube-system", "kube-public"):
        raise ToolError(f"Error from server (NotFound): error when creating \"{source}\": "
                        f"namespaces \"{ns}\" not found")
    err = validate(cluster, doc)
    key = object_key(k.kind, ns, name)
    old = cluster.d["objects"].get(key)
    if err:
        msg, reason = err
        verb = "creating" if old is None else "patching"
        raise ToolError(f"Error from server ({reason}): error when {verb} \"{source}\": {msg}")
    applied = _applied_config(doc, ns)
    if old is not None and old["metadata"].get("annotations", {}).get(LAST_APPLIED) == applied:
        return f"{k.printed(name)} unchanged"
    obj = copy.deepcopy(doc)
    obj.pop("status", None)
    omd = obj.setdefault("metadata", {})
    if ns:
        omd["namespace"] = ns
    omd.setdefault("annotations", {})[LAST_APPLIED] = applied
    if old is None:
        omd["uid"] = new_uid()
        omd["creationTimestamp"] = now_rfc3339()
        omd["generation"] = 1
    else:
        for f in ("uid", "creationTimestamp"):
            omd[f] = old["metadata"][f]
        omd["generation"] = old["metadata"].get("generation", 1) + (
            old.get("spec") != obj.get("spec"))
        if "status" in old:
            obj["status"] = old["status"]
    omd["resourceVersion"] = cluster.next_rv()
    if k.kind == "Service":
        _default_service(cluster, obj, old)
    if k.kind == "Deployment":
        spec = obj.setdefault("spec", {})
        spec.setdefault("replicas", 1)
    cluster.d["objects"][key] = obj
    return f"{k.printed(name)} {'created' if old is None else 'configured'}"


def delete_object(cluster, kind, name, namespace):
    k = KINDS[kind]
    key = object_key(kind, namespace if k.namespaced else "", name)
    if cluster.d["objects"].pop(key, None) is None:
        return None
    return f"{k.resource}{'.' + k.group if k.group else ''} \"{name}\" deleted"


def _service_ips_used(cluster):
    used = set()
    for o in cluster.objects("Service"):
        used.update(o.get("spec", {}).get("clusterIPs") or [])
    return used


def _default_service(cluster, obj, old):
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    old_spec = (old or {}).get("spec", {})
    families = _service_families(cluster)
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    if not spec.get("ipFamilies"):
        # The API server's defaulting (pkg/registry/core/service/storage/alloc.go): the
        # cluster's primary family, both (primary first) for a dual-stack policy it can meet.
        dual = spec["ipFamilyPolicy"] != "SingleStack" and len(families) > 1
        spec["ipFamilies"] = families if dual else families[:1]
    elif spec["ipFamilyPolicy"] != "SingleStack" and len(spec["ipFamilies"]) == 1 and \
            len(families) > 1:
        spec["ipFamilies"] = spec["ipFamilies"] + [f for f in families
                                                   if f not in spec["ipFamilies"]]
    old_ips = old_spec.get("clusterIPs") or []
    ips = []
    for i, fam in enumerate(spec["ipFamilies"]):
        if i < len(old_ips) and (":" in old_ips[i]) == (fam == "IPv6"):
            ips.append(old_ips[i])
            continue
        if i == 0 and spec.get("clusterIP") and not old_ips:
            ips.append(spec["clusterIP"])  # as the user gave it
            continue
        subnet = _service_subnet(cluster, fam)
        net = ipaddress.ip_network(subnet)
        used = _service_ips_used(cluster)
        rnd = random.Random(f"{cluster.name}/{obj['metadata']['name']}/{fam}")
        ip = None
        for _ in range(50):  # the API server picks at random, upper part of the range
            cand = str(net.network_address + rnd.randrange(16, min(net.num_addresses - 1, 65535)))
            if cand not in used:
                ip = cand
                break
        ips.append(ip or pick_free(subnet, used))
    spec["clusterIPs"] = ips
    spec["clusterIP"] = ips[0]
    spec.setdefault("internalTrafficPolicy", "Cluster")
    old_ports = {p.get("port"): p for p in old_spec.get("ports") or []}
    used_np = {p.get("nodePort") for o in cluster.objects("Service")
               for p in o.get("spec", {}).get("ports") or []}
    for p in spec.setdefault("ports", []):
        p.setdefault("protocol", "TCP")
        p.setdefault("targetPort", p.get("port"))
        if spec["type"] in ("NodePort", "LoadBalancer") and not p.get("nodePort"):
            prev = old_ports.get(p.get("port"), {}).get("nodePort")
            if prev:
                p["nodePort"] = prev
            else:
                rnd = random.Random(f"{cluster.name}/{obj['metadata']['name']}/{p.get('port')}")
                np = rnd.randrange(30000, 32768)
                while np in used_np:
                    np = rnd.randrange(30000, 32768)
                p["nodePort"] = np
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    obj.setdefault("status", {}).setdefault("loadBalancer", {})


def kubernetes_service(cluster):
    """The `kubernetes` Service every cluster has (first address of the service subnet)."""
    family = _service_families(cluster)[0]
    ip = str(ipaddress.ip_network(_service_subnet(cluster, family)).network_address + 1)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default", "uid": new_uid(),
                         "creationTimestamp": now_rfc3339(), "resourceVersion": "200",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": ip, "clusterIPs": [ip], "internalTrafficPolicy": "Cluster",
                     "ipFamilies": [family], "ipFamilyPolicy": "SingleStack",
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                "targetPort": 6443}],
                     "sessionAffinity": "None", "type": "ClusterIP"},
            "status": {"loadBalancer": {}}}


# --------------------------------------------------------------------------------------
# Views


def node_json(cluster, n):
    ready = cluster.cni_ready()
    cond_ready = {"type": "Ready", "status": "True" if ready else "False",
                  "lastHeartbeatTime": now_rfc3339(), "lastTransitionTime": n["created"],
                  "reason": "KubeletReady" if ready else "KubeletNotReady",
                  "message": "kubelet is posting ready status" if ready else
                  "container runtime network not ready: NetworkReady=false "
                  "reason:NetworkPluginNotReady message:Network plugin returns error: "
                  "cni plugin not initialized"}
    conditions = [{"type": t, "status": "False", "lastHeartbeatTime": now_rfc3339(),
                   "lastTransitionTime": n["created"], "reason": r, "message": m}
                  for t, r, m in (("MemoryPressure", "KubeletHasSufficientMemory",
                                   "kubelet has sufficient memory available"),
                                  ("DiskPressure", "KubeletHasNoDiskPressure",
                                   "kubelet has no disk pressure"),
                                  ("PIDPressure", "KubeletHasSufficientPID",
                                   "kubelet has sufficient PID available"))] + [cond_ready]
    spec = {"podCIDR": n["podCIDRs"][0], "podCIDRs": list(n["podCIDRs"]),
            "providerID": f"kind://docker/{cluster.name}/{n['name']}"}
    if n.get("taints"):
        spec["taints"] = n["taints"]
    capacity = {"cpu": "2", "ephemeral-storage": "263174212Ki", "hugepages-2Mi": "0",
                "memory": "8131392Ki", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"annotations": dict(n["annotations"]),
                         "creationTimestamp": n["created"], "labels": dict(n["labels"]),
                         "name": n["name"], "resourceVersion": n.get("rv", "500"),
                         "uid": n["uid"]},
            "spec": spec,
            "status": {"addresses": [{"address": ip, "type": "InternalIP"}
                                     for ip in internal_ips(cluster, n)] +
                       [{"address": n["name"], "type": "Hostname"}],
                       "allocatable": capacity, "capacity": capacity,
                       "conditions": conditions,
                       "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                       "nodeInfo": {"architecture": "amd64", "bootID": n["uid"],
                                    "containerRuntimeVersion": "containerd://1.7.1",
                                    "kernelVersion": _kernel(), "kubeProxyVersion": K8S_VERSION,
                                    "kubeletVersion": K8S_VERSION, "machineID": n["uid"][:8],
                                    "operatingSystem": "linux",
                                    "osImage": "Debian GNU/Linux 11 (bullseye)",
                                    "systemUUID": n["uid"]}}}


def internal_ips(cluster, n):
    """The node's InternalIP addresses, as kind's kubelet --node-ip gives them: IPv4 (ipv4),
    IPv4 then IPv6 (dual, IPv4 first), IPv6 only (ipv6: the container's IPv4 address, which
    Docker always gives, is not the node's)."""
    family = cluster.d["config"].get("ipFamily", "ipv4")
    return {"ipv4": [n["ip"]], "dual": [n["ip"], n.get("ip6")],
            "ipv6": [n.get("ip6")]}[family]


def _kernel():
    import os
    return os.uname().release


def pod_json(cluster, p):
    running = p["phase"] == "Running"
    container_status = {
        "image": "docker.io/library/nginx:latest", "imageID": "", "name": p["container"],
        "ready": running, "restartCount": 0, "started": running,
        "state": ({"running": {"startedAt": p.get("started") or p["created"]}} if running else
                  {"waiting": {"reason": "ContainerCreating"}})}
    if running:
        container_status["containerID"] = f"containerd://{p['uid'].replace('-', '')}"
        container_status["imageID"] = ("docker.io/library/nginx@sha256:"
                                       "593dac25b7733ffb7afe1a72649a43e574778bf025ad60514ef40f6b5d606247")
    status = {"phase": p["phase"], "qosClass": "BestEffort", "startTime": p["created"],
              "hostIP": internal_ips(cluster, cluster.node(p["node"]))[0],
              "conditions": [{"type": t, "status": "True" if running or t == "PodScheduled"
                              else "False", "lastProbeTime": None,
                              "lastTransitionTime": p.get("started") or p["created"]}
                             for t in ("Initialized", "Ready", "ContainersReady",
                                       "PodScheduled")],
              "containerStatuses": [container_status]}
    if p.get("ip"):
        status["podIP"] = p["ip"]
        status["podIPs"] = [{"ip": ip} for ip in p.get("ips") or [p["ip"]]]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"creationTimestamp": p["created"], "generateName": p["generateName"],
                         "labels": dict(p["labels"]), "name": p["name"],
                         "namespace": p["namespace"],
                         "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": True,
                                              "controller": True, "kind": "ReplicaSet",
                                              "name": p["generateName"].rstrip("-"),
                                              "uid": p["owner_uid"]}],
                         "resourceVersion": p.get("rv", "600"), "uid": p["uid"]},
            "spec": {"containers": copy.deepcopy(p["containers"]), "dnsPolicy": "ClusterFirst",
                     "enableServiceLinks": True, "nodeName": p["node"], "preemptionPolicy":
                     "PreemptLowerPriority", "priority": 0, "restartPolicy": "Always",
                     "schedulerName": "default-scheduler", "securityContext": {},
                     "serviceAccount": "default", "serviceAccountName": "default",
                     "terminationGracePeriodSeconds": 30},
            "status": status}


def deployment_json(cluster, d):
    out = copy.deepcopy(d)
    pods = [p for p in cluster.pods() if p["owner"] == object_key("Deployment",
                                                                  d["metadata"]["namespace"],
                                                                  d["metadata"]["name"])]
    ready = sum(1 for p in pods if p["phase"] == "Running")
    want = out["spec"].get("replicas", 1)
    if d.get("_helm"):  # Helm's cilium-operator: ready once Cilium runs
        ready = want if cluster.cilium_version() else 0
        pods = [None] * want
    st = {"observedGeneration": d["metadata"].get("generation", 1), "replicas": len(pods),
          "updatedReplicas": len(pods)}
    if ready:
        st.update({"readyReplicas": ready, "availableReplicas": ready})
    if ready < want:
        st["unavailableReplicas"] = want - ready
    st["conditions"] = [{"type": "Available", "status": "True" if ready >= want else "False",
                         "reason": "MinimumReplicasAvailable" if ready >= want else
                         "MinimumReplicasUnavailable"}]
    out["status"] = st
    return out


def object_json(cluster, obj):
    if obj["kind"] == "Deployment":
        return deployment_json(cluster, obj)
    if obj["kind"] == "DaemonSet":
        import fakedaemonset
        return fakedaemonset.ds_json(cluster, obj)
    return copy.deepcopy(obj)


def list_json(items):
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
