#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Timelines on serial mutants, one per kind of lane:
#   lab 02 gil-held-across-io keeps the GIL across its simulated I/O, so
#     four threads wait one after another (thread lanes);
#   lab 01 many-serial waits for each child before it starts the next, so
#     eight commands run one after another (a lane per command);
#   lab 06 blocking-read serves one client until it leaves (a lane per
#     client).
# Graded with TRACE=1 on its speedup check, each failure must print the
# ASCII timeline and say the lanes ran one after another, and the run must
# leave a Chrome trace that parses with complete events on more than one
# lane, and a well-formed SVG; the legend must name exactly the marks
# drawn, and lab 02's must show the GIL's lane. I/O-bound mutants, so a
# busy machine cannot make them "inconclusive".
set -u
cd "$(dirname "$0")/../../.."
fail() { echo "$*"; exit 1; }
make -s grader >/dev/null || fail "the grader does not build"

# serial LAB MUTANT TEST LANE: LANE is the word the timeline's rows start with.
serial() {
    local lab=$1 mutant=$2 test=$3 lane=$4 sub=build/check/trace-submission
    local out=build/check/trace log rc rows json svg

    rm -rf "$sub" "$out"
    mkdir -p "$sub/$lab"
    cp solutions/$lab/*.c "$sub/$lab/"
    patch -s --batch --fuzz=0 -d "$sub" -p1 -i "$PWD/grader/tests/mutants/$lab/$mutant.patch" ||
        fail "$lab/$mutant: its patch does not apply to solutions/$lab"
    # `make grade ... TRACE=1` is the grader with --trace (GRADE_ARGS).
    log=$(build/bin/grader grade --root . --src "$sub" --lab $lab --test $test \
        --only functional,speedup --trace --out "$out" 2>&1)
    rc=$?
    [[ $rc -eq 1 ]] || fail "$lab/$mutant: grading exited $rc, want 1 (caught)"$'\n'"$log"

    jq -e --arg t "$test" '.tests[] | select(.name | contains($t)) | select(.tags | index("check:speedup"))
        | .status == "failed"' "$out/results.json" >/dev/null ||
        fail "$lab/$mutant: results.json: the speedup check of $test did not fail"
    echo "$log" | grep -q "timeline of " || fail "$lab/$mutant: no ASCII timeline in the failure:"$'\n'"$log"
    # The baseline's run is drawn above the student's, on one scale (lab
    # 06's check estimates its baseline from one client: it has no run).
    if [[ $lab != 06-* ]]; then
        echo "$log" | grep -qE "^ +the baseline, [0-9.]+ ms:\$" && echo "$log" | grep -qE "^ +yours, [0-9.]+ ms:\$" ||
            fail "$lab/$mutant: the timeline does not show the baseline's run above yours:"$'\n'"$log"
    fi
    rows=$(echo "$log" | grep -cE "^ +$lane [0-9]+ +\|[#~=.]+\|\$")
    [[ $rows -ge 2 ]] ||
        fail "$lab/$mutant: the ASCII timeline shows $rows $lane lanes, want 2 or more:"$'\n'"$log"
    # The legend names the marks drawn, and only those.
    local legend marks pair
    legend=$(echo "$log" | sed -n 's/^ *timeline of .* (\(.*\); one column is .*/\1/p' | head -n 1)
    marks=$(echo "$log" | sed -nE 's/^ +[^|]+ \|([^|]*)\|$/\1/p' | tr -d '\n')
    for pair in '#:computing' '~:waiting for I/O' '=:a span of the test' '1-9m+:holds the lock'; do
        local named=0 drawn=0 cls=${pair%%:*}
        [[ $legend == *"${pair#*:}"* ]] && named=1
        [[ $marks == *[$cls]* ]] && drawn=1
        [[ $named == "$drawn" ]] ||
            fail "$lab/$mutant: the legend ($legend) and the marks drawn disagree on '${pair#*:}':"$'\n'"$log"
    done
    # Lab 02's timeline has the GIL's lane: who held it, above the threads.
    if [[ $lab == 02-* ]]; then
        echo "$log" | grep -qE '^ +GIL +\|[.1-9m+]*[1-9m+][.1-9m+]*\|$' ||
            fail "$lab/$mutant: no GIL lane in the timeline:"$'\n'"$log"
    fi
    echo "$log" | grep -q "ran one after another" ||
        fail "$lab/$mutant: the failure does not say the work ran one after another:"$'\n'"$log"

    json=$out/traces/$lab-$test.json svg=$out/traces/$lab-$test.svg
    [[ -f $json && -f $svg ]] || fail "$lab/$mutant: TRACE=1 wrote no $json and $svg"
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
    echo "$lab/$mutant: ASCII timeline of $rows lanes ('$lane N'), one-after-another verdict," \
        "trace JSON on $(jq '[.traceEvents[] | select(.ph=="X") | .tid] | unique | length' "$json") lanes, SVG well-formed"
}

serial 02-threads gil-held-across-io test_gil_io_bound_speedup thread
serial 01-processes many-serial test_many_speedup lane
serial 06-event-loop blocking-read test_echo_many_clients_speedup lane
