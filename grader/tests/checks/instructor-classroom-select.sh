#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# GitHub Classroom grades only the labs a push changed: classroom-select.sh
# in a made-up repository maps a push's diff to its labs (a change outside
# labs/ grades all; a schedule, a dispatch, a new branch or an unknown
# `before` grade all), and classroom-lab.sh replays an unchanged lab's
# last verdict only when it was graded from the same files. The workflow
# is valid YAML with the caches and the selection in place. No grading.
set -u
cd "$(dirname "$0")/../../.." || exit 1
root=$PWD
fail() { echo "$*"; exit 1; }
tmp=$(mktemp -d /tmp/instructor-classroom-select.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sel=$root/grader/scripts/classroom-select.sh
export CLASSROOM_ALL_LABS="01-a 02-b 03-c"
all=$'01-a\n02-b\n03-c'

repo=$tmp/repo
mkdir -p "$repo/labs/01-a" "$repo/labs/02-b" "$repo/labs/03-c"
cd "$repo" || exit 1
git init -q && git config user.email t@t && git config user.name t
commit() { git add -A && git commit -qm "$1" && git rev-parse HEAD; }
echo 1 >labs/01-a/a.c && echo 2 >labs/02-b/b.c && echo 3 >labs/03-c/c.c && echo r >README.md
c0=$(commit base)
echo x >>labs/02-b/b.c
c1=$(commit one-lab)
echo x >>labs/01-a/a.c && echo x >>labs/03-c/c.c
c2=$(commit two-labs)
echo x >>README.md
c3=$(commit outside)
git rm -q labs/03-c/c.c && echo y >labs/notes.txt
c4=$(commit lab-file-gone-and-labs-top)

expect() { # want event before [head]
    local want=$1 got
    shift
    got=$(bash "$sel" "$@") || fail "classroom-select.sh $* exited $?"
    [[ $got == "$want" ]] || fail "classroom-select.sh $*: got [${got//$'\n'/ }], want [${want//$'\n'/ }]"
}
expect "02-b" push "$c0" "$c1"
expect $'01-a\n03-c' push "$c1" "$c2"
expect $'01-a\n02-b\n03-c' push "$c0" "$c2"
expect "$all" push "$c2" "$c3"
expect "$all" push "$c3" "$c4" # labs/notes.txt is not inside a lab
expect "" push "$c3" "$c3"
expect "$all" push 0000000000000000000000000000000000000000 "$c1"
expect "$all" push "" "$c1"
expect "$all" push 1234567890123456789012345678901234567890 "$c1"
expect "$all" schedule "$c0" "$c1"
expect "$all" workflow_dispatch "$c0" "$c1"
expect "$all" repository_dispatch
git checkout -q "$c1" && expect "02-b" push "$c0"

# The replay: a copy of classroom-lab.sh in the made-up repository, whose
# cache holds lab 01's verdict. Lab 01 not selected: the verdict stands
# when the files are the same, and is not trusted once they differ (the
# script then goes on to build, which this repository cannot: exit 2).
mkdir -p grader/scripts build/grade build/classroom-cache/01-a/out
cp "$root/grader/scripts/classroom-lab.sh" grader/scripts/
printf '.PHONY: grader\ngrader:\n\t@echo building; exit 1\n' >Makefile
echo 02-b >build/grade/classroom-selected
inputs=$({ git rev-parse HEAD:labs/01-a && git ls-tree HEAD | grep -v $'\tlabs$'; } | sha1sum | cut -d' ' -f1)
echo "$inputs" >build/classroom-cache/01-a/inputs
echo 1 >build/classroom-cache/01-a/rc
echo '{"tests": []}' >build/classroom-cache/01-a/out/results.json
bash grader/scripts/classroom-lab.sh 01-a >"$tmp/log" 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "an unchanged lab's verdict (1) was not replayed: exit $rc: $(cat "$tmp/log")"
cmp -s build/grade/classroom/01-a/results.json build/classroom-cache/01-a/out/results.json ||
    fail "the replay did not restore the lab's results for the job summary"
echo zz >build/classroom-cache/01-a/inputs
bash grader/scripts/classroom-lab.sh 01-a >"$tmp/log" 2>&1
rc=$?
[[ $rc -eq 2 ]] && grep -q building "$tmp/log" ||
    fail "a verdict from other files was replayed (exit $rc, want a grading: 2 here)"
echo 01-a >build/grade/classroom-selected
echo "$inputs" >build/classroom-cache/01-a/inputs
bash grader/scripts/classroom-lab.sh 01-a >"$tmp/log" 2>&1
rc=$?
[[ $rc -eq 2 ]] && grep -q building "$tmp/log" || fail "a selected lab was not graded (exit $rc)"

# The workflow: valid YAML, both caches, the selection before the labs.
cd "$root" || exit 1
python3 - .github/workflows/classroom.yml <<'PY' || fail "classroom.yml: see above"
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
steps = wf["jobs"]["run-autograding-tests"]["steps"]
uses = [s.get("uses", "") for s in steps]
runs = " ".join(s.get("run", "") for s in steps)
names = [s.get("id", "") for s in steps]
caches = [s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/cache@")]
assert {"push", "workflow_dispatch"} <= set(wf["on"]), wf["on"]
assert any("apt-archives" in p for p in caches) and "build/classroom-cache" in caches, caches
sel = next(i for i, s in enumerate(steps) if "classroom-select.sh" in s.get("run", ""))
first_lab = next(i for i, s in enumerate(steps) if s.get("id", "").startswith("lab"))
assert sel < first_lab, "the selection runs after a lab"
assert "build/grade/classroom-selected" in runs
assert steps[0]["with"]["fetch-depth"] == 0, "checkout must fetch the push's parent"
PY
echo "classroom selection: 13 pushes and events map to their labs; an unchanged lab's verdict is replayed only from the same files; the workflow caches both"
