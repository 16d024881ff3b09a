"""Images for bgpdemo's Docker tests, in a private daemon from dockerlab.py: a local
debian:bookworm base and cached builds on it (no registry can be reached here).

  ensure_base_image(d, ...)  debian:bookworm: `docker import` of an mmdebstrap tarball (or a
                             debootstrap one where mmdebstrap is missing), cached in the
                             caller's directory (build/docker-cache/)
  ensure_image(d, ...)       `docker build`, skipped when the image exists, and cached with
                             `docker save`/`docker load` under a hash of the Dockerfile, its
                             build arguments, the base and the context files
"""

import hashlib
import os
import re
import shutil
import subprocess
import time

from dockerlab import (DOCKER_CLIENT, DockerError, PrivateDocker, Skip, _mounts_under, _tail,
                       base_builder, log, make_workdir, run_cmd, timed)

# The base image: what docker-here.md names, plus the suites of a real debian:bookworm.
BASE_IMAGE = "debian:bookworm"
BASE_SUITE = "bookworm"
BASE_INCLUDE = "iproute2,curl,ca-certificates"
# The image of the simulated kind nodes (tests/kind/node/Dockerfile).
NODE_IMAGE = "bgpdemo-kind-node"


def apt_mirror():
    """Debian's archive as apt's sources name it (deb822 or one-line), or deb.debian.org."""
    candidates = []
    for p in ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"] + \
            sorted(os.path.join("/etc/apt/sources.list.d", f)
                   for f in (os.listdir("/etc/apt/sources.list.d")
                             if os.path.isdir("/etc/apt/sources.list.d") else [])):
        try:
            with open(p) as f:
                text = f.read()
        except OSError:
            continue
        candidates += re.findall(r"^URIs:\s*(\S+)", text, re.M)
        candidates += re.findall(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)", text, re.M)
    for uri in candidates:
        if uri.startswith("http") and uri.rstrip("/").endswith("/debian"):
            return uri.rstrip("/")
    return "http://deb.debian.org/debian"


def ensure_base_image(d, cache_dir, workdir):
    """debian:bookworm in d's daemon: already there, else `docker import` of the cached
    rootfs tarball, else a new one made by base_builder() (then cached in cache_dir). Returns
    the cache key, which image keys include (an image built on another base is another
    image)."""
    mirror = apt_mirror()
    arch = run_cmd(["dpkg", "--print-architecture"]).stdout.strip()
    key = hashlib.sha256(f"{BASE_SUITE} minbase {BASE_INCLUDE} {mirror} {arch} v1"
                         .encode()).hexdigest()[:12]
    if d.image_exists(BASE_IMAGE):
        return key
    os.makedirs(cache_dir, exist_ok=True)
    tarball = os.path.join(cache_dir, f"debian-{BASE_SUITE}-{arch}-{key}.tar")
    builder = base_builder()
    if not os.path.exists(tarball) and builder is None:
        raise Skip("neither mmdebstrap nor debootstrap is installed and no cached base image "
                   f"is in {cache_dir}")
    if not os.path.exists(tarball) and builder == "mmdebstrap":
        _mmdebstrap_tarball(tarball, mirror, arch, d.verbose)
    if not os.path.exists(tarball):
        rootfs = os.path.join(workdir, "rootfs")
        try:
            with timed("debootstrap"):
                r = run_cmd(["debootstrap", "--variant=minbase", f"--arch={arch}",
                             f"--include={BASE_INCLUDE}", BASE_SUITE, rootfs, mirror],
                            check=False, timeout=900, verbose=d.verbose)
                if r.returncode != 0:
                    logf = os.path.join(rootfs, "debootstrap", "debootstrap.log")
                    extra = ""
                    if os.path.exists(logf):
                        with open(logf, errors="replace") as f:
                            extra = _tail(f.read())
                    raise DockerError(f"debootstrap failed ({r.returncode}):\n"
                                      f"{_tail(r.stdout + r.stderr)}\n{extra}")
            _finish_rootfs(rootfs, mirror)
            with timed("rootfs tarball"):
                tmp = tarball + f".tmp{os.getpid()}"
                run_cmd(["tar", "-C", rootfs, "--numeric-owner", "-cf", tmp, "."],
                        timeout=300)
                os.replace(tmp, tarball)
        finally:
            for m in _mounts_under(rootfs):  # debootstrap's /proc, /sys if it was cut short
                subprocess.run(["umount", "-l", m], capture_output=True)
            shutil.rmtree(rootfs, ignore_errors=True)
            for f in os.listdir(cache_dir):
                if ".tar.tmp" in f and f.endswith(str(os.getpid())):
                    os.unlink(os.path.join(cache_dir, f))
    with timed("docker import"):
        # What the public image sets: a PATH (Docker would add one anyway) and bash.
        d.docker("import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                 "/usr/bin:/sbin:/bin", "--change", 'CMD ["bash"]', tarball, BASE_IMAGE,
                 timeout=300)
    return key


def _sources_list(mirror):
    """apt's sources as in the public image: the release, its updates and security."""
    security = re.sub(r"/debian$", "/debian-security", mirror)
    return (f"deb {mirror} {BASE_SUITE} main\n"
            f"deb {mirror} {BASE_SUITE}-updates main\n"
            f"deb {security} {BASE_SUITE}-security main\n")


def _mmdebstrap_tarball(tarball, mirror, arch, verbose):
    """The base rootfs as a tarball straight from mmdebstrap: installed from the release
    alone, as debootstrap does, then given the public image's sources. mmdebstrap leaves no
    package lists or caches behind."""
    tmp = tarball + f".tmp{os.getpid()}"
    try:
        with timed("mmdebstrap"):
            hook = f"printf '%s' '{_sources_list(mirror)}' > \"$1/etc/apt/sources.list\""
            r = run_cmd(["mmdebstrap", "--variant=minbase", f"--architectures={arch}",
                         f"--include={BASE_INCLUDE}", "--format=tar",
                         f"--customize-hook={hook}", BASE_SUITE, tmp, mirror],
                        check=False, timeout=900, verbose=verbose)
            if r.returncode != 0:
                raise DockerError(f"mmdebstrap failed ({r.returncode}):\n"
                                  f"{_tail(r.stdout + r.stderr)}")
        os.replace(tmp, tarball)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _finish_rootfs(rootfs, mirror):
    """apt's sources as in the public image (the release, its updates and security), no
    package lists or caches: the image is small and every build runs apt-get update."""
    with open(os.path.join(rootfs, "etc/apt/sources.list"), "w") as f:
        f.write(_sources_list(mirror))
    for sub in ("var/lib/apt/lists", "var/cache/apt/archives"):
        p = os.path.join(rootfs, sub)
        for f in os.listdir(p) if os.path.isdir(p) else []:
            fp = os.path.join(p, f)
            if os.path.isfile(fp) and f not in ("lock",):
                os.unlink(fp)


def _dockerignore_patterns(context):
    try:
        with open(os.path.join(context, ".dockerignore")) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        neg = line.startswith("!")
        pat = os.path.normpath(line[1:] if neg else line).lstrip("/")
        rx = ""
        i = 0
        while i < len(pat):
            c = pat[i]
            if pat.startswith("**", i):
                rx += ".*"
                i += 2
                continue
            rx += {"*": "[^/]*", "?": "[^/]"}.get(c, re.escape(c))
            i += 1
        out.append((neg, re.compile(rx + "$"), pat))
    return out


def context_files(context):
    """The files `docker build` sends from context, after .dockerignore (Docker's rules: the
    last matching pattern wins; a pattern matching a parent directory matches the file)."""
    pats = _dockerignore_patterns(context)

    def excluded(rel):
        parts = rel.split("/")
        ex = False
        for neg, rx, _ in pats:
            if any(rx.match("/".join(parts[:i])) for i in range(1, len(parts) + 1)):
                ex = not neg
        return ex

    def prunable(rel):
        # An excluded directory that no exception can reach into (build trees, .git).
        return excluded(rel) and not any(
            neg and (src.startswith(rel + "/") or "*" in src.split("/")[0])
            for neg, _, src in pats)

    out = []
    for dirpath, dirs, files in os.walk(context):
        dirs[:] = sorted(x for x in dirs if not prunable(
            os.path.relpath(os.path.join(dirpath, x), context)))
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(dirpath, f), context)
            if not excluded(rel):
                out.append(rel)
    return out


def image_key(context, dockerfile, build_args, base_key):
    h = hashlib.sha256()
    h.update(f"base {base_key}\n".encode())
    for k, v in sorted((build_args or {}).items()):
        h.update(f"arg {k}={v}\n".encode())
    for rel in [dockerfile] + context_files(context):
        p = rel if os.path.isabs(rel) else os.path.join(context, rel)
        h.update(f"file {os.path.relpath(p, context)}\n".encode())
        with open(p, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()[:16]


def ensure_image(d, name, context, dockerfile=None, build_args=None, cache_dir=None,
                 base_key="", step=None):
    """The image `name` built from context (Dockerfile: dockerfile, else context/Dockerfile):
    nothing when d has it, else `docker load` of the cached save, else `docker build` (then
    saved to cache_dir under a hash of the Dockerfile, build_args, base_key and the context
    files that .dockerignore lets through). Returns "present", "loaded" or "built"."""
    step = step or name
    dockerfile = os.path.abspath(dockerfile or os.path.join(context, "Dockerfile"))
    if d.image_exists(name):
        return "present"
    key = image_key(context, dockerfile, build_args, base_key)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    cached = os.path.join(cache_dir, f"image-{safe}-{key}.tar") if cache_dir else None
    if cached and os.path.exists(cached):
        with timed(f"{step}: docker load"):
            r = d.docker("load", "-i", cached, check=False, timeout=600)
        if r.returncode == 0 and d.image_exists(name):
            return "loaded"
        log(f"  cached {cached} did not load ({_tail(r.stderr, 3)}): building")
    # BuildKit (built into the 20.10 client and daemon; no buildx, no registry: the base is
    # found in the daemon's images): metadata instructions cost nothing and stages build in
    # parallel, where the classic builder creates and commits a container for every
    # instruction (with vfs, a full copy of the file system each time).
    args = ["build", "-t", name, "-f", dockerfile, "--network", "host", "--progress", "plain"]
    for k, v in sorted((build_args or {}).items()):
        args += ["--build-arg", f"{k}={v}"]
    log_path = os.path.join(d.dir, f"build-{safe}.log")
    env = dict(d.env, DOCKER_BUILDKIT="1")
    with timed(f"{step}: docker build"):
        rc = _stream([DOCKER_CLIENT, *args, context], env, log_path, timeout=1800,
                     verbose=d.verbose)
    if rc != 0:
        with open(log_path, errors="replace") as f:
            text = f.read()
        raise DockerError(f"docker build of {name} failed ({rc}); {log_path}:\n"
                          f"{_tail(text, 30)}")
    if cached:
        with timed(f"{step}: docker save"):
            tmp = cached + f".tmp{os.getpid()}"
            d.docker("save", "-o", tmp, name, timeout=600)
            os.replace(tmp, cached)
        for f in os.listdir(cache_dir):  # older saves of this image
            if f.startswith(f"image-{safe}-") and f != os.path.basename(cached):
                os.unlink(os.path.join(cache_dir, f))
    return "built"


def _stream(argv, env, log_path, timeout, verbose=False):
    """Runs argv with its output in log_path, each line stamped with the seconds since the
    start; prints BuildKit's step lines ("#7 [build 3/5] RUN ...", "#7 DONE 93.1s") as they
    come when verbose. Returns the exit code; kills it after timeout."""
    if verbose:
        log(f"  $ {' '.join(argv)} > {log_path}")
    t0 = time.monotonic()
    with open(log_path, "w") as out:
        p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, errors="replace")
        try:
            for line in p.stdout:
                t = time.monotonic() - t0
                out.write(f"[{t:7.1f}s] {line}")
                if verbose and re.match(r"#\d+ (\[|DONE|ERROR|CACHED)", line):
                    log(f"    [{t:6.1f}s] {line.rstrip()}")
                if t > timeout:
                    p.kill()
            return p.wait(30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()




def with_node_engine(c, args, tag, node_context, run):
    """The frame of the kind tests: a work directory (kept when a check failed or with
    --keep), a private Docker engine in it, the kind node image from `node_context` (cached
    in args.cache_dir), then run(d, workdir), then the check that the engine left nothing."""
    workdir = make_workdir(f"bgpdemo-{tag}-")
    log(f"work directory {workdir}")
    failed_before = c.failed
    try:
        with PrivateDocker(os.path.join(workdir, "d"), verbose=args.verbose) as d:
            cache = args.cache_dir or os.path.join(workdir, "cache")
            os.makedirs(cache, exist_ok=True)
            base_key = ensure_base_image(d, cache, d.dir)
            how = ensure_image(d, NODE_IMAGE, node_context, cache_dir=cache, base_key=base_key)
            c.check(d.image_exists(NODE_IMAGE), f"node image {NODE_IMAGE} ({how})")
            run(d, workdir)
            leftovers = d.cleanup()
            c.check(not leftovers, "the private Docker engine left nothing behind", f"{leftovers}")
    finally:
        if c.failed > failed_before or args.keep:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
