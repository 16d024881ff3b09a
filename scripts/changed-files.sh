# shellcheck shell=bash
# Sourced by check-format.sh and check-tidy.sh: which C++ files a change touches.
#
#   ResolveBase [BASE]   sets `base` to the commit to compare with: BASE when given, else the
#                        merge-base of HEAD with $BGPDEMO_BASE_REF when that is set (CI of a
#                        branch: BGPDEMO_BASE_REF=origin/main), else kChecked below
#   ChangedCxx           prints the .cpp and .h files that differ from `base` in the working
#                        tree (committed or not, deleted ones left out) and untracked ones,
#                        one per line, relative to the repository root
#
# kChecked is the newest main that passed these checks: fc85f91, the last commit of the
# stop that landed with CI green on 2026-12-04 (its `make test` linted the 100 files changed
# since 62fddbe).
# Files nobody has touched since were formatted and tidied then,
# so a run only reads what changed after it: clang-tidy over every file took 6 of CI's 32
# minutes. Move it forward to a later landed main when the list grows long; run
# clang-format on a file when you change it substantially, not across the tree.

readonly kChecked=fc85f914dcdf630cf4d01efe98e79bd2819c1861

ResolveBase() {
  local given="${1:-}"
  if [[ -n $given ]]; then
    base="$given"
  elif [[ -n ${BGPDEMO_BASE_REF:-} ]]; then
    if ! base=$(git merge-base HEAD "$BGPDEMO_BASE_REF"); then
      echo "$(basename "$0"): no merge-base of HEAD and BGPDEMO_BASE_REF=$BGPDEMO_BASE_REF" >&2
      return 1
    fi
  else
    base="$kChecked"
  fi
  if ! git rev-parse --verify -q "${base}^{commit}" >/dev/null; then
    echo "$(basename "$0"): base commit $base is not in this clone (a shallow clone? fetch" \
      "more history, or pass a base commit)" >&2
    return 1
  fi
}

ChangedCxx() {
  {
    git diff --name-only --diff-filter=d "$base" -- '*.cpp' '*.h'
    git ls-files --others --exclude-standard -- '*.cpp' '*.h'
  } | sort -u
}
