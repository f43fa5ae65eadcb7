#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The controlled scheduler (docs/sched.md) on lab 04, in its sched build:
#   - same seed, same binary: the same schedule, trace for trace (run twice
#     through the grader's door), and another seed gives another one;
#   - the reference solution passes every schedule it is given;
#   - a mutant that chaos mode catches only sometimes (sema-if-not-while)
#     fails, and its first failing seed, replayed, fails again with the
#     same trace and the same timeline (Chrome trace-event JSON, valid);
#   - a lost wake-up (bbuf-close-signal) is named as a deadlock with its
#     wait-for picture at once, not left to a timeout.
set -u
cd "$(dirname "$0")/../../.."
fail() { echo "$*"; exit 1; }
make -s grader >/dev/null || fail "the grader does not build"

lab=04-mutexes-semaphores
work=$PWD/build/check/sched
rm -rf "$work"
mkdir -p "$work"

# build NAME [MUTANT]: the sched build of the solutions, maybe with a
# mutant's patch applied; its bin folder is $work/NAME/$lab/sched/bin.
build() {
    local name=$1 mutant=${2:-} tree=$work/src-$1
    mkdir -p "$tree/$lab"
    cp solutions/$lab/*.c "$tree/$lab/"
    # As the grader applies a mutant (mutant.c run_patch): exact context.
    [[ -z $mutant ]] || patch --batch --forward --fuzz=0 --no-backup-if-mismatch \
        --reject-file=- -s -p1 -d "$tree" -i "$PWD/grader/tests/mutants/$lab/$mutant.patch" ||
        fail "the mutant $mutant does not apply"
    make -s lab-build LAB=$lab VARIANT=sched TREE="$tree" OUT="$work/$name" \
        >"$work/build-$name.log" 2>&1 ||
        fail "the sched build of $name does not build:"$'\n'"$(tail -20 "$work/build-$name.log")"
}

# run NAME BIN TEST RUNDIR [K=V...]: one run through the grader's door;
# its output in RUNDIR.log, its exit status returned.
run() {
    local name=$1 bin=$2 test=$3 dir=$4 args=() e
    shift 4
    for e; do args+=(--env "$e"); done
    build/bin/grader exec --root . --timeout 60 --dir "$dir" \
        --bindir "$work/$name/$lab/sched/bin" "${args[@]}" \
        -- "$work/$name/$lab/sched/bin/$bin" --run "$test" >"$dir.log" 2>&1 </dev/null
}

build sol
build ifwhile sema-if-not-while
build closesig bbuf-close-signal

# 1. Determinism: a random walk (it switches threads most) of a test with
# eight threads, twice with one seed, once with another.
t=test_bbuf_many_producers_consumers
for i in 1 2 3; do
    seed=0x1234abcd
    [[ $i -eq 3 ]] && seed=0x99
    run sol test_bbuf $t "$work/det$i" HARNESS_SCHED=random \
        HARNESS_SCHED_SEED=$seed HARNESS_SCHED_TRACE="$work/det$i/trace" ||
        fail "$t (seed $seed) failed on the reference solution:"$'\n'"$(cat "$work/det$i.log")"
    [[ -f $work/det$i/trace && ! -L $work/det$i/trace ]] ||
        fail "$t: no trace written"$'\n'"$(cat "$work/det$i.log")"
done
steps=$(grep -c '^ *[0-9]* *t[0-9]' "$work/det1/trace")
threads=$(grep -o '^ *[0-9]* *t[0-9]*' "$work/det1/trace" | awk '{print $2}' | sort -u | wc -l)
[[ $steps -ge 100 && $threads -ge 5 ]] ||
    fail "$t: the trace holds $steps steps of $threads threads, want 100+ of 5+"
cmp -s "$work/det1/trace" "$work/det2/trace" ||
    fail "$t: one seed, two schedules:"$'\n'"$(diff "$work/det1/trace" "$work/det2/trace" | head -20)"
! cmp -s "$work/det1/trace" "$work/det3/trace" ||
    fail "$t: seeds 0x1234abcd and 0x99 gave the same schedule"
grep -q 'bbuf.c:[0-9]* (bbuf_' "$work/det1/trace" ||
    fail "$t: the trace does not name the student's file:line"$'\n'"$(head "$work/det1/trace")"

# 2. The reference passes every schedule, both strategies.
for s in pct random; do
    run sol test_sema test_sema_bounds_holders "$work/ref-$s" \
        HARNESS_SCHED=$s HARNESS_SCHED_RUNS=30 ||
        fail "the reference failed a schedule ($s):"$'\n'"$(cat "$work/ref-$s.log")"
    grep -q "^sched: passed 30 of 30 schedules" "$work/ref-$s.log" ||
        fail "no 'passed 30 of 30' ($s):"$'\n'"$(cat "$work/ref-$s.log")"
done

# 3. The mutant fails, and its first failing seed replays exactly.
run ifwhile test_sema test_sema_bounds_holders "$work/mut" \
    HARNESS_SCHED=random HARNESS_SCHED_RUNS=30 &&
    fail "sema-if-not-while passed 30 schedules:"$'\n'"$(cat "$work/mut.log")"
# "of 30", or fewer: once a schedule has failed, exploration stops after
# 2 s (harness/main.c), which 20 schedules took on a machine at load 200.
seed=$(grep -o '^sched: failed [0-9]* of [0-9]* schedules; first at seed 0x[0-9a-f]*' \
    "$work/mut.log" | grep -o '0x[0-9a-f]*$')
[[ -n $seed ]] || fail "sema-if-not-while: no 'failed K of N; first at seed':"$'\n'"$(cat "$work/mut.log")"
grep -q "^sched: replay with: HARNESS_SCHED=random HARNESS_SCHED_SEED=$seed " "$work/mut.log" ||
    fail "sema-if-not-while: no replay command:"$'\n'"$(cat "$work/mut.log")"
for i in 1 2; do
    run ifwhile test_sema test_sema_bounds_holders "$work/replay$i" \
        HARNESS_SCHED=random HARNESS_SCHED_SEED=$seed \
        HARNESS_SCHED_TRACE="$work/replay$i/trace" \
        HARNESS_SCHED_TIMELINE="$work/replay$i/timeline.json" &&
        fail "sema-if-not-while: seed $seed passed on replay $i"
done
cmp -s "$work/replay1/trace" "$work/replay2/trace" ||
    fail "sema-if-not-while: seed $seed replayed two ways"
cmp -s "$work/replay1/timeline.json" "$work/replay2/timeline.json" ||
    fail "sema-if-not-while: seed $seed drew two timelines"
slices=$(python3 -c 'import json, sys; print(sum(e["ph"] == "X" for e in json.load(open(sys.argv[1]))["traceEvents"]))' \
    "$work/replay1/timeline.json") || fail "sema-if-not-while: the timeline is not JSON"
[[ $slices -eq $(grep -c '^ *[0-9]*  t[0-9]' "$work/replay1/trace") ]] ||
    fail "sema-if-not-while: $slices slices in the timeline, not one a step of the trace"
grep -q "permits" "$work/replay1.log" ||
    fail "sema-if-not-while: the replay does not fail the test's assertion:"$'\n'"$(cat "$work/replay1.log")"

# 4. A lost wake-up is a deadlock, named at once.
SECONDS=0
run closesig test_bbuf test_bbuf_close_wakes_all_getters "$work/lost" &&
    fail "bbuf-close-signal passed:"$'\n'"$(cat "$work/lost.log")"
[[ $SECONDS -lt 10 ]] || fail "bbuf-close-signal took $SECONDS s: a timeout, not a deadlock report"
grep -q "^sched: deadlock at step" "$work/lost.log" &&
    grep -q "sleeps on condition .* nobody is left to signal it, at bbuf.c:[0-9]* (bbuf_get)" "$work/lost.log" &&
    grep -q "waits to join thread" "$work/lost.log" ||
    fail "bbuf-close-signal: no wait-for picture:"$'\n'"$(cat "$work/lost.log")"
echo "sched: one seed one schedule ($steps steps); reference 2 x 30 schedules passed; mutant failed, seed $seed replayed; lost wake-up named"
