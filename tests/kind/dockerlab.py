"""A real Docker engine for bgpdemo's tests: a private dockerd and the check harness of the
Docker tests; the images they run are docker_images.py's.

No Docker engine runs on a new machine and no registry can be reached (see
docs/reference/docker-here.md), but Debian's docker.io 20.10 runs as root with the
vfs storage driver, and mmdebstrap (or debootstrap) makes a debian:bookworm base from
Debian's archive.

Data flow of a test:

  PrivateDocker(workdir)    dockerd with its own socket, data root, exec root, pid file,
                            containerd namespace and cgroup parent; `env` points clients
                            at it; cleanup() removes every container and network, stops it
                            and removes what it left on the machine
  docker_images.py          the debian:bookworm base and cached `docker build`s on it
  run(name, desc, body)     the harness: checks printed as they go, "N passed, M failed"
                            last, exit code 0, 1, or 77 (CTest SKIP_RETURN_CODE)

The daemon leaves as little as possible in the machine's own network namespace:
`--bridge none` (no docker0, and so nothing shared with another daemon on the machine),
`--iptables=false --ip-masq=false --ip-forward=false` (no iptables chains, no sysctl
change). User-defined bridge networks still work (Linux bridges `br-<id>`); containers on
one network reach each other and a container on two networks (the router) routes between
them; nothing reaches outside, which these tests need only while building images, and
builds run with `--network host` for that (apt-get from Debian's archive). The bridges are
deleted with their networks; cleanup() also deletes any that a killed daemon left, a docker0
if one appeared, leftover mounts under the work directory, processes whose command line
names it (containerd, shims), and the containers' cgroups.

Clients: Debian's docker.io installs a 20.10 client (API 1.41) as /usr/bin/docker. A newer
client may come first on PATH (this machine has Docker 28, API 1.50, as
/usr/local/bin/docker): it negotiates down ("API version: 1.41 (downgraded from 1.50)") and
run, exec, network and images work, but `docker build` falls back to the deprecated legacy
builder (no buildx here), and with DOCKER_BUILDKIT=1 fails ("BuildKit is enabled but the
buildx component is missing"), where the 20.10 client has BuildKit built in. So every
command here runs /usr/bin/docker, and `env` pins DOCKER_API_VERSION to the daemon's,
points DOCKER_CONFIG at an empty private directory (no credential helpers or contexts of
the machine's user) and puts a directory first on PATH whose `docker` is /usr/bin/docker,
so that programs the tests start (bgpdemo, the test doubles) use the same client, and
whose `python3` is Debian's (FAST_PYTHON, below).

Robust cleanup: PrivateDocker registers cleanup() with atexit; run() turns SIGINT, SIGTERM
and SIGHUP into an exception that unwinds through every finally block, and ignores them
while cleaning up. A run killed with SIGKILL (a CTest timeout) cannot clean up: the next
PrivateDocker cleans what a dead owner left (see _reap_stale).
"""

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

DOCKER_CLIENT = "/usr/bin/docker"
# The test doubles are Python scripts (`#!/usr/bin/env python3`) that a test runs hundreds of
# times, 50 at once in `up`'s rights check. A version manager's shim first on PATH costs a
# quarter of a second per call (pyenv's is a bash script that runs `pyenv exec`), which made
# the doubles, not bgpdemo, most of a kind test's time. They need only the standard library,
# so `python3` on the private PATH is Debian's interpreter when there is one.
FAST_PYTHON = next((p for p in ("/usr/bin/python3", os.path.realpath(sys.executable))
                    if os.access(p, os.X_OK)), sys.executable)
STATE_DIR = "/run/bgpdemo-dockerlab"  # one JSON file per live PrivateDocker: see _reap_stale



class DockerError(Fatal):
    """A docker command failed: the message has the command, its exit code, stderr's tail."""


def _tail(text, lines=15):
    return "\n".join(text.strip().splitlines()[-lines:])


# --------------------------------------------------------------------------------------
# Timings


TIMINGS = []  # (step, seconds), in order


class timed:
    """`with timed("docker import"):` records the step's wall time in TIMINGS and prints it."""

    def __init__(self, step):
        self.step = step

    def __enter__(self):
        self.t0 = time.monotonic()
        return self

    def __exit__(self, exc_type, *_):
        self.seconds = time.monotonic() - self.t0
        TIMINGS.append((self.step, self.seconds))
        log(f"  [time] {self.step}: {self.seconds:.1f}s" + ("" if exc_type is None else
                                                           " (failed)"))
        return False


def print_timings():
    if TIMINGS:
        log("timings: " + ", ".join(f"{s} {t:.1f}s" for s, t in TIMINGS))


# --------------------------------------------------------------------------------------
# Commands


def run_cmd(argv, check=True, timeout=60, env=None, input=None, verbose=False):
    if verbose:
        log(f"  $ {' '.join(argv)}")
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                           input=input)
    except subprocess.TimeoutExpired as e:
        raise DockerError(f"timed out after {timeout}s: {' '.join(argv)}") from e
    if check and r.returncode != 0:
        raise DockerError(f"`{' '.join(argv)}` failed with exit code {r.returncode}:\n"
                          f"{_tail(r.stderr or r.stdout)}")
    return r


def _links():
    r = subprocess.run(["ip", "-j", "link", "show"], capture_output=True, text=True)
    try:
        return {link["ifname"] for link in json.loads(r.stdout or "[]")}
    except ValueError:
        return set()


def _mounts_under(prefix):
    """Mount points at or below prefix, deepest first."""
    out = []
    with open("/proc/self/mounts") as f:
        for line in f:
            mp = line.split()[1].replace("\\040", " ")
            if mp == prefix or mp.startswith(prefix.rstrip("/") + "/"):
                out.append(mp)
    return sorted(set(out), key=len, reverse=True)


def _pids_naming(text):
    """Processes whose command line contains text (a unique directory of ours)."""
    pids = []
    me = os.getpid()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    pids.append(int(d))
        except OSError:
            pass
    return pids


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _cgroup_dirs(parent):
    """The cgroup directories named parent in every cgroup v1 hierarchy (or v2's root)."""
    root = "/sys/fs/cgroup"
    out = []
    if os.path.exists(os.path.join(root, "cgroup.controllers")):  # v2, unified
        out.append(os.path.join(root, parent))
    elif os.path.isdir(root):
        for h in os.listdir(root):
            p = os.path.join(root, h)
            if os.path.isdir(p) and not os.path.islink(p):
                out.append(os.path.join(p, parent))
    return [d for d in out if os.path.isdir(d)]


def _kill_and_remove_cgroup(parent):
    for top in _cgroup_dirs(parent):
        for dirpath, _dirs, files in os.walk(top):
            if "cgroup.procs" in files:
                try:
                    with open(os.path.join(dirpath, "cgroup.procs")) as f:
                        for pid in f.read().split():
                            try:
                                os.kill(int(pid), signal.SIGKILL)
                            except (ProcessLookupError, ValueError):
                                pass
                except OSError:
                    pass
        for dirpath, _dirs, _files in sorted(os.walk(top), key=lambda w: -len(w[0])):
            deadline = time.monotonic() + 3
            while os.path.isdir(dirpath):
                try:
                    os.rmdir(dirpath)
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.1)


# --------------------------------------------------------------------------------------
# The daemon


def require_docker(need_debootstrap=True):
    """Raises Skip unless we are root and dockerd, the docker client, ip (and debootstrap)
    are installed."""
    if os.geteuid() != 0:
        raise Skip("needs root (a private dockerd)")
    if shutil.which("dockerd") is None:
        raise Skip("dockerd is not installed (apt-get install docker.io, or "
                   "scripts/setup-deps.sh)")
    if not os.access(DOCKER_CLIENT, os.X_OK):
        raise Skip(f"{DOCKER_CLIENT} is missing (Debian's docker.io installs it)")
    if shutil.which("ip") is None:
        raise Skip("ip (iproute2) is not installed")
    if need_debootstrap and base_builder() is None:
        raise Skip("neither mmdebstrap nor debootstrap is installed (apt-get install "
                   "mmdebstrap, or scripts/setup-deps.sh)")


class PrivateDocker:
    """A dockerd of our own, used as a context manager; cleanup() leaves the machine as it
    found it (see the module comment). Not thread-safe; one per test process is enough.

    `env` is os.environ pointing every Docker client at this daemon; docker(*args) runs the
    20.10 client with it. The daemon's files live in workdir (kept short: containerd's
    socket paths must fit in 108 bytes); its data root, large with vfs, is deleted on
    cleanup unless keep_data.
    """

    def __init__(self, workdir, verbose=False, keep_data=False, start_timeout=60,
                 storage_driver=None):
        self.dir = _check_dir(workdir)
        # "auto": overlay2 where the kernel has overlayfs (every layer a full copy with vfs:
        # a build step of the node image copies its whole file system), else vfs.
        self.storage_request = storage_driver or os.environ.get("BGPDEMO_DOCKER_STORAGE",
                                                                 "auto")
        self.storage_driver = None
        self.verbose = verbose
        self.keep_data = keep_data
        self.start_timeout = start_timeout
        tag = f"bgpdemo-dl{os.getpid()}"
        self.tag = tag
        self.sock = os.path.join(self.dir, "docker.sock")
        self.pidfile = os.path.join(self.dir, "dockerd.pid")
        self.log_path = os.path.join(self.dir, "dockerd.log")
        self.data_root = os.path.join(self.dir, "data")
        self.exec_root = os.path.join(self.dir, "exec")
        self.state_file = os.path.join(STATE_DIR, f"{os.getpid()}.json")
        self.popen = None
        self.api_version = None
        self.bridges = set()  # Linux bridges of our networks: deleted if left behind
        self.links_before = set()
        self._cleaned = False
        self.env = None

    # --- start -------------------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *_):
        self.cleanup()
        return False

    def start(self):
        require_docker(need_debootstrap=False)
        _reap_stale()
        os.makedirs(self.dir, exist_ok=True)
        bindir = os.path.join(self.dir, "bin")
        confdir = os.path.join(self.dir, "config")
        os.makedirs(bindir, exist_ok=True)
        os.makedirs(confdir, exist_ok=True)
        if not os.path.lexists(os.path.join(bindir, "docker")):
            os.symlink(DOCKER_CLIENT, os.path.join(bindir, "docker"))
        if not os.path.lexists(os.path.join(bindir, "python3")):
            os.symlink(FAST_PYTHON, os.path.join(bindir, "python3"))
        with open(os.path.join(confdir, "config.json"), "w") as f:
            f.write("{}\n")
        # An empty daemon.json: a machine's /etc/docker/daemon.json ("hosts", "data-root")
        # would conflict with the flags below.
        daemon_json = os.path.join(self.dir, "daemon.json")
        with open(daemon_json, "w") as f:
            f.write("{}\n")
        self.links_before = _links()
        atexit.register(self.cleanup)
        self._save_state()
        env = dict(os.environ)
        for k in ("DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_API_VERSION",
                  "DOCKER_BUILDKIT"):
            env.pop(k, None)
        env.update(DOCKER_HOST=f"unix://{self.sock}", DOCKER_CONFIG=confdir,
                   PATH=bindir + os.pathsep + env.get("PATH", ""))
        self.env = env
        if self.storage_request == "auto":
            with open("/proc/filesystems") as f:
                drivers = ["overlay2", "vfs"] if "\toverlay\n" in f.read() else ["vfs"]
        else:
            drivers = [self.storage_request]
        for i, driver in enumerate(drivers):
            try:
                self._start_daemon(daemon_json, driver)
                break
            except DockerError as e:
                if i + 1 == len(drivers):
                    raise
                log(f"dockerd with {driver} did not start ({e}); trying {drivers[i + 1]}")
        # Any client the tests start talks the daemon's version, without negotiating.
        env["DOCKER_API_VERSION"] = self.api_version
        log(f"private dockerd pid {self.popen.pid}, API {self.api_version}, storage "
            f"{self.storage_driver}, DOCKER_HOST=unix://{self.sock}")
        return self

    def _start_daemon(self, daemon_json, driver):
        if self.popen is not None:  # a failed attempt with another driver
            _teardown(self.dir, self.tag, self.popen.pid, self.bridges, self.links_before,
                      popen=self.popen)
        argv = ["dockerd", "--config-file", daemon_json,
                "--data-root", self.data_root, "--exec-root", self.exec_root,
                "--storage-driver", driver, "--host", f"unix://{self.sock}",
                "--pidfile", self.pidfile,
                "--bridge", "none", "--iptables=false", "--ip-masq=false",
                "--ip-forward=false",
                "--containerd-namespace", self.tag,
                "--containerd-plugins-namespace", f"{self.tag}-plugins",
                "--cgroup-parent", self.tag]
        if self.verbose:
            log(f"  $ {' '.join(argv)} > {self.log_path}")
        with open(self.log_path, "ab") as f:
            # Its own session: a Ctrl-C in the terminal reaches the test, which stops the
            # daemon after removing its containers and networks, in that order.
            self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        self._save_state()
        env = self.env
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.popen.poll() is not None:
                raise DockerError(f"dockerd exited with code {self.popen.returncode} at start; "
                                  f"{self.log_path}:\n{self.log_tail()}")
            r = subprocess.run([DOCKER_CLIENT, "version", "--format", "{{.Server.APIVersion}}"],
                               capture_output=True, text=True, env=env)
            if r.returncode == 0 and r.stdout.strip():
                self.api_version = r.stdout.strip()
                self.storage_driver = driver
                return
            if time.monotonic() > deadline:
                raise DockerError(f"dockerd did not answer within {self.start_timeout}s; "
                                  f"{self.log_path}:\n{self.log_tail()}")
            time.sleep(0.2)

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, errors="replace") as f:
                return _tail(f.read(), lines)
        except OSError:
            return ""

    def _save_state(self):
        os.makedirs(STATE_DIR, exist_ok=True)
        state = {"owner": os.getpid(), "dir": self.dir, "tag": self.tag,
                 "dockerd": self.popen.pid if self.popen else None,
                 "bridges": sorted(self.bridges), "links_before": sorted(self.links_before)}
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f)
        os.replace(tmp, self.state_file)

    # --- use ---------------------------------------------------------------------------

    def docker(self, *args, check=True, timeout=120, input=None):
        """Runs the 20.10 client against this daemon; DockerError when check and it fails."""
        return run_cmd([DOCKER_CLIENT, *args], check=check, timeout=timeout, env=self.env,
                       input=input, verbose=self.verbose)

    def json(self, *args, timeout=60):
        r = self.docker(*args, timeout=timeout)
        return json.loads(r.stdout or "null")

    def image_exists(self, name):
        return self.docker("image", "inspect", name, check=False).returncode == 0

    def network_create(self, name, subnet, gateway=None, labels=None, masquerade=True,
                       subnet_v6=None):
        """A user-defined bridge network with a known subnet (and IPv6 subnet), attachable.
        Records its Linux bridge so that cleanup can remove it even if the daemon dies."""
        args = ["network", "create", "-d", "bridge", "--attachable", "--subnet", subnet,
                *(["--ipv6", "--subnet", subnet_v6] if subnet_v6 else []),
                "-o", f"com.docker.network.bridge.enable_ip_masquerade="
                      f"{'true' if masquerade else 'false'}"]
        if gateway:
            args += ["--gateway", gateway]
        for k, v in (labels or {}).items():
            args += ["--label", f"{k}={v}"]
        net_id = self.docker(*args, name).stdout.strip()
        self.bridges.add(f"br-{net_id[:12]}")
        self._save_state()
        return net_id

    def container_ip(self, container, network):
        info = self.json("inspect", container)
        return info[0]["NetworkSettings"]["Networks"][network]["IPAddress"]

    # --- cleanup -----------------------------------------------------------------------

    def cleanup(self):
        """Removes containers, networks, the daemon and what it left; idempotent, never
        raises. Returns the leftovers it found afterwards (see leftovers())."""
        if self._cleaned:
            return self.leftovers()
        self._cleaned = True
        if self.popen is not None and self.popen.poll() is None:
            try:
                self._remove_containers_and_networks()
            except Exception as e:  # the daemon may be wedged: go on with the rest
                log(f"cleanup: removing containers and networks failed: {e}")
        _teardown(self.dir, self.tag, self.popen.pid if self.popen else None,
                  self.bridges, self.links_before, keep_data=self.keep_data,
                  popen=self.popen)
        try:
            os.unlink(self.state_file)
        except OSError:
            pass
        left = self.leftovers()
        if left:
            log(f"cleanup: left behind: {left}")
        return left

    def _remove_containers_and_networks(self):
        ids = self.docker("ps", "-aq", check=False, timeout=30).stdout.split()
        if ids:
            self.docker("rm", "-f", "-v", *ids, check=False, timeout=120)
        nets = self.docker("network", "ls", "-q", "--filter", "type=custom", check=False,
                           timeout=30).stdout.split()
        for n in nets:
            self.bridges.add(f"br-{n[:12]}")
        if nets:
            self.docker("network", "rm", *nets, check=False, timeout=60)

    def leftovers(self):
        """What of ours is still on the machine: [] when cleanup was complete."""
        out = []
        if self.popen is not None and _alive(self.popen.pid):
            out.append(f"dockerd pid {self.popen.pid}")
        out += [f"process {p} naming {self.dir}" for p in _pids_naming(self.dir)]
        links = _links()
        out += [f"link {b}" for b in sorted(self.bridges & links)]
        if "docker0" in links and "docker0" not in self.links_before:
            out.append("link docker0")
        out += [f"mount {m}" for m in _mounts_under(self.dir)]
        out += [f"cgroup {d}" for d in _cgroup_dirs(self.tag)]
        return out


def _check_dir(d):
    """Refuses a directory that processes, mounts and files could be matched against too
    broadly: what cleanup kills and unmounts is found by this path."""
    d = os.path.abspath(d)
    if d.count("/") < 2 or d.rstrip("/") in ("/tmp", "/run", "/var", "/var/tmp", "/root",
                                             "/home", "/work"):
        raise ValueError(f"{d!r} is too general for a private dockerd's directory: give a "
                         "directory of its own, e.g. tempfile.mkdtemp()")
    return d


def _teardown(d, tag, dockerd_pid, bridges, links_before, keep_data=False, popen=None):
    """Stops the daemon at d and removes what it left: its processes, bridges, docker0,
    mounts, cgroups and data root. Shared by cleanup() and _reap_stale()."""
    d = _check_dir(d)
    # dockerd first, politely: on SIGTERM it stops its containerd.
    if dockerd_pid and _alive(dockerd_pid):
        try:
            os.kill(dockerd_pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 20
        while _alive(dockerd_pid) and time.monotonic() < deadline:
            if popen is not None:
                popen.poll()
            time.sleep(0.1)
        if _alive(dockerd_pid):
            os.kill(dockerd_pid, signal.SIGKILL)
    if popen is not None:
        try:
            popen.wait(5)
        except subprocess.TimeoutExpired:
            pass
    # containerd, shims, anything still naming our directory; then the containers' own
    # processes, by their cgroup.
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _pids_naming(d)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 3
        while pids and any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
    _kill_and_remove_cgroup(tag)
    links = _links()
    for b in sorted(set(bridges) & links):
        subprocess.run(["ip", "link", "del", b], capture_output=True)
    if "docker0" in links and "docker0" not in set(links_before):
        subprocess.run(["ip", "link", "del", "docker0"], capture_output=True)
    for m in _mounts_under(d):
        subprocess.run(["umount", "-l", m], capture_output=True)
    if not keep_data:
        shutil.rmtree(os.path.join(d, "data"), ignore_errors=True)
        shutil.rmtree(os.path.join(d, "exec"), ignore_errors=True)


def _reap_stale():
    """Cleans up after PrivateDockers whose owner died without cleaning (SIGKILL)."""
    try:
        names = os.listdir(STATE_DIR)
    except OSError:
        return
    for n in names:
        if not n.endswith(".json"):
            continue
        path = os.path.join(STATE_DIR, n)
        try:
            with open(path) as f:
                st = json.load(f)
        except (OSError, ValueError):
            continue
        if _alive(int(st.get("owner", 0))):
            continue
        try:
            _check_dir(st.get("dir", "/"))
        except ValueError:
            continue
        log(f"cleaning up after a dead test's dockerd (owner pid {st.get('owner')}, "
            f"{st.get('dir')})")
        _teardown(st["dir"], st["tag"], st.get("dockerd"), st.get("bridges", []),
                  st.get("links_before", []))
        try:
            os.unlink(path)
        except OSError:
            pass


# --------------------------------------------------------------------------------------
# The base image's maker (images: docker_images.py)


def base_builder():
    """mmdebstrap when installed (it downloads in parallel and writes the tarball itself:
    about 50 s here against debootstrap's 65 to 85), else debootstrap, else None."""
    return next((t for t in ("mmdebstrap", "debootstrap") if shutil.which(t)), None)


# --------------------------------------------------------------------------------------
# The runner (the checks are tests/harness.py's)


def run(test_name, description, body, setup=None):
    """Runs body(checks) and returns the exit code: 0, 1 on a failed check, 77 on Skip.
    setup() (optional) runs first and may raise Skip. SIGINT, SIGTERM and SIGHUP unwind
    through the body's finally blocks; cleanup (the body's, then atexit's) is not cut
    short by a second signal."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _raise_interrupted)
    checks = Checks()
    log(f"== {test_name}: {description}")
    code = 0
    try:
        try:
            if setup:
                setup()
            body(checks)
        except Skip as e:
            log(f"SKIP: {e}")
            code = SKIP
            return code
        except Fatal as e:
            checks.check(False, "the test could not go on", str(e))
        except Interrupted as e:
            checks.check(False, "interrupted", str(e))
        except Exception:
            checks.check(False, "unexpected error", traceback.format_exc())
        code = 1 if checks.failed else 0
        if checks.failed:
            log("failed: " + "; ".join(checks.failures))
    finally:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        print_timings()
        log(f"{test_name} took {checks.elapsed():.1f}s")
        if code != SKIP:
            log(f"{checks.passed} passed, {checks.failed} failed")
    return code


def up_events(c, r, what):
    """The JSON events of a `bgpdemo up -o json` run `r`: checks (as `what`) that it
    completed, and stops the test (Fatal) when it did not."""
    events = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    c.check(r.returncode == 0 and events and events[-1].get("ok") is True, what,
            f"exit {r.returncode}\n{r.stdout[-1500:]}\nstderr:\n{r.stderr[-3000:]}")
    if r.returncode != 0:
        raise Fatal("the demo did not come up")
    return events


def make_workdir(prefix):
    """A short temporary directory (containerd's socket paths must fit in 108 bytes)."""
    return tempfile.mkdtemp(prefix=prefix, dir="/tmp")


if __name__ == "__main__":  # not a test: `python3 dockerlab.py` says so
    sys.exit("tests/kind/dockerlab.py is a module: see tests/kind/router_image_test.py")
