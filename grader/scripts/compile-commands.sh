#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Print compile_commands.json for clangd: the compile commands the
# Makefile really runs, as bear records them, for the harness, the grader
# and its unit tests, every lab's tests and skeletons, and the reference
# solutions; built from scratch in a scratch folder, so nothing of build/
# is touched. A student file compiles from a staged copy behind a #line
# directive; its entry names the file itself (labs/NN-topic/x.c,
# solutions/NN-topic/x.c), which is the one an editor opens.
# Usage: compile-commands.sh LAB...
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v bear >/dev/null || { echo "compile-commands: bear is missing (make deps)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Of the solutions, only the student files' objects: the rest is the lab's.
targets=() ref=()
for lab in "$@"; do
    targets+=("lab-build-$lab")
    for f in $(make -s --no-print-directory -C "$root" lab-info LAB="$lab" |
        sed -n 's/^student: //p'); do
        ref+=("$tmp/build/ref/$lab/plain/student/${f%.c}.o")
    done
done
record() { # make arguments...
    bear --append --output "$tmp/cc.json" -- make -s --no-print-directory \
        -j"$(nproc)" -C "$root" BUILD="$tmp/build" "$@" >&2
}
record grader unit "${targets[@]}"
[[ ! -d $root/solutions ]] || record TREE="$root/solutions" OUT="$tmp/build/ref" "${ref[@]}"
# The staged copies ($OUT/<lab>/<variant>/student/x.c) by their own names.
jq --arg dev "$tmp/build/dev/" --arg ref "$tmp/build/ref/" --arg root "$root/" '
    def original:
        if startswith($dev) then ltrimstr($dev) | "labs/" + .
        elif startswith($ref) then ltrimstr($ref) | "solutions/" + .
        else null end
        | if . == null then null
          else [capture("^(?<tree>[^/]+)/(?<lab>[^/]+)/[^/]+/student/(?<f>.+)$")]
               | if length == 0 then null
                 else .[0] | $root + .tree + "/" + .lab + "/" + .f end end;
    map(. as $e | ($e.file | original) as $o
        | if $o == null then $e
          else $e | .arguments |= map(if . == $e.file then $o else . end)
                  | .file = $o end)' "$tmp/cc.json"
