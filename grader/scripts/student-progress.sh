#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make progress`: every lab with its last score, the tasks left and the
# next thing to do, from the last grading of labs/ kept in
# build/progress/<lab>.json (results.json format, written by the grader).
#
# Usage: student-progress.sh [--dir DIR] [--next LAB]
#   --dir DIR   read the results from DIR instead of build/progress
#   --next LAB  print only "TASK<TAB>STATE" of LAB's first unfinished task
#               (STATE: todo, unchecked, not-started; nothing when all done)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/grader/scripts/student-lib.sh"
dir=$root/build/progress
next_only=
while [[ $# -gt 0 ]]; do
    case $1 in
    --dir) dir=$2; shift 2 ;;
    --next) next_only=$2; shift 2 ;;
    *) echo "usage: student-progress.sh [--dir DIR] [--next LAB]" >&2; exit 2 ;;
    esac
done

# One line per task: task state points-scored points-graded points-total
# first-failure, where state is done, todo (a check failed), unchecked
# (no failure, but some of its checks were not in the last run) or
# notrun (none of its checks was in the last run, e.g. after
# make test TEST=...) or nopoints. first-failure is "test [check]" or "-".
task_states() {
    local lab=$1 file=$dir/$1.json
    {
        student_rubric "$lab" | awk -F'\t' '{ print "R\t" $1 "\t" $2 "\t" $4 }'
        jq -r '.tests[] | ["E", .extra_data.test // "", .extra_data.check // "?",
                (.score | tostring), (.max_score | tostring), .status] | @tsv' "$file"
    } | awk -F'\t' '
    $1 == "R" { task[$2] = $3; total[$3] += $4; if (!($3 in order)) { order[$3] = ++n; byorder[n] = $3 } next }
    $1 == "E" {
        t = task[$2]; if (t == "") next
        got[t] += $4; graded[t] += $5
        if ($6 != "passed") { failed[t]++; if (!(t in first)) first[t] = $2 " [" $3 "]" }
    }
    END {
        for (i = 1; i <= n; i++) {
            t = byorder[i]
            if (total[t] == 0) state = "nopoints"
            else if (failed[t] > 0) state = "todo"
            else if (graded[t] == 0) state = "notrun"
            else if (graded[t] < total[t]) state = "unchecked"
            else state = "done"
            printf "%s\t%s\t%d\t%d\t%d\t%s\n", t, state, got[t], graded[t], total[t], (t in first) ? first[t] : "-"
        }
    }' | sort -n
}

if [[ -n $next_only ]]; then
    lab=$(student_lab "$next_only") || { echo "LAB=$next_only: no such lab" >&2; exit 2; }
    if [[ ! -f $dir/$lab.json ]]; then
        printf '%s\tnot-started\n' "$(student_rubric "$lab" | awk -F'\t' '$4 > 0 { print $2; exit }')"
        exit 0
    fi
    states=$(task_states "$lab")
    t=$(awk -F'\t' '$2 == "todo" { print $1; exit }' <<<"$states")
    [[ -n $t ]] && { printf '%s\ttodo\n' "$t"; exit 0; }
    t=$(awk -F'\t' '$2 == "unchecked" { print $1; exit }' <<<"$states")
    [[ -n $t ]] && { printf '%s\tunchecked\n' "$t"; exit 0; }
    t=$(awk -F'\t' '$2 == "notrun" { print $1; exit }' <<<"$states")
    [[ -n $t ]] && printf '%s\tnot-started\n' "$t"
    exit 0
fi

printf '%sprogress%s: the last `make grade` / `make test` of each lab (build/progress/)\n\n' "$c_bold" "$c_off"
next_started= next_new= newest=0
for lab in $(student_labs); do
    num=${lab%%-*}
    title=$(student_title "$lab")
    total=$(student_rubric "$lab" | awk -F'\t' '{ s += $4 } END { print s + 0 }')
    file=$dir/$lab.json
    if [[ ! -f $file ]]; then
        printf '  %s%-24s %7s  %s%s\n' "$c_dim" "$lab" "-/$total" "$title" "$c_off"
        printf '      not started: run make grade LAB=%s\n' "$num"
        : "${next_new:=make grade LAB=$num (lab $lab has never been graded)}"
        continue
    fi
    if ! states=$(task_states "$lab" 2>/dev/null) || [[ -z $states ]]; then
        printf '  %-24s %7s  %s\n      build/progress/%s.json is unreadable: run make grade LAB=%s\n' \
            "$lab" "?/$total" "$title" "$lab" "$num"
        continue
    fi
    score=$(jq '[.tests[].score] | add // 0' "$file")
    graded=$(jq '[.tests[].max_score] | add // 0' "$file")
    when=$(date -r "$file" '+%b %d %H:%M')
    if [[ $score -eq $total ]]; then col=$c_green; else col=$c_yellow; fi
    printf '  %s%-24s%s %s%7s%s  %s  %s(graded %s)%s\n' "$c_bold" "$lab" "$c_off" \
        "$col" "$score/$total" "$c_off" "$title" "$c_dim" "$when" "$c_off"
    if [[ $graded -lt $total ]]; then
        printf '      %slast run checked %s of the %s points (make test runs only the functional ones); make grade LAB=%s runs every check%s\n' \
            "$c_dim" "$graded" "$total" "$num" "$c_off"
    fi
    titles=$(student_tasks "$lab")
    while IFS=$'\t' read -r t state got gr tot fail; do
        name=$(awk -F'\t' -v t="$t" '$1 == t { print $2; exit }' <<<"$titles")
        name=${name% (*}
        case $state in
        done) sym="${c_green}ok${c_off}" note=$(printf '%5s' "$got/$tot") ;;
        todo) sym="${c_red}..${c_off}" note="$(printf '%5s' "$got/$tot")  failing: $fail" ;;
        unchecked) sym="${c_yellow}~ ${c_off}" note="$(printf '%5s' "$got/$tot")  (passes what ran; not every check ran)" ;;
        notrun) sym="  " note="$(printf '%5s' "-/$tot")  (not in the last run)" ;;
        nopoints) sym="  " note="no points" ;;
        esac
        ((${#name} > 40)) && name="${name:0:39}~"
        printf '      %s task %s  %-40s %s\n' "$sym" "$t" "$name" "$note"
    done <<<"$states"
    nt=$(awk -F'\t' '$2 == "todo" { print $1; exit }' <<<"$states")
    nu=$(awk -F'\t' '$2 == "unchecked" || $2 == "notrun" { print $1; exit }' <<<"$states")
    if [[ -n $nt ]]; then
        fail=$(awk -F'\t' -v t="$nt" '$1 == t { print $6 }' <<<"$states")
        nxt="lab $num task $nt: make ${fail% *} pass (make test LAB=$num; make hint LAB=$num if stuck)"
    elif [[ -n $nu ]]; then
        nxt="lab $num: make grade LAB=$num (task $nu has checks the last run did not run)"
    else
        nxt=
    fi
    if [[ -n $nxt ]]; then
        printf '      next: %s\n' "$nxt"
        # The lab graded most recently is the one being worked on.
        stamp=$(stat -c %Y "$file")
        if [[ $stamp -ge $newest ]]; then newest=$stamp next_started=$nxt; fi
    fi
done
echo
nxt=${next_started:-$next_new}
if [[ -n $nxt ]]; then
    printf '%snext:%s %s\n' "$c_bold" "$c_off" "$nxt"
else
    printf '%severy lab is done.%s\n' "$c_bold" "$c_off"
fi
