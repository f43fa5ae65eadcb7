#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One source of points: the rubrics. Checks that what repeats them agrees:
# each handout's Grading section (labs/NN-topic/README.md: its table's
# per-check columns and total, and any total stated in its prose) and the
# GitHub Classroom files (regenerated from the rubrics and compared).
# Prints every disagreement; exit 1 when there is one.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 2
problems=0
say() { echo "$*"; problems=$((problems + 1)); }

# The points per lab and check, as the grader reads the rubrics; its
# header names the check kinds (`grader checks`), in order.
points=$(bash "$here/rubric-points.sh" "$root") || exit 2
read -r -a kinds <<<"$(head -1 <<<"$points" | cut -f4- | tr '\t' ' ')"
while IFS=$'\t' read -r lab _ total rest; do
    readme=labs/$lab/README.md
    if [[ ! -f $readme ]]; then say "$lab: no handout ($readme)"; continue; fi
    read -r -a pts <<<"$rest"
    want=
    for i in "${!kinds[@]}"; do want+="${want:+ }${kinds[$i]}=${pts[$i]}"; done
    out=$(awk -v lab="$lab" -v total="$total" -v want="$want" '
    function cells(line, arr,   n, i) {
        sub(/^[ \t]*\|/, "", line); sub(/\|[ \t]*$/, "", line)
        n = split(line, arr, "|")
        for (i = 1; i <= n; i++) { gsub(/^[ \t*`]+|[ \t*`]+$/, "", arr[i]) }
        return n
    }
    function num(s) { gsub(/[*` ]/, "", s); return s ~ /^[0-9]+$/ ? s + 0 : (s ~ /^(|-|–|—)$/ ? 0 : -1) }
    BEGIN {
        n = split(want, w, " ")
        for (i = 1; i <= n; i++) { split(w[i], kv, "="); W[kv[1]] = kv[2] + 0; K[i] = kv[1] }
        nk = n
    }
    /^## / { in_g = ($0 ~ /^## Grading/); if (in_g) found = 1; next }
    !in_g { next }
    {
        line = $0
        # totals stated in prose
        if (line !~ /^[ \t]*\|/) {
            s = line
            while (match(s, /[0-9]+ points in all|[Tt]otal:? \**[0-9]+|^[0-9]+ points\./)) {
                m = substr(s, RSTART, RLENGTH); gsub(/[^0-9]/, "", m)
                stated[++ns] = m
                s = substr(s, RSTART + RLENGTH)
            }
            if (table_done == 0 && header) table_done = 1
            next
        }
        if (table_done) next
        nc = cells(line, c)
        if (!header) {
            header = 1
            for (i = 1; i <= nc; i++) {
                # A column per check kind, named as the grader names it
                # or by another word the handouts use for three of them.
                h = tolower(c[i])
                sub(/threadsanitizer/, "tsan", h); sub(/addresssanitizer/, "asan", h)
                sub(/timing/, "speedup", h)
                for (k = 1; k <= nk; k++) if (index(h, K[k])) col[i] = K[k]
                if (!(i in col) && h ~ /total|points/) col[i] = "total"
                if (i in col) has[col[i]] = 1
            }
            next
        }
        if (c[1] ~ /^-+:?$|^:?-+:?$/) next # the separator row
        # A total row: "total" in its first cell, or an empty first cell.
        is_total = tolower(c[1]) ~ /total/ || c[1] == ""
        # Checks named inside cells ("functional 15, tsan 1"), for tables
        # without a column per check.
        if (!is_total)
            for (i = 2; i <= nc; i++) {
                if ((i in col) && col[i] == "total") continue
                t = tolower(c[i])
                while (match(t, /[a-z]+ [0-9]+/)) {
                    m = substr(t, RSTART, RLENGTH); split(m, mm, " ")
                    if (mm[1] == "timing") mm[1] = "speedup"
                    if (mm[1] in W) { P[mm[1]] += mm[2]; inline = 1 }
                    t = substr(t, RSTART + RLENGTH)
                }
            }
        for (i = 2; i <= nc; i++) {
            if (!(i in col)) continue
            v = num(c[i])
            if (v < 0) { print lab ": table cell \"" c[i] "\" in row \"" c[1] "\" is not a number"; continue }
            if (is_total) T[col[i]] = v; else S[col[i]] += v
        }
        if (is_total) has_total_row = 1
    }
    END {
        if (!found) { print lab ": the handout has no Grading section"; exit }
        if (!header) { print lab ": the Grading section has no points table"; exit }
        sum = 0; ncols = 0
        for (k = 1; k <= nk; k++) if (K[k] in has) ncols++
        for (k = 1; k <= nk; k++) {
            ck = K[k]
            if (ncols == 0 && inline) {
                sum += P[ck]
                if (P[ck] != W[ck]) print lab ": the table gives " ck " " P[ck] " points in all, the rubric " W[ck]
            } else if (ck in has) {
                sum += S[ck]
                if (S[ck] != W[ck]) print lab ": " ck " column adds up to " S[ck] ", the rubric gives " W[ck]
                if (has_total_row && (ck in T) && T[ck] != W[ck]) print lab ": " ck " total row says " T[ck] ", the rubric gives " W[ck]
            } else if (ncols > 0 && W[ck] > 0) {
                print lab ": no " ck " column, the rubric gives " W[ck] " points for " ck
            }
        }
        if ("total" in has) {
            if (S["total"] != total) print lab ": total column adds up to " S["total"] ", the rubric gives " total
            if (has_total_row && T["total"] != total) print lab ": total row says " T["total"] ", the rubric gives " total
        }
        if ((ncols > 0 || inline) && sum != total) print lab ": the table adds up to " sum ", the rubric gives " total
        if (ncols == 0 && !inline && !("total" in has)) print lab ": the Grading table shows no points per check or in total"
        for (i = 1; i <= ns; i++)
            if (stated[i] + 0 != total) print lab ": the Grading section says " stated[i] " points, the rubric gives " total
    }' "$readme")
    if [[ -n $out ]]; then
        while IFS= read -r l; do say "$l"; done <<<"$out"
    else
        echo "$lab: handout agrees with the rubric ($total points)"
    fi
done < <(tail -n +2 <<<"$points")

if bash "$here/classroom.sh" --check >/tmp/points-check.$$ 2>&1; then
    echo "GitHub Classroom files agree with the rubrics"
else
    say "GitHub Classroom files differ from the rubrics (make classroom):"
    head -40 /tmp/points-check.$$
fi
rm -f /tmp/points-check.$$
[[ $problems -eq 0 ]] || { echo "$problems disagreement(s) with the rubrics"; exit 1; }
