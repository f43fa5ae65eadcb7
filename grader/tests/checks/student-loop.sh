#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The student's loop: `make` in a lab folder runs that lab's functional
# tests and rebuilds only what changed; make watch reruns on a change
# (inotify, and the polling fallback); make solution asks first, refuses
# without a terminal, shows a diff with YES=1, and says so clearly in a
# copy without solutions/.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=1
lab=02-threads
objs() { stat -c '%n %.9Y' build/trees/labs/$lab/plain/{student,tests}/*.o build/trees/labs/$lab/plain/bin/*; }

# make in the lab folder: the functional tests of that lab only, exit 1 on
# the skeleton; a second run rebuilds nothing; editing one student file
# recompiles that file alone (the lab's binaries are relinked: each links
# every student file of the lab).
out=$(cd labs/$lab && make 2>&1)
rc=$?
[[ $rc -ne 0 ]] || fail "make in labs/$lab passed on the skeleton"
grep -q 'test_pmap_matches_serial .*functional' <<<"$out" || fail "make in labs/$lab ran no functional test: $out"
grep -Eq ' (tsan|helgrind|memcheck|drd|speedup) ' <<<"$out" && fail "make in labs/$lab ran more than the functional checks"
grep -q 'grading 0[^2]' <<<"$out" && fail "make in labs/$lab graded another lab"
before=$(objs)
(cd labs/$lab && make >/dev/null 2>&1)
[[ $(objs) == "$before" ]] || fail "a second make in labs/$lab rebuilt something"
# The grader stages student files by content (a touch alone changes
# nothing), so edit one: a comment at its end, taken out again below.
cp labs/$lab/gil.c "$tmp/gil.c"
trap 'cp "$tmp/gil.c" "$root/labs/$lab/gil.c"; rm -rf "$tmp"' EXIT
echo '/* edited */' >>labs/$lab/gil.c
t0=$(date +%s.%N)
(cd labs/$lab && make >/dev/null 2>&1)
cp "$tmp/gil.c" labs/$lab/gil.c
t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
changed=$(objs | diff <(echo "$before") - | sed -n 's|^> .*/||p' | awk '$1 ~ /\.o$/ { print $1 }' | paste -sd' ')
[[ $changed == gil.o ]] || fail "after editing gil.c, make recompiled: '${changed}' (want gil.o)"
echo "make in labs/$lab after editing gil.c: ${t} s (rebuilt $changed)"

# make watch: a run, a change, a second run; both ways of waiting.
mkdir -p "$tmp/w"
echo 1 >"$tmp/w/x.c"
for mode in inotify poll; do
    [[ $mode == inotify ]] && ! command -v inotifywait >/dev/null && continue
    log=$tmp/watch-$mode.log
    WATCH=$mode WATCH_PATHS=$tmp/w WATCH_CMD="echo ran" WATCH_MAX_RUNS=2 \
        timeout 30 bash grader/scripts/student-watch.sh 02 >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -qs waiting "$log" && break; sleep 0.1; done
    grep -q waiting "$log" || fail "watch ($mode) did not start: $(cat "$log")"
    echo "$mode" >>"$tmp/w/x.c"
    wait $pid
    rc=$?
    [[ $rc -eq 0 && $(grep -c '^ran$' "$log") -eq 2 ]] ||
        fail "watch ($mode) did not rerun on a change (exit $rc): $(cat "$log")"
    case $mode in
    inotify) grep -q 'inotify notifications' "$log" || fail "watch does not say it uses inotify" ;;
    poll) grep -q 'polling mtimes every second' "$log" || fail "watch does not say it polls" ;;
    esac
done
WATCH_PATHS=$tmp/w WATCH_CMD=true WATCH_MAX_RUNS=1 bash grader/scripts/student-watch.sh 02 |
    grep -Eq 'inotify notifications|polling' || fail "watch does not say how it waits"

# make solution: one task at a time. Without TASK it lists the tasks and
# shows nothing; it refuses without a terminal; with YES=1 it shows that
# task's files, and no other task's.
out=$(make -s --no-print-directory solution LAB=02 YES=1 </dev/null 2>&1) &&
    fail "make solution without TASK showed something"
grep -q 'TASK=2' <<<"$out" || fail "make solution without TASK does not list the tasks: $out"
grep -q '^+++ reference' <<<"$out" && fail "make solution without TASK showed a diff"
out=$(make -s --no-print-directory solution LAB=02 TASK=2 </dev/null 2>&1) &&
    fail "make solution without a terminal showed the solution"
grep -q 'no terminal to ask on' <<<"$out" || fail "make solution's refusal does not say why: $out"
grep -q '^+++ reference' <<<"$out" && fail "make solution showed a diff while refusing"
if [[ -d solutions/$lab ]]; then
    out=$(make -s --no-print-directory solution LAB=02 TASK=2 YES=1 </dev/null 2>&1) ||
        fail "make solution TASK=2 YES=1 exited $?: $out"
    grep -q "^+++ reference: solutions/$lab/pool.c" <<<"$out" || fail "make solution TASK=2 shows no diff of pool.c"
    for f in pmap.c gil.c; do
        grep -q "solutions/$lab/$f" <<<"$out" && fail "make solution TASK=2 shows $f, another task's answer"
    done
fi
# A student copy (no solutions/): it says so and shows nothing.
mkdir -p "$tmp/copy/grader/scripts" "$tmp/copy/labs"
cp grader/scripts/student-*.sh "$tmp/copy/grader/scripts/"
cp -r labs/$lab "$tmp/copy/labs/"
out=$(YES=1 bash "$tmp/copy/grader/scripts/student-solution.sh" 02 2 2>&1) &&
    fail "make solution in a copy without solutions/ succeeded"
grep -q 'no reference solutions in this copy' <<<"$out" || fail "make solution in a student copy says: $out"
echo "student loop: make, watch ($(command -v inotifywait >/dev/null && echo inotify and poll || echo poll)) and solution passed"
