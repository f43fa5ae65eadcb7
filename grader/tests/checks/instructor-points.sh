#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One source of points: every handout's Grading section and the GitHub
# Classroom files agree with the rubrics (grader/scripts/points-check.sh).
cd "$(dirname "$0")/../../.." || exit 1
bash grader/scripts/points-check.sh
