#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copy a submission's student files, and nothing else, into a fresh tree
# laid out like labs/ at a path the grader can take safely (a student's
# folder name may hold quotes, commas or spaces). Takes each declared
# student file from, in order: FROM/labs/LAB/F (a clone of the repository),
# FROM/LAB/F (a folder laid out like labs/), and, when one lab is graded,
# a file named F anywhere under FROM (files uploaded loose, as on
# Gradescope). Only regular files are taken: a symlink could point at a
# file of the grading machine. A file not found stays missing, and the
# grader says so. Notes go to stdout.
#
# Usage: stage-submission.sh --root REPO --from DIR --to DIR --labs "LAB..."
set -u
root='' from='' to='' labs=''
while [[ $# -gt 0 ]]; do
    case $1 in
    --root) root=$2; shift 2 ;;
    --from) from=$2; shift 2 ;;
    --to) to=$2; shift 2 ;;
    --labs) labs=$2; shift 2 ;;
    *) echo "stage-submission: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $root && -n $from && -n $to && -n $labs ]] || { echo "usage: stage-submission.sh --root R --from D --to D --labs L" >&2; exit 2; }
rm -rf "$to"
mkdir -p "$to"
set -- $labs
single=$(($# == 1))
for lab in "$@"; do
    mkdir -p "$to/$lab"
    files=$("$root/build/bin/grader" labs --root "$root" --lab "$lab" --json | jq -r '.labs[].student | join(" ")')
    for f in $files; do
        src=
        for c in "$from/labs/$lab/$f" "$from/$lab/$f"; do
            if [[ -e $c || -L $c ]]; then src=$c; break; fi
        done
        if [[ -z $src && $single -eq 1 ]]; then
            hits=$(find "$from" -name "$f" \( -type f -o -type l \) -not -path '*/.git/*' 2>/dev/null)
            n=$(grep -c . <<<"$hits")
            if [[ $n -eq 1 ]]; then
                src=$hits
            elif [[ $n -gt 1 ]]; then
                echo "$lab/$f: $n files of that name in the submission; not taken:"
                sed 's/^/    /' <<<"$hits"
                continue
            fi
        fi
        [[ -n $src ]] || continue
        if [[ -L $src || ! -f $src ]]; then
            echo "$lab/$f: not a regular file (a symlink?): not taken"
            continue
        fi
        cp "$src" "$to/$lab/$f"
    done
done
# The grader's tests run as an unprivileged user when it runs as root.
chmod -R a+rX "$to"
exit 0
