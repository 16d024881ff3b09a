#!/usr/bin/env bash
# capture_crosscheck.sh - checks `bgpdemo decode` of captures against other readers:
#   - a pcap (two sessions, IPv4 and IPv6, messages split over segments, a retransmission,
#     segments out of order) against tshark's BGP dissector and its TCP reassembly,
#     message by message in each frame: the frame, both endpoints, the types, the prefixes
#     announced and withdrawn; the same capture as pcapng (editcap) must decode the same;
#   - an MRT file (BGP4MP_MESSAGE_AS4, BGP4MP_ET, STATE_CHANGE_AS4, TABLE_DUMP_V2) against
#     `bgpdump -m` (RIPE NCC's reader, Debian's bgpdump): every A, W, B and STATE line.
#
# Usage: tests/tools/capture_crosscheck.sh BGPDEMO CAPTURE_SAMPLES
#   BGPDEMO          the bgpdemo binary
#   CAPTURE_SAMPLES  the bgpdemo_capture_samples binary (tests/tools/capture_samples.cpp)
# CTest runs it as `capture_crosscheck`. Exit 0 all passed, 1 a difference, 2 usage, 77
# skipped: a part whose tool is missing (tshark and editcap: apt-get install tshark;
# bgpdump: apt-get install bgpdump) is skipped with a printed reason, and the whole run is
# 77 only when both are.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BGPDEMO CAPTURE_SAMPLES" >&2
  exit 2
fi
BGPDEMO=$1
SAMPLES=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHECK=$HERE/capture_check.py
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 not found"
  exit 77
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/capture_crosscheck.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
ran=0
failed=0

if command -v tshark >/dev/null 2>&1 && command -v editcap >/dev/null 2>&1; then
  ran=1
  "$SAMPLES" pcap "$TMP/s.pcap"
  editcap -F pcapng "$TMP/s.pcap" "$TMP/s.pcapng"
  # -d: port 179 as BGP; -o: reassemble BGP messages across segments (the default, said
  # out loud) and out-of-order segments (off by default: tshark 4.0 would dissect the
  # segment after a hole on its own and never the ones that fill it; with it on, it shows
  # them all in the frame that fills the hole, as bgpdemo does); one line per frame.
  tshark -n -r "$TMP/s.pcap" -d tcp.port==179,bgp -o bgp.desegment:TRUE \
    -o tcp.reassemble_out_of_order:TRUE -Y bgp -T fields \
    -E separator=/t -E aggregator=, -e frame.number -e ip.src -e ipv6.src -e tcp.srcport \
    -e ip.dst -e ipv6.dst -e tcp.dstport -e bgp.type -e bgp.nlri_prefix \
    -e bgp.mp_reach_nlri_ipv6_prefix -e bgp.withdrawn_prefix -e bgp.mp_unreach_nlri_ipv6_prefix \
    -e bgp.prefix_length >"$TMP/tshark.tsv" 2>"$TMP/tshark.log" || { cat "$TMP/tshark.log"; exit 1; }
  "$BGPDEMO" decode "$TMP/s.pcap" >"$TMP/ours.json" || true
  "$BGPDEMO" decode "$TMP/s.pcapng" >"$TMP/ours-ng.json" || true
  python3 "$CHECK" pcap "$TMP/ours.json" "$TMP/tshark.tsv" "$TMP/ours-ng.json" || failed=1
else
  echo "SKIP pcap: tshark or editcap not found (Debian: apt-get install -y tshark)"
fi

if command -v bgpdump >/dev/null 2>&1; then
  ran=1
  "$SAMPLES" mrt "$TMP/s.mrt"
  bgpdump -m "$TMP/s.mrt" >"$TMP/bgpdump.txt" 2>"$TMP/bgpdump.log" || { cat "$TMP/bgpdump.log"; exit 1; }
  "$BGPDEMO" decode "$TMP/s.mrt" >"$TMP/ours-mrt.json" || true
  gzip -c "$TMP/s.mrt" >"$TMP/s.mrt.gz"
  "$BGPDEMO" decode "$TMP/s.mrt.gz" >"$TMP/ours-mrt-gz.json" || true
  python3 "$CHECK" mrt "$TMP/ours-mrt.json" "$TMP/bgpdump.txt" "$TMP/ours-mrt-gz.json" || failed=1
else
  echo "SKIP mrt: bgpdump not found (Debian: apt-get install -y bgpdump)"
fi

if [[ $ran -eq 0 ]]; then
  exit 77
fi
if [[ $failed -ne 0 ]]; then
  echo "capture_crosscheck: FAILED"
  exit 1
fi
echo "capture_crosscheck: all passed"
