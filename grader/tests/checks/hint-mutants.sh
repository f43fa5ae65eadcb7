#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Feedback chosen from the evidence: every keyed hint (`hint.<symptom>` in
# a rubric) has a mutant that declares its test and symptom, which make
# check grades like every mutant, so each (symptom, hint) pair is proved
# reachable by the bug it was written for (docs/writing-a-lab.md).
cd "$(dirname "$0")/../../.." || exit 1
out=$(build/bin/grader hints --root . 2>&1)
rc=$?
if [[ $rc -ne 0 ]]; then
    echo "$out" | awk -F'\t' 'NR == 1 || $4 == "" || NF < 5'
    exit 1
fi
echo "$out" | awk -F'\t' 'NR > 1 { n++ } END { print n + 0 " keyed hints, each proved by a mutant" }'
