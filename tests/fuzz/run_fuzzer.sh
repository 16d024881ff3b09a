#!/bin/sh
# Runs one libFuzzer target for a bounded time over a copy of its checked-in seed corpus.
# CTest runs it as fuzz.<target> (tests/CMakeLists.txt, -DBGPDEMO_FUZZ=ON).
#
#   run_fuzzer.sh [--skip-missing] <fuzzer-binary> <corpus-dir> <seconds>
#
# --skip-missing: a fuzzer binary that is not there is a skip (exit 77, CTest's
# SKIP_RETURN_CODE), not an error: the main build runs the sanitizer build's fuzzers.
#
# The corpus is copied into a temporary directory, so the run never writes into the source
# tree; new inputs the fuzzer finds are thrown away with it. Exits 0 when the fuzzer ran
# clean, non-zero on any crash, sanitizer report, leak, timeout or out-of-memory, after
# printing the offending input as hex and how to keep it as a regression input.
set -u

missing_status=2
if [ "${1:-}" = "--skip-missing" ]; then
  missing_status=77
  shift
fi
if [ $# -ne 3 ]; then
  echo "usage: $0 [--skip-missing] <fuzzer-binary> <corpus-dir> <seconds>" >&2
  exit 2
fi
fuzzer=$1
corpus=$2
seconds=$3
name=$(basename "$fuzzer")

if [ ! -x "$fuzzer" ]; then
  echo "$name: fuzzer binary $fuzzer is missing or not executable; build it first" \
    "(make build-asan)" >&2
  exit "$missing_status"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bgpdemo-$name.XXXXXX") || exit 2
child=
# On any exit the temporary directory goes; on a signal the fuzzer goes first.
trap 'rm -rf "$work"' EXIT
trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 130' INT
trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 143' TERM HUP
trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 141' PIPE

mkdir -p "$work/corpus" "$work/artifacts"
if [ -d "$corpus" ]; then
  cp -R "$corpus"/. "$work/corpus"/
else
  echo "$name: no seed corpus at $corpus; starting from nothing"
fi
seeds=$(find "$work/corpus" -type f | wc -l)
echo "$name: ${seconds}s over $seeds seed inputs from $corpus"

# In the background so that a signal to this script reaches its trap at once.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" \
  >"$work/log" 2>&1 &
child=$!
wait "$child"
status=$?
child=

# libFuzzer's last status line: "#<runs> DONE cov: <edges> ft: <features> corp: ... exec/s: ..."
stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/log" | tail -n 1)
if [ -n "$stats" ]; then
  echo "$name: $stats"
fi
grep -E '^(stat::|Done [0-9]+ runs)' "$work/log"

artifacts=$(find "$work/artifacts" -type f)
if [ "$status" -eq 0 ] && [ -z "$artifacts" ]; then
  echo "$name: no crashes"
  exit 0
fi

echo "$name: FAILED (fuzzer exit status $status); its output follows" >&2
tail -n 200 "$work/log" >&2
for a in $artifacts; do
  kind=$(basename "$a" | sed 's/-.*//')
  echo >&2
  echo "$name: $kind input ($(wc -c <"$a") bytes), as hex:" >&2
  od -An -v -tx1 "$a" | tr -d ' \n' | fold -w 64 >&2
  echo >&2
done
cat >&2 <<EOF

To keep it as a regression input (the artifact goes with this run's temporary directory),
save the hex above and fix the bug; crashers_test.cpp replays every file kept there:
  xxd -r -p <<'HEX' >tests/fuzz/crashers/${name%_fuzz}-<short-name>
  <the hex above>
  HEX
See tests/fuzz/crashers/README.md.
EOF
exit 1
