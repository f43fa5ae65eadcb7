#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The slides' timelines are the harness's spans files drawn by the grader's
# renderer: the three tracers build against harness/ alone (no copy of the
# format), write spans files the grader parses, with the lanes each diagram
# is about, and `grader trace` draws them, a compared pair on one axis and
# a note under it. A file that is not a spans file is refused (exit 2).
set -u
cd "$(dirname "$0")/../../.." || exit 1
fail() { echo "$*"; exit 1; }
tmp=$(mktemp -d /tmp/slides-timelines.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tools=$PWD/build/slides/tools
make -s grader "$tools/trace_gil" "$tools/trace_green" "$tools/trace_procs" >"$tmp/build.log" 2>&1 ||
    fail "the tracers do not build: $(tail -20 "$tmp/build.log")"
[[ ! -e slides/tools/spans.h ]] || fail "slides/tools/spans.h is back: the slides read the harness's format"

# name: the tracer's command, then the lanes wanted ("kind count").
while read -r name want cmd; do
    spans=$tmp/$name.spans
    $tools/$cmd "$spans" >"$tmp/$name.log" 2>&1 || fail "$cmd failed: $(cat "$tmp/$name.log")"
    [[ $(head -1 "$spans") == "$(sed -n 's/^#define HARNESS_TRACE_VERSION "\(.*\)"$/\1/p' harness/protocol.h)" ]] ||
        fail "$name: not a spans file of the harness's version: $(head -1 "$spans")"
    got=$(awk '$1 == "span" { used[$2] = 1 } $1 == "lane" { kind[$2] = $3 }
        END { for (l in used) k[kind[l]]++; for (x in k) printf "%s:%d\n", x, k[x] }' "$spans")
    [[ $got == "$want" ]] || fail "$name: lanes with spans $got, want $want"
    build/bin/grader trace "$spans" "$tmp/$name.svg" --note "note of $name" ||
        fail "grader trace $name exited $?"
    xmllint --noout "$tmp/$name.svg" || fail "$name: the SVG is not well-formed"
    grep -q "note of $name" "$tmp/$name.svg" || fail "$name: the note is not in the SVG"
done <<'LIST'
cpu-gil thread:2 trace_gil cpu-gil
cpu-free thread:2 trace_gil cpu-free
io-gil thread:3 trace_gil io-gil
green coroutine:3 trace_green
procs process:2 trace_procs
LIST
# The pair drawn to compare: an axis as long as the longer run.
last_tick() { grep -o 'text-anchor="middle">[0-9.]\+<' "$1" | tail -1 | tr -dc '0-9.'; }
build/bin/grader trace "$tmp/cpu-free.spans" "$tmp/free-alone.svg" || fail "grader trace cpu-free"
build/bin/grader trace "$tmp/cpu-free.spans" "$tmp/free-axis.svg" --axis-of "$tmp/cpu-gil.spans" ||
    fail "grader trace --axis-of exited $?"
gil_ms=$(awk '$1 == "span" { if (!lo || $3 < lo) lo = $3; if ($4 > hi) hi = $4 } END { print (hi - lo) / 1e6 }' "$tmp/cpu-gil.spans")
awk -v t="$(last_tick "$tmp/free-axis.svg")" -v g="$gil_ms" -v a="$(last_tick "$tmp/free-alone.svg")" \
    'BEGIN { exit !(t + 0 >= a + 0 && t * 1.25 >= g) }' ||
    fail "--axis-of: cpu-free's axis ends at $(last_tick "$tmp/free-axis.svg") ms, the GIL run took $gil_ms ms"
printf 'not a trace\n' >"$tmp/bad.spans"
build/bin/grader trace "$tmp/bad.spans" "$tmp/bad.svg" 2>/dev/null
[[ $? -eq 2 ]] || fail "grader trace accepted a file that is not a spans file"
echo "slides timelines: 5 harness spans files from the tracers, drawn by grader trace (one axis for the compared pair)"
