#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fewer CPUs than a check needs (Gradescope's default machine has one):
# on one CPU (taskset -c 0) lab 02's CPU-bound speedup check is skipped,
# and its points are provisional, never a silent 0. The table and the
# total say PROVISIONAL; results.json marks the test
# (extra_data.provisional, .regrade) and the score (top-level extra_data
# and output); regrade.tsv names it with the command that grades it
# again; grade-class notes them in the gradebook and lists them in its
# own regrade.tsv. In GitHub Classroom the lab's step exits 0 (nothing failed), the
# job summary says provisional, and a check that does fail still exits 1.
set -u
cd "$(dirname "$0")/../../.." || exit 1
fail() { echo "$*"; exit 1; }
command -v taskset >/dev/null || { echo "no taskset; skipped"; exit 0; }
tmp=$(mktemp -d /tmp/fewer-cpus.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
lab=02-threads test=test_pmap_cpu_speedup
make -s --no-print-directory grader || fail "cannot build the grader"

taskset -c 0 build/bin/grader grade --root . --src solutions --lab 02 --only speedup \
    --test "$test" --out "$tmp/out" >"$tmp/log" 2>&1
rc=$?
r=$tmp/out/results.json
[[ $rc -eq 1 ]] || fail "grader exit $rc, want 1 (a check not passed): $(tail "$tmp/log")"
grep -q "^PROVISIONAL: 3 points" "$tmp/log" || fail "no PROVISIONAL total line: $(tail "$tmp/log")"
grep -q "$lab .* (provisional)" "$tmp/log" || fail "the lab's line does not say provisional"
jq -e --arg t "$test" '.tests[] | select(.extra_data.test == $t)
    | .extra_data.outcome == "skip" and .extra_data.provisional == true
      and (.extra_data.regrade | test("2 or more usable CPUs"))
      and (.output | test("provisional")) and .score == 0' "$r" >/dev/null ||
    fail "the skipped test is not marked provisional: $(jq -c '.tests[0]' "$r")"
jq -e '.extra_data.provisional == true and .extra_data.pending_points == 3
    and (.extra_data.regrade == ["02-threads: test_pmap_cpu_speedup [speedup]"])
    and (.output | startswith("PROVISIONAL score"))' "$r" >/dev/null ||
    fail "results.json's score is not marked provisional: $(jq -c '{extra_data, output}' "$r")"
awk -F'\t' -v t="$test" 'NR > 1 && $2 == t && $4 == "skip" && $5 == 3 &&
    $7 ~ /^make grade LAB=02 TEST=test_pmap_cpu_speedup ONLY=speedup SRC=solutions$/ { ok = 1 }
    END { exit !ok }' "$tmp/out/regrade.tsv" ||
    fail "regrade.tsv does not name it: $(cat "$tmp/out/regrade.tsv")"

# Gradescope's run_autograder and grade-class merge labs with
# grade-labs.sh: the marks survive the merge, and the class's gradebook
# notes them and its regrade.tsv names the student.
mkdir -p "$tmp/class/alice"
cp solutions/$lab/*.c "$tmp/class/alice/"
taskset -c 0 bash grader/scripts/grade-class.sh --root . --submissions "$tmp/class" \
    --out "$tmp/cout" --labs 02 --only speedup >"$tmp/gc.log" 2>&1
jq -e '.extra_data.provisional and .extra_data.pending_points >= 3' \
    "$tmp/cout/alice/results.json" >/dev/null ||
    fail "grade-labs.sh's merged results.json lost the provisional marks: $(jq -c .extra_data "$tmp/cout/alice/results.json")"
grep -q "^alice,.*02-threads provisional: [0-9]* points to grade again" "$tmp/cout/gradebook.csv" ||
    fail "the gradebook does not note the provisional points: $(cat "$tmp/cout/gradebook.csv")"
grep -qP "^alice\t02-threads\ttest_pmap_cpu_speedup\tspeedup\tskip\t3\t" "$tmp/cout/regrade.tsv" ||
    fail "the class's regrade.tsv does not name alice's check: $(cat "$tmp/cout/regrade.tsv")"

# GitHub Classroom: a provisional check does not fail the lab's step...
CLASSROOM_SRC=solutions ONLY=speedup TEST=$test taskset -c 0 \
    bash grader/scripts/classroom-lab.sh "$lab" >"$tmp/cl.log" 2>&1 ||
    fail "classroom-lab.sh failed the step for a provisional check: $(tail -5 "$tmp/cl.log")"
grep -q "PROVISIONAL" "$tmp/cl.log" || fail "classroom-lab.sh does not say provisional"
GITHUB_STEP_SUMMARY=$tmp/summary.md bash grader/scripts/classroom-report.sh \
    "build/grade/classroom/$lab" >"$tmp/ann" 2>&1
grep -q "(provisional)" "$tmp/summary.md" && grep -q "Provisional" "$tmp/summary.md" ||
    fail "the job summary does not say provisional: $(head -5 "$tmp/summary.md")"
grep -q "^::warning .*provisional" "$tmp/ann" && ! grep -q "^::error" "$tmp/ann" ||
    fail "want one ::warning and no ::error: $(cat "$tmp/ann")"
# ... and a failed one still does (the skeleton's functional test).
CLASSROOM_SRC=labs ONLY=functional TEST=test_pmap_matches_serial \
    bash grader/scripts/classroom-lab.sh "$lab" >"$tmp/cl2.log" 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "classroom-lab.sh exit $rc for a failed check, want 1: $(tail -5 "$tmp/cl2.log")"
rm -rf "build/grade/classroom/$lab"
echo "one CPU: $test skipped, 3 points provisional in the table, results.json and regrade.tsv; Classroom step passes, a failure still fails"
