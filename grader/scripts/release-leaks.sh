#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Does a student copy hold the reference answers? Prints each file of DEST
# that holds any line of solutions/ of meaningful length (at least 30
# characters, whitespace trimmed) found nowhere in what students are given
# anyway (labs/, harness/, the grader's own source): a line students could
# only have got from a solution. One is enough: a single line can be the
# answer to a task (a release/acquire pair, a while around a wait).
# Usage: release-leaks.sh ROOT DEST
set -eu
root=$1 dest=$2
[[ -d $root/solutions ]] || exit 0
given=$(mktemp) answers=$(mktemp)
trap 'rm -f "$given" "$answers"' EXIT
find "$root/labs" "$root/harness" "$root/grader/src" -type f -print0 | xargs -0 cat >"$given"
find "$root/solutions" -type f -print0 | xargs -0 cat >"$answers"
find "$dest" -type f -not -path '*/.git/*' -not -path '*/build/*' -print0 |
    xargs -0 grep -Il . 2>/dev/null | tr '\n' '\0' |
    xargs -0 awk -v GIVEN="$given" -v ANSWERS="$answers" '
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
    BEGIN {
        while ((getline l < GIVEN) > 0) G[trim(l)] = 1
        while ((getline l < ANSWERS) > 0) {
            l = trim(l)
            if (length(l) >= 30 && !(l in G)) A[l] = 1
        }
    }
    FNR == 1 { seen_reset() }
    function seen_reset() { for (k in S) delete S[k] }
    {
        l = trim($0)
        if ((l in A) && !((FILENAME, l) in S)) {
            S[FILENAME, l] = 1
            C[FILENAME]++
            if (!(FILENAME in EX)) EX[FILENAME] = l
        }
    }
    END {
        for (f in C)
            printf "  %s: %d lines of solutions/, e.g. %s\n", f, C[f], EX[f]
    }'
