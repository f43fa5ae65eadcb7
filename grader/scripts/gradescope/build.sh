#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make gradescope [LAB=NN[,NN]] [ONLY=checks]`: build/gradescope/autograder.zip
# for a Gradescope programming assignment. The zip holds setup.sh and
# run_autograder at its top, and a student release of this repository
# (make release: no solutions, no mutants) as the grader's source, with
# gradescope.env naming the labs graded. Usage: build.sh [--labs L] [--only C]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
labs='' only=''
while [[ $# -gt 0 ]]; do
    case $1 in
    --labs) labs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) echo "gradescope: unknown argument $1" >&2; exit 2 ;;
    esac
done
# LAB=2,03 -> the labs' folder names, checked against the rubrics.
names=()
all=$(bash "$root/grader/scripts/rubric-points.sh" "$root" | awk -F'\t' 'NR > 1 { print $1 }')
for want in ${labs//,/ }; do
    num=$(printf '%02d' "$((10#${want%%-*}))" 2>/dev/null) || num=$want
    hit=$(grep -E "^($want|$num-.*)\$" <<<"$all" | head -1)
    [[ -n $hit ]] || { echo "gradescope: LAB=$want: no such lab" >&2; exit 2; }
    names+=("$hit")
done

out=$root/build/gradescope
rm -rf "$out"
mkdir -p "$out"
# The autograder grades the hidden tests too (after_due_date): keep them.
KEEP_HIDDEN=1 bash "$root/grader/scripts/release.sh" "$out/source" >/dev/null
cp "$here/setup.sh" "$here/run_autograder" "$out/source/"
chmod 755 "$out/source/setup.sh" "$out/source/run_autograder"
{
    echo "# Written by make gradescope: what run_autograder grades."
    echo "LABS='${names[*]}'"
    echo "ONLY='$only'"
} >"$out/source/gradescope.env"
(cd "$out/source" && zip -qr -X ../autograder.zip .)
echo "gradescope: $out/autograder.zip (labs: ${names[*]:-all}${only:+; only $only})"
echo "gradescope: upload it as the autograder of a programming assignment (docs/instructors.md)"
