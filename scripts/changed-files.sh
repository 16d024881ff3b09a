# shellcheck shell=bash
# Sourced by check-format.sh and check-tidy.sh: which C++ files a change touches.
#
#   ResolveBase [BASE]   sets `base` to the commit to compare with: BASE when given, else the
#                        merge-base of HEAD with $BGPDEMO_BASE_REF when that is set (CI of a
#                        branch: BGPDEMO_BASE_REF=origin/main), else kIntroduced below
#   ChangedCxx           prints the .cpp and .h files that differ from `base` in the working
#                        tree (committed or not, deleted ones left out) and untracked ones,
#                        one per line, relative to the repository root
#
# kIntroduced is main as it was when these checks came in (issue #10): files nobody has
# touched since are left as they are (run clang-format on a file when you change it
# substantially, not across the tree).

readonly kIntroduced=8a77ba6838a82028be6396fcecb4553a1e0c5afa

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
    base="$kIntroduced"
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
