#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make solution LAB=NN TASK=N`: for self-learners, the reference solution
# of one task of a lab, shown as a diff against the student's own files
# (yours on the - side, the reference on the + side), after a
# confirmation: a student stuck on task 2 sees task 2's files, not every
# answer of the lab. Which files a task is written in is the rubric's
# `files.N` (asked of the grader: grader labs --json). Without TASK it
# lists the tasks and shows nothing. Refuses without a terminal unless
# YES=1. A student release has no solutions/: then it says so and
# changes nothing.
#
# Usage: student-solution.sh LAB [TASK]   (env: YES=1 skips the question;
# SRC=dir compares a copy laid out like labs/ instead of labs/)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/grader/scripts/student-lib.sh"
arg=${1:-}
task=${2:-}
if [[ -z $arg ]]; then
    echo "usage: make solution LAB=NN TASK=N [YES=1] (or make solution TASK=N inside labs/NN-topic/)" >&2
    exit 2
fi
no_solutions() { # what is missing, the LAB for make hint
    echo "solution: there are no reference solutions in this copy (no $1)." >&2
    echo "          A student release leaves them out on purpose; ask your instructor," >&2
    echo "          or use make hint LAB=$2 for a nudge." >&2
    exit 2
}
# Said before asking the grader which lab LAB is: a copy without
# solutions/ need not have a grader built to say so.
[[ -d $root/solutions ]] || no_solutions solutions/ "$arg"
lab=$(student_lab "$arg") || { echo "solution: LAB=$arg: no such lab (try 02 or 02-threads)" >&2; exit 2; }
ref=$root/solutions/$lab
[[ -d $ref ]] || no_solutions "solutions/$lab" "${lab%%-*}"
src=${SRC:-labs}
case $src in
labs | "") tree=$root/labs ;;
/*) tree=$src ;;
*) tree=$root/$src ;;
esac
[[ -d $tree/labs ]] && tree=$tree/labs
tasks=$(student_grader labs --root "$root" --lab "$lab" --json |
    jq -r '.labs[].tasks[] | [.task, .title, (.files | join(" "))] | @tsv')
if [[ -z $task ]]; then
    echo "solution: which task? One task's reference at a time:" >&2
    while IFS=$'\t' read -r n title tfiles; do
        echo "  make solution LAB=${lab%%-*} TASK=$n   $title ($tfiles)" >&2
    done <<<"$tasks"
    exit 2
fi
files=$(awk -F'\t' -v t="$task" '$1 == t { print $3; found = 1 } END { exit !found }' <<<"$tasks") ||
    { echo "solution: TASK=$task: $lab has no such task (tasks: $(cut -f1 <<<"$tasks" | tr '\n' ' '))" >&2; exit 2; }
# A file that other tasks are written in too shows their answers as well.
shared=$(awk -F'\t' -v t="$task" -v f=" $files " '$1 != t {
    n = split($3, a, " "); for (i = 1; i <= n; i++) if (index(f, " " a[i] " ")) print $1 }' <<<"$tasks" | sort -u | tr '\n' ' ')

if [[ ${YES:-} != 1 ]]; then
    if [[ ! -t 0 ]]; then
        echo "solution: this shows the reference answer of $lab; it asks first, and" >&2
        echo "          there is no terminal to ask on. Run it in a terminal, or YES=1." >&2
        exit 2
    fi
    echo "This shows the reference solution of $lab, task $task: $files."
    [[ -z $shared ]] || echo "Those files also hold task(s) $shared: their answers show too."
    echo "Seeing it ends the puzzle for these tasks; make hint LAB=${lab%%-*} gives smaller steps."
    read -r -p "Show it? Type yes: " answer
    if [[ $answer != yes ]]; then
        echo "solution: not shown."
        exit 1
    fi
fi

colour=never
[[ -t 1 && -z ${NO_COLOR:-} ]] && colour=always
for f in $files; do
    mine=$tree/$lab/$f
    [[ -f $mine ]] || mine=/dev/null
    echo "${c_bold}== $f: yours (-) against the reference (+)${c_off}"
    if cmp -s "$mine" "$ref/$f"; then
        echo "   identical"
    else
        diff -u --color=$colour --label "yours: ${mine#"$root"/}" \
            --label "reference: solutions/$lab/$f" "$mine" "$ref/$f" || true
    fi
done
if [[ -f $ref/NOTES.md ]]; then
    echo
    echo "Why the reference is written this way: solutions/$lab/NOTES.md"
fi
