#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make progress and make hint on a fixture: a lab never graded, a lab with
# task 1 done, task 2 failing and task 3 checked only functionally, and a
# lab that is done. Hints advance one tier per call on the first
# unfinished task and stop at the last; every task with points has three
# tiers in its lab's HINTS.md, and no hint holds a line of solutions/.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
fail() { echo "FAIL: $*"; exit 1; }
source grader/scripts/student-lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=1

# The fixture's shape comes from a real grading of lab 02, every entry of
# every check; its verdicts are then set below, so the skeleton serves
# (its tool checks are not run: 2 s, where the solutions took 26 s of CPU).
lab=02-threads
build/bin/grader grade --root . --src labs --lab $lab --out "$tmp/sk" --quiet >/dev/null 2>&1
full=$tmp/sk/results.json
[[ -f $full ]] || fail "no results.json for $lab's skeleton"
tests_of() { student_rubric $lab | awk -F'\t' -v t="$1" '$2 == t { print $1 }'; }
t2=$(tests_of 2 | head -1)
t3s=$(tests_of 3 | paste -sd' ')
[[ -n $t2 && -n $t3s ]] || fail "the rubric of $lab has no tasks 2 and 3"
mkdir -p "$tmp/progress"
# Every entry passed, but task 2's first test fails functionally. Task 3: only its functional
# entries are in the run (as after make test).
jq --arg t2 "$t2" --arg t3s "$t3s" '
    def test: .extra_data.test;
    def functional: .extra_data.check == "functional";
    .tests |= map(.score = .max_score | .status = "passed" | .extra_data.outcome = "pass"
        | if test == $t2 and functional
        then .score = 0 | .status = "failed" | .extra_data.outcome = "fail" else . end
        | select(((test | IN($t3s | split(" ")[])) | not) or functional))' "$full" \
    >"$tmp/progress/$lab.json" || fail "jq could not build the fixture"

out=$(bash grader/scripts/student-progress.sh --dir "$tmp/progress" 2>&1) ||
    fail "make progress exited $?: $out"
grep -q 'not started: run make grade LAB=01' <<<"$out" ||
    fail "a lab never graded is not shown as not started: $out"
block=$(awk "/^  $lab/,/next:/" <<<"$out")
grep -Eq 'ok +task 1 ' <<<"$block" || fail "task 1 of $lab is not done: $block"
grep -Eq "task 2 .*failing: $t2 \\[functional\\]" <<<"$block" ||
    fail "task 2 of $lab is not shown failing $t2: $block"
grep -Eq '~ +task 3 ' <<<"$block" || fail "task 3 (functional only) is not marked unchecked: $block"
grep -q "next: lab 02 task 2: make $t2 pass" <<<"$block" || fail "wrong next step: $block"
grep -q 'last run checked' <<<"$block" || fail "a partial run is not said to be partial: $block"
[[ $(bash grader/scripts/student-progress.sh --dir "$tmp/progress" --next 02) == $'2\ttodo' ]] ||
    fail "--next 02 does not give task 2"
[[ $(bash grader/scripts/student-progress.sh --dir "$tmp/progress" --next 01) == $'1\tnot-started' ]] ||
    fail "--next 01 does not say not-started"

# A run of one test (make test TEST=...): the other tasks were not run.
mkdir -p "$tmp/one"
t1=$(tests_of 1 | head -1)
jq --arg t "$t1" '.tests |= map(select(.extra_data.test == $t and .extra_data.check == "functional")
    | .score = .max_score | .status = "passed" | .extra_data.outcome = "pass")' "$full" >"$tmp/one/$lab.json"
out=$(bash grader/scripts/student-progress.sh --dir "$tmp/one")
grep -Eq 'task 3 .*not in the last run' <<<"$out" || fail "a task with no result is not shown as not run: $out"
[[ $(bash grader/scripts/student-progress.sh --dir "$tmp/one" --next 02) == $'1\tunchecked' ]] ||
    fail "--next after a one-test run does not give task 1 unchecked"

# A lab that is done (every entry passed, whatever the machine did to
# the timing checks of the run the fixture came from).
mkdir -p "$tmp/done"
jq '.tests |= map(.score = .max_score | .status = "passed" | .extra_data.outcome = "pass")' "$full" >"$tmp/done/$lab.json"
out=$(bash grader/scripts/student-progress.sh --dir "$tmp/done")
grep -Eq "^  $lab +[0-9]+/[0-9]+ " <<<"$out" || fail "no score line for $lab: $out"
score=$(grep -E "^  $lab " <<<"$out" | awk '{ print $2 }')
[[ ${score%/*} == "${score#*/}" ]] || fail "a fully passing lab shows $score"
[[ -z $(bash grader/scripts/student-progress.sh --dir "$tmp/done" --next 02) ]] ||
    fail "--next on a finished lab names a task"

# Hints: tiers 1, 2, 3 of task 2, one per call, then no further.
export HINTS_STATE=$tmp/hints PROGRESS_DIR=$tmp/progress
tier() {
    awk -v n="$1" -v k="$2" '/^## / { on = ($0 ~ "^## Task " n "([^0-9]|$)"); next }
        on && /^### Tier/ { t = ($3 + 0 == k); next } on && t && NF { print; exit }' labs/$lab/HINTS.md
}
for k in 1 2 3; do
    out=$(bash grader/scripts/student-hint.sh 02) || fail "make hint call $k exited $?"
    grep -q "^tier $k of 3 (new)" <<<"$out" || fail "call $k does not reveal tier $k: $out"
    grep -qF "$(tier 2 "$k")" <<<"$out" || fail "call $k does not show task 2's tier $k text"
    [[ $k -lt 3 ]] && ! grep -qF "$(tier 2 $((k + 1)))" <<<"$out" ||
        [[ $k -eq 3 ]] || fail "call $k shows tier $((k + 1)) too early"
done
out=$(bash grader/scripts/student-hint.sh 02)
grep -q 'last tier' <<<"$out" || fail "a fourth call does not say it was the last tier"
grep -q '(new)' <<<"$out" && fail "a fourth call reveals something new"
[[ $(cat "$tmp/hints/$lab/task-2") == 3 ]] || fail "the hint state is not kept in build/hints"
out=$(bash grader/scripts/student-hint.sh 02 1)
grep -q '^tier 1 of 3 (new)' <<<"$out" || fail "TASK=1 does not start task 1 at tier 1"
RESET=1 bash grader/scripts/student-hint.sh 02 >/dev/null
[[ -z $(ls "$tmp/hints/$lab") ]] || fail "RESET=1 does not forget the tiers shown"
bash grader/scripts/student-hint.sh 99 >/dev/null 2>&1 && fail "make hint LAB=99 succeeded"

# Every task with points has three non-empty tiers.
for l in $(student_labs); do
    [[ -f labs/$l/HINTS.md ]] || fail "labs/$l has no HINTS.md"
    for t in $(student_rubric "$l" | awk -F'\t' '$4 > 0 { print $2 }' | sort -un); do
        for k in 1 2 3; do
            [[ -n $(tier_lab=$l; awk -v n="$t" -v k="$k" '/^## / { on = ($0 ~ "^## Task " n "([^0-9]|$)"); next }
                on && /^### Tier/ { x = ($3 + 0 == k); next } on && x && NF { print; exit }' labs/$l/HINTS.md) ]] ||
                fail "labs/$l/HINTS.md: task $t has no tier $k"
        done
    done
done

# No hint line is a line of a reference answer (one the handouts, skeletons
# and harness do not have anyway).
if [[ -d solutions ]]; then
    leaks=$(awk 'function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
        FILENAME ~ /^solutions\// { l = trim($0); if (length(l) >= 20) A[l] = 1; next }
        FILENAME ~ /HINTS.md$/ { l = trim($0); if (l in A) print FILENAME ": " l; next }
        { G[trim($0)] = 1 }' $(find solutions -type f) labs/*/HINTS.md |
        while IFS= read -r hit; do
            line=${hit#*: }
            grep -rqxF -- "$line" harness labs --include='*.c' --include='*.h' 2>/dev/null || echo "$hit"
        done)
    [[ -z $leaks ]] || fail "hints quote the reference solutions: $leaks"
fi
echo "progress and hints: fixture of $lab passed"
