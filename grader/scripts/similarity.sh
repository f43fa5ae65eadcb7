#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make similarity`: a plagiarism-review report across a graded class.
# For each lab and each of its student files, the files the class handed
# in (OUT/STUDENT/src/LAB/FILE: what grade-class staged, so with DEADLINE=
# the commit graded) are compared pairwise with sim_c (Debian's
# similarity-tester: tokens, so renaming and reformatting do not hide a
# copy), after every line that also appears in the lab's skeleton (the
# base: code every student was given) is blanked. The report ranks the
# pairs by how much of one file is found in the other.
#
# Writes OUT/similarity.tsv: lab, file, student, other, percent (how much
# of student's file, skeleton left out, is found in other's), percent back,
# ranked by the larger of the two; and prints the top pairs.
# A high rank is a reason to read two files side by side, never a verdict:
# students given the same skeleton and the same API write alike, and a
# reference answer found online makes many pairs alike.
#
# Usage: similarity.sh --root DIR [--out DIR] [--labs "02 03"]
#                      [--threshold PERCENT] [--top N]
set -u
export LC_ALL=C
root='' out='' labs='' threshold=50 top=20
while [[ $# -gt 0 ]]; do
    case $1 in
    --root) root=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --labs) labs=$2; shift 2 ;;
    --threshold) threshold=$2; shift 2 ;;
    --top) top=$2; shift 2 ;;
    *) echo "similarity: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $root ]] || { echo "usage: similarity.sh --root DIR [--out DIR] [--labs L] [--threshold P] [--top N]" >&2; exit 2; }
root=$(cd "$root" && pwd)
out=${out:-$root/build/grade}
command -v sim_c >/dev/null || { echo "similarity: sim_c is missing: apt-get install similarity-tester (make deps)" >&2; exit 2; }
[[ -f $out/order.tsv ]] || { echo "similarity: no graded class in $out (make grade-class first)" >&2; exit 2; }
grader=$root/build/bin/grader
mapfile -t students < <(tail -n +2 "$out/order.tsv" | cut -f2)
if [[ -n $labs ]]; then
    sel=()
    for want in ${labs//,/ }; do
        sel+=("$("$grader" labs --root "$root" --lab "$want" --tsv | awk -F'\t' 'NR == 2 { print $1 }')")
    done
else
    mapfile -t sel < <(ls "${out}/${students[0]}/src" 2>/dev/null)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for lab in "${sel[@]}"; do
    [[ -n $lab ]] || continue
    for f in $("$grader" labs --root "$root" --lab "$lab" --json | jq -r '.labs[].student[]'); do
        d=$tmp/$lab/$f
        mkdir -p "$d"
        base=$root/labs/$lab/$f
        for s in "${students[@]}"; do
            src=$out/$s/src/$lab/$f
            # Text only (a binary file is graded 0 already); the skeleton's
            # lines blanked, the line count kept.
            [[ -f $src ]] && grep -Iq . "$src" || continue
            awk 'NR == FNR { t = $0; gsub(/[ \t\r]+/, "", t); if (t != "") B[t] = 1; next }
                 { t = $0; gsub(/[ \t\r]+/, "", t); print ((t in B) ? "" : $0) }' \
                "$base" "$src" >"$d/$s"
        done
        files=("$d"/*)
        [[ ${#files[@]} -ge 2 && -e ${files[0]} ]] || continue
        # Every file against every other (-e -a), in percent (-p).
        (cd "$d" && sim_c -p -e -a -T -t 1 ./*) 2>/dev/null |
            awk -v lab="$lab" -v f="$f" '$2 == "consists" && $3 == "for" {
                sub(/^\.\//, "", $1); sub(/^\.\//, "", $7)
                print lab "\t" f "\t" $1 "\t" $7 "\t" $4 }'
    done
done >"$tmp/raw"

# One row per pair and file: both directions, ranked by the larger.
awk -F'\t' -v OFS='\t' '
    { k = $1 SUBSEP $2 SUBSEP ($3 < $4 ? $3 SUBSEP $4 : $4 SUBSEP $3)
      P[$1, $2, $3, $4] = $5; K[k] = 1 }
    END {
        for (k in K) {
            split(k, v, SUBSEP)
            a = P[v[1], v[2], v[3], v[4]] + 0; b = P[v[1], v[2], v[4], v[3]] + 0
            if (b > a) print (b > a ? b : a), v[1], v[2], v[4], v[3], b, a
            else print a, v[1], v[2], v[3], v[4], a, b
        }
    }' "$tmp/raw" | sort -t$'\t' -k1,1nr -k2,2 -k3,3 -k4,4 -k5,5 | cut -f2- >"$tmp/ranked"
{
    printf 'lab\tfile\tstudent\tother\tpercent\tpercent_back\n'
    cat "$tmp/ranked"
} >"$out/similarity.tsv"

n=$(awk -F'\t' -v t="$threshold" '$5 >= t' "$tmp/ranked" | wc -l)
echo "similarity: $(wc -l <"$tmp/ranked") pair(s) of files compared alike at all; $n at $threshold% or more (skeleton lines left out); $out/similarity.tsv"
awk -F'\t' -v t="$threshold" -v top="$top" '$5 >= t && n++ < top {
    printf "  %3d%% %3d%%  %-22s %-16s %s  %s\n", $5, $6, $1, $2, $3, $4 }' "$tmp/ranked"
exit 0
