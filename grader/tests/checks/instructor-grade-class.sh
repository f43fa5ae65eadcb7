#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make grade-class on the sample class (grader/tests/submissions): correct,
# half-done, uncompilable, incomplete, empty and oddly named submissions,
# and one on which the grader fails. The gradebook must match
# expected-gradebook.csv, where `max` is the lab's functional points from
# its rubric, `partial` is strictly between 0 and max, `sum` is the row's
# total and an empty cell is a lab that could not be graded. Functional
# checks of labs 02 and 03 only, 8 at a time (no speedup check runs), to
# stay fast. Then three that once went wrong: two folders whose names clean
# to one (`a b`, `a_b`) get a row each; a grader killed mid-lab (SIGKILL,
# a timeout) leaves an empty cell marked not graded, never 0; and a second
# grade-class in the same checkout refuses while the first runs.
set -u
cd "$(dirname "$0")/../../.." || exit 1
root=$PWD
fail() { echo "$*"; exit 1; }
tmp=$(mktemp -d /tmp/instructor-class.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
subs=grader/tests/submissions
bash $subs/build.sh "$tmp/class" || fail "could not assemble the sample class"
# Two folders that clean to the same name (alice's work and an empty one),
# and a student whose grader is killed.
cp -r "$tmp/class/alice" "$tmp/class/a b"
mkdir "$tmp/class/a_b"
cp -r "$tmp/class/alice" "$tmp/class/killed"

# A stand-in grader: the real one, except on the student named crash (it
# fails), and on killed: SIGKILL in the middle of lab 02 (the grader and
# everything it started, once its first test has started), the time limit
# in the middle of lab 03 (half a second: it is still building).
cat >"$tmp/grader" <<EOS
#!/usr/bin/env bash
case "\$*" in
*/crash/src*) echo "grader: simulated failure" >&2; exit 2 ;;
*/killed/src*02-threads*)
    touch "$tmp/stamp"
    setsid "$root/build/bin/grader" "\$@" & g=\$!
    for _ in \$(seq 300); do
        find "$root/build/trees" -path '*/02-threads/run/*' -newer "$tmp/stamp" 2>/dev/null | grep -q . && break
        sleep 0.1
    done
    kill -KILL -- -\$g 2>/dev/null; wait \$g
    kill -KILL \$\$ ;;
*/killed/src*03-race-conditions*) exec timeout 0.5 "$root/build/bin/grader" "\$@" ;;
esac
exec "$root/build/bin/grader" "\$@"
EOS
chmod +x "$tmp/grader"

GRADE_LABS_GRADER=$tmp/grader make -s --no-print-directory grade-class SUBMISSIONS="$tmp/class" \
    LAB=02,03 ONLY=functional JOBS=8 GRADEBOOK_DIR="$tmp/out" >"$tmp/log" 2>&1
rc=$?
[[ $rc -ne 0 ]] || { cat "$tmp/log"; fail "grade-class exited 0 though one student could not be graded"; }
grep -q 'crash 02-threads: NOT GRADED' "$tmp/out/grade-class.log" || { cat "$tmp/log"; fail "the failed student is not reported"; }
[[ -f $tmp/out/gradebook.csv ]] || { cat "$tmp/log"; fail "no gradebook.csv"; }

# The gradebook without its notes column (last; quoted when not empty)
# and without the students added above, to compare with the expected one.
sed -E '1s/,notes$//; 2,$s/,("([^"]|"")*")?$//' "$tmp/out/gradebook.csv" |
    grep -Ev '^(a_b|a_b-2|killed),' >"$tmp/graded.csv"

# Functional points per lab, from the rubrics.
declare -A max
while IFS=$'\t' read -r lab _ _ functional _; do max[$lab]=$functional; done \
    < <(bash grader/scripts/rubric-points.sh | tail -n +2)

problems=$(awk -F, -v maxes="02-threads=${max[02-threads]} 03-race-conditions=${max[03-race-conditions]}" '
    BEGIN { n = split(maxes, m, " "); for (i = 1; i <= n; i++) { split(m[i], kv, "="); MAX[kv[1]] = kv[2] } }
    FNR == 1 { if (FILENAME ~ /expected/) { for (i = 1; i <= NF; i++) H[i] = $i; NH = NF }
               else if ($0 != HL) print "header: got " $0 ", want " HL; next }
    FILENAME ~ /expected/ { E[$1] = $0; order[++ne] = $1; next }
    { G[$1] = $0 }
    END {
        for (k = 1; k <= ne; k++) {
            s = order[k]
            if (!(s in G)) { print s ": missing from the gradebook"; continue }
            split(E[s], e, ","); split(G[s], g, ",")
            sum = 0; empty = 0
            for (i = 2; i < NH; i++) {
                want = e[i]; got = g[i]; lab = H[i]
                if (got == "") empty = 1; else sum += got
                if (want == "max") ok = got != "" && got == MAX[lab]
                else if (want == "partial") ok = got != "" && got + 0 > 0 && got + 0 < MAX[lab] + 0
                else if (want == "") ok = got == ""
                else ok = got == want
                if (!ok) print s " " lab ": got \"" got "\", want " want (want == "max" ? " (" MAX[lab] ")" : "")
            }
            want = e[NH]; got = g[NH]
            if (want == "sum" && (empty || got != sum)) print s " total: got \"" got "\", want " sum
            if (want == "" && got != "") print s " total: got \"" got "\", want empty"
            delete G[s]
        }
        for (s in G) print s ": not expected in the gradebook"
    }' HL="$(head -1 $subs/expected-gradebook.csv)" $subs/expected-gradebook.csv "$tmp/graded.csv" 2>&1) ||
    fail "comparing the gradebook failed: $problems"
if [[ -n $problems ]]; then
    echo "$problems"
    echo "--- gradebook.csv"; cat "$tmp/out/gradebook.csv"
    echo "--- log"; cat "$tmp/log"
    exit 1
fi
for s in alice carol dave; do
    jq -e '.tests | length > 0' "$tmp/out/$s/results.json" >/dev/null ||
        fail "$s: results.json has no tests"
done
jq -e '[.tests[] | select(.tags | index("result:build"))] | length > 0' "$tmp/out/dave/results.json" >/dev/null ||
    fail "dave: the compile error is not reported as result:build"

# (a) `a b` and `a_b`: a row and a results folder each, the collision said.
book=$tmp/out/gradebook.csv
row() { grep -E "^$1," "$book"; }
ab=$(row a_b) ab2=$(row a_b-2)
[[ -n $ab && -n $ab2 ]] || { cat "$book"; fail "a b / a_b: not two rows (a_b, a_b-2)"; }
[[ $(cut -d, -f2 <<<"$ab"),$(cut -d, -f2 <<<"$ab2") == "${max[02-threads]},0" ]] ||
    { cat "$book"; fail "a b / a_b: want alice's full marks for 'a b' (a_b) and 0 for the empty a_b (a_b-2)"; }
[[ $ab2 == *"recorded as a_b-2: a_b was taken by 'a b'"* ]] || fail "a_b-2: the collision is not in the notes: $ab2"
grep -q "a_b is taken (by a b): recorded as a_b-2" "$tmp/out/grade-class.log" || fail "the collision is not in the log"
jq -e '[.tests[] | select(.status == "passed")] | length > 0' "$tmp/out/a_b/results.json" >/dev/null &&
    jq -e '[.tests[] | select(.status == "passed")] | length == 0' "$tmp/out/a_b-2/results.json" >/dev/null ||
    fail "a_b and a_b-2 do not hold their own results"

# (b) killed mid-lab: empty cells and total, never 0, and the row says why.
k=$(row killed)
[[ $k == killed,,,,* ]] || { cat "$book"; fail "killed: want empty cells and total, got: $k"; }
[[ $k == *"02-threads not graded: the grader was killed by SIGKILL"* &&
    $k == *"03-race-conditions not graded: the grader timed out"* ]] ||
    fail "killed: the row does not say which lab was not graded and why: $k"
grep -q 'killed 02-threads: NOT GRADED' "$tmp/out/grade-class.log" || fail "killed: not in the log"

echo "sample class graded as expected: $(($(wc -l <"$book") - 1)) students; collisions and killed grades reported"

# (c) A second grade-class in this checkout while one runs: it refuses,
# says why, and the first finishes as if alone.
mkdir -p "$tmp/one/bob2" && cp -r "$tmp/class/alice/." "$tmp/one/bob2/"
cat >"$tmp/slow-grader" <<EOS
#!/usr/bin/env bash
[[ \$1 == containment ]] || sleep 6
exec "$root/build/bin/grader" "\$@"
EOS
chmod +x "$tmp/slow-grader"
GRADE_LABS_GRADER=$tmp/slow-grader make -s --no-print-directory grade-class SUBMISSIONS="$tmp/one" \
    LAB=02 ONLY=functional JOBS=8 GRADEBOOK_DIR="$tmp/first" >"$tmp/first.log" 2>&1 &
first=$!
for _ in $(seq 50); do [[ -s $tmp/first/grade-class.log ]] && break; sleep 0.1; done
make -s --no-print-directory grade-class SUBMISSIONS="$tmp/one" LAB=02 ONLY=functional \
    GRADEBOOK_DIR="$tmp/second" >"$tmp/second.log" 2>&1
second=$?
wait $first
rc1=$?
[[ $second -ne 0 ]] && grep -q 'another grade-class is running' "$tmp/second.log" ||
    { cat "$tmp/second.log"; fail "a second grade-class in the same checkout did not refuse (exit $second)"; }
[[ ! -e $tmp/second/gradebook.csv ]] || fail "the refused grade-class wrote a gradebook"
[[ $rc1 -eq 0 ]] && grep -qE "^bob2,${max[02-threads]},${max[02-threads]},\$" "$tmp/first/gradebook.csv" ||
    { cat "$tmp/first.log"; fail "the first grade-class did not finish as if alone (exit $rc1)"; }
echo "a second grade-class in the same checkout refuses while the first runs"
