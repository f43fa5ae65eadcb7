#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make coverage LAB=NN [SRC=labs|solutions|DIR]`: which lines of the
# student's files the lab's functional tests run. Builds the lab with
# --coverage (the Makefile's cov variant, -O0), runs each test of the
# rubric once, plainly (no sanitizer), each in its own process (as the grader does, with the
# rubric's params, chaos and a generous timeout), then gcovr prints a
# summary with the lines never run and writes HTML under
# build/coverage/<tree>/<lab>/index.html.
#
# Usage: student-coverage.sh --lab LAB [--src SRC] [--min PCT [--except FILE]]
#                            [--quiet]
#   --min PCT      exit 1 when a student file has less than PCT% of its
#                  lines run (make check uses it on solutions/)
#   --except FILE  lines "NN-topic/file.c PCT reason": a lower minimum
#                  for that file, with the reason written beside it
# Exit: 0 done (and every file at --min or above), 1 below --min or the
# build failed, 2 bad arguments or missing tools.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/grader/scripts/student-lib.sh"
arg= src=labs min= quiet= except=/dev/null
while [[ $# -gt 0 ]]; do
    case $1 in
    --lab) arg=$2; shift 2 ;;
    --src) src=${2:-labs}; shift 2 ;;
    --min) min=$2; shift 2 ;;
    --except) except=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    *) echo "usage: student-coverage.sh --lab LAB [--src SRC] [--min PCT] [--quiet]" >&2; exit 2 ;;
    esac
done
[[ -n $arg ]] || { echo "usage: make coverage LAB=NN [SRC=labs|solutions|DIR]" >&2; exit 2; }
lab=$(student_lab "$arg") || { echo "coverage: LAB=$arg: no such lab (try 02 or 02-threads)" >&2; exit 2; }
command -v gcovr >/dev/null || { echo "coverage: gcovr is missing (make deps)" >&2; exit 2; }

case ${src:-labs} in
labs | solutions) tree=$root/$src tag=$src ;;
*)
    tree=$(cd "$src" 2>/dev/null && pwd) || { echo "coverage: SRC=$src: no such directory" >&2; exit 2; }
    [[ -d $tree/labs ]] && tree=$tree/labs
    tag=sub-$(basename "$(dirname "$tree/x")")-$(printf '%s' "$tree" | cksum | cut -d' ' -f1)
    ;;
esac
[[ -d $tree/$lab ]] || { echo "coverage: $tree has no $lab" >&2; exit 2; }
out=$root/build/coverage/$tag
objs=$out/obj
html=$out/$lab
say() { [[ -n $quiet ]] || echo "$@"; }

# gcov writes its counts when a process calls exit(). Code that runs in a
# forked child ending in _exit() or exec (lab 01's children, lab 07's
# workers, lab 03's fresh processes) would never be counted, so the
# coverage build wraps both to write the counts first (ld --wrap).
mkdir -p "$root/build/coverage"
wrap=$root/build/coverage/covwrap.o
if [[ ! -f $wrap || $wrap -ot $0 ]]; then
    cat >"$wrap.c" <<'EOF'
/* Write the gcov counts before _exit() and exec replace the process. */
#include <unistd.h>
void __gcov_dump(void);
void __gcov_reset(void);
void __real__exit(int status) __attribute__((noreturn));
int __real_execvp(const char *file, char *const argv[]);
void __wrap__exit(int status)
{
    __gcov_dump();
    __real__exit(status);
}
/* After a failed exec the child goes on (to report the error and _exit):
 * the reset zeroes what was written and lets the next dump write again. */
int __wrap_execvp(const char *file, char *const argv[])
{
    int rc;

    __gcov_dump();
    rc = __real_execvp(file, argv);
    __gcov_reset();
    return rc;
}
EOF
    ${CC:-gcc} -std=c11 -O2 -Wall -Wextra -Werror -c "$wrap.c" -o "$wrap.tmp" &&
        mv -f "$wrap.tmp" "$wrap" || { echo "coverage: cannot build $wrap" >&2; exit 2; }
fi
# The Makefile's cov variant, plus the wrapping; and gcc's -O0 range
# analysis finds format-truncation "errors" in tests that -O2 proves safe.
cov_flags="-O0 --coverage -Wno-error=format-truncation -Wl,--wrap=_exit,--wrap=execvp,$wrap"

# Objects built with other flags are rebuilt; the binaries are always
# relinked (make cannot see that the wrapping was added or changed).
stamp=$objs/$lab/cov/flags
if [[ ! -f $stamp || $(cat "$stamp") != "$cov_flags" ]]; then
    rm -rf "$objs/$lab/cov"
    mkdir -p "$objs/$lab/cov"
    echo "$cov_flags" >"$stamp"
fi
rm -rf "$objs/$lab/cov/bin"

# Fresh counts: a .gcda left from an earlier run would add to this one.
find "$objs/$lab" -name '*.gcda' -delete 2>/dev/null
say "coverage: building $lab from ${tree#"$root"/} with --coverage ..."
if ! log=$(make -s --no-print-directory -C "$root" lab-build LAB="$lab" VARIANT=cov \
    VFLAGS_cov="$cov_flags" \
    TREE="$tree" OUT="$objs" 2>&1); then
    echo "$log" | head -40
    echo "coverage: $lab does not build (make test LAB=${lab%%-*} shows why)" >&2
    exit 1
fi
bindir=$objs/$lab/cov/bin

# Which binary holds which test, then each functional test on its own.
declare -A bin_of
for b in "$bindir"/*; do
    [[ -x $b ]] || continue
    while read -r t; do bin_of[$t]=$b; done < <("$b" --list 2>/dev/null)
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=() ran=0 t0=$SECONDS
while IFS=$'\t' read -r test task fn all chaos timeout params; do
    [[ $all -gt 0 ]] || continue
    b=${bin_of[$test]:-}
    if [[ -z $b ]]; then
        failed+=("$test (no binary has it)")
        continue
    fi
    env=(HARNESS_TMPDIR="$work/$test")
    for p in $params; do env+=("HARNESS_PARAM_$p"); done
    [[ $chaos -eq 1 ]] && env+=(HARNESS_CHAOS=1)
    mkdir -p "$work/$test"
    # -O0 and the counters make tests slower than the grader's -O2 build.
    limit=$(awk -v t="$timeout" 'BEGIN { t *= 4; print (t < 30) ? 30 : t }')
    (cd "$work/$test" && env "${env[@]}" timeout -k 2 "$limit" "$b" --run "$test" \
        >"$work/$test.log" 2>&1 </dev/null)
    rc=$?
    ran=$((ran + 1))
    [[ $rc -eq 0 ]] || failed+=("$test (exit $rc)")
done < <(student_rubric "$lab")
say "coverage: ran $ran tests in $((SECONDS - t0)) s"
if [[ ${#failed[@]} -gt 0 ]]; then
    say "coverage: ${#failed[@]} of them failed (their lines still count up to where they stopped):"
    for f in "${failed[@]}"; do say "    $f"; done
fi

files=$(student_files "$lab")
filters=()
for f in $files; do filters+=(--filter "$(printf '%s' "$tree/$lab/$f" | sed 's/[.[\*^$()+?{|]/\\&/g')\$"); done
mkdir -p "$html"
if ! report=$(cd "$root" && gcovr --root "$tree/$lab" "${filters[@]}" \
    --object-directory "$objs/$lab/cov" --txt - \
    --html-details "$html/index.html" --json-summary "$html/summary.json" \
    "$objs/$lab/cov" 2>&1); then
    echo "$report" >&2
    echo "coverage: gcovr failed" >&2
    exit 1
fi
say "$report"
say "coverage: lines the tests never ran are listed under Missing; line by line:"
say "          $html/index.html"

[[ -n $min ]] || exit 0
# Each file's minimum: --min, or its line in --except.
mins=$(awk -v lab="$lab" '$1 ~ "^" lab "/" { sub(/^[^\/]*\//, "", $1); print $1 "\t" $2 }' "$except" |
    jq -R -s 'split("\n") | map(select(length > 0) | split("\t") | {(.[0]): (.[1] | tonumber)}) | add // {}')
below=$(jq -r --argjson min "$min" --argjson mins "$mins" '.files[]
        | (($mins[.filename] // $min)) as $m | select(.line_percent < $m)
        | "\(.filename) \(.line_percent)% (\(.line_covered)/\(.line_total) lines, minimum \($m)%)"' "$html/summary.json")
[[ -n $below ]] || exit 0
echo "coverage: $lab ($tag): files below their minimum of lines run:"
while read -r name rest; do
    missing=$(awk -v f="$name" '$1 == f { print $NF }' <<<"$report")
    echo "    $name $rest; not run: lines $missing"
done <<<"$below"
exit 1
