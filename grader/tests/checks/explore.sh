#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make explore (docs/sched.md) on the classic programs of grader/tests/explore/:
#   - each buggy one (a lost update, a lock-order deadlock, a missed signal,
#     `if` for `while`; a semaphore, an rwlock and a barrier misused, which
#     are under the scheduler too; a flag published before its data, which
#     a reader polls with C11 atomics; a timed lock whose timeout is
#     ignored, beside spin locks and timed rwlock calls) fails some of 40
#     schedules, with a seed, the symptom named (the assertion, the wait-for cycle, the lost wake-up) and the
#     command that replays it;
#   - that command replays the same schedule: the same trace, step for step,
#     and the same timeline;
#   - each fixed twin passes all 40 (atomic-flag's readers spin on an atomic
#     load: they end only because it is a point where the writer may run).
set -u
cd "$(dirname "$0")/../../.."
fail() { echo "$*"; exit 1; }
dir=grader/tests/explore
work=$PWD/build/check/explore
rm -rf "$work"
mkdir -p "$work"

# explore NAME LOG [K=V...]: make explore's script on $dir/NAME.c; its exit
# status returned, its output in LOG.
explore() {
    local name=$1 log=$2
    shift 2
    env PROG=$dir/$name.c "$@" bash grader/scripts/explore.sh >"$log" 2>&1 </dev/null
}

# The symptom each bug must be named by.
declare -A symptom=(
    [lost-update]="lost-update.c:[0-9]*: main: Assertion \`counter == 2 \* ROUNDS' failed"
    [abba]="^  thread [12] -> mutex [12] -> thread [12] -> mutex [12] -> thread [12]: the wait-for cycle"
    [missed-signal]="thread 0 (main): sleeps on condition .* nobody is left to signal it, at missed-signal.c:[0-9]* (main)"
    [if-not-while]="if-not-while.c:[0-9]*: consumer: Assertion \`items >= 0' failed"
    [sem-mutex]="sem-mutex.c:[0-9]*: worker: Assertion \`inside == 1' failed"
    [rwlock-reader-writes]="rwlock-reader-writes.c:[0-9]*: reader: Assertion \`a == b' failed"
    [barrier-count]="thread [12]: waits at barrier 1 (2 of 3 arrived), at barrier-count.c:[0-9]* (worker)"
    [timed-lock]="timed-lock.c:[0-9]*: worker: Assertion \`inside == 1' failed"
    [atomic-flag]="atomic-flag.c:[0-9]*: reader: Assertion \`atomic_load_explicit(&data, memory_order_relaxed) == 42' failed"
)
found=()
for bug in lost-update abba missed-signal if-not-while sem-mutex rwlock-reader-writes \
    barrier-count atomic-flag timed-lock; do
    log=$work/$bug.log
    explore $bug "$log" SCHEDULES=40 && fail "$bug passed 40 schedules:"$'\n'"$(cat "$log")"
    line=$(grep -o '^explore: failed [0-9]* of 40 schedules, first at seed 0x[0-9a-f]*' "$log") ||
        fail "$bug: no 'failed K of 40, first at seed':"$'\n'"$(cat "$log")"
    grep -q "${symptom[$bug]}" "$log" || fail "$bug: the symptom is not named:"$'\n'"$(cat "$log")"
    grep -q '^ *[0-9]*  t[0-9]* *[a-z-]* .* '"$bug"'\.c:[0-9]* ([a-z_]*)$' "$log" ||
        fail "$bug: no trace step names $bug.c:line (function):"$'\n'"$(cat "$log")"
    replay=$(grep -o "^explore: replay this schedule alone: make explore .*" "$log" | sed 's/.*make explore //') ||
        fail "$bug: no replay command:"$'\n'"$(cat "$log")"
    out=$(grep -o '^explore: the whole trace: .*/sched.trace$' "$log" | sed 's/^explore: the whole trace: //')
    out=${out%/sched.trace}
    cp "$out/sched.trace" "$work/$bug.trace" && cp "$out/sched.json" "$work/$bug.json" ||
        fail "$bug: no trace or timeline in $out"
    # The command as printed: its words are PROG=... SCHEDULES=1 SEED=...
    # STRATEGY=... HORIZON=...
    # shellcheck disable=SC2086
    explore $bug "$work/$bug-replay.log" $replay &&
        fail "$bug: the replay ($replay) passed:"$'\n'"$(cat "$work/$bug-replay.log")"
    cmp -s "$work/$bug.trace" "$out/sched.trace" ||
        fail "$bug: the replay took another schedule:"$'\n'"$(diff "$work/$bug.trace" "$out/sched.trace" | head)"
    cmp -s "$work/$bug.json" "$out/sched.json" || fail "$bug: the replay drew another timeline"
    steps=$(grep -c '^ *[0-9]*  t[0-9]' "$work/$bug.trace")
    slices=$(grep -c '"ph": "X"' "$work/$bug.json")
    [[ $steps -gt 0 && $steps -eq $slices ]] ||
        fail "$bug: $steps steps in the trace, $slices slices in the timeline"
    found+=("$bug ${line#explore: failed }")
done

for twin in lost-update-fixed abba-fixed missed-signal-fixed if-not-while-fixed \
    sem-mutex-fixed rwlock-reader-writes-fixed barrier-count-fixed atomic-flag-fixed \
    timed-lock-fixed; do
    explore $twin "$work/$twin.log" SCHEDULES=40 ||
        fail "$twin failed a schedule:"$'\n'"$(cat "$work/$twin.log")"
    grep -q '^explore: passed 40 of 40 schedules' "$work/$twin.log" ||
        fail "$twin: no 'passed 40 of 40':"$'\n'"$(cat "$work/$twin.log")"
done
printf 'explore: %s; replayed exactly; the 9 twins passed 40 of 40\n' "$(IFS=';'; echo "${found[*]}")"
