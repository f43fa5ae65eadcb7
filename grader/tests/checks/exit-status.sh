#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command-line contract: make grade exits 0 (all passed), 1 (some check
# failed) or 2 (could not grade), and writes results.json in Gradescope's
# format with the tags the design promises; grader exec exits with its
# command's status in the shell's convention, and runs it in the sandbox.
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

# grader exec: the command's own status, 128+signal, 124 on a timeout
# (after SIGTERM, which the command may handle), its output on stdout,
# what it left behind said and killed; the repository out of its sight.
g=build/bin/grader run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
ex() { "$g" exec --root . --timeout "$1" --dir "$run/r" --bindir /usr/bin -- sh -c "$2"; }
out=$(ex 5 'echo out; echo err >&2; exit 3' 2>/dev/null)
rc=$?; [[ $rc -eq 3 && $out == $'out\nerr' ]] || fail "grader exec: exit $rc, output '$out'; want 3, out and err"
ex 5 'kill -SEGV $$' >/dev/null 2>&1
rc=$?; [[ $rc -eq 139 ]] || fail "grader exec killed by SIGSEGV exited $rc, want 139"
out=$(ex 1 'trap "echo term; exit 0" TERM; sleep 30 & wait' 2>&1)
rc=$?; [[ $rc -eq 124 && $out == *term*"timed out after 1 s"* ]] ||
    fail "grader exec on a timeout: exit $rc, '$out'; want 124 and SIGTERM handled"
out=$(ex 5 'rm -f up; setsid sh -c ": >up; exec sleep 30" & until [ -e up ]; do sleep 0.1; done' 2>&1)
rc=$?; [[ $rc -eq 0 && $out == *"left 1 process behind"* ]] ||
    fail "grader exec: exit $rc, '$out'; want 0, and the sleep left behind said"
ex 5 "test -e $PWD/Makefile || test -e $PWD/solutions" >/dev/null 2>&1
rc=$?; [[ $rc -eq 1 ]] || fail "grader exec: the command saw the repository (exit $rc)"
if [[ $(id -u) -eq 0 ]]; then
    GRADER_USER=no-such-user ex 5 true >/dev/null 2>&1
    rc=$?; [[ $rc -eq 2 ]] || fail "grader exec as root with no one to drop to exited $rc, want 2"
fi
echo "grader exec: statuses, timeout, leftovers and the sandbox as promised"
