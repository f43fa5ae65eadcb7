#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What class-reports.sh writes beside a gradebook, from the result model
# alone (no grading: a gradebook folder made here, as grade-class leaves
# it): regrade.tsv lists every provisional check (skipped for lack of
# CPUs, inconclusive), every check not run for the budget or an error,
# and every lab not graded, and nothing else; canvas.csv and moodle.csv carry the columns those LMSs
# import, the roster's identifiers, the same scores.
set -u
cd "$(dirname "$0")/../../.." || exit 1
fail() { echo "$*"; exit 1; }
tmp=$(mktemp -d /tmp/instructor-reports.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
o=$tmp/out
mkdir -p "$o"/{ann,bob,o_brien}
cat >"$o/gradebook.csv" <<'CSV'
student,02-threads,03-race-conditions,total,notes
ann,50,,,"03-race-conditions not graded: the grader timed out after 900 s"
bob,12.5,30,42.5,"02-threads: 1d 2h late: -20% (15.6 -> 12.5)"
o_brien,0,0,0,"folder 'o'brien, pat' recorded as o_brien"
CSV
printf '# shard 1/1 of 3 students\n0\tann\n1\tbob\n2\to_brien\n' >"$o/order.tsv"
# t LAB TEST CHECK OUTCOME SCORE MAX [WHERE]: one test of results.json;
# WHERE makes it provisional, as the grader marks a check not measured.
t() { jq -n --arg l "$1" --arg t "$2" --arg c "$3" --arg o "$4" --argjson s "$5" --argjson m "$6" --arg w "${7:-}" \
    '{name: "\($l): \($t) [\($c)]", score: $s, max_score: $m, output: "",
      status: (if $s == $m then "passed" else "failed" end),
      extra_data: ({lab: $l, test: $t, task: 1, check: $c, outcome: $o,
                    command: "make grade LAB=\($l) TEST=\($t) ONLY=\($c)"}
                   + if $w != "" then {provisional: true, regrade: $w} else {} end)}'; }
{
    t 02-threads test_pmap_works functional passed 40 40
    t 02-threads test_pmap_speedup speedup inconclusive 0 10 "on a quiet machine"
} | jq -s '{score: 40, tests: .}' >"$o/ann/results.json"
{
    t 02-threads test_pmap_works functional passed 40 40
    t 02-threads test_pmap_speedup speedup skip 0 10 "on 2 or more usable CPUs"
    t 03-race-conditions test_counter functional passed 30 30
    t 03-race-conditions test_counter tsan error 0 5
    t 03-race-conditions test_lazy tsan budget 0 5
    t 03-race-conditions test_lazy helgrind not-run 0 5
    t 03-race-conditions test_table functional fail 0 5
} | jq -s '{score: 70, tests: .}' >"$o/bob/results.json"
t 02-threads test_pmap_works functional fail 0 40 | jq -s '{score: 0, tests: .}' >"$o/o_brien/results.json"
printf 'student\tname\tsis_login_id\tsection\tusername\temail\tidnumber\n' >"$tmp/roster.tsv"
printf "o_brien\tO'Brien, Pat\tpobrien\tA2\tpob\tpat@example.org\t2026017\n" >>"$tmp/roster.tsv"
bash grader/scripts/class-reports.sh --out "$o" --roster "$tmp/roster.tsv" || fail "class-reports failed"

want='student lab test check outcome points
ann 03-race-conditions not-graded
ann 02-threads test_pmap_speedup speedup inconclusive 10
bob 02-threads test_pmap_speedup speedup skip 10
bob 03-race-conditions test_counter tsan error 5
bob 03-race-conditions test_lazy tsan budget 5'
got=$(cut -f1-6 "$o/regrade.tsv" | tr -s '\t' ' ' | sed 's/ $//')
[[ $got == "$want" ]] || { cat "$o/regrade.tsv"; fail "regrade.tsv: want the 5 rows above"; }
grep -qP '^bob\t02-threads\ttest_pmap_speedup\tspeedup\tskip\t10\ton 2 or more usable CPUs\tmake grade LAB=02-threads TEST=test_pmap_speedup ONLY=speedup$' "$o/regrade.tsv" ||
    fail "regrade.tsv: a provisional check does not say where to grade it again and how"
grep -qP '^bob\t03-race-conditions\ttest_counter\ttsan\terror\t5\t[^\t]+\tmake grade ' "$o/regrade.tsv" ||
    fail "regrade.tsv: an error does not say why"
echo "regrade.tsv: provisional (skipped, inconclusive), error, budget and a lab not graded; nothing else"

want='Student,ID,SIS User ID,SIS Login ID,Section,02-threads,03-race-conditions
Points Possible,,,,,50,50
ann,,,ann,,50,
bob,,,bob,,12.5,30
"O'"'"'Brien, Pat",,,pobrien,A2,0,0'
[[ $(cat "$o/canvas.csv") == "$want" ]] || { cat "$o/canvas.csv"; fail "canvas.csv: want the rows above"; }
want='username,email,idnumber,02-threads,03-race-conditions,Feedback 02-threads,Feedback 03-race-conditions
ann,,,50,,,03-race-conditions not graded: the grader timed out after 900 s
bob,,,12.5,30,02-threads: 1d 2h late: -20% (15.6 -> 12.5),
pob,pat@example.org,2026017,0,0,"folder '"'"'o'"'"'brien, pat'"'"' recorded as o_brien","folder '"'"'o'"'"'brien, pat'"'"' recorded as o_brien"'
[[ $(cat "$o/moodle.csv") == "$want" ]] || { cat "$o/moodle.csv"; fail "moodle.csv: want the rows above"; }
echo "canvas.csv and moodle.csv: their columns, the roster's identifiers, the gradebook's scores and notes"
