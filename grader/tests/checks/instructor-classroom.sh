#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# GitHub Classroom: the committed files are what the rubrics generate and
# carry the fields the actions document (autograding.json: name, setup,
# run, input, output, comparison, timeout in minutes, points;
# classroom.yml: one autograding-command-grader step per lab with
# test-name, command, timeout, max-score, and a grading-reporter whose
# runners each have a <ID>_RESULTS variable); the report turns results
# into a job summary and ::error annotations at the student's file:line.
set -u
cd "$(dirname "$0")/../../.." || exit 1
fail() { echo "$*"; exit 1; }
json=.github/classroom/autograding.json
yml=.github/workflows/classroom.yml
bash grader/scripts/classroom.sh --check || fail "run make classroom"

points=$(bash grader/scripts/rubric-points.sh | tail -n +2)
nlabs=$(grep -c . <<<"$points")
jq -e --argjson n "$nlabs" '
    (keys == ["tests"]) and (.tests | length == $n) and (.tests | all(
        (keys | sort) == ["comparison", "input", "name", "output", "points", "run", "setup", "timeout"]
        and (.name | type == "string" and length > 0)
        and (.setup | type == "string") and (.run | type == "string" and length > 0)
        and (.input | type == "string") and (.output | type == "string")
        and (.comparison | IN("included", "exact", "regex"))
        and (.timeout | type == "number" and . >= 1 and . <= 360)
        and (.points | type == "number" and . > 0)))' "$json" >/dev/null ||
    fail "$json lacks a documented field or has one of the wrong type"
while IFS=$'\t' read -r lab _ total _; do
    jq -e --arg lab "$lab" --argjson p "$total" \
        'any(.tests[]; (.name | startswith($lab + ":")) and .points == $p and (.run | endswith(" " + $lab)))' \
        "$json" >/dev/null || fail "$json: $lab is not worth its rubric's $total points"
    id=lab${lab%%-*}
    awk -v id="$id" -v lab="$lab" -v p="$total" '
        $0 ~ "^      - name:" { inside = 0 }
        $0 ~ "^        id: " id "$" { inside = 1 }
        inside && /uses: classroom-resources\/autograding-command-grader@v1/ { u = 1 }
        inside && $0 ~ "test-name: \"" lab "\"" { t = 1 }
        inside && $0 ~ "command: bash grader/scripts/classroom-lab.sh " lab "$" { c = 1 }
        inside && /timeout: [0-9]+$/ { m = 1 }
        inside && $0 ~ "max-score: " p "$" { s = 1 }
        $0 ~ "^          " toupper(id) "_RESULTS: \"\\$\\{\\{ steps\\." id "\\.outputs\\.result \\}\\}\"" { e = 1 }
        /^          runners: / { if (index("," substr($0, index($0, ":") + 2) ",", "," id ",")) r = 1 }
        END { exit !(u && t && c && m && s && e && r) }' "$yml" ||
        fail "$yml: the step of $lab ($id) lacks the command grader, its fields ($total points) or its reporter entry"
done <<<"$points"
grep -q 'uses: classroom-resources/autograding-grading-reporter@v1' "$yml" || fail "$yml: no grading reporter"

# The report, on results that hold a race at the student's file, a failure
# at a test's line and a compile error twice (one annotation for it).
tmp=$(mktemp -d /tmp/instructor-classroom.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/r/02-threads"
cat >"$tmp/r/02-threads/results.json" <<'JSON'
{"score": 3, "execution_time": 1.0, "tests": [
 {"name": "02-threads: test_pmap_matches_serial [functional]", "number": "2.1", "score": 3, "max_score": 3, "status": "passed", "output": "passed\n", "tags": ["02-threads", "check:functional", "result:passed"], "extra_data": {"lab": "02-threads", "test": "test_pmap_matches_serial", "task": 1, "check": "functional", "outcome": "passed", "command": "make grade LAB=02 TEST=test_pmap_matches_serial ONLY=functional"}},
 {"name": "02-threads: test_pmap_matches_serial [tsan]", "number": "2.2", "score": 0, "max_score": 2, "status": "failed", "output": "data race /tmp/s/alice/src/02-threads/pmap.c:23 in pmap__worker\n  #0 pmap__worker /tmp/s/alice/src/02-threads/pmap.c:23\n", "tags": ["02-threads", "check:tsan", "result:race"], "extra_data": {"lab": "02-threads", "test": "test_pmap_matches_serial", "task": 1, "check": "tsan", "outcome": "race", "command": "make grade LAB=02 TEST=test_pmap_matches_serial ONLY=tsan"}},
 {"name": "02-threads: test_pool_single_worker_fifo [functional]", "number": "2.3", "score": 0, "max_score": 2, "status": "failed", "output": "labs/02-threads/tests/test_pool.c:31: pool_create(1) returned -38\n", "tags": ["02-threads", "check:functional", "result:fail"], "extra_data": {"lab": "02-threads", "test": "test_pool_single_worker_fifo", "task": 1, "check": "functional", "outcome": "fail", "command": "make grade LAB=02 TEST=test_pool_single_worker_fifo ONLY=functional"}},
 {"name": "02-threads: test_gil_no_starvation [speedup]", "number": "2.4", "score": 0, "max_score": 2, "status": "failed", "output": "not run: test_gil_mutual_exclusion did not pass functionally\n", "tags": ["02-threads", "check:speedup", "result:not-run"], "extra_data": {"lab": "02-threads", "test": "test_gil_no_starvation", "task": 1, "check": "speedup", "outcome": "not-run", "command": "make grade LAB=02 TEST=test_gil_no_starvation ONLY=speedup"}}
]}
JSON
mkdir -p "$tmp/r/03-race-conditions"
cat >"$tmp/r/03-race-conditions/results.json" <<'JSON'
{"score": 0, "execution_time": 1.0, "tests": [
 {"name": "03-race-conditions: test_a [functional]", "number": "3.1", "score": 0, "max_score": 2, "status": "failed", "output": "did not compile (first errors below)\n\nlabs/03-race-conditions/counters.c:8:12: error: 'x' undeclared\n", "tags": ["03-race-conditions", "check:functional", "result:build"], "extra_data": {"lab": "03-race-conditions", "test": "test_a", "task": 1, "check": "functional", "outcome": "build", "command": "make grade LAB=03 TEST=test_a ONLY=functional"}},
 {"name": "03-race-conditions: test_b [functional]", "number": "3.2", "score": 0, "max_score": 2, "status": "failed", "output": "did not compile (first errors below)\n\nlabs/03-race-conditions/counters.c:8:12: error: 'x' undeclared\n", "tags": ["03-race-conditions", "check:functional", "result:build"], "extra_data": {"lab": "03-race-conditions", "test": "test_b", "task": 1, "check": "functional", "outcome": "build", "command": "make grade LAB=03 TEST=test_b ONLY=functional"}}
]}
JSON
GITHUB_STEP_SUMMARY=$tmp/summary.md bash grader/scripts/classroom-report.sh "$tmp/r" >"$tmp/annotations" ||
    fail "classroom-report.sh failed"
grep -q '^::error file=labs/02-threads/pmap.c,line=23,title=test_pmap_matches_serial \[tsan\]::data race' "$tmp/annotations" ||
    fail "no race annotation at the student's file: $(cat "$tmp/annotations")"
grep -q '^::error file=labs/02-threads/tests/test_pool.c,line=31,' "$tmp/annotations" ||
    fail "no failure annotation at the test's line: $(cat "$tmp/annotations")"
[[ $(grep -c 'file=labs/03-race-conditions/counters.c,line=8,' "$tmp/annotations") -eq 1 ]] ||
    fail "a compile error should be one annotation: $(cat "$tmp/annotations")"
! grep -q 'not run' "$tmp/annotations" || fail "a check not run is annotated"
[[ $(grep -c '^::error' "$tmp/annotations") -eq 3 ]] || fail "want 3 annotations: $(cat "$tmp/annotations")"
grep -q '^## Autograding: 3/13 points' "$tmp/summary.md" || fail "summary lacks the total: $(head -5 "$tmp/summary.md")"
grep -q '^| `test_pmap_matches_serial` | tsan | ❌ race | 0/2 |$' "$tmp/summary.md" ||
    fail "summary lacks a row per check: $(cat "$tmp/summary.md")"

# And for real: a skeleton lab through classroom-lab.sh, then the report.
ONLY=functional bash grader/scripts/classroom-lab.sh 02-threads >"$tmp/lab.log" 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "classroom-lab.sh on the skeleton exited $rc, want 1: $(tail "$tmp/lab.log")"
GITHUB_STEP_SUMMARY=$tmp/summary2.md bash grader/scripts/classroom-report.sh >"$tmp/ann2" || fail "report on a real run failed"
grep -q '^::error file=labs/02-threads/' "$tmp/ann2" || fail "no annotation on the skeleton's failures: $(head -3 "$tmp/ann2")"
echo "classroom: $nlabs lab steps match the rubrics; $(grep -c '^::error' "$tmp/ann2") annotations on the skeleton of lab 02"
