#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tests hidden until the due date: a rubric's `hidden = 1` makes that
# test's checks `visibility: after_due_date` in results.json (the grader's
# and the Gradescope autograder's), every other test stays visible, and
# `grader rubric --json` says which. In a copy of the repository whose lab
# 03 rubric hides one test; the reference graded through run_autograder
# (functional checks only), from a release that keeps them (KEEP_HIDDEN=1,
# as make gradescope makes it). Then make release of that copy holds the test
# back (its function, its array entry, its rubric section, a helper only a
# hidden test used), and the release builds and grades the visible tests.
set -u
cd "$(dirname "$0")/../../.." || exit 1
root=$PWD
fail() { echo "$*"; exit 1; }
tmp=$(mktemp -d /tmp/instructor-hidden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
lab=03-race-conditions
test=test_schedule_worst_case
ag=$tmp/ag
r=$tmp/instructor
mkdir -p "$r" "$ag/submission"
tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -C "$r" -xf -
mkdir -p "$r/build/bin" && cp build/bin/grader "$r/build/bin/"
sed -i "/^\\[$test\\]/a hidden = 1" "$r/labs/$lab/rubric.ini"
# The autograder's source is a release that keeps the hidden tests, as
# make gradescope makes it (KEEP_HIDDEN=1).
KEEP_HIDDEN=1 bash "$r/grader/scripts/release.sh" "$ag/source" >"$tmp/release.log" 2>&1 ||
    fail "KEEP_HIDDEN=1 release failed: $(cat "$tmp/release.log")"
grep -qw "$test" "$ag/source/labs/$lab/tests/test_steps.c" ||
    fail "KEEP_HIDDEN=1 (make gradescope's copy) did not keep $test"
mkdir -p "$ag/source/build/bin" && cp build/bin/grader "$ag/source/build/bin/"
printf 'LABS=%s\nONLY=functional\n' "$lab" >"$ag/source/gradescope.env"
cp grader/scripts/gradescope/run_autograder "$ag/source/"
[[ $("$r/build/bin/grader" rubric --root "$r" --lab 03 --json |
    jq -r '[.labs[].tests[] | select(.hidden) | .name] | join(" ")') == "$test" ]] ||
    fail "grader rubric --json does not say that $test is hidden"

for f in $(build/bin/grader labs --root . --lab 03 --json | jq -r '.labs[].student[]'); do
    cp "solutions/$lab/$f" "$ag/submission/"
done
chmod -R a+rX "$tmp"
AUTOGRADER=$ag bash "$ag/source/run_autograder" >"$tmp/run.log" 2>&1 || { tail -20 "$tmp/run.log"; fail "run_autograder exited non-zero"; }
res=$ag/results/results.json
[[ -f $res ]] || { cat "$tmp/run.log"; fail "no results.json"; }
jq -e --arg t "$test" '(.tests | length > 1)
    and all(.tests[]; (.extra_data.test == $t) == (.visibility == "after_due_date"))
    and all(.tests[]; .visibility == "after_due_date" or .visibility == "visible")
    and any(.tests[]; .extra_data.test == $t)' "$res" >/dev/null ||
    fail "results.json: want $test after_due_date and every other test visible: $(jq -c '[.tests[] | [.extra_data.test, .visibility]]' "$res")"
# The grader's own results.json, as make grade writes it, says the same.
jq -e --arg t "$test" 'all(.tests[]; (.extra_data.test == $t) == (.visibility == "after_due_date"))' \
    "$ag/work/out/results.json" >/dev/null || fail "the grader's results.json does not mark $test"

# The student release of the copy, with a second test hidden whose helper
# switches() nothing else uses: neither test's name is anywhere in it, nor
# the helper.
also=test_schedule_interleaved_safe
sed -i "/^\\[$also\\]/a hidden = 1" "$r/labs/$lab/rubric.ini"
course=$tmp/course
bash "$r/grader/scripts/release.sh" "$course" >"$tmp/release.log" 2>&1 ||
    fail "make release failed: $(cat "$tmp/release.log")"
left=$(grep -rlw -e "$test" -e "$also" "$course") && fail "the release still names a hidden test: $left"
steps=$course/labs/$lab/tests/test_steps.c
grep -q 'switches(' "$steps" && fail "the release keeps switches(), which only a hidden test used"
grep -q 'cmocka_unit_test(test_schedule_lost_update)' "$steps" || fail "the release lost a visible test of test_steps.c"
# It builds, and make grade there scores the visible test of that file.
for f in $(build/bin/grader labs --root . --lab 03 --json | jq -r '.labs[].student[]'); do
    cp "solutions/$lab/$f" "$course/labs/$lab/"
done
t0=$SECONDS
(cd "$course" && make -s --no-print-directory grade LAB=03 ONLY=functional \
    TEST=test_schedule_lost_update) >"$tmp/grade.log" 2>&1 ||
    fail "make grade in the release failed: $(tail -20 "$tmp/grade.log")"
jq -e '[.tests[] | [.extra_data.test, .status]] == [["test_schedule_lost_update", "passed"]]' \
    "$course/build/grade/results.json" >/dev/null ||
    fail "make grade in the release: $(jq -c '[.tests[] | [.extra_data.test, .status]]' "$course/build/grade/results.json")"
echo "release: $test and $also held back (code, entries, rubric, helper); the release grades the rest ($((SECONDS - t0)) s)"
echo "hidden = 1: $test after_due_date in results.json (grader and Gradescope), the rest visible"
