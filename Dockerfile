# The route server image: `bgpdemo router` as the external BGP router of the two-cluster
# demo (the `kind` provider runs it as the container bgpdemo-router on every Docker network
# of the scenario, with NET_ADMIN and net.ipv4.ip_forward=1).
#
#   docker build -t bgpdemo-router --build-arg BGPDEMO_VERSION="$(git describe --always --dirty --tags)" .
#   docker run -d --name bgpdemo-router --cap-add NET_ADMIN --sysctl net.ipv4.ip_forward=1 \
#     -v "$PWD/router.yaml:/etc/bgpdemo/router.yaml:ro" bgpdemo-router
#
# Two stages from the same Debian base (a build argument, so that a locally made
# debian:bookworm, or a mirror's, can stand in): the build stage installs only what the
# `bgpdemo` target needs (no tests, no benchmarks), the runtime stage only the shared
# libraries the binary links (ldd), iproute2 (`ip route` for the checks) and curl (the
# demo's verify runs HTTP probes inside this container). Written for the classic builder
# and BuildKit alike (Debian's docker.io 20.10 uses the classic one).
ARG BASE_IMAGE=debian:bookworm

FROM ${BASE_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      cmake ninja-build g++ pkg-config libcli11-dev nlohmann-json3-dev libyaml-cpp-dev \
      libfmt-dev libboost-dev libkainjow-mustache-dev libmnl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The context holds only what the build needs (.dockerignore): a change to the tests or the
# docs does not rebuild the image.
COPY . .
# No .git in the context: the version comes from the caller, else the binary says "unknown".
ARG BGPDEMO_VERSION=
ARG BUILD_JOBS=2
# -O2 as RelWithDebInfo, without -g: the binary is stripped, and debug info costs compile
# time (the compile is most of the image's build time).
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DBGPDEMO_TESTS=OFF -DBGPDEMO_BENCH=OFF -DBGPDEMO_VERSION="${BGPDEMO_VERSION}" \
 && ninja -C /build -j "${BUILD_JOBS}" bgpdemo \
 && strip /build/bgpdemo

FROM ${BASE_IMAGE}
# libfmt9, libyaml-cpp0.7 and libmnl0 are what `ldd bgpdemo` names beyond libc, libm,
# libstdc++6 and libgcc-s1 (all in the base); the check after the copy fails the build if
# a library is missing.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libfmt9 libyaml-cpp0.7 libmnl0 iproute2 curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/bgpdemo /usr/local/bin/bgpdemo
RUN if ldd /usr/local/bin/bgpdemo | grep 'not found'; then exit 1; fi \
 && bgpdemo --version \
 && mkdir -p /etc/bgpdemo /run/bgpdemo
ARG BGPDEMO_VERSION=
# The repository's public address: the project has none yet, so the caller passes it.
ARG BGPDEMO_SOURCE=
# A global ARG is visible in a stage only when declared again in it.
ARG BASE_IMAGE
LABEL org.opencontainers.image.title="bgpdemo-router" \
      org.opencontainers.image.description="bgpdemo router: the BGP route server of the two-cluster Cilium BGP demo" \
      org.opencontainers.image.source="${BGPDEMO_SOURCE}" \
      org.opencontainers.image.version="${BGPDEMO_VERSION}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
# BGP; the control socket is /run/bgpdemo/router.sock (`docker exec bgpdemo-router
# bgpdemo router peers`).
EXPOSE 179
ENTRYPOINT ["bgpdemo"]
CMD ["router", "--config", "/etc/bgpdemo/router.yaml"]
