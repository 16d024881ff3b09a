"""Shared helpers for bgpdemo's interop tests: real BGP daemons in network namespaces.

Every test builds its own small lab: network namespaces joined by veth pairs and Linux
bridges (the bridges live in a "switch" namespace of the lab), then runs `bgpdemo router`,
`gobgpd` and `bird` inside those namespaces and checks what each of them sees. No traffic
leaves the namespaces created here: nothing is added to the root namespace (veth pairs
are created directly inside their namespaces), and every daemon binds and dials only
addresses of the lab.

Names are unique per test run: namespaces are `bgpi<pid>-<short>`, interfaces
`bgpi<pid><short>` (at most 15 characters, Linux's IFNAMSIZ - 1).

Cleanup of every process, namespace and temporary file (logs are kept on failure) runs on
normal exit, on failure, on an exception and on SIGINT/SIGTERM/SIGHUP (try/finally in
run(), atexit, and signal handlers that turn the signal into an exception).

A test is a function body(lab) called by run(); it records checks with lab.check(),
lab.wait() (poll until a condition holds, with a deadline: never fixed sleeps where a
condition can be polled) and lab.never() (a condition must stay false for a while). run()
prints "N passed, M failed" last and returns the exit code: 0, 1 on any failure, 77 (CTest
SKIP_RETURN_CODE) with a printed reason when the lab cannot run here.
"""

import argparse
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import SKIP, Checks, Fatal, Interrupted, Skip, log  # noqa: E402,F401
from harness import raise_interrupted as _raise_interrupted  # noqa: E402


def parse_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--bgpdemo", required=True, help="path of the bgpdemo executable")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary directory (logs, configs) even on success")
    p.add_argument("-v", "--verbose", action="store_true", help="print every command run")
    p.add_argument("--artefacts", help="where to save what a test makes for people to look "
                   "at (screenshots); default: its work directory")
    return p.parse_args()


# --------------------------------------------------------------------------------------
# Processes


class Proc:
    """A daemon started by the lab inside a namespace, its output in a log file."""

    def __init__(self, lab, name, ns, argv, log_path, popen):
        self.lab, self.name, self.ns, self.argv = lab, name, ns, argv
        self.log_path, self.popen = log_path, popen

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def send_signal(self, sig):
        if self.alive():
            try:
                os.kill(self.popen.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Sends sig, waits up to timeout for the exit, then SIGKILL. Returns the exit code."""
        if self.alive():
            self.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.send_signal(signal.SIGKILL)
                self.popen.wait(5)
        return self.popen.returncode

    def kill(self):
        return self.stop(signal.SIGKILL)

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def tail(self, lines=25):
        return self.log_text().splitlines()[-lines:]


class Router(Proc):
    """`bgpdemo router` in a namespace, queried over its control socket."""

    def __init__(self, lab, name, ns, argv, log_path, popen, socket_path):
        super().__init__(lab, name, ns, argv, log_path, popen)
        self.socket = socket_path

    def query(self, what):
        # The control socket is a Unix socket in the file system: reachable from here.
        r = self.lab.run_cmd([self.lab.bgpdemo, "router", what, "--socket", self.socket,
                              "-o", "json"], check=False, timeout=10)
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    def peers(self):
        return self.query("peers") or []

    def peer(self, address):
        for p in self.peers():
            if p.get("address") == address:
                return p
        return None

    def routes(self):
        return self.query("routes") or []

    def route(self, prefix):
        for r in self.routes():
            if r.get("prefix") == prefix:
                return r
        return None

    def best_routes(self):
        """prefix -> best path (dict) for every prefix with a best path."""
        return {r["prefix"]: r["best"] for r in self.routes() if r.get("best")}


class GoBgp(Proc):
    """gobgpd in a namespace; its gRPC API on the namespace's own loopback."""

    def cli(self, *args, check=True):
        r = self.lab.ns_run(self.ns, ["gobgp", "-u", "127.0.0.1", "-p", "50051", *args],
                            check=False, timeout=10)
        if check and r.returncode != 0:
            raise Fatal(f"{self.name}: gobgp {' '.join(args)} failed: {r.stderr.strip()}")
        return r

    def json(self, *args):
        r = self.cli(*args, "-j", check=False)
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout) if r.stdout.strip() else None
        except ValueError:
            return None

    def ready(self):
        return self.alive() and self.cli("global", check=False).returncode == 0

    def neighbors(self):
        return self.json("neighbor") or []

    def neighbor(self, address):
        for n in self.neighbors():
            if n.get("state", {}).get("neighbor_address") == address or \
                    n.get("conf", {}).get("neighbor_address") == address:
                return n
        return None

    def established(self, address):
        n = self.neighbor(address)
        return n is not None and session_state(n) == "established"

    def add_route(self, prefix, *attrs):
        fam = "ipv6" if ":" in prefix else "ipv4"
        self.cli("global", "rib", "add", prefix, *(attrs or ("origin", "igp")), "-a", fam)

    def del_route(self, prefix):
        fam = "ipv6" if ":" in prefix else "ipv4"
        self.cli("global", "rib", "del", prefix, "-a", fam)

    def rib(self, family="ipv4"):
        """prefix -> list of simplified paths: {next_hop, as_path, best, stale, local}."""
        data = self.json("global", "rib", "-a", family)
        out = {}
        for prefix, paths in (data or {}).items():
            out[prefix] = [simplify_gobgp_path(p) for p in paths]
        return out

    def adj_in(self, neighbor, family="ipv4"):
        data = self.json("neighbor", neighbor, "adj-in", "-a", family)
        return {prefix: [simplify_gobgp_path(p) for p in paths]
                for prefix, paths in (data or {}).items()}


_GOBGP_STATES = {0: "unknown", 1: "idle", 2: "connect", 3: "active", 4: "opensent",
                 5: "openconfirm", 6: "established"}


def session_state(neighbor_json):
    """The session state of a `gobgp neighbor -j` entry as a lower-case name."""
    s = neighbor_json.get("state", {}).get("session_state")
    if isinstance(s, int):
        return _GOBGP_STATES.get(s, str(s))
    return str(s or "unknown").lower().replace("session_state_", "")


def simplify_gobgp_path(p):
    out = {"next_hop": None, "as_path": [], "best": bool(p.get("best")),
           "stale": bool(p.get("stale")), "origin": None,
           "local": not p.get("neighbor-ip") or p.get("neighbor-ip") in ("<nil>", "0.0.0.0", "::")}
    for a in p.get("attrs", []):
        t = a.get("type")
        if t == 1:
            out["origin"] = a.get("value")
        elif t == 2:
            for seg in a.get("as_paths", []):
                out["as_path"].extend(seg.get("asns", []))
        elif t == 3:
            out["next_hop"] = a.get("nexthop")
        elif t == 14 and out["next_hop"] is None:
            out["next_hop"] = a.get("nexthop")
    return out


class Bird(Proc):
    """BIRD 2 in the foreground in a namespace, driven through its control socket."""

    def __init__(self, lab, name, ns, argv, log_path, popen, socket_path):
        super().__init__(lab, name, ns, argv, log_path, popen)
        self.socket = socket_path

    def birdc(self, *args, check=True):
        # The control socket is a Unix socket: birdc needs no namespace.
        r = self.lab.run_cmd(["birdc", "-s", self.socket, *args], check=False, timeout=10)
        if check and r.returncode != 0:
            raise Fatal(f"{self.name}: birdc {' '.join(args)} failed: {r.stdout}{r.stderr}")
        return r.stdout

    def ready(self):
        return self.alive() and os.path.exists(self.socket) and \
            self.birdc("show", "status", check=False).find("Daemon is up") >= 0

    def protocol_state(self, proto):
        """(state, info) of a protocol from `show protocols`, e.g. ("up", "Established")."""
        for line in self.birdc("show", "protocols", proto, check=False).splitlines():
            f = line.split()
            if f and f[0] == proto and len(f) >= 4:
                return f[3], " ".join(f[5:]) if len(f) > 5 else ""
        return None, ""

    def routes(self, table="master4"):
        """prefix -> the routes of `show route all`, the primary first: each a dict with
        "protocol", "via" (next hop or None) and "as_path" (ints)."""
        text = self.birdc("show", "route", "all", "table", table, check=False)
        out, prefix, cur = {}, None, None
        for line in text.splitlines():
            if not line.strip() or line.startswith(("BIRD", "Table")):
                continue
            s = line.strip()
            head = s.split()
            # "10.0.0.0/24  unicast [proto 12:00:00.000] * (100) [AS65100i]", or the same
            # without the prefix for a further route of the prefix.
            if not line[0].isspace() and "/" in head[0]:
                prefix = head[0]
                head = head[1:]
            elif not (head and head[0] in ("unicast", "blackhole", "unreachable", "prohibit")
                      and "[" in s):
                if cur is not None:
                    if s.startswith("via "):
                        cur["via"] = s.split()[1]
                    elif s.startswith("BGP.as_path:"):
                        cur["as_path"] = [int(x) for x in s.split(":", 1)[1].split()
                                          if x.isdigit()]
                continue
            proto = s.split("[", 1)[1].split()[0] if "[" in s else ""
            cur = {"via": None, "as_path": [], "protocol": proto}
            out.setdefault(prefix, []).append(cur)
        return out

    def route(self, prefix, protocol=None):
        """The primary route of prefix (or its route from protocol), or None."""
        for r in self.routes().get(prefix, []):
            if protocol is None or r["protocol"] == protocol:
                return r
        return None


# --------------------------------------------------------------------------------------
# The lab


class Lab(Checks):
    def __init__(self, test_name, args):
        self.test_name = test_name
        self.bgpdemo = os.path.abspath(args.bgpdemo)
        self.verbose = args.verbose
        self.keep = args.keep
        self.artefacts = args.artefacts
        self.prefix = f"bgpi{os.getpid() % 100000}"
        self.namespaces = []
        self.procs = []
        Checks.__init__(self)
        self.workdir = None
        self._cleaned = False
        self._link_seq = 0
        # Run first by cleanup(), newest first: what a test made through other means than
        # this lab (a demo `bgpdemo up` made), so that a failing test leaves nothing either.
        self.cleanups = []

    # --- environment -------------------------------------------------------------------

    def require(self, *tools):
        """Raises Skip unless we are root, `ip netns` works and every tool is installed."""
        if os.geteuid() != 0:
            raise Skip("needs root (network namespaces)")
        for t in ("ip",) + tools:
            if shutil.which(t) is None:
                raise Skip(f"{t} is not installed")
        if not os.access(self.bgpdemo, os.X_OK):
            raise Fatal(f"{self.bgpdemo} is not an executable")
        probe = f"{self.prefix}-probe"
        r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
        if r.returncode != 0:
            raise Skip(f"`ip netns add` does not work here: {r.stderr.strip()}")
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)

    # --- commands ----------------------------------------------------------------------

    def run_cmd(self, argv, check=True, timeout=20, input=None):
        if self.verbose:
            log(f"  $ {' '.join(argv)}")
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                               input=input)
        except subprocess.TimeoutExpired as e:
            raise Fatal(f"timed out after {timeout}s: {' '.join(argv)}") from e
        if check and r.returncode != 0:
            raise Fatal(f"`{' '.join(argv)}` failed ({r.returncode}): "
                        f"{r.stderr.strip() or r.stdout.strip()}")
        return r

    def ns_run(self, ns, argv, check=True, timeout=20):
        return self.run_cmd(["ip", "netns", "exec", ns, *argv], check=check, timeout=timeout)

    # --- topology ----------------------------------------------------------------------

    def netns(self, short):
        """A new namespace `<prefix>-<short>` with its loopback up."""
        name = f"{self.prefix}-{short}"
        self.run_cmd(["ip", "netns", "add", name])
        self.namespaces.append(name)
        self.ns_run(name, ["ip", "link", "set", "lo", "up"])
        return name

    def ifname(self, short):
        name = f"{self.prefix}{short}"
        assert len(name) <= 15, f"interface name {name} is longer than 15 characters"
        return name

    def bridge(self, ns, short):
        """A Linux bridge in ns (no STP, no forwarding delay), up."""
        br = self.ifname(short)
        self.ns_run(ns, ["ip", "link", "add", br, "type", "bridge", "stp_state", "0",
                         "forward_delay", "0"])
        self.ns_run(ns, ["ip", "link", "set", br, "up"])
        return br

    def attach(self, ns, bridge_ns, bridge, address):
        """A veth from ns to the bridge: ns gets `<prefix>e<n>` with address (a CIDR)."""
        self._link_seq += 1
        inner, outer = self.ifname(f"e{self._link_seq}"), self.ifname(f"p{self._link_seq}")
        # Both ends are created directly in their namespaces: nothing in the root one.
        self.run_cmd(["ip", "link", "add", inner, "netns", ns, "type", "veth",
                      "peer", "name", outer, "netns", bridge_ns])
        self.ns_run(bridge_ns, ["ip", "link", "set", outer, "master", bridge, "up"])
        self.ns_run(ns, ["ip", "addr", "add", address, "dev", inner])
        self.ns_run(ns, ["ip", "link", "set", inner, "up"])
        return inner

    # --- processes ---------------------------------------------------------------------

    def path(self, name):
        return os.path.join(self.workdir, name)

    def write(self, name, text):
        """Writes a file only its owner may read: `bgpdemo router` refuses a config that
        holds MD5 passwords otherwise."""
        p = self.path(name)
        with open(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(text)
        os.chmod(p, 0o600)
        return p

    def spawn(self, name, ns, argv, cls=Proc, hostname=None, **extra):
        """Starts argv in ns (its own UTS namespace and hostname when hostname is set)."""
        log_path = self.path(f"{name}.log")
        full = ["ip", "netns", "exec", ns]
        if hostname:
            # gobgpd sends os.Hostname() in its FQDN capability: give each node its own.
            full += ["unshare", "--uts", "--", "sh", "-c", 'hostname "$0" && exec "$@"', hostname]
        full += argv
        if self.verbose:
            log(f"  $ {' '.join(full)} > {log_path}")
        f = open(log_path, "ab")
        try:
            popen = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=f,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            f.close()
        p = cls(self, name, ns, argv, log_path, popen, **extra)
        self.procs.append(p)
        return p

    def start_router(self, name, ns, config_text, log_level="debug", extra=()):
        cfg = self.write(f"{name}.yaml", config_text)
        sock = self.path(f"{name}.sock")
        r = self.spawn(name, ns, [self.bgpdemo, "router", "--config", cfg, "--socket", sock,
                                  "--log-level", log_level, *extra], cls=Router,
                       socket_path=sock)
        self.wait_quiet(lambda: r.query("peers") is not None or not r.alive(), 10)
        if not r.alive() or r.query("peers") is None:
            raise Fatal(f"{name} did not start:\n" + "\n".join(r.tail()))
        return r

    def start_gobgpd(self, name, ns, config_text, hostname=None, restarting=False):
        cfg = self.write(f"{name}.toml", config_text)
        argv = ["gobgpd", "-f", cfg, "-p", "--api-hosts", "127.0.0.1:50051", "--pprof-disable"]
        if restarting:
            argv.append("-r")
        g = self.spawn(name, ns, argv, cls=GoBgp, hostname=hostname)
        self.wait_quiet(lambda: g.ready() or not g.alive(), 15)
        if not g.ready():
            raise Fatal(f"{name} did not start:\n" + "\n".join(g.tail()))
        return g

    def start_bird(self, name, ns, config_text):
        cfg = self.write(f"{name}.conf", config_text)
        sock = self.path(f"{name}.ctl")
        r = self.run_cmd(["bird", "-p", "-c", cfg], check=False)
        if r.returncode != 0:
            raise Fatal(f"{name}: bad BIRD config: {r.stderr.strip()}")
        b = self.spawn(name, ns, ["bird", "-f", "-c", cfg, "-s", sock,
                                  "-P", self.path(f"{name}.pid")],
                       cls=Bird, socket_path=sock)
        self.wait_quiet(lambda: b.ready() or not b.alive(), 15)
        if not b.ready():
            raise Fatal(f"{name} did not start:\n" + "\n".join(b.tail()))
        return b

    # --- checks ------------------------------------------------------------------------

    # --- teardown ----------------------------------------------------------------------

    def print_tails(self, lines=30):
        for p in self.procs:
            log(f"----- last {lines} lines of {p.name} ({p.log_path}) -----")
            for line in p.tail(lines):
                log(f"  {line}")

    def cleanup(self):
        if self._cleaned:
            return
        self._cleaned = True
        for undo in reversed(self.cleanups):
            try:
                undo()
            except Exception as e:  # noqa: BLE001 - the rest of the cleanup must still run
                log(f"cleanup: {e}")
        # Our daemons first, politely, then whatever still runs in our namespaces.
        for p in reversed(self.procs):
            if p.alive():
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 3
        for p in self.procs:
            try:
                p.popen.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            if p.alive():
                p.send_signal(signal.SIGKILL)
                try:
                    p.popen.wait(5)
                except subprocess.TimeoutExpired:
                    pass
        for ns in reversed(self.namespaces):
            r = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            # Deleting the namespace deletes its veths (and so their peers) and bridges.
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.namespaces = []
        if self.workdir and os.path.isdir(self.workdir):
            if self.failed or self.keep:
                log(f"logs and configs kept in {self.workdir}")
            else:
                shutil.rmtree(self.workdir, ignore_errors=True)



def run(test_name, description, body):
    """Runs body(lab) in a fresh lab; returns the process exit code."""
    args = parse_args(description)
    lab = Lab(test_name, args)
    atexit.register(lab.cleanup)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _raise_interrupted)
    log(f"== {test_name}: {description}")
    code = 0
    try:
        try:
            lab.require(*getattr(body, "tools", ()))
        except Skip as e:
            log(f"SKIP: {e}")
            return SKIP
        lab.workdir = tempfile.mkdtemp(prefix=f"bgpdemo-{test_name}-")
        log(f"lab {lab.prefix}, work directory {lab.workdir}")
        try:
            body(lab)
        except Fatal as e:
            lab.check(False, "the test could not go on", str(e))
        except Interrupted as e:
            lab.check(False, "interrupted", str(e))
        except Exception:
            lab.check(False, "unexpected error", traceback.format_exc())
        if lab.failed:
            lab.print_tails()
        code = 1 if lab.failed else 0
    finally:
        # Signals during cleanup must not cut it short.
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        lab.cleanup()
        log(f"{test_name} took {lab.elapsed():.1f}s")
        log(f"{lab.passed} passed, {lab.failed} failed")
    return code


def requires(*tools):
    """Decorator: the tools a test body needs (a missing one makes the test skip)."""
    def mark(fn):
        fn.tools = tools
        return fn
    return mark
