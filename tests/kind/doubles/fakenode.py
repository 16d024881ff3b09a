#!/usr/bin/env python3
"""fakenode.py: the node agent of the simulated kind clusters; it runs INSIDE a kind node
container (copied to /usr/local/bin by `kind create cluster`), as the kubelet, the CNI and
the Cilium agent would act there.

  fakenode.py sync    reads the node's desired state (JSON, from fakecontrol.node_doc) on
                      stdin, makes it true, prints {"errors": [...]} as its last line
  fakenode.py boot    what a node does when its container starts again (`docker start`
                      after `docker stop`: /run is a tmpfs, as kind makes it, so every
                      process, pid file and the applied document are gone, and the network
                      namespace is new): sync of the last document, kept on the node's disk
                      (/var/lib/fakek8s/desired.json, as kubelet and Cilium keep their state)
  fakenode.py serve   the data plane daemon sync starts: every pod IP answers HTTP on its
                      port with 200 "nginx pod <name>\\n" (as the lab's HttpResponder), every
                      LoadBalancer IP relays TCP to a backend pod, round robin, trying the
                      next one when a connect fails (as the lab's TcpProxy); it re-reads
                      /run/fakek8s/http.json whenever it changes

What sync does, idempotently (the last applied document is /run/fakek8s/applied.json):
  routes     `ip route replace <podCIDR> via <nodeIP>` (autoDirectNodeRoutes), of either
             family; routes it added before and no longer wants are deleted (others are
             never touched)
  addresses  pod and LB IPs as /32 (IPv4) or /128 (IPv6) on lo
  bgp        gobgpd with the given TOML (restarted when it changes, as Cilium recreates its
             BgpServer), then `gobgp global rib add|del` for the advertised prefixes
Python 3 stdlib only (the node image has python3).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

RUN = "/run/fakek8s"
APPLIED = f"{RUN}/applied.json"
DESIRED = "/var/lib/fakek8s/desired.json"
HTTP_CONF = f"{RUN}/http.json"
SERVE_PID = f"{RUN}/serve.pid"
GOBGPD_PID = f"{RUN}/gobgpd.pid"
GOBGPD_CONF = f"{RUN}/gobgpd.toml"
GOBGPD_LOG = f"{RUN}/gobgpd.log"
API = ["-u", "127.0.0.1", "-p", "50051"]


def run(argv, check=False, timeout=20):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(argv, 124, "", f"timed out after {timeout}s")


def alive(pidfile, comm=None):
    try:
        pid = int(open(pidfile).read().strip())
        os.kill(pid, 0)
        if comm:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() != comm:
                    return None
        with open(f"/proc/{pid}/stat") as f:
            if f.read().split(")")[-1].split()[0] == "Z":
                return None
        return pid
    except (OSError, ValueError):
        return None


def spawn(argv, log, pidfile):
    """Starts argv in the background; its Popen (poll() says whether it exited: right after
    the fork, /proc/PID/comm still names python3, so alive(pidfile, comm) cannot)."""
    with open(log, "ab") as out:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True, close_fds=True)
    with open(pidfile, "w") as f:
        f.write(str(p.pid))
    return p


def stop(pidfile, comm=None, timeout=5):
    pid = alive(pidfile, comm)
    if pid:
        os.kill(pid, signal.SIGTERM)
        deadline = time.time() + timeout
        while time.time() < deadline and alive(pidfile, comm):
            time.sleep(0.05)
        if alive(pidfile, comm):
            os.kill(pid, signal.SIGKILL)
    try:
        os.unlink(pidfile)
    except FileNotFoundError:
        pass


def family(prefix):
    return "ipv6" if ":" in prefix else "ipv4"


def host(address):
    return f"{address}/{128 if ':' in address else 32}"


def sync(doc):
    os.makedirs(RUN, exist_ok=True)
    os.makedirs(os.path.dirname(DESIRED), exist_ok=True)
    with open(DESIRED + ".tmp", "w") as f:
        json.dump(doc, f)
    os.replace(DESIRED + ".tmp", DESIRED)
    try:
        applied = json.load(open(APPLIED))
    except (OSError, ValueError):
        applied = {}
    errors = []

    def must(argv):
        r = run(argv)
        if r.returncode != 0:
            errors.append(f"`{' '.join(argv)}`: {r.stderr.strip()}")
        return r

    want_routes = {(r["to"], r["via"]) for r in doc["routes"]}
    for r in applied.get("routes", []):
        if (r["to"], r["via"]) not in want_routes:
            run(["ip", "route", "del", r["to"], "via", r["via"]])
    for to, via in sorted(want_routes):
        must(["ip", "route", "replace", to, "via", via])

    for a in set(applied.get("addresses", [])) - set(doc["addresses"]):
        run(["ip", "addr", "del", host(a), "dev", "lo"])
    for a in doc["addresses"]:
        # nodad: an IPv6 address is usable at once, as Cilium's are (no DAD on lo anyway).
        must(["ip", "addr", "replace", host(a), "dev", "lo", *(["nodad"] if ":" in a else [])])

    tmp = HTTP_CONF + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"pods": doc["pods"], "lbs": doc["lbs"]}, f)
    os.replace(tmp, HTTP_CONF)
    if (doc["pods"] or doc["lbs"]) and not alive(SERVE_PID):
        spawn([sys.executable, os.path.abspath(__file__), "serve"], f"{RUN}/serve.log", SERVE_PID)

    bgp, prev = doc.get("bgp"), applied.get("bgp")
    advertised = []
    if bgp is None:
        stop(GOBGPD_PID, "gobgpd")
    else:
        restart = prev is None or prev.get("toml") != bgp["toml"] or not alive(GOBGPD_PID, "gobgpd")
        if restart:
            stop(GOBGPD_PID, "gobgpd")
            with open(GOBGPD_CONF, "w") as f:
                f.write(bgp["toml"])
            proc = spawn(["gobgpd", "-f", GOBGPD_CONF, "-p", "--api-hosts", "127.0.0.1:50051",
                          "--pprof-disable"], GOBGPD_LOG, GOBGPD_PID)
            deadline = time.time() + 15
            while True:
                if proc.poll() is not None:
                    tail = open(GOBGPD_LOG, errors="replace").read()[-600:]
                    errors.append(f"gobgpd exited at start: {tail}")
                    break
                if run(["gobgp", *API, "global"], timeout=5).returncode == 0:
                    break
                if time.time() > deadline:
                    errors.append("gobgpd's API did not answer within 15 s")
                    break
                time.sleep(0.1)
            old = set()
        else:
            old = set(prev.get("prefixes", []))
        for p in sorted(old - set(bgp["prefixes"])):
            must(["gobgp", *API, "global", "rib", "del", p, "-a", family(p)])
        for p in bgp["prefixes"]:
            if p not in old:
                if must(["gobgp", *API, "global", "rib", "add", p, "origin", "igp",
                         "-a", family(p)]).returncode != 0:
                    continue
            advertised.append(p)
    applied = dict(doc)
    if bgp is not None:
        applied["bgp"] = {"toml": bgp["toml"], "prefixes": advertised}
    tmp = APPLIED + ".tmp"
    with open(tmp, "w") as f:
        json.dump(applied, f)
    os.replace(tmp, APPLIED)
    print(json.dumps({"errors": errors}))
    return 0


# --------------------------------------------------------------------------------------
# serve


def _http_date():
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())


def _answer_pod(conn, name):
    try:
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data and b"\n\n" not in data and len(data) < 8192:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        method = data.split(b" ", 1)[0]
        ok = data[:4] in (b"GET ", b"HEAD") or method in (b"POST", b"PUT", b"OPTIONS")
        body = f"nginx pod {name}\n".encode() if ok else b"bad request\n"
        head = (f"HTTP/1.1 {'200 OK' if ok else '400 Bad Request'}\r\nServer: nginx/1.25.1\r\n"
                f"Date: {_http_date()}\r\nContent-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        conn.sendall(head + (b"" if method == b"HEAD" else body))
    except OSError:
        pass
    finally:
        conn.close()


def _pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class Listener:
    def __init__(self, key, spec):
        self.key, self.spec = key, spec
        self.rr = 0
        af = socket.AF_INET6 if ":" in spec["ip"] else socket.AF_INET
        self.sock = socket.socket(af, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((spec["ip"], spec["port"]))
        self.sock.listen(128)
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            target = self._answer_lb if "backends" in self.spec else self._answer_pod
            threading.Thread(target=target, args=(conn,), daemon=True).start()

    def _answer_pod(self, conn):
        _answer_pod(conn, self.spec["name"])

    def _answer_lb(self, conn):
        backends = list(self.spec["backends"])
        if not backends:
            conn.close()  # Cilium resets connections to a service without endpoints
            return
        start = self.rr
        self.rr += 1
        for i in range(len(backends)):
            ip, port = backends[(start + i) % len(backends)]
            try:
                up = socket.create_connection((ip, port), timeout=2)
            except OSError:
                continue
            up.settimeout(None)
            threading.Thread(target=_pump, args=(conn, up), daemon=True).start()
            _pump(up, conn)
            up.close()
            conn.close()
            return
        conn.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def serve():
    listeners = {}
    mtime = None
    while True:
        try:
            m = os.stat(HTTP_CONF).st_mtime_ns
        except OSError:
            m = None
        if m != mtime or any(l is None for l in listeners.values()):
            mtime = m
            try:
                conf = json.load(open(HTTP_CONF))
            except (OSError, ValueError):
                conf = {"pods": [], "lbs": []}
            want = {}
            for p in conf["pods"]:
                want[("pod", p["ip"], p["port"], p["name"])] = p
            for lb in conf["lbs"]:
                want[("lb", lb["ip"], lb["port"], json.dumps(lb["backends"]))] = lb
            for k in list(listeners):
                if k not in want:
                    if listeners[k]:
                        listeners[k].close()
                    del listeners[k]
            for k, spec in want.items():
                if listeners.get(k) is None:
                    try:
                        listeners[k] = Listener(k, spec)
                    except OSError as e:
                        print(f"bind {spec['ip']}:{spec['port']}: {e}", flush=True)
                        listeners[k] = None
        time.sleep(0.3)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "sync":
        sys.exit(sync(json.load(sys.stdin)))
    if len(sys.argv) > 1 and sys.argv[1] == "boot":
        try:
            desired = json.load(open(DESIRED))
        except (OSError, ValueError):
            sys.exit(0)  # never synced: a node that is still being made
        sys.exit(sync(desired))
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve()
    sys.stderr.write("usage: fakenode.py sync|boot|serve\n")
    sys.exit(2)
