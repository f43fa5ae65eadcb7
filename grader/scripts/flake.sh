#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make flake N=20 [LAB=..]`: grade the reference solutions N times back to
# back, with a competing CPU-bound process on the machine for every other
# run, and report every check that failed even once. "Inconclusive" (the
# machine was too busy to judge a CPU-bound speedup) is counted apart: it
# is the grader saying so, not a failure. Exit 1 if any check failed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
n=${1:-20}
lab=${2:-}
out=build/flake
rm -rf "$out"
mkdir -p "$out"
hog=
stop_hog() { [[ -n $hog ]] && kill "$hog" 2>/dev/null; wait "$hog" 2>/dev/null; hog=; }
trap stop_hog EXIT

for ((i = 1; i <= n; i++)); do
    load=quiet
    if ((i % 2 == 0)); then
        # One CPU kept busy, the way a second job on a CI runner would.
        (while :; do :; done) &
        hog=$!
        load=busy
    fi
    t0=$SECONDS
    build/bin/grader grade --root . --src solutions ${lab:+--lab "$lab"} \
        --out "$out/$i" --quiet >"$out/$i.log" 2>&1
    stop_hog
    echo "run $i ($load): $(jq -r '"\(.score) points", ([.tests[] | select(.status != "passed")] | length | tostring) + " not passed"' "$out/$i/results.json" | paste -sd, -) in $((SECONDS - t0)) s"
    jq -r --arg load "$load" '.tests[] | select(.status != "passed") |
        [.name, (.tags[] | select(startswith("result:"))), $load] | @tsv' \
        "$out/$i/results.json" >>"$out/not-passed.tsv"
done

echo
if [[ ! -s $out/not-passed.tsv ]]; then
    echo "no check failed in $n runs"
    exit 0
fi
echo "checks that did not pass (count, check, result, load):"
sort "$out/not-passed.tsv" | uniq -c | sort -rn
! grep -qv 'result:inconclusive' "$out/not-passed.tsv"
