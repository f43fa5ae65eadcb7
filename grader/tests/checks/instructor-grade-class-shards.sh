#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A class graded in shards and merged equals the class graded serially,
# row for row (order, cells, totals, notes), with every student's results
# folder. The sample class (grader/tests/submissions), plus `a b` and
# `a_b` (whose clash is settled by the class's order, whichever shard
# grades them); lab 03, functional checks only, to stay fast. The shards
# run through grade-class-parallel.sh (GNU parallel, here with -S : and
# no ssh), and make merge-gradebooks merges them again. Then the Actions
# workflow template parses and has its matrix and merge.
set -u
cd "$(dirname "$0")/../../.." || exit 1
fail() { echo "$*"; exit 1; }
tmp=$(mktemp -d /tmp/instructor-shards.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
bash grader/tests/submissions/build.sh "$tmp/class" || fail "could not assemble the sample class"
cp -r "$tmp/class/alice" "$tmp/class/a b"
mkdir "$tmp/class/a_b"
args=(SUBMISSIONS="$tmp/class" LAB=03 ONLY=functional JOBS=4)

make -s --no-print-directory grade-class "${args[@]}" GRADEBOOK_DIR="$tmp/serial" >"$tmp/serial.log" 2>&1
[[ -s $tmp/serial/gradebook.csv ]] || { cat "$tmp/serial.log"; fail "the serial run wrote no gradebook"; }
# The 4 shards, run by GNU parallel on this machine (-S :, one shard after
# another: the way grade-class-parallel runs them over ssh on a lab of
# machines, one shard per machine at a time), which merges them.
bash grader/scripts/grade-class-parallel.sh --submissions "$tmp/class" --shards 4 -S : \
    --labs 03 --only functional --jobs 4 --work "$tmp/shards" --out "$tmp/par" >"$tmp/par.log" 2>&1 ||
    { cat "$tmp/par.log"; fail "grade-class-parallel failed"; }
shards=()
for i in 1 2 3 4; do
    [[ -s $tmp/shards/$i/gradebook.csv ]] || { cat "$tmp/shards/$i.log"; fail "shard $i/4 wrote no gradebook"; }
    shards+=("$tmp/shards/$i")
done
rows() { tail -n +2 "$1" | wc -l; }
[[ $(rows "${shards[0]}/gradebook.csv") -eq 3 && $(rows "${shards[3]}/gradebook.csv") -eq 2 ]] ||
    fail "10 students in 4 shards: want 3,3,2,2 rows; shard 1 has $(rows "${shards[0]}/gradebook.csv")"
diff "$tmp/serial/gradebook.csv" "$tmp/par/gradebook.csv" >"$tmp/diff" ||
    fail "grade-class-parallel's gradebook differs from the serial one:"$'\n'"$(cat "$tmp/diff")"

make -s --no-print-directory merge-gradebooks SHARDS="${shards[*]}" GRADEBOOK_DIR="$tmp/merged" >"$tmp/merge.log" 2>&1 ||
    { cat "$tmp/merge.log"; fail "merge-gradebooks failed"; }
diff "$tmp/serial/gradebook.csv" "$tmp/merged/gradebook.csv" >"$tmp/diff" ||
    { cat "$tmp/diff"; fail "the merged gradebook differs from the serial one"; }
diff "$tmp/serial/order.tsv" "$tmp/merged/order.tsv" >/dev/null || fail "order.tsv differs"
for f in regrade.tsv canvas.csv moodle.csv; do
    diff "$tmp/serial/$f" "$tmp/merged/$f" >/dev/null || fail "$f: merged and serial differ"
done
for s in $(tail -n +2 "$tmp/serial/order.tsv" | cut -f2); do
    a=$(jq -c '[.tests[] | [.extra_data.test, .extra_data.check, .extra_data.outcome, .score]]' "$tmp/serial/$s/results.json")
    b=$(jq -c '[.tests[] | [.extra_data.test, .extra_data.check, .extra_data.outcome, .score]]' "$tmp/merged/$s/results.json" 2>/dev/null)
    [[ -n $a && $a == "$b" ]] || fail "$s: the merged results.json differs from the serial one"
done
grep -q "a_b is taken (by a b): recorded as a_b-2" "$tmp/merged/grade-class.log" ||
    fail "the clash of 'a b' and 'a_b' is not in the merged log"
echo "serial and 4 shards (GNU parallel, -S :) merged: the same gradebook, $(rows "$tmp/serial/gradebook.csv") rows"

# A shard missing, or given twice: the merge refuses.
bash grader/scripts/merge-gradebooks.sh --out "$tmp/bad" "${shards[@]:0:3}" >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "a merge with shard 4 missing did not refuse"
bash grader/scripts/merge-gradebooks.sh --out "$tmp/bad" "${shards[@]}" "${shards[1]}" >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "a merge with shard 2 twice did not refuse"
bash grader/scripts/grade-class.sh --root . --submissions "$tmp/class" --shard 5/4 >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "SHARD=5/4 was taken"
[[ $(bash grader/scripts/grade-class.sh --root . --submissions "$tmp/class" --shard 2/4 --list-shard | tr '\n' ' ') == "a_b crash o'brien, pat " ]] ||
    fail "--list-shard 2/4: want a_b, crash, o'brien, pat"
echo "a missing or doubled shard and a bad SHARD are refused"

# The Actions template: valid YAML, a matrix over the planned shards, each
# grading SHARD=i/N, one job merging them.
python3 - .github/workflows/grade-class.yml <<'PY' || fail "the grade-class workflow is not what it should be"
import sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
inputs = w["on"]["workflow_dispatch"]["inputs"]
assert {"roster", "lab", "deadline", "shards"} <= set(inputs), inputs
g = w["jobs"]["grade"]
assert "fromJSON(needs.plan.outputs.shards)" in str(g["strategy"]["matrix"]["shard"])
assert g["env"]["SHARD"] == "${{ matrix.shard }}/${{ inputs.shards }}"
run = " ".join(s.get("run", "") for s in g["steps"])
assert "--list-shard" in run and "make -s grade-class" in run and "DEADLINE=" in run
assert "merge-gradebooks" in " ".join(s.get("run", "") for s in w["jobs"]["merge"]["steps"])
PY
echo "the Actions workflow parses: a matrix of shards and a merge"
