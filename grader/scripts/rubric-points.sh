#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Points per lab, from the rubrics (the only place points live), as the
# grader reads them (`grader points`: the grader is their only reader).
# Prints a tab-separated table: a header line, then one line per lab:
#   lab title total functional tsan helgrind drd memcheck asan speedup sched
# (a column per check kind, in the grader's order: `grader checks`).
# With --tasks, one line per (lab, task): lab task total functional ...
# Usage: rubric-points.sh [--tasks] [ROOT]   (ROOT: the repository, default ..)
set -eu
tasks=
if [[ ${1:-} == --tasks ]]; then tasks=--tasks; shift; fi
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
grader=$root/build/bin/grader
[[ -x $grader ]] || make -s --no-print-directory -C "$root" grader >&2
exec "$grader" points --root "$root" $tasks
