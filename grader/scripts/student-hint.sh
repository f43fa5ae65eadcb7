#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make hint LAB=NN [TASK=N]`: the next tier of hints for the lab's first
# unfinished task (from the last grading run, see student-progress.sh),
# one tier per call. Hints live in labs/NN-topic/HINTS.md under
# "## Task N — title" and "### Tier K" headings; which tiers were shown is
# kept in build/hints/<lab>/task-N. `make hint LAB=NN RESET=1` starts over.
#
# Usage: student-hint.sh LAB [TASK]
#   env: HINTS_STATE (default build/hints), PROGRESS_DIR (build/progress)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/grader/scripts/student-lib.sh"
arg=${1:-}
task=${2:-}
state_root=${HINTS_STATE:-$root/build/hints}
if [[ -z $arg ]]; then
    echo "usage: make hint LAB=NN [TASK=N] (or make hint inside labs/NN-topic/)" >&2
    exit 2
fi
lab=$(student_lab "$arg") || { echo "hint: LAB=$arg: no such lab (try 02 or 02-threads)" >&2; exit 2; }
hints=$root/labs/$lab/HINTS.md
[[ -f $hints ]] || { echo "hint: $lab has no HINTS.md" >&2; exit 2; }
state=$state_root/$lab
mkdir -p "$state"
if [[ -n ${RESET:-} ]]; then
    rm -f "$state"/task-*
    echo "hint: $lab: hints hidden again; the next make hint starts at tier 1"
    exit 0
fi

why=
if [[ -z $task ]]; then
    read -r task st < <(bash "$root/grader/scripts/student-progress.sh" \
        ${PROGRESS_DIR:+--dir "$PROGRESS_DIR"} --next "$lab") || true
    case ${st:-} in
    todo) why="the first task with a failing check in your last run" ;;
    unchecked) why="it passed what ran, but make test checks only the functional part: make grade LAB=${lab%%-*} runs the rest" ;;
    not-started) why="your last run has no result for it yet (make test LAB=${lab%%-*} to see where you stand)" ;;
    *)
        echo "hint: $lab: every task passes in your last grading run. Nothing to hint at."
        echo "      (make hint LAB=${lab%%-*} TASK=N shows a task's hints anyway)"
        exit 0
        ;;
    esac
fi
[[ $task =~ ^[0-9]+$ ]] || { echo "hint: TASK=$task: give a task number" >&2; exit 2; }

# The tiers of one task: the text under each "### Tier K" of "## Task N".
section=$(awk -v n="$task" '
    /^## / { on = ($0 ~ "^## Task " n "([^0-9]|$)"); if (on) print; next }
    on' "$hints")
if [[ -z $section ]]; then
    echo "hint: $lab has no hints for task $task (see labs/$lab/HINTS.md)" >&2
    exit 2
fi
heading=$(head -1 <<<"$section" | sed 's/^## //')
ntiers=$(grep -c '^### Tier' <<<"$section" || true)
tier_text() {
    awk -v k="$1" '/^### Tier/ { on = ($3 + 0 == k); next } on' <<<"$section" |
        sed -e '/./,$!d' | sed -e ':a' -e '/^\n*$/{$d;N;ba' -e '}'
}

shown=0
[[ -f $state/task-$task ]] && shown=$(cat "$state/task-$task")
if [[ $shown -lt $ntiers ]]; then
    shown=$((shown + 1))
    echo "$shown" >"$state/task-$task"
    fresh=1
else
    fresh=0
fi

printf '%s%s: %s%s\n' "$c_bold" "$lab" "$heading" "$c_off"
[[ -n $why ]] && printf '%s(task %s: %s)%s\n' "$c_dim" "$task" "$why" "$c_off"
for ((k = 1; k <= shown; k++)); do
    if [[ $k -eq $shown && $fresh -eq 1 ]]; then
        printf '\n%stier %d of %d (new)%s\n' "$c_bold" "$k" "$ntiers" "$c_off"
        tier_text "$k"
    else
        printf '\n%stier %d of %d%s\n' "$c_dim" "$k" "$ntiers" "$c_off"
        tier_text "$k" | sed "s/^/${c_dim}/; s/\$/${c_off}/"
    fi
done
echo
if [[ $shown -lt $ntiers ]]; then
    echo "Still stuck? make hint LAB=${lab%%-*} again shows tier $((shown + 1))."
else
    echo "That was the last tier for task $task. Read the handout's Common pitfalls;"
    echo "self-learners may compare with the reference: make solution LAB=${lab%%-*}."
fi
