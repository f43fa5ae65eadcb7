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
#
# Only the labs a push changed are graded (the workflow writes their list,
# from classroom-select.sh, to build/grade/classroom-selected): another
# lab replays its last verdict and results from build/classroom-cache/,
# which the workflow keeps between runs with actions/cache, when they were
# graded from the same files (the lab's folder and everything outside
# labs/, as git has them); without such a verdict it is graded.
set -u
cd "$(dirname "$0")/../.." || exit 2
lab=${1:?usage: classroom-lab.sh LAB}
out=build/grade/classroom/$lab
cache=build/classroom-cache/$lab
selected=build/grade/classroom-selected
# What a verdict depends on: the lab's tree and the rest of the commit's.
inputs=$({ git rev-parse "HEAD:labs/$lab" && git ls-tree HEAD | grep -v $'\tlabs$'; } 2>/dev/null |
    sha1sum | cut -d' ' -f1)
if [[ -f $selected && -z ${CLASSROOM_SRC:-} ]] && ! grep -qxF "$lab" "$selected" &&
    [[ -f $cache/inputs && $(cat "$cache/inputs") == "$inputs" && -d $cache/out ]]; then
    rm -rf "$out" && mkdir -p "$(dirname "$out")" && cp -r "$cache/out" "$out"
    echo "classroom: $lab: not changed by this push; the verdict of its last grading" \
        "(same files) stands: exit $(cat "$cache/rc")"
    exit "$(cat "$cache/rc")"
fi
make -s --no-print-directory grader >&2 || exit 2
rm -rf "$out"
mkdir -p "$out"
build/bin/grader grade --root . --src "${CLASSROOM_SRC:-labs}" --lab "$lab" --out "$out" \
    ${ONLY:+--only "$ONLY"} ${TEST:+--test "$TEST"}
rc=$?
verdict() {
    [[ $1 -le 1 && -z ${CLASSROOM_SRC:-}${ONLY:-}${TEST:-} ]] && git rev-parse HEAD >/dev/null 2>&1 || return 0
    rm -rf "$cache" && mkdir -p "$cache" && cp -r "$out" "$cache/out" &&
        echo "$inputs" >"$cache/inputs" && echo "$1" >"$cache/rc"
}
[[ $rc -eq 1 ]] || { verdict "$rc"; exit "$rc"; }
# Exit 1: did any check fail, or were they all provisional?
failed=$(jq '[.tests[] | select(.status != "passed" and (.extra_data.provisional | not))]
    | length' "$out/results.json" 2>/dev/null) || exit 1
[[ $failed -eq 0 ]] || { verdict 1; exit 1; }
echo "classroom: $lab: no check failed; the score is PROVISIONAL: the checks" \
    "in $out/regrade.tsv were not measured on this runner (exit 0 all the same)"
verdict 0
exit 0
