#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make explore PROG=path/to/prog.c [SCHEDULES=N] [SEED=S]
#  [STRATEGY=both|pct|random] [HORIZON=K] [ARGS='...']`: a standalone C
# program that uses pthreads and assert() under the controlled scheduler
# (docs/sched.md). Builds it as the sched variant (its synchronization calls
# renamed to harness/scheduler.c, its main called by harness/explore/
# driver.c), runs it through the grader's one door (`grader exec`: sandbox,
# limits) under N schedules, and replays the first that failed: its
# output, its trace (thread, operation, file:line) and its timeline
# (Chrome trace-event JSON, for ui.perfetto.dev) in build/explore/<name>/run/.
#
# Exit: the program's (0 every schedule passed, 1 some failed, 124 timed
# out); 2 bad arguments or the build failed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
usage() {
    echo "usage: make explore PROG=path/to/prog.c [SCHEDULES=N] [SEED=S] [STRATEGY=both|pct|random] [HORIZON=K] [ARGS='...']" >&2
    exit 2
}
prog=${PROG:-} runs=${SCHEDULES:-100} strategy=${STRATEGY:-both}
[[ -n $prog && $prog == *.c ]] || usage
[[ -f $prog ]] || { echo "explore: PROG=$prog: no such file" >&2; exit 2; }
[[ $runs =~ ^[0-9]+$ && $runs -ge 1 ]] || usage
[[ $strategy =~ ^(both|pct|random)$ ]] || usage
[[ -z ${HORIZON:-} || $HORIZON =~ ^[0-9]+$ ]] || usage
src=$(cd "$(dirname "$prog")" && pwd)/$(basename "$prog")
name=$(basename "$src" .c)-$(printf '%s' "$src" | cksum | cut -d' ' -f1)
out=$root/build/explore/$name

make -s --no-print-directory -C "$root" grader >&2 || { echo "explore: cannot build the grader" >&2; exit 2; }
make -s --no-print-directory -C "$root" explore-build VARIANT=sched \
    PROG="$src" EXPLORE_OUT="$out/bin" >&2 || { echo "explore: $prog does not build" >&2; exit 2; }

run=$out/run trace=$out/run/sched.trace timeline=$out/run/sched.json
rm -rf "$run"
args=(--dir "$run" --bindir "$out/bin"
    --env HARNESS_SCHED="$strategy" --env HARNESS_SCHED_RUNS="$runs"
    --env HARNESS_SCHED_TRACE="$trace" --env HARNESS_SCHED_TIMELINE="$timeline")
[[ -n ${SEED:-} ]] && args+=(--env HARNESS_SCHED_SEED="$SEED")
[[ -n ${HORIZON:-} ]] && args+=(--env HARNESS_SCHED_HORIZON="$HORIZON")
# ARGS is split into words on purpose: the program's arguments.
# shellcheck disable=SC2086
"$root/build/bin/grader" exec --root "$root" --timeout $((60 + runs / 2)) \
    "${args[@]}" -- "$out/bin/prog" ${ARGS:-} </dev/null | tee "$out/run.log"
rc=${PIPESTATUS[0]}

# The run folder is the program's: read back only regular files.
[[ -f $trace && ! -L $trace ]] && echo "explore: the whole trace: $trace"
[[ -f $timeline && ! -L $timeline ]] &&
    echo "explore: the timeline: $timeline (open it in https://ui.perfetto.dev)"
line=$(grep -o '^explore: failed [0-9]* of [0-9]* schedules, first at seed 0x[0-9a-f]* (schedule [0-9]*, [a-z]*, horizon [0-9]*)' "$out/run.log")
if [[ -n $line ]]; then
    seed=$(grep -o '0x[0-9a-f]*' <<<"$line")
    strat=$(sed 's/.*(schedule [0-9]*, \([a-z]*\), .*/\1/' <<<"$line")
    horizon=$(sed 's/.*horizon \([0-9]*\))$/\1/' <<<"$line")
    echo "explore: replay this schedule alone: make explore PROG=$prog SCHEDULES=1 SEED=$seed STRATEGY=$strat HORIZON=$horizon${ARGS:+ ARGS='$ARGS'}"
fi
exit "$rc"
