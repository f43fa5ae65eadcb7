#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make sched LAB=NN TEST=NAME [SRC=labs|solutions|DIR] [RUNS=N] [SEED=S]
#  [STRATEGY=pct|random[-quiet]] [TRACE=1]`: one test of a lab under the
# controlled scheduler (docs/sched.md). Builds the lab's sched variant
# (the synchronization calls of the student's and the test's objects
# renamed to harness/scheduler.c) and runs the test through the grader's
# one door, `grader exec`, with the rubric's params: RUNS schedules from
# SEED, then the first failing one replayed as the verdict. TRACE=1
# writes every step of the schedule replayed to
# build/sched/<tree>/runs/<test>/sched.trace, and its timeline (Chrome
# trace-event JSON, for ui.perfetto.dev) beside it, sched.json.
#
# Exit: the test's (0 passed every schedule, 1 some failed, 124 timed
# out); 2 bad arguments or the build failed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/grader/scripts/student-lib.sh"
usage() {
    echo "usage: make sched LAB=NN TEST=NAME [SRC=labs|solutions|DIR] [RUNS=N] [SEED=S] [STRATEGY=pct|random[-quiet]] [TRACE=1]" >&2
    exit 2
}
arg=${LAB:-} test=${TEST:-} src=${SRC:-labs} runs=${RUNS:-100}
[[ -n $arg && -n $test ]] || usage
[[ $runs =~ ^[0-9]+$ && $runs -ge 1 ]] || usage
[[ ${STRATEGY:-pct} =~ ^(pct|random)(-quiet)?$ ]] || usage
lab=$(student_lab "$arg") || { echo "sched: LAB=$arg: no such lab (try 04)" >&2; exit 2; }

case $src in
labs | solutions) tree=$root/$src tag=$src ;;
*)
    tree=$(cd "$src" 2>/dev/null && pwd) || { echo "sched: SRC=$src: no such directory" >&2; exit 2; }
    [[ -d $tree/labs ]] && tree=$tree/labs
    tag=sub-$(basename "$(dirname "$tree/x")")-$(printf '%s' "$tree" | cksum | cut -d' ' -f1)
    ;;
esac
[[ -d $tree/$lab ]] || { echo "sched: $tree has no $lab" >&2; exit 2; }

# The test's binary: the test file that lists it (read, never run: a
# binary's --list would run the submission's constructors outside the door).
file=$(grep -lE "cmocka_unit_test[a-z_]*\( *$test *[,)]" "$root/labs/$lab/tests/"test_*.c | head -1)
[[ -n $file ]] || { echo "sched: $lab has no test named $test" >&2; exit 2; }
bin=$(basename "$file" .c)
params=$(student_rubric "$lab" | awk -F'\t' -v t="$test" '$1 == t { print $7 }')

out=$root/build/sched/$tag
mkdir -p "$out/runs"
make -s --no-print-directory -C "$root" grader >&2 || { echo "sched: cannot build the grader" >&2; exit 2; }
make -s --no-print-directory -C "$root" lab-build LAB="$lab" VARIANT=sched \
    TREE="$tree" OUT="$out" >&2 || { echo "sched: the sched build failed" >&2; exit 2; }

bindir=$out/$lab/sched/bin
args=(--dir "$out/runs/$test" --bindir "$bindir"
    --env HARNESS_SCHED="${STRATEGY:-pct}" --env HARNESS_SCHED_RUNS="$runs")
[[ -n ${SEED:-} ]] && args+=(--env HARNESS_SCHED_SEED="$SEED")
# The whole trace goes to a file in the run folder: the door keeps only
# 64 KiB of output, and a schedule can be longer.
trace=$out/runs/$test/sched.trace timeline=$out/runs/$test/sched.json
rm -f "$trace" "$timeline"
[[ -n ${TRACE:-} && $TRACE != 0 ]] &&
    args+=(--env HARNESS_SCHED_TRACE="$trace" --env HARNESS_SCHED_TIMELINE="$timeline")
for p in $params; do args+=(--env "HARNESS_PARAM_$p"); done
"$root/build/bin/grader" exec --root "$root" --timeout $((60 + runs / 2)) \
    "${args[@]}" -- "$bindir/$bin" --run "$test" </dev/null | tee "$out/runs/$test.log"
rc=${PIPESTATUS[0]}
# The run folder is the test's: name only regular files.
[[ -f $trace && ! -L $trace ]] && echo "trace of the schedule replayed: $trace"
[[ -f $timeline && ! -L $timeline ]] &&
    echo "its timeline: $timeline (open it in https://ui.perfetto.dev)"
seed=$(grep -o '^sched: failed [0-9]* of [0-9]* schedules; first at seed 0x[0-9a-f]*' \
    "$out/runs/$test.log" | grep -o '0x[0-9a-f]*$')
[[ -n $seed ]] && echo "again, this schedule only: make sched LAB=$arg TEST=$test$([[ $src != labs ]] && echo " SRC=$src") STRATEGY=${STRATEGY:-pct} RUNS=1 SEED=$seed TRACE=1"
exit "$rc"
