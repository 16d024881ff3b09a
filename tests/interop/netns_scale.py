"""Two network namespaces joined by one veth pair, for load tests of a BGP speaker.

Used by tests/interop/scale_test.py and tests/bench/route_server_bench.py (python3,
stdlib only; root). The layout:

    <prefix>s  (server)  veth <prefix>s  10.X.0.1/24
        |
    <prefix>c  (clients) veth <prefix>c  10.X.0.<first>.. as many addresses as asked

Both veth ends are created inside the namespaces, so deleting the namespaces removes
everything; nothing is left on the host. Every process started through Pair.spawn() is
tracked and stopped (SIGTERM, then SIGKILL, by its process id) before the namespaces go,
and gets PR_SET_PDEATHSIG so that it dies with the script even on SIGKILL.

    with NetnsPair("bgps%d" % os.getpid()) as pair:   # cleans up on exit and on signals
        pair.add_client_addresses(["10.77.0.10", ...])
        proc = pair.spawn("server", ["bgpdemo", "router", ...], log_path)
"""

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time

_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:  # noqa: BLE001 - best effort; cleanup still stops the process
        pass


def run(cmd, check=True, input_text=None, timeout=60):
    """Runs a command, returning CompletedProcess; raises with its stderr when it fails."""
    p = subprocess.run(cmd, input=input_text, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p


def vm_hwm_kib(pid):
    """Peak resident set size (VmHWM) of a live process, in KiB; None when unreadable."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid):
    """User + system CPU time of a live process (all its threads), in seconds; None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))
    except (OSError, IndexError, ValueError):
        return None


def skip_reason():
    """Why this machine cannot run namespace tests, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    if sys.platform != "linux":
        return "needs Linux"
    if shutil.which("ip") is None:
        return "needs iproute2 (ip)"
    return None


class NetnsPair:
    """Server and client namespaces joined by a veth pair; a context manager."""

    def __init__(self, prefix, subnet="10.77.0", server_host=1, prefix_len=24):
        self.prefix = prefix
        self.prefix_len = prefix_len  # of every address: 16 for more than 254 clients
        self.server_ns = prefix + "s"
        self.client_ns = prefix + "c"
        self.subnet = subnet
        self.server_addr = "%s.%d" % (subnet, server_host)
        self._namespaces = []
        self._procs = []  # (name, Popen, log file object)
        self._old_handlers = {}
        self._closed = False

    # --- lifetime -------------------------------------------------------------------

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        try:
            self._create()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _on_signal(self, sig, _frame):
        # Unwinds through every `with` and `finally`, which run the cleanup.
        raise SystemExit(128 + sig)

    def _create(self):
        for ns in (self.server_ns, self.client_ns):
            run(["ip", "netns", "add", ns])
            self._namespaces.append(ns)
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(["ip", "link", "add", self.server_ns, "netns", self.server_ns, "type", "veth",
             "peer", "name", self.client_ns, "netns", self.client_ns])
        run(["ip", "-n", self.server_ns, "addr", "add",
             "%s/%d" % (self.server_addr, self.prefix_len), "dev", self.server_ns])
        run(["ip", "-n", self.server_ns, "link", "set", self.server_ns, "up"])
        run(["ip", "-n", self.client_ns, "link", "set", self.client_ns, "up"])

    def add_client_addresses(self, addresses):
        batch = "".join("addr add %s/%d dev %s\n" % (a, self.prefix_len, self.client_ns)
                        for a in addresses)
        run(["ip", "-n", self.client_ns, "-batch", "-"], input_text=batch)

    def wait_link(self, timeout=10):
        """Waits until both veth ends report carrier (state UP)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            up = 0
            for ns in (self.server_ns, self.client_ns):
                p = run(["ip", "-n", ns, "-o", "link", "show", "dev", ns], check=False)
                up += "state UP" in p.stdout
            if up == 2:
                return True
            time.sleep(0.1)
        return False

    def close(self):
        if self._closed:
            return
        self._closed = True
        for name, p, log in reversed(self._procs):
            self._stop(p)
            if log:
                log.close()
        # Anything else left inside our namespaces was started by us (a daemon's helper).
        for ns in self._namespaces:
            p = run(["ip", "netns", "pids", ns], check=False)
            for pid in p.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
        for ns in reversed(self._namespaces):
            run(["ip", "netns", "del", ns], check=False)
        self._namespaces = []
        for sig, h in self._old_handlers.items():
            signal.signal(sig, h)

    # --- processes ------------------------------------------------------------------

    def spawn(self, where, argv, log_path=None, stdout=None):
        """Starts argv in the server ("server") or client ("client") namespace."""
        ns = self.server_ns if where == "server" else self.client_ns
        log = open(log_path, "ab") if log_path else subprocess.DEVNULL
        p = subprocess.Popen(["ip", "netns", "exec", ns] + list(argv), stdin=subprocess.DEVNULL,
                             stdout=stdout if stdout is not None else log, stderr=log,
                             preexec_fn=_die_with_parent)
        self._procs.append((argv[0], p, log if log_path else None))
        return p

    @staticmethod
    def _stop(p, grace=5.0):
        if p.poll() is not None:
            return p.returncode
        try:
            p.send_signal(signal.SIGTERM)
            return p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait()

    def stop(self, p, grace=5.0):
        return self._stop(p, grace)
