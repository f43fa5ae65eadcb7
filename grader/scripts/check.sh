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
printf 'item\trun\twall_s\tcpu_s\n' >"$out/items.tsv"
rm -rf "$out/busy-failures" # this run's only
passed=0 failed=0 failures=()
t_start=$SECONDS

ok() { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
bad() {
    local why
    failed=$((failed + 1))
    # The summary at the end repeats what failed inside the item (its own
    # FAIL lines, else its first lines): a CI log shown by its tail must
    # say why, not only which item.
    why=$(printf '%s\n' "${2:-}" | grep -m 5 'FAIL' || printf '%s\n' "${2:-}" | grep -m 3 .)
    failures+=("$1${why:+$'\n'$(printf '%s\n' "$why" | cut -c1-200 | sed 's/^/        /')}")
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
# The feature checks (grader/tests/checks/NAME.sh) run with the whole
# suite only: make check LAB=NN is the labs' part.
all=$(( $# == 0 ))

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

# ---------------------------------------------------------------- items
# Each item prints its verdict as its first line, "ok TEXT" or "FAIL
# TEXT", then what a failure should show. Items run in the background, in
# folders of their own (a grader makes its own tree and run folders).

untimed=$(build/bin/grader checks | grep -vx speedup | paste -sd, -)

# The labs' builds through ccache (Debian's ccache; make deps installs it):
# every mutant, wheat and reference is a fresh build folder of its own, and
# all of them compile the same tests, support files and mostly the same
# student files. make check 01-processes from clean build folders: 122 s
# of CPU without, 105 s with a warm cache (make check starts cold on CI).
# Only these items: a feature check builds as a student would.
lab_cc=${CC:-gcc}
if command -v ccache >/dev/null 2>&1; then
    lab_cc="ccache $lab_cc"
    export CCACHE_DIR=$root/build/ccache
fi

has_speedup() { # LAB: does its rubric give speedup points?
    build/bin/grader rubric --root . --lab "$1" --tsv | awk -F'\t' 'NR > 1 && $13 > 0 { f = 1 } END { exit !f }'
}

item_solutions() { # LAB CHECKS WHAT: the reference scores full marks on CHECKS
    local lab=$1 only=$2 what=$3 t0=$SECONDS dir log rc score max builds again="" try
    dir=$out/$lab-solutions-${what// /-}
    log=$(CC=$lab_cc "$grader" grade --root . --src solutions --lab "$lab" --only "$only" --out "$dir" --quiet 2>&1)
    rc=$?
    read -r score max builds <<<"$(summary "$dir")"
    # "inconclusive: machine busy" is not a speedup's verdict: when it is
    # the only shortfall, measure the speedups again, at most twice.
    for try in 1 2; do
        [[ $only == speedup && $rc -eq 1 ]] && only_inconclusive "$dir" || break
        again=" after $try speedup rerun(s): the machine was busy"
        CC=$lab_cc "$grader" grade --root . --src solutions --lab "$lab" --only speedup \
            --out "$dir-again" --quiet >/dev/null 2>&1 && rc=0 && score=$max
    done
    if [[ $rc -eq 0 && -n $max && $score == "$max" && $max -gt 0 ]]; then
        echo "ok $lab: solutions score $score/$max on $what ($((SECONDS - t0)) s$again)"
    else
        echo "FAIL $lab: solutions score ${score:-?}/${max:-?} on $what (exit $rc)"
        echo "$log" | grep -v ' passed ' | head -60
    fi
}

item_skeleton() { # LAB: the skeleton builds and scores 0
    local lab=$1 t0=$SECONDS dir=$out/$1-skeleton log rc score max builds
    log=$(CC=$lab_cc "$grader" grade --root . --src labs --lab "$lab" --out "$dir" --quiet 2>&1)
    rc=$?
    read -r score max builds <<<"$(summary "$dir")"
    if [[ $rc -eq 1 && $score == 0 && $builds == 0 ]]; then
        echo "ok $lab: skeleton compiles and scores 0/$max ($((SECONDS - t0)) s)"
    else
        echo "FAIL $lab: skeleton scores ${score:-?}/${max:-?}, build failures ${builds:-?} (exit $rc)"
        echo "$log" | head -40
    fi
}

item_mutant() { # PATCH: caught by the check it declares
    local m=$1 t0=$SECONDS log rc try lab name
    lab=$(basename "$(dirname "$m")") name=$(basename "$m" .patch)
    # A speedup check that came out inconclusive (machine busy) has not
    # judged the mutant: grade it again, at most three times in all.
    for try in 1 2 3; do
        log=$(CC=$lab_cc "$grader" grade --root . --mutant "$m" 2>&1)
        rc=$?
        [[ $rc -eq 1 ]] && grep -q ' inconclusive ' <<<"$log" || break
    done
    # Exit 2: not graded (a patch that no longer applies, a mutant that
    # does not build), which is a failure too, never a survival.
    if [[ $rc -eq 0 ]]; then
        echo "ok $lab/$name: $(echo "$log" | grep -m1 '^mutant ' | sed 's/^mutant [^:]*: //' | cut -c1-110) ($((SECONDS - t0)) s)"
    elif [[ $rc -eq 2 ]]; then
        echo "FAIL $lab/$name: could not be graded"
        echo "$log"
    else
        echo "FAIL $lab/$name: not caught"
        echo "$log"
    fi
}

item_feature() { # NAME: grader/tests/checks/NAME.sh exits 0
    local t0=$SECONDS log
    if log=$(bash "grader/tests/checks/$1.sh" 2>&1); then
        echo "ok $1 ($((SECONDS - t0)) s)"
    else
        echo "FAIL $1"
        echo "$log"
    fi
}

# The checks that run make grade-class in this checkout: grade-class
# takes a lock and refuses while another holds it, so they run one after
# another, as one item (waiting on a lock in a lane of its own each cost
# the busy phase a lane for 100 s).
class_graders="fewer-cpus instructor-grade-class-containment instructor-grade-class instructor-grade-class-shards instructor-grade-class-deadline"

item_in_turn() { # NAME...: feature checks that must not overlap, in turn
    local name t1 log done=()
    for name; do
        t1=$SECONDS
        if ! log=$(bash "grader/tests/checks/$name.sh" 2>&1); then
            echo "FAIL $name (of the checks that take turns: $*)"
            echo "$log"
            return 0
        fi
        done+=("$name ($((SECONDS - t1)) s)")
    done
    echo "ok in turn: $(printf '%s, ' "${done[@]}" | sed 's/, $//')"
}

item_in_turn_cached() { CC=$lab_cc item_in_turn "$@"; }

item_wheat() { # PATCH: a correct variant scores full marks on every check but speedup
    local t0=$SECONDS log
    if log=$(CC=$lab_cc WHEATS_PHASE=untimed bash grader/tests/checks/wheats.sh "$1" 2>&1); then
        echo "ok wheat $(grep -m1 '^ok ' <<<"$log" | sed 's/^ok *//; s/ ([0-9]* s)$//') ($((SECONDS - t0)) s)"
    else
        echo "FAIL wheat $1"
        echo "$log"
    fi
}

item_wheats() { # PHASE
    local t0=$SECONDS log what="every check but speedup"
    [[ $1 == speedup ]] && what="their speedups, alone"
    if log=$(CC=$lab_cc WHEATS_PHASE=$1 bash grader/tests/checks/wheats.sh 2>&1); then
        echo "ok wheats: $(grep -c '^ok ' <<<"$log") correct variants score full marks on $what ($((SECONDS - t0)) s)"
    else
        echo "FAIL wheats (${1})"
        echo "$log"
    fi
}

# ---------------------------------------------------------------- pool
# pool_start KEY CMD...: run an item in the background, at most $jobs at
# once; its output goes to a file of its own ($file_of[KEY]). Verdicts are reported as the items
# end. An item listed in $retry whose verdict is FAIL is not reported:
# it is run again, alone, in the quiet phase (a busy machine can make a
# correct reference time out; only the quiet verdict counts, and the
# report says it needed the second run).
res=$(mktemp -d)
# One lock for the hostile corpus's fork bombs, which corpus.sh and the
# three passes of corpus-configurations.sh (one as nobody: any user may
# open it) take in turn: one fork bomb at its bound at a time.
bombs=$(mktemp -d)
chmod 755 "$bombs"
touch "$bombs/forkbomb.lock" && chmod 666 "$bombs/forkbomb.lock"
export CORPUS_BOMB_LOCK=$bombs/forkbomb.lock
trap 'rm -rf "$res" "$bombs"; [[ -z $cg ]] || { rmdir "$cg"/* "$cg"; } 2>/dev/null' EXIT
declare -A key_of=() cmd_of=() file_of=() beside=()
n_items=0 running_beside=0
retry=()
jobs=1 extra=0
declare -A is_mutant=()
# timed FILE CMD...: CMD's output to FILE, and to FILE.time its wall and
# CPU seconds ("wall user sys"). The CPU is read from a cpuacct cgroup of
# its own where one can be made (root, cgroup v1: every process it
# started, in any namespace, reaped by anyone), else from bash's `time`
# (only the children it reaped: a test's CPU reaped by a PID namespace's
# init is missed).
cg= cg_home=/sys/fs/cgroup/cpuacct$(awk -F: '$2 ~ /(^|,)cpuacct(,|$)/ { print $3 }' /proc/self/cgroup)
if [[ -w $cg_home/cgroup.procs ]] && mkdir "$cg_home/make-check-$$" 2>/dev/null; then
    cg=$cg_home/make-check-$$
fi
timed() {
    local f=$1 t0=$EPOCHREALTIME ns= d
    shift
    if [[ -n $cg ]] && d=$cg/${f##*/}.$RANDOM && mkdir "$d" 2>/dev/null &&
        echo "$BASHPID" >"$d/cgroup.procs" 2>/dev/null; then
        "$@" >"$f" 2>&1 </dev/null
        ns=$(cat "$d/cpuacct.usage" 2>/dev/null)
        echo "$BASHPID" >"$cg_home/cgroup.procs" 2>/dev/null
        rmdir "$d" 2>/dev/null
    else
        local TIMEFORMAT='%R %U %S'
        { time "$@" >"$f" 2>&1 </dev/null; } 2>"$f.time"
        return 0
    fi
    awk -v a="$t0" -v b="$EPOCHREALTIME" -v ns="${ns:-0}" \
        'BEGIN { printf "%.3f %.3f 0\n", b - a, ns / 1e9 }' >"$f.time"
}

# record KEY RUN: a row of build/check/items.tsv (item, phase's run, wall
# and CPU seconds), from the time its run wrote beside its output.
record() {
    local wall user sys
    read -r wall user sys < <(tail -1 "${file_of[$1]}.time" 2>/dev/null)
    [[ -n $sys ]] && printf '%s\t%s\t%s\t%.1f\n' "$1" "$2" "$wall" \
        "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" >>"$out/items.tsv"
    return 0
}
report() { # KEY [note]
    local f=${file_of[$1]} first
    first=$(head -1 "$f" 2>/dev/null)
    record "$1" "${2:+alone}"
    case $first in
    "ok "*)
        ok "${first#ok }${2:-}"
        [[ -n ${is_mutant[$1]:-} ]] && mutants_caught=$((mutants_caught + 1))
        ;;
    "FAIL "*) bad "${first#FAIL }${2:-}" "$(tail -n +2 "$f")" ;;
    *) bad "$1: no verdict (the item died)" "$(cat "$f" 2>/dev/null)" ;;
    esac
}
pool_reap() {
    local pid= key
    wait -n -p pid
    [[ -n $pid && -n ${key_of[$pid]:-} ]] || return 0
    key=${key_of[$pid]}
    unset "key_of[$pid]"
    [[ -n ${beside[$key]:-} ]] && running_beside=$((running_beside - 1))
    if [[ -n ${cmd_of[$key]:-} ]] && head -1 "${file_of[$key]}" | grep -q '^FAIL '; then
        retry+=("$key")
        record "$key" "failed busy"
        # What it said, kept: the checks a busy machine fools are worth
        # knowing even when the quiet run passes.
        mkdir -p "$out/busy-failures"
        cp "${file_of[$key]}" "$out/busy-failures/${key//[^A-Za-z0-9._-]/_}.log"
        printf '  ..    %s: failed on a busy machine (build/check/busy-failures/%s.log); run again in the quiet phase\n' \
            "$key" "${key//[^A-Za-z0-9._-]/_}"
        return 0
    fi
    report "$key"
}
pool_start() { # [--retry|--beside] KEY CMD...: --beside takes no lane
    local again= aside=
    [[ $1 == --retry ]] && { again=1; shift; }
    [[ $1 == --beside ]] && { aside=1; shift; }
    local key=$1
    shift
    if [[ -n $aside ]]; then
        beside[$key]=1
        running_beside=$((running_beside + 1))
    else
        while ((${#key_of[@]} - running_beside >= jobs + (running_beside ? 0 : extra))); do pool_reap; done
    fi
    n_items=$((n_items + 1))
    file_of[$key]=$res/$n_items
    (
        timed "${file_of[$key]}" "$@"
    ) &
    key_of[$!]=$key
    [[ -n $again ]] && cmd_of[$key]=$(printf '%q ' "$@")
    return 0
}
pool_drain() { while ((${#key_of[@]} > 0)); do pool_reap; done; }

mutants_total=0 mutants_caught=0
declare -A check_of=()
for lab in "${labs[@]}"; do
    for m in grader/tests/mutants/"$lab"/*.patch; do
        [[ -f $m ]] || continue
        mutants_total=$((mutants_total + 1))
        check_of[$m]=$(sed -n 's/^check *= *//p' "$m" | head -1)
        is_mutant[$lab/$(basename "$m" .patch)]=1
    done
done

# ------------------------------------------------- phase 1: the busy part
# Everything whose verdict does not measure time, $CHECK_JOBS (default 2)
# at a time, beside the three longest feature checks, which start first
# (corpus-configurations, student-coverage, old-glibc: each works in
# copies or folders of its own); once those three have ended, one lane
# more (CHECK_EXTRA, default 1): what is left is mostly tests waiting out
# a mutant's hang, which leaves a CPU idle. In the lanes, the longest
# first, so that no long item starts last: the corpus, the references on
# every check but speedup, the other feature checks, each wheat on its
# untimed checks, the skeletons, the mutants but those a speedup judges.
# The references pass their functional tests on this busy machine, so a
# mutant that fails one here fails it for its bug; one that survives is
# graded again alone. So is a reference, wheat or feature check listed
# in $alone_if_failed that fails here: only its quiet verdict counts.
t_busy=$SECONDS
jobs=${CHECK_JOBS:-2} extra=${CHECK_EXTRA:-1}
aside=" corpus-configurations student-coverage old-glibc "
# Feature checks that compare whole runs or watch the clock (a test that
# times out in one grading and not another makes two gradebooks differ):
# a failure on the busy machine is run again alone.
alone_if_failed=" instructor-classroom student-loop trace "
# Feature checks that only a quiet machine can judge (none today: the
# wheats' speedups are the quiet phase's own item).
quiet=" wheats "
echo "== busy phase: what does not measure time, $jobs at a time beside the longest"
if ((all)); then
    for name in $aside; do
        [[ -f grader/tests/checks/$name.sh ]] && pool_start --beside "$name" item_feature "$name"
    done
    [[ -f grader/tests/checks/corpus.sh ]] && pool_start corpus item_feature corpus
fi
for lab in "${labs[@]}"; do
    pool_start --retry "$lab: solutions" item_solutions "$lab" "$untimed" "every check but speedup"
done
if ((all)); then
    # grade-class, its shards and deadline compare whole gradebooks (a test
    # that times out in one run and not another makes them differ): run
    # again alone if they fail here.
    # Through make check's ccache: they grade the sample class (the same
    # tests, and a handful of student files, over and over), which is the
    # instructor's side; 132 s of CPU without it, alone.
    pool_start --retry "grade-class checks" item_in_turn_cached $class_graders
    for c in grader/tests/checks/*.sh; do
        name=$(basename "$c" .sh)
        [[ $aside != *" $name "* && $quiet != *" $name "* && $name != corpus &&
            " $class_graders " != *" $name "* ]] || continue
        if [[ $alone_if_failed == *" $name "* ]]; then
            pool_start --retry "$name" item_feature "$name"
        else
            pool_start "$name" item_feature "$name"
        fi
    done
    for p in grader/tests/wheats/*/*.patch; do
        pool_start --retry "wheat $(basename "$(dirname "$p")")/$(basename "$p" .patch)" item_wheat "$p"
    done
fi
for lab in "${labs[@]}"; do
    pool_start "$lab: skeleton" item_skeleton "$lab"
done
for lab in "${labs[@]}"; do
    for m in grader/tests/mutants/"$lab"/*.patch; do
        [[ -f $m ]] || continue
        [[ ${check_of[$m]} == speedup ]] && continue
        pool_start --retry "$lab/$(basename "$m" .patch)" item_mutant "$m"
    done
done
pool_drain
echo "   busy phase: $((SECONDS - t_busy)) s"

# ------------------------------------------------ phase 2: the quiet part
# What measures time, on a machine left to it: the failed items of the
# busy phase again, alone (a mutant that a test judges may survive a busy
# machine: a lost update needs two CPUs at once, a spin must get a CPU to
# be seen spinning; it counts only if it survives alone too); the
# references' speedups; the speedup mutants alone; the wheats' speedups.
t_quiet=$SECONDS
echo "== quiet phase (what measures time)"
jobs=1 extra=0
rerun_failed() { # NOTE: the retry items not yet run again, each alone
    local key
    for key in "${retry[@]}"; do
        [[ -e ${file_of[$key]}.again ]] && continue
        touch "${file_of[$key]}.again"
        eval "timed ${file_of[$key]} ${cmd_of[$key]}"
        report "$key" "$1"
    done
}
rerun_failed " (after a rerun alone: it failed on the busy machine)"
for lab in "${labs[@]}"; do
    has_speedup "$lab" && pool_start "$lab: solutions speedup" item_solutions "$lab" speedup "speedup"
    pool_drain
done
for lab in "${labs[@]}"; do
    for m in grader/tests/mutants/"$lab"/*.patch; do
        [[ -f $m && ${check_of[$m]} == speedup ]] || continue
        pool_start "$lab/$(basename "$m" .patch)" item_mutant "$m"
        pool_drain
    done
done
if ((all)); then
    pool_start "wheats (speedup)" item_wheats speedup
    pool_drain
    for name in $quiet; do
        [[ $name != wheats && -f grader/tests/checks/$name.sh ]] || continue
        pool_start "$name" item_feature "$name"
        pool_drain
    done
fi
echo "   quiet phase: $((SECONDS - t_quiet)) s"

echo
echo "mutants: $mutants_caught of $mutants_total caught"
echo "time: $((SECONDS - t_start)) s"
# Where it went: the items of most CPU (all of them in build/check/items.tsv).
echo "most CPU: $(tail -n +2 "$out/items.tsv" | sort -t$'\t' -k4,4 -rn | head -6 |
    awk -F'\t' '{ printf "%s%s %.0f s (%.0f s wall)", (NR > 1 ? ", " : ""), $1, $4, $3 }')"
awk -F'\t' 'NR > 1 { c += $4 } END { printf "CPU of all items: %.0f s\n", c }' "$out/items.tsv"
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
