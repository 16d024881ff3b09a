#!/usr/bin/env bash
# Installs the Debian 12 packages bgpdemo needs. Idempotent: a second run installs nothing and
# makes no network request when everything is already there.
#
#   scripts/setup-deps.sh demo   what `make demo` needs: build the bgpdemo binary (configured
#                                with -DBGPDEMO_TESTS=OFF -DBGPDEMO_BENCH=OFF) and run the
#                                demo on the lab provider
#   scripts/setup-deps.sh test   the demo's set and everything the tests, the sanitizer and
#                                fuzz build, the benchmarks and the lint checks use (the
#                                default, for `make build`, `make test`, `make lint`)
#
# The kind provider also needs Docker, kind, kubectl, helm and cilium-cli on PATH; this
# script installs none of them (`make demo` runs on the lab provider where they are missing),
# and the kind provider's preflight names each missing one and where to get it.
set -euo pipefail

demo_packages=(
  # build the binary
  build-essential cmake ninja-build pkg-config
  # the libraries it compiles against and links
  libcli11-dev nlohmann-json3-dev libyaml-cpp-dev libfmt-dev libboost-dev
  libkainjow-mustache-dev libmnl-dev
  # `bgpdemo decode` of pcap/pcapng captures and of gzip/bzip2 compressed MRT files
  libpcap-dev zlib1g-dev libbz2-dev
  # run the lab provider: namespaces, bridges, veth pairs, routes
  iproute2
)

test_packages=(
  # the clang build (ASan/UBSan, libFuzzer) and the lint checks (scripts/check-*.sh)
  clang lld libclang-rt-dev clang-format clang-tidy git
  # a compiler cache: `make` uses it when present, so the second of the two builds and
  # every rebuild after a small change compile only what changed
  ccache
  # test and benchmark libraries, JSON Schema validation (tests/core/render_schema_test.cpp)
  doctest-dev libbenchmark-dev libvalijson-dev
  # tests: real peers, captures and the Wireshark cross-check
  gobgpd bird2 frr tshark tcpdump python3
  # the MRT cross-check of `bgpdemo decode` (tests/tools/capture_crosscheck.sh)
  bgpdump
  # Graphviz's dot, which lays out `bgpdemo graph` and `bgpdemo ui` (tests/e2e/see_test.py)
  graphviz
  # headless Chromium, which loads `bgpdemo ui`'s page in tests/e2e/ui_test.py
  chromium
  # promtool, which checks `bgpdemo router --metrics` output (tests/interop/metrics_test.py);
  # the Prometheus server of the package is not used (stopped below where systemd started it)
  prometheus
  # the static-routes DaemonSet's script run with busybox's sh and ip, as in its default
  # image busybox:1.36 (tests/core/render_routes_root_test.cpp)
  busybox
  # tests on a real Docker engine (tests/kind/): a private dockerd 20.10 with the vfs
  # driver, and a debian:bookworm base image made with mmdebstrap (no registry here;
  # debootstrap is the fallback).
  # docker.io puts dockerd and its own 20.10 client in /usr/bin; tests/kind/dockerlab.py
  # always runs /usr/bin/docker, whatever newer client is first on PATH.
  docker.io mmdebstrap debootstrap
)

case "${1:-test}" in
  demo) packages=("${demo_packages[@]}") ;;
  test) packages=("${demo_packages[@]}" "${test_packages[@]}") ;;
  *)
    echo "usage: $0 [demo|test]" >&2
    exit 2
    ;;
esac
set_name=${1:-test}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup-deps: all ${#packages[@]} packages of the $set_name set present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup-deps: missing packages of the $set_name set: ${missing[*]}" >&2
  echo "setup-deps: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt run (a second worktree's setup, unattended upgrades) holds dpkg's lock for a
# while: wait for it instead of failing at once.
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
# Debian starts the Prometheus server it installs (on :9090) where systemd runs; the tests
# only need promtool.
if [[ " ${missing[*]} " == *" prometheus "* ]] && [[ -d /run/systemd/system ]]; then
  systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
