#!/usr/bin/env bash
# Installs every Debian 12 package bgpdemo needs to build and test. Idempotent: a second run
# installs nothing and makes no network request when everything is already there.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build clang lld libclang-rt-dev clang-format
  # libraries
  libcli11-dev nlohmann-json3-dev libyaml-cpp-dev libfmt-dev libboost-dev
  doctest-dev libbenchmark-dev libkainjow-mustache-dev libvalijson-dev libmnl-dev pkg-config
  # tests: real peers, captures and the Wireshark cross-check
  iproute2 gobgpd bird2 frr tshark tcpdump python3
  # tests on a real Docker engine (tests/kind/): a private dockerd 20.10 with the vfs
  # driver, and a debian:bookworm base image made with debootstrap (no registry here).
  # docker.io puts dockerd and its own 20.10 client in /usr/bin; tests/kind/dockerlab.py
  # always runs /usr/bin/docker, whatever newer client is first on PATH.
  docker.io debootstrap
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup-deps: missing packages: ${missing[*]}" >&2
  echo "setup-deps: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt run (a second worktree's setup, unattended upgrades) holds dpkg's lock for a
# while: wait for it instead of failing at once.
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
