#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make slides-measure: the numbers and traces the slides' diagrams are drawn
# from, measured on this machine with the labs' own code: the speedup checks
# of every lab graded on the reference solutions (their notes carry the
# measured ratios and costs), and the harness's spans files
# (trace-NAME.spans, the format TRACE=1 gradings write) from
# slides/tools/trace_*, which diagrams.mjs draws with `grader trace`.
# Writes build/slides/measure/. Usage: measure.sh GRADER TOOLS_DIR
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
grader=$1 tools=$2
out=build/slides/measure
mkdir -p "$out"
t0=$SECONDS

# Which machine: every diagram says where its numbers come from.
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
cpus=$(nproc)
printf '{"cpu": "%s", "cpus": %s, "kernel": "%s", "date": "%s", "host": "%s"}\n' \
    "${model:-unknown CPU}" "$cpus" "$(uname -sr)" "$(date -u +%Y-%m-%d)" \
    "$(uname -m)" > "$out/machine.json"

rm -f "$out"/trace-*.json # the slides' own JSON format, before the spans files
for t in "trace_gil cpu-gil" "trace_gil cpu-free" "trace_gil io-gil" trace_green trace_procs; do
    name=${t##* }; name=${name#trace_}
    if ! "$tools"/$t "$out/trace-$name.spans.tmp" 2> "$out/trace-$name.log"; then
        echo "slides-measure: $t failed: $(head -3 "$out/trace-$name.log")" >&2
        rm -f "$out/trace-$name.spans.tmp"
        continue
    fi
    mv "$out/trace-$name.spans.tmp" "$out/trace-$name.spans"
done

# Speedup checks run one lab at a time and never beside each other (the
# grader runs them alone, last); results go to our own folder, not build/grade.
# The labs with speedup points, as the grader reads the rubrics.
for lab in $("$grader" points --root . | awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "speedup") c = i; next } $c > 0 { print $1 }'); do
    [[ -d solutions/$lab ]] || continue
    "$grader" grade --root . --src solutions --lab "$lab" --only speedup \
        --out "$out/$lab" --quiet > "$out/$lab.log" 2>&1
    rc=$?
    [[ $rc -le 1 ]] || echo "slides-measure: grading $lab failed (exit $rc), see $out/$lab.log" >&2
done
echo "slides-measure: $(ls "$out"/trace-*.spans 2>/dev/null | wc -l) traces, $(ls "$out"/*/results.json 2>/dev/null | wc -l) labs graded on $cpus CPUs ($((SECONDS - t0)) s)"
