#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Assemble the sample class into DEST/<student>/ from the manifests here,
# copying solution and skeleton files at run time (no copies of solution
# code are committed). Usage: build.sh DEST
#
# A student is a folder with a `manifest`, one `key = value` a line:
#   name = o'brien          the submission folder to create (default: this folder's name)
#   layout = labs           labs: DEST/name/NN-topic/...; repo: DEST/name/labs/NN-topic/...
#   02-threads = solutions  every student file of the lab from solutions/ (or skeleton: labs/)
#   02-threads/pool.c = X   one file: solutions, skeleton, missing, binary (a NUL
#                           byte: not text), or this (the file committed here,
#                           <student>/02-threads/pool.c)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
dest=${1:?usage: build.sh DEST}
mkdir -p "$dest"

trim() {
    local s=$1
    s=${s#"${s%%[![:space:]]*}"}
    printf '%s' "${s%"${s##*[![:space:]]}"}"
}

student_files() {
    make -s --no-print-directory -C "$root" lab-info LAB="$1" | sed -n 's/^student: //p'
}

for m in "$here"/*/manifest; do
    sdir=$(dirname "$m")
    name=$(basename "$sdir") layout=labs
    while IFS= read -r line; do
        line=${line%%#*}
        [[ $line == *=* ]] || continue
        key=$(trim "${line%%=*}") val=$(trim "${line#*=}")
        case $key in
        name) name=$val ;;
        layout) layout=$val ;;
        esac
    done <"$m"
    out=$dest/$name
    [[ $layout == repo ]] && { out=$dest/$name/labs; mkdir -p "$dest/$name"; echo "a student's clone" >"$dest/$name/README.md"; }
    mkdir -p "$out"
    while IFS= read -r line; do
        line=${line%%#*}
        [[ $line == *=* ]] || continue
        key=$(trim "${line%%=*}") val=$(trim "${line#*=}")
        [[ $key == name || $key == layout ]] && continue
        lab=${key%%/*}
        if [[ $key == */* ]]; then files=${key#*/}; else files=$(student_files "$lab"); fi
        mkdir -p "$out/$lab"
        for f in $files; do
            case $val in
            solutions) cp "$root/solutions/$lab/$f" "$out/$lab/$f" ;;
            skeleton) cp "$root/labs/$lab/$f" "$out/$lab/$f" ;;
            missing) rm -f "$out/$lab/$f" ;;
            binary) printf 'int x;\n\0\n' >"$out/$lab/$f" ;;
            this) cp "$sdir/$lab/$f" "$out/$lab/$f" ;;
            *) echo "$m: $key = $val: unknown source" >&2; exit 2 ;;
            esac
        done
    done <"$m"
done
