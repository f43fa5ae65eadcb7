#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# How often does the sched check catch a mutant? (issue 22: "caught in 100
# of 100 grading runs"). For each mutant given (default: the interleaving
# mutants of labs 02-04 listed below; grader/mutate/sched-mutants.py writes
# make mutate's), the reference with the patch applied
# is built once as the sched variant, then graded N times under the
# scheduler as the sched check grades (every sched test of the lab, through
# the grader's door, HARNESS_SCHED=both, 40 schedules, the rubric's params),
# each time from another base seed: run 0 from the default seed (what a
# grade uses), run i from the default seed xor i * 2^64/phi. A run catches
# the mutant when some test fails (the mutant's own test runs first, and
# the first failure ends the run). Prints caught/N per mutant, with the
# tests that caught it and the first base seed that did not.
#
#   grader/scripts/sched-catch-rate.sh [-n N] [-o] [MUTANT.patch...]
#
# -o grades only the mutant's own test (its head's "test = "): cheaper where
# a miss would otherwise run every sched test of the lab N times.
#
# SCHED_CATCH_OUT=DIR puts the builds and logs there (default
# build/sched-catch). Slow (N runs x up to 18 tests, 1-3 s a run on a
# shared 2-CPU machine): not part of make check. docs/sched.md
# has the table. Exit: 0 every mutant caught N of N, 1 not, 2 no build.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
n=100 only_own=
while [[ ${1:-} == -n || ${1:-} == -o ]]; do
    if [[ $1 == -o ]]; then
        only_own=1
        shift
    else
        n=${2:-}
        shift 2
    fi
done
[[ $n =~ ^[0-9]+$ && $n -ge 1 ]] || { echo "usage: $0 [-n N] [-o] [MUTANT.patch...]" >&2; exit 2; }
mutants=("$@")
if ((${#mutants[@]} == 0)); then
    d=grader/tests/mutants
    for m in 02-threads/{pool-if-not-while,pool-worker-if-spurious,future-get-if-spurious,gil-if-not-while,gen-wait-while-to-if,gen-wakeup-deleted,gen-broadcast-to-signal,pool-wait-without-lock,pool-submit-unlocked} \
        03-race-conditions/{bank-lock-argument-order,bank-lock-argument-order-deadlock,bank-self-transfer-deadlock,bank-total-unlocked,bank-trylock-first} \
        04-mutexes-semaphores/{rwlock-one-condvar,rwlock-reader-preference,sema-signal-before-post,sema-if-not-while,sema-if-not-while-wraps,sema-post-unlocked,barrier-no-round,bbuf-close-signal,limiter-if-not-while,philo-circular-order,bbuf-close-unlocked}; do
        mutants+=("$d/$m.patch")
    done
fi

grader=$root/build/bin/grader
make -s --no-print-directory grader >&2 || exit 2
default=0x5eed5eed5eed5eed
status=0
printf '%-48s %9s  %s\n' mutant caught 'by (tests: runs)'
for m in "${mutants[@]}"; do
    lab=$(basename "$(dirname "$m")") name=$(basename "$m" .patch)
    work=${SCHED_CATCH_OUT:-$root/build/sched-catch}/$lab-$name
    rm -rf "$work"
    mkdir -p "$work/tree/$lab" "$work/runs"
    cp -r "solutions/$lab/." "$work/tree/$lab/"
    # The patch names solutions/LAB/FILE; its "; key = value" head is not a diff.
    if ! patch -s -d "$work/tree" -p1 <"$m" >"$work/patch.log" 2>&1; then
        echo "$lab/$name: the patch does not apply" >&2
        status=2
        continue
    fi
    if ! make -s --no-print-directory lab-build LAB="$lab" VARIANT=sched \
        TREE="$work/tree" OUT="$work/out" >"$work/build.log" 2>&1; then
        echo "$lab/$name: the sched build failed ($work/build.log)" >&2
        status=2
        continue
    fi
    bindir=$work/out/$lab/sched/bin
    own=$(sed -n 's/^test *= *//p' "$m" | head -1)
    if [[ -n $only_own && -z $own ]]; then
        echo "$lab/$name: -o, but the mutant names no test" >&2
        status=2
        continue
    fi
    # The lab's sched tests, the mutant's own first: "test<TAB>timeout<TAB>params".
    mapfile -t tests < <("$grader" rubric --root "$root" --lab "$lab" --json |
        jq -r --arg own "$own" --arg only "$only_own" '.labs[] | .factors.sched as $f | .tests
            | map(select(.points.sched > 0)) | sort_by(.name != $own)
            | if $only == "1" then map(select(.name == $own)) else . end | .[]
            | [.name, (.timeout * $f | floor), (.params | join(" "))] | @tsv')
    if ((${#tests[@]} == 0)); then
        echo "$lab/$name: no sched test to grade it on" >&2
        status=2
        continue
    fi
    caught=0 missed=
    declare -A by=()
    for ((i = 0; i < n; i++)); do
        printf -v seed '0x%016x' $((default ^ (i * 0x9e3779b97f4a7c15)))
        hit=
        for t in "${tests[@]}"; do
            IFS=$'\t' read -r test timeout params <<<"$t"
            file=$(grep -lE "cmocka_unit_test[a-z_]*\( *$test *[,)]" labs/"$lab"/tests/test_*.c | head -1)
            args=(--dir "$work/runs/$test" --bindir "$bindir"
                --env HARNESS_SCHED=both --env HARNESS_SCHED_RUNS=40
                --env HARNESS_SCHED_SEED="$seed")
            for p in $params; do args+=(--env "HARNESS_PARAM_$p"); done
            if ! "$grader" exec --root "$root" --timeout "$timeout" "${args[@]}" -- \
                "$bindir/$(basename "$file" .c)" --run "$test" </dev/null >"$work/runs/last.log" 2>&1; then
                hit=$test
                cp "$work/runs/last.log" "$work/runs/$i.log"
                break
            fi
        done
        if [[ -n $hit ]]; then
            caught=$((caught + 1))
            by[$hit]=$((${by[$hit]:-0} + 1))
        elif [[ -z $missed ]]; then
            missed=$seed
        fi
    done
    line=
    for t in "${!by[@]}"; do line+="${line:+, }${t#test_}: ${by[$t]}"; done
    [[ -n $missed ]] && line+="; missed first from base seed $missed" && status=$((status > 1 ? status : 1))
    printf '%-48s %5d/%-3d  %s\n' "$lab/$name" "$caught" "$n" "$line"
    unset by
done
exit "$status"
