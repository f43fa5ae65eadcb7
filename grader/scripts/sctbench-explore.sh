#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make explore against a published collection of small pthread programs with
# known concurrency bugs and correct twins: SCTBench's
# concurrent-software-benchmarks (Thomson, Donaldson, Betts, "Concurrency
# testing using schedule bounding", PPoPP 2014; github.com/mc-imperial/
# sctbench). Its *_bad.c and din_phil*_sat.c fail an assertion or deadlock
# under some interleavings; its *_ok.c and din_phil*_unsat.c must pass.
#
#   grader/scripts/sctbench-explore.sh DIR [SCHEDULES]
#
# DIR is a checkout of sctbench (or its concurrent-software-benchmarks
# folder); nothing of it is copied into this repository. Each program runs
# under `make explore PROG=... SCHEDULES=N` (100 by default) and the table
# says found K/N (the first failing schedule, and the symptom) or missed for
# a buggy one, passed or FAILED for a correct one, or that it did not build.
# docs/sched.md has the table.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-}
n=${2:-100}
[[ -d $dir ]] || { echo "usage: $0 SCTBENCH-DIR [SCHEDULES]" >&2; exit 2; }
[[ -d $dir/benchmarks/concurrent-software-benchmarks ]] && dir=$dir/benchmarks/concurrent-software-benchmarks
dir=$(cd "$dir" && pwd)
logs=$root/build/sctbench
mkdir -p "$logs"
status=0
printf '%-26s %-8s %-26s %s\n' program kind verdict symptom
for f in "$dir"/*.c; do
    name=$(basename "$f" .c)
    case $name in
    *_bad | *_sat) kind=bug ;;
    *_ok | *_unsat) kind=correct ;;
    *) continue ;;
    esac
    log=$logs/$name.log
    (cd "$root" && PROG=$f SCHEDULES=$n timeout 600 bash grader/scripts/explore.sh) >"$log" 2>&1 </dev/null
    rc=$?
    line=$(grep -m1 -o '^explore: \(failed [0-9]* of [0-9]* schedules, first at seed 0x[0-9a-f]* (schedule [0-9]*\|passed [0-9]* of [0-9]*\)' "$log")
    symptom=
    if grep -q '^sched: deadlock' "$log"; then
        symptom=deadlock
        grep -q 'nobody is left to signal' "$log" && symptom=lost-wakeup
        grep -q 'the wait-for cycle' "$log" && symptom='deadlock (cycle)'
    elif grep -q 'Assertion .* failed' "$log"; then
        symptom=assertion
    elif grep -q 'a thread that never blocks (a livelock' "$log"; then
        symptom=livelock
    elif [[ $line == *failed* ]]; then
        symptom='exit status, abort or time limit'
    fi
    if ((rc == 2)) || [[ -z $line ]]; then
        verdict="no build/run (rc $rc)"
        symptom=$(grep -m1 'error\|explore:' "$log" | cut -c1-60)
    elif [[ $line == *failed* ]]; then
        k=${line#explore: failed } first=${line##*(schedule }
        k=${k%% *}
        if [[ $kind == bug ]]; then
            verdict="found $k/$n, first at $first"
        else
            verdict="FAILED $k/$n"
            status=1
        fi
    else
        if [[ $kind == bug ]]; then
            verdict="missed (0/$n)"
            status=1
        else
            verdict="passed $n/$n"
        fi
        symptom=
    fi
    printf '%-26s %-8s %-26s %s\n' "$name" "$kind" "$verdict" "$symptom"
done
exit "$status"
