#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Points per lab, read from the rubrics (the only place points live).
# Prints a tab-separated table: a header line, then one line per lab:
#   lab title total functional tsan helgrind drd memcheck asan speedup
# With --tasks, one line per (lab, task): lab task total functional ...
# Usage: rubric-points.sh [--tasks] [ROOT]   (ROOT: the repository, default ..)
set -eu
by_task=0
if [[ ${1:-} == --tasks ]]; then by_task=1; shift; fi
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}

for rubric in "$root"/labs/[0-9][0-9]-*/rubric.ini; do
    [[ -f $rubric && -f $(dirname "$rubric")/lab.mk ]] || continue
    lab=$(basename "$(dirname "$rubric")")
    # The grader reads rubric.ini with inih: ';' or '#' starts a comment
    # line, ' ;' an inline comment; a point value is read as a number
    # and truncated to an integer.
    awk -v lab="$lab" -v by_task="$by_task" '
    BEGIN {
        n = split("functional tsan helgrind drd memcheck asan speedup", K, " ")
        for (i = 1; i <= n; i++) idx[K[i]] = i
        section = ""; title = lab
    }
    function flush() {
        if (section == "" || section == "lab") return
        tasks[task] = 1
        for (i = 1; i <= n; i++) pts[task, i] += cur[i]
        for (i = 1; i <= n; i++) cur[i] = 0
        task = "-"
    }
    {
        line = $0
        sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line)
        if (line == "" || line ~ /^[;#]/) next
        if (line ~ /^\[.*\]$/) {
            flush()
            section = substr(line, 2, length(line) - 2)
            task = "-"
            next
        }
        if (index(line, "=") == 0) next
        key = substr(line, 1, index(line, "=") - 1)
        val = substr(line, index(line, "=") + 1)
        sub(/[ \t]+;.*$/, "", val)
        gsub(/^[ \t]+|[ \t]+$/, "", key); gsub(/^[ \t]+|[ \t]+$/, "", val)
        if (section == "lab" && key == "title") title = val
        else if (key == "task") task = val
        else if (key in idx) cur[idx[key]] = int(val + 0)
    }
    END {
        flush()
        if (by_task) {
            m = 0
            for (t in tasks) order[++m] = t
            # sort the tasks (numbers first, then text), insertion sort
            for (a = 2; a <= m; a++) {
                v = order[a]; b = a - 1
                while (b > 0 && order[b] > v) { order[b + 1] = order[b]; b-- }
                order[b + 1] = v
            }
            for (a = 1; a <= m; a++) {
                t = order[a]; tot = 0; row = ""
                for (i = 1; i <= n; i++) { tot += pts[t, i]; row = row "\t" pts[t, i] }
                printf "%s\t%s\t%d%s\n", lab, t, tot, row
            }
            exit
        }
        tot = 0; row = ""
        for (i = 1; i <= n; i++) {
            s = 0
            for (t in tasks) s += pts[t, i]
            tot += s; row = row "\t" s
        }
        printf "%s\t%s\t%d%s\n", lab, title, tot, row
    }' "$rubric"
done | {
    if [[ $by_task -eq 1 ]]; then
        printf 'lab\ttask\ttotal\tfunctional\ttsan\thelgrind\tdrd\tmemcheck\tasan\tspeedup\n'
    else
        printf 'lab\ttitle\ttotal\tfunctional\ttsan\thelgrind\tdrd\tmemcheck\tasan\tspeedup\n'
    fi
    cat
}
