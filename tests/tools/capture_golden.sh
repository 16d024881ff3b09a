#!/usr/bin/env bash
# capture_golden.sh - capture real BGP wire messages from real daemons (BIRD 2,
# GoBGP 3, FRR 8) and turn them into golden test vectors for the bgpdemo codec.
#
# Must run as root (network namespaces). Everything happens inside network
# namespaces named bgpdg-*; no traffic leaves them. All namespaces and processes
# created here are removed on exit, also on failure (trap cleanup EXIT).
#
# Topology (one L2 segment, a bridge in its own namespace):
#
#   bgpdg-rs  eth0 10.0.0.1/24 fd00::1/64   bird   AS 65000 router id 10.0.0.1 (passive)
#   bgpdg-n1  eth0 10.0.0.2/24 fd00::2/64   gobgpd AS 65100 router-id 10.0.0.2, hostname bgpdg-n1
#   bgpdg-n3  eth0 10.0.0.4/24 fd00::4/64   FRR bgpd AS 65200 router-id 10.0.0.4, hostname bgpdg-n3
#   bgpdg-br  br0 with the three peer ends of the veths
#
# Phases (fresh daemons and a separate pcap per phase, tcpdump runs in bgpdg-rs):
#   A  gobgpd Cilium-1.14-like (ipv4+ipv6 unicast, no GR) dials 10.0.0.1 over IPv4;
#      announce 10.241.1.0/24, 10.11.0.10/32, fd00:10:241:1::/64, withdraw
#      10.11.0.10/32 and fd00:10:241:1::/64; BIRD announces and withdraws statics;
#      then `birdc disable n1 "<text>"` (Cease/Administrative Shutdown + RFC 8203 text).
#   B  same gobgpd with graceful restart (restart-time 120, N bit, R bit via -r,
#      per-AFI GR) -> GR OPEN and End-of-RIB; then `gobgp neighbor 10.0.0.1 reset
#      --reason "Peer configuration changed"` (Cilium's hard reset), wait for the
#      session to come back, and end with `gobgp neighbor 10.0.0.1 shutdown --reason "<text>"`.
#   C  gobgpd over an IPv6 session fd00::2 -> fd00::1 (ipv4+ipv6 unicast; BIRD has
#      `extended next hop on` for ipv4 on that session); ends with
#      `gobgp neighbor del fd00::1` (Cease/Peer De-configured, as Cilium on peer removal).
#   D  FRR bgpd 10.0.0.4 -> 10.0.0.1 (IPv4 unicast, network 10.245.2.0/24), ends
#      with `neighbor 10.0.0.1 shutdown message "<text>"`.
#
# Then tests/tools/split_bgp_stream.py reassembles each TCP direction, splits it
# into BGP messages, picks the interesting ones, cross-checks them against
# tshark's own reassembly and writes tests/data/wire/golden/*.hex,
# *.tshark.txt and MANIFEST.md (facts from tshark's dissection only).
#
# Usage: sudo tests/tools/capture_golden.sh [--emit-only]
#   --emit-only   skip the capture, regenerate the golden files from the pcaps
#                 left in $WORK by a previous run.
# Env: WORK (default /tmp/bgpdg; pcaps and logs, never in the repo),
#      GOLDEN_DIR (default <repo>/tests/data/wire/golden).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
GOLDEN_DIR=${GOLDEN_DIR:-$REPO/tests/data/wire/golden}
WORK=${WORK:-/tmp/bgpdg}
SPLITTER=$HERE/split_bgp_stream.py

NS_BR=bgpdg-br
NS_RS=bgpdg-rs
NS_N1=bgpdg-n1
NS_N3=bgpdg-n3
ALL_NS=("$NS_RS" "$NS_N1" "$NS_N3" "$NS_BR")

RS4=10.0.0.1 RS6=fd00::1
N14=10.0.0.2 N16=fd00::2
N34=10.0.0.4

BIRD_SOCK=$WORK/bird.ctl
FRR_DIR=$WORK/frr

BIRD_SHUTDOWN_TEXT="bgpdemo golden capture: route server maintenance"
GOBGP_SHUTDOWN_TEXT="bgpdemo golden capture: node drained"
GOBGP_RESET_TEXT="Peer configuration changed"   # what Cilium sends on a hard reset
FRR_SHUTDOWN_TEXT="bgpdemo golden capture: frr node leaving"

PIDS=()          # every background process we started, killed on exit
FRR_PID=         # bgpd leaves /var/tmp/frr/bgpd.<pid>; removed on exit
FRR_TMP_EXISTED=0
[ -d /var/tmp/frr ] && FRR_TMP_EXISTED=1

log() { printf '[capture_golden] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cleanup() {
  local rc=$? pid ns
  set +e
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  sleep 0.5
  for pid in "${PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  frr_tmp_cleanup
  # Anything still running inside our namespaces was started by us.
  for ns in "${ALL_NS[@]}"; do
    if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
  done
  if [ "$rc" -ne 0 ]; then
    log "failed (rc=$rc); logs and pcaps kept in $WORK"
  fi
  exit "$rc"
}

# FRR creates /var/tmp/frr/bgpd.<pid> (crash-log dir); remove ours.
frr_tmp_cleanup() {
  if [ -n "$FRR_PID" ]; then rm -rf "/var/tmp/frr/bgpd.$FRR_PID"; fi
  if [ "$FRR_TMP_EXISTED" = 0 ] && [ -d /var/tmp/frr ]; then rmdir /var/tmp/frr 2>/dev/null || true; fi
}

# stop_pid PID [SIGNAL]: stop one of our processes and reap it.
stop_pid() {
  local pid=$1 sig=${2:-TERM}
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# wait_for TIMEOUT_S DESCRIPTION CMD...: poll CMD every 0.5 s until it succeeds.
wait_for() {
  local timeout=$1 what=$2
  shift 2
  for _ in $(seq 1 $((timeout * 2))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  die "timeout after ${timeout}s waiting for: $what"
}

birdc_() { ip netns exec "$NS_RS" birdc -s "$BIRD_SOCK" "$@"; }
gobgp_() { ip netns exec "$NS_N1" gobgp "$@"; }
vtysh_() { ip netns exec "$NS_N3" vtysh --vty_socket "$FRR_DIR" "$@"; }

bird_established() { birdc_ show protocols "$1" | grep -q Established; }
bird_has_route() {  # bird_has_route PROTO PREFIX [TABLE]
  local t=${3:-}
  if [ -n "$t" ]; then birdc_ show route "$2" table "$t" protocol "$1" | grep -qF "$2"
  else birdc_ show route "$2" protocol "$1" | grep -qF "$2"; fi
}
bird_lacks_route() { ! bird_has_route "$@"; }
gobgp_adj_in_has() {  # gobgp_adj_in_has NEIGHBOR FAMILY PREFIX
  gobgp_ neighbor "$1" adj-in -a "$2" | grep -qF "$3"
}
gobgp_established() {
  gobgp_ neighbor "$1" | grep -q 'BGP state = established'
}
frr_established() {
  vtysh_ -c 'show bgp neighbors 10.0.0.1' | grep -q 'BGP state = Established'
}

# ---------------------------------------------------------------- topology --
setup_topology() {
  local ns
  for ns in "${ALL_NS[@]}"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # No DAD: link-local addresses (derived from the fixed MACs below) are usable
    # at once, so next hops are identical on every run.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
      net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0
  done
  ip -n "$NS_BR" link add br0 type bridge
  ip -n "$NS_BR" link set br0 up
  # peer NS IDX ADDR4 ADDR6
  local spec name idx a4 a6
  for spec in "$NS_RS 1 $RS4 $RS6" "$NS_N1 2 $N14 $N16" "$NS_N3 4 $N34 fd00::4"; do
    read -r name idx a4 a6 <<<"$spec"
    ip link add eth0 netns "$name" address "02:00:00:00:00:0$idx" type veth \
      peer name "p$idx" netns "$NS_BR" address "02:00:00:00:01:0$idx"
    ip -n "$NS_BR" link set "p$idx" master br0 up
    ip -n "$name" addr add "$a4/24" dev eth0
    ip -n "$name" addr add "$a6/64" dev eth0 nodad
    ip -n "$name" link set eth0 up
  done
  for name in "$NS_RS" "$NS_N1" "$NS_N3"; do
    wait_for 10 "eth0 up in $name" bash -c "ip -n $name link show eth0 | grep -q 'state UP'"
  done
}

# ---------------------------------------------------------------- tcpdump --
TCPDUMP_PID=
start_capture() {  # start_capture PHASE
  local pcap=$WORK/phase-$1.pcap
  rm -f "$pcap"
  ip netns exec "$NS_RS" tcpdump -i eth0 -n -U -Z root -s 0 -w "$pcap" 'tcp port 179' \
    >"$WORK/tcpdump-$1.log" 2>&1 &
  TCPDUMP_PID=$!
  PIDS+=("$TCPDUMP_PID")
  wait_for 10 "tcpdump ready" grep -q 'listening on' "$WORK/tcpdump-$1.log"
}
stop_capture() {
  sleep 1
  stop_pid "$TCPDUMP_PID" INT
}

# ------------------------------------------------------------------- BIRD --
BIRD_PID=
start_bird() {  # start_bird PHASE
  local conf=$WORK/bird-$1.conf
  cat >"$conf" <<EOF
# bgpdemo golden capture, phase $1: route server-ish BIRD, AS 65000
router id $RS4;
log "$WORK/bird-$1.log" all;
protocol device {}
# Static routes BIRD announces to its peers (st4/st6 stay, st4w/st6w get withdrawn).
protocol static st4 { ipv4; route 10.100.0.0/24 blackhole; route 10.100.1.0/24 blackhole; }
protocol static st6 { ipv6; route fd00:100::/64 blackhole; route fd00:100:1::/64 blackhole; }
protocol static st4w { ipv4; route 10.100.9.0/24 blackhole; }
protocol static st6w { ipv6; route fd00:100:9::/64 blackhole; }
template bgp peer {
  local as 65000;
  hold time 90;
  passive on;
  ipv4 { import all; export all; };
  ipv6 { import all; export all; };
}
protocol bgp n1 from peer { neighbor $N14 as 65100; }
protocol bgp n1v6 from peer {
  neighbor $N16 as 65100;
  ipv4 { import all; export all; extended next hop on; };
}
protocol bgp n3 from peer { neighbor $N34 as 65200; }
EOF
  ip netns exec "$NS_RS" bird -p -c "$conf"
  rm -f "$BIRD_SOCK"
  ip netns exec "$NS_RS" bird -f -c "$conf" -s "$BIRD_SOCK" -P "$WORK/bird.pid" \
    >"$WORK/bird-$1.stderr" 2>&1 &
  BIRD_PID=$!
  PIDS+=("$BIRD_PID")
  wait_for 10 "bird control socket" birdc_ show status
}
stop_bird() { stop_pid "$BIRD_PID"; }

# ------------------------------------------------------------------ GoBGP --
GOBGPD_PID=
# gobgp_conf FILE NEIGHBOR LOCAL_ADDR GR(0|1): Cilium 1.14-like neighbor config
# (pkg/bgpv1/gobgp: ListenPort -1, import policy reject, timers 120/90/30,
# IdleHoldTimeAfterReset 5, remote port 179, wildcard local address, families
# ipv4-unicast + ipv6-unicast, GR: enabled + restart-time + notification-enabled
# + per-AFI mp-graceful-restart). The neighbour starts admin-down so the routes
# are in the RIB before the session comes up (one UPDATE per family at start).
gobgp_conf() {
  local f=$1 nbr=$2 laddr=$3 gr=$4 fam
  {
    cat <<EOF
[global.config]
  as = 65100
  router-id = "$N14"
  port = -1
# Cilium: global import policy REJECT plus an "allow-local" policy so that
# locally originated paths survive (received routes are never used).
[global.apply-policy.config]
  import-policy-list = ["allow-local"]
  default-import-policy = "reject-route"
[[policy-definitions]]
  name = "allow-local"
  [[policy-definitions.statements]]
    name = "allow-local-stmt"
    [policy-definitions.statements.conditions.bgp-conditions]
      route-type = "local"
    [policy-definitions.statements.actions]
      route-disposition = "accept-route"

[[neighbors]]
  [neighbors.config]
    neighbor-address = "$nbr"
    peer-as = 65000
    admin-down = true
  [neighbors.timers.config]
    connect-retry = 120
    hold-time = 90
    keepalive-interval = 30
    idle-hold-time-after-reset = 5
  [neighbors.transport.config]
    local-address = "$laddr"
    remote-port = 179
EOF
    if [ "$gr" = 1 ]; then
      cat <<EOF
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 120
    notification-enabled = true
EOF
    fi
    for fam in ipv4-unicast ipv6-unicast; do
      cat <<EOF
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "$fam"
EOF
      if [ "$gr" = 1 ]; then
        cat <<EOF
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
EOF
      fi
    done
  } >"$f"
}
start_gobgpd() {  # start_gobgpd PHASE CONF [extra gobgpd args]
  local phase=$1 conf=$2
  shift 2
  gobgpd -d -f "$conf" >/dev/null
  # Own UTS namespace so the FQDN capability carries a fixed hostname.
  # $0 and $@ belong to the inner sh:
  # shellcheck disable=SC2016
  ip netns exec "$NS_N1" unshare --uts sh -c 'hostname "$0" && exec "$@"' bgpdg-n1 \
    gobgpd -f "$conf" -p -l debug --pprof-disable "$@" >"$WORK/gobgpd-$phase.log" 2>&1 &
  GOBGPD_PID=$!
  PIDS+=("$GOBGPD_PID")
  wait_for 15 "gobgpd gRPC" gobgp_ global
}
stop_gobgpd() { stop_pid "$GOBGPD_PID"; }

# Cilium originates paths with ORIGIN IGP and next hop 0.0.0.0 / :: (rewritten
# to the session's local address on eBGP); the gobgp CLI default would be
# ORIGIN INCOMPLETE, hence "origin igp".
gobgp_add_routes() {
  gobgp_ global rib add 10.241.1.0/24 origin igp -a ipv4
  gobgp_ global rib add 10.11.0.10/32 origin igp -a ipv4
  gobgp_ global rib add fd00:10:241:1::/64 origin igp -a ipv6
}

# ------------------------------------------------------------------ phases --
phase_A() {
  log "phase A: gobgpd (no GR) <-> bird over IPv4"
  start_bird A
  start_capture A
  gobgp_conf "$WORK/gobgpd-A.toml" "$RS4" 0.0.0.0 0
  start_gobgpd A "$WORK/gobgpd-A.toml"
  gobgp_add_routes
  gobgp_ neighbor "$RS4" enable
  wait_for 60 "bird n1 established" bird_established n1
  wait_for 20 "bird imported 10.241.1.0/24" bird_has_route n1 10.241.1.0/24
  wait_for 20 "bird imported 10.11.0.10/32" bird_has_route n1 10.11.0.10/32
  wait_for 20 "gobgpd received 10.100.0.0/24" gobgp_adj_in_has "$RS4" ipv4 10.100.0.0/24
  sleep 2
  log "phase A: withdrawals"
  gobgp_ global rib del 10.11.0.10/32 -a ipv4
  wait_for 20 "bird dropped 10.11.0.10/32" bird_lacks_route n1 10.11.0.10/32
  sleep 1
  gobgp_ global rib del fd00:10:241:1::/64 -a ipv6
  sleep 2
  birdc_ disable st4w >/dev/null
  wait_for 20 "gobgpd lost 10.100.9.0/24" bash -c "! ip netns exec $NS_N1 gobgp neighbor $RS4 adj-in -a ipv4 | grep -qF 10.100.9.0/24"
  sleep 1
  birdc_ disable st6w >/dev/null
  sleep 2
  log "phase A: bird shuts the session down with a message"
  birdc_ disable n1 "\"$BIRD_SHUTDOWN_TEXT\"" >/dev/null
  sleep 2
  stop_capture
  {
    echo "== bird protocols"; birdc_ show protocols all n1
    echo "== gobgp neighbor"; gobgp_ neighbor "$RS4"
  } >"$WORK/state-A.txt" 2>&1 || true
  stop_gobgpd
  stop_bird
}

phase_B() {
  log "phase B: gobgpd with graceful restart <-> bird over IPv4"
  start_bird B
  start_capture B
  gobgp_conf "$WORK/gobgpd-B.toml" "$RS4" 0.0.0.0 1
  start_gobgpd B "$WORK/gobgpd-B.toml" -r
  gobgp_add_routes
  gobgp_ neighbor "$RS4" enable
  wait_for 60 "bird n1 established" bird_established n1
  wait_for 30 "bird imported 10.241.1.0/24" bird_has_route n1 10.241.1.0/24
  wait_for 20 "gobgpd received 10.100.0.0/24" gobgp_adj_in_has "$RS4" ipv4 10.100.0.0/24
  sleep 3
  {
    echo "== bird protocols"; birdc_ show protocols all n1
    echo "== gobgp neighbor"; gobgp_ neighbor "$RS4"
  } >"$WORK/state-B.txt" 2>&1 || true
  log "phase B: gobgpd hard-resets the session the way Cilium does on a config change"
  gobgp_ neighbor "$RS4" reset --reason "$GOBGP_RESET_TEXT"
  wait_for 30 "bird n1 down after reset" bash -c "! ip netns exec $NS_RS birdc -s $BIRD_SOCK show protocols n1 | grep -q Established"
  wait_for 60 "bird n1 re-established" bird_established n1
  wait_for 30 "bird re-imported 10.241.1.0/24" bird_has_route n1 10.241.1.0/24
  sleep 3
  log "phase B: gobgpd shuts the session down with a message"
  # (`disable` would be the non-deprecated verb, but in 3.10 it drops --reason)
  gobgp_ neighbor "$RS4" shutdown --reason "$GOBGP_SHUTDOWN_TEXT"
  sleep 2
  stop_capture
  stop_gobgpd
  stop_bird
}

phase_C() {
  log "phase C: gobgpd (no GR) <-> bird over IPv6"
  start_bird C
  start_capture C
  gobgp_conf "$WORK/gobgpd-C.toml" "$RS6" :: 0
  start_gobgpd C "$WORK/gobgpd-C.toml"
  gobgp_add_routes
  gobgp_ neighbor "$RS6" enable
  wait_for 60 "bird n1v6 established" bird_established n1v6
  wait_for 20 "bird imported fd00:10:241:1::/64" bird_has_route n1v6 fd00:10:241:1::/64
  wait_for 20 "gobgpd received fd00:100::/64" gobgp_adj_in_has "$RS6" ipv6 fd00:100::/64
  sleep 3
  {
    echo "== bird protocols"; birdc_ show protocols all n1v6
    echo "== bird routes"; birdc_ show route all protocol n1v6; birdc_ show route all table master6 protocol n1v6
    echo "== gobgp neighbor"; gobgp_ neighbor "$RS6"
    echo "== gobgp adj-in"; gobgp_ neighbor "$RS6" adj-in -a ipv4; gobgp_ neighbor "$RS6" adj-in -a ipv6
  } >"$WORK/state-C.txt" 2>&1 || true
  log "phase C: gobgpd deletes the neighbour (what Cilium does when a peer is removed)"
  gobgp_ neighbor del "$RS6"
  wait_for 20 "bird n1v6 down" bash -c "! ip netns exec $NS_RS birdc -s $BIRD_SOCK show protocols n1v6 | grep -q Established"
  stop_capture
  stop_gobgpd
  stop_bird
}

phase_D() {
  log "phase D: FRR bgpd <-> bird over IPv4"
  start_bird D
  start_capture D
  rm -rf "$FRR_DIR"
  mkdir -p "$FRR_DIR"
  cat >"$FRR_DIR/bgpd.conf" <<EOF
frr defaults traditional
hostname bgpdg-n3
router bgp 65200
 bgp router-id $N34
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor $RS4 remote-as 65000
 address-family ipv4 unicast
  network 10.245.2.0/24
 exit-address-family
EOF
  local bgpd=/usr/lib/frr/bgpd
  # Config check (it too leaves /var/tmp/frr/bgpd.<pid> behind).
  local check_pid check_rc=0
  "$bgpd" -C -f "$FRR_DIR/bgpd.conf" >"$WORK/frr-check.log" 2>&1 &
  check_pid=$!
  wait "$check_pid" || check_rc=$?
  rm -rf "/var/tmp/frr/bgpd.$check_pid"
  [ "$check_rc" -eq 0 ] || die "bgpd -C rejected $FRR_DIR/bgpd.conf (see $WORK/frr-check.log)"
  # shellcheck disable=SC2016
  ip netns exec "$NS_N3" unshare --uts sh -c 'hostname "$0" && exec "$@"' bgpdg-n3 \
    "$bgpd" -Z -S -P 0 -f "$FRR_DIR/bgpd.conf" -i "$FRR_DIR/bgpd.pid" \
    --vty_socket "$FRR_DIR" --log "file:$FRR_DIR/bgpd.stdlog" >"$WORK/frr-D.stderr" 2>&1 &
  FRR_PID=$!
  PIDS+=("$FRR_PID")
  wait_for 60 "bird n3 established" bird_established n3
  wait_for 20 "bird imported 10.245.2.0/24" bird_has_route n3 10.245.2.0/24
  wait_for 20 "frr received 10.100.0.0/24" bash -c "ip netns exec $NS_N3 vtysh --vty_socket $FRR_DIR -c 'show bgp ipv4 unicast' | grep -qF 10.100.0.0/24"
  sleep 2
  {
    echo "== bird protocols"; birdc_ show protocols all n3
    echo "== frr neighbor"; vtysh_ -c "show bgp neighbors $RS4"
  } >"$WORK/state-D.txt" 2>&1 || true
  log "phase D: frr shuts the session down with a message"
  vtysh_ -c 'configure terminal' -c 'router bgp 65200' \
    -c "neighbor $RS4 shutdown message $FRR_SHUTDOWN_TEXT" >/dev/null
  sleep 2
  stop_capture
  stop_pid "$FRR_PID"
  frr_tmp_cleanup
  stop_bird
}

# ------------------------------------------------------------------- main --
main() {
  local emit_only=0
  case "${1:-}" in
    --emit-only) emit_only=1 ;;
    "") ;;
    *) die "usage: $0 [--emit-only]" ;;
  esac
  [ "$(id -u)" -eq 0 ] || die "must run as root"
  local t
  for t in ip bird birdc gobgpd gobgp tcpdump tshark python3 unshare vtysh /usr/lib/frr/bgpd; do
    command -v "$t" >/dev/null || die "missing tool: $t"
  done

  if [ "$emit_only" -eq 0 ]; then
    for t in "${ALL_NS[@]}"; do
      ! ip netns list | awk '{print $1}' | grep -qx "$t" || die "namespace $t already exists (stale run?)"
    done
    case "$WORK" in
      /tmp/?*|/var/tmp/?*) ;;
      *) die "WORK must be a directory under /tmp or /var/tmp (it is wiped): $WORK" ;;
    esac
    rm -rf "$WORK"
    mkdir -p "$WORK"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    setup_topology
    phase_A
    phase_B
    phase_C
    phase_D
    date -u +%Y-%m-%d >"$WORK/capture-date"
  fi

  # Versions for the file names and headers, from dpkg.
  local v_gobgp v_bird v_frr v_tshark
  v_gobgp=$(dpkg-query -W -f='${Version}' gobgpd)
  v_bird=$(dpkg-query -W -f='${Version}' bird2)
  v_frr=$(dpkg-query -W -f='${Version}' frr)
  v_tshark=$(dpkg-query -W -f='${Version}' tshark)

  python3 "$SPLITTER" golden \
    --work "$WORK" --out "$GOLDEN_DIR" \
    --date "$(cat "$WORK/capture-date")" \
    --gobgp-version "$v_gobgp" --bird-version "$v_bird" --frr-version "$v_frr" \
    --tshark-version "$v_tshark" \
    --bird-shutdown-text "$BIRD_SHUTDOWN_TEXT" \
    --gobgp-shutdown-text "$GOBGP_SHUTDOWN_TEXT" \
    --gobgp-reset-text "$GOBGP_RESET_TEXT" \
    --frr-shutdown-text "$FRR_SHUTDOWN_TEXT"
  log "done: $GOLDEN_DIR"
}

main "$@"
