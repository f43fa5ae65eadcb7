#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make check`: the repository's own tests. For every lab: the reference
# solutions score full marks on every check, the skeleton compiles and
# scores 0, and every mutant (a patch against the reference) still applies
# and is caught by the check it declares; every wheat (a correct, unusual
# design) scores full marks: checks/wheats.sh. Also the grader's and
# harness's unit tests, and formatting. Ends with the line
# "N passed, N failed". Usage: check.sh [LAB...] (default: every lab).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
grader=build/bin/grader
out=build/check
mkdir -p "$out"
passed=0 failed=0 failures=()
t_start=$SECONDS

ok() { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
bad() {
    failed=$((failed + 1)); failures+=("$1")
    printf '  FAIL  %s\n' "$1"
    [[ -n ${2:-} ]] && printf '%s\n' "$2" | sed 's/^/        /' | head -40
}

echo "== unit tests"
for t in build/unit/test_*; do
    [[ -x $t && $t != *.d ]] || continue
    if log=$("$t" 2>&1); then ok "unit: $(basename "$t")"; else bad "unit: $(basename "$t")" "$log"; fi
done

echo "== static checks"
files=$(git ls-files '*.c' '*.h' 2>/dev/null)
if log=$(clang-format --dry-run -Werror $files 2>&1); then
    ok "clang-format: $(echo "$files" | wc -l) files clean"
else
    bad "clang-format (run: make format)" "$(echo "$log" | grep -m 10 'error:')"
fi
if log=$(grep -rn 'TODO(lab' solutions/ 2>/dev/null); then
    bad "solutions/ hold no TODO(lab...) marks" "$log"
else
    ok "solutions/ hold no TODO(lab...) marks"
fi

# A mutant is a patch against the reference (docs/writing-a-lab.md): a
# whole-file copy left beside them would drift from the reference unseen.
if log=$(git ls-files grader/tests/mutants | grep -v '^grader/tests/mutants/[0-9][0-9]-[^/]*/[^/]*\.patch$'); then
    bad "grader/tests/mutants holds only NN-topic/NAME.patch files" "$log"
else
    ok "grader/tests/mutants holds only NN-topic/NAME.patch files"
fi

labs=("$@")
if [[ ${#labs[@]} -eq 0 ]]; then
    mapfile -t labs < <(build/bin/grader labs --root . --tsv | tail -n +2 | cut -f1)
fi

# One grading run; prints "score max build_failures" from its results.json.
summary() {
    jq -r '[([.tests[].score] | add // 0), ([.tests[].max_score] | add // 0),
            ([.tests[] | select(.tags | index("result:build"))] | length)]
           | map(tostring) | join(" ")' "$1/results.json" 2>/dev/null
}

# Every check that did not pass says "inconclusive" (a busy machine)?
only_inconclusive() {
    jq -e '[.tests[] | select(.status != "passed")] | length > 0 and
           all(.tags | index("result:inconclusive"))' "$1/results.json" >/dev/null 2>&1
}

mutants_total=0 mutants_caught=0
# Grade mutant $1; write "rc seconds" and the grader's output to $2.
grade_mutant() {
    local t0=$SECONDS log rc try
    # A speedup check that came out inconclusive (machine busy) has not
    # judged the mutant: grade it again, at most three times in all.
    for try in 1 2 3; do
        log=$("$grader" grade --root . --mutant "$1" 2>&1)
        rc=$?
        [[ $rc -eq 1 ]] && grep -q ' inconclusive ' <<<"$log" || break
    done
    printf '%s %s\n%s\n' "$rc" "$((SECONDS - t0))" "$log" >"$2"
}

for lab in "${labs[@]}"; do
    echo "== $lab"
    t0=$SECONDS
    dir=$out/$lab-solutions
    log=$("$grader" grade --root . --src solutions --lab "$lab" --out "$dir" --quiet 2>&1)
    rc=$?
    read -r score max builds <<<"$(summary "$dir")"
    # "inconclusive: machine busy" is not a verdict: when it is the only
    # shortfall, measure the speedups again (alone), at most twice.
    again=""
    for try in 1 2; do
        [[ $rc -eq 1 ]] && only_inconclusive "$dir" || break
        again=" after $try speedup rerun(s): the machine was busy"
        "$grader" grade --root . --src solutions --lab "$lab" --only speedup \
            --out "$dir-speedup" --quiet >/dev/null 2>&1 && rc=0 && score=$max
    done
    if [[ $rc -eq 0 && -n $max && $score == "$max" && $max -gt 0 ]]; then
        ok "$lab: solutions score $score/$max ($((SECONDS - t0)) s$again)"
    else
        bad "$lab: solutions score ${score:-?}/${max:-?} (exit $rc)" "$(echo "$log" | grep -v ' passed ' | head -60)"
    fi

    t0=$SECONDS
    dir=$out/$lab-skeleton
    log=$("$grader" grade --root . --src labs --lab "$lab" --out "$dir" --quiet 2>&1)
    rc=$?
    read -r score max builds <<<"$(summary "$dir")"
    if [[ $rc -eq 1 && $score == 0 && $builds == 0 ]]; then
        ok "$lab: skeleton compiles and scores 0/$max ($((SECONDS - t0)) s)"
    else
        bad "$lab: skeleton scores ${score:-?}/${max:-?}, build failures ${builds:-?} (exit $rc)" "$(echo "$log" | head -40)"
    fi

    # Mutants two at a time (each grades in a tree and run folder of its
    # own, its tests under uids of its own grader) when a tool judges them:
    # a race report or a leak does not depend on the machine's load. Those
    # judged by the test itself run alone, after: a lost update needs two
    # CPUs at once, a spin must get a CPU to be seen spinning, a speedup
    # must have the machine.
    mdir=$(mktemp -d)
    timed=()
    for m in grader/tests/mutants/"$lab"/*.patch; do
        [[ -f $m ]] || continue
        if grep -qE '^check *= *(speedup|functional)' "$m"; then
            timed+=("$m")
            continue
        fi
        while (($(jobs -rp | wc -l) >= 2)); do wait -n; done
        grade_mutant "$m" "$mdir/$(basename "$m")" &
    done
    wait
    for m in "${timed[@]}"; do
        grade_mutant "$m" "$mdir/$(basename "$m")"
    done
    for m in grader/tests/mutants/"$lab"/*.patch; do
        [[ -f $m ]] || continue
        mutants_total=$((mutants_total + 1))
        name=$(basename "$m" .patch)
        { read -r rc took && log=$(cat); } <"$mdir/$(basename "$m")" ||
            rc=2 took=? log="(no result: the grading of this mutant died)"
        [[ $rc -eq 0 ]] && mutants_caught=$((mutants_caught + 1))
        # Exit 2: not graded (a patch that no longer applies, a mutant
        # that does not build), which is a failure too, never a survival.
        if [[ $rc -eq 2 ]]; then
            bad "$lab/$name: could not be graded" "$log"
        elif [[ $rc -ne 0 ]]; then
            bad "$lab/$name: not caught" "$log"
        else
            ok "$lab/$name: $(echo "$log" | grep -m1 '^mutant ' | sed 's/^mutant [^:]*: //' | cut -c1-110) ($took s)"
        fi
    done
    rm -rf "$mdir"
done

# Feature checks: each grader/tests/checks/NAME.sh is one item, passed
# when it exits 0 (its output is shown when it fails). They run after the
# labs, so they may use what the labs built.
#
# The longest run beside the others: corpus-configurations (about 4
# minutes) works in copies of its own, student-coverage (4 minutes) in
# build/coverage/, old-glibc (under 2) in a root of its own and grades
# functional checks only. The checks whose verdicts measure time (speedups) wait
# until both are done, so fork bombs and fault runs cannot make them
# inconclusive. On a clean clone this keeps make check under 15 minutes
# (it took 939 s with the corpus configurations alone aside).
# The class graded serially and in shards must agree cell for cell: a test
# that times out in one run under the aside checks' load and not in the
# other would make them differ, so instructor-grade-class-shards is quiet.
aside=" corpus-configurations student-coverage old-glibc "
quiet=" instructor-classroom instructor-grade-class instructor-grade-class-shards instructor-grade-class-deadline student-loop trace wheats "
feature() { # name
    local t0=$SECONDS log
    if log=$(bash "grader/tests/checks/$1.sh" 2>&1); then
        ok "$1 ($((SECONDS - t0)) s)"
    else
        bad "$1" "$log"
    fi
}
if [[ $# -eq 0 ]]; then
    echo "== feature checks"
    aside_dir=$(mktemp -d)
    for name in $aside; do
        [[ -f grader/tests/checks/$name.sh ]] || continue
        (
            t0=$SECONDS
            bash "grader/tests/checks/$name.sh" >"$aside_dir/$name.log" 2>&1
            echo "$? $((SECONDS - t0))" >"$aside_dir/$name.rc"
        ) &
    done
    for c in grader/tests/checks/*.sh; do
        name=$(basename "$c" .sh)
        [[ $aside != *" $name "* && $quiet != *" $name "* ]] || continue
        feature "$name"
    done
    wait
    for name in $aside; do
        [[ -f grader/tests/checks/$name.sh ]] || continue
        read -r rc took <"$aside_dir/$name.rc" 2>/dev/null || rc=1 took=?
        if [[ $rc -eq 0 ]]; then
            ok "$name ($took s, beside the checks above)"
        else
            bad "$name" "$(cat "$aside_dir/$name.log")"
        fi
    done
    rm -rf "$aside_dir"
    for name in $quiet; do
        [[ -f grader/tests/checks/$name.sh ]] && feature "$name"
    done
fi

echo
echo "mutants: $mutants_caught of $mutants_total caught"
echo "time: $((SECONDS - t_start)) s"
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
