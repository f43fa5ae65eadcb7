#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The tests run at least 90% of the lines of every reference solution file
# (make coverage FAULTS=1's measurement, grader/scripts/student-coverage.sh:
# the functional tests, then each C library call they reach made to fail
# once), or the lower minimum coverage-min.txt gives that file with its
# reason; and no run with a failed call hangs. Also:
# make coverage on the student's tree writes its HTML and summary, the
# minimums name real files, and make coverage runs a submission's code only
# in the grader's sandbox.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
source grader/scripts/student-lib.sh
except=grader/tests/checks/coverage-min.txt
failed=0

# Every line of the exceptions names a student file of its lab.
while read -r file pct _; do
    [[ -z $file || $file == \#* ]] && continue
    lab=${file%%/*}
    [[ -f labs/$lab/lab.mk ]] || { echo "$except: $file: no lab $lab"; failed=1; continue; }
    grep -qw -- "${file#*/}" <<<"$(student_files "$lab")" ||
        { echo "$except: $file is not a student file of $lab"; failed=1; }
    [[ $pct =~ ^[0-9]+$ && $pct -lt 90 ]] || { echo "$except: $file: minimum $pct"; failed=1; }
done <"$except"

[[ -d solutions ]] || { echo "no solutions/: nothing to measure"; exit $failed; }
# One lab: its verdict in $cov/LAB.out, and $cov/LAB.failed if it failed.
cover() { # LAB
    local lab=$1 out
    {
        if ! out=$(bash grader/scripts/student-coverage.sh --lab "$lab" --src solutions --faults \
            --min 90 --except "$except" --quiet 2>&1); then
            echo "$out"
            touch "$cov/$lab.failed"
        fi
        # A minimum no longer needed is worth knowing (not a failure).
        jq -r --arg lab "$lab" '.files[] | select(.line_percent >= 90) | "\($lab)/\(.filename)"' \
            "build/coverage/solutions/$lab/summary.json" 2>/dev/null |
            while read -r f; do
                grep -q "^$f " "$except" && echo "note: $f now reaches 90%: its line in $except can go"
            done
    } >"$cov/$lab.out" 2>&1
}
# Two labs at a time (each has its own objects and run folders; most of
# a run is tests waiting, so one lab at a time left a CPU idle: 452 s of
# make check's busy phase for 237 s of CPU). The first lab alone: it
# builds the coverage runtime the others link.
cov=$(mktemp -d)
trap 'rm -rf "$cov"' EXIT
labs=($(student_labs))
[[ ${#labs[@]} -eq 0 ]] || cover "${labs[0]}"
for lab in "${labs[@]:1}"; do
    while (($(jobs -rp | wc -l) >= ${COVERAGE_LABS_AT_ONCE:-2})); do wait -n; done
    cover "$lab" &
done
wait
for lab in "${labs[@]}"; do
    cat "$cov/$lab.out"
    [[ -e $cov/$lab.failed ]] && failed=1
done

# The student's side: make coverage on labs/ (a skeleton: low, but it runs
# and says where the report is).
out=$(make -s --no-print-directory coverage LAB=02 2>&1)
grep -q 'GCC Code Coverage Report' <<<"$out" || { echo "make coverage LAB=02 printed no summary: $out"; failed=1; }
for f in index.html summary.json; do
    [[ -s build/coverage/labs/02-threads/$f ]] ||
        { echo "make coverage LAB=02 wrote no build/coverage/labs/02-threads/$f"; failed=1; }
done
jq -e '[.files[].filename] | sort == ["gil.c", "pmap.c", "pool.c"]' \
    build/coverage/labs/02-threads/summary.json >/dev/null ||
    { echo "make coverage LAB=02 measured other files than the student's"; failed=1; }

# A lab 01 corpus entry through make coverage: $esc its tree, $out what
# make coverage said.
corpus_coverage() { # ENTRY [make arguments]
    esc=build/check/coverage-$1
    rm -rf "$esc"
    mkdir -p "$esc/01-processes"
    cp solutions/01-processes/*.c "$esc/01-processes/"
    cp "grader/tests/corpus/01-processes/$1/run.c" "$esc/01-processes/"
    out=$(make -s --no-print-directory coverage LAB=01 SRC="$esc" "${@:2}" 2>&1)
}

# Only in the sandbox: the corpus's ctor-escape, whose constructor runs
# before main() in every test binary that has its file and tries to read
# solutions/ and to write labs/01-processes/corpus-ctor-escaped (where it
# manages either, it exits 3). Through make coverage FAULTS=1, the test
# names come from binaries without it and every test runs in the sandbox:
# the constructor must have run there (its line for "found neither"
# counts as run) and found neither.
marker=labs/01-processes/corpus-ctor-escaped
rm -f "$marker"
corpus_coverage ctor-escape FAULTS=1
line=$(grep -n 'in the sandbox: the only way out' "$esc/01-processes/run.c" | cut -d: -f1)
unrun=$(awk '$1 == "run.c" { print $NF }' <<<"$out" | tr ',' '\n' |
    awk -F- '/^[0-9]/ { for (i = $1; i <= ($2 ? $2 : $1); i++) print i }')
if [[ -e $marker ]]; then
    echo "make coverage ran a constructor outside the sandbox: $(head -3 "$marker")"
    rm -f "$marker"
    failed=1
elif [[ -z $line ]] || ! grep -q '^run.c ' <<<"$out" || grep -qx "$line" <<<"$unrun"; then
    echo "make coverage on ctor-escape: its constructor never ran in the sandbox (line $line):"
    echo "$out" | head -30
    failed=1
elif grep -q '(exit 3)' <<<"$out"; then
    echo "make coverage on ctor-escape: a constructor found solutions/ or labs/:"
    echo "$out" | head -30
    failed=1
fi

# The counts come out of the run folder, which was the test's: the
# corpus's gcov-link plants a link where gcov writes run.c's counts, to
# build/corpus-gcov-link. Counts are merged outside the sandbox (as root,
# maybe): such a run's counts are left out, and said, and nothing is
# written through the link.
rm -f build/corpus-gcov-link
corpus_coverage gcov-link
if [[ -e build/corpus-gcov-link ]] ||
    ! grep -q 'left a link or device among its counts: not counted' <<<"$out"; then
    echo "make coverage on gcov-link: a link among the counts was followed or not said:"
    echo "$out" | head -30
    failed=1
fi
exit $failed
