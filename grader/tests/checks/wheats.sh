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
# that does not apply fails loudly. Usage: wheats.sh [LAB...]
set -u
cd "$(dirname "$0")/../../.."
fail=0
say_fail() { echo "FAIL $*"; fail=1; }
make -s grader >/dev/null || { echo "the grader does not build"; exit 1; }

# The tests of lab $1 that can see student file $2 (comma-separated).
tests_of() {
    local lab=$1 file=$2 dir=labs/$1 base=${2%.c} tasks="" g student
    student=$(make -s --no-print-directory lab-info LAB="$lab" | sed -n 's/^student: //p')
    for g in $student; do
        [[ -f $dir/$g ]] || continue
        if [[ $g == "$file" ]] || { [[ -f $dir/$base.h ]] &&
            gcc -MM -I"$dir" -Iharness "$dir/$g" 2>/dev/null | grep -q "/$base\.h"; }; then
            tasks+=" $(grep -o "TODO(lab[0-9]*\.[0-9]*" "$dir/$g" | sed 's/.*\.//' | sort -u | tr '\n' ' ')"
        fi
    done
    {
        awk -v tasks=" $tasks " '
            /^\[/ { t = substr($0, 2, index($0, "]") - 2) }
            /^task *=/ { v = $0; sub(/^task *= */, "", v); sub(/[ ;].*/, "", v)
                         if (index(tasks, " " v " ") && t != "lab") print t }' "$dir/rubric.ini"
        [[ -f $dir/tests/test_$base.c ]] &&
            sed -n 's/.*cmocka_unit_test(\(test_[a-z0-9_]*\)).*/\1/p' "$dir/tests/test_$base.c"
    } | sort -u | paste -sd, -
}

# Did every check of results.json $1 score full marks? Prints the others.
lost() {
    jq -r '.tests[] | select(.score < .max_score) |
        "  \(.name): \(.score)/\(.max_score)\n\(.output | split("\n")[:12] | map("      " + .) | join("\n"))"' "$1/results.json"
}
only_speedups_lost() {
    jq -e '[.tests[] | select(.score < .max_score)] | length > 0 and
        all(.tags | index("check:speedup"))' "$1/results.json" >/dev/null
}

labs=("$@")
[[ ${#labs[@]} -gt 0 ]] || labs=($(cd grader/tests/wheats && ls -d [0-9][0-9]-*))
tree=build/check/wheat-tree # one path: the grader rebuilds only what changed
mkdir -p build/check/wheats
total=0
for lab in "${labs[@]}"; do
    for p in grader/tests/wheats/"$lab"/*.patch; do
        [[ -f $p ]] || continue
        name=$lab/$(basename "$p" .patch)
        total=$((total + 1))
        t0=$SECONDS
        rm -rf "$tree" && mkdir -p "$tree" && cp -r solutions "$tree/"
        if ! log=$(cd "$tree" && patch -p1 --dry-run -s <"$OLDPWD/$p" 2>&1); then
            say_fail "$name: the patch does not apply to solutions/ (rebase it):"
            echo "$log" | sed 's/^/      /'
            continue
        fi
        (cd "$tree" && patch -p1 -s <"$OLDPWD/$p")
        files=$(sed -n 's|^+++ b/solutions/[^/]*/\([^[:space:]]*\).*|\1|p' "$p")
        tests=""
        for f in $files; do tests+=",$(tests_of "$lab" "$f")"; done
        tests=$(tr ',' '\n' <<<"$tests" | sed '/^$/d' | sort -u | paste -sd, -)
        if [[ -z $tests ]]; then
            say_fail "$name: changes no student file of $lab"
            continue
        fi
        out=build/check/wheats/${name/\//-}
        build/bin/grader grade --root . --src "$tree/solutions" --lab "$lab" \
            --test "$tests" --out "$out" --quiet >"$out.log" 2>&1
        rc=$?
        # A speedup that lost only because the machine is busy: measure the
        # speedups again, alone, at most twice.
        for try in 1 2; do
            [[ $rc -eq 1 ]] && only_speedups_lost "$out" || break
            build/bin/grader grade --root . --src "$tree/solutions" --lab "$lab" \
                --test "$tests" --only speedup --out "$out-speedup" --quiet \
                >"$out.log" 2>&1 && rc=0
        done
        n=$(tr ',' '\n' <<<"$tests" | wc -l)
        if [[ $rc -eq 0 ]]; then
            echo "ok   $name: full marks on $n tests of $files ($((SECONDS - t0)) s)"
        elif [[ $rc -eq 1 ]]; then
            say_fail "$name: lost points (a correct design must score full marks):"
            lost "$out"
        else
            say_fail "$name: the grader could not grade it (exit $rc):"
            sed 's/^/      /' "$out.log" | head -20
        fi
    done
done
rm -rf "$tree"
[[ $total -gt 0 ]] || { echo "no wheats found"; exit 1; }
exit $fail
