#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make grade-class SUBMISSIONS=dir`: grade a class, one student after
# another. Each folder of SUBMISSIONS is one student, laid out like labs/
# or a whole copy of the repository. Writes OUT/STUDENT/results.json and
# OUT/gradebook.csv (student, one column per lab, total).
#
# Students are graded one at a time, on purpose: the grader already runs
# the functional and tool checks of a lab in parallel and the speedup
# checks alone; grading two students at once would put one student's
# speedup check next to another student's tests, and distort it.
#
# Usage: grade-class.sh --root DIR --submissions DIR [--out DIR]
#                       [--labs "01 02"] [--only CHECKS] [--jobs N]
# (--jobs: the grader's parallel functional and tool checks within one
# student's lab; the default is the usable CPUs)
# Exit: 0 when every student was graded (whatever their scores), 1 when
# some student could not be graded (grader error; see OUT/grade-class.log).
set -u
root='' subs='' out='' labs='' only='' jobs=''
while [[ $# -gt 0 ]]; do
    case $1 in
    --root) root=$2; shift 2 ;;
    --submissions) subs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --labs) labs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "grade-class: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $root && -n $subs ]] || {
    echo "usage: make grade-class SUBMISSIONS=dir [LAB=NN[,NN]] [ONLY=checks]" >&2
    exit 2
}
root=$(cd "$root" && pwd)
here=$root/grader/scripts
out=${out:-$root/build/grade}
[[ -d $subs ]] || { echo "grade-class: SUBMISSIONS=$subs: no such directory" >&2; exit 2; }
subs=$(cd "$subs" && pwd)
mkdir -p "$out"

points=$(bash "$here/rubric-points.sh" "$root")
# The labs graded, in order (all, or LAB=).
if [[ -n $labs ]]; then
    lablist=()
    for want in ${labs//,/ }; do
        num=$(printf '%02d' "$((10#${want%%-*}))" 2>/dev/null) || num=$want
        hit=$(awk -F'\t' -v w="$want" -v n="$num" 'NR > 1 && ($1 == w || index($1, n "-") == 1) { print $1; exit }' <<<"$points")
        [[ -n $hit ]] || { echo "grade-class: LAB=$want: no such lab" >&2; exit 2; }
        lablist+=("$hit")
    done
else
    mapfile -t lablist < <(awk -F'\t' 'NR > 1 { print $1 }' <<<"$points")
fi
# Outer limit on each grader run (the grader bounds a lab by its budget;
# this bounds the grader): twice the budgets graded, plus time to build.
limit=300
for lab in "${lablist[@]}"; do
    b=$(awk -F= '/^[ \t]*budget[ \t]*=/ { v = $2; sub(/;.*/, "", v); print int(v); exit }' \
        "$root/labs/$lab/rubric.ini")
    limit=$((limit + 2 * ${b:-180} + 120))
done

csv=$out/gradebook.csv
log=$out/grade-class.log
{
    printf 'student'
    printf ',%s' "${lablist[@]}"
    printf ',total\n'
} >"$csv.tmp"
: >"$log"
echo "grade-class: ${#lablist[@]} lab(s): ${lablist[*]}${only:+ (only $only)}" | tee -a "$log"

n=0 errors=0
t_all=$SECONDS
for dir in "$subs"/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    [[ $name == .* ]] && continue
    # The student's name becomes a folder and a CSV cell: keep it tame.
    safe=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._@+-' '_')
    [[ $safe == "$name" ]] || echo "grade-class: $name is recorded as $safe" | tee -a "$log"
    n=$((n + 1))
    t0=$SECONDS
    sdir=$out/$safe
    rm -rf "$sdir"; mkdir -p "$sdir"
    before=$(ls "$root/build/trees" 2>/dev/null)
    # Only the declared student files, staged at a path the grader takes
    # safely; then every lab, each in its own grader run.
    bash "$here/stage-submission.sh" --root "$root" --from "$dir" \
        --to "$sdir/src" --labs "${lablist[*]}" >"$sdir/stage.log" 2>&1
    bash "$here/grade-labs.sh" --root "$root" --src "$sdir/src" --out "$sdir" \
        --labs "${lablist[*]}" ${only:+--only "$only"} ${jobs:+--jobs "$jobs"} --timeout "$limit" \
        >"$sdir/grade.log" 2>&1
    rc=$?
    # The grader's build trees for this student (build/trees/sub-*): the
    # results keep what matters; KEEP_TREES=1 keeps the tool logs too.
    if [[ -z ${KEEP_TREES:-} ]]; then
        comm -13 <(echo "$before") <(ls "$root/build/trees" 2>/dev/null) |
            grep '^sub-' | while read -r t; do rm -rf "${root:?}/build/trees/$t"; done
    fi
    row=$safe total=0 incomplete=0
    for lab in "${lablist[@]}"; do
        r=$sdir/labs/$lab/results.json
        s=$(jq --arg lab "$lab" '[.tests[] | select(.tags | index($lab)) | .score] | add // 0' "$r" 2>/dev/null)
        if [[ $(cat "$sdir/labs/$lab/exit" 2>/dev/null) == 2 || -z $s ]]; then
            # Not graded is not zero: leave the cell empty, say why in the log.
            row+=, incomplete=1
            echo "grade-class: $safe $lab: NOT GRADED (grader exit $(cat "$sdir/labs/$lab/exit" 2>/dev/null)); see $sdir/labs/$lab/report.txt" | tee -a "$log"
        else
            row+=,$s
            total=$((total + s))
        fi
    done
    # A total over labs that were not all graded would look like a grade.
    [[ $incomplete -eq 1 ]] && total=
    echo "$row,$total" >>"$csv.tmp"
    [[ $rc -eq 2 ]] && errors=$((errors + 1))
    printf 'grade-class: %-24s %4s points  exit %d  %3d s\n' "$safe" "${total:-?}" "$rc" "$((SECONDS - t0))" | tee -a "$log"
done
mv "$csv.tmp" "$csv"
echo "grade-class: $n student(s) in $((SECONDS - t_all)) s; gradebook: $csv" | tee -a "$log"
if [[ $errors -gt 0 ]]; then
    echo "grade-class: $errors student(s) not fully graded: grader errors above (cells left empty)" | tee -a "$log"
    exit 1
fi
exit 0
