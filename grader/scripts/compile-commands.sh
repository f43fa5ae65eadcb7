#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Print compile_commands.json for clangd: every lab, harness and grader
# source with the flags the Makefile uses. Usage: CC FLAGS LAB...
set -eu
cc=$1 flags=$2
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
first=1
entry() { # file, extra flags
    [[ $first -eq 1 ]] && first=0 || printf ',\n'
    printf '  {"directory": "%s", "file": "%s", "command": "%s %s %s -c %s"}' \
        "$root" "$1" "$cc" "$flags" "$2" "$1"
}
printf '[\n'
for f in "$root"/harness/*.c; do entry "$f" ""; done
for f in "$root"/grader/src/*.c; do entry "$f" "-I$root/grader/src"; done
for lab in "$@"; do
    inc="-I$root/harness -iquote $root/labs/$lab"
    for f in "$root/labs/$lab"/*.c "$root/labs/$lab"/tests/*.c \
        "$root/solutions/$lab"/*.c; do
        [[ -e $f ]] && entry "$f" "$inc"
    done
done
printf '\n]\n'
