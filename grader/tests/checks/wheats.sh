#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Wheats: correct but unusual designs (grader/tests/wheats/NN-topic/*.patch,
# each a unified diff against the reference files it changes) must score
# full marks. Each is applied to a copy of solutions/ and graded on the
# tests that can see the files it changes (the others are the reference,
# graded by make check already): the tests of every task whose TODO(labNN.T)
# marks are in a changed file or in a student file that includes its
# header, and every test of tests/test_FILE.c. Any lost point fails the
# check, naming the wheat, the check and the grader's message. A patch
# that does not apply fails loudly. Usage: wheats.sh [LAB|PATCH...]
# (default: every lab's wheats; a PATCH is one wheat's file, which is how
# make check grades each wheat as an item of its own).
# WHEATS_PHASE=untimed grades only the checks that do not measure time;
# WHEATS_PHASE=speedup only the speedups, alone (make check runs the first
# beside other work, the second on a quiet machine); unset, both.
set -u
cd "$(dirname "$0")/../../.."
fail=0
say_fail() { echo "FAIL $*"; fail=1; }
make -s grader >/dev/null || { echo "the grader does not build"; exit 1; }

# The tests of lab $1 that can see student file $2 (comma-separated). The
# grader answers what the lab's files and the rubric's tasks are.
tests_of() {
    local lab=$1 file=$2 dir=labs/$1 base=${2%.c} tasks="" g student
    student=$(build/bin/grader labs --root . --lab "$lab" --tsv | awk -F'\t' 'NR == 2 { print $5 }')
    for g in $student; do
        [[ -f $dir/$g ]] || continue
        if [[ $g == "$file" ]] || { [[ -f $dir/$base.h ]] &&
            gcc -MM -iquote "$dir" -Iharness "$dir/$g" 2>/dev/null | grep -q "/$base\.h"; }; then
            tasks+=" $(grep -o "TODO(lab[0-9]*\.[0-9]*" "$dir/$g" | sed 's/.*\.//' | sort -u | tr '\n' ' ')"
        fi
    done
    {
        build/bin/grader rubric --root . --lab "$lab" --tsv |
            awk -F'\t' -v tasks=" $tasks " 'NR > 1 && index(tasks, " " $3 " ") { print $2 }'
        [[ -f $dir/tests/test_$base.c ]] &&
            sed -n 's/.*cmocka_unit_test(\(test_[a-z0-9_]*\)).*/\1/p' "$dir/tests/test_$base.c"
    } | sort -u | paste -sd, -
}

# Did every check of results.json $1 score full marks? Prints the others.
lost() {
    jq -r '.tests[] | select(.score < .max_score) |
        "  \(.name): \(.score)/\(.max_score)\n\(.output | split("\n")[:12] | map("      " + .) | join("\n"))"' "$1/results.json"
}

labs=() patches=()
for a in "$@"; do
    if [[ $a == *.patch ]]; then
        [[ -f $a ]] || { echo "FAIL $a: no such wheat"; exit 1; }
        patches+=("$a")
    else
        labs+=("$a")
    fi
done
[[ $# -gt 0 ]] || labs=($(cd grader/tests/wheats && ls -d [0-9][0-9]-*))
# A folder for each run: make check grades several wheats at once.
tag=$(printf '%s\n' "$@" | sed 's|.*/\([^/]*\)/\([^/]*\)\.patch$|\1-\2|' | paste -sd+ -)
work=build/check/wheats/${tag:-all}
rm -rf "$work"
mkdir -p "$work"

# Prepare wheat $1 (a patch) in slot $2: a copy of solutions/ with the patch
# applied, and the tests that can see what it changes. Writes
# $work/SLOT.{name,tests,files} or says why not and returns 1.
prepare() {
    local p=$1 slot=$2 lab name tree files tests f log
    lab=$(basename "$(dirname "$p")")
    name=$lab/$(basename "$p" .patch)
    tree=$work/tree-$slot # one path a slot: the grader rebuilds only what changed
    rm -rf "$tree" && mkdir -p "$tree" && cp -r solutions "$tree/"
    if ! log=$(cd "$tree" && patch -p1 --dry-run -s <"$OLDPWD/$p" 2>&1); then
        say_fail "$name: the patch does not apply to solutions/ (rebase it):"
        echo "$log" | sed 's/^/      /'
        return 1
    fi
    (cd "$tree" && patch -p1 -s <"$OLDPWD/$p")
    files=$(sed -n 's|^+++ b/solutions/[^/]*/\([^[:space:]]*\).*|\1|p' "$p")
    tests=""
    for f in $files; do tests+=",$(tests_of "$lab" "$f")"; done
    tests=$(tr ',' '\n' <<<"$tests" | sed '/^$/d' | sort -u | paste -sd, -)
    if [[ -z $tests ]]; then
        say_fail "$name: changes no student file of $lab"
        return 1
    fi
    printf '%s\n' "$tests" >"$tree.tests"
    printf '%s\n' "$files" | paste -sd' ' - >"$tree.files"
}

# Grade the prepared wheat in slot $2 (lab $1) on CHECKS $3; its results
# go to $work/OUT ($4). Exit status: the grader's.
grade_slot() {
    build/bin/grader grade --root . --src "$work/tree-$2/solutions" --lab "$1" \
        --test "$(cat "$work/tree-$2.tests")" --only "$3" --out "$work/$4" --quiet \
        >"$work/$4.log" 2>&1
}

report() { # name files tests rc out seconds
    local n
    n=$(tr ',' '\n' <<<"$3" | wc -l)
    if [[ $4 -eq 0 ]]; then
        echo "ok   $1: full marks on $n tests of $2 ($6 s)"
    elif [[ $4 -eq 1 ]]; then
        say_fail "$1: lost points (a correct design must score full marks):"
        lost "$work/$5"
    else
        say_fail "$1: the grader could not grade it (exit $4):"
        sed 's/^/      /' "$work/$5.log" | head -20
    fi
}

# Two wheats at a time on every check that does not measure time (each in
# a tree of its own, graded by a grader of its own); then, one at a time,
# the speedup checks, which must not share the machine. A speedup that
# lost only because the machine was busy is measured again, at most twice.
untimed=$(build/bin/grader checks | grep -vx speedup | paste -sd, -)
for lab in "${labs[@]}"; do
    for p in grader/tests/wheats/"$lab"/*.patch; do
        [[ -f $p ]] && patches+=("$p")
    done
done
[[ ${#patches[@]} -gt 0 ]] || { echo "no wheats found"; exit 1; }
declare -A rc_of took_of
phase=${WHEATS_PHASE:-both}
[[ $phase == untimed || $phase == speedup || $phase == both ]] ||
    { echo "WHEATS_PHASE=$phase: untimed, speedup or unset"; exit 2; }
for ((i = 0; i < ${#patches[@]}; i += 2)); do
    pids=()
    for slot in 0 1; do
        p=${patches[i + slot]:-}
        [[ -n $p ]] || continue
        key=$(basename "$(dirname "$p")")-$(basename "$p" .patch)
        if ! prepare "$p" "$slot"; then
            rc_of[$key]=skip
            continue
        fi
        cp "$work/tree-$slot.tests" "$work/$key.tests"
        cp "$work/tree-$slot.files" "$work/$key.files"
        if [[ $phase == speedup ]]; then
            echo "0 0" >"$work/$key.rc"
            continue
        fi
        (
            t0=$SECONDS
            grade_slot "$(basename "$(dirname "$p")")" "$slot" "$untimed" "$key"
            echo "$? $((SECONDS - t0))" >"$work/$key.rc"
        ) &
        pids+=($!)
    done
    wait "${pids[@]}" 2>/dev/null
done
for p in "${patches[@]}"; do
    lab=$(basename "$(dirname "$p")")
    key=$lab-$(basename "$p" .patch)
    name=$lab/$(basename "$p" .patch)
    [[ ${rc_of[$key]:-} == skip ]] && continue
    read -r rc took <"$work/$key.rc" || { rc=2 took=?; }
    if [[ $rc -eq 0 && $phase != untimed ]] && build/bin/grader rubric --root . --lab "$lab" --tsv |
        awk -F'\t' -v t=",$(cat "$work/$key.tests")," 'NR > 1 && $13 > 0 && index(t, "," $2 ",")' |
        grep -q .; then
        # Its tests include speedup checks: now, alone.
        prepare "$p" 0 || continue
        t0=$SECONDS
        for try in 1 2 3; do
            grade_slot "$lab" 0 speedup "$key-speedup"
            rc=$?
            [[ $rc -eq 1 ]] || break
        done
        took=$((took + SECONDS - t0))
        [[ $phase == speedup ]] && name+=" (speedups)"
        report "$name" "$(cat "$work/$key.files")" "$(cat "$work/$key.tests")" "$rc" "$key-speedup" "$took"
        continue
    fi
    [[ $phase == speedup ]] && continue
    report "$name" "$(cat "$work/$key.files")" "$(cat "$work/$key.tests")" "$rc" "$key" "$took"
done
rm -rf "$work"/tree-*
exit $fail
