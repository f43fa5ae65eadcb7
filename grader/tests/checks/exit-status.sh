#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command-line contract: make grade exits 0 (all passed), 1 (some check
# failed) or 2 (could not grade), and writes results.json in Gradescope's
# format with the tags the design promises.
set -u
cd "$(dirname "$0")/../../.."
fail() { echo "$*"; exit 1; }
lab=01-processes

make -s grade LAB=1 SRC=solutions ONLY=functional >/dev/null 2>&1
rc=$?; [[ $rc -eq 0 ]] || fail "make grade on the solutions exited $rc, want 0"
jq -e '.tests | length > 0 and all(.status == "passed")' build/grade/results.json >/dev/null ||
    fail "results.json: not every test passed on the solutions"
jq -e --arg lab "$lab" '.tests | all(.tags | index($lab) and (map(select(startswith("check:"))) | length == 1))
    and all(has("name") and has("number") and has("score") and has("max_score") and has("output"))' \
    build/grade/results.json >/dev/null || fail "results.json: entries lack fields or tags"
jq -e 'has("score") and has("execution_time")' build/grade/results.json >/dev/null ||
    fail "results.json: no top-level score or execution_time"
xmllint --noout build/grade/junit.xml 2>/dev/null || python3 -c "import xml.dom.minidom,sys; xml.dom.minidom.parse('build/grade/junit.xml')" ||
    fail "junit.xml does not parse"

make -s grade LAB=01 ONLY=functional >/dev/null 2>&1
rc=$?; [[ $rc -eq 1 ]] || fail "make grade on the skeleton exited $rc, want 1"
(cd labs/$lab && make -s grade ONLY=functional >/dev/null 2>&1)
rc=$?; [[ $rc -eq 1 ]] || fail "make grade from the lab folder exited $rc, want 1"
make -s grade LAB=99 >/dev/null 2>&1
rc=$?; [[ $rc -eq 2 ]] || fail "make grade LAB=99 exited $rc, want 2"
make -s grade SRC=/nonexistent >/dev/null 2>&1
rc=$?; [[ $rc -eq 2 ]] || fail "make grade SRC=/nonexistent exited $rc, want 2"
echo "0/1/2 exit statuses and results.json as promised"
