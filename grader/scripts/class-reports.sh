#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What grade-class and merge-gradebooks write beside a class's gradebook,
# from the same result model (OUT/gradebook.csv, OUT/order.tsv and every
# OUT/STUDENT/results.json's extra_data):
#
#   regrade.tsv   every (student, lab, test, check) to grade again: the
#                 provisional checks (a speedup check skipped for too few
#                 CPUs or inconclusive on a busy machine: extra_data.
#                 provisional), a check that could not run (error) or that
#                 the lab's time budget left unrun (budget), and every lab
#                 not graded (an empty cell of the gradebook); the columns
#                 of the grader's own regrade.tsv, a student column first
#   canvas.csv    Canvas's gradebook import: Student, ID, SIS User ID, SIS
#                 Login ID, Section, a column per lab, a Points Possible row
#   moodle.csv    Moodle's CSV grade import: the roster's identifiers
#                 (username, email, idnumber), a column per lab, a feedback
#                 column per lab (the row's notes)
#
# The LMS files need to know who a folder is: ROSTER (--roster FILE) is a
# tab-separated file whose header names its columns, `student` (the name
# the gradebook records) and any of name, canvas_id, sis_user_id,
# sis_login_id, section, username, email, idnumber. Without it (or for a
# student it lacks) the folder's name stands for the student's name, SIS
# login and Moodle username.
#
# Usage: class-reports.sh --out DIR [--roster FILE]
set -u
export LC_ALL=C
out='' roster=''
while [[ $# -gt 0 ]]; do
    case $1 in
    --out) out=$2; shift 2 ;;
    --roster) roster=$2; shift 2 ;;
    *) echo "class-reports: unknown argument $1" >&2; exit 2 ;;
    esac
done
book=$out/gradebook.csv
[[ -f $book && -f $out/order.tsv ]] || { echo "class-reports: no gradebook in $out" >&2; exit 2; }
[[ -z $roster || -f $roster ]] || { echo "class-reports: ROSTER=$roster: no such file" >&2; exit 2; }

# The gradebook's lab columns, and each row's cells (names are tame:
# letters, digits, ._@+-) and notes (the last cell, quoted when present).
IFS=, read -r -a head <"$book"
labs=("${head[@]:1:${#head[@]}-3}")

# regrade.tsv: the grader's own columns (its per-lab regrade.tsv), a
# student column first.
{
    printf 'student\tlab\ttest\tcheck\toutcome\tpoints\twhere\tcommand\n'
    tail -n +2 "$out/order.tsv" | cut -f2 | while read -r s; do
        row=$(awk -F, -v s="$s" '$1 == s { print; exit }' "$book")
        IFS=, read -r -a cell <<<"$row"
        for i in "${!labs[@]}"; do
            [[ -z ${cell[$((i + 1))]} ]] &&
                printf '%s\t%s\t\t\tnot-graded\t\t%s\t%s\n' "$s" "${labs[$i]}" \
                    "the grader could not grade this lab: see the gradebook's notes and $s/labs/${labs[$i]}/report.txt" \
                    "make grade SRC=$out/$s/src LAB=${labs[$i]}"
        done
        [[ -f $out/$s/results.json ]] || continue
        jq -r --arg s "$s" '.tests[] | .extra_data as $e
            | select($e.provisional == true or $e.outcome == "inconclusive" or $e.outcome == "skip"
                     or $e.outcome == "error" or $e.outcome == "budget")
            | [$s, $e.lab, $e.test, $e.check, $e.outcome, (.max_score - .score),
               ($e.regrade // {inconclusive: "a quiet machine", skip: "a machine with more usable CPUs",
                  error: "a machine where the check can run (a tool was missing?)",
                  budget: "the lab ran out of time before this check (a hang?): grade it again, with a larger budget if need be"}[$e.outcome]),
               ($e.command // "")]
            | map(tostring | gsub("[\t\n]"; " ")) | @tsv' "$out/$s/results.json" 2>/dev/null
    done
} >"$out/regrade.tsv"

# Each lab's points possible: the max_score of its checks in a student's
# results (what was graded: ONLY= lowers it).
max=()
for lab in "${labs[@]}"; do
    m=
    for r in "$out"/*/results.json; do
        m=$(jq -r --arg lab "$lab" '[.tests[] | select(.extra_data.lab == $lab) | .max_score]
            | if length > 0 then add else empty end' "$r" 2>/dev/null) && [[ -n $m ]] && break
    done
    max+=("$m")
done

# The roster as "student<TAB>field=value..." lines, for awk below.
awk -F'\t' -v book="$book" -v order="$out/order.tsv" -v roster="$roster" \
    -v canvas="$out/canvas.csv" -v moodle="$out/moodle.csv" -v maxes="${max[*]}" '
function q(s) { if (s ~ /[",\n]/) { gsub(/"/, "\"\"", s); s = "\"" s "\"" } return s }
function get(s, f) { return ((s, f) in R) ? R[s, f] : "" }
BEGIN {
    if (roster != "") {
        getline line < roster; n = split(line, H, "\t")
        while ((getline line < roster) > 0) {
            split(line, v, "\t")
            for (i = 1; i <= n; i++) if (H[i] != "student") R[v[1], H[i]] = v[i]
        }
    }
    getline line < book; nh = split(line, head, ",")
    nl = nh - 3; split(maxes, M, " ")
    while ((getline line < book) > 0) {
        s = line; sub(/,.*/, "", s)
        notes = line; cells = line
        if (match(line, /,"([^"]|"")*"$/)) {
            notes = substr(line, RSTART + 2, RLENGTH - 3); gsub(/""/, "\"", notes)
            cells = substr(line, 1, RSTART - 1)
        } else { notes = ""; sub(/,$/, "", cells) }
        split(cells, c, ",")
        for (i = 1; i <= nl; i++) G[s, i] = c[i + 1]
        N[s] = notes
    }
    # Canvas: the five columns it matches students by, then the labs.
    printf "Student,ID,SIS User ID,SIS Login ID,Section" > canvas
    for (i = 1; i <= nl; i++) printf ",%s", q(head[i + 1]) > canvas
    printf "\nPoints Possible,,,," > canvas
    for (i = 1; i <= nl; i++) printf ",%s", M[i] > canvas
    printf "\n" > canvas
    # Moodle: identifiers to map "Identify user by" to, a grade and a
    # feedback column per lab.
    printf "username,email,idnumber" > moodle
    for (i = 1; i <= nl; i++) printf ",%s", q(head[i + 1]) > moodle
    for (i = 1; i <= nl; i++) printf ",%s", q("Feedback " head[i + 1]) > moodle
    printf "\n" > moodle
    getline line < order
    while ((getline line < order) > 0) {
        split(line, o, "\t"); s = o[2]
        name = get(s, "name"); if (name == "") name = s
        login = get(s, "sis_login_id"); if (login == "" && get(s, "sis_user_id") == "" && get(s, "canvas_id") == "") login = s
        printf "%s,%s,%s,%s,%s", q(name), q(get(s, "canvas_id")), q(get(s, "sis_user_id")), q(login), q(get(s, "section")) > canvas
        for (i = 1; i <= nl; i++) printf ",%s", G[s, i] > canvas
        printf "\n" > canvas
        user = get(s, "username"); if (user == "") user = s
        printf "%s,%s,%s", q(user), q(get(s, "email")), q(get(s, "idnumber")) > moodle
        for (i = 1; i <= nl; i++) printf ",%s", G[s, i] > moodle
        # The feedback of a lab: the notes that name it, and those that
        # name no lab (a renamed folder, no commit before the deadline).
        np = split(N[s], part, "; ")
        for (k = 1; k <= np; k++) {
            L[k] = 0
            for (i = 1; i <= nl; i++) if (index(part[k], head[i + 1])) L[k] = i
        }
        for (i = 1; i <= nl; i++) {
            f = ""
            for (k = 1; k <= np; k++) if (L[k] == i || L[k] == 0) f = f (f == "" ? "" : "; ") part[k]
            printf ",%s", q(f) > moodle
        }
        printf "\n" > moodle
    }
}' </dev/null
exit 0
