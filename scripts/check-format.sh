#!/usr/bin/env bash
# Checks that the C++ a change touches follows .clang-format (clang-format --dry-run -Werror).
#
#   scripts/check-format.sh [--whole-files] [--fix] [BASE]
#
# Looks at the .cpp and .h files changed since BASE (default: see scripts/changed-files.sh:
# the merge-base with $BGPDEMO_BASE_REF, else the commit these checks came in with) and,
# in each, at the lines the change added or modified; a new file is checked whole. Only the
# changed lines by default because most of the tree predates the check and the house rule
# is to format files you write or substantially change, not files you barely touch;
# --whole-files checks every line of every changed file. --fix formats what it would check
# instead (`make format`). Exit 0 when clean, 1 with each offending file and the fix
# otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/changed-files.sh

args_given=("$@")
whole=0
fix=0
while [[ ${1:-} == --* ]]; do
  case "$1" in
    --whole-files) whole=1 ;;
    --fix) fix=1 ;;
    *)
      echo "usage: $0 [--whole-files] [--fix] [BASE]" >&2
      exit 2
      ;;
  esac
  shift
done
ResolveBase "${1:-}"

# Prints --lines=FIRST:LAST for each hunk of `git diff -U0` that adds lines to $1.
ChangedLineArgs() {
  git diff -U0 --no-color "$base" -- "$1" |
    sed -n 's/^@@ -[0-9,]* +\([0-9]*\)\(,\([0-9]*\)\)\{0,1\} @@.*/\1 \3/p' |
    while read -r first count; do
      count=${count:-1}
      ((count > 0)) && echo "--lines=${first}:$((first + count - 1))"
    done || true
}

mapfile -t files < <(ChangedCxx)
bad=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for f in "${files[@]}"; do
  args=()
  if ((whole == 0)) && git cat-file -e "${base}:${f}" 2>/dev/null; then
    mapfile -t args < <(ChangedLineArgs "$f")
    ((${#args[@]} > 0)) || continue  # only deletions
  fi
  if ((fix)); then
    clang-format -i "${args[@]}" "$f"
  elif ! clang-format --dry-run -Werror "${args[@]}" "$f" 2>"$log"; then
    head -n 20 "$log" >&2
    bad+=("$f")
  fi
done

if ((${#bad[@]} > 0)); then
  echo "check-format: ${#bad[@]} of ${#files[@]} changed files need clang-format:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "fix with: $0 --fix ${args_given[*]} (make format: the default base)" >&2
  exit 1
fi
if ((fix)); then
  echo "check-format: formatted the changed lines of ${#files[@]} C++ files since ${base:0:12}"
else
  echo "check-format: ${#files[@]} changed C++ files since ${base:0:12}: formatted"
fi
