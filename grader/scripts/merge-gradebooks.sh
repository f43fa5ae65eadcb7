#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make merge-gradebooks`: join the partial gradebooks of a class graded in
# shards (grade-class.sh --shard I/N, on one machine or many) into the one a
# serial run gives: the same header, the rows in the class's order (each
# shard's order.tsv says where its rows go), every student's results folder
# beside it, the shards' logs one after another.
#
# Then the regrade list and the LMS gradebooks of the whole class
# (class-reports.sh).
#
# Usage: merge-gradebooks.sh --out DIR [--roster FILE] SHARD_DIR...
# Exit: 0 merged; 2 when the shards do not make one class (a shard missing
# or given twice, different labs, a different class size).
set -u
export LC_ALL=C
out='' roster=''
shards=()
while [[ $# -gt 0 ]]; do
    case $1 in
    --out) out=$2; shift 2 ;;
    --roster) roster=$2; shift 2 ;;
    -*) echo "merge-gradebooks: unknown argument $1" >&2; exit 2 ;;
    *) shards+=("$1"); shift ;;
    esac
done
[[ -n $out && ${#shards[@]} -gt 0 ]] || {
    echo "usage: merge-gradebooks.sh --out DIR SHARD_DIR..." >&2
    exit 2
}
die() { echo "merge-gradebooks: $*" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)

header='' total_n='' class_m=''
declare -A seen_shard=() row_of=() dir_of=()
for d in "${shards[@]}"; do
    [[ -f $d/gradebook.csv && -f $d/order.tsv ]] ||
        die "$d: no gradebook.csv and order.tsv (a grade-class output folder?)"
    read -r _ _ sh _ m _ <"$d/order.tsv"
    [[ $sh =~ ^([0-9]+)/([0-9]+)$ ]] || die "$d/order.tsv: no '# shard I/N of M students' line"
    i=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]}
    [[ -z $total_n || $n == "$total_n" ]] || die "$d: shard $i/$n, but another is of $total_n"
    [[ -z $class_m || $m == "$class_m" ]] || die "$d: a class of $m students, another of $class_m"
    [[ -z ${seen_shard[$i]:-} ]] || die "shard $i/$n given twice: ${seen_shard[$i]} and $d"
    total_n=$n class_m=$m seen_shard[$i]=$d
    h=$(head -1 "$d/gradebook.csv")
    [[ -z $header || $h == "$header" ]] || die "$d: columns '$h', another shard has '$header'"
    header=$h
    # Row k of the gradebook is line k of order.tsv (a row is one line:
    # notes never hold a newline).
    mapfile -t rows < <(tail -n +2 "$d/gradebook.csv")
    mapfile -t idx < <(tail -n +2 "$d/order.tsv")
    [[ ${#rows[@]} -eq ${#idx[@]} ]] || die "$d: ${#rows[@]} rows but ${#idx[@]} in order.tsv"
    for k in "${!idx[@]}"; do
        at=${idx[$k]%%$'\t'*}
        [[ -z ${row_of[$at]:-} ]] || die "$d: student $at is in two shards"
        row_of[$at]=${rows[$k]} dir_of[$at]=$d/${idx[$k]#*$'\t'}
    done
done
for ((i = 1; i <= total_n; i++)); do
    [[ -n ${seen_shard[$i]:-} ]] || die "shard $i/$total_n is missing"
done
[[ ${#row_of[@]} -eq $class_m ]] || die "${#row_of[@]} rows for a class of $class_m students"

mkdir -p "$out"
{
    echo "$header"
    for ((k = 0; k < class_m; k++)); do echo "${row_of[$k]}"; done
} >"$out/gradebook.csv.tmp"
{
    echo "# shard 1/1 of $class_m students"
    for ((k = 0; k < class_m; k++)); do printf '%d\t%s\n' "$k" "${dir_of[$k]##*/}"; done
} >"$out/order.tsv.tmp"
for ((k = 0; k < class_m; k++)); do
    s=${dir_of[$k]}
    [[ $(cd "$(dirname "$s")" && pwd) == $(cd "$out" && pwd) ]] && continue
    rm -rf "${out:?}/${s##*/}"
    [[ -d $s ]] && cp -a "$s" "$out/"
done
for ((i = 1; i <= total_n; i++)); do
    cat "${seen_shard[$i]}/grade-class.log" 2>/dev/null
done >"$out/grade-class.log.tmp"
mv "$out/gradebook.csv.tmp" "$out/gradebook.csv"
mv "$out/order.tsv.tmp" "$out/order.tsv"
mv "$out/grade-class.log.tmp" "$out/grade-class.log"
bash "$here/class-reports.sh" --out "$out" ${roster:+--roster "$roster"} || exit 2
echo "merge-gradebooks: $total_n shard(s), $class_m student(s): $out/gradebook.csv"
exit 0
