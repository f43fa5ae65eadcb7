#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make check` in a student copy (make release puts this file in place of
# grader/scripts/check.sh): checks that the copy is whole and consistent,
# not your work -- `make grade` does that. Items: the grader's and
# harness's unit tests pass; the provided files (tests, headers, rubrics,
# harness, grader, Makefiles) are unchanged since the release; no
# reference answer is present; every lab's tests build against your files
# and match its rubric (the grader can grade it: exit 0 or 1, never 2).
# Ends with "N passed, N failed". Usage: check.sh [LAB...]
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
grader=build/bin/grader
passed=0 failed=0 failures=()
ok() { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
bad() {
    failed=$((failed + 1)); failures+=("$1")
    printf '  FAIL  %s\n' "$1"
    [[ -n ${2:-} ]] && printf '%s\n' "$2" | sed 's/^/        /' | head -40
}

echo "== the student copy"
for t in build/unit/test_*; do
    [[ -x $t && $t != *.d ]] || continue
    if log=$("$t" 2>&1); then ok "unit: $(basename "$t")"; else bad "unit: $(basename "$t")" "$log"; fi
done
if [[ -f grader/release-manifest.sha256 ]]; then
    if log=$(sha256sum --quiet -c grader/release-manifest.sha256 2>&1); then
        ok "provided files unchanged since the release ($(wc -l <grader/release-manifest.sha256) files)"
    else
        bad "provided files changed (the grader uses the originals: restore them with git checkout)" "$log"
    fi
else
    bad "grader/release-manifest.sha256 is missing"
fi
if [[ -e solutions || -e grader/tests/mutants ]]; then
    bad "this copy holds solutions/ or mutants: it is not a student release"
else
    ok "no solutions/ and no mutants"
fi

labs=("$@")
if [[ ${#labs[@]} -eq 0 ]]; then
    mapfile -t labs < <(build/bin/grader labs --root . --tsv | tail -n +2 | cut -f1)
fi
echo "== every lab is gradeable (functional checks of your files; scores do not matter here)"
for lab in "${labs[@]}"; do
    t0=$SECONDS
    # Scores do not matter here, so the tests may share the CPUs freely.
    log=$("$grader" grade --root . --src labs --lab "$lab" --only functional \
        --jobs 8 --out "build/check/$lab" --quiet 2>&1)
    rc=$?
    if [[ $rc -eq 0 || $rc -eq 1 ]]; then
        ok "$lab: gradeable ($(jq -r '"\(.score) points"' "build/check/$lab/results.json" 2>/dev/null) functional, $((SECONDS - t0)) s)"
    else
        bad "$lab: the grader could not grade it (exit $rc)" "$log"
    fi
done

echo
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
