#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make grade-class on the sample class (grader/tests/submissions): correct,
# half-done, uncompilable, incomplete, empty and oddly named submissions,
# and one on which the grader fails. The gradebook must match
# expected-gradebook.csv, where `max` is the lab's functional points from
# its rubric, `partial` is strictly between 0 and max, `sum` is the row's
# total and an empty cell is a lab that could not be graded. Functional
# checks of labs 02 and 03 only, 8 at a time (no speedup check runs), to
# stay fast.
set -u
cd "$(dirname "$0")/../../.." || exit 1
root=$PWD
fail() { echo "$*"; exit 1; }
tmp=$(mktemp -d /tmp/instructor-class.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
subs=grader/tests/submissions
bash $subs/build.sh "$tmp/class" || fail "could not assemble the sample class"

# A stand-in grader: the real one, except on the student named crash.
cat >"$tmp/grader" <<EOS
#!/usr/bin/env bash
case "\$*" in */crash/src*) echo "grader: simulated failure" >&2; exit 2 ;; esac
exec "$root/build/bin/grader" "\$@"
EOS
chmod +x "$tmp/grader"

GRADE_LABS_GRADER=$tmp/grader make -s --no-print-directory grade-class SUBMISSIONS="$tmp/class" \
    LAB=02,03 ONLY=functional JOBS=8 GRADEBOOK_DIR="$tmp/out" >"$tmp/log" 2>&1
rc=$?
[[ $rc -ne 0 ]] || { cat "$tmp/log"; fail "grade-class exited 0 though one student could not be graded"; }
grep -q 'crash 02-threads: NOT GRADED' "$tmp/out/grade-class.log" || { cat "$tmp/log"; fail "the failed student is not reported"; }
[[ -f $tmp/out/gradebook.csv ]] || { cat "$tmp/log"; fail "no gradebook.csv"; }

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
    }' HL="$(head -1 $subs/expected-gradebook.csv)" $subs/expected-gradebook.csv "$tmp/out/gradebook.csv" 2>&1) ||
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
echo "sample class graded as expected: $(($(wc -l <"$tmp/out/gradebook.csv") - 1)) students"
