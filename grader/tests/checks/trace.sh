#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Timelines on a serial mutant: lab 02's gil-held-across-io keeps the GIL
# across its simulated I/O, so four threads wait one after another. Graded
# with TRACE=1 on its speedup check, the failure must print the ASCII
# timeline and say the lanes ran one after another, and the run must leave
# a Chrome trace that parses with complete events on more than one lane,
# and a well-formed SVG. An I/O-bound mutant, so a busy machine cannot make
# it "inconclusive".
set -u
cd "$(dirname "$0")/../../.."
fail() { echo "$*"; exit 1; }
lab=02-threads mutant=gil-held-across-io test=test_gil_io_bound_speedup
sub=build/check/trace-submission
out=build/check/trace

rm -rf "$sub" "$out"
mkdir -p "$sub/$lab"
cp solutions/$lab/*.c "$sub/$lab/"
cp grader/tests/mutants/$lab/$mutant/*.c "$sub/$lab/"
# `make grade ... TRACE=1` is the grader with --trace (GRADE_ARGS).
make -s grader >/dev/null || fail "the grader does not build"
log=$(build/bin/grader grade --root . --src "$sub" --lab $lab --test $test \
    --only functional,speedup --trace --out "$out" 2>&1)
rc=$?
[[ $rc -eq 1 ]] || fail "grading the mutant exited $rc, want 1 (caught)"$'\n'"$log"

jq -e --arg t "$test" '.tests[] | select(.name | contains($t)) | select(.tags | index("check:speedup"))
    | .status == "failed"' "$out/results.json" >/dev/null ||
    fail "results.json: the speedup check of $test did not fail"
echo "$log" | grep -q "timeline of " || fail "no ASCII timeline in the failure:"$'\n'"$log"
rows=$(echo "$log" | grep -cE '^ +thread [0-9]+ +\|[#~=.]+\|$')
[[ $rows -ge 2 ]] || fail "the ASCII timeline shows $rows thread lanes, want 2 or more:"$'\n'"$log"
echo "$log" | grep -q "ran one after another" ||
    fail "the failure does not say the work ran one after another:"$'\n'"$log"

json=$out/traces/$lab-$test.json svg=$out/traces/$lab-$test.svg
[[ -f $json && -f $svg ]] || fail "TRACE=1 wrote no $json and $svg"
jq -e '.traceEvents | map(select(.ph == "X" and .dur > 0 and has("ts") and has("pid")))
    | (length > 1) and ((map(.tid) | unique | length) > 1)' "$json" >/dev/null ||
    fail "$json: not complete events on more than one lane"
jq -e '.traceEvents | map(select(.ph == "M" and .name == "thread_name")) | length > 1' "$json" >/dev/null ||
    fail "$json: no thread-name metadata"
if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$svg" || fail "$svg is not well-formed XML"
else
    python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$svg" ||
        fail "$svg is not well-formed XML"
fi
grep -q '<svg xmlns="http://www.w3.org/2000/svg"' "$svg" || fail "$svg is not an SVG"
echo "serial mutant: ASCII timeline, one-after-another verdict, trace JSON on $(jq '[.traceEvents[] | select(.ph=="X") | .tid] | unique | length' "$json") lanes, SVG well-formed"
