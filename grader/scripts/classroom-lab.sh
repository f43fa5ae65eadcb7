#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One lab for GitHub Classroom (the command of one
# autograding-command-grader step): grade LAB from labs/ into
# build/grade/classroom/LAB/ and exit as the grader does, 0 only when
# every check passed. classroom-report.sh turns the results into the job
# summary and annotations. Usage: classroom-lab.sh LAB
set -u
cd "$(dirname "$0")/../.." || exit 2
lab=${1:?usage: classroom-lab.sh LAB}
out=build/grade/classroom/$lab
make -s --no-print-directory grader >&2 || exit 2
rm -rf "$out"
mkdir -p "$out"
build/bin/grader grade --root . --src labs --lab "$lab" --out "$out" ${ONLY:+--only "$ONLY"}
