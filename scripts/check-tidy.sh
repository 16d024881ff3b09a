#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy) over the C++ a change touches, in parallel.
#
#   scripts/check-tidy.sh [--all] [BASE]
#
# Uses the compile commands of the build in $BUILD (default build/; CMake writes
# compile_commands.json at configure time, so a configured tree is enough). The changed
# files are check-format.sh's (scripts/changed-files.sh): each changed .cpp is analysed, a
# changed header through its own .cpp when there is one and on its own otherwise (clang-tidy
# infers its flags), and only findings in changed files are reported. --all analyses every
# .cpp under base/ bgp/ core/ cli/ and reports findings in any of our files. $JOBS
# clang-tidy processes run at once (default: nproc). Exit 0 when there are no findings, 1
# with them otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/changed-files.sh
root=$(pwd)
build=${BUILD:-build}
jobs=${JOBS:-$(nproc)}

all=0
if [[ ${1:-} == --all ]]; then
  all=1
  shift
fi

db="$build/compile_commands.json"
if [[ ! -f $db ]]; then
  echo "check-tidy: no $db; configure first: cmake -S . -B $build -G Ninja" >&2
  exit 1
fi
# The sources the build compiles, relative to the repository root.
mapfile -t compiled < <(sed -n 's|^ *"file": "\(.*\)",\{0,1\}$|\1|p' "$db" |
  sed "s|^$root/||" | grep -v '^/' | sort -u)

EscapeRegex() { sed 's/[][\.|$(){}?+*^]/\\&/g'; }

sources=()
header_filter="^$(printf '%s' "$root" | EscapeRegex)/(base|bgp|core|cli|tests)/"
line_filter=""
if ((all)); then
  mapfile -t sources < <(printf '%s\n' "${compiled[@]}" | grep -E '^(base|bgp|core|cli)/')
else
  ResolveBase "${1:-}"
  mapfile -t changed < <(ChangedCxx)
  declare -A want=()
  skipped=()
  for f in "${changed[@]}"; do
    if [[ $f == *.cpp ]]; then
      if printf '%s\n' "${compiled[@]}" | grep -qxF "$f"; then
        want[$f]=1
      else
        skipped+=("$f")  # not in this build (a fuzzer in a g++ tree, say)
      fi
    elif printf '%s\n' "${compiled[@]}" | grep -qxF "${f%.h}.cpp"; then
      want[${f%.h}.cpp]=1
    else
      want[$f]=1  # a header alone: clang-tidy infers its flags from a neighbour's
    fi
  done
  sources=("${!want[@]}")
  if ((${#skipped[@]} > 0)); then
    echo "check-tidy: not compiled in $build, left out: ${skipped[*]}"
  fi
  # Diagnostics in these files only (a file named with no line ranges: all of its lines).
  names=()
  for f in "${changed[@]}"; do names+=("{\"name\":\"$root/$f\"}"); done
  line_filter="--line-filter=[$(IFS=,; echo "${names[*]}")]"
fi

if ((${#sources[@]} == 0)); then
  echo "check-tidy: no changed C++ files to analyse"
  exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$SECONDS
# Each file's output goes to its own log, printed whole afterwards so that parallel runs do
# not interleave. -Wno-unknown-warning-option: the build's g++ flags include ones clang does
# not know (-Wno-maybe-uninitialized).
printf '%s\n' "${sources[@]}" | sort | xargs -P "$jobs" -I{} sh -c '
  log="$1/$(printf %s "$2" | tr / _).log"
  if ! clang-tidy --quiet -p "$3" --header-filter="$4" ${5:+"$5"} \
      --extra-arg=-Wno-unknown-warning-option "$2" >"$log" 2>&1; then
    mv "$log" "$log.failed"
  fi' _ "$out" {} "$build" "$header_filter" "$line_filter"

failed=("$out"/*.failed)
if [[ -e ${failed[0]} ]]; then
  for log in "${failed[@]}"; do grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated' "$log" || true; done
  echo "check-tidy: findings in ${#failed[@]} of ${#sources[@]} files ($((SECONDS - start)) s," \
    "$jobs jobs); fix them, or NOLINT(check) with the reason" >&2
  exit 1
fi
echo "check-tidy: ${#sources[@]} files clean ($((SECONDS - start)) s, $jobs jobs)"
