#!/bin/sh
# Runs shard K of N of the doctest unit tests in one process (CTest `unit.shard-K-of-N`).
# The sanitizer build of `make test` runs them so: under ASan a process takes about 0.3 s to
# start, and one process per test case (doctest_discover_tests) spent more time starting
# than testing. The cases are ordered by name and cut into N ranges of equal count; a failure
# prints the case and its checks, and the shard fails.
#
#   tests/run_unit_shard.sh build-asan/tests/bgpdemo_tests 1 4
set -eu
bin=$1 k=$2 n=$3
count=$("$bin" --count --no-version |
        sed -n 's/.*unskipped test cases passing the current filters: \([0-9][0-9]*\).*/\1/p')
if [ -z "$count" ]; then
  echo "run_unit_shard: $bin --count printed no count" >&2
  exit 1
fi
first=$(( (k - 1) * count / n + 1 ))
last=$(( k * count / n ))
echo "unit tests $first to $last of $count (shard $k of $n), by name"
exec "$bin" --order-by=name --first="$first" --last="$last" --no-version --duration=false
