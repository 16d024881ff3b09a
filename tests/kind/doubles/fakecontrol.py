"""The "controllers" of the simulated clusters, run synchronously by every double that
touches a cluster (fakek8s.py explains why):

  Deployment controller + scheduler  pods `<deploy>-<hash>-<5>` on the workers, round robin
  CNI (Cilium's kubernetes IPAM)      a pod IP from each of its node's pod CIDRs, once Cilium runs
  LB IPAM (Cilium)                    the first free address of a matching pool
  autoDirectNodeRoutes                `ip route replace <podCIDR> via <nodeIP>` on every node,
                                      per family
  BGP Control Plane (Cilium 1.14+)    gobgpd per node, configured as Cilium configures its
                                      GoBGP (v1 CiliumBGPPeeringPolicy or the BGPv2 trio)

Each node's share of the result is one JSON document (node_doc) that fakenode.py, run in
the node's container, makes true there; a document is sent only when it changed.

BGP as Cilium 1.14 does it (pkg/bgpv1; reference bgp-interop.md §1): router ID = the node's
IPv4 unless annotated, listen port from `cilium.io/bgp-virtual-router.<ASN>` (`local-port`)
else none (-1), dial out to every neighbor, IPv4 + IPv6 unicast, global import policy
reject (received routes are never used), the pod CIDR when exportPodCIDR, the ingress IPs
of LoadBalancer Services matching serviceSelector (no selector: none). Two v1 policies
matching one node: no BGP on it. v1 and v2 matching: v1 wins.
"""

import concurrent.futures
import hashlib
import ipaddress
import json
import os
import sys
import time

import fakeapi
from fakek8s import (NODE_AGENT_IN_NODE, cilium_version_tuple, docker, failures, labels_match,
                     new_uid, now_rfc3339, object_key, pick_free, random_suffix, safe_encode)


def reconcile(cluster, quiet=False):
    """Brings the cluster's derived state and its node containers up to date. REQUIRES: the
    cluster's lock. Saves the cluster."""
    _deployments(cluster)
    _pod_network(cluster)
    _lb_ipam(cluster)
    sync_nodes(cluster, quiet=quiet)
    cluster.save()


# --------------------------------------------------------------------------------------
# Pods


def _schedulable(cluster):
    workers = [n for n in cluster.nodes if n["role"] == "worker"]
    return workers or cluster.nodes  # kind untaints a lone control plane


def _deployments(cluster):
    live = set()
    for d in cluster.objects("Deployment"):
        if d.get("_helm"):  # cilium-operator: host network, no pods of ours (fakecilium.py)
            continue
        md, spec = d["metadata"], d.get("spec") or {}
        key = object_key("Deployment", md["namespace"], md["name"])
        live.add(key)
        template = spec.get("template") or {}
        tmpl_hash = safe_encode(json.dumps(template, sort_keys=True), 10)
        owned = [p for p in cluster.pods() if p["owner"] == key]
        for p in owned:
            if p["hash"] != tmpl_hash:
                del cluster.d["pods"][f"{p['namespace']}/{p['name']}"]
        owned = [p for p in owned if p["hash"] == tmpl_hash]
        want = int(spec.get("replicas", 1))
        for p in sorted(owned, key=lambda p: p["created"], reverse=True)[:max(0, len(owned) - want)]:
            del cluster.d["pods"][f"{p['namespace']}/{p['name']}"]
        owned = owned[:want]
        nodes = _schedulable(cluster)
        rs_uid = d.setdefault("_rs_uids", {}).setdefault(tmpl_hash, new_uid())
        containers = (template.get("spec") or {}).get("containers") or [{"name": "app"}]
        while len(owned) < want:
            counts = {n["name"]: 0 for n in nodes}
            for p in owned:
                if p["node"] in counts:
                    counts[p["node"]] += 1
            node = min(nodes, key=lambda n: counts[n["name"]])["name"]
            while True:
                name = f"{md['name']}-{tmpl_hash}-{random_suffix()}"
                if f"{md['namespace']}/{name}" not in cluster.d["pods"]:
                    break
            labels = dict((template.get("metadata") or {}).get("labels") or {})
            labels["pod-template-hash"] = tmpl_hash
            ports = containers[0].get("ports") or [{"containerPort": 80}]
            p = {"name": name, "namespace": md["namespace"], "owner": key, "hash": tmpl_hash,
                 "owner_uid": rs_uid, "generateName": f"{md['name']}-{tmpl_hash}-",
                 "labels": labels, "node": node, "ip": None, "phase": "Pending",
                 "containers": containers, "container": containers[0].get("name", "app"),
                 "port": int(ports[0].get("containerPort", 80)), "uid": new_uid(),
                 "created": now_rfc3339(), "created_at": time.time(),
                 "rv": cluster.next_rv()}
            cluster.d["pods"][f"{p['namespace']}/{name}"] = p
            owned.append(p)
    for k, p in list(cluster.d["pods"].items()):
        if p["owner"] not in live:
            del cluster.d["pods"][k]


def _image_here(cluster, p):
    """Whether the pod's image is on its node: loaded there with `kind load docker-image`, or
    pulled, which takes $BGPDEMO_FAKE_PULL_SECONDS (default 0) from the pod's creation. Until
    then the pod stays Pending, ContainerCreating, as the kubelet shows a pod whose image is
    being pulled."""
    delay = float(os.environ.get("BGPDEMO_FAKE_PULL_SECONDS", "0"))
    if delay <= 0:
        return True
    image = (p.get("containers") or [{}])[0].get("image") or ""
    if ":" not in image.rsplit("/", 1)[-1]:
        image += ":latest"
    if image in cluster.d.get("image_names", {}).get(p["node"], []):
        return True
    return time.time() >= float(p.get("created_at", 0)) + delay


def _pod_network(cluster):
    ready = cluster.cni_ready()
    for p in cluster.pods():
        if p["ip"] or not ready or not _image_here(cluster, p):
            continue
        node = cluster.node(p["node"])
        # One address from each of the node's pod CIDRs Cilium uses (both families on a
        # dual-stack node with a dual-stack Cilium), from .10 / ::a up; `ip` is the first, as
        # status.podIP.
        used = {ip for q in cluster.pods() if q["node"] == p["node"] for ip in pod_ips(q)}
        p["ips"] = [pick_free(cidr, used, start=str(ipaddress.ip_network(cidr).network_address + 10))
                    for cidr in cluster.pod_cidrs(node)]
        p["ip"] = p["ips"][0]
        p["phase"] = "Running"
        p["started"] = now_rfc3339()
        p["rv"] = cluster.next_rv()


def pod_ips(pod):
    """A pod's addresses, one per family its node has; none before it runs."""
    return pod.get("ips") or ([pod["ip"]] if pod.get("ip") else [])


def same_family(a, b):
    return (":" in a) == (":" in b)


def node_address(node, like):
    """The node's address of the family of `like` (an address or a prefix), or None."""
    return node.get("ip6") if ":" in like else node["ip"]


def pod_port(pod, target):
    """A Service's targetPort resolved against the pod's container ports."""
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        return int(target)
    for c in pod["containers"]:
        for cp in c.get("ports") or []:
            if cp.get("name") == target:
                return int(cp["containerPort"])
    return pod["port"]


def service_backends(cluster, svc):
    sel = (svc.get("spec") or {}).get("selector")
    if not sel:
        return []
    return [p for p in cluster.pods()
            if p["namespace"] == svc["metadata"]["namespace"] and p["phase"] == "Running"
            and labels_match({"matchLabels": sel}, p["labels"])]


# --------------------------------------------------------------------------------------
# LB IPAM


def _pool_ranges(pool, version):
    """(cidr, start, stop, skip_first_last) ranges of a CiliumLoadBalancerIPPool."""
    spec = pool.get("spec") or {}
    allow = spec.get("allowFirstLastIPs")
    if allow is None:
        allow = "Yes" if version >= (1, 16) else "No"
    skip = str(allow) not in ("Yes", "True", "true")
    out = []
    for b in (spec.get("blocks") or []) + (spec.get("cidrs") or []):
        if b.get("cidr"):
            out.append((b["cidr"], None, None, skip))
        elif b.get("start"):
            stop = b.get("stop") or b["start"]
            out.append((f"{b['start']}/{128 if ':' in b['start'] else 32}", b["start"], stop,
                        False))
    return out


def _requested_families(svc):
    """The families LB IPAM allocates for a Service (Cilium operator/pkg/lbipam
    serviceIPFamilyRequest): SingleStack (the default) its first family, IPv4 unless it says
    otherwise; RequireDualStack and PreferDualStack both."""
    spec = svc.get("spec") or {}
    fams = list(spec.get("ipFamilies") or ["IPv4"])
    if spec.get("ipFamilyPolicy", "SingleStack") == "SingleStack":
        return fams[:1]
    return ["IPv4", "IPv6"]


def _lb_ipam(cluster):
    version = cilium_version_tuple(cluster.cilium_version() or "0")
    if not cluster.cilium_version() or "no-lb-ip" in failures():
        return
    pools = [p for p in cluster.objects("CiliumLoadBalancerIPPool")
             if not (p.get("spec") or {}).get("disabled")]
    services = sorted((s for s in cluster.objects("Service")
                       if (s.get("spec") or {}).get("type") == "LoadBalancer"),
                      key=lambda s: s["metadata"]["creationTimestamp"])
    used = set()
    for s in services:
        for ing in (s.get("status") or {}).get("loadBalancer", {}).get("ingress") or []:
            used.add(ing.get("ip"))
    for s in services:
        lb = s.setdefault("status", {}).setdefault("loadBalancer", {})
        cls = s["spec"].get("loadBalancerClass")
        if cls not in (None, "io.cilium/bgp-control-plane", "io.cilium/l2-announcer"):
            continue
        matching = [p for p in pools if labels_match((p.get("spec") or {}).get(
            "serviceSelector") or {}, s["metadata"].get("labels"))]
        current = [i.get("ip") for i in lb.get("ingress") or []]
        if current and all(any(_in_pool(ip, p) for p in matching) for ip in current):
            continue
        if current:
            used.difference_update(current)
            lb.pop("ingress", None)
        for p in matching:
            # One address of each family asked for, from a range of that family; IPv4 first.
            ips = []
            for fam in ("IPv4", "IPv6"):
                if fam not in _requested_families(s):
                    continue
                for cidr, start, stop, skip in _pool_ranges(p, version):
                    if (":" in cidr) != (fam == "IPv6"):
                        continue
                    ip = pick_free(cidr, used, skip, skip, start, stop)
                    if ip:
                        ips.append(ip)
                        break
            if ips:
                used.update(ips)
                lb["ingress"] = [{"ip": ip} for ip in ips]
                s["metadata"]["resourceVersion"] = cluster.next_rv()
                break


def _in_pool(ip, pool):
    for b in ((pool.get("spec") or {}).get("blocks") or []) + \
            ((pool.get("spec") or {}).get("cidrs") or []):
        try:
            if b.get("cidr") and ipaddress.ip_address(ip) in ipaddress.ip_network(b["cidr"], strict=False):
                return True
            if b.get("start") and ipaddress.ip_address(b["start"]) <= ipaddress.ip_address(ip) <= \
                    ipaddress.ip_address(b.get("stop") or b["start"]):
                return True
        except (ValueError, TypeError):  # TypeError: an IPv6 block against an IPv4 address
            pass
    return False


def lb_ips(svc):
    return [i["ip"] for i in (svc.get("status") or {}).get("loadBalancer", {}).get("ingress") or []
            if i.get("ip")]


# --------------------------------------------------------------------------------------
# BGP


def _annotation_config(node, asn):
    """router-id and local-port from `cilium.io/bgp-virtual-router.<asn>` (BGPv1)."""
    out = {}
    for k, v in (node.get("annotations") or {}).items():
        parts = k.split(".")
        if not k.startswith("cilium.io/bgp-virtual-router.") or len(parts) != 3 or \
                parts[2] != str(asn):
            continue
        for kv in str(v).split(","):
            if "=" in kv:
                a, b = kv.split("=", 1)
                out[a.strip()] = b.strip()
    return out


def _service_prefixes(cluster, selector, afi=None):
    """The host routes of the LB IPs of the Services `selector` matches, of one family (afi
    "ipv4"/"ipv6") or of both (None)."""
    if selector is None:
        return []
    out = []
    for s in cluster.objects("Service"):
        if (s.get("spec") or {}).get("type") != "LoadBalancer":
            continue
        if labels_match(selector, s["metadata"].get("labels")):
            out += [f"{ip}/{128 if ':' in ip else 32}" for ip in lb_ips(s)
                    if afi is None or (":" in ip) == (afi == "ipv6")]
    return out


def bgp_for_node(cluster, node):
    """{"asn", "router_id", "port", "neighbors": [...], "prefixes": [...]} or None."""
    values = cluster.cilium_values()
    if not cluster.cilium_version() or not (values.get("bgpControlPlane") or {}).get("enabled"):
        return None
    version = cilium_version_tuple(cluster.cilium_version())
    v1 = [p for p in cluster.objects("CiliumBGPPeeringPolicy")
          if labels_match((p.get("spec") or {}).get("nodeSelector") or {}, node["labels"])]
    if len(v1) > 1:
        return None  # Cilium refuses to pick one: no BGP on this node
    if v1 and version < (1, 19):
        vrs = (v1[0].get("spec") or {}).get("virtualRouters") or []
        if not vrs:
            return None
        vr = vrs[0]  # one gobgpd per node: the first virtual router
        asn = int(vr["localASN"])
        ann = _annotation_config(node, asn)
        prefixes = []
        if vr.get("exportPodCIDR"):
            prefixes += cluster.pod_cidrs(node)
        prefixes += _service_prefixes(cluster, vr.get("serviceSelector"))
        neighbors = []
        for n in vr.get("neighbors") or []:
            gr = n.get("gracefulRestart") or {}
            neighbors.append({
                "address": str(n["peerAddress"]).split("/")[0], "peer_as": int(n["peerASN"]),
                "peer_port": int(n.get("peerPort", 179)),
                "multihop_ttl": int(n.get("eBGPMultihopTTL", 1)),
                "connect_retry": int(n.get("connectRetryTimeSeconds", 120)),
                "hold": int(n.get("holdTimeSeconds", 90)),
                "keepalive": int(n.get("keepAliveTimeSeconds", 30)),
                "gr": bool(gr.get("enabled")), "restart_time": int(gr.get("restartTimeSeconds", 120)),
                "families": ["ipv4-unicast", "ipv6-unicast"]})
        return {"asn": asn, "router_id": ann.get("router-id") or node["ip"],
                "port": int(ann.get("local-port", -1)), "neighbors": neighbors,
                "prefixes": sorted(set(prefixes))}
    if version < (1, 16):
        return None
    v2 = [c for c in cluster.objects("CiliumBGPClusterConfig")
          if labels_match((c.get("spec") or {}).get("nodeSelector") or {}, node["labels"])]
    if not v2:
        return None
    insts = (v2[0].get("spec") or {}).get("bgpInstances") or []
    if not insts:
        return None
    inst = insts[0]
    asn = int(inst["localASN"])
    override = {}
    o = cluster.get("CiliumBGPNodeConfigOverride", node["name"])
    for oi in ((o or {}).get("spec") or {}).get("bgpInstances") or []:
        if oi.get("name") == inst.get("name"):
            override = oi
    port = override.get("localPort", inst.get("localPort", -1))
    neighbors, prefixes = [], []
    adverts = cluster.objects("CiliumBGPAdvertisement")
    for peer in inst.get("peers") or []:
        pc = cluster.get("CiliumBGPPeerConfig", (peer.get("peerConfigRef") or {}).get("name", ""))
        pspec = (pc or {}).get("spec") or {}
        timers, gr = pspec.get("timers") or {}, pspec.get("gracefulRestart") or {}
        fams = pspec.get("families") or [{"afi": "ipv4", "safi": "unicast"},
                                          {"afi": "ipv6", "safi": "unicast"}]
        for f in fams:
            sel = f.get("advertisements")
            if sel is None:
                continue
            for a in adverts:
                if not labels_match(sel, a["metadata"].get("labels")):
                    continue
                for ad in (a.get("spec") or {}).get("advertisements") or []:
                    t = ad.get("advertisementType")
                    # Each family advertises its own: the pod CIDR and LB IPs of its afi.
                    if t == "PodCIDR":
                        prefixes += [c for c in cluster.pod_cidrs(node)
                                     if (":" in c) == (f.get("afi") == "ipv6")]
                    if t == "Service" and "LoadBalancerIP" in (
                            (ad.get("service") or {}).get("addresses") or []):
                        prefixes += _service_prefixes(cluster, ad.get("selector"), f.get("afi"))
        neighbors.append({
            "address": str(peer.get("peerAddress")), "peer_as": int(peer.get("peerASN", 0)),
            "peer_port": int((pspec.get("transport") or {}).get("peerPort", 179)),
            "multihop_ttl": int(pspec.get("ebgpMultihop", 1)),
            "connect_retry": int(timers.get("connectRetryTimeSeconds", 120)),
            "hold": int(timers.get("holdTimeSeconds", 90)),
            "keepalive": int(timers.get("keepAliveTimeSeconds", 30)),
            "gr": bool(gr.get("enabled")), "restart_time": int(gr.get("restartTimeSeconds", 120)),
            "families": [f"{f.get('afi')}-{f.get('safi')}" for f in fams]})
    return {"asn": asn, "router_id": override.get("routerID") or node["ip"], "port": int(port),
            "neighbors": neighbors, "prefixes": sorted(set(prefixes))}


def gobgpd_toml(node, bgp):
    """gobgpd 3.10's config for bgp, the shape core/lab/gobgpd.cpp's GobgpdConfig writes. The
    local address is the node's of the neighbors' family (IPv6 on an IPv6-only node)."""
    neighbors = bgp["neighbors"]
    local = node_address(node, neighbors[0]["address"]) if neighbors else node["ip"]
    out = [f"# gobgpd for kind node {node['name']}, as Cilium's BGP Control Plane sets up its GoBGP.",
           "[global.config]", f"  as = {bgp['asn']}", f"  router-id = \"{bgp['router_id']}\"",
           f"  port = {bgp['port']}", f"  local-address-list = [\"{local}\"]",
           "# Cilium never uses received routes; the import policy applies to local ones too.",
           "[global.apply-policy.config]", "  import-policy-list = [\"allow-local\"]",
           "  default-import-policy = \"reject-route\"", "",
           "[[policy-definitions]]", "  name = \"allow-local\"",
           "  [[policy-definitions.statements]]",
           "    [policy-definitions.statements.conditions.bgp-conditions]",
           "      route-type = \"local\"", "    [policy-definitions.statements.actions]",
           "      route-disposition = \"accept-route\""]
    for n in bgp["neighbors"]:
        out += ["", "[[neighbors]]", "  [neighbors.config]",
                f"    neighbor-address = \"{n['address']}\"", f"    peer-as = {n['peer_as']}",
                "  [neighbors.timers.config]", f"    connect-retry = {n['connect_retry']}",
                f"    hold-time = {n['hold']}", f"    keepalive-interval = {n['keepalive']}",
                "    idle-hold-time-after-reset = 5", "  [neighbors.transport.config]",
                "    passive-mode = false"]
        if n["peer_port"] != 179:
            out.append(f"    remote-port = {n['peer_port']}")
        if n["multihop_ttl"] > 1 and n["peer_as"] != bgp["asn"]:
            out += ["  [neighbors.ebgp-multihop.config]", "    enabled = true",
                    f"    multihop-ttl = {n['multihop_ttl']}"]
        if n["gr"]:
            out += ["  [neighbors.graceful-restart.config]", "    enabled = true",
                    f"    restart-time = {n['restart_time']}", "    notification-enabled = true"]
        for fam in n["families"]:
            out += ["  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]",
                    f"      afi-safi-name = \"{fam}\""]
            if n["gr"]:
                out += ["    [neighbors.afi-safis.mp-graceful-restart.config]",
                        "      enabled = true"]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------
# Nodes


def node_doc(cluster, node):
    installed = bool(cluster.cilium_version())
    pods = [p for p in cluster.pods() if p["node"] == node["name"] and p["ip"]]
    doc = {"node": node["name"], "routes": [], "addresses": [], "pods": [], "lbs": [],
           "bgp": None}
    if installed:
        doc["routes"] = [{"to": cidr, "via": node_address(n, cidr)} for n in cluster.nodes
                         if n["name"] != node["name"] for cidr in cluster.pod_cidrs(n)
                         if node_address(n, cidr)]
    for p in pods:
        for ip in pod_ips(p):
            doc["addresses"].append(ip)
            doc["pods"].append({"ip": ip, "port": p["port"], "name": p["name"]})
    if installed:
        for s in cluster.objects("Service"):
            if (s.get("spec") or {}).get("type") != "LoadBalancer":
                continue
            backends = service_backends(cluster, s)
            for ip in lb_ips(s):
                doc["addresses"].append(ip)
                for port in s["spec"].get("ports") or []:
                    # A family's LB IP goes to the backends' addresses of that family.
                    doc["lbs"].append({"ip": ip, "port": int(port["port"]), "backends": [
                        [b, pod_port(p, port.get("targetPort", port["port"]))]
                        for p in backends for b in pod_ips(p) if same_family(b, ip)]})
    bgp = bgp_for_node(cluster, node)
    if bgp:
        doc["bgp"] = {"toml": gobgpd_toml(node, bgp), "prefixes": bgp["prefixes"]}
    doc["addresses"] = sorted(set(doc["addresses"]))
    return doc


def _sync_one(name, doc):
    r = docker("exec", "-i", name, "python3", NODE_AGENT_IN_NODE, "sync",
               input=json.dumps(doc), check=False, timeout=60)
    if r.returncode != 0:
        return f"node {name}: sync failed ({r.returncode}): {(r.stderr or r.stdout).strip()[-500:]}"
    try:
        res = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return f"node {name}: sync printed no result: {r.stdout[-300:]} {r.stderr[-300:]}"
    if res.get("errors"):
        return f"node {name}: " + "; ".join(res["errors"])
    return None


def sync_nodes(cluster, quiet=False, force=False):
    """Sends every node whose document changed to its container (in parallel)."""
    synced = cluster.d.setdefault("synced", {})
    todo = {}
    for n in cluster.nodes:
        doc = node_doc(cluster, n)
        h = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        if force or synced.get(n["name"]) != h:
            todo[n["name"]] = (doc, h)
    if not todo:
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(todo)) as ex:
        futs = {name: ex.submit(_sync_one, name, doc) for name, (doc, _) in todo.items()}
    for name, fut in futs.items():
        err = fut.result()
        if err:
            synced.pop(name, None)
            if not quiet:
                sys.stderr.write(f"fake-k8s: warning: {err}\n")
        else:
            synced[name] = todo[name][1]


# --------------------------------------------------------------------------------------
# cilium bgp peers


_STATES = {0: "unknown", 1: "idle", 2: "connect", 3: "active", 4: "open_sent",
           5: "open_confirm", 6: "established"}
_AFI = {1: "ipv4", 2: "ipv6"}
_SAFI = {1: "unicast", 2: "multicast"}


def peers_from_gobgp(neighbors, bgp, now):
    """`gobgp -j neighbor` entries as Cilium's BgpPeer models (api/v1/models/bgp_peer.go)."""
    out = []
    confs = {n["address"]: n for n in (bgp or {}).get("neighbors") or []}
    for n in neighbors or []:
        conf, state = n.get("conf") or {}, n.get("state") or {}
        addr = conf.get("neighbor_address") or state.get("neighbor_address", "")
        c = confs.get(addr, {})
        st = state.get("session_state", 0)
        st = _STATES.get(st, "unknown") if isinstance(st, int) else \
            str(st).lower().replace("session_state_", "")
        timers = n.get("timers") or {}
        tstate = timers.get("state") or {}
        uptime = 0
        if st == "established":
            since = (tstate.get("uptime") or {}).get("seconds", 0)
            # Nanoseconds, as the agent's time.Since gives them: a session up for less than
            # a second still shows a non-zero uptime (GoBGP's start time is in seconds).
            uptime = max(0, int((now - since) * 1_000_000_000)) if since else 0
        fams = []
        for a in n.get("afi_safis") or []:
            cfg = (a.get("config") or {}).get("family") or {}
            s = a.get("state") or {}
            fams.append({"afi": _AFI.get(cfg.get("afi"), str(cfg.get("afi"))),
                         "safi": _SAFI.get(cfg.get("safi"), str(cfg.get("safi"))),
                         "received": int(s.get("received", 0)),
                         "accepted": int(s.get("accepted", 0)),
                         "advertised": int(s.get("advertised", 0))})
        peer = {"local-asn": int(conf.get("local_asn") or (bgp or {}).get("asn", 0)),
                "peer-asn": int(conf.get("peer_asn") or state.get("peer_asn", 0)),
                "peer-address": addr,
                "peer-port": int((n.get("transport") or {}).get("remote_port") or
                                 c.get("peer_port", 179)),
                "session-state": st, "uptime-nanoseconds": uptime, "families": fams,
                "connect-retry-time-seconds": c.get("connect_retry", 120),
                "configured-hold-time-seconds": c.get("hold", 90),
                "configured-keep-alive-time-seconds": c.get("keepalive", 30),
                "graceful-restart": {"enabled": bool(c.get("gr")),
                                     "restart-time-seconds": c.get("restart_time", 120)}}
        if c.get("multihop_ttl", 1) > 1:
            peer["ebgp-multihop-ttl"] = c["multihop_ttl"]
        if st == "established":
            peer["applied-hold-time-seconds"] = int(tstate.get("negotiated_hold_time", 0))
            peer["applied-keep-alive-time-seconds"] = int(tstate.get("keepalive_interval", 0))
        out.append(peer)
    return out
