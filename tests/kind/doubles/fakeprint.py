"""kubectl's table output (`kubectl get` without -o): the columns kubectl 1.27 prints for
nodes, pods, services, deployments and daemonsets (k8s.io/kubernetes pkg/printers/internalversion
printers.go), NAME and AGE for the other kinds. Used by the kubectl double only."""

import time

import fakecontrol


def _age(ts):
    try:
        t = time.mktime(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    except (TypeError, ValueError):
        return "<unknown>"
    s = max(0, int(time.time() - t))
    if s < 120:
        return f"{s}s"
    if s < 600:
        return f"{s // 60}m{s % 60}s" if s % 60 else f"{s // 60}m"
    if s < 3 * 3600:
        return f"{s // 60}m"
    if s < 48 * 3600:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def _table(rows, no_headers=False):
    if no_headers:
        rows = rows[1:]
    if not rows:
        return
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("   ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)).rstrip())


def print_table(cluster, items, wide, args):
    if not items:
        return
    kind = items[0][0]
    nh = args.get("no-headers")
    all_ns = args.get("A", "all-namespaces")
    ns_col = lambda i: [i["metadata"].get("namespace", "")] if all_ns else []  # noqa: E731
    ns_head = ["NAMESPACE"] if all_ns else []
    if kind == "Node":
        rows = [["NAME", "STATUS", "ROLES", "AGE", "VERSION"] +
                (["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION",
                  "CONTAINER-RUNTIME"] if wide else [])]
        for _, _, n in items:
            ready = next(c for c in n["status"]["conditions"] if c["type"] == "Ready")
            roles = ",".join(r.split("/", 1)[1] for r in n["metadata"]["labels"]
                             if r.startswith("node-role.kubernetes.io/")) or "<none>"
            info = n["status"]["nodeInfo"]
            rows.append([n["metadata"]["name"], "Ready" if ready["status"] == "True" else "NotReady",
                         roles, _age(n["metadata"]["creationTimestamp"]), info["kubeletVersion"]] +
                        ([n["status"]["addresses"][0]["address"], "<none>", info["osImage"],
                          info["kernelVersion"], info["containerRuntimeVersion"]] if wide else []))
    elif kind == "Pod":
        rows = [ns_head + ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] +
                (["IP", "NODE", "NOMINATED NODE", "READINESS GATES"] if wide else [])]
        for _, _, p in items:
            running = p["status"]["phase"] == "Running"
            rows.append(ns_col(p) + [p["metadata"]["name"], "1/1" if running else "0/1",
                                     "Running" if running else "ContainerCreating", "0",
                                     _age(p["metadata"]["creationTimestamp"])] +
                        ([p["status"].get("podIP", "<none>"), p["spec"]["nodeName"], "<none>",
                          "<none>"] if wide else []))
    elif kind == "Service":
        rows = [ns_head + ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"] +
                (["SELECTOR"] if wide else [])]
        for _, _, s in items:
            spec = s["spec"]
            ext = ",".join(fakecontrol.lb_ips(s)) or (
                "<pending>" if spec.get("type") == "LoadBalancer" else "<none>")
            ports = ",".join(f"{p['port']}" + (f":{p['nodePort']}" if p.get("nodePort") else "") +
                             f"/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or [])
            rows.append(ns_col(s) + [s["metadata"]["name"], spec.get("type"), spec.get("clusterIP"),
                                     ext, ports, _age(s["metadata"]["creationTimestamp"])] +
                        ([",".join(f"{a}={b}" for a, b in (spec.get("selector") or {}).items())
                          or "<none>"] if wide else []))
    elif kind == "Deployment":
        rows = [ns_head + ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]]
        for _, _, d in items:
            st, want = d["status"], d["spec"].get("replicas", 1)
            rows.append(ns_col(d) + [d["metadata"]["name"], f"{st.get('readyReplicas', 0)}/{want}",
                                     str(st.get("updatedReplicas", 0)),
                                     str(st.get("availableReplicas", 0)),
                                     _age(d["metadata"]["creationTimestamp"])])
    elif kind == "DaemonSet":
        rows = [ns_head + ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE",
                           "NODE SELECTOR", "AGE"]]
        for _, _, d in items:
            st = d.get("status") or {}
            sel = ((d.get("spec") or {}).get("template") or {}).get("spec", {}).get("nodeSelector")
            rows.append(ns_col(d) + [d["metadata"]["name"]] +
                        [str(st.get(f, 0)) for f in ("desiredNumberScheduled",
                                                     "currentNumberScheduled", "numberReady",
                                                     "updatedNumberScheduled", "numberAvailable")] +
                        [",".join(f"{a}={b}" for a, b in (sel or {}).items()) or "<none>",
                         _age(d["metadata"].get("creationTimestamp"))])
    else:
        rows = [ns_head + ["NAME", "AGE"]]
        for _, _, o in items:
            rows.append(ns_col(o) + [o["metadata"]["name"],
                                     _age(o["metadata"].get("creationTimestamp"))])
    _table(rows, nh)


