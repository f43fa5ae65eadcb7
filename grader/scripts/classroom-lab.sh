#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One lab for GitHub Classroom (the command of one
# autograding-command-grader step): grade LAB from labs/ into
# build/grade/classroom/LAB/. classroom-report.sh turns the results into
# the job summary and annotations. Usage: classroom-lab.sh LAB
#
# Exit status, which Classroom turns into all or nothing for the lab:
#   0  every check passed, or every check that did not pass is
#      provisional -- skipped (fewer CPUs than it needs) or inconclusive
#      (the runner too busy to measure a speedup): the machine's doing,
#      not the student's, so it must not zero a lab. The log says
#      PROVISIONAL and names them; the job summary lists them; the
#      authoritative grade (make grade-class) regrades them.
#   1  some check failed.
#   2  the grader could not grade (a tool missing, the runner broken).
# ONLY= and TEST= as for make grade; CLASSROOM_SRC grades another tree
# than labs/ (make check uses it).
set -u
cd "$(dirname "$0")/../.." || exit 2
lab=${1:?usage: classroom-lab.sh LAB}
out=build/grade/classroom/$lab
make -s --no-print-directory grader >&2 || exit 2
rm -rf "$out"
mkdir -p "$out"
build/bin/grader grade --root . --src "${CLASSROOM_SRC:-labs}" --lab "$lab" --out "$out" \
    ${ONLY:+--only "$ONLY"} ${TEST:+--test "$TEST"}
rc=$?
[[ $rc -eq 1 ]] || exit "$rc"
# Exit 1: did any check fail, or were they all provisional?
failed=$(jq '[.tests[] | select(.status != "passed" and (.extra_data.provisional | not))]
    | length' "$out/results.json" 2>/dev/null) || exit 1
[[ $failed -eq 0 ]] || exit 1
echo "classroom: $lab: no check failed; the score is PROVISIONAL: the checks" \
    "in $out/regrade.tsv were not measured on this runner (exit 0 all the same)"
exit 0
