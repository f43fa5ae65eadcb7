#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make coverage LAB=NN [SRC=labs|solutions|DIR] [FAULTS=1]`: which lines
# of the student's files the lab's functional tests run. Builds the lab
# in the Makefile's cov variant (the student's files at -O0 with
# --coverage, the rest as graded), runs each test of the rubric once,
# plainly (no sanitizer), each in its own process through the grader's
# one door for student code, `grader exec`: the supervisor and
# sandbox of grading, with the rubric's params, chaos and a generous
# timeout. Then gcovr prints a summary with the lines never run and writes
# HTML under build/coverage/<tree>/<lab>/index.html.
#
# With --faults (FAULTS=1) it then makes the C library calls of the
# student's code fail, one call site at a time (harness/coverage/faults.c),
# so that the lines handling a failed malloc, fork or pthread_create run
# too. make check measures the reference solutions this way.
#
# Usage: student-coverage.sh --lab LAB [--src SRC] [--faults]
#                            [--min PCT [--except FILE]] [--quiet]
#                            [--per-test FILE]
#   --faults       the fault runs, above
#   --min PCT      exit 1 when a student file has less than PCT% of its
#                  lines run, or a fault run hung (make check uses it on
#                  solutions/)
#   --except FILE  lines "NN-topic/file.c PCT reason": a lower minimum
#                  for that file, with the reason written beside it
#   --per-test FILE  also write, for each test, the lines of the student's
#                  files it ran: "test<TAB>file.c<TAB>line" (make mutate
#                  grades a mutant only on the tests that run its line)
# Exit: 0 done (and every file at --min or above), 1 below --min, a hung
# fault run with --min, or the build failed; 2 bad arguments or missing
# tools.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/grader/scripts/student-lib.sh"
arg= src=labs min= quiet= except=/dev/null faults= per_test=
while [[ $# -gt 0 ]]; do
    case $1 in
    --lab) arg=$2; shift 2 ;;
    --src) src=${2:-labs}; shift 2 ;;
    --min) min=$2; shift 2 ;;
    --except) except=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    --faults) faults=1; shift ;;
    --per-test) per_test=$2; shift 2 ;;
    *) echo "usage: student-coverage.sh --lab LAB [--src SRC] [--faults] [--min PCT] [--quiet]" >&2; exit 2 ;;
    esac
done
[[ -n $arg ]] || { echo "usage: make coverage LAB=NN [SRC=labs|solutions|DIR]" >&2; exit 2; }
lab=$(student_lab "$arg") || { echo "coverage: LAB=$arg: no such lab (try 02 or 02-threads)" >&2; exit 2; }
for tool in gcovr gcov-tool; do
    command -v $tool >/dev/null || { echo "coverage: $tool is missing (make deps)" >&2; exit 2; }
done

# The tree and its tag (the name of its build folder) as grading names
# them: the grader says (a relative SRC is from here, so made absolute).
case $src in
labs | solutions) ;;
*) src=$(cd "$src" 2>/dev/null && pwd) || { echo "coverage: SRC=$src: no such directory" >&2; exit 2; } ;;
esac
IFS=$'\t' read -r tag tree < <(student_grader tag --root "$root" --src "$src")
[[ -n $tag && -n $tree ]] || exit 2
[[ -d $tree/$lab ]] || { echo "coverage: $tree has no $lab" >&2; exit 2; }
out=$root/build/coverage/$tag
objs=$out/obj
html=$out/$lab
say() { [[ -n $quiet ]] || echo "$@"; }

# The student's code runs only through the grader (grader exec).
grader=$root/build/bin/grader
make -s --no-print-directory -C "$root" grader >&2 ||
    { echo "coverage: cannot build the grader" >&2; exit 2; }

# The Makefile's cov variant links the coverage runtime (harness/coverage/)
# into the lab's binaries: covwrap.c writes gcov's counts in processes
# that end in _exit() or exec, or are stopped by the timeout (its SIGTERM);
# faults.c wraps the C library calls of the student's objects to record
# where they are made and, with --faults, to make one of them fail.

# Fresh counts: a .gcda left from an earlier run would add to this one.
find "$objs/$lab" -name '*.gcda' -delete 2>/dev/null
say "coverage: building $lab from ${tree#"$root"/} with --coverage ..."
if ! log=$(make -s --no-print-directory -C "$root" lab-build LAB="$lab" VARIANT=cov \
    TREE="$tree" OUT="$objs" 2>&1); then
    echo "$log" | head -40
    echo "coverage: $lab does not build (make test LAB=${lab%%-*} shows why)" >&2
    exit 1
fi
bindir=$objs/$lab/cov/bin

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sites" "$work/runs"

# The door refuses where the student's code could not be contained (root
# with no user to drop to): say why once, not once a test.
if ! why=$("$grader" exec --root "$root" --timeout 10 --dir "$work/runs/door" \
    --bindir "$bindir" -- true 2>&1); then
    echo "coverage: ${why#grader: }" >&2
    exit 2
fi
rm -rf "$work/runs/door"

# Which binary holds which test: from its list/ twin, which the build
# links without the student's objects (as the grader lists), so no code of
# the student's (a constructor) runs here, outside the sandbox. Its own
# counts (of the test files) go to the scratch folder.
declare -A bin_of
for b in "$bindir"/*; do
    [[ -x $b ]] || continue
    while read -r t; do bin_of[$t]=$b; done < <(GCOV_PREFIX="$work/list" \
        timeout -k 2 10 "$objs/$lab/cov/list/${b##*/}" --list 2>/dev/null </dev/null)
done

# run_test TEST LIMIT NAME [ENV...]: one test in its own run folder, as the
# grader runs it (the rubric's params and chaos; its supervisor, sandbox
# and limits); its exit status (124: timed out). The sandbox shows the
# test only its run folder and binaries, not the objects' folder where
# gcov would write its counts: GCOV_PREFIX moves them into the run folder
# (merge_counts adds them up).
declare -A params_of chaos_of limit_of
exec_args() { # TEST RUNDIR [ENV...]: grader exec's options, one a line
    local test=$1 dir=$2 p
    shift 2
    printf '%s\n' --dir "$dir" --bindir "$bindir" --env GCOV_PREFIX="$dir/gcov"
    for p in ${params_of[$test]}; do printf '%s\n' --env "HARNESS_PARAM_$p"; done
    [[ ${chaos_of[$test]} -eq 1 ]] && printf '%s\n' --env HARNESS_CHAOS=1
    for p; do printf '%s\n' --env "$p"; done
}
run_test() {
    local test=$1 limit=$2 name=$3 args
    shift 3
    mapfile -t args < <(exec_args "$test" "$work/runs/$name" "$@")
    "$grader" exec --root "$root" --timeout "$limit" "${args[@]}" \
        -- "${bin_of[$test]}" --run "$test" >"$work/runs/$name.log" 2>&1 </dev/null
}

# merge_counts: every run's counts, summed (gcov-tool merge) into the
# object folder, where gcovr reads them. The run folder was the test's to
# write: gcov-tool and cp (root, maybe) would read or write through a link
# among its counts, and hang on a FIFO, so such a run's counts are left
# out, and said.
merge_counts() {
    local sum=$work/counts run d
    for run in "$work"/runs/*/; do
        [[ -e $run/gcov || -L $run/gcov ]] || continue
        if [[ -n $(find "$run/gcov" ! -type f ! -type d -print -quit) ]]; then
            echo "coverage: $(basename "$run") left a link or device among its counts: not counted" >&2
            continue
        fi
        d=$run/gcov$objs/$lab/cov
        [[ -d $d ]] || continue
        if [[ ! -d $sum ]]; then
            cp -r "$d" "$sum"
        elif ! gcov-tool merge -o "$sum" "$sum" "$d" >/dev/null 2>&1; then
            echo "coverage: could not add the counts of $(basename "$run")" >&2
        fi
    done
    [[ ! -d $sum ]] || cp -r "$sum"/. "$objs/$lab/cov/"
}

failed=() left=() ran=0 t0=$SECONDS tests=()
# The tests run as many at a time as there are CPUs: each in a run folder
# of its own, with counts of its own (merge_counts adds them up), and most
# of a test's time is waiting (its threads sleep, its children run).
par=$(nproc 2>/dev/null || echo 2)
one_test() { # TEST: its exit status and time (ms) to runs/TEST.{rc,ms}
    local test=$1 start=$EPOCHREALTIME sites=$work/runs/$1/sites
    run_test "$test" "${limit_of[$test]}" "$test" COVFAULT_RECORD="$sites"
    echo $? >"$work/runs/$test.rc"
    # A file, not a link the test made (which cp would follow).
    [[ -f $sites && ! -L $sites ]] && cp "$sites" "$work/sites/$test"
    # Its time: the fault runs below take the quickest test to a site.
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d\n", (b - a) * 1000 }' \
        >"$work/runs/$test.ms"
}
while IFS=$'\t' read -r test task fn all chaos timeout params; do
    [[ $all -gt 0 ]] || continue
    if [[ -z ${bin_of[$test]:-} ]]; then
        failed+=("$test (no binary has it)")
        continue
    fi
    params_of[$test]=$params chaos_of[$test]=$chaos
    # The student's code at -O0 with counters is slower than graded.
    limit_of[$test]=$(awk -v t="$timeout" 'BEGIN { t *= 4; print (t < 30) ? 30 : t }')
    tests+=("$test")
    while (($(jobs -rp | wc -l) >= par)); do wait -n; done
    one_test "$test" &
done < <(student_rubric "$lab")
wait
for test in "${tests[@]}"; do
    rc=$(cat "$work/runs/$test.rc" 2>/dev/null || echo "?")
    echo "$test $(cat "$work/runs/$test.ms" 2>/dev/null || echo 0)" >>"$work/times"
    ran=$((ran + 1))
    [[ $rc == 0 ]] || failed+=("$test (exit $rc)")
    grep -q '^grader exec: it left' "$work/runs/$test.log" && left+=("$test")
done
say "coverage: ran $ran tests in $((SECONDS - t0)) s"
if [[ ${#failed[@]} -gt 0 ]]; then
    say "coverage: ${#failed[@]} of them failed (their lines still count up to where they stopped):"
    for f in "${failed[@]}"; do say "    $f"; done
fi
[[ ${#left[@]} -eq 0 ]] || say "coverage: processes left running by ${left[*]}: the grader killed them"

# --per-test: each test's own counts (in its run folder), read by gcov
# beside a copy of the notes (.gcno) the build wrote: the lines of the
# student's files (#line names them) with a count above zero. Plain files
# only, as merge_counts takes them.
if [[ -n $per_test ]]; then
    : >"$per_test.tmp"
    for t in "${tests[@]}"; do
        d=$work/runs/$t/gcov$objs/$lab/cov/student
        [[ -d $d && ! -L $d ]] || continue
        rm -rf "$work/pt" && mkdir -p "$work/pt"
        for f in $(student_files "$lab"); do
            g=$d/${f%.c}.gcda
            [[ -f $g && ! -L $g ]] || continue
            cp "$g" "$objs/$lab/cov/student/${f%.c}.gcno" "$work/pt/"
        done
        (cd "$work/pt" && ls ./*.gcda >/dev/null 2>&1 &&
            gcov -j -t -o "$work/pt" ./*.gcda 2>/dev/null) |
            jq -r --arg t "$t" '.files[] | .file as $f
                | .lines[] | select(.count > 0)
                | "\($t)\t\($f | split("/") | last)\t\(.line_number)"'
    done | sort -u >>"$per_test.tmp"
    mv -f "$per_test.tmp" "$per_test"
fi

# --faults: each call site of the student's code that the tests reached
# (a C library call that can fail, as faults.c lists them) is made to fail,
# in turn, in the quickest test that reaches it: its first call once with
# each errno value the wrapper knows, and its second call (a loop's later
# turn) with the first. The test then usually fails, and that is expected:
# what counts is that the lines handling the failure ran. A run that hangs
# until the timeout is named below, with the call: error handling that
# never returns is worth a look.
if [[ -n $faults ]]; then
    plan=$(for t in "${tests[@]}"; do
        [[ -s $work/sites/$t ]] || continue
        ms=$(awk -v t="$t" '$1 == t { print $2 }' "$work/times")
        awk -v t="$t" -v b="${bin_of[$t]##*/}" -v ms="$ms" \
            '{ print b, $1, $2, $3, $4, ms, t }' "$work/sites/$t"
    done | awk '
        { key = $1 " " $2
          if (!(key in best) || $6 < ms[key]) { best[key] = $7; ms[key] = $6 }
          fn[key] = $3; nerr[key] = $4
          if ($5 > calls[key]) calls[key] = $5 }
        END { for (k in best) {
                  split(k, a, " ")
                  for (i = 0; i < nerr[k]; i++) print best[k], a[2], 1, i, fn[k], ms[k]
                  if (calls[k] > 1) print best[k], a[2], 2, 0, fn[k], ms[k] } }' | sort)
    par=$(nproc 2>/dev/null || echo 2) n=0 t1=$SECONDS
    while read -r test off nth idx fn ms; do
        [[ -n $test ]] || continue
        # A failed call ends most tests early; a hang waits this long.
        limit=$((ms * 4 / 1000 + 10))
        [[ $limit -lt ${limit_of[$test]%.*} ]] || limit=${limit_of[$test]}
        (
            run_test "$test" "$limit" "fault-$n" COVFAULT_AT="$off:$nth:$idx"
            echo "$? $test $off $nth $idx $fn" >>"$work/faults"
        ) &
        n=$((n + 1))
        while [[ $(jobs -rp | wc -l) -ge $par ]]; do wait -n; done
    done <<<"$plan"
    wait
    # A run that hit its limit is tried once more, alone, with the test's
    # whole limit: on a busy machine (make check runs this beside other
    # checks) a slow run is not a hang. Only one that hangs again is named.
    if awk '$1 == 124 { f = 1 } END { exit !f }' "$work/faults" 2>/dev/null; then
        r=0
        while read -r rc test off nth idx fn; do
            if [[ $rc -eq 124 ]]; then
                run_test "$test" "${limit_of[$test]}" "again-$r" COVFAULT_AT="$off:$nth:$idx"
                rc=$? r=$((r + 1))
            fi
            echo "$rc $test $off $nth $idx $fn"
        done <"$work/faults" >"$work/faults.again"
        mv -f "$work/faults.again" "$work/faults"
    fi
    hung=$(awk '$1 == 124' "$work/faults" 2>/dev/null)
    say "coverage: made $n calls fail, one run each, in $((SECONDS - t1)) s" \
        "($(grep -c . <<<"$hung" | sed 's/^0$/none/') hit the timeout)"
    k=$(grep -l '^grader exec: it left' "$work"/runs/fault-*.log 2>/dev/null | wc -l)
    [[ $k -eq 0 ]] || say "coverage: $k of those runs left processes running: the grader killed them"
    # Again, by hand: the same run through the same door, from the
    # repository (its output on the terminal).
    while read -r rc test off nth idx fn; do
        [[ -n $rc ]] || continue
        where=$(addr2line -e "${bin_of[$test]}" "$(printf '0x%x' $((0x$off - 1)))" 2>/dev/null)
        again=$(exec_args "$test" "$out/again" COVFAULT_AT="$off:$nth:$idx" |
            sed "s|^$root/||" | tr '\n' ' ')
        echo "coverage: $lab: $test hung when call $nth of $fn at ${where##*/} failed;" \
            "again: build/bin/grader exec --root . --timeout ${limit_of[$test]} $again--" \
            "${bin_of[$test]#"$root"/} --run $test"
    done <<<"$hung"
fi
merge_counts

files=$(student_files "$lab")
filters=()
for f in $files; do filters+=(--filter "$(printf '%s' "$tree/$lab/$f" | sed 's/[.[\*^$()+?{|]/\\&/g')\$"); done
mkdir -p "$html"
# gcov writes its counts when a process exits, while the student's other
# threads may still be running: the snapshot is then not a consistent one,
# and a branch gcov derives from the others (it counts only some arcs) can
# come out negative ("branch 1 taken -17"). gcovr 5 stops at such a line;
# only line coverage is measured here, so it skips them, and its warnings
# about them are dropped.
gcovr_err=$(mktemp)
if ! report=$(cd "$root" && gcovr --root "$tree/$lab" "${filters[@]}" \
    --object-directory "$objs/$lab/cov" --txt - --gcov-ignore-parse-errors \
    --html-details "$html/index.html" --json-summary "$html/summary.json" \
    "$objs/$lab/cov" 2>"$gcovr_err"); then
    echo "$report" >&2
    cat "$gcovr_err" >&2
    rm -f "$gcovr_err"
    echo "coverage: gcovr failed" >&2
    exit 1
fi
# Each warning is a paragraph: a "(WARNING)" line, then lines that start
# with a tab. Those naming only negative branch counts go; the rest stay.
other=$(awk '
    /^\(/ { if (para != "" && !neg_only) printf "%s", para; para = ""; neg_only = 1 }
    { para = para $0 "\n" }
    /^\t/ && $0 !~ /branch +[0-9]+ taken -[0-9]+/ && $0 !~ /gcov output parse error|report this to the gcovr|github.com\/gcovr|UnknownLineType: branch/ { neg_only = 0 }
    END { if (para != "" && !neg_only) printf "%s", para }' "$gcovr_err")
rm -f "$gcovr_err"
[[ -z $other ]] || report+=$'\n'"$other"
say "$report"
say "coverage: lines the tests never ran are listed under Missing; line by line:"
say "          $html/index.html"

[[ -n $min ]] || exit 0
hung_rc=0
[[ -z ${hung:-} ]] || hung_rc=1
# Each file's minimum: --min, or its line in --except.
mins=$(awk -v lab="$lab" '$1 ~ "^" lab "/" { sub(/^[^\/]*\//, "", $1); print $1 "\t" $2 }' "$except" |
    jq -R -s 'split("\n") | map(select(length > 0) | split("\t") | {(.[0]): (.[1] | tonumber)}) | add // {}')
below=$(jq -r --argjson min "$min" --argjson mins "$mins" '.files[]
        | (($mins[.filename] // $min)) as $m | select(.line_percent < $m)
        | "\(.filename) \(.line_percent)% (\(.line_covered)/\(.line_total) lines, minimum \($m)%)"' "$html/summary.json")
[[ -n $below ]] || exit $hung_rc
echo "coverage: $lab ($tag): files below their minimum of lines run:"
while read -r name rest; do
    missing=$(awk -v f="$name" '$1 == f { print $NF }' <<<"$report")
    echo "    $name $rest; not run: lines $missing"
done <<<"$below"
exit 1
