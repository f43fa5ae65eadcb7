#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Submissions and repositories that are broken in ways an instructor meets
# when grading a class: the grader says what is wrong, scores that lab 0
# (or exits 2 when the lab itself is broken), and grades the others.
set -u
cd "$(dirname "$0")/../../.."
root=$PWD
grader=$root/build/bin/grader
fail() { echo "$*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
one=test_run_true_exits_zero

# A submission whose path has a quote and a space: graded like any other,
# and a compile error names the student's own file.
sub="$tmp/sub O'Brien"
mkdir -p "$sub/01-processes"
cp solutions/01-processes/*.c "$sub/01-processes/"
"$grader" grade --root "$root" --src "$sub" --lab 1 --test $one --only functional \
    --out "$tmp/out" >"$tmp/log" 2>&1 ||
    fail "a submission under a path with a quote and a space: $(tail -3 "$tmp/log")"
echo 'int broken(void) { return missing; }' >>"$sub/01-processes/run.c"
"$grader" grade --root "$root" --src "$sub" --lab 1 --test $one --only functional \
    --out "$tmp/out" >"$tmp/log" 2>&1
grep -q "$sub/01-processes/run.c:[0-9]*:[0-9]*: error" "$tmp/log" ||
    fail "a compile error does not name the student's file: $(grep error "$tmp/log" | head -2)"

# A student file that is a symbolic link is refused, not followed.
cp solutions/01-processes/run.c "$sub/01-processes/run.c"
rm "$sub/01-processes/spawn.c"
ln -s /etc/passwd "$sub/01-processes/spawn.c"
"$grader" grade --root "$root" --src "$sub" --lab 1 --test $one --only functional \
    --out "$tmp/out" >"$tmp/log" 2>&1
[[ $? -eq 1 ]] || fail "a symlinked student file: exit status $?, want 1"
grep -q "spawn.c is a symbolic link: not graded" "$tmp/log" ||
    fail "a symlinked student file is not named as such: $(head -5 "$tmp/log")"
grep -q "root:" "$tmp/log" && fail "the grader followed a symlink to /etc/passwd"

# A repository whose lab 03 rubric is broken still grades lab 05, and
# exits 2 (could not grade), naming the rubric.
repo=$tmp/repo
mkdir "$repo"
git ls-files -z | xargs -0 cp --parents -t "$repo"
echo "points = x" >>"$repo/labs/03-race-conditions/rubric.ini"
mkdir -p "$repo/build/bin"
cp "$grader" "$repo/build/bin/grader"
"$repo/build/bin/grader" grade --root "$repo" --src solutions --lab 3,5 \
    --only functional >"$tmp/log" 2>&1
rc=$?
[[ $rc -eq 2 ]] || fail "a broken rubric in lab 03: exit status $rc, want 2"
grep -q "labs/03-race-conditions/rubric.ini: .*points = x" "$tmp/log" ||
    fail "the broken rubric is not named: $(grep -A2 '(the lab)' "$tmp/log")"
jq -e '[.tests[] | select(.tags | index("05-coroutines"))] |
       length > 0 and all(.status == "passed")' "$repo/build/grade/results.json" \
    >/dev/null || fail "lab 05 was not graded next to a broken lab 03"
echo "quoted paths, symlinks and a broken rubric: clear answers, other labs graded"
