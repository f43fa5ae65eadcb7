#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Submissions and repositories that are broken in ways an instructor meets
# when grading a class: the grader says what is wrong, scores that lab 0
# (or exits 2 when the lab itself is broken), and grades the others. A
# mutant whose patch no longer applies exits 2, naming it and the hunk.
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

# A mutant's patch that no longer applies is an error (exit 2) that names
# the mutant and the hunk, whether the patch or the reference moved on;
# so is a patch that reaches beyond the lab's student files.
mutant=grader/tests/mutants/01-processes/hang.patch
mkdir -p "$tmp/m/01-processes"
sed 's/^ #include <fcntl.h>$/ #include <fcntl-stale.h>/' $mutant >"$tmp/m/01-processes/stale.patch"
cmp -s $mutant "$tmp/m/01-processes/stale.patch" && fail "the stale patch is not stale"
"$grader" grade --root "$root" --mutant "$tmp/m/01-processes/stale.patch" >"$tmp/log" 2>&1
rc=$?
[[ $rc -eq 2 ]] || fail "a stale mutant patch: exit status $rc, want 2: $(head -5 "$tmp/log")"
grep -q "mutant 01-processes/stale: its patch no longer applies" "$tmp/log" &&
    grep -q "Hunk #1 FAILED" "$tmp/log" ||
    fail "a stale mutant patch: not named with its hunk: $(head -5 "$tmp/log")"
mkdir -p "$tmp/ref"
cp -r solutions/01-processes "$tmp/ref/"
sed -i 's|close(fds\[1\]); /\* or read|close(fds[1]); /* else read|' "$tmp/ref/01-processes/run.c"
"$grader" grade --root "$root" --ref "$tmp/ref" --mutant $mutant >"$tmp/log" 2>&1
rc=$?
[[ $rc -eq 2 ]] && grep -q "Hunk #2 FAILED" "$tmp/log" ||
    fail "a reference (--ref) the mutant no longer applies to: exit $rc: $(head -5 "$tmp/log")"
sed 's|01-processes/run.c|01-processes/tests/test_run.c|' $mutant >"$tmp/m/01-processes/tests.patch"
"$grader" grade --root "$root" --mutant "$tmp/m/01-processes/tests.patch" >"$tmp/log" 2>&1
rc=$?
[[ $rc -eq 2 ]] && grep -q "not a student file of 01-processes" "$tmp/log" ||
    fail "a mutant that patches a test: exit $rc: $(head -5 "$tmp/log")"
echo "quoted paths, symlinks, a broken rubric, stale mutants: clear answers, other labs graded"
