"""Cases of tests/kind/doubles_test.py (split out to keep each file short): what `bgpdemo up
--provider kube` meets on existing clusters (RBAC answers, unreachable and unknown contexts,
the objects Cilium's chart leaves, DaemonSets that run in the nodes), and the failure
injection on a third, single-node cluster. Run by doubles_test.py, with its Suite `s` and
Checks `c`.
"""

import json
import os
import re
import time

ROUTES_DS = """apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {name}
  namespace: kube-system
  labels: {{app.kubernetes.io/managed-by: bgpdemo, app: {name}}}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      hostNetwork: true
      terminationGracePeriodSeconds: {grace}
{tolerations}      containers:
      - name: routes
        image: busybox:1.36
        env:
        - name: NODE_IP
          valueFrom:
            fieldRef: {{fieldPath: status.hostIP}}
        command: ["/bin/sh", "-c"]
        args:
        - |
          {script}
"""
CP_TOLERATION = """      tolerations:
      - key: node-role.kubernetes.io/control-plane
        operator: Exists
        effect: NoSchedule
"""


def _write(s, name, text):
    path = os.path.join(s.dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def existing_clusters(c, s, nets, files):
    """kind-cilium (Cilium 1.14.0, BGPv1) and kind-cilium2 (1.19.0) as the kube provider
    finds them."""
    ctx, ctx2 = nets[0].context, nets[1].context
    # --- kubectl auth can-i -------------------------------------------------------------------
    r = s.tool("kubectl", "--context", ctx2, "auth", "can-i", "create",
               "ciliumbgppeeringpolicies.cilium.io")
    c.check(r.returncode == 0 and r.stdout == "yes\n" and r.stderr ==
            "Warning: resource 'ciliumbgppeeringpolicies' is not namespace scoped in group "
            "'cilium.io'\n", "can-i: yes, exit 0, the cluster-scope warning", r.stdout + r.stderr)
    deny = {"BGPDEMO_FAKE_DENY": f"{ctx2}:create/ciliumbgppeeringpolicies.cilium.io,"
                                 f"{ctx2}:create/daemonsets.apps@kube-system,"
                                 f"{ctx2}:create/pods/exec"}
    r = s.tool("kubectl", "--context", ctx2, "auth", "can-i", "create",
               "ciliumbgppeeringpolicies.cilium.io", "-A", extra=deny)
    c.check(r.returncode == 1 and r.stdout == "no\n" and r.stderr == "",
            "can-i on a denied resource: no, exit 1", f"{r.returncode} {r.stdout!r} {r.stderr!r}")
    r1 = s.tool("kubectl", "--context", ctx2, "auth", "can-i", "create", "daemonsets.apps",
                "-n", "kube-system", "-q", extra=deny)
    r2 = s.tool("kubectl", "--context", ctx2, "auth", "can-i", "create", "ds", "-n",
                "default", extra=deny)
    r3 = s.tool("kubectl", "--context", ctx, "auth", "can-i", "create", "daemonsets.apps",
                "-n", "kube-system", extra=deny)
    c.check(r1.returncode == 1 and r1.stdout == "" and r2.stdout == "yes\n" and
            r3.stdout == "yes\n", "denials are per context and namespace; -q prints nothing",
            f"{r1.returncode} {r1.stdout!r} {r2.stdout!r} {r3.stdout!r}")
    r1 = s.tool("kubectl", "--context", ctx2, "auth", "can-i", "create", "pods/exec", extra=deny)
    r2 = s.tool("kubectl", "--context", ctx2, "auth", "can-i", "create", "pods",
                "--subresource", "exec", extra=deny)
    c.check(r1.stdout == "yes\n" and r2.stdout == "no\n" and r2.returncode == 1,
            "can-i pods/exec names the pod `exec`; --subresource exec is the subresource",
            r1.stdout + r2.stdout)
    r = s.tool("kubectl", "--context", ctx2, "apply", "-f",
               os.path.join(files["cilium"], "bgp-peering-policy.yaml"), extra=deny)
    c.check(r.returncode == 1 and r.stderr.startswith("Error from server (Forbidden): error when "
            "creating \"") and r.stderr.endswith("ciliumbgppeeringpolicies.cilium.io is forbidden: "
            "User \"kubernetes-admin\" cannot create resource \"ciliumbgppeeringpolicies\" in "
            "API group \"cilium.io\" at the cluster scope\n"), "a denied apply: Forbidden",
            r.stderr)
    # --- unreachable and unknown contexts --------------------------------------------------------
    down = {"BGPDEMO_FAKE_UNREACHABLE": ctx2}
    r = s.tool("kubectl", "--context", ctx2, "get", "nodes", extra=down)
    lines = r.stderr.splitlines()
    hp = re.search(r"The connection to the server (127\.0\.0\.1:\d+) was refused", r.stderr)
    hp = hp.group(1) if hp else "?"
    c.check(r.returncode == 1 and len(lines) == 6 and all(re.fullmatch(
        r"E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ memcache\.go:265\] couldn't get current server API "
        r"group list: Get \"https://" + re.escape(hp) + r"/api\?timeout=32s\": dial tcp " +
        re.escape(hp) + ": connect: connection refused", x) for x in lines[:5]) and
        lines[5] == f"The connection to the server {hp} was refused - did you specify the right "
                    f"host or port?", "BGPDEMO_FAKE_UNREACHABLE: kubectl's discovery errors",
        r.stderr)
    r = s.tool("kubectl", "--context", ctx, "get", "nodes", "-o", "name", extra=down)
    c.check(r.returncode == 0, "the other context still answers", r.stderr)
    r = s.tool("helm", "list", "-n", "kube-system", "--kube-context", ctx2, extra=down)
    c.check(r.returncode == 1 and r.stderr == f"Error: Kubernetes cluster unreachable: Get "
            f"\"https://{hp}/version\": dial tcp {hp}: connect: connection refused\n",
            "helm on an unreachable cluster", r.stderr)
    r = s.tool("cilium", "status", "--context", ctx2, extra=down)
    c.check(r.returncode == 1 and r.stderr.startswith("Error: Unable to determine status: Get ")
            and "connect: connection refused" in r.stderr, "cilium status, unreachable", r.stderr)
    r1 = s.tool("kubectl", "--context", "nope", "get", "nodes")
    r2 = s.tool("kubectl", "--context", "nope", "-n", "kube-system", "get", "pods")
    r3 = s.tool("helm", "list", "--kube-context", "nope")
    r4 = s.tool("cilium", "status", "--context", "nope")
    c.check([r1.stderr, r2.stderr, r3.stderr, r4.stderr] == [
        "Error in configuration: context was not found for specified context: nope\n",
        "error: context \"nope\" does not exist\n",
        "Error: Kubernetes cluster unreachable: context \"nope\" does not exist\n",
        "Error: unable to create Kubernetes client: context \"nope\" does not exist\n"] and
        all(x.returncode == 1 for x in (r1, r2, r3, r4)),
        "a context the kubeconfig lacks: each tool's words", r1.stderr + r2.stderr + r3.stderr +
        r4.stderr)
    # --- what Cilium's chart left ---------------------------------------------------------------
    cm = s.kjson(ctx, "-n", "kube-system", "get", "configmap", "cilium-config")["data"]
    ds = s.kjson(ctx, "-n", "kube-system", "get", "daemonset", "cilium")
    img = ds["spec"]["template"]["spec"]["containers"][0]["image"]
    c.check(cm.get("enable-bgp-control-plane") == "true" and cm.get("ipam") and
            cm.get("routing-mode") in ("native", "tunnel") and
            re.fullmatch(r"quay\.io/cilium/cilium:v1\.14\.0@sha256:[0-9a-f]{64}", img) and
            ds["status"]["numberReady"] == 3, "cilium-config and the cilium DaemonSet (1.14.0)",
            json.dumps(cm) + img)
    # --- a DaemonSet that runs --------------------------------------------------------------
    script = ("trap 'ip route del 10.99.0.0/24; echo stopped > /tmp/routes.stopped; exit 0' TERM; "
              "rm -f /tmp/routes.stopped; ip route replace 10.99.0.0/24 via "
              f"{nets[0].router_ip}; echo $NODE_IP > /tmp/routes.ip; "
              "while :; do sleep 1 & wait $!; done")
    routes = _write(s, "routes-ds.yaml", ROUTES_DS.format(name="bgpdemo-routes", grace=30,
                                                          tolerations=CP_TOLERATION,
                                                          script=script))
    r = s.tool("kubectl", "--context", ctx, "apply", "-f", routes)
    c.check(r.stdout == "daemonset.apps/bgpdemo-routes created\n", "apply a hostNetwork "
            "DaemonSet", r.stdout + r.stderr)
    r = s.tool("kubectl", "--context", ctx, "-n", "kube-system", "rollout", "status",
               "daemonset/bgpdemo-routes", "--timeout=60s")
    c.check(r.returncode == 0 and r.stdout.endswith("daemon set \"bgpdemo-routes\" "
                                                      "successfully rolled out\n"),
            "rollout status daemonset: kubectl's words", r.stdout + r.stderr)
    st = s.kjson(ctx, "-n", "kube-system", "get", "daemonset", "bgpdemo-routes")["status"]
    nodes = [f"{nets[0].cluster}-control-plane", f"{nets[0].cluster}-worker",
             f"{nets[0].cluster}-worker2"]
    got = {m: s.docker("exec", m, "ip", "-4", "route", "show", "10.99.0.0/24").stdout.strip()
           for m in nodes}
    c.check(st["desiredNumberScheduled"] == 3 and st["numberReady"] == 3 and
            all(v.startswith(f"10.99.0.0/24 via {nets[0].router_ip}") for v in got.values()),
            "the pod runs in every node (a control-plane toleration): its route is there",
            json.dumps(st) + json.dumps(got))
    plain = _write(s, "plain-ds.yaml", ROUTES_DS.format(
        name="bgpdemo-plain", grace=2, tolerations="",
        script="trap '' TERM; while :; do sleep 1; done"))
    s.ok("kubectl", "--context", ctx, "apply", "-f", plain)
    st = s.kjson(ctx, "-n", "kube-system", "get", "ds", "bgpdemo-plain")["status"]
    c.check(st["desiredNumberScheduled"] == 2, "no toleration: not on the tainted control "
            "plane", json.dumps(st))
    t = time.monotonic()
    r = s.tool("kubectl", "--context", ctx, "-n", "kube-system", "delete", "daemonset",
               "bgpdemo-routes")
    c.check(r.stdout == "daemonset.apps \"bgpdemo-routes\" deleted\n" and
            time.monotonic() - t < 10, "kubectl delete daemonset returns at once", r.stdout)

    def stopped():
        return all(s.docker("exec", m, "sh", "-c", "cat /tmp/routes.stopped; ip -4 route show "
                            "10.99.0.0/24", check=False).stdout == "stopped\n" for m in nodes)
    c.wait("SIGTERM ran the script's trap on every node: route deleted", stopped, 20,
           interval=0.5)
    t = time.monotonic()
    r = s.tool("kubectl", "--context", ctx, "-n", "kube-system", "delete", "ds", "-l",
               "app=bgpdemo-plain", "--cascade=foreground")
    left = s.docker("exec", f"{nets[0].cluster}-worker", "sh", "-c",
                    "cat /run/fakek8s/ds/kube-system_bgpdemo-plain.pid 2>/dev/null",
                    check=False).stdout
    took = time.monotonic() - t
    c.check(r.stdout == "daemonset.apps \"bgpdemo-plain\" deleted\n" and 1.5 < took < 15 and
            not left, f"a TERM-ignoring pod is killed after its grace period ({took:.1f}s)",
            r.stdout + r.stderr)
    r = s.tool("kubectl", "--context", ctx, "-n", "kube-system", "get", "ds", "bgpdemo-plain")
    c.check(r.returncode == 1 and r.stderr == "Error from server (NotFound): daemonsets.apps "
            "\"bgpdemo-plain\" not found\n", "deleted: NotFound", r.stderr)


def third_cluster(c, s, files):
    cfg = os.path.join(s.dir, "small.yaml")
    with open(cfg, "w") as f:
        f.write("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n"
                "  disableDefaultCNI: true\n  podSubnet: 10.243.0.0/16\n"
                "  serviceSubnet: 10.13.0.0/16\nnodes:\n- role: control-plane\n")
    # On a network that does not exist: kind makes it (a subnet Docker chooses, its ULA).
    s.ok("kind", "create", "cluster", "--name", "small", "--config", cfg,
         extra={"KIND_EXPERIMENTAL_DOCKER_NETWORK": "kind3"})
    made = json.loads(s.docker("network", "inspect", "kind3").stdout)[0]
    pools = [x["Subnet"] for x in made["IPAM"]["Config"]]
    c.check(made["Options"].get("com.docker.network.bridge.enable_ip_masquerade") == "true" and
            any(":" not in p for p in pools) and
            (not made["EnableIPv6"] or any(p.startswith("fc00:") and p.endswith("::/64")
                                           for p in pools)),
            "kind makes a missing network: masquerading, an IPv4 subnet Docker chose (and "
            "kind's ULA where IPv6 works)", made)
    cm = json.loads(s.ok("kubectl", "--context", "kind-small", "-n", "kube-system", "get",
                         "configmap", "kubeadm-config", "-o", "json").stdout)
    ds = s.ok("kubectl", "--context", "kind-small", "-n", "kube-system", "get", "daemonsets",
              "-o", "name").stdout
    c.check("  podSubnet: 10.243.0.0/16\n  serviceSubnet: 10.13.0.0/16\n" in
            cm["data"]["ClusterConfiguration"] and ds == "daemonset.apps/kube-proxy\n",
            "kubeadm-config and the DaemonSets as kind leaves them (no kindnet: "
            "disableDefaultCNI)", (cm, ds))
    small = ["helm", "upgrade", "--install", "cilium", "cilium/cilium", "--version", "1.15.6",
             "--namespace", "kube-system", "--kube-context", "kind-small", "-f",
             os.path.join(files["cilium2"], "cilium-values.yaml"),
             "--wait", "--timeout", "10m"]
    t = time.monotonic()
    r = s.tool(*small, fail="helm-timeout", extra={"BGPDEMO_FAKE_HELM_TIMEOUT_SECONDS": "1"})
    c.check(r.returncode == 1 and r.stderr == "Error: UPGRADE FAILED: timed out waiting for the "
            "condition\n", f"BGPDEMO_FAKE_FAIL=helm-timeout ({time.monotonic() - t:.1f}s)",
            r.stderr)
    r = s.tool("cilium", "status", "--wait", "--context", "kind-small",
               extra={"BGPDEMO_FAKE_CILIUM_WAIT_SECONDS": "1"})
    c.check(r.returncode == 1 and "timeout while waiting for status to become successful" in
            r.stderr, "after the timeout Cilium is not ready", r.stderr)
    r = s.tool(*small)
    c.check(r.returncode == 0 and "REVISION: 2" in r.stdout and "STATUS: deployed" in r.stdout,
            "helm again without the failure: revision 2 deployed", r.stdout + r.stderr)
    # An interrupted Helm (issue #11, 7): pending-upgrade, refused, recovered by rollback.
    r = s.tool(*small, fail="helm-interrupt")
    listed = json.loads(s.ok("helm", "list", "-n", "kube-system", "--kube-context", "kind-small",
                             "-a", "-o", "json").stdout)
    c.check(r.returncode == 137 and [x["status"] for x in listed] == ["pending-upgrade"],
            "helm-interrupt leaves the release pending-upgrade", r.stderr + str(listed))
    r = s.tool(*small)
    c.check(r.returncode == 1 and r.stderr == "Error: UPGRADE FAILED: another operation "
            "(install/upgrade/rollback) is in progress\n", "a pending release is refused",
            r.stderr)
    r = s.tool("helm", "rollback", "cilium", "-n", "kube-system", "--kube-context", "kind-small")
    listed = json.loads(s.ok("helm", "list", "-n", "kube-system", "--kube-context", "kind-small",
                             "-o", "json").stdout)
    c.check(r.returncode == 0 and [x["status"] for x in listed] == ["deployed"],
            "helm rollback recovers it", r.stdout + r.stderr)
    # CRDs (issue #11, 6): registered once Cilium runs, NotFound before (the delay).
    wait = ["kubectl", "--context", "kind-small", "wait", "--for", "condition=established",
            "--timeout=10s", "crd/ciliumloadbalancerippools.cilium.io"]
    r = s.tool(*wait, extra={"BGPDEMO_FAKE_CRD_DELAY_SECONDS": "3600"})
    c.check(r.returncode == 1 and "(NotFound)" in r.stderr, "a CRD not yet registered: NotFound",
            r.stderr)
    r = s.tool(*wait)
    c.check(r.returncode == 0 and "condition met" in r.stdout, "the CRD Established", r.stderr)
    r = s.tool("kind", "load", "docker-image", "bgpdemo-no-such-image:1", "--name", "small")
    c.check(r.returncode == 1 and "ERROR: image: \"bgpdemo-no-such-image:1\" not present locally"
            in r.stderr, "kind load of an image Docker does not have", r.stderr)
    nginx = os.path.join(files["cilium"], "nginx.yaml")
    pool = os.path.join(s.dir, "pool.yaml")
    with open(pool, "w") as f:
        f.write("apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata:\n"
                "  name: small\nspec:\n  blocks:\n  - start: 10.23.0.7\n    stop: 10.23.0.9\n")
    for m in (nginx, pool):
        s.ok("kubectl", "--context", "kind-small", "apply", "-f", m, fail="no-lb-ip")
    time.sleep(1)
    svc = json.loads(s.ok("kubectl", "--context", "kind-small", "get", "svc", "nginx", "-o",
                          "json", fail="no-lb-ip").stdout)
    c.check(svc["status"]["loadBalancer"] == {}, "BGPDEMO_FAKE_FAIL=no-lb-ip: no external IP",
            json.dumps(svc["status"]))
    svc = s.kjson("kind-small", "get", "svc", "nginx")
    c.check(svc["status"]["loadBalancer"].get("ingress") == [{"ip": "10.23.0.7"}],
            "without the failure the IP comes (a block's start)", json.dumps(svc["status"]))
    r = s.tool("kubectl", "--context", "kind-small", "rollout", "status", "deployment/nginx",
               "--timeout=30s")
    c.check(r.returncode == 0, "a single-node cluster schedules on its control plane")
    # Cilium installed by someone else, BGP off: the chart's keys say so; uninstall removes them.
    s.ok("helm", "upgrade", "--install", "cilium", "cilium/cilium", "--version", "1.16.1",
         "--namespace", "kube-system", "--kube-context", "kind-small",
         "--set", "bgpControlPlane.enabled=false", "--set", "ipam.mode=kubernetes")
    cm = s.kjson("kind-small", "-n", "kube-system", "get", "configmap", "cilium-config")["data"]
    c.check("enable-bgp-control-plane" not in cm and cm.get("ipam") == "kubernetes" and
            cm.get("routing-mode") == "tunnel" and cm.get("tunnel-protocol") == "vxlan" and
            cm.get("kube-proxy-replacement") == "false" and cm.get("enable-ipv4") == "true",
            "--set bgpControlPlane.enabled=false: no enable-bgp-control-plane key; the chart's "
            "defaults", json.dumps(cm))
    s.ok("helm", "uninstall", "cilium", "-n", "kube-system", "--kube-context", "kind-small")
    r = s.tool("kubectl", "--context", "kind-small", "-n", "kube-system", "get", "configmap",
               "cilium-config", "-o", "json")
    c.check(r.returncode == 1 and r.stdout == "" and r.stderr == "Error from server (NotFound): "
            "configmaps \"cilium-config\" not found\n", "helm uninstall removes cilium-config",
            r.stderr)
    s.ok("kind", "delete", "cluster", "--name", "small")
    s.docker("network", "rm", "kind3")

