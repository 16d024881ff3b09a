#!/usr/bin/env bash
# tshark_crosscheck.sh - checks that Wireshark's BGP dissector reads the messages our
# encoder writes as we intend, and that our own decoder reads them back without error.
#
# Usage: tests/tools/tshark_crosscheck.sh BGPDEMO WIRE_SAMPLES
#   BGPDEMO       the bgpdemo binary (its `decode` command)
#   WIRE_SAMPLES  the bgpdemo_wire_samples binary (tests/tools/wire_samples.cpp)
# CTest runs it as `tshark_crosscheck`. Exit 0 all passed, 1 a message failed, 2 usage,
# 77 skipped (tshark, text2pcap or python3 missing; install with `apt-get install tshark`).
#
# Flow: WIRE_SAMPLES prints one JSON line per message (name, hex, expected tshark fields);
# tshark_check.py turns them into a text2pcap dump, one TCP segment 10.0.0.2:50179 ->
# 10.0.0.1:179 per message, in a pcap file (nothing is sent anywhere); tshark dissects it
# as BGP to JSON; tshark_check.py compares each frame's fields with the expectations, fails
# on any expert info of severity Error (Malformed Packet included), runs `BGPDEMO decode`
# on each message's hex, and prints one OK/FAIL line per message and "N passed, M failed".
#
# Written against Wireshark 4.0 (Debian 12). What its dissector does not know, so the
# expectations check raw bytes or only the attribute header there:
#   - capabilities 9 (BGP Role, RFC 9234) and 71 (Long-Lived GR, RFC 9494) are named but
#     their values shown as bgp.cap.unknown bytes; 75 (software version,
#     draft-abraitis-bgp-version-capability) is "Unknown capability 75", bytes likewise;
#   - path attribute 35 (Only to Customer, RFC 9234) is shown as an unknown attribute.
# Newer Wireshark releases that decode these will need the named fields in wire_samples.cpp.
# The dissector guesses 2- or 4-octet ASNs from the AS_PATH bytes (preference bgp.asn_len,
# default auto-detect); it guesses right for every sample here, the 2-octet peer included.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BGPDEMO WIRE_SAMPLES" >&2
  exit 2
fi
BGPDEMO=$1
SAMPLES=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHECK=$HERE/tshark_check.py

for tool in tshark text2pcap python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found (Debian: apt-get install -y tshark python3)"
    exit 77
  fi
done
for bin in "$BGPDEMO" "$SAMPLES"; do
  if [[ ! -x $bin ]]; then
    echo "$0: $bin is not an executable; build it first (ninja bgpdemo bgpdemo_wire_samples)" >&2
    exit 2
  fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tshark_crosscheck.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

if ! "$SAMPLES" >"$TMP/samples.jsonl"; then
  echo "FAIL: $SAMPLES could not encode every sample (see above)"
  exit 1
fi

python3 "$CHECK" hexdump "$TMP/samples.jsonl" >"$TMP/dump.txt"
# -T: TCP source,destination port; -4: IPv4 source,destination. Sequence numbers follow on
# from one packet to the next, so tshark sees one clean stream, one message per segment.
if ! text2pcap -q -T 50179,179 -4 10.0.0.2,10.0.0.1 "$TMP/dump.txt" "$TMP/samples.pcap" \
    >"$TMP/text2pcap.log" 2>&1; then
  cat "$TMP/text2pcap.log"
  echo "FAIL: text2pcap could not write the pcap"
  exit 1
fi
# -d: dissect port 179 as BGP whatever the heuristics say. The tshark banner about running
# as root goes to stderr; keep it out of the JSON.
if ! tshark -n -r "$TMP/samples.pcap" -d tcp.port==179,bgp -T json \
    >"$TMP/dissection.json" 2>"$TMP/tshark.log"; then
  cat "$TMP/tshark.log"
  echo "FAIL: tshark could not read the pcap"
  exit 1
fi

python3 "$CHECK" check "$TMP/samples.jsonl" "$TMP/dissection.json" "$BGPDEMO"
